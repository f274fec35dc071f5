// Application labels (--dpi, FLOW-RULES §16): a flow's first packets go to
// nDPI, which names the application and finds the server name and TLS
// fingerprints. The flow engine owns one AppDissector::Flow a flow while it
// dissects and keeps only the labels afterwards.
//
// nDPI's types stay in the .cc: a build without nDPI (the static benchmark
// kit) links app_dissector_absent.cc instead, whose Create() refuses.
#ifndef NETFLOWER_DPI_APP_DISSECTOR_H_
#define NETFLOWER_DPI_APP_DISSECTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "netflower/flow_record.h"

namespace netflower {

// Whether this build can label flows (was linked with nDPI).
bool DpiAvailable();

// One detection module: nDPI's protocol tables, automata and caches. Not
// thread-safe: each flow worker has its own, so that nothing is shared
// between workers and every --jobs labels alike.
class AppDissector {
 public:
  // One flow's dissection state (nDPI's, 688 bytes with nDPI 4.2).
  class Flow;
  struct FlowDeleter {
    void operator()(Flow* flow) const;
  };
  using FlowPtr = std::unique_ptr<Flow, FlowDeleter>;

  static absl::StatusOr<std::unique_ptr<AppDissector>> Create();
  ~AppDissector();
  AppDissector(const AppDissector&) = delete;
  AppDissector& operator=(const AppDissector&) = delete;

  // A new flow's state, to be fed its packets.
  FlowPtr NewFlow();

  // Feeds the flow's next packet: `ip` is its IP packet (the innermost IP
  // header on, as captured), `time_ms` its time in milliseconds. Returns
  // true once the flow needs no more packets: nDPI named it and has nothing
  // more to read (the server's TLS fingerprint, a certificate...), or it has
  // seen kDpiPacketBound packets.
  bool Feed(Flow* flow, std::string_view ip, uint64_t time_ms);

  // The flow's labels, final: a flow nDPI could not name by its packets
  // gets its guess from the ports and addresses (nDPI's giveup), as
  // ndpiReader does. The flow takes no more packets afterwards.
  std::shared_ptr<const AppLabels> Finish(Flow* flow);

  // The labels so far, without giving up (an interim row's).
  std::shared_ptr<const AppLabels> Peek(Flow* flow);

 private:
  struct Module;
  explicit AppDissector(std::unique_ptr<Module> module);
  std::unique_ptr<Module> module_;
};

}  // namespace netflower

#endif  // NETFLOWER_DPI_APP_DISSECTOR_H_
