// netflower command-line tool: capture files or a live interface to flow CSV.
#include "netflower/netflower.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace netflower {
namespace {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;   // the run could not finish (bad input, I/O error)
constexpr int kExitUsage = 2;    // bad command line
constexpr int kExitDamaged = 3;  // --strict: finished, but the input was damaged

constexpr char kUsage[] = R"(usage: netflower --pcap FILE [--out FILE.csv|-] [options]
       netflower --iface IF [--out FILE.csv|-] [options]

Turns packets into bidirectional flows, one CSV row per flow with 82
CICFlowMeter-style columns, as specified by FLOW-SPEC.md: from a capture file
(pcap or pcapng, detected from its first bytes, not its name) or live from a
network interface (flows are written the moment they complete).

Input and output:
  --pcap FILE            capture file to convert
  --iface IF             capture live on network interface IF (needs root or
                         CAP_NET_RAW) until SIGINT/SIGTERM, --duration or
                         --count; every open flow is written at the end (if
                         the output is not being read, another SIGINT/SIGTERM
                         quits without them, exit 1)
  --out FILE|-           where the CSV goes; "-" is standard output (default).
                         From a file, the CSV is written under a temporary
                         name and renamed into place when complete; live, it
                         grows as flows complete.

Flow rules:
  --compat=python|none   output profile (default: none).
                         python: byte-identical with netflower 1.0 (CRLF lines,
                           no header when there are no rows, IPv4 only, every
                           rule of netflower 1.0 kept; microsecond times live).
                         none: the same with FLOW-SPEC §1's corrections (IPv6,
                           PPPoE, no one-packet flows after a FIN/FIN close,
                           nanosecond precision, header always, LF lines; live,
                           idle flows are swept every half second).
  --idle-timeout S       a flow idle for more than S seconds ends; the next
                         packet starts a new flow (default: 120 for files, as
                         netflower 1.0's flow_timeout; 30 live)
  --active-timeout S     duration cap: a flow is cut once it is older than S
                         seconds since its first packet (default: none for
                         files, 120 live; "none" disables it for files)
  --gc-interval N        files: sweep for idle flows after every N-th accepted
                         packet (default: 1000; live always sweeps every 1000)
  --max-flows N|none     at most N flows open at once: when the table is full
                         the least recently active flow is written early and
                         counted as evicted (default: a quarter of memory at
                         512 bytes a flow; none: no limit)

Live capture:
  --save-pcap DIR        also write each completed flow's frames to
                         DIR/<src>-<sport>-<dst>-<dport>-<proto>-<start_us>.pcap
                         (DIR must exist)
  --duration S           stop after S seconds
  --count N              stop after N packets
  --filter EXPR          capture only what this BPF expression (tcpdump syntax)
                         matches
  --promisc              put the interface into promiscuous mode
  --ring-mb N            capture ring size per job in MiB (default: 64)
  --user NAME            once the capture rings are open, drop root: switch to
                         user NAME (and its groups) with no capabilities left,
                         as tcpdump -Z does (--save-pcap DIR must be writable
                         by NAME)

Performance:
  --jobs N               flow workers: N >= 1, -1 = all CPUs, below -1 =
                         CPUs + N + 1 (default: 1). Files: the CSV never
                         depends on it (unless --max-flows evicts: each job
                         holds an equal share of the table). Live: N rings in
                         one fanout group, the kernel keeping both directions
                         of a flow on one.
  --cpus LIST            CPUs to pin the flow workers to, e.g. 2,3 or 4-7
                         (default: with at least N + 2 CPUs, the N after the
                         first, which is left to the packet reader; with
                         fewer, workers are not pinned)
  --buffer-rows N        rows formatted per write (default: 500); no effect on
                         the content

Reporting:
  --strict               exit with status 3 if the input was truncated or
                         damaged (the CSV is still complete for what was read)
  --quiet                no run summary on standard error (errors and
                         warnings still appear)
  --progress             show progress on standard error (default: only when
                         it is a terminal); --no-progress turns it off
  --help                 this text

Environment: NETFLOWER_IO_URING=0 writes the CSV with write(2) instead of
io_uring (which is also the fallback when io_uring is unavailable).

Exit status: 0 success; 1 the run could not finish (unreadable input, write
error, capture set-up error; from a file, no CSV is left under the output
name); 2 bad command line; 3 with --strict, the input was damaged (warnings
name the byte offset).
)";

struct CommandLine {
  std::string pcap;
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
  uint32_t ring_mb = 64;
  std::string user;
  bool strict = false;
  bool quiet = false;
  std::optional<bool> progress;
};

std::optional<double> ParseSeconds(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || std::isnan(v) || v < 0) {
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> ParseInteger(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const int64_t v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end != text.c_str() + text.size()) return std::nullopt;
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

// Parses argv; on failure returns an error message for the user.
absl::StatusOr<CommandLine> Parse(int argc, char** argv, bool* help) {
  CommandLine cl;
  static const std::map<std::string, bool> kTakesValue = {
      {"--pcap", true},        {"--iface", true},        {"--out", true},
      {"--compat", true},      {"--idle-timeout", true}, {"--active-timeout", true},
      {"--gc-interval", true}, {"--jobs", true},         {"--buffer-rows", true},
      {"--cpus", true},        {"--save-pcap", true},    {"--duration", true},
      {"--count", true},       {"--filter", true},       {"--promisc", false},
      {"--ring-mb", true},     {"--strict", false},      {"--quiet", false},
      {"--progress", false},   {"--no-progress", false}, {"--help", false},
      {"-h", false},           {"--max-flows", true},    {"--user", true},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline_value = true;
    }
    const auto known = kTakesValue.find(arg);
    if (known == kTakesValue.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", argv[i], "'"));
    }
    if (known->second) {
      if (!has_inline_value) {
        if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
        value = argv[++i];
      }
    } else if (has_inline_value) {
      return absl::InvalidArgumentError(absl::StrCat(arg, " takes no value"));
    }

    auto bad = [&](const char* expected) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad value '", value, "' for ", arg, ": expected ", expected));
    };
    if (arg == "--help" || arg == "-h") {
      *help = true;
    } else if (arg == "--pcap") {
      cl.pcap = value;
    } else if (arg == "--iface") {
      if (value.empty()) return bad("an interface name");
      cl.iface = value;
    } else if (arg == "--out") {
      if (value.empty()) return bad("a file name or -");
      cl.out = value;
    } else if (arg == "--compat") {
      if (value == "python") {
        cl.options.compat = Compat::kPython;
      } else if (value == "none") {
        cl.options.compat = Compat::kNone;
      } else {
        return bad("python or none");
      }
    } else if (arg == "--idle-timeout") {
      cl.idle_timeout = ParseSeconds(value);
      if (!cl.idle_timeout) return bad("seconds >= 0");
    } else if (arg == "--active-timeout") {
      if (value == "none") {
        cl.active_timeout_none = true;
        cl.active_timeout.reset();
      } else {
        cl.active_timeout = ParseSeconds(value);
        if (!cl.active_timeout) return bad("seconds >= 0, or none");
        cl.active_timeout_none = false;
      }
    } else if (arg == "--gc-interval") {
      const std::optional<int64_t> v = ParseInteger(value);
      if (!v || *v < 1) return bad("an integer >= 1");
      cl.options.gc_interval = *v;
    } else if (arg == "--buffer-rows") {
      const std::optional<int64_t> v = ParseInteger(value);
      if (!v || *v < 1 || *v > 100000000) return bad("an integer from 1 to 100000000");
      cl.options.buffer_rows = *v;
    } else if (arg == "--jobs") {
      const std::optional<int64_t> v = ParseInteger(value);
      if (!v || *v == 0 || *v < -1024 || *v > 1024) {
        return bad("N >= 1, -1 for all CPUs, or a negative N (CPUs + N + 1); not 0");
      }
      cl.options.n_jobs = static_cast<int>(*v);
    } else if (arg == "--cpus") {
      std::optional<std::vector<int>> cpus = ParseCpuList(value);
      if (!cpus) return bad("a CPU list like 0,2 or 4-7");
      cl.options.cpus = *cpus;
    } else if (arg == "--save-pcap") {
      if (value.empty()) return bad("a directory");
      cl.save_pcap_dir = value;
    } else if (arg == "--duration") {
      cl.duration = ParseSeconds(value);
      if (!cl.duration || *cl.duration <= 0) return bad("seconds > 0");
    } else if (arg == "--count") {
      const std::optional<int64_t> v = ParseInteger(value);
      if (!v || *v < 1) return bad("an integer >= 1");
      cl.count = static_cast<uint64_t>(*v);
    } else if (arg == "--filter") {
      cl.filter = value;
    } else if (arg == "--promisc") {
      cl.promisc = true;
    } else if (arg == "--ring-mb") {
      const std::optional<int64_t> v = ParseInteger(value);
      if (!v || *v < 1 || *v > 65536) return bad("MiB from 1 to 65536");
      cl.ring_mb = static_cast<uint32_t>(*v);
    } else if (arg == "--max-flows") {
      if (value == "none") {
        cl.options.max_flows = 0;
      } else {
        const std::optional<int64_t> v = ParseInteger(value);
        if (!v || *v < 1) return bad("an integer >= 1, or none");
        cl.options.max_flows = static_cast<uint64_t>(*v);
      }
    } else if (arg == "--user") {
      if (value.empty()) return bad("a user name");
      cl.user = value;
    } else if (arg == "--strict") {
      cl.strict = true;
    } else if (arg == "--quiet") {
      cl.quiet = true;
    } else if (arg == "--progress") {
      cl.progress = true;
    } else if (arg == "--no-progress") {
      cl.progress = false;
    }
  }
  if (*help) return cl;
  if (cl.pcap.empty() == cl.iface.empty()) {
    return absl::InvalidArgumentError("give either --pcap FILE or --iface IF");
  }
  const bool live = !cl.iface.empty();
  if (!live &&
      (!cl.save_pcap_dir.empty() || cl.duration || cl.count || !cl.filter.empty() || cl.promisc)) {
    return absl::InvalidArgumentError(
        "--save-pcap, --duration, --count, --filter and --promisc apply to --iface only");
  }
  if (live && cl.active_timeout_none) {
    return absl::InvalidArgumentError(
        "live capture always has a duration cap (--active-timeout S)");
  }
  if (!live) {
    if (cl.idle_timeout) cl.options.flow_timeout = *cl.idle_timeout;
    if (cl.active_timeout) cl.options.active_timeout = *cl.active_timeout;
  }
  return cl;
}

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

void AppendFlows(std::string* out, uint64_t flows, const EmitCounts& e) {
  absl::StrAppendFormat(out,
                        "  flows written     %12u  (fin %u, rst %u, idle %u, duration cap %u, "
                        "open at end %u",
                        flows, e.fin, e.rst, e.idle_timeout, e.active_timeout, e.end_of_input);
  if (e.evicted) absl::StrAppendFormat(out, ", evicted from a full table %u", e.evicted);
  *out += ")\n";
}

void PrintFileSummary(const CommandLine& cl, const RunStats& s) {
  std::string out = absl::StrFormat(
      "netflower: %s -> %s (profile %s, idle timeout %g s, %s)\n", cl.pcap,
      cl.out == "-" ? "stdout" : cl.out,
      cl.options.compat == Compat::kPython ? "python" : "default", cl.options.flow_timeout,
      cl.options.active_timeout ? absl::StrFormat("duration cap %g s", *cl.options.active_timeout)
                                : std::string("no duration cap"));
  AppendCounts(&out, s.packets_read, s.packets_accepted, s.late_packets, s.skipped,
               s.packets_skipped());
  AppendFlows(&out, s.flows_written, s.flows_by_reason);
  absl::StrAppendFormat(&out, "  peak open flows   %12u\n", s.peak_open_flows);
  if (s.timestamps_clamped) {
    absl::StrAppendFormat(&out, "  timestamps clamped %11u\n", s.timestamps_clamped);
  }
  absl::StrAppendFormat(&out, "  time              %12.3f s  (%spackets/s)\n", s.seconds,
                        Rate(static_cast<double>(s.packets_read), s.seconds));
  std::fputs(out.c_str(), stderr);
}

int RunFile(CommandLine& cl) {
  RunStats stats;
  ConvertOptions options = cl.options;  // with pointers to this frame's locals
  options.stats = &stats;
  const bool show_progress = cl.progress.value_or(::isatty(STDERR_FILENO) == 1);
  if (show_progress) {
    options.on_progress = [](const Progress& p) {
      const double pct =
          p.bytes_total ? 100.0 * static_cast<double>(p.bytes_done) / p.bytes_total : 0.0;
      absl::FPrintF(stderr, "\r  %5.1f%%  %u packets  %.1f s   ", pct, p.packets_read, p.seconds);
      std::fflush(stderr);
    };
  }
  absl::StatusOr<uint64_t> rows = ConvertPcapToCsv(cl.pcap, cl.out, options);
  if (show_progress) std::fputs("\r\033[K", stderr);
  for (const std::string& w : stats.warnings) {
    std::fprintf(stderr, "netflower: warning: %s\n", w.c_str());
  }
  if (!rows.ok()) {
    std::fprintf(stderr, "netflower: error: %s\n", std::string(rows.status().message()).c_str());
    return kExitFailed;
  }
  if (!cl.quiet) PrintFileSummary(cl, stats);
  if (cl.strict && !stats.warnings.empty()) return kExitDamaged;
  return kExitOk;
}

// Switches to `user` for good: its groups, gid and uid (from root, setuid
// also clears every capability), and no way back (no_new_privs).
absl::Status DropPrivileges(const std::string& user) {
  errno = 0;
  const struct passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) {
    return absl::NotFoundError(absl::StrCat("--user: no user named '", user, "'"));
  }
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  if (initgroups(user.c_str(), gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("--user ", user, ": cannot switch to it: ", std::strerror(errno)));
  }
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  // Check: no way back to root, and no capability left.
  if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
    return absl::InternalError("--user: root privileges are still available after the switch");
  }
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) == 0 && uid != 0 &&
      (data[0].effective | data[0].permitted | data[1].effective | data[1].permitted) != 0) {
    return absl::InternalError("--user: capabilities remain after the switch");
  }
  return absl::OkStatus();
}

// SIGINT/SIGTERM received so far: the first stops the capture, one more
// while the last flows are being written abandons them (stalled output).
std::atomic<int> g_signals{0};
void OnSignal(int) { g_signals.fetch_add(1); }

void PrintLiveSummary(const CommandLine& cl, const CaptureOptions& options, const CaptureStats& s,
                      double seconds) {
  std::string out = absl::StrFormat(
      "netflower: live on %s -> %s (profile %s, idle timeout %g s, duration cap %g s, %d "
      "job%s)\n",
      cl.iface, cl.out == "-" ? "stdout" : cl.out,
      options.compat == Compat::kPython ? "python" : "default", options.idle_timeout,
      options.flow_timeout, options.jobs, options.jobs == 1 ? "" : "s");
  AppendCounts(&out, s.packets_read, s.packets_accepted, s.late_packets, s.skipped,
               s.packets_skipped());
  AppendFlows(&out, s.flows_emitted, s.flows_by_reason);
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
      const CaptureStats s = capture.stats();
      if (!cl.quiet) {
        PrintLiveSummary(
            cl, options, s,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      }
      std::fprintf(stderr,
                   "netflower: error: interrupted while writing the last flows to %s, which "
                   "is not taking them: quitting with %llu flows written; the flows still "
                   "open are lost\n",
                   cl.out == "-" ? "standard output" : cl.out.c_str(),
                   static_cast<unsigned long long>(s.flows_emitted));
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

int RunLive(CommandLine& cl) {
  CaptureOptions options;
  options.compat = cl.options.compat;
  options.idle_timeout = cl.idle_timeout.value_or(30.0);
  options.flow_timeout = cl.active_timeout.value_or(120.0);
  absl::StatusOr<int> jobs = ResolveJobs(cl.options.n_jobs);
  options.jobs = jobs.ok() ? *jobs : 1;
  options.cpus = cl.options.cpus;
  options.filter = cl.filter;
  options.promiscuous = cl.promisc;
  options.save_pcap = !cl.save_pcap_dir.empty();
  options.pcap_dir = cl.save_pcap_dir;
  options.ring_block_size = 1u << 20;
  options.ring_block_count = cl.ring_mb;
  options.csv_path = cl.out;
  options.packet_limit = cl.count;
  options.max_flows = cl.options.max_flows;

  absl::StatusOr<std::unique_ptr<LiveCapture>> capture = CaptureLive(cl.iface, nullptr, options);
  if (!capture.ok()) {
    std::fprintf(stderr, "netflower: error: %s\n", std::string(capture.status().message()).c_str());
    return kExitFailed;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed stdout is a write error, not a kill

  if (!cl.user.empty()) {
    if (absl::Status s = DropPrivileges(cl.user); !s.ok()) {
      std::fprintf(stderr, "netflower: error: %s\n", std::string(s.message()).c_str());
      return kExitFailed;
    }
    if (!cl.quiet) {
      std::fprintf(stderr, "netflower: running as %s (uid %u), no capabilities\n", cl.user.c_str(),
                   static_cast<unsigned>(getuid()));
    }
  }
  const auto started = std::chrono::steady_clock::now();
  if (absl::Status s = (*capture)->Start(); !s.ok()) {
    std::fprintf(stderr, "netflower: error: %s\n", std::string(s.message()).c_str());
    return kExitFailed;
  }
  const bool show_progress = cl.progress.value_or(::isatty(STDERR_FILENO) == 1);
  auto last_report = started;
  while (g_signals.load() == 0 && !(*capture)->limit_reached()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - started).count();
    if (cl.duration && elapsed >= *cl.duration) break;
    if (show_progress && now - last_report > std::chrono::milliseconds(500)) {
      last_report = now;
      const CaptureStats s = (*capture)->stats();
      absl::FPrintF(stderr, "\r  %.0f s  %u packets  %u flows  %u kernel drops   ", elapsed,
                    s.packets_read, s.flows_emitted, s.kernel_drops);
      std::fflush(stderr);
    }
  }
  if (show_progress) std::fputs("\r\033[K", stderr);
  const absl::Status stopped = StopOrAbandon(**capture, cl, options, started);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const CaptureStats s = (*capture)->stats();
  if (!cl.quiet) PrintLiveSummary(cl, options, s, seconds);
  if (!s.first_pcap_error.empty()) {
    std::fprintf(stderr, "netflower: warning: could not write %llu flow pcap(s), first: %s\n",
                 static_cast<unsigned long long>(s.pcap_write_errors), s.first_pcap_error.c_str());
  }
  if (!stopped.ok()) {
    std::fprintf(stderr, "netflower: error: %s\n", std::string(stopped.message()).c_str());
    return kExitFailed;
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  bool help = false;
  absl::StatusOr<CommandLine> parsed = Parse(argc, argv, &help);
  if (help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (!parsed.ok()) {
    std::fprintf(stderr, "netflower: %s\nTry 'netflower --help'.\n",
                 std::string(parsed.status().message()).c_str());
    return kExitUsage;
  }
  CommandLine& cl = *parsed;
  if (absl::Status s = ValidateOptions(cl.options); !s.ok()) {
    std::fprintf(stderr, "netflower: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }
  return cl.iface.empty() ? RunFile(cl) : RunLive(cl);
}

}  // namespace
}  // namespace netflower

int main(int argc, char** argv) { return netflower::Main(argc, argv); }
