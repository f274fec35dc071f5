#include "tools/cli_summary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace netflower::cli {
namespace {

std::string Rate(double count, double seconds) {
  if (seconds <= 0) return "-";
  const double r = count / seconds;
  if (r >= 1e6) return absl::StrFormat("%.2f M", r / 1e6);
  if (r >= 1e3) return absl::StrFormat("%.1f k", r / 1e3);
  return absl::StrFormat("%.0f ", r);
}

// What the run was: its profile and timeouts, or the CIC layout and its flow
// timeout (CICFlowMeter has no idle timeout), and the jobs.
std::string RunDescription(const Options& o, const RunStats& s, bool live) {
  const std::string jobs =
      live ? absl::StrFormat(", %d job%s", s.jobs, s.jobs == 1 ? "" : "s") : "";
  if (IsCic(o.columns)) {
    return absl::StrFormat(
        "columns %s%s, CICFlowMeter's rules, flow timeout %g s from the first "
        "packet%s",
        std::string(ColumnSetName(o.columns)), o.cic_fixes ? " with fixes" : "",
        s.active_timeout.value_or(kCicFlowTimeoutSeconds), jobs);
  }
  return absl::StrFormat("profile %s, idle timeout %g s, %s%s",
                         o.compat == Compat::kPython ? "python" : "default", s.idle_timeout,
                         s.active_timeout ? absl::StrFormat("duration cap %g s", *s.active_timeout)
                                          : std::string("no duration cap"),
                         jobs);
}

// Packets read, accepted (late ones said) and skipped by reason; flows
// written (what reached the output: the difference to the flows completed
// is said) and completed by reason; CIC's one-packet flows; Kafka.
std::string Counts(const Options& o, const RunStats& s) {
  std::string out;
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
  absl::StrAppendFormat(&out, "  flows written     %12u", s.flows_written);
  if (s.flows_written != s.flows_completed) {
    absl::StrAppendFormat(&out, "  (of %u completed: %u did not reach the output)",
                          s.flows_completed, s.flows_completed - s.flows_written);
  }
  const EmitCounts& e = s.flows_by_reason;
  absl::StrAppendFormat(&out,
                        "\n  flows completed by   fin %u, rst %u, idle %u, duration cap %u, "
                        "open at end %u",
                        e.fin, e.rst, e.idle_timeout, e.active_timeout, e.end_of_input);
  if (e.evicted) absl::StrAppendFormat(&out, ", evicted from a full table %u", e.evicted);
  out += "\n";
  if (o.interim) {
    absl::StrAppendFormat(&out, "  interim rows      %12u  (every %g s; not counted as flows)\n",
                          s.interim_rows, *o.interim);
  }
  if (!s.csv_written_with.empty()) {
    absl::StrAppendFormat(&out, "  csv written with  %12s\n", s.csv_written_with);
  }
  if (IsCic(o.columns)) {
    absl::StrAppendFormat(&out, "  one-packet flows  %12u  (not written: CICFlowMeter writes 2+)\n",
                          s.one_packet_flows);
  }
  if (o.kafka) {
    const KafkaCounts& k = s.kafka;
    absl::StrAppendFormat(&out, "  kafka delivered   %12u  (of %u sent to %s, topic %s)\n",
                          k.delivered, k.produced, o.kafka->brokers, o.kafka->topic);
    absl::StrAppendFormat(&out, "    failed %u, not delivered %u, resent %u\n", k.failed,
                          k.undelivered, k.retries);
    if (o.interim) {
      absl::StrAppendFormat(&out, "    of the delivered %u interim rows\n", k.interim_delivered);
    }
    if (!k.first_error.empty()) absl::StrAppendFormat(&out, "    first error: %s\n", k.first_error);
  }
  if (o.ipfix) out += IpfixSummary(*o.ipfix, s.ipfix);
  return out;
}

}  // namespace

std::string IpfixSummary(const IpfixOptions& o, const IpfixCounts& x) {
  std::string out = absl::StrFormat("  ipfix exported    %12u  flows (%u records in %u messages)\n",
                                    x.flows_exported, x.records_exported, x.messages_sent);
  absl::StrAppendFormat(&out, "    dropped %u records (%u messages), send errors %u",
                        x.records_dropped, x.messages_dropped, x.send_errors);
  if (o.transport == IpfixTransport::kTcp) {
    absl::StrAppendFormat(&out, ", connections %u", x.connections);
  }
  out += "\n";
  if (!x.first_error.empty()) absl::StrAppendFormat(&out, "    first error: %s\n", x.first_error);
  return out;
}

std::string OutputName(const Options& options, const std::string& out) {
  std::vector<std::string> names;
  if (!out.empty()) names.push_back(out == "-" ? "stdout" : out);
  if (options.kafka) names.push_back(absl::StrCat("kafka topic ", options.kafka->topic));
  if (options.ipfix) {
    names.push_back(absl::StrCat("ipfix ", IpfixCollectorText(*options.ipfix)));
  }
  return absl::StrJoin(names, " + ");
}

std::string FileSummary(const Options& options, const std::string& input, const std::string& output,
                        const RunStats& s) {
  std::string out = absl::StrFormat("netflower: %s -> %s (%s)\n", input == "-" ? "stdin" : input,
                                    output, RunDescription(options, s, /*live=*/false));
  out += Counts(options, s);
  absl::StrAppendFormat(&out, "  peak open flows   %12u\n", s.peak_open_flows);
  if (s.timestamps_clamped) {
    absl::StrAppendFormat(&out, "  timestamps clamped %11u\n", s.timestamps_clamped);
  }
  absl::StrAppendFormat(&out, "  time              %12.3f s  (%spackets/s)\n", s.seconds,
                        Rate(static_cast<double>(s.packets_read), s.seconds));
  return out;
}

std::string FilesTotal(const FilesResult& result, double seconds) {
  size_t failed = 0, interrupted = 0, not_started = 0;
  uint64_t packets = 0, flows = 0;
  for (const FileResult& f : result.files) {
    if (f.status.code() == absl::StatusCode::kCancelled) {
      ++(f.started ? interrupted : not_started);
    } else if (!f.status.ok() && !OnlyExportsFell(f.status, f.stats)) {
      ++failed;
    }
    packets += f.stats.packets_read;
    if (f.status.ok()) flows += f.stats.flows_written;
  }
  const size_t converted = result.files.size() - failed - interrupted - not_started;
  const std::string stopped =
      interrupted + not_started > 0
          ? absl::StrFormat(", %u interrupted, %u not started", interrupted, not_started)
          : "";
  return absl::StrFormat(
      "netflower: %u files: %u converted, %u failed%s; %u packets read, %u flows written, "
      "%.3f s\n",
      result.files.size(), converted, failed, stopped, packets, flows, seconds);
}

std::string LiveSummary(const CaptureOptions& options, const std::string& iface,
                        const std::string& output, const RunStats& s, double seconds) {
  std::string out = absl::StrFormat("netflower: live on %s -> %s (%s)\n", iface, output,
                                    RunDescription(options, s, /*live=*/true));
  out += Counts(options, s);
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
  return out;
}

bool OnlyExportsFell(const absl::Status& status, const RunStats& s) {
  return status.code() == absl::StatusCode::kUnavailable &&
         s.kafka.failed + s.kafka.undelivered + s.ipfix.records_dropped > 0;
}

}  // namespace netflower::cli
