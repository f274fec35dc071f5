// netflower command-line tool: capture files or a live interface to flows.
// A thin client of the library (netflower/netflower.h): the command line is
// parsed by tools/cli_options, summaries are tools/cli_summary's; this file
// holds main, the signals and the three run modes.
#include "netflower/netflower.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/flow_pcap_dir.h"
#include "io/output_file.h"
#include "netflower/command_line.h"
#include "netflower/platform.h"
#include "tools/build_info.h"
#include "tools/cli_summary.h"
#include "tools/privileges.h"

namespace netflower::cli {
namespace {

// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;       // the run could not finish (bad input, I/O error)
constexpr int kExitUsage = 2;        // bad command line, checked before any work
constexpr int kExitDamaged = 3;      // --strict: finished, but the input was damaged
constexpr int kExitUndelivered = 4;  // finished, but flows missed Kafka or the IPFIX collector
constexpr int kExitSignal = 128;     // + the signal number: interrupted (130 SIGINT, 143 SIGTERM)

void PrintVersion() {
  const PlatformSupport p = ProbePlatform();
  auto say = [](const absl::Status& s) {
    return s.ok() ? std::string("available") : absl::StrCat("unavailable (", s.message(), ")");
  };
  std::printf(
      "netflower %s (commit %s)\n"
      "profiles: default (--compat=none), python (--compat=python, netflower 1.0's bytes), "
      "CIC layouts (--columns cic-*, CICFlowMeter's rules)\n"
      "io_uring: %s\n"
      "TPACKET_V3 live capture: %s\n",
      Version(), kBuildCommit, say(p.io_uring).c_str(), say(p.tpacket_v3).c_str());
}

void Say(const std::string& text) { std::fputs(text.c_str(), stderr); }
void PrintError(const absl::Status& s) {
  std::fprintf(stderr, "netflower: error: %s\n", std::string(s.message()).c_str());
}
void PrintWarnings(const RunStats& s) {
  for (const std::string& w : s.warnings) {
    std::fprintf(stderr, "netflower: warning: %s\n", w.c_str());
  }
}

// Errors that mean the command line named something wrong (exit 2, nothing
// written); the others (no permission, the kernel refusing) are run failures.
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

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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

absl::Status CheckStdFds(const CommandLine& cl, const ClosedStdFds& closed) {
  const bool reads_stdin = std::find(cl.pcaps.begin(), cl.pcaps.end(), "-") != cl.pcaps.end();
  if (reads_stdin && closed.in) {
    return absl::InvalidArgumentError("--pcap -: standard input is closed");
  }
  if (cl.out == "-" && closed.out) {
    return absl::InvalidArgumentError("--out -: standard output is closed");
  }
  // The --labels file is an input too.
  return RefuseSameFile(cl.labels_path, cl.out);
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

// --- Files ------------------------------------------------------------------

// The progress line while stderr is a terminal (or --progress).
std::function<void(const Progress&)> ProgressPrinter() {
  return [](const Progress& p) {
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

int RunFile(const CommandLine& cl) {
  RunStats stats;
  ConvertOptions options = cl.FileOptions();
  options.stats = &stats;
  options.cancel = &g_cancel;
  const bool show_progress = cl.progress.value_or(::isatty(STDERR_FILENO) == 1);
  if (show_progress) options.on_progress = ProgressPrinter();
  const std::string& input = cl.pcaps.front();
  if (absl::Status s = CheckConversion(input, cl.out, options); !s.ok()) {
    std::fprintf(stderr, "netflower: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }
  CatchStopSignals();
  absl::StatusOr<uint64_t> rows = ConvertPcapToCsv(input, cl.out, options);
  if (show_progress) std::fputs("\r\033[K", stderr);
  PrintWarnings(stats);
  const std::string output = OutputName(options, cl.out);
  if (!rows.ok() && rows.status().code() == absl::StatusCode::kCancelled) {
    const int sig = g_last_signal.load();
    if (!cl.quiet) Say(FileSummary(options, input, output, stats));
    std::fprintf(stderr, "netflower: interrupted by %s: %s\n", SignalName(sig),
                 cl.out.empty()  ? "the flows delivered so far are with Kafka or the collector"
                 : cl.out == "-" ? "the rows written so far are on standard output"
                                 : "no CSV written (the temporary file was removed)");
    return kExitSignal + sig;
  }
  if (!rows.ok()) {
    if (!cl.quiet && stats.packets_read > 0) Say(FileSummary(options, input, output, stats));
    PrintError(rows.status());
    return OnlyExportsFell(rows.status(), stats) ? kExitUndelivered : kExitFailed;
  }
  if (!cl.quiet) Say(FileSummary(options, input, output, stats));
  if (cl.strict && !stats.warnings.empty()) return kExitDamaged;
  return kExitOk;
}

// Several inputs (files, a folder, --out-dir): ConvertFiles, then a summary
// per file and a total.
int RunFiles(const CommandLine& cl) {
  ConvertOptions options = cl.FileOptions();
  options.cancel = &g_cancel;
  FilesOutput output = cl.files;
  if (cl.files.out_dir.empty()) output.out = cl.out;
  CatchStopSignals();
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<FilesResult> result = ConvertFiles(cl.pcaps, output, options);
  if (!result.ok()) {
    const bool usage = IsCommandLineError(result.status());
    std::fprintf(stderr, "netflower: %s%s\n",
                 usage ? "" : "error: ", std::string(result.status().message()).c_str());
    return usage ? kExitUsage : kExitFailed;
  }
  size_t failed = 0, damaged = 0, undelivered = 0;
  std::string not_converted;  // after a signal: which inputs, and how far they got
  // The files share one IPFIX exporter: its lines come once, with the total.
  ConvertOptions per_file = options;
  per_file.ipfix.reset();
  for (const FileResult& f : result->files) {
    PrintWarnings(f.stats);
    damaged += f.stats.warnings.empty() ? 0 : 1;
    const std::string out = OutputName(per_file, output.out_dir.empty() ? cl.out : f.output);
    if (!cl.quiet && (f.status.ok() || f.stats.packets_read > 0)) {
      Say(FileSummary(per_file, f.input, out, f.stats));
    }
    if (f.status.code() == absl::StatusCode::kCancelled) {
      absl::StrAppend(&not_converted, not_converted.empty() ? "" : ", ", f.input,
                      f.started ? " (interrupted)" : " (not started)");
    } else if (OnlyExportsFell(f.status, f.stats)) {
      ++undelivered;
      PrintError(f.status);
    } else if (!f.status.ok()) {
      ++failed;
      PrintError(f.status);
    }
  }
  if (!cl.quiet) {
    Say(FilesTotal(*result, SecondsSince(started)));
    if (options.ipfix) {
      Say(absl::StrCat("netflower: all files -> ", OutputName(options, ""), "\n",
                       IpfixSummary(*options.ipfix, result->ipfix)));
    }
  }
  if (!result->ipfix_status.ok()) {
    PrintError(result->ipfix_status);
    if (result->ipfix_status.code() == absl::StatusCode::kUnavailable) ++undelivered;
  }
  if (result->cancelled) {
    const int sig = g_last_signal.load();
    std::string written;
    if (!output.out.empty()) {
      written = absl::StrCat("; nothing was written to ", output.out == "-" ? "stdout" : output.out,
                             output.out == "-" ? "" : " (left as it was)");
    }
    std::fprintf(stderr, "netflower: interrupted by %s%s; not converted: %s\n", SignalName(sig),
                 written.c_str(), not_converted.empty() ? "none" : not_converted.c_str());
    return kExitSignal + sig;
  }
  if (!result->joined.ok()) {
    PrintError(result->joined);
    return kExitFailed;
  }
  if (failed > 0) return kExitFailed;
  if (undelivered > 0) return kExitUndelivered;
  if (cl.strict && damaged > 0) return kExitDamaged;
  return kExitOk;
}

// --- Live -------------------------------------------------------------------

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
      if (!cl.quiet) {
        Say(LiveSummary(options, cl.iface, OutputName(options, cl.out), s, SecondsSince(started)));
      }
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

// --user: looked up, and the folders it will write checked as that user,
// before anything is opened.
absl::Status PrepareUser(const CommandLine& cl, CaptureOptions* options,
                         std::optional<TargetUser>* user) {
  if (cl.user.empty()) return absl::OkStatus();
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
    return CheckWritableBy(DirectoryOf(cl.out), "--out folder", u->name, u->uid, u->gid);
  }
  return absl::OkStatus();
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

int RunLive(const CommandLine& cl) {
  CaptureOptions options = cl.LiveOptions();
  options.csv_path = cl.out;
  std::optional<TargetUser> user;
  if (absl::Status s = PrepareUser(cl, &options, &user); !s.ok()) {
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
  if (!cl.quiet) {
    Say(LiveSummary(options, cl.iface, OutputName(options, cl.out), s, SecondsSince(started)));
  }
  if (!s.first_pcap_error.empty()) {
    std::fprintf(stderr, "netflower: warning: could not write %llu flow pcap(s), first: %s\n",
                 static_cast<unsigned long long>(s.pcap_write_errors), s.first_pcap_error.c_str());
  }
  if (!stopped.ok()) {
    std::fprintf(stderr, "netflower: error: %s%s\n", std::string(stopped.message()).c_str(),
                 output_broke ? "; capture stopped there" : "");
    return OnlyExportsFell(stopped, s) ? kExitUndelivered : kExitFailed;
  }
  return kExitOk;
}

// Several inputs: more than one --pcap name, a folder, or --out-dir.
bool SeveralFiles(const CommandLine& cl) {
  struct stat st;
  const bool folder = ::stat(cl.pcaps.front().c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  return cl.pcaps.size() > 1 || folder || !cl.files.out_dir.empty();
}

int Main(int argc, char** argv) {
  const ClosedStdFds closed = ReserveStdFds();
  // --help and --version win wherever they are (before any other check).
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(HelpText().c_str(), stdout);
      return kExitOk;
    }
  }
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--version") {
      PrintVersion();
      return kExitOk;
    }
  }
  absl::StatusOr<CommandLine> parsed = ParseCommandLine(argc, argv);
  if (!parsed.ok()) {
    std::fprintf(stderr, "netflower: %s\nTry 'netflower --help'.\n",
                 std::string(parsed.status().message()).c_str());
    return kExitUsage;
  }
  const CommandLine& cl = *parsed;
  if (absl::Status s = CheckStdFds(cl, closed); !s.ok()) {
    std::fprintf(stderr, "netflower: %s\n", std::string(s.message()).c_str());
    return kExitUsage;
  }
  if (cl.live()) return RunLive(cl);
  return SeveralFiles(cl) ? RunFiles(cl) : RunFile(cl);
}

}  // namespace
}  // namespace netflower::cli

int main(int argc, char** argv) { return netflower::cli::Main(argc, argv); }
