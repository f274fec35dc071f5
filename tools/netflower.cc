// netflower command-line tool: capture files to flow CSV.
#include "netflower/netflower.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
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

Converts a packet capture (pcap or pcapng, detected from its first bytes, not
its name) into bidirectional flows, one CSV row per flow with 82
CICFlowMeter-style columns, as specified by FLOW-SPEC.md.

Input and output:
  --pcap FILE            capture file to convert (required)
  --out FILE|-           where the CSV goes; "-" is standard output (default).
                         A file is written under a temporary name and renamed
                         into place when complete.

Flow rules:
  --compat=python|none   output profile (default: none).
                         python: byte-identical with netflower 1.0 (CRLF lines,
                           no header when there are no rows, IPv4 only, every
                           rule of netflower 1.0 kept).
                         none: the same with FLOW-SPEC §1's corrections (IPv6,
                           PPPoE, no one-packet flows after a FIN/FIN close,
                           nanosecond precision, header always, LF lines).
  --idle-timeout S       a flow idle for more than S seconds ends; the next
                         packet starts a new flow (default: 120; netflower
                         1.0's flow_timeout)
  --active-timeout S     duration cap: a flow is cut once it is older than S
                         seconds since its first packet (default: none for
                         files; "none" disables)
  --gc-interval N        sweep for idle flows after every N-th accepted packet
                         (default: 1000)

Performance:
  --jobs N               flow workers: N >= 1, -1 = all CPUs, below -1 =
                         CPUs + N + 1 (default: 1). The CSV never depends on it.
  --cpus LIST            CPUs to pin the flow workers to, e.g. 2,3 or 4-7
                         (default: the next CPUs after CPU 0, which is left to
                         the packet reader when there are enough)
  --buffer-rows N        rows formatted per write (default: 500); no effect on
                         the content

Reporting:
  --strict               exit with status 3 if the input was truncated or
                         damaged (the CSV is still complete for what was read)
  --quiet                no run summary on standard error
  --progress             show progress on standard error (default: only when
                         it is a terminal); --no-progress turns it off
  --help                 this text

Environment: NETFLOWER_IO_URING=0 writes the CSV with write(2) instead of
io_uring (which is also the fallback when io_uring is unavailable).

Exit status: 0 success; 1 the run could not finish (unreadable input, write
error; no CSV is left under the output name); 2 bad command line; 3 with
--strict, the input was damaged (warnings name the byte offset).
)";

struct CommandLine {
  std::string pcap;
  std::string out = "-";
  ConvertOptions options;
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
      {"--pcap", true},
      {"--out", true},
      {"--compat", true},
      {"--idle-timeout", true},
      {"--active-timeout", true},
      {"--gc-interval", true},
      {"--jobs", true},
      {"--buffer-rows", true},
      {"--cpus", true},
      {"--strict", false},
      {"--quiet", false},
      {"--progress", false},
      {"--no-progress", false},
      {"--help", false},
      {"-h", false},
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
        if (i + 1 >= argc) {
          return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
        }
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
      const std::optional<double> v = ParseSeconds(value);
      if (!v) return bad("seconds >= 0");
      cl.options.flow_timeout = *v;
    } else if (arg == "--active-timeout") {
      if (value == "none") {
        cl.options.active_timeout.reset();
      } else {
        const std::optional<double> v = ParseSeconds(value);
        if (!v) return bad("seconds >= 0, or none");
        cl.options.active_timeout = *v;
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
  if (cl.pcap.empty()) return absl::InvalidArgumentError("--pcap FILE is required");
  return cl;
}

std::string Rate(double count, double seconds) {
  if (seconds <= 0) return "-";
  const double r = count / seconds;
  if (r >= 1e6) return absl::StrFormat("%.2f M", r / 1e6);
  if (r >= 1e3) return absl::StrFormat("%.1f k", r / 1e3);
  return absl::StrFormat("%.0f ", r);
}

void PrintSummary(const CommandLine& cl, const RunStats& s) {
  std::string out = absl::StrFormat(
      "netflower: %s -> %s (profile %s, idle timeout %g s, %s)\n", cl.pcap,
      cl.out == "-" ? "stdout" : cl.out,
      cl.options.compat == Compat::kPython ? "python" : "default", cl.options.flow_timeout,
      cl.options.active_timeout ? absl::StrFormat("duration cap %g s", *cl.options.active_timeout)
                                : std::string("no duration cap"));
  absl::StrAppendFormat(&out, "  packets read      %12u\n", s.packets_read);
  absl::StrAppendFormat(&out, "  accepted          %12u", s.packets_accepted);
  if (s.late_packets) {
    absl::StrAppendFormat(&out, "  (%u late, after a FIN/RST close)", s.late_packets);
  }
  out += "\n";
  absl::StrAppendFormat(&out, "  skipped           %12u\n", s.packets_skipped());
  for (int r = 0; r < static_cast<int>(SkipReason::kCount); ++r) {
    if (s.skipped[r] == 0) continue;
    absl::StrAppendFormat(&out, "    %-30s %9u\n", SkipReasonName(static_cast<SkipReason>(r)),
                          s.skipped[r]);
  }
  const EmitCounts& e = s.flows_by_reason;
  absl::StrAppendFormat(&out,
                        "  flows written     %12u  (fin %u, rst %u, idle %u, duration cap %u, "
                        "open at end %u)\n",
                        s.flows_written, e.fin, e.rst, e.idle_timeout, e.active_timeout,
                        e.end_of_input);
  absl::StrAppendFormat(&out, "  peak open flows   %12u\n", s.peak_open_flows);
  if (s.timestamps_clamped) {
    absl::StrAppendFormat(&out, "  timestamps clamped %11u\n", s.timestamps_clamped);
  }
  absl::StrAppendFormat(&out, "  time              %12.3f s  (%spackets/s)\n", s.seconds,
                        Rate(static_cast<double>(s.packets_read), s.seconds));
  std::fputs(out.c_str(), stderr);
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

  RunStats stats;
  cl.options.stats = &stats;
  const bool show_progress = cl.progress.value_or(::isatty(STDERR_FILENO) == 1);
  if (show_progress) {
    cl.options.on_progress = [](const Progress& p) {
      const double pct =
          p.bytes_total ? 100.0 * static_cast<double>(p.bytes_done) / p.bytes_total : 0.0;
      absl::FPrintF(stderr, "\r  %5.1f%%  %u packets  %u flows  %.1f s   ", pct, p.packets_read,
                    p.flows_written, p.seconds);
      std::fflush(stderr);
    };
  }

  absl::StatusOr<uint64_t> rows = ConvertPcapToCsv(cl.pcap, cl.out, cl.options);
  if (show_progress) std::fputs("\r\033[K", stderr);
  for (const std::string& w : stats.warnings) {
    std::fprintf(stderr, "netflower: warning: %s\n", w.c_str());
  }
  if (!rows.ok()) {
    std::fprintf(stderr, "netflower: error: %s\n", std::string(rows.status().message()).c_str());
    return kExitFailed;
  }
  if (!cl.quiet) PrintSummary(cl, stats);
  if (cl.strict && !stats.warnings.empty()) return kExitDamaged;
  return kExitOk;
}

}  // namespace
}  // namespace netflower

int main(int argc, char** argv) { return netflower::Main(argc, argv); }
