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

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "features/columns.h"  // FlowRecord, kColumns, GetColumn()
#include "flow/run_stats.h"    // RunStats, SkipReason, Progress

namespace netflower {

// Output profile (FLOW-SPEC §1).
enum class Compat {
  kNone,    // default: netflower 1.0's rules with the listed corrections
  kPython,  // byte-exact with netflower 1.0 (the Python package)
};

// Options of a file conversion (FLOW-SPEC §2.1).
struct ConvertOptions {
  // Idle timeout in seconds (netflower 1.0's flow_timeout): a flow whose last
  // packet is older than this is emitted. >= 0.
  double flow_timeout = 120.0;
  // Optional duration cap in seconds (the live capture's flow_timeout): a
  // flow older than this since its first packet is emitted. File conversion
  // has none by default. >= 0.
  std::optional<double> active_timeout;
  // A sweep for idle flows runs after every gc_interval-th accepted packet.
  // >= 1.
  int64_t gc_interval = 1000;
  // Rows are written in batches of this size; no effect on the content. >= 1.
  int64_t buffer_rows = 500;
  // Worker count: 0 is an error, -1 means all CPUs, below -1 means
  // max(1, cpus + n_jobs + 1). The output never depends on it.
  int n_jobs = 1;
  // CPUs to pin the flow workers to (round-robin). Empty: CPU 0 is left to
  // the packet reader when there are more CPUs than workers, and the
  // workers take the next ones.
  std::vector<int> cpus;
  Compat compat = Compat::kNone;
  // Write the CSV with io_uring when the kernel allows it (else write(2),
  // said once on stderr). false: always write(2).
  bool use_io_uring = true;
  // If set, filled with the run's statistics on return, also on failure (as
  // far as the run got).
  RunStats* stats = nullptr;
  // If set, called about twice a second during the conversion, on the
  // calling thread.
  std::function<void(const Progress&)> on_progress;
};

// Checks options as the functions below do, without running anything.
absl::Status ValidateOptions(const ConvertOptions& options);

// Converts the capture at `input_path` (pcap or pcapng, detected from its
// first bytes) to CSV at `output_path` ("-" = standard output). Returns the
// number of data rows written (the header is not counted).
//
// The CSV is written to a temporary file next to `output_path` and renamed
// into place on success; on failure no file is left under that name.
// A truncated or damaged input is not a failure: conversion stops at the
// damaged spot, every flow read so far (open ones included) is written, and
// the problem is listed in RunStats::warnings. Fails with InvalidArgument
// for bad options or an input that is not a readable capture, NotFound /
// PermissionDenied for files that cannot be opened, ResourceExhausted when
// the disk is full.
absl::StatusOr<uint64_t> ConvertPcapToCsv(const std::string& input_path,
                                          const std::string& output_path,
                                          const ConvertOptions& options = {});

// The same conversion, handing each flow to `on_flow` (on the calling thread,
// in the CSV's row order) instead of writing CSV. Returns the number of
// flows.
absl::StatusOr<uint64_t> ConvertPcap(const std::string& input_path,
                                     const std::function<void(const FlowRecord&)>& on_flow,
                                     const ConvertOptions& options = {});

// The worker count an n_jobs value resolves to on this machine, or an error
// for 0.
absl::StatusOr<int> ResolveJobs(int n_jobs);

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_NETFLOWER_H_
