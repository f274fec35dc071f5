// netflower command-line tool: capture files or a live interface to flow CSV.
#include "netflower/netflower.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "io/flow_pcap_dir.h"
#include "io/output_file.h"
#include "tools/build_info.h"
#include "tools/file_set.h"
#include "tools/privileges.h"

namespace netflower {
namespace {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;       // the run could not finish (bad input, I/O error)
constexpr int kExitUsage = 2;        // bad command line, checked before any work
constexpr int kExitDamaged = 3;      // --strict: finished, but the input was damaged
constexpr int kExitUndelivered = 4;  // finished, but flows failed or missed Kafka
constexpr int kExitSignal = 128;     // + the signal number: interrupted (130 SIGINT, 143 SIGTERM)

constexpr char kUsageHead[] = R"(usage: netflower --pcap FILE|- [--out FILE.csv|-] [options]
       netflower --pcap FILE|DIR [FILE ...] [--out FILE.csv|- | --out-dir DIR] [options]
       netflower --iface IF [--out FILE.csv|-] [options]
       netflower --pcap ...|--iface IF --kafka BROKERS --topic T [--out ...] [options]
       netflower --help | --version

Turns packets into bidirectional flows, one CSV row per flow with 82
CICFlowMeter-style columns, as specified by FLOW-SPEC.md (or a CIC dataset's
layout, --columns): from a capture file
(pcap or pcapng, detected from its first bytes, not its name) or live from a
network interface (flows are written the moment they complete); also, or
only, to Kafka, one JSON message per flow (--kafka).
)";

constexpr char kUsageTail[] =
    R"(Numbers are decimal (seconds may have a fraction: 0.5); an option is given at
most once; options of the other mode (--ring-mb with --pcap, --strict live)
are errors.

Signals: SIGINT or SIGTERM during a file conversion stops it within 0.1 s: the
temporary file is removed, the summary printed, exit 128 + the signal.

Environment: NETFLOWER_IO_URING=0 writes the CSV with write(2) instead of
io_uring (which is also the fallback when io_uring is unavailable).

Exit status: 0 success; 1 the run could not finish (unreadable input, write
error, no permission to capture; from a file, no CSV is left under the output
name); 2 bad command line, missing interface or user, bad filter, unsafe or
missing --save-pcap folder (all checked before any output is created); 3
with --strict, the input was damaged (warnings name the byte offset); 4
the run finished but some flows did not reach Kafka (failed, or not
delivered within --kafka-flush-timeout; the summary counts them; a CSV
written alongside is complete); 130 / 143 interrupted by SIGINT / SIGTERM.
)";

// Which mode an option belongs to.
enum Modes : uint8_t { kFile = 1, kLive = 2, kBoth = 3 };

struct CommandLine {  // NOLINT(clang-analyzer-optin.performance.Padding): one, read once
  std::string pcap;
  std::vector<std::string> more_pcaps;  // --pcap a b c: b and c
  std::string out_dir;                  // --out-dir: one output per input
  bool out_given = false;
  int64_t parallel_files = 0;  // 0: as many as CPUs allow (ParallelFiles)
  std::string iface;
  std::string out = "-";
  ConvertOptions options;
  std::optional<double> idle_timeout;
  std::optional<double> active_timeout;
  bool active_timeout_none = false;
  std::string save_pcap_dir;
  std::optional<double> duration;
  uint64_t count = 0;
  std::string filter;
  bool promisc = false;
  std::optional<uint32_t> ring_mb;  // unset: CaptureOptions' ring
  std::string user;
  bool strict = false;
  bool quiet = false;
  std::optional<bool> progress;
  // --kafka, --topic, --kafka-opt, --kafka-flush-timeout: options.kafka is
  // set from these once the whole line is read.
  std::string kafka_brokers;
  KafkaOptions kafka;
  bool tunnels_given = false;
  std::string labels_path;  // --labels: an input too, never to be overwritten
};

// Decimal integers only: no sign but a leading '-', no "-0", no spaces, no
// hex or octal prefixes.
std::optional<int64_t> ParseInteger(const std::string& text) {
  const size_t digits = text.rfind('-', 0) == 0 ? 1 : 0;
  if (text.size() == digits || text == "-0") return std::nullopt;
  for (size_t i = digits; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  errno = 0;
  const int64_t v = std::strtoll(text.c_str(), nullptr, 10);
  if (errno != 0) return std::nullopt;
  return v;
}

// Decimal seconds >= 0: "30", "0.5", ".5"; no exponent, inf, nan or hex.
std::optional<double> ParseSeconds(const std::string& text) {
  bool dot = false;
  bool digit = false;
  for (char c : text) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  const double v = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// "0,2,4-7" -> {0, 2, 4, 5, 6, 7}.
std::optional<std::vector<int>> ParseCpuList(const std::string& text) {
  std::vector<int> cpus;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = text.find(',', pos);
    const std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    const size_t dash = item.find('-');
    const std::optional<int64_t> lo = ParseInteger(item.substr(0, dash));
    const std::optional<int64_t> hi =
        dash == std::string::npos ? lo : ParseInteger(item.substr(dash + 1));
    if (!lo || !hi || *lo < 0 || *hi < *lo || *hi >= 1024) return std::nullopt;
    for (int64_t c = *lo; c <= *hi; ++c) cpus.push_back(static_cast<int>(c));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (cpus.empty()) return std::nullopt;
  return cpus;
}

// The sections of --help, in order.
enum Section : uint8_t { kInputOutput, kKafka, kFlowRules, kLiveCapture, kPerformance, kReporting };
constexpr const char* kSectionTitles[] = {"Input and output", "Kafka",       "Flow rules",
                                          "Live capture",     "Performance", "Reporting"};

// One option: its name, its value as --help shows it ("" for none; the
// option takes a value exactly when it has one), its --help section and
// text ({name} marks a default, filled in from the library's option
// structs), the modes it applies to, and what it does to the command line
// (an error message, or "" if fine).
struct Flag {  // NOLINT(clang-analyzer-optin.performance.Padding): 24 entries, read once
  const char* name;
  const char* value;
  Section section;
  const char* help;  // null: described with the option before it
  Modes modes;
  std::string (*apply)(const std::string& value, CommandLine* cl);
  bool repeatable = false;  // may be given more than once (--kafka-opt)
  bool takes_value() const { return value[0] != '\0'; }
};

std::string Expected(const char* what) { return absl::StrCat("expected ", what); }

std::string ApplyTimeout(const std::string& value, std::optional<double>* slot) {
  *slot = ParseSeconds(value);
  return *slot ? "" : Expected("seconds >= 0, e.g. 30 or 0.5");
}

std::string ApplyCount(const std::string& value, int64_t min, int64_t max, int64_t* out) {
  const std::optional<int64_t> v = ParseInteger(value);
  if (!v || *v < min || *v > max) {
    return absl::StrCat("expected an integer from ", min, " to ", max);
  }
  *out = *v;
  return "";
}

constexpr int64_t kMaxCount = int64_t{1} << 62;

// The option table: parsing, mode checks and --help are driven by it.
const Flag kFlags[] = {
    {"--pcap", " FILE|DIR|-", kInputOutput,
     R"(capture file(s) to convert; "-" reads standard input
as a stream (tcpdump -w - | netflower --pcap -): memory
stays bounded and rows are written as flows complete.
Several files (--pcap a.pcap b.pcapng, a shell glob) or
a folder (its .pcap, .pcapng, .cap, .dmp files, by name)
are converted --parallel-files at a time, each to its own
file in --out-dir, or all into one --out in input order;
a summary per file and a total; a failed file does not
stop the others (exit 1 then))",
     kFile,
     [](const std::string& v, CommandLine* cl) {
       cl->pcap = v;
       return v.empty() ? Expected("a capture file, or - for standard input") : std::string();
     }},
    {"--iface", " IF", kInputOutput,
     R"(capture live on network interface IF (needs root or
CAP_NET_RAW) until SIGINT/SIGTERM, --duration or
--count; every open flow is written at the end (if
the output is not being read, another SIGINT/SIGTERM
quits without them, exit 1))",
     kLive,
     [](const std::string& v, CommandLine* cl) {
       cl->iface = v;
       return v.empty() ? Expected("an interface name") : std::string();
     }},
    {"--out", " FILE|-", kInputOutput,
     R"(where the CSV goes; "-" is standard output (default).
A file is written under a temporary name in the same
folder and renamed into place at the end; it keeps
the mode (and, for root, the owner) of the file it
replaces, else it is created 0666 less the umask.
From a file, a failed or interrupted run leaves no
CSV under that name; live, a failed start leaves an
existing file as it was. The output may not be the
input (also not standard input's file, nor the
--labels file), nor lie inside the --save-pcap folder.
In a folder everyone may write to (sticky, of root or
you), another user's entry under the name is never
followed or written into: a link or file is replaced,
a FIFO or device refused.)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       cl->out = v;
       cl->out_given = true;
       return v.empty() ? Expected("a file name or -") : std::string();
     }},
    {"--out-dir", " DIR", kInputOutput,
     R"(several inputs: write each one's rows to
DIR/<input file name>.csv (.jsonl with --format jsonl),
each under a temporary name until complete. Only ever
a new regular file: a FIFO or device under such a name
is refused, a link is replaced, never followed. A
folder everyone may write to must be sticky and belong
to root or you)",
     kFile,
     [](const std::string& v, CommandLine* cl) {
       cl->out_dir = v;
       return v.empty() ? Expected("a directory") : std::string();
     }},
    {"--parallel-files", " N", kPerformance,
     R"(several inputs: convert N files at once, each with
--jobs workers (default: the CPUs / --jobs, at least 1);
the output never depends on it)",
     kFile,
     [](const std::string& v, CommandLine* cl) {
       return ApplyCount(v, 1, 1024, &cl->parallel_files);
     }},
    {"--format", " csv|jsonl", kInputOutput,
     R"(csv (default): a header line, then one row per flow.
jsonl: JSON Lines, one object per flow and line, keys
= the column names, numbers as JSON numbers with the
CSV's digits, addresses as strings, a float that is
not finite (inf, nan) as null; no header. The same
flows in the same order as the CSV, in every mode.)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       if (v != "csv" && v != "jsonl") return Expected("csv or jsonl");
       cl->options.format = v == "jsonl" ? OutputFormat::kJsonl : OutputFormat::kCsv;
       return std::string();
     }},
    {"--columns", " NAME", kInputOutput,
     R"(the column set (default: netflower, FLOW-SPEC's 82
columns). netflower-tunnel: the 82, then tunnel_type
(vxlan, geneve, gtpu, gre, erspan, pptp, ipip; empty
when not tunnelled) and tunnel_id (VNI, TEID, GRE key,
ERSPAN session, PPTP call ID; empty when none): the
outermost tunnel of the flow's first packet (default
profile, --tunnels=inner). cic-ids2017 (85 columns, TrafficLabelling),
cic-ids2017-ml (79, MachineLearningCVE),
cse-cic-ids2018 (80), cicflowmeter-v4 (84, also the
2018 file with IPs), cicflowmeter (84, master's names):
the CIC datasets' exact headers with CICFlowMeter's
own flow rules and values (docs/CIC.md): microseconds,
payload bytes, its 120 s flow timeout from the first
packet (--active-timeout), no idle timeout, IPv4 only,
flows of 2+ packets, its quirks; Timestamp in local
time (TZ). One flow worker; live, no --save-pcap.)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       const std::optional<ColumnSet> set = ParseColumnSet(v);
       if (!set) return Expected(std::string(ColumnSetList()).c_str());
       cl->options.columns = *set;
       return std::string();
     }},
    {"--label", " TEXT", kInputOutput,
     R"(the CIC layouts' Label column (default: what the
layout's tool wrote: BENIGN for cic-ids2017*, No Label
for cse-cic-ids2018 and cicflowmeter-v4,
NeedManualLabel for cicflowmeter). UTF-8, 1 to 256
bytes, no control characters (line breaks, tabs, NUL);
a comma or quote is quoted in the CSV (RFC 4180))",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       cl->options.label = v;
       return std::string();
     }},
    {"--labels", " FILE", kInputOutput,
     R"(CIC layouts: label flows by the rules in FILE, CSV
with the header src,dst,src_port,dst_port,protocol,
start,end,label: addresses or CIDR blocks, ports or
ranges, protocol, a window [start, end) for the flow's
first packet (2017-07-07T09:30:00-03:00: an offset or
Z is required; or epoch seconds; at most 6 decimals),
label (as --label; quote it if it has a comma); *
matches anything; a rule matches either direction; the
first match wins, --label for the rest. At most 16 MiB
and 4096 bytes a line (docs/CIC.md))",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       absl::StatusOr<std::vector<LabelRule>> rules = ReadLabelRules(v);
       if (!rules.ok()) return std::string(rules.status().message());
       cl->options.label_rules = *std::move(rules);
       cl->labels_path = v;
       return std::string();
     }},
    {"--cic-fixes", "", kFlowRules,
     R"(CIC layouts: correct the CICFlowMeter quirks that
change a column (flags counted on every packet and
written in header order, the first packet counted once,
backward bulk bytes, the first backward window, ...;
docs/CIC.md, "Fixes") instead of reproducing them)",
     kBoth,
     [](const std::string&, CommandLine* cl) {
       cl->options.cic_fixes = true;
       return std::string();
     }},
    {"--kafka", " BROKERS", kKafka,
     R"(also (or, without --out, only) send every flow to
Kafka, host:port[,host:port...]: one message per
flow, a JSON object (the --format jsonl row of
--columns), keyed by the flow's endpoints (both
directions: one key, one partition). By default:
{kafka_defaults}.
The cluster must answer for the topic before
anything is read or captured. At the end netflower waits for every delivery
(--kafka-flush-timeout); the summary counts them and
exit status 4 says some flows failed or were not
delivered. A cluster lost mid-run: librdkafka's
bounded queue fills, then the run waits for it
(live: the rings fill and the kernel drops, counted).)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       cl->kafka_brokers = v;
       return v.empty() ? Expected("host:port[,host:port...]") : std::string();
     }},
    {"--topic", " T", kKafka, R"(the Kafka topic (needed with --kafka))", kBoth,
     [](const std::string& v, CommandLine* cl) {
       cl->kafka.topic = v;
       return v.empty() ? Expected("a topic name") : std::string();
     }},
    {"--kafka-opt", " KEY=VALUE", kKafka,
     R"(a librdkafka producer property (CONFIGURATION.md;
may be repeated), applied after the defaults:
compression.type=zstd, acks=1, security.protocol=ssl,
message.timeout.ms=60000, ...)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       const size_t eq = v.find('=');
       if (eq == std::string::npos || eq == 0) return Expected("KEY=VALUE");
       cl->kafka.settings.emplace_back(v.substr(0, eq), v.substr(eq + 1));
       return std::string();
     },
     /*repeatable=*/true},
    {"--kafka-flush-timeout", " S", kKafka,
     R"(at the end, wait at most S seconds for outstanding
deliveries (default: {kafka_flush}); what is left is
counted as not delivered)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       const std::optional<double> s = ParseSeconds(v);
       if (!s) return Expected("seconds >= 0, e.g. 30 or 0.5");
       cl->kafka.flush_timeout_seconds = *s;
       return std::string();
     }},
    {"--tunnels", "=inner|outer", kFlowRules,
     R"(inner (default): open VXLAN, GENEVE, GTP-U, GRE
(ERSPAN, bridged Ethernet), IP-in-IP, 6in4 and 4in6
tunnels, up to 4 deep, and make flows of the
innermost packets (docs/DECODING.md); outer: flows
of the tunnel packets themselves. Default profile
only: --compat=python and the CIC layouts read the
outer packet, as the tools they follow did.)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       if (v != "inner" && v != "outer") return Expected("inner or outer");
       cl->options.tunnels = v == "inner";
       cl->tunnels_given = true;
       return std::string();
     }},
    {"--compat", "=python|none", kFlowRules,
     R"(output profile (default: none).
python: byte-identical with netflower 1.0 (CRLF lines,
  no header when there are no rows, IPv4 only, every
  rule of netflower 1.0 kept; microsecond times live).
none: the same with FLOW-SPEC §1's corrections (IPv6,
  PPPoE, no one-packet flows after a FIN/FIN close,
  nanosecond precision, header always, LF lines; live,
  idle flows are swept every half second).)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       if (v != "python" && v != "none") return Expected("python or none");
       cl->options.compat = v == "python" ? Compat::kPython : Compat::kNone;
       return std::string();
     }},
    {"--idle-timeout", " S", kFlowRules,
     R"(a flow idle for more than S seconds ends; the next
packet starts a new flow (default: {idle_file} for files,
as netflower 1.0's flow_timeout; {idle_live} live))",
     kBoth,
     [](const std::string& v, CommandLine* cl) { return ApplyTimeout(v, &cl->idle_timeout); }},
    {"--active-timeout", " S", kFlowRules,
     R"(duration cap: a flow is cut once it is older than S
seconds since its first packet (default: none for
files, {cap_live} live; "none" disables it for files))",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       cl->active_timeout_none = v == "none";
       if (cl->active_timeout_none) return std::string();
       std::string e = ApplyTimeout(v, &cl->active_timeout);
       return e.empty() ? e : Expected("seconds >= 0, or none");
     }},
    {"--gc-interval", " N", kFlowRules,
     R"(files: sweep for idle flows after every N-th accepted
packet (default: {gc}; live always sweeps every 1000))",
     kFile,
     [](const std::string& v, CommandLine* cl) {
       return ApplyCount(v, 1, kMaxCount, &cl->options.gc_interval);
     }},
    {"--max-flows", " N|none", kFlowRules,
     R"(at most N flows open at once (N >= --jobs): when the
table is full the least recently active flow is
written early and counted as evicted (default: a
quarter of memory at 512 bytes a flow; none: no limit))",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       if (v == "none") {
         cl->options.max_flows = 0;
         return std::string();
       }
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, kMaxCount, &n);
       if (!e.empty()) return Expected("an integer >= 1, or none");
       cl->options.max_flows = static_cast<uint64_t>(n);
       return e;
     }},
    {"--jobs", " N", kPerformance,
     R"(flow workers: N >= 1, -1 = all CPUs, below -1 =
CPUs + N + 1 (default: 1). Files: the CSV never
depends on it (unless --max-flows evicts: each job
holds a share of the table). Live: N rings in one
fanout group, the kernel keeping both directions of
a flow on one.)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, -1024, 1024, &n);
       if (!e.empty() || n == 0) {
         return Expected("N >= 1, -1 for all CPUs, or a negative N (CPUs + N + 1); not 0");
       }
       // The library takes max(1, CPUs + N + 1), as netflower 1.0's n_jobs
       // did; the command line says when N leaves no CPU instead.
       const int64_t cpus = std::max(1u, std::thread::hardware_concurrency());
       if (n < -cpus) {
         return absl::StrCat("-", -n, " leaves no worker on this machine's ", cpus,
                             " CPUs (CPUs + N + 1 < 1): -1 is all CPUs, -", cpus, " is one");
       }
       cl->options.n_jobs = static_cast<int>(n);
       return e;
     }},
    {"--cpus", " LIST", kPerformance,
     R"(CPUs to pin the flow workers to, e.g. 2,3 or 4-7
(default: with at least N + 2 CPUs, the N after the
first, which is left to the packet reader; with
fewer, workers are not pinned))",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       std::optional<std::vector<int>> cpus = ParseCpuList(v);
       if (!cpus) return Expected("a CPU list like 0,2 or 4-7");
       cl->options.cpus = *cpus;
       return std::string();
     }},
    {"--buffer-rows", " N", kPerformance,
     R"(files: rows formatted per write (default: {buffer_rows}); no
effect on the content)",
     kFile,
     [](const std::string& v, CommandLine* cl) {
       return ApplyCount(v, 1, 100000000, &cl->options.buffer_rows);
     }},
    {"--save-pcap", " DIR", kLiveCapture,
     R"(also write each completed flow's frames to
DIR/<src>-<sport>-<dst>-<dport>-<proto>-<start_us>.pcap
(DIR must exist, and be writable only by you, root or
the --user, or sticky like /tmp; files are created
new, never through an existing name or link: a taken
name gets a suffix -1, -2, ...))",
     kLive,
     [](const std::string& v, CommandLine* cl) {
       cl->save_pcap_dir = v;
       return v.empty() ? Expected("a directory") : std::string();
     }},
    {"--duration", " S", kLiveCapture, R"(stop after S seconds)", kLive,
     [](const std::string& v, CommandLine* cl) {
       cl->duration = ParseSeconds(v);
       return cl->duration && *cl->duration > 0 ? std::string() : Expected("seconds > 0");
     }},
    {"--count", " N", kLiveCapture, R"(stop after N packets)", kLive,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, kMaxCount, &n);
       cl->count = static_cast<uint64_t>(n);
       return e;
     }},
    {"--filter", " EXPR", kLiveCapture,
     R"(capture only what this BPF expression (tcpdump syntax)
matches)",
     kLive,
     [](const std::string& v, CommandLine* cl) {
       cl->filter = v;
       return std::string();
     }},
    {"--promisc", "", kLiveCapture, R"(put the interface into promiscuous mode)", kLive,
     [](const std::string&, CommandLine* cl) {
       cl->promisc = true;
       return std::string();
     }},
    {"--ring-mb", " N", kLiveCapture, R"(capture ring size per job in MiB (default: {ring_mb}))",
     kLive,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, 65536, &n);
       cl->ring_mb = static_cast<uint32_t>(n);  // MiB: 1 MiB blocks
       return e;
     }},
    {"--user", " NAME", kLiveCapture,
     R"(once the capture rings are open, drop root: switch to
user NAME (and its groups) with no capabilities left,
as tcpdump -Z does (--save-pcap DIR must be writable
by NAME))",
     kLive,
     [](const std::string& v, CommandLine* cl) {
       cl->user = v;
       return v.empty() ? Expected("a user name") : std::string();
     }},
    {"--strict", "", kReporting,
     R"(files: exit with status 3 if the input was truncated
or damaged (the CSV is still complete for what was
read))",
     kFile,
     [](const std::string&, CommandLine* cl) {
       cl->strict = true;
       return std::string();
     }},
    {"--quiet", "", kReporting,
     R"(no run summary on standard error (errors and
warnings still appear))",
     kBoth,
     [](const std::string&, CommandLine* cl) {
       cl->quiet = true;
       return std::string();
     }},
    {"--progress", "", kReporting,
     R"(show progress on standard error (default: only when
it is a terminal); --no-progress turns it off)",
     kBoth,
     [](const std::string&, CommandLine* cl) {
       cl->progress = true;
       return std::string();
     }},
    {"--no-progress", "", kReporting, nullptr, kBoth,
     [](const std::string&, CommandLine* cl) {
       cl->progress = false;
       return std::string();
     }},
    {"--version", "", kReporting, "version, commit, profiles, io_uring and TPACKET_V3", kBoth,
     nullptr},  // handled before parsing
    {"--help", "", kReporting, "this text (wherever it appears on the line)", kBoth, nullptr},
};

const Flag* FindFlag(const std::string& name) {
  for (const Flag& f : kFlags) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

bool LooksLikeCapture(const std::string& arg) {
  for (const char* ext : {".pcap", ".pcapng", ".cap", ".dmp"}) {
    const size_t n = std::strlen(ext);
    if (arg.size() > n && arg.compare(arg.size() - n, n, ext) == 0) return true;
  }
  return ::access(arg.c_str(), F_OK) == 0;
}

absl::Status Usage(const std::string& message) { return absl::InvalidArgumentError(message); }

// Checks that every option given belongs to the mode chosen.
absl::Status CheckModes(const std::vector<const Flag*>& seen, bool live) {
  for (const Flag* f : seen) {
    if ((f->modes & (live ? kLive : kFile)) == 0) {
      return Usage(absl::StrCat(f->name, " applies to ", live ? "--pcap" : "--iface",
                                " only, not to ", live ? "live capture" : "capture files"));
    }
  }
  return absl::OkStatus();
}

// --kafka and its companions into options.kafka: --topic needs --kafka and
// the other way round; without --out (and --out-dir) Kafka is the only
// output.
absl::Status TakeKafkaOptions(CommandLine* cl) {
  const bool companions = !cl->kafka.topic.empty() || !cl->kafka.settings.empty() ||
                          cl->kafka.flush_timeout_seconds != KafkaOptions().flush_timeout_seconds;
  if (cl->kafka_brokers.empty()) {
    return companions ? Usage("--topic, --kafka-opt and --kafka-flush-timeout need --kafka BROKERS")
                      : absl::OkStatus();
  }
  if (cl->kafka.topic.empty()) return Usage("--kafka needs --topic T");
  cl->kafka.brokers = cl->kafka_brokers;
  cl->options.kafka = cl->kafka;
  if (!cl->out_given && cl->out_dir.empty()) cl->out = "";  // Kafka only
  return absl::OkStatus();
}

// Parses argv (--help and --version are handled before). On failure returns
// a message for the user.
absl::StatusOr<CommandLine> Parse(int argc, char** argv) {
  CommandLine cl;
  std::vector<const Flag*> seen;
  bool after_pcap = false;  // the arguments right after --pcap's are more inputs
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (after_pcap && arg.rfind("--", 0) != 0) {
      cl.more_pcaps.push_back(arg);
      continue;
    }
    after_pcap = false;
    if (arg.rfind("--", 0) != 0) {
      if (LooksLikeCapture(arg)) {
        return Usage(
            absl::StrCat("unexpected argument '", arg, "': did you mean --pcap ", arg, "?"));
      }
      return Usage(absl::StrCat("unexpected argument '", arg, "'"));
    }
    std::optional<std::string> value;
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    const Flag* flag = FindFlag(arg);
    if (flag == nullptr) return Usage(absl::StrCat("unknown option '", argv[i], "'"));
    const bool progress_pair = arg == "--progress" || arg == "--no-progress";
    for (const Flag* f : seen) {
      const bool pair = progress_pair && (std::string(f->name) == "--progress" ||
                                          std::string(f->name) == "--no-progress");
      if ((f == flag && !flag->repeatable) || pair) {
        return Usage(absl::StrCat(arg, " is given more than once"));
      }
    }
    seen.push_back(flag);
    if (!flag->takes_value() && value) return Usage(absl::StrCat(arg, " takes no value"));
    if (flag->takes_value() && !value) {
      if (i + 1 >= argc) return Usage(absl::StrCat(arg, " needs a value"));
      if (std::string(argv[i + 1]).rfind("--", 0) == 0) {
        return Usage(absl::StrCat(arg, " needs a value, but '", argv[i + 1],
                                  "' is an option (write ", arg, "=", argv[i + 1],
                                  " if that is really the value)"));
      }
      value = argv[++i];
    }
    if (flag->apply == nullptr) continue;  // --help, --version: handled before parsing
    const std::string error = flag->apply(value.value_or(""), &cl);
    after_pcap = arg == "--pcap";
    if (!error.empty()) {
      return Usage(absl::StrCat("bad value '", *value, "' for ", arg, ": ", error));
    }
  }
  if (cl.pcap.empty() == cl.iface.empty()) return Usage("give either --pcap FILE or --iface IF");
  if (absl::Status s = TakeKafkaOptions(&cl); !s.ok()) return s;
  if (cl.tunnels_given && (cl.options.compat == Compat::kPython || IsCic(cl.options.columns))) {
    return Usage(
        "--tunnels belongs to the default profile: --compat=python and the CIC layouts read "
        "the outer packet, as netflower 1.0 and CICFlowMeter did");
  }
  const bool live = !cl.iface.empty();
  if (absl::Status s = CheckModes(seen, live); !s.ok()) return s;
  if (IsCic(cl.options.columns) &&
      std::count(seen.begin(), seen.end(), FindFlag("--gc-interval"))) {
    return Usage(absl::StrCat("--gc-interval does not apply to the ",
                              std::string(ColumnSetName(cl.options.columns)),
                              " layout: CICFlowMeter reads a file without idle sweeps (a flow "
                              "ends by FIN or by its flow timeout, --active-timeout)"));
  }
  if (cl.idle_timeout && IsCic(cl.options.columns)) {
    return Usage(absl::StrCat(
        "--idle-timeout does not apply to the ", std::string(ColumnSetName(cl.options.columns)),
        " layout: CICFlowMeter has no idle timeout; its flow timeout, from a flow's first "
        "packet, is --active-timeout (default ",
        absl::StrFormat("%g", kCicFlowTimeoutSeconds), " s)"));
  }
  if (live && cl.active_timeout_none) {
    return Usage("live capture always has a duration cap (--active-timeout S)");
  }
  if (!live) {
    if (cl.idle_timeout) cl.options.idle_timeout = *cl.idle_timeout;
    if (cl.active_timeout) cl.options.active_timeout = *cl.active_timeout;
  }
  return cl;
}

// "acks=all, enable.idempotence=true, ..." (io/kafka_producer.h).
std::string KafkaDefaultsText() {
  std::string text;
  size_t n = 0;
  for (const auto& [key, value] : KafkaDefaultSettings()) {
    absl::StrAppend(&text, n == 0 ? "" : (n % 2 == 0 ? ",\n" : ", "), key, "=", value);
    ++n;
  }
  return text;
}

// The defaults --help names, from the library's option structs (one place
// per fact).
std::string FillDefaults(const std::string& text) {
  const ConvertOptions file;
  const CaptureOptions live;
  return absl::StrReplaceAll(
      text, {{"{idle_file}", absl::StrFormat("%g", file.idle_timeout)},
             {"{idle_live}", absl::StrFormat("%g", live.idle_timeout)},
             {"{cap_live}", absl::StrFormat("%g", live.active_timeout)},
             {"{gc}", absl::StrCat(file.gc_interval)},
             {"{jobs}", absl::StrCat(file.n_jobs)},
             {"{buffer_rows}", absl::StrCat(file.buffer_rows)},
             {"{kafka_flush}", absl::StrFormat("%g s", KafkaOptions().flush_timeout_seconds)},
             {"{kafka_defaults}", KafkaDefaultsText()},
             {"{ring_mb}",
              absl::StrCat((uint64_t{live.ring_block_size} * live.ring_block_count) >> 20)}});
}

// --help, generated from the option table.
void PrintHelp() {
  std::string out = kUsageHead;
  for (int section = kInputOutput; section <= kReporting; ++section) {
    absl::StrAppend(&out, "\n", kSectionTitles[section], ":\n");
    for (const Flag& f : kFlags) {
      if (f.section != section || f.help == nullptr) continue;
      std::string text = FillDefaults(f.help);
      const std::string option = absl::StrCat(f.name, f.value);
      // An option too long for its column gets a line of its own.
      const std::string body = absl::StrReplaceAll(text, {{"\n", "\n                         "}});
      if (option.size() > 22) {
        absl::StrAppendFormat(&out, "  %s\n%25s%s\n", option, "", body);
      } else {
        absl::StrAppendFormat(&out, "  %-22s %s\n", option, body);
      }
    }
  }
  absl::StrAppend(&out, "\n", kUsageTail);
  std::fputs(out.c_str(), stdout);
}

void PrintVersion() {
  const PlatformSupport p = ProbePlatform();
  auto say = [](const absl::Status& s) {
    return s.ok() ? std::string("available") : absl::StrCat("unavailable (", s.message(), ")");
  };
  std::printf(
      "netflower %s (commit %s)\n"
      "profiles: default (--compat=none), python (--compat=python, netflower 1.0's bytes)\n"
      "io_uring: %s\n"
      "TPACKET_V3 live capture: %s\n",
      kVersion, kBuildCommit, say(p.io_uring).c_str(), say(p.tpacket_v3).c_str());
}

// --- Standard descriptors ---------------------------------------------------

// Which of fds 0-2 were closed at start. Each is opened on /dev/null, as
// daemons do, so that no file netflower opens (an io_uring, the output) can
// land on 1 and be taken for standard output.
struct ClosedStdFds {
  bool in = false;
  bool out = false;
};

ClosedStdFds ReserveStdFds() {
  ClosedStdFds closed;
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int null_fd = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (null_fd != fd && null_fd >= 0) ::close(null_fd);  // cannot happen: lowest free fd
    if (fd == 0) closed.in = true;
    if (fd == 1) closed.out = true;
  }
  return closed;
}

// --- Signals ----------------------------------------------------------------

// SIGINT/SIGTERM received so far and the last one: the first stops the run,
// one more while the last live flows are being written abandons them.
std::atomic<int> g_signals{0};
std::atomic<int> g_last_signal{0};
std::atomic<bool> g_cancel{false};
void OnSignal(int sig) {
  g_last_signal.store(sig);
  g_signals.fetch_add(1);
  g_cancel.store(true);
}

void CatchStopSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

const char* SignalName(int sig) { return sig == SIGTERM ? "SIGTERM" : "SIGINT"; }

// --- Summaries --------------------------------------------------------------

std::string Rate(double count, double seconds) {
  if (seconds <= 0) return "-";
  const double r = count / seconds;
  if (r >= 1e6) return absl::StrFormat("%.2f M", r / 1e6);
  if (r >= 1e3) return absl::StrFormat("%.1f k", r / 1e3);
  return absl::StrFormat("%.0f ", r);
}

void AppendCounts(std::string* out, uint64_t read, uint64_t accepted, uint64_t late,
                  const uint64_t* skipped, uint64_t skipped_total) {
  absl::StrAppendFormat(out, "  packets read      %12u\n", read);
  absl::StrAppendFormat(out, "  accepted          %12u", accepted);
  if (late) absl::StrAppendFormat(out, "  (%u late, after a FIN/RST close)", late);
  *out += "\n";
  absl::StrAppendFormat(out, "  skipped           %12u\n", skipped_total);
  for (int r = 0; r < static_cast<int>(SkipReason::kCount); ++r) {
    if (skipped[r] == 0) continue;
    absl::StrAppendFormat(out, "    %-30s %9u\n", SkipReasonName(static_cast<SkipReason>(r)),
                          skipped[r]);
  }
}

// "flows written" counts what reached the output (the kernel accepted it);
// when that is fewer than the flows completed, the difference is said.
void AppendFlows(std::string* out, uint64_t written, uint64_t completed, const EmitCounts& e) {
  absl::StrAppendFormat(out, "  flows written     %12u", written);
  if (written != completed) {
    absl::StrAppendFormat(out, "  (of %u completed: %u did not reach the output)", completed,
                          completed - written);
  }
  absl::StrAppendFormat(out,
                        "\n  flows completed by   fin %u, rst %u, idle %u, duration cap %u, "
                        "open at end %u",
                        e.fin, e.rst, e.idle_timeout, e.active_timeout, e.end_of_input);
  if (e.evicted) absl::StrAppendFormat(out, ", evicted from a full table %u", e.evicted);
  *out += "\n";
}

// CIC layouts: the flows CICFlowMeter's rules leave out.
void AppendCicCounts(std::string* out, ColumnSet columns, const RunStats& s) {
  if (!IsCic(columns)) return;
  absl::StrAppendFormat(out, "  one-packet flows  %12u  (not written: CICFlowMeter writes 2+)\n",
                        s.one_packet_flows);
}

// Kafka: what reached the cluster.
void AppendKafkaCounts(std::string* out, const CommandLine& cl, const RunStats& s) {
  if (!cl.options.kafka) return;
  const KafkaCounts& k = s.kafka;
  absl::StrAppendFormat(out, "  kafka delivered   %12u  (of %u sent to %s, topic %s)\n",
                        k.delivered, k.produced, cl.options.kafka->brokers,
                        cl.options.kafka->topic);
  absl::StrAppendFormat(out, "    failed %u, not delivered %u, resent %u\n", k.failed,
                        k.undelivered, k.retries);
  if (!k.first_error.empty()) absl::StrAppendFormat(out, "    first error: %s\n", k.first_error);
}

// A run that finished but left flows outside Kafka (exit 4, not 1).
bool OnlyKafkaFell(const absl::Status& status, const RunStats& s) {
  return status.code() == absl::StatusCode::kUnavailable &&
         s.kafka.failed + s.kafka.undelivered > 0;
}

// The CSV output as messages name it.
std::string CsvName(const std::string& out) { return out == "-" ? "stdout" : out; }

// Where a run's flows go, for its summary: the CSV `out` ("" for none),
// Kafka, or both.
std::string OutputName(const CommandLine& cl, const std::string& out) {
  if (out.empty()) return absl::StrCat("kafka topic ", cl.kafka.topic);
  return cl.options.kafka ? absl::StrCat(CsvName(out), " + kafka topic ", cl.kafka.topic)
                          : CsvName(out);
}
std::string OutputName(const CommandLine& cl) { return OutputName(cl, cl.out); }

// The summary of converting `input` to `output` (the CLI's names for them).
void PrintFileSummary(const CommandLine& cl, const std::string& input, const std::string& output,
                      const RunStats& s) {
  std::string out = absl::StrFormat(
      "netflower: %s -> %s (profile %s, idle timeout %g s, %s)\n", input == "-" ? "stdin" : input,
      output, cl.options.compat == Compat::kPython ? "python" : "default", cl.options.idle_timeout,
      cl.options.active_timeout ? absl::StrFormat("duration cap %g s", *cl.options.active_timeout)
                                : std::string("no duration cap"));
  if (IsCic(cl.options.columns)) {
    // CICFlowMeter has no idle timeout; its flow timeout is the duration cap.
    out = absl::StrFormat(
        "netflower: %s -> %s (columns %s%s, CICFlowMeter's rules, flow timeout "
        "%g s from the first packet)\n",
        input == "-" ? "stdin" : input, output, std::string(ColumnSetName(cl.options.columns)),
        cl.options.cic_fixes ? " with fixes" : "",
        cl.options.active_timeout.value_or(kCicFlowTimeoutSeconds));
  }
  AppendCounts(&out, s.packets_read, s.packets_accepted, s.late_packets, s.skipped,
               s.packets_skipped());
  AppendFlows(&out, s.flows_written, s.flows_completed, s.flows_by_reason);
  AppendCicCounts(&out, cl.options.columns, s);
  AppendKafkaCounts(&out, cl, s);
  absl::StrAppendFormat(&out, "  peak open flows   %12u\n", s.peak_open_flows);
  if (s.timestamps_clamped) {
    absl::StrAppendFormat(&out, "  timestamps clamped %11u\n", s.timestamps_clamped);
  }
  absl::StrAppendFormat(&out, "  time              %12.3f s  (%spackets/s)\n", s.seconds,
                        Rate(static_cast<double>(s.packets_read), s.seconds));
  std::fputs(out.c_str(), stderr);
}

void PrintError(const absl::Status& s) {
  std::fprintf(stderr, "netflower: error: %s\n", std::string(s.message()).c_str());
}

// --- Files ------------------------------------------------------------------

// Everything that can fail before the first side effect; a bad command line.
absl::Status CheckFileRun(const CommandLine& cl, const ClosedStdFds& closed) {
  if (absl::Status s = ValidateOptions(cl.options); !s.ok()) return s;
  if (cl.pcap == "-" && closed.in) return Usage("--pcap -: standard input is closed");
  if (cl.out == "-" && closed.out) return Usage("--out -: standard output is closed");
  if (cl.out.empty()) return absl::OkStatus();  // Kafka only
  if (absl::Status s = RefuseSameFile(cl.pcap, cl.out); !s.ok()) return s;
  if (absl::Status s = RefuseSameFile(cl.labels_path, cl.out); !s.ok()) return s;
  return CheckOutputPath(cl.out, {});
}

int RunFile(CommandLine& cl) {
  RunStats stats;
  ConvertOptions options = cl.options;  // with pointers to this frame's locals
  options.stats = &stats;
  options.cancel = &g_cancel;
  CatchStopSignals();
  const bool show_progress = cl.progress.value_or(::isatty(STDERR_FILENO) == 1);
  if (show_progress) {
    options.on_progress = [](const Progress& p) {
      if (p.bytes_total == 0) {  // a stream: no size to compare with
        absl::FPrintF(stderr, "\r  %u packets  %.1f s   ", p.packets_read, p.seconds);
      } else {
        absl::FPrintF(stderr, "\r  %5.1f%%  %u packets  %.1f s   ",
                      100.0 * static_cast<double>(p.bytes_done) / p.bytes_total, p.packets_read,
                      p.seconds);
      }
      std::fflush(stderr);
    };
  }
  absl::StatusOr<uint64_t> rows = ConvertPcapToCsv(cl.pcap, cl.out, options);
  if (show_progress) std::fputs("\r\033[K", stderr);
  for (const std::string& w : stats.warnings) {
    std::fprintf(stderr, "netflower: warning: %s\n", w.c_str());
  }
  if (!rows.ok() && rows.status().code() == absl::StatusCode::kCancelled) {
    const int sig = g_last_signal.load();
    if (!cl.quiet) PrintFileSummary(cl, cl.pcap, OutputName(cl), stats);
    std::fprintf(stderr, "netflower: interrupted by %s: %s\n", SignalName(sig),
                 cl.out.empty()  ? "the flows delivered so far are in Kafka"
                 : cl.out == "-" ? "the rows written so far are on standard output"
                                 : "no CSV written (the temporary file was removed)");
    return kExitSignal + sig;
  }
  if (!rows.ok()) {
    if (!cl.quiet && stats.packets_read > 0) PrintFileSummary(cl, cl.pcap, OutputName(cl), stats);
    PrintError(rows.status());
    return OnlyKafkaFell(rows.status(), stats) ? kExitUndelivered : kExitFailed;
  }
  if (!cl.quiet) PrintFileSummary(cl, cl.pcap, OutputName(cl), stats);
  if (cl.strict && !stats.warnings.empty()) return kExitDamaged;
  return kExitOk;
}

// --- Several files ----------------------------------------------------------

double SecondsSince(std::chrono::steady_clock::time_point start);

// Files converted at once: as asked, else the CPUs / --jobs (at least 1).
size_t ParallelFiles(const CommandLine& cl, size_t files) {
  size_t n = static_cast<size_t>(cl.parallel_files);
  if (n == 0) {
    const int jobs = ResolveJobs(cl.options.n_jobs).value_or(1);
    const size_t cpus = std::max(1u, std::thread::hardware_concurrency());
    n = std::max<size_t>(1, cpus / static_cast<size_t>(std::max(1, jobs)));
  }
  return std::min(n, files);
}

struct FileRun {
  std::string input;
  std::string output;  // what the conversion writes (a part file with one --out)
  RunStats stats;
  absl::Status status;
  bool started = false;  // false: cancelled before its turn came
};

// Converts every run, `parallel` at a time; stops starting new ones once
// cancelled (the ones running stop too: they share g_cancel).
void ConvertAll(const CommandLine& cl, std::vector<FileRun>* runs, size_t parallel) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k = next++; k < runs->size(); k = next++) {
      FileRun& r = (*runs)[k];
      if (g_cancel.load()) {
        r.status = absl::CancelledError("the conversion was cancelled");
        continue;
      }
      r.started = true;
      ConvertOptions options = cl.options;
      options.stats = &r.stats;
      // Files at once already share the CPUs out: each gets its own
      // formatting threads only if its share leaves room for them.
      const size_t cpus = std::max(1u, std::thread::hardware_concurrency());
      options.format_threads = DefaultFormatThreads(options.n_jobs, cpus / parallel);
      options.cancel = &g_cancel;
      r.status = ConvertPcapToCsv(r.input, r.output, options).status();
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < parallel; ++t) threads.emplace_back(work);
  for (std::thread& t : threads) t.join();
}

// One --out for several inputs: each converts to a part file in a private
// folder next to the output (in TMPDIR for standard output), then the parts
// go into the output in input order, the header once.
absl::Status JoinParts(const CommandLine& cl, const std::vector<FileRun>& runs) {
  std::unique_ptr<OutputFile> file;
  int fd = STDOUT_FILENO;
  if (cl.out != "-") {
    OutputFile::CreateOptions create;
    create.cancel = &g_cancel;
    absl::StatusOr<std::unique_ptr<OutputFile>> out = OutputFile::Create(cl.out, create);
    if (!out.ok()) return out.status();
    file = *std::move(out);
    fd = file->fd();
  }
  const bool csv = cl.options.format == OutputFormat::kCsv;
  std::string header;
  for (const FileRun& r : runs) {
    if (!r.status.ok()) continue;
    if (csv && header.empty()) {
      absl::StatusOr<std::string> first = FirstLine(r.output);
      if (!first.ok()) return first.status();
      header = *first;
      if (absl::Status s = AppendRows(r.output, "", fd, CsvName(cl.out)); !s.ok()) return s;
      continue;
    }
    if (absl::Status s = AppendRows(r.output, header, fd, CsvName(cl.out)); !s.ok()) return s;
  }
  return file != nullptr ? file->Commit() : absl::OkStatus();
}

// A private folder for part files: next to --out, or in TMPDIR.
absl::StatusOr<std::string> MakePartsFolder(const CommandLine& cl) {
  std::string base = cl.out == "-" ? "" : DirectoryOf(cl.out);
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string tmpl = absl::StrCat(base, "/.netflower-parts.XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a folder for parts in ", base, ": ", std::strerror(errno)));
  }
  return tmpl;
}

// Everything about a several-file run that can be checked before writing.
absl::Status CheckFilesRun(const CommandLine& cl, std::vector<FileRun>* runs) {
  if (absl::Status s = ValidateOptions(cl.options); !s.ok()) return s;
  if (!cl.out_dir.empty() && cl.out_given) return Usage("give --out or --out-dir, not both");
  std::vector<std::string> paths = {cl.pcap};
  paths.insert(paths.end(), cl.more_pcaps.begin(), cl.more_pcaps.end());
  absl::StatusOr<std::vector<std::string>> inputs = ExpandInputs(paths);
  if (!inputs.ok()) return inputs.status();
  std::vector<std::string> outputs;
  if (!cl.out_dir.empty()) {
    struct stat st;
    if (::stat(cl.out_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return absl::NotFoundError(absl::StrCat("--out-dir ", cl.out_dir, ": not a directory"));
    }
    absl::StatusOr<std::vector<std::string>> named = OutputsInDirectory(
        *inputs, cl.out_dir, cl.options.format == OutputFormat::kJsonl ? ".jsonl" : ".csv");
    if (!named.ok()) return named.status();
    outputs = *std::move(named);
  }
  for (size_t k = 0; k < inputs->size(); ++k) {
    for (const std::string& input : *inputs) {
      const std::string& out = outputs.empty() ? cl.out : outputs[k];
      if (out.empty()) continue;  // Kafka only
      if (absl::Status s = RefuseSameFile(input, out); !s.ok()) return s;
    }
    const std::string& out = outputs.empty() ? cl.out : outputs[k];
    if (!out.empty()) {
      if (absl::Status s = RefuseSameFile(cl.labels_path, out); !s.ok()) return s;
    }
    if (!outputs.empty()) {
      OutputFile::CreateOptions derived;
      derived.named = false;
      if (absl::Status s = CheckOutputPath(outputs[k], derived); !s.ok()) return s;
    }
    runs->push_back({(*inputs)[k], outputs.empty() ? std::string() : outputs[k], {}, {}, false});
  }
  if (outputs.empty() && !cl.out.empty()) {
    if (absl::Status s = CheckOutputPath(cl.out, {}); !s.ok()) return s;
  }
  return absl::OkStatus();
}

int RunFiles(const CommandLine& cl, std::vector<FileRun>& runs) {
  CatchStopSignals();
  std::string parts;
  const bool joined = cl.out_dir.empty() && !cl.out.empty();  // not Kafka only
  if (joined) {
    absl::StatusOr<std::string> folder = MakePartsFolder(cl);
    if (!folder.ok()) {
      PrintError(folder.status());
      return kExitFailed;
    }
    parts = *folder;
    for (size_t k = 0; k < runs.size(); ++k) runs[k].output = absl::StrCat(parts, "/", k, ".part");
  }
  const auto started = std::chrono::steady_clock::now();
  ConvertAll(cl, &runs, ParallelFiles(cl, runs.size()));
  absl::Status joined_status;
  if (joined && !g_cancel.load()) joined_status = JoinParts(cl, runs);
  if (joined) {
    for (const FileRun& r : runs) ::unlink(r.output.c_str());
    ::rmdir(parts.c_str());
  }
  RunStats total;
  size_t failed = 0, damaged = 0, undelivered = 0, interrupted = 0, not_started = 0;
  std::string not_converted;  // after a signal: which inputs, and how far they got
  for (const FileRun& r : runs) {
    if (r.status.code() == absl::StatusCode::kCancelled) {
      ++(r.started ? interrupted : not_started);
      absl::StrAppend(&not_converted, not_converted.empty() ? "" : ", ", r.input,
                      r.started ? " (interrupted)" : " (not started)");
    }
    for (const std::string& w : r.stats.warnings) {
      std::fprintf(stderr, "netflower: warning: %s\n", w.c_str());
    }
    damaged += r.stats.warnings.empty() ? 0 : 1;
    const std::string out = OutputName(cl, joined ? cl.out : r.output);
    if (!cl.quiet && (r.status.ok() || r.stats.packets_read > 0)) {
      PrintFileSummary(cl, r.input, out, r.stats);
    }
    if (OnlyKafkaFell(r.status, r.stats)) {
      ++undelivered;
      PrintError(r.status);
    } else if (!r.status.ok() && r.status.code() != absl::StatusCode::kCancelled) {
      ++failed;
      PrintError(r.status);
    }
    total.packets_read += r.stats.packets_read;
    total.flows_written += r.status.ok() ? r.stats.flows_written : 0;
  }
  const bool cancelled = g_cancel.load();
  if (joined && cancelled) total.flows_written = 0;  // the parts were never joined
  if (!cl.quiet) {
    const size_t converted = runs.size() - failed - interrupted - not_started;
    std::string stopped;
    if (interrupted + not_started > 0) {
      stopped = absl::StrFormat(", %u interrupted, %u not started", interrupted, not_started);
    }
    absl::FPrintF(stderr,
                  "netflower: %u files: %u converted, %u failed%s; %u packets read, %u flows "
                  "written, %.3f s\n",
                  runs.size(), converted, failed, stopped, total.packets_read, total.flows_written,
                  SecondsSince(started));
  }
  if (cancelled) {
    const int sig = g_last_signal.load();
    std::string written;
    if (joined) {
      written = absl::StrCat("; nothing was written to ", CsvName(cl.out),
                             cl.out == "-" ? "" : " (left as it was)");
    }
    std::fprintf(stderr, "netflower: interrupted by %s%s; not converted: %s\n", SignalName(sig),
                 written.c_str(), not_converted.empty() ? "none" : not_converted.c_str());
    return kExitSignal + sig;
  }
  if (!joined_status.ok()) {
    PrintError(joined_status);
    return kExitFailed;
  }
  if (failed > 0) return kExitFailed;
  if (undelivered > 0) return kExitUndelivered;
  if (cl.strict && damaged > 0) return kExitDamaged;
  return kExitOk;
}

// --- Live -------------------------------------------------------------------

void PrintLiveSummary(const CommandLine& cl, const CaptureOptions& options, const RunStats& s,
                      double seconds) {
  std::string out = absl::StrFormat(
      "netflower: live on %s -> %s (profile %s, idle timeout %g s, duration cap %g s, %d "
      "job%s)\n",
      cl.iface, OutputName(cl), options.compat == Compat::kPython ? "python" : "default",
      options.idle_timeout, options.active_timeout, options.jobs, options.jobs == 1 ? "" : "s");
  if (IsCic(options.columns)) {
    out = absl::StrFormat(
        "netflower: live on %s -> %s (columns %s%s, CICFlowMeter's rules, flow timeout %g s from "
        "the first packet, 1 job)\n",
        cl.iface, OutputName(cl), std::string(ColumnSetName(options.columns)),
        options.cic_fixes ? " with fixes" : "", options.active_timeout);
  }
  AppendCounts(&out, s.packets_read, s.packets_accepted, s.late_packets, s.skipped,
               s.packets_skipped());
  AppendFlows(&out, s.flows_written, s.flows_completed, s.flows_by_reason);
  AppendCicCounts(&out, options.columns, s);
  AppendKafkaCounts(&out, cl, s);
  absl::StrAppendFormat(&out, "  kernel            %12u received, %u dropped, %u queue freezes\n",
                        s.kernel_received, s.kernel_drops, s.kernel_freezes);
  if (options.save_pcap) {
    absl::StrAppendFormat(&out, "  flow pcaps        %12u written, %u failed", s.pcap_files_written,
                          s.pcap_write_errors);
    if (s.frames_not_saved) {
      absl::StrAppendFormat(&out, ", %u frames over the memory limit", s.frames_not_saved);
    }
    out += "\n";
  }
  absl::StrAppendFormat(&out, "  time              %12.3f s\n", seconds);
  std::fputs(out.c_str(), stderr);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs capture.Stop() (which writes every open flow) on a helper thread so
// that this thread stays responsive: if the output is not being read (a
// stalled pipe), Stop() cannot finish; after a few seconds the user is told,
// and one more SIGINT/SIGTERM quits at once with exit 1, saying how many
// flows were written. Returns Stop()'s status when it finishes.
absl::Status StopOrAbandon(LiveCapture& capture, const CommandLine& cl,
                           const CaptureOptions& options,
                           std::chrono::steady_clock::time_point started) {
  const int signals_before = g_signals.load();
  std::atomic<bool> done{false};
  absl::Status stopped;
  std::thread stopper([&] {
    stopped = capture.Stop();
    done.store(true, std::memory_order_release);
  });
  const auto stop_started = std::chrono::steady_clock::now();
  bool told = false;
  while (!done.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (g_signals.load() > signals_before) {
      const RunStats s = capture.stats();
      if (!cl.quiet) PrintLiveSummary(cl, options, s, SecondsSince(started));
      std::fprintf(stderr,
                   "netflower: error: interrupted while writing the last flows to %s, which "
                   "is not taking them: quitting with %llu flows written; the flows still "
                   "open are lost\n",
                   cl.out == "-" ? "standard output" : cl.out.c_str(),
                   static_cast<unsigned long long>(s.flows_written));
      std::fflush(stderr);
      std::_Exit(kExitFailed);  // Stop() is blocked in a write; nothing to unwind
    }
    if (!told && std::chrono::steady_clock::now() - stop_started > std::chrono::seconds(3)) {
      told = true;
      std::fprintf(stderr,
                   "netflower: still writing the last flows (is the output being read?); "
                   "interrupt again to quit without them\n");
    }
  }
  stopper.join();
  return stopped;
}

CaptureOptions LiveOptions(const CommandLine& cl) {
  CaptureOptions options;
  options.compat = cl.options.compat;
  options.tunnels = cl.options.tunnels;
  options.format = cl.options.format;
  options.columns = cl.options.columns;
  options.label = cl.options.label;
  options.cic_fixes = cl.options.cic_fixes;
  options.label_rules = cl.options.label_rules;
  options.idle_timeout = cl.idle_timeout.value_or(options.idle_timeout);
  options.active_timeout = cl.active_timeout.value_or(options.active_timeout);
  absl::StatusOr<int> jobs = ResolveJobs(cl.options.n_jobs);
  options.jobs = jobs.ok() ? *jobs : 1;
  options.cpus = cl.options.cpus;
  options.filter = cl.filter;
  options.promiscuous = cl.promisc;
  options.save_pcap = !cl.save_pcap_dir.empty();
  options.pcap_dir = cl.save_pcap_dir;
  if (cl.ring_mb) {
    options.ring_block_size = 1u << 20;
    options.ring_block_count = *cl.ring_mb;
  }
  options.csv_path = cl.out;
  options.kafka = cl.options.kafka;
  options.packet_limit = cl.count;
  options.max_flows = cl.options.max_flows;
  return options;
}

// Set-up errors that mean the command line named something wrong (exit 2);
// the others (no permission, the kernel refusing) are run failures.
bool IsCommandLineError(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kResourceExhausted:
      return true;
    default:
      return false;
  }
}

// Everything about a live run that can be checked before opening anything.
absl::Status CheckLiveRun(const CommandLine& cl, const ClosedStdFds& closed,
                          CaptureOptions* options, std::optional<TargetUser>* user) {
  if (cl.out == "-" && closed.out) return Usage("--out -: standard output is closed");
  if (absl::Status s = RefuseSameFile(cl.labels_path, cl.out); !s.ok()) return s;
  if (!cl.user.empty()) {
    absl::StatusOr<TargetUser> u = LookUpUser(cl.user);
    if (!u.ok()) return u.status();
    *user = *u;
    options->switch_to = CaptureOptions::SwitchUser{u->uid, u->gid};
    // What the user will write after the switch: the flow files, and the
    // CSV's temporary file, renamed into place at the end.
    if (options->save_pcap) {
      if (absl::Status s =
              CheckWritableBy(options->pcap_dir, "--save-pcap folder", u->name, u->uid, u->gid);
          !s.ok()) {
        return s;
      }
    }
    if (cl.out != "-" && !cl.out.empty()) {
      if (absl::Status s =
              CheckWritableBy(DirectoryOf(cl.out), "--out folder", u->name, u->uid, u->gid);
          !s.ok()) {
        return s;
      }
    }
  }
  return ValidateCaptureOptions(*options);
}

// Polls until a signal, --duration, --count or an output failure.
void WaitForEnd(LiveCapture& capture, const CommandLine& cl,
                std::chrono::steady_clock::time_point started) {
  const bool show_progress = cl.progress.value_or(::isatty(STDERR_FILENO) == 1);
  auto last_report = started;
  while (g_signals.load() == 0 && !capture.limit_reached() && !capture.output_failed()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - started).count();
    if (cl.duration && elapsed >= *cl.duration) break;
    if (show_progress && now - last_report > std::chrono::milliseconds(500)) {
      last_report = now;
      const RunStats s = capture.stats();
      absl::FPrintF(stderr, "\r  %.0f s  %u packets  %u flows  %u kernel drops   ", elapsed,
                    s.packets_read, s.flows_written, s.kernel_drops);
      std::fflush(stderr);
    }
  }
  if (show_progress) std::fputs("\r\033[K", stderr);
}

int RunLive(CommandLine& cl, const ClosedStdFds& closed) {
  CaptureOptions options = LiveOptions(cl);
  std::optional<TargetUser> user;
  if (absl::Status s = CheckLiveRun(cl, closed, &options, &user); !s.ok()) {
    std::fprintf(stderr, "netflower: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }
  absl::StatusOr<std::unique_ptr<LiveCapture>> capture = CaptureLive(cl.iface, nullptr, options);
  if (!capture.ok()) {
    PrintError(capture.status());
    return IsCommandLineError(capture.status()) ? kExitUsage : kExitFailed;
  }
  CatchStopSignals();
  signal(SIGPIPE, SIG_IGN);  // a closed stdout is a write error, not a kill

  if (user) {
    absl::StatusOr<std::string> now = SwitchToUser(*user);
    if (!now.ok()) {
      PrintError(now.status());
      return kExitFailed;
    }
    if (!cl.quiet) std::fprintf(stderr, "netflower: running as %s\n", now->c_str());
  }
  const auto started = std::chrono::steady_clock::now();
  if (absl::Status s = (*capture)->Start(); !s.ok()) {
    PrintError(s);
    return kExitFailed;
  }
  WaitForEnd(**capture, cl, started);
  const bool output_broke = (*capture)->output_failed();
  const absl::Status stopped = StopOrAbandon(**capture, cl, options, started);
  const RunStats s = (*capture)->stats();
  if (!cl.quiet) PrintLiveSummary(cl, options, s, SecondsSince(started));
  if (!s.first_pcap_error.empty()) {
    std::fprintf(stderr, "netflower: warning: could not write %llu flow pcap(s), first: %s\n",
                 static_cast<unsigned long long>(s.pcap_write_errors), s.first_pcap_error.c_str());
  }
  if (!stopped.ok()) {
    std::fprintf(stderr, "netflower: error: %s%s\n", std::string(stopped.message()).c_str(),
                 output_broke ? "; capture stopped there" : "");
    return OnlyKafkaFell(stopped, s) ? kExitUndelivered : kExitFailed;
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  const ClosedStdFds closed = ReserveStdFds();
  // --help and --version win wherever they are (before any other check).
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      PrintHelp();
      return kExitOk;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--version") {
      PrintVersion();
      return kExitOk;
    }
  }
  absl::StatusOr<CommandLine> parsed = Parse(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "netflower: %s\nTry 'netflower --help'.\n",
                 std::string(parsed.status().message()).c_str());
    return kExitUsage;
  }
  CommandLine& cl = *parsed;
  if (!cl.iface.empty()) return RunLive(cl, closed);
  struct stat st;
  const bool folder = ::stat(cl.pcap.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  if (!cl.more_pcaps.empty() || folder || !cl.out_dir.empty()) {
    std::vector<FileRun> runs;
    if (absl::Status s = CheckFilesRun(cl, &runs); !s.ok()) {
      std::fprintf(stderr, "netflower: %s\n", std::string(s.message()).c_str());
      return kExitUsage;
    }
    return RunFiles(cl, runs);
  }
  if (absl::Status s = CheckFileRun(cl, closed); !s.ok()) {
    std::fprintf(stderr, "netflower: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }
  return RunFile(cl);
}

}  // namespace
}  // namespace netflower

int main(int argc, char** argv) { return netflower::Main(argc, argv); }
