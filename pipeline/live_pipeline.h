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
#include "features/cic_columns.h"
#include "features/cic_labels.h"
#include "features/columns.h"
#include "features/profile.h"
#include "flow/run_stats.h"
#include "io/csv_format.h"

namespace netflower {

struct LiveConfig {
  Compat compat = Compat::kNone;
  bool tunnels = true;  // as PipelineConfig::tunnels
  double idle_timeout_seconds = 30.0;
  double cap_seconds = 120.0;  // duration cap (CaptureOptions::active_timeout)
  int jobs = 1;
  std::vector<int> cpus;
  RingOptions ring;
  bool save_pcap = false;
  std::string pcap_dir;
  std::optional<uid_t> pcap_dir_trusted_uid;  // may own pcap_dir (FlowPcapDirectory::Open)
  uint64_t save_pcap_budget_bytes = uint64_t{256} << 20;
  uint64_t packet_limit = 0;  // stop after this many packets (0: none)
  uint64_t max_flows = 0;     // open flows in all workers together (0: no limit)
  // CIC layouts (LiveImpl<CicProfile>): rows go to `on_text` as text; one
  // worker (jobs must be 1); save_pcap is refused by the caller.
  ColumnSet columns = ColumnSet::kNetflower;
  OutputFormat format = OutputFormat::kCsv;  // of the CIC text rows
  std::string label;
  std::vector<LabelRule> label_rules;
  bool cic_fixes = false;
  bool messages = false;  // Kafka: the workers also make LiveOutputs::on_message's messages
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
  // LiveConfig::messages.
  std::function<void(std::string_view key, std::string_view message)> on_message;
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

// The pcap file name save_pcap gives a flow (FLOW-SPEC §11.3), without the
// folder: "<src>-<sport>-<dst>-<dport>-<proto>-<start_us>.pcap".
std::string SavedFlowFileName(const FlowRecord& record, int64_t start_us);

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_LIVE_PIPELINE_H_
