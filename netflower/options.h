// What a run is asked to do: the options of a file conversion
// (ConvertOptions) and of a live capture (CaptureOptions), and what both
// share (Options). The library checks them once (ValidateOptions in
// netflower.h), with one answer whichever client asks: the command line,
// Python, the C API or a C++ program. The CLI's flags map onto these fields
// one to one (`netflower --help`, man netflower).
#ifndef NETFLOWER_NETFLOWER_OPTIONS_H_
#define NETFLOWER_NETFLOWER_OPTIONS_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "netflower/export.h"
#include "netflower/stats.h"

namespace netflower {

// Output profile (docs/FLOW-RULES.md, "Profiles").
enum class Compat {
  kNone,    // default: netflower 1.0's rules with the listed corrections
  kPython,  // byte-exact with netflower 1.0 (the Python package)
};

// Tunnels, in the default profile: open them and key each flow on the
// innermost packet, or make flows of the tunnel packets themselves.
enum class Tunnels { kInner, kOuter };

// What a run writes: netflower's 82 columns (docs/COLUMNS.md), optionally
// followed by the flow's tunnel, or one of the CIC layouts, which also select
// CICFlowMeter's flow rules (docs/CIC.md).
enum class ColumnSet : uint8_t {
  kNetflower,        // the default: the 82 columns, both profiles
  kNetflowerTunnel,  // the 82, then kTunnelColumnNames (default profile)
  kCicIds2017,       // CIC-IDS2017 "TrafficLabelling", 85 columns
  kCicIds2017Ml,     // CIC-IDS2017 "MachineLearningCVE", 79 columns
  kCseCicIds2018,    // CSE-CIC-IDS2018 "Processed Traffic Data for ML", 80 columns
  kCicflowmeterV4,   // CICFlowMeter-V4 writer (and the 2018 file with IPs), 84 columns
  kCicflowmeter,     // CICFlowMeter master's writer, 84 columns
  kCount
};

// --columns names, in ColumnSet order: the one name table.
inline constexpr std::string_view kColumnSetNames[] = {
    "netflower",       "netflower-tunnel", "cic-ids2017", "cic-ids2017-ml",
    "cse-cic-ids2018", "cicflowmeter-v4",  "cicflowmeter"};
static_assert(std::size(kColumnSetNames) == static_cast<size_t>(ColumnSet::kCount));

inline std::string_view ColumnSetName(ColumnSet set) {
  return kColumnSetNames[static_cast<size_t>(set)];
}
NETFLOWER_EXPORT std::optional<ColumnSet> ParseColumnSet(std::string_view name);
// "netflower, netflower-tunnel, cic-ids2017, ..." for messages and --help.
NETFLOWER_EXPORT std::string_view ColumnSetList();

inline bool IsCic(ColumnSet set) {
  return set != ColumnSet::kNetflower && set != ColumnSet::kNetflowerTunnel;
}
// Whether rows end with the tunnel columns (kTunnelColumnNames).
inline bool HasTunnelColumns(ColumnSet set) { return set == ColumnSet::kNetflowerTunnel; }

// CICFlowMeter's flow timeout when none is given (its command line's 120 s),
// measured from a flow's first packet.
inline constexpr double kCicFlowTimeoutSeconds = 120.0;

// The label a CIC layout's own tool wrote when nobody labelled the flows:
// BENIGN (cic-ids2017*), No Label (cse-cic-ids2018, cicflowmeter-v4),
// NeedManualLabel (cicflowmeter).
NETFLOWER_EXPORT std::string_view DefaultCicLabel(ColumnSet set);

// How rows are written.
enum class OutputFormat : uint8_t {
  kCsv,    // a header line, then one comma-separated row per flow
  kJsonl,  // one JSON object per flow and line, keys = column names, no header
};

// The longest wait either Kafka timeout may ask for: a day. A deadline in
// nanoseconds overflows int64 from about 292 years; a day is already longer
// than any flush worth waiting for.
inline constexpr double kMaxKafkaTimeoutSeconds = 86400.0;

struct KafkaOptions {
  // bootstrap.servers: "host:port[,host:port...]".
  std::string brokers;
  std::string topic;
  // librdkafka properties (CONFIGURATION.md), applied after the defaults
  // (KafkaDefaultSettings), so any of them can be changed.
  std::vector<std::pair<std::string, std::string>> settings;
  // At the end, how long to wait for outstanding deliveries (0 to
  // kMaxKafkaTimeoutSeconds); what is still queued then is counted as
  // undelivered.
  double flush_timeout_seconds = 30.0;
  // At the start, how long the cluster may take to answer for the topic.
  double connect_timeout_seconds = 10.0;
};

// The producer's defaults, in the order they are applied: acks=all,
// enable.idempotence=true (exactly once and in order per partition,
// whatever the retries), compression.type=lz4, linger.ms=20.
NETFLOWER_EXPORT const std::vector<std::pair<std::string, std::string>>& KafkaDefaultSettings();

// IPFIX export (RFC 7011; docs/IPFIX.md): every flow as a data record to a
// collector (nfcapd, pmacct, ipfixcol2, ...).
enum class IpfixTransport : uint8_t { kUdp, kTcp };

// IPFIX's own port for both transports (RFC 7011, section 10).
inline constexpr uint16_t kIpfixDefaultPort = 4739;
// Bytes of complete messages held while a TCP collector is away (or
// slower than the flows): beyond this, messages are dropped and counted.
inline constexpr size_t kIpfixBufferBytes = size_t{64} << 20;
// The longest a message may be (its length field is 16 bits).
inline constexpr int kIpfixMaxMessageBytes = 65535;
// The private enterprise number of RFC 5103's reverse elements: not one a
// user may give for netflower's own elements.
inline constexpr uint32_t kIpfixReversePen = 29305;

struct IpfixOptions {
  // The collector: a host name or address, and port.
  std::string host;
  uint16_t port = kIpfixDefaultPort;
  IpfixTransport transport = IpfixTransport::kUdp;
  // The observation domain id of every message.
  uint32_t observation_domain = 0;
  // UDP: templates are sent at the start, again every this many seconds
  // (0: before every message; at most kMaxKafkaTimeoutSeconds), and again
  // after the collector's host said the port was closed. TCP: once per
  // connection.
  double template_interval_seconds = 10.0;
  // The longest message, in bytes: 1472 is a 1500-byte Ethernet MTU less
  // the IPv4 and UDP headers. At least what the largest template or record
  // needs (IpfixMinMessageBytes), at most kIpfixMaxMessageBytes.
  int mtu = 1472;
  // Two records per flow (forward, and reverse when it has packets) for
  // collectors without RFC 5103 biflow support; else one biflow record.
  bool uniflow = false;
  // Set: the statistics without a standard element go as enterprise
  // elements under this private enterprise number (docs/IPFIX.md). Unset:
  // standard elements only.
  std::optional<uint32_t> enterprise_number;
  // At the end, how long to wait for a TCP collector to take what is
  // buffered (0 to kMaxKafkaTimeoutSeconds); the rest is counted as dropped.
  double flush_timeout_seconds = 10.0;
};

// Parses a collector as --ipfix takes it: HOST:PORT, [IPV6]:PORT, with
// "/udp" (the default) or "/tcp" after it, into the host, port and
// transport of `options`. InvalidArgument says what is wrong.
NETFLOWER_EXPORT absl::Status ParseIpfixCollector(std::string_view text, IpfixOptions* options);
// The collector as ParseIpfixCollector reads it: "host:port/udp",
// "[::1]:4739/tcp" (summaries and messages name it so).
NETFLOWER_EXPORT std::string IpfixCollectorText(const IpfixOptions& options);

// Labels of the CIC layouts (docs/CIC.md, "Labels").
//
// The longest label, in bytes of UTF-8. The CIC datasets' labels are under
// 30 characters; the bound is what keeps a row's text within its fixed
// buffer (io/cic_format.cc checks the sum at compile time).
inline constexpr size_t kMaxLabelBytes = 256;
// A rules file's bounds: a wrong path (/dev/zero, a capture) fails at once.
inline constexpr size_t kMaxLabelRulesBytes = size_t{16} << 20;
inline constexpr size_t kMaxLabelRuleLineBytes = 4096;

// The one rule for a label, wherever it comes from (--label, --labels, the
// library, Python, C): 1 to kMaxLabelBytes bytes of valid UTF-8, not only
// spaces, and no control character (U+0000-U+001F, U+007F-U+009F: a line
// break or a NUL would split or end the CSV row). Commas and quotes are
// allowed: the CSV writer quotes such a label as RFC 4180 says, and JSON
// escapes it. InvalidArgument names what is wrong.
NETFLOWER_EXPORT absl::Status CheckLabel(std::string_view label);

// A rule of a --labels file: a flow whose endpoints (either direction),
// protocol and first packet's time match gets `label`.
struct LabelRule {
  struct Block {  // an IPv4 CIDR block; prefix 0 matches every address
    uint32_t network = 0;
    int prefix = 0;
  };
  struct Ports {
    uint16_t low = 0, high = 65535;
  };
  Block src, dst;
  Ports src_port, dst_port;
  int protocol = -1;  // -1: any
  // The window [start_us, end_us) for the flow's first packet, in
  // microseconds since the epoch.
  int64_t start_us = std::numeric_limits<int64_t>::min();
  int64_t end_us = std::numeric_limits<int64_t>::max();
  std::string label;
};

// What the library checks of rules it is given: each label passes
// CheckLabel, each window is non-empty (start < end).
NETFLOWER_EXPORT absl::Status CheckLabelRules(const std::vector<LabelRule>& rules);

// Parses a rules file's text (docs/CIC.md, "Labels"). Errors name `source`,
// the line, the field and what is expected there.
NETFLOWER_EXPORT absl::StatusOr<std::vector<LabelRule>> ParseLabelRules(std::string_view text,
                                                                        std::string_view source);

// Reads (within kMaxLabelRulesBytes and kMaxLabelRuleLineBytes a line) and
// parses the rules file at `path`. Errors name the path and the cause:
// NotFound, PermissionDenied, InvalidArgument (a directory, too large, a
// line too long, a bad rule).
NETFLOWER_EXPORT absl::StatusOr<std::vector<LabelRule>> ReadLabelRules(const std::string& path);

// The defaults of what Options leaves unset (one place for each; the
// library settles them, --help and the summaries print them).
inline constexpr double kDefaultFileIdleTimeout = 120.0;  // netflower 1.0's flow_timeout
inline constexpr double kDefaultLiveIdleTimeout = 30.0;
inline constexpr double kDefaultLiveActiveTimeout = 120.0;  // 1.0's capture_live flow_timeout
inline constexpr int64_t kDefaultGcInterval = 1000;         // netflower 1.0's
// Options::interim's bound (a year): beyond it the nanosecond period a flow
// engine keeps would come close to overflowing.
inline constexpr double kMaxInterimSeconds = 31536000.0;
// --dpi: nDPI sees at most this many of a flow's first packets (both
// directions). Most flows are labelled sooner and stop there (FLOW-RULES
// §16 says why this number).
inline constexpr int kDpiPacketBound = 24;

// What a file conversion and a live capture share.
struct Options {
  // Idle timeout in seconds (>= 0): a flow whose last packet is older than
  // this ends; the next packet starts a new flow. Unset: 120 s for files
  // (kDefaultFileIdleTimeout), 30 s live. Not with a CIC layout: CICFlowMeter
  // has no idle timeout.
  std::optional<double> idle_timeout;
  // Duration cap in seconds (>= 0): a flow older than this since its first
  // packet ends. Unset: none for files, 120 s live (netflower 1.0's
  // capture_live flow_timeout). With a CIC layout: CICFlowMeter's flow
  // timeout (unset: kCicFlowTimeoutSeconds).
  std::optional<double> active_timeout;
  // Flow workers: N >= 1, -1 = all CPUs, below -1 = max(1, CPUs + N + 1)
  // (netflower 1.0's n_jobs); 0 is an error. The output never depends on it
  // (unless max_flows evicts flows). Live: N rings in one PACKET_FANOUT_HASH
  // group, the kernel keeping both directions of a flow on one. A CIC
  // layout runs one worker whatever this is.
  int jobs = 1;
  // CPUs to pin the flow workers to (round-robin). Empty: with at least
  // jobs + 2 CPUs, CPU 0 is left to the packet reader and the workers take
  // the next ones; with fewer, the workers are not pinned.
  std::vector<int> cpus;
  Compat compat = Compat::kNone;
  // Unset: inner in the default profile (VXLAN, GENEVE, GTP-U, GRE incl.
  // ERSPAN, IP-in-IP, 6in4, 4in6 opened; docs/DECODING.md). The python
  // profile (netflower 1.0) and the CIC layouts (CICFlowMeter) read the
  // outer packet, as the tools they follow did: a value is refused there.
  std::optional<Tunnels> tunnels;
  // CSV (the header, then a row per flow) or JSON Lines (an object per flow
  // and line, keys = column names, non-finite floats as null): the same
  // flows in the same order either way.
  OutputFormat format = OutputFormat::kCsv;
  // netflower's 82 columns; netflower-tunnel (the 82, then tunnel_type and
  // tunnel_id of the flow's first packet's outermost tunnel; default
  // profile with tunnels inner); or a CIC layout with CICFlowMeter's flow
  // rules and values (docs/CIC.md), which needs compat kNone, is written as
  // text only (no FlowRecord callbacks) and has one flow worker.
  ColumnSet columns = ColumnSet::kNetflower;
  // The CIC Label column's text; unset: DefaultCicLabel. Only with a CIC
  // layout. Must pass CheckLabel; a comma or a quote is quoted in the CSV.
  std::optional<std::string> label;
  // CIC layouts: label flows by rules (ReadLabelRules; first match wins),
  // `label` for the flows no rule matches.
  std::vector<LabelRule> label_rules;
  // CIC layouts: correct CICFlowMeter's quirks that change a column
  // (docs/CIC.md, "Fixes") instead of reproducing them.
  bool cic_fixes = false;
  // Also (or, with no CSV output, only) send every flow to Kafka as a
  // message: a JSON object (the JSON Lines row of `columns`), keyed by the
  // flow's endpoints (both directions, one key, one partition). The
  // cluster is asked for the topic before anything is read or captured; at
  // the end the run waits up to flush_timeout_seconds for deliveries, and a
  // flow failed or not delivered makes it fail with Unavailable (a CSV
  // written alongside is kept: it is complete). Counted in RunStats::kafka.
  std::optional<KafkaOptions> kafka;
  // Also (or, with no CSV output, only) export every flow over IPFIX
  // (docs/IPFIX.md). Needs the netflower column sets (not a CIC layout).
  // The collector's address is resolved before anything is read; a
  // collector that is down does not stop the run: what cannot be sent is
  // counted (RunStats::ipfix), and a run that dropped records fails with
  // Unavailable at the end (a CSV written alongside is kept).
  std::optional<IpfixOptions> ipfix;
  // At most this many flows open at once: a new flow in a full table first
  // evicts the least recently active one (emitted early, counted in
  // RunStats::flows_by_reason.evicted). Unset: a quarter of physical memory
  // at 512 bytes a flow. 0: no limit. With several jobs each worker holds a
  // share (the shares add up to max_flows, which must be at least the job
  // count), so once flows are evicted the rows can depend on jobs.
  std::optional<uint64_t> max_flows;
  // Write the CSV with io_uring when the kernel allows it (else write(2),
  // said once on stderr). false: always write(2).
  bool use_io_uring = true;
  // Add the export_reason column after the netflower columns: why each row
  // was written (fin, rst, idle, active, evicted, end, interim). Default
  // profile and netflower column sets only. Implied by `interim`.
  bool export_reason = false;
  // Interim reports (seconds, > 0): an open flow whose last report (its
  // first packet, or its last interim row) is older than this is written
  // again with its values so far, export_reason "interim" (FLOW-RULES §14),
  // when one of its packets or a sweep finds it so. Final rows are
  // unchanged and interim rows are not flows (RunStats::interim_rows).
  // Default profile and netflower column sets only; not with IPFIX.
  std::optional<double> interim;
  // SPLT: keep each flow's first `splt` packets (1 to kMaxSpltPackets; 0:
  // none) and write their signed IP lengths, inter-arrival times and TCP
  // flags as three list columns (docs/COLUMNS.md; FlowRecord::splt). Default
  // profile and netflower column sets only; packets beyond them cost nothing.
  int splt = 0;
  // Application labels: feed each flow's first packets to nDPI (at most
  // kDpiPacketBound, both directions) and write what it found as six
  // columns (docs/COLUMNS.md, FLOW-RULES §16; FlowRecord::app). Default
  // profile and netflower column sets only; a build without nDPI (the
  // static benchmark kit) refuses it (DpiAvailable()).
  bool dpi = false;
};

// The columns that follow the 82 in a netflower column set, in this order:
// the tunnel columns (netflower-tunnel), the DPI labels, the SPLT lists,
// export_reason.
struct ExtraColumns {
  bool tunnel = false;
  bool export_reason = false;
  bool splt = false;
  bool dpi = false;
};
inline ExtraColumns ExtraColumnsOf(const Options& o) {
  return ExtraColumns{HasTunnelColumns(o.columns), o.export_reason || o.interim.has_value(),
                      o.splt > 0, o.dpi};
}

// Options of a file conversion.
struct ConvertOptions : Options {
  // A sweep for idle flows runs after every gc_interval-th accepted packet
  // (>= 1; unset: kDefaultGcInterval). Not with a CIC layout, which reads
  // files without sweeps.
  std::optional<int64_t> gc_interval;
  // Rows are written in batches of this size (>= 1); no effect on the content.
  int64_t buffer_rows = 500;
  // Format rows on a thread per flow worker; unset: when there are at least
  // 2 CPUs per worker. A tuning knob: the output is the same either way.
  std::optional<bool> format_threads;
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

// Options of a live capture.
struct CaptureOptions : Options {
  // Write each completed flow's frames to
  // <pcap_dir>/<src>-<sport>-<dst>-<dport>-<proto>-<start_us>.pcap. Flow
  // files are created new (O_EXCL | O_NOFOLLOW: an existing name or a
  // planted link gets a suffix, never followed). pcap_dir must exist and be
  // safe: not writable by everyone unless sticky, owned by root, this
  // process's user or switch_to's. Not with a CIC layout.
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
  std::string filter;  // BPF filter in tcpdump syntax; empty for none
  bool promiscuous = false;
  // Per ring: blocks of block_size bytes (a multiple of the page size); the
  // kernel hands a block over when full or after block_timeout_ms.
  uint32_t ring_block_size = 1u << 20;
  uint32_t ring_block_count = 64;
  uint32_t ring_block_timeout_ms = 10;
  // Also write each flow as a row here ("-" = standard output), in the
  // order flows complete. A file is written under a temporary name in the
  // same directory (created once every other check has passed, so a failed
  // start leaves an existing file as it was) and renamed into place by
  // Stop(), also after a write error (the rows written are kept).
  std::string csv_path;
  // Stop taking packets after this many (0: no limit); see limit_reached().
  uint64_t packet_limit = 0;
};

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_OPTIONS_H_
