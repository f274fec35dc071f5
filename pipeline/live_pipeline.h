// Live capture: per job a TPACKET_V3 ring (all rings in one fanout group), a
// reader thread that decodes and keys packets, an SPSC queue into a flow
// worker (pinned when there are CPUs to spare, see DefaultWorkerCpus);
// completed flows go to one delivery path.
#ifndef NETFLOWER_PIPELINE_LIVE_PIPELINE_H_
#define NETFLOWER_PIPELINE_LIVE_PIPELINE_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "capture/packet_ring.h"
#include "io/ipfix_model.h"
#include "netflower/flow_record.h"
#include "netflower/options.h"
#include "netflower/stats.h"
#include "pipeline/run_settings.h"

namespace netflower {

// A capture: its options and what they settle into. CIC layouts
// (LiveImpl<CicProfile>): rows go to `on_text` as text, one worker, no
// save_pcap (the library refuses it).
struct LiveConfig {
  const CaptureOptions* options = nullptr;
  RunSettings run;
};

// Where a capture's completed flows go, all on the delivery thread (the
// flows flushed by Stop() on the thread that calls it).
struct LiveOutputs {
  // Each flow's record (netflower layout).
  std::function<void(const FlowRecord&)> on_flow;
  // Each flow's row text (CIC layouts, which have no records).
  std::function<void(std::string_view)> on_text;
  // Kafka: each flow as a JSON object and its message key (RowBlock), made
  // by the workers; called before on_flow / on_text. Set only with
  // a Kafka output (Options::kafka). `interim`: an interim row.
  std::function<void(std::string_view key, std::string_view message, bool interim)> on_message;
  // IPFIX: each flow's data records in `ipfix_model` (which outlives the
  // pipeline), made by the workers; called before on_flow. Set only with
  // an IPFIX output (Options::ipfix).
  const IpfixModel* ipfix_model = nullptr;
  std::function<void(std::string_view records)> on_ipfix;
  // Whenever no flow is waiting (optional).
  std::function<void()> on_idle;
};

class LivePipeline {
 public:
  // Opens the rings (all errors appear here; nothing runs yet).
  static absl::StatusOr<std::unique_ptr<LivePipeline>> Create(const std::string& interface,
                                                              const LiveConfig& config,
                                                              LiveOutputs outputs);
  ~LivePipeline();

  // Starts the threads. FailedPrecondition if already started or stopped.
  absl::Status Start();
  // Stops reading, drains the rings, emits every open flow (delivered on
  // the calling thread) and returns when no delivery is left. Idempotent.
  void Stop();
  // True once a packet limit was reached (the capture then stops itself;
  // Stop() still has to be called to flush).
  bool limit_reached() const;
  // Totals over all rings and workers so far (any thread). flows_completed
  // counts deliveries; flows_written is left to the caller (its output).
  RunStats counters() const;
  uint16_t link_type() const;

  struct Impl;  // the profile-specific implementation (live_pipeline.cc)

 private:
  LivePipeline() = default;
  std::unique_ptr<Impl> impl_;
};

// The pcap file name save_pcap gives a flow (FLOW-RULES §11.3), without the
// folder: "<src>-<sport>-<dst>-<dport>-<proto>-<start_us>.pcap".
std::string SavedFlowFileName(const FlowRecord& record, int64_t start_us);

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_LIVE_PIPELINE_H_
