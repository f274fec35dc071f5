// netflower: packets in, bidirectional flows with 82 CICFlowMeter-style
// columns out. This header is the library's public API.
//
//   netflower::ConvertOptions options;
//   options.compat = netflower::Compat::kPython;
//   absl::StatusOr<uint64_t> rows =
//       netflower::ConvertPcapToCsv("in.pcapng", "out.csv", options);
//   if (!rows.ok()) std::cerr << rows.status() << "\n";
//
// Every column, rule and byte of output is specified by FLOW-SPEC.md.
#ifndef NETFLOWER_NETFLOWER_NETFLOWER_H_
#define NETFLOWER_NETFLOWER_NETFLOWER_H_

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "features/cic_columns.h"  // ColumnSet, DefaultCicLabel
#include "features/cic_labels.h"   // LabelRule, ReadLabelRules
#include "features/columns.h"      // FlowRecord, kColumns, GetColumn()
#include "features/profile.h"      // Compat
#include "flow/run_stats.h"        // RunStats, SkipReason, Progress
#include "io/csv_format.h"         // OutputFormat
#include "io/kafka_producer.h"     // KafkaOptions

namespace netflower {

// Options of a file conversion (FLOW-SPEC §2.1).
struct ConvertOptions {
  // Idle timeout in seconds (netflower 1.0's convert_pcap_to_csv
  // flow_timeout): a flow whose last packet is older than this is emitted.
  // >= 0.
  double idle_timeout = 120.0;
  // Optional duration cap in seconds (netflower 1.0's capture_live
  // flow_timeout): a flow older than this since its first packet is emitted.
  // File conversion has none by default. >= 0.
  std::optional<double> active_timeout;
  // A sweep for idle flows runs after every gc_interval-th accepted packet.
  // >= 1.
  int64_t gc_interval = 1000;
  // Rows are written in batches of this size; no effect on the content. >= 1.
  int64_t buffer_rows = 500;
  // Worker count: 0 is an error, -1 means all CPUs, below -1 means
  // max(1, cpus + n_jobs + 1). The output never depends on it (unless
  // max_flows evicts flows; see there).
  int n_jobs = 1;
  // CPUs to pin the flow workers to (round-robin). Empty: with at least
  // n_jobs + 2 CPUs, CPU 0 is left to the packet reader and the workers take
  // the next ones; with fewer, the workers are not pinned.
  std::vector<int> cpus;
  // Format rows on a thread per flow worker; unset: when there are at least
  // 2 CPUs per worker (pipeline/pipeline.h, UseRowFormatters). A tuning
  // knob: the output is the same either way.
  std::optional<bool> format_threads;
  Compat compat = Compat::kNone;
  // Default profile: open tunnels (VXLAN, GENEVE, GTP-U, GRE incl. ERSPAN,
  // IP-in-IP, 6in4, 4in6; docs/DECODING.md) and key each flow on the
  // innermost packet, its lengths and headers the inner ones. false: the
  // outer packet, as before. The python profile (netflower 1.0) and the CIC
  // layouts (CICFlowMeter) always read the outer packet.
  bool tunnels = true;
  // CSV (the header, then a row per flow) or JSON Lines (an object per flow
  // and line, keys = column names, non-finite floats as null): the same
  // flows in the same order either way.
  OutputFormat format = OutputFormat::kCsv;
  // The column set: netflower's 82 columns; netflower-tunnel, the 82 and
  // then tunnel_type and tunnel_id (the outermost tunnel of each flow's
  // first packet; needs compat kNone and tunnels); or a CIC layout with
  // CICFlowMeter's flow rules and values (docs/CIC.md). A CIC layout needs
  // compat kNone (its rules are CICFlowMeter's, not a profile's), runs one
  // flow worker whatever n_jobs is (so its output never depends on it), uses
  // active_timeout as CICFlowMeter's flow timeout (120 s when unset; there is
  // no idle timeout) and is written as text only (ConvertPcap refuses it).
  ColumnSet columns = ColumnSet::kNetflower;
  // The CIC Label column's text; unset: what the layout's tool wrote
  // (DefaultCicLabel). Only with a CIC layout. UTF-8, 1 to kMaxLabelBytes
  // bytes, no control characters (CheckLabel); a comma or a quote is
  // quoted in the CSV as RFC 4180 says.
  std::optional<std::string> label;
  // CIC layouts: label flows by rules (ReadLabelRules; first match wins),
  // `label` (or the layout's default) for the flows no rule matches.
  std::vector<LabelRule> label_rules;
  // CIC layouts: correct CICFlowMeter's quirks that change a column
  // (docs/CIC.md, "Fixes") instead of reproducing them.
  bool cic_fixes = false;
  // Also (or only: output_path "") send every flow to Kafka as a message:
  // a JSON object (the JSON Lines row of `columns`, without its line end),
  // keyed by the flow's endpoints (FormatMessageKey: both directions, one
  // key, one partition). The cluster is asked for the topic before the
  // output is created. At the end the conversion waits up to
  // flush_timeout_seconds for deliveries; RunStats::kafka counts them, and
  // a flow failed or not delivered makes the conversion fail with
  // Unavailable (a CSV written alongside is kept: it is complete).
  std::optional<KafkaOptions> kafka;
  // Write the CSV with io_uring when the kernel allows it (else write(2),
  // said once on stderr). false: always write(2).
  bool use_io_uring = true;
  // At most this many flows open at once: a new flow in a full table first
  // evicts the least recently active one (emitted early, counted in
  // RunStats::flows_by_reason.evicted). Unset: a quarter of physical memory
  // at 512 bytes a flow. 0: no limit. With several jobs each worker holds a
  // share (the shares add up to max_flows, which must be at least the job
  // count), so once flows are evicted the rows can depend on n_jobs.
  std::optional<uint64_t> max_flows;
  // If set, filled with the run's statistics on return, also on failure (as
  // far as the run got).
  RunStats* stats = nullptr;
  // If set, called about twice a second during the conversion, on the
  // calling thread.
  std::function<void(const Progress&)> on_progress;
  // If set, the conversion stops within about 100 ms once it becomes true
  // (from a signal handler, say) and fails with Cancelled; no CSV is left
  // under the output name.
  const std::atomic<bool>* cancel = nullptr;
};

// Checks options as the functions below do, without running anything.
absl::Status ValidateOptions(const ConvertOptions& options);

// The column-set rules both option structs share: a CIC layout needs
// Compat::kNone; a label and cic_fixes need a CIC layout; netflower-tunnel
// needs Compat::kNone and `tunnels`; the label and the rules' labels pass
// CheckLabel, and each rule's window is non-empty (CheckLabelRules).
absl::Status CheckColumnOptions(ColumnSet columns, Compat compat,
                                const std::optional<std::string>& label,
                                const std::vector<LabelRule>& label_rules, bool cic_fixes,
                                bool tunnels);

// Converts the capture at `input_path` (pcap or pcapng, detected from its
// first bytes; "-" = standard input, read as a stream: rows are written as
// flows complete) to CSV at `output_path` ("-" = standard output). Returns
// the number of data rows written (the header is not counted).
//
// The CSV is written to a temporary file next to `output_path` and renamed
// into place on success; on failure no file is left under that name.
// A truncated or damaged input is not a failure: conversion stops at the
// damaged spot, every flow read so far (open ones included) is written, and
// the problem is listed in RunStats::warnings. Fails with InvalidArgument
// for bad options, an input that is not a readable capture or an output that
// is the input itself (RefuseSameFile), Cancelled (options.cancel), NotFound /
// PermissionDenied for files that cannot be opened, ResourceExhausted when
// the disk is full.
absl::StatusOr<uint64_t> ConvertPcapToCsv(const std::string& input_path,
                                          const std::string& output_path,
                                          const ConvertOptions& options = {});

// The same conversion, handing each flow to `on_flow` (on the calling thread,
// in the CSV's row order) instead of writing CSV. Returns the number of
// flows. An exception thrown by on_flow stops the conversion and is rethrown
// here once every thread has stopped.
absl::StatusOr<uint64_t> ConvertPcap(const std::string& input_path,
                                     const std::function<void(const FlowRecord&)>& on_flow,
                                     const ConvertOptions& options = {});

// This library's version ("MAJOR.MINOR.PATCH", "-dev" between releases).
inline constexpr char kVersion[] = "2.0.0-dev";

// What this machine and process offer: OK or the reason, for --version.
struct PlatformSupport {
  absl::Status io_uring;    // CSV writing with io_uring (else write(2))
  absl::Status tpacket_v3;  // live capture rings (root or CAP_NET_RAW)
};
PlatformSupport ProbePlatform();

// The worker count an n_jobs value resolves to on this machine, or an error
// for 0.
absl::StatusOr<int> ResolveJobs(int n_jobs);

// ConvertOptions::format_threads' default for `n_jobs` workers on `cpus`
// CPUs (for callers that share the CPUs among conversions).
bool DefaultFormatThreads(int n_jobs, size_t cpus);

// ---------------------------------------------------------------------------
// Live capture (FLOW-SPEC §2.2, §11)

// Options of a live capture.
struct CaptureOptions {
  // Idle timeout in seconds (>= 0).
  double idle_timeout = 30.0;
  // Duration cap in seconds (>= 0): a flow older than this since its first
  // packet is emitted (netflower 1.0's capture_live flow_timeout).
  double active_timeout = 120.0;
  // Write each completed flow's frames to
  // <pcap_dir>/<src>-<sport>-<dst>-<dport>-<proto>-<start_us>.pcap.
  // Flow files are created new (O_EXCL | O_NOFOLLOW: an existing name or a
  // planted link gets a suffix, never followed). pcap_dir must exist and be
  // safe: not writable by everyone unless sticky, owned by root, this
  // process's user or pcap_dir_owner.
  bool save_pcap = false;
  std::string pcap_dir;
  // The user the caller switches to once the capture is set up (the CLI's
  // --user): it may own pcap_dir, and the CSV file is created for it (owned
  // by it, so that it can move the file into place at Stop()).
  struct SwitchUser {
    uid_t uid = 0;
    gid_t gid = 0;
  };
  std::optional<SwitchUser> switch_to;
  // Memory for frames waiting in open flows (save_pcap); frames beyond it
  // are not saved and are counted.
  uint64_t save_pcap_memory_bytes = uint64_t{256} << 20;
  // Rings (and flow workers), joined in one PACKET_FANOUT_HASH group: the
  // kernel's flow hash keeps both directions of a flow on one worker.
  int jobs = 1;
  std::vector<int> cpus;  // CPUs for the workers (empty: as ConvertOptions::cpus)
  std::string filter;     // BPF filter in tcpdump syntax; empty for none
  bool promiscuous = false;
  Compat compat = Compat::kNone;
  bool tunnels = true;                       // as ConvertOptions::tunnels
  OutputFormat format = OutputFormat::kCsv;  // of csv_path, as ConvertOptions::format
  // As ConvertOptions::columns, label and cic_fixes. A CIC layout runs one
  // flow worker (jobs is then 1), ends a flow once its flow timeout
  // (active_timeout) has passed since its first packet, also without
  // further traffic (a sweep twice a second), and is written to csv_path
  // only: on_flow must be empty, and save_pcap is not available with it.
  ColumnSet columns = ColumnSet::kNetflower;
  std::optional<std::string> label;
  std::vector<LabelRule> label_rules;
  bool cic_fixes = false;
  // Per ring: blocks of block_size bytes (a multiple of the page size); the
  // kernel hands a block over when full or after block_timeout_ms.
  uint32_t ring_block_size = 1u << 20;
  uint32_t ring_block_count = 64;
  uint32_t ring_block_timeout_ms = 10;
  // Also write each flow as a CSV row here ("-" = standard output), in the
  // order flows complete. A file is written under a temporary name in the
  // same directory (created once every other check has passed, so a failed
  // start leaves an existing file as it was) and renamed into place by
  // Stop(), also after a write error (the rows written are kept).
  std::string csv_path;
  // Also send every flow to Kafka, as ConvertOptions::kafka: the cluster is
  // asked for the topic before any ring is opened; a cluster lost during
  // the capture fills librdkafka's bounded queue, then holds the delivery
  // thread (back-pressure: the rings fill and the kernel drops, counted);
  // Stop() waits up to flush_timeout_seconds and returns Unavailable if a
  // flow failed or was not delivered. Counted in RunStats::kafka.
  std::optional<KafkaOptions> kafka;
  // Stop taking packets after this many (0: no limit); see limit_reached().
  uint64_t packet_limit = 0;
  // As ConvertOptions::max_flows (at least jobs).
  std::optional<uint64_t> max_flows;
};

// Checks options as CaptureLive does, without opening anything.
absl::Status ValidateCaptureOptions(const CaptureOptions& options);

// A capture's counters are a RunStats (flow/run_stats.h): the same type as a
// file conversion's, its live-only fields filled. Kept as a name for one
// release.
using CaptureStats = RunStats;

// A running (or ready) capture on one interface. Destroying it stops it.
//
// Threads: every completed flow is passed to `on_flow` on one delivery
// thread (never two calls at once); the flows flushed by Stop() are passed
// on the thread that calls Stop(). A slow on_flow delays delivery: the
// capture rings absorb bursts, and sustained slowness shows up as counted
// kernel drops, never as unbounded memory or a hang. An exception escaping
// on_flow is caught and counted (RunStats::callback_exceptions); the
// capture continues.
class LiveCapture {
 public:
  ~LiveCapture();  // Stop()
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;

  // Starts capturing. FailedPrecondition if already started.
  absl::Status Start();
  // Stops: takes what is left in the rings, emits every open flow, finishes
  // the CSV, and returns when on_flow will not be called again. Safe to call
  // more than once. Returns the CSV writer's error, if any.
  absl::Status Stop();
  // True once CaptureOptions::packet_limit packets were taken.
  bool limit_reached() const;
  // True once writing the CSV failed (reader gone, disk full): rows are no
  // longer written; Stop() returns the error.
  bool output_failed() const;
  // Counters so far (any thread, also during Stop()): flows_completed are
  // the flows delivered, flows_written the CSV rows the kernel accepted (no
  // CSV: the flows delivered); late_packets, flows_by_reason and
  // frames_not_saved are complete once Stop() has returned.
  RunStats stats() const;
  // LINKTYPE_* of the interface (used for save_pcap files).
  uint16_t link_type() const;

  // The capture's internals, defined in live.cc (named here so that its
  // set-up steps there can take one); opaque to users.
  struct State;

 private:
  friend absl::StatusOr<std::unique_ptr<LiveCapture>> CaptureLive(
      const std::string&, std::function<void(const FlowRecord&)>, const CaptureOptions&);
  LiveCapture();
  std::unique_ptr<State> state_;
};

// Prepares a capture on `interface` (rings set up, nothing running yet).
// Errors name the cause and the fix: NotFound (no such interface),
// FailedPrecondition (interface down; pcap_dir missing), PermissionDenied
// (needs root or CAP_NET_RAW), ResourceExhausted (ring too large),
// InvalidArgument (bad options or filter). Nothing is left half-started.
absl::StatusOr<std::unique_ptr<LiveCapture>> CaptureLive(
    const std::string& interface, std::function<void(const FlowRecord&)> on_flow,
    const CaptureOptions& options = {});

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_NETFLOWER_H_
