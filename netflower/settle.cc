#include "netflower/settle.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "dpi/app_dissector.h"
#include "io/ipfix_exporter.h"
#include "io/kafka_producer.h"
#include "io/output_file.h"
#include "netflower/netflower.h"
#include "pipeline/pipeline.h"

namespace netflower {
namespace {

// Live captures open one ring per job; more than this is a typing error.
constexpr int kMaxLiveJobs = 256;

absl::Status Invalid(const std::string& message) { return absl::InvalidArgumentError(message); }

std::string Name(ColumnSet set) { return std::string(ColumnSetName(set)); }

// The rules about profile, column set, tunnels and labels: which options
// belong together.
absl::Status CheckColumns(const Options& o) {
  const bool python = o.compat == Compat::kPython;
  if (o.tunnels && (python || IsCic(o.columns))) {
    return Invalid(
        absl::StrCat("tunnels belong to the default profile: ",
                     python ? "compat=python reads the outer packet, as netflower 1.0 did"
                            : absl::StrCat("the ", Name(o.columns),
                                           " layout reads the outer packet, as CICFlowMeter did")));
  }
  if (HasTunnelColumns(o.columns) && (python || o.tunnels == Tunnels::kOuter)) {
    return Invalid(
        "the netflower-tunnel columns name the tunnel each flow was taken out of: they need the "
        "default profile with tunnels opened (tunnels=inner, the default), not compat=python "
        "or tunnels=outer");
  }
  if ((o.export_reason || o.interim || o.splt != 0 || o.dpi) && (python || IsCic(o.columns))) {
    return Invalid(absl::StrCat(
        o.interim     ? "interim reports belong"
        : o.splt != 0 ? "the SPLT columns belong"
        : o.dpi       ? "the application labels (dpi) belong"
                      : "the export_reason column belongs",
        " to the default profile and the netflower column sets: ",
        python ? "compat=python writes netflower 1.0's rows, byte for byte"
               : absl::StrCat("the ", Name(o.columns), " layout writes CICFlowMeter's rows")));
  }
  if (!IsCic(o.columns)) {
    if (o.label || !o.label_rules.empty() || o.cic_fixes) {
      return Invalid(
          "a label, label rules and the CIC fixes belong to the CIC layouts (columns "
          "cic-ids2017, ...); the netflower layout has no Label column");
    }
    return absl::OkStatus();
  }
  if (python) {
    return Invalid(absl::StrCat("the ", Name(o.columns),
                                " layout computes CICFlowMeter's values with its own rules; "
                                "compat=python (netflower 1.0's) does not apply to it"));
  }
  if (o.idle_timeout) {
    return Invalid(absl::StrCat(
        "idle_timeout does not apply to the ", Name(o.columns),
        " layout: CICFlowMeter has no idle timeout; its flow timeout, from a flow's first "
        "packet, is active_timeout (default ",
        kCicFlowTimeoutSeconds, " s)"));
  }
  if (o.label) {
    if (absl::Status s = CheckLabel(*o.label); !s.ok()) {
      return Invalid(absl::StrCat("label: ", s.message()));
    }
  }
  return CheckLabelRules(o.label_rules);
}

// Interim reports: a positive, finite period, and not over IPFIX, whose
// records carry delta counts (an interim record would make a collector
// count the flow's packets twice).
absl::Status CheckInterim(const Options& o) {
  if (!o.interim) return absl::OkStatus();
  if (!(*o.interim > 0 && *o.interim < kMaxInterimSeconds)) {
    return Invalid(absl::StrCat("interim must be > 0 and < ", kMaxInterimSeconds, " seconds, got ",
                                *o.interim));
  }
  if (o.ipfix) {
    return Invalid(
        "interim reports are not exported over IPFIX: its records count packets and bytes as "
        "deltas, so a collector would count an interim row's packets again in the final "
        "record; use interim reports with the CSV, JSON Lines, Kafka or on_flow");
  }
  return absl::OkStatus();
}

// What files and captures share; fills what they settle alike.
absl::Status SettleCommon(const Options& o, RunSettings* run) {
  for (const auto& [name, value] :
       {std::pair{"idle_timeout", o.idle_timeout}, std::pair{"active_timeout", o.active_timeout}}) {
    if (value && !(*value >= 0)) {
      return Invalid(absl::StrCat(name, " must be >= 0 seconds, got ", *value));
    }
  }
  if (absl::Status s = CheckColumns(o); !s.ok()) return s;
  if (absl::Status s = CheckInterim(o); !s.ok()) return s;
  if (o.splt < 0 || o.splt > kMaxSpltPackets) {
    return Invalid(
        absl::StrCat("splt must be 1 to ", kMaxSpltPackets, " packets (0: none), got ", o.splt));
  }
  if (o.dpi && !DpiAvailable()) {
    return absl::FailedPreconditionError(
        "dpi: this build of netflower has no nDPI (the static benchmark kit leaves it out); use "
        "a build linked with Debian's libndpi (tools/install_deps.sh installs libndpi-dev)");
  }
  absl::StatusOr<int> jobs = ResolveJobs(o.jobs);
  if (!jobs.ok()) return jobs.status();
  if (absl::Status s = CheckCpuList(o.cpus); !s.ok()) return s;
  if (o.kafka) {
    if (absl::Status s = ValidateKafkaOptions(*o.kafka); !s.ok()) return s;
  }
  if (o.ipfix) {
    if (IsCic(o.columns)) {
      return Invalid(absl::StrCat(
          "IPFIX exports the netflower columns (standard elements and netflower's own); the ",
          Name(o.columns), " layout is written as CSV or JSON Lines only"));
    }
    if (absl::Status s = ValidateIpfixOptions(*o.ipfix, HasTunnelColumns(o.columns)); !s.ok()) {
      return s;
    }
  }
  if (o.max_flows && *o.max_flows != 0 && *o.max_flows < static_cast<uint64_t>(*jobs)) {
    return Invalid(absl::StrCat("max_flows (", *o.max_flows, ") must be at least jobs (", *jobs,
                                "): every worker holds a share"));
  }
  run->options = &o;
  run->jobs = IsCic(o.columns) ? 1 : *jobs;  // the CIC end flush needs the whole table
  run->max_flows = MaxFlowsFor(o.max_flows, run->jobs);
  run->tunnels = o.tunnels.value_or(Tunnels::kInner) == Tunnels::kInner;
  run->label = o.label.value_or(std::string(DefaultCicLabel(o.columns)));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> ResolveJobs(int jobs) {
  if (jobs == 0) {
    return absl::InvalidArgumentError("jobs must not be 0 (use 1, N, or -1 for all CPUs)");
  }
  if (jobs > 0) return jobs;
  const int cpus = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cpus + jobs + 1);
}

absl::StatusOr<RunSettings> Settle(const ConvertOptions& options) {
  RunSettings run;
  if (absl::Status s = SettleCommon(options, &run); !s.ok()) return s;
  if (options.gc_interval && *options.gc_interval < 1) {
    return Invalid(absl::StrCat("gc_interval must be >= 1, got ", *options.gc_interval));
  }
  if (options.gc_interval && IsCic(options.columns)) {
    return Invalid(absl::StrCat("gc_interval does not apply to the ", Name(options.columns),
                                " layout: CICFlowMeter reads a file without idle sweeps (a flow "
                                "ends by FIN or by its flow timeout, active_timeout)"));
  }
  if (options.buffer_rows < 1) {
    return Invalid(absl::StrCat("buffer_rows must be >= 1, got ", options.buffer_rows));
  }
  run.idle_timeout_seconds = options.idle_timeout.value_or(kDefaultFileIdleTimeout);
  run.cap_seconds = options.active_timeout;
  if (IsCic(options.columns) && !run.cap_seconds) run.cap_seconds = kCicFlowTimeoutSeconds;
  run.gc_interval = static_cast<uint64_t>(options.gc_interval.value_or(kDefaultGcInterval));
  return run;
}

absl::StatusOr<RunSettings> Settle(const CaptureOptions& options) {
  RunSettings run;
  if (absl::Status s = SettleCommon(options, &run); !s.ok()) return s;
  if (run.jobs > kMaxLiveJobs) {
    return Invalid(absl::StrCat("jobs must be at most ", kMaxLiveJobs,
                                " for live capture (one ring each), got ", run.jobs));
  }
  if (options.ring_block_count < 1) return Invalid("the capture ring needs at least one block");
  if (IsCic(options.columns) && options.save_pcap) {
    return Invalid(
        "save_pcap names its files after netflower-layout records; it is not available with the "
        "CIC layouts");
  }
  if (options.save_pcap && options.pcap_dir.empty()) {
    return Invalid("save_pcap needs pcap_dir, an existing directory");
  }
  if (options.save_pcap && !options.csv_path.empty()) {
    if (absl::Status s = RefuseInsideDirectory(options.csv_path, options.pcap_dir,
                                               "which receives one pcap per flow; write the CSV "
                                               "elsewhere");
        !s.ok()) {
      return s;
    }
  }
  run.idle_timeout_seconds = options.idle_timeout.value_or(kDefaultLiveIdleTimeout);
  run.cap_seconds = options.active_timeout.value_or(
      IsCic(options.columns) ? kCicFlowTimeoutSeconds : kDefaultLiveActiveTimeout);
  return run;
}

absl::Status ValidateOptions(const ConvertOptions& options) { return Settle(options).status(); }
absl::Status ValidateOptions(const CaptureOptions& options) { return Settle(options).status(); }

}  // namespace netflower
