#include "netflower/command_line.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

namespace netflower::cli {
namespace {

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
       cl->pcaps.push_back(v);
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
       cl->files.out_dir = v;
       return v.empty() ? Expected("a directory") : std::string();
     }},
    {"--parallel-files", " N", kPerformance,
     R"(several inputs: convert N files at once, each with
--jobs workers (default: the CPUs / --jobs, at least 1);
the output never depends on it)",
     kFile,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, 1024, &n);
       cl->files.parallel_files = static_cast<int>(n);
       return e;
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
     R"(the column set (default: netflower, docs/FLOW-RULES.md's 82
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
    {"--export-reason", "", kInputOutput,
     R"(add the column export_reason after the netflower
columns: why each row was written: fin, rst, idle,
active, evicted, end (input or capture ended), interim.
Default profile, netflower column sets)",
     kBoth,
     [](const std::string&, CommandLine* cl) {
       cl->options.export_reason = true;
       return std::string();
     }},
    {"--dpi", "", kInputOutput,
     R"(application labels by nDPI: add six columns after the
netflower columns: application_name (TLS.YouTube),
application_category, application_confidence,
requested_server_name (TLS SNI, HTTP Host, DNS query),
ja3_client, ja3_server. nDPI reads each flow's first
packets until it is done with the flow. Default
profile, netflower column sets)",
     kBoth,
     [](const std::string&, CommandLine* cl) {
       cl->options.dpi = true;
       return std::string();
     }},
    {"--splt", " N", kInputOutput,
     R"(add three list columns after the netflower columns:
the flow's first N packets' IP lengths (negative:
backward), inter-arrival times in microseconds (the
first 0) and TCP flags, as JSON arrays ("[60,-52]").
N from 1 to 255; default profile, netflower column sets)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, kMaxSpltPackets, &n);
       cl->options.splt = static_cast<int>(n);
       return e;
     }},
    {"--interim", " S", kInputOutput,
     R"(interim reports: an open flow whose last report (its
first packet, or its last interim row) is older than S
seconds is written again with its values so far,
export_reason interim (added), as one of its packets or
a sweep finds it (files: every --gc-interval packets;
live: twice a second). Final rows are unchanged; interim
rows are not counted as flows. Not with --ipfix)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       std::optional<double> s = ParseSeconds(v);
       if (!s || !(*s > 0)) return Expected("seconds > 0, e.g. 10 or 0.5");
       cl->options.interim = s;
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
    {"--ipfix", " HOST:PORT[/udp|/tcp]", kIpfix,
     R"(also (or, without --out, only) export every flow to
an IPFIX collector (RFC 7011; nfcapd, pmacct,
ipfixcol2, ...; [IPV6]:PORT; UDP by default, IPFIX's
port is {ipfix_port}): one biflow record per flow (RFC 5103),
standard elements for addresses, ports, protocol,
times, packets, octets, TCP flags and end reason
(docs/IPFIX.md). The host must resolve before anything
is read. A collector that is down does not stop the
run: UDP messages it refuses, and TCP messages beyond
a {ipfix_buffer_mb} MiB buffer while it is away, are dropped and
counted (exit 4); TCP reconnects with backoff.)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       const absl::Status s = ParseIpfixCollector(v, &cl->ipfix);
       cl->ipfix_given = s.ok();
       return s.ok() ? std::string() : std::string(s.message());
     }},
    {"--ipfix-uniflow", "", kIpfix,
     R"(two records per flow, forward and reverse (the latter
only when the flow has backward packets), for
collectors without biflow support)",
     kBoth,
     [](const std::string&, CommandLine* cl) {
       cl->ipfix.uniflow = true;
       return std::string();
     }},
    {"--ipfix-pen", " N", kIpfix,
     R"(also export the statistics without a standard element
(IATs, lengths, flags, bulk, active/idle, ...) as
enterprise elements of private enterprise number N,
the element id being the column's number
(docs/IPFIX.md; a definition file for collectors:
docs/ipfix/netflower-elements.xml). Default: standard
elements only)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, UINT32_MAX, &n);
       cl->ipfix.enterprise_number = static_cast<uint32_t>(n);
       return e;
     }},
    {"--ipfix-domain", " N", kIpfix, R"(the observation domain id of the messages (default: 0))",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 0, UINT32_MAX, &n);
       cl->ipfix.observation_domain = static_cast<uint32_t>(n);
       return e;
     }},
    {"--ipfix-mtu", " BYTES", kIpfix,
     R"(the longest message (default: {ipfix_mtu}, a 1500-byte
Ethernet MTU less IPv4 and UDP headers); a record is
never split across messages)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, kIpfixMaxMessageBytes, &n);
       cl->ipfix.mtu = static_cast<int>(n);
       return e;
     }},
    {"--ipfix-template-interval", " S", kIpfix,
     R"(UDP: send the templates again every S seconds
(default: {ipfix_templates}; 0: before every message), and
after the collector's host refused a message; TCP
sends them once per connection)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       const std::optional<double> s = ParseSeconds(v);
       if (!s) return Expected("seconds >= 0, e.g. 10 or 0.5");
       cl->ipfix.template_interval_seconds = *s;
       return std::string();
     }},
    {"--ipfix-flush-timeout", " S", kIpfix,
     R"(TCP, at the end: wait at most S seconds for the
collector to take what is buffered (default: {ipfix_flush});
the rest is counted as dropped)",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       const std::optional<double> s = ParseSeconds(v);
       if (!s) return Expected("seconds >= 0, e.g. 10 or 0.5");
       cl->ipfix.flush_timeout_seconds = *s;
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
       cl->options.tunnels = v == "inner" ? Tunnels::kInner : Tunnels::kOuter;
       return std::string();
     }},
    {"--compat", "=python|none", kFlowRules,
     R"(output profile (default: none).
python: byte-identical with netflower 1.0 (CRLF lines,
  no header when there are no rows, IPv4 only, every
  rule of netflower 1.0 kept; microsecond times live).
none: the same with FLOW-RULES §1's corrections (IPv6,
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
     [](const std::string& v, CommandLine* cl) {
       return ApplyTimeout(v, &cl->options.idle_timeout);
     }},
    {"--active-timeout", " S", kFlowRules,
     R"(duration cap: a flow is cut once it is older than S
seconds since its first packet (default: none for
files, {cap_live} live; "none" disables it for files))",
     kBoth,
     [](const std::string& v, CommandLine* cl) {
       // none: no cap, the files' default (live refuses it: RefuseLiveWithoutCap).
       cl->active_timeout_none = v == "none";
       if (cl->active_timeout_none) return std::string();
       std::string e = ApplyTimeout(v, &cl->options.active_timeout);
       return e.empty() ? e : Expected("seconds >= 0, or none");
     }},
    {"--gc-interval", " N", kFlowRules,
     R"(files: sweep for idle flows after every N-th accepted
packet (default: {gc}; live always sweeps every 1000))",
     kFile,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, kMaxCount, &n);
       cl->convert.gc_interval = n;
       return e;
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
       cl->options.jobs = static_cast<int>(n);
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
       return ApplyCount(v, 1, 100000000, &cl->convert.buffer_rows);
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
       cl->capture.save_pcap = true;
       cl->capture.pcap_dir = v;
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
       cl->capture.packet_limit = static_cast<uint64_t>(n);
       return e;
     }},
    {"--filter", " EXPR", kLiveCapture,
     R"(capture only what this BPF expression (tcpdump syntax)
matches)",
     kLive,
     [](const std::string& v, CommandLine* cl) {
       cl->capture.filter = v;
       return std::string();
     }},
    {"--promisc", "", kLiveCapture, R"(put the interface into promiscuous mode)", kLive,
     [](const std::string&, CommandLine* cl) {
       cl->capture.promiscuous = true;
       return std::string();
     }},
    {"--ring-mb", " N", kLiveCapture, R"(capture ring size per job in MiB (default: {ring_mb}))",
     kLive,
     [](const std::string& v, CommandLine* cl) {
       int64_t n = 0;
       std::string e = ApplyCount(v, 1, 65536, &n);
       cl->capture.ring_block_size = 1u << 20;  // MiB: 1 MiB blocks
       cl->capture.ring_block_count = static_cast<uint32_t>(n);
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
  if (!cl->out_given && cl->files.out_dir.empty()) cl->out = "";  // Kafka only
  return absl::OkStatus();
}

// --ipfix and its companions into options.ipfix: a companion needs
// --ipfix; without --out (and --out-dir) IPFIX is the only output.
absl::Status TakeIpfixOptions(const std::vector<const Flag*>& seen, CommandLine* cl) {
  if (!cl->ipfix_given) {
    for (const Flag* f : seen) {
      if (f->section == kIpfix) {
        return Usage(absl::StrCat(f->name, " needs --ipfix HOST:PORT[/udp|/tcp]"));
      }
    }
    return absl::OkStatus();
  }
  cl->options.ipfix = cl->ipfix;
  if (!cl->out_given && cl->files.out_dir.empty()) cl->out = "";  // exports only
  return absl::OkStatus();
}

// Takes the option at argv[*i] (and its value, from "--name=value" or the
// next argument): applies it to `cl`.
absl::Status TakeOption(int argc, const char* const* argv, int* i, CommandLine* cl,
                        std::vector<const Flag*>* seen) {
  std::string arg = argv[*i];
  std::optional<std::string> value;
  if (const size_t eq = arg.find('='); eq != std::string::npos) {
    value = arg.substr(eq + 1);
    arg = arg.substr(0, eq);
  }
  const Flag* flag = FindFlag(arg);
  if (flag == nullptr) return Usage(absl::StrCat("unknown option '", argv[*i], "'"));
  if (!flag->takes_value() && value) return Usage(absl::StrCat(arg, " takes no value"));
  if (flag->takes_value() && !value) {
    if (*i + 1 >= argc) return Usage(absl::StrCat(arg, " needs a value"));
    if (std::string(argv[*i + 1]).rfind("--", 0) == 0) {
      return Usage(absl::StrCat(arg, " needs a value, but '", argv[*i + 1],
                                "' is an option (write ", arg, "=", argv[*i + 1],
                                " if that is really the value)"));
    }
    value = argv[++*i];
  }
  return ApplyOption(arg, value.value_or(""), cl, seen);
}

}  // namespace

std::span<const Flag> Flags() { return kFlags; }

absl::Status ApplyOption(std::string name, const std::string& value, CommandLine* cl,
                         std::vector<const Flag*>* seen) {
  if (name.rfind("--", 0) != 0) name = "--" + name;
  const Flag* flag = FindFlag(name);
  if (flag == nullptr) return Usage(absl::StrCat("unknown option '", name, "'"));
  const bool progress_pair = name == "--progress" || name == "--no-progress";
  for (const Flag* f : *seen) {
    const bool pair = progress_pair && (std::string(f->name) == "--progress" ||
                                        std::string(f->name) == "--no-progress");
    if ((f == flag && !flag->repeatable) || pair) {
      return Usage(absl::StrCat(name, " is given more than once"));
    }
  }
  if (!flag->takes_value() && !value.empty()) return Usage(absl::StrCat(name, " takes no value"));
  // A refused value does not count as given: the C API's caller may set it
  // again, corrected.
  const std::string error = flag->apply == nullptr ? "" : flag->apply(value, cl);
  if (!error.empty()) return Usage(absl::StrCat("bad value '", value, "' for ", name, ": ", error));
  seen->push_back(flag);  // (--help, --version: no apply, main's)
  return absl::OkStatus();
}

absl::Status FinishCommandLine(bool live, const std::vector<const Flag*>& seen, CommandLine* cl) {
  if (absl::Status s = TakeKafkaOptions(cl); !s.ok()) return s;
  if (absl::Status s = TakeIpfixOptions(seen, cl); !s.ok()) return s;
  if (absl::Status s = CheckModes(seen, live); !s.ok()) return s;
  if (live && cl->active_timeout_none) {
    return Usage("live capture always has a duration cap (--active-timeout S)");
  }
  if (!cl->files.out_dir.empty() && cl->out_given) {
    return Usage("give --out or --out-dir, not both");
  }
  return absl::OkStatus();
}

ConvertOptions CommandLine::FileOptions() const {
  ConvertOptions o = convert;
  static_cast<Options&>(o) = options;
  return o;
}

CaptureOptions CommandLine::LiveOptions() const {
  CaptureOptions o = capture;
  static_cast<Options&>(o) = options;
  return o;
}

absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine cl;
  std::vector<const Flag*> seen;
  bool after_pcap = false;  // the arguments right after --pcap's are more inputs
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (after_pcap && arg.rfind("--", 0) != 0) {
      cl.pcaps.push_back(arg);
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      if (LooksLikeCapture(arg)) {
        return Usage(
            absl::StrCat("unexpected argument '", arg, "': did you mean --pcap ", arg, "?"));
      }
      return Usage(absl::StrCat("unexpected argument '", arg, "'"));
    }
    if (absl::Status s = TakeOption(argc, argv, &i, &cl, &seen); !s.ok()) return s;
    after_pcap = arg == "--pcap" || arg.rfind("--pcap=", 0) == 0;
  }
  if (cl.pcaps.empty() == cl.iface.empty()) return Usage("give either --pcap FILE or --iface IF");
  if (absl::Status s = FinishCommandLine(cl.live(), seen, &cl); !s.ok()) return s;
  return cl;
}

}  // namespace netflower::cli
