// netflower: packets in, bidirectional flows with 82 CICFlowMeter-style
// columns out. This header is the library's C++ API, all of it: it and the
// three it includes (flow_record.h, options.h, stats.h) are what a program
// links against; nothing else of the library is reachable from them. The C
// API is netflower_c.h.
//
//   netflower::ConvertOptions options;
//   options.compat = netflower::Compat::kPython;
//   absl::StatusOr<uint64_t> rows =
//       netflower::ConvertPcapToCsv("in.pcapng", "out.csv", options);
//   if (!rows.ok()) std::cerr << rows.status() << "\n";
//
// The rules every column follows: docs/FLOW-RULES.md; the columns:
// docs/COLUMNS.md; the CIC layouts: docs/CIC.md. Link with
// `pkg-config --cflags --libs netflower` (tools/install.sh installs it).
//
// Errors are absl::Status codes with a message that names the file, offset
// or option, the cause and the fix: InvalidArgument (bad options, an input
// that is not a capture, an output that is an input), NotFound /
// PermissionDenied (files, interfaces), FailedPrecondition (an interface
// down, an unsafe folder), ResourceExhausted (disk full, a ring too large),
// Unavailable (Kafka, flows not delivered), Cancelled (ConvertOptions::cancel),
// Aborted (a callback threw).
#ifndef NETFLOWER_NETFLOWER_NETFLOWER_H_
#define NETFLOWER_NETFLOWER_NETFLOWER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "netflower/export.h"
#include "netflower/flow_record.h"
#include "netflower/options.h"
#include "netflower/stats.h"

namespace netflower {

// This library's version ("MAJOR.MINOR.PATCH", "-dev" between releases).
// The shared library's soname carries the major version
// (libnetflower.so.2): it changes exactly when the ABI breaks.
#define NETFLOWER_VERSION_MAJOR 2
#define NETFLOWER_VERSION_MINOR 0
#define NETFLOWER_VERSION_PATCH 0
inline constexpr char kVersion[] = "2.0.0-dev";
// The version of the library loaded at run time (may be newer than the
// header's kVersion within one major version).
NETFLOWER_EXPORT const char* Version();

// Checks options as the functions below do, without reading, opening or
// connecting anything: the one place that decides every rule about them.
NETFLOWER_EXPORT absl::Status ValidateOptions(const ConvertOptions& options);
NETFLOWER_EXPORT absl::Status ValidateOptions(const CaptureOptions& options);

// ---------------------------------------------------------------------------
// Files

// Converts the capture at `input_path` (pcap or pcapng, detected from its
// first bytes; "-" = standard input, read as a stream: rows are written as
// flows complete) to CSV or JSON Lines at `output_path` ("-" = standard
// output; "" = Kafka only, with options.kafka). Returns the number of rows
// written (the header is not counted).
//
// The output is written to a temporary file next to `output_path` and
// renamed into place on success; on failure no file is left under that
// name. A truncated or damaged input is not a failure: conversion stops at
// the damaged spot, every flow read so far (open ones included) is written,
// and the problem is listed in RunStats::warnings. The output may not be
// the input (by any path, link, or standard input's file); shared folders
// follow the rules in README.md, "Safety".
NETFLOWER_EXPORT absl::StatusOr<uint64_t> ConvertPcapToCsv(const std::string& input_path,
                                                           const std::string& output_path,
                                                           const ConvertOptions& options = {});

// Every check ConvertPcapToCsv makes before it opens anything, without
// side effects: the options, an output that is the input, the output's path
// and folder. A client can refuse a bad command before doing anything else.
NETFLOWER_EXPORT absl::Status CheckConversion(const std::string& input_path,
                                              const std::string& output_path,
                                              const ConvertOptions& options = {});

// The same conversion, handing each flow to `on_flow` (on the calling thread,
// in the CSV's row order) instead of writing rows. Returns the number of
// flows. An exception thrown by on_flow stops the conversion and is rethrown
// here once every thread has stopped. Not with a CIC layout (rows only) or
// Kafka.
NETFLOWER_EXPORT absl::StatusOr<uint64_t> ConvertPcap(
    const std::string& input_path, const std::function<void(const FlowRecord&)>& on_flow,
    const ConvertOptions& options = {});

// Where a several-file conversion writes: each input to its own file in
// `out_dir`, or all into `out` in input order with one header, or (both
// empty) Kafka only.
struct FilesOutput {
  std::string out;      // a file or "-"
  std::string out_dir;  // an existing folder: <out_dir>/<input file name>.csv or .jsonl
  // Conversions at once; 0: the CPUs / jobs, at least 1. The output never
  // depends on it.
  int parallel_files = 0;
};

// One input of a several-file conversion.
struct FileResult {
  std::string input;
  std::string output;    // its file in out_dir, or the joined out ("" for Kafka only)
  RunStats stats;        // as far as it got
  absl::Status status;   // OK, why it failed, or Cancelled
  bool started = false;  // false: cancelled before its turn came
};

struct FilesResult {
  std::vector<FileResult> files;  // in input order, folders expanded
  // One `out`: writing it (OK when nothing was joined). After a cancel the
  // parts are not joined: `out` is left as it was.
  absl::Status joined;
  bool cancelled = false;  // options.cancel was set
  // IPFIX (options.ipfix): the files share one exporter (one transport
  // session, one sequence), flushed once all are done: its counts and
  // outcome (Unavailable when records were dropped). Each file's
  // RunStats::ipfix stays zero.
  IpfixCounts ipfix;
  absl::Status ipfix_status;
};

// Converts several captures: files as named, folders as the capture files
// directly in them (.pcap, .pcapng, .cap, .dmp, any case) by name. Every
// check that can fail runs before anything is written and returns its error
// here: a missing input, two inputs that would write the same file, an
// output that is an input, an unsafe out_dir or an entry under an output's
// name that is not a regular file or a link. Then each file is converted as
// ConvertPcapToCsv does; a file that fails does not stop the others. With
// `out`, the parts are joined once all are done. options.stats and
// on_progress are not used: each file has its FileResult::stats.
NETFLOWER_EXPORT absl::StatusOr<FilesResult> ConvertFiles(const std::vector<std::string>& inputs,
                                                          const FilesOutput& output,
                                                          const ConvertOptions& options = {});

// <out_dir>/<input's file name>.csv (.jsonl for JSON Lines): where
// ConvertFiles writes `input`.
NETFLOWER_EXPORT std::string OutputPathFor(const std::string& input, const std::string& out_dir,
                                           OutputFormat format);

// Removes what conversions to `output` that were killed mid-run left behind
// (their temporary files next to it). For a supervisor that retries a
// conversion whose process died (netflower.dask); never run it while a
// conversion to `output` is running.
NETFLOWER_EXPORT absl::Status RemoveAbandonedTemporaryFiles(const std::string& output);

// ---------------------------------------------------------------------------
// Live capture

// A running (or ready) capture on one interface. Destroying it stops it.
//
// Threads: every completed flow is passed to `on_flow` on one delivery
// thread (never two calls at once); the flows flushed by Stop() are passed
// on the thread that calls Stop(). A slow on_flow delays delivery: the
// capture rings absorb bursts, and sustained slowness shows up as counted
// kernel drops, never as unbounded memory or a hang. An exception escaping
// on_flow is caught and counted (RunStats::callback_exceptions); the
// capture continues.
class NETFLOWER_EXPORT LiveCapture {
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

  // The capture's internals, defined in live.cc; opaque to users.
  struct State;

 private:
  friend absl::StatusOr<std::unique_ptr<LiveCapture>> CaptureLive(
      const std::string&, std::function<void(const FlowRecord&)>, const CaptureOptions&);
  LiveCapture();
  std::unique_ptr<State> state_;
};

// Prepares a capture on `interface` (rings set up, nothing running yet;
// needs root or CAP_NET_RAW). Errors name the cause and the fix: NotFound
// (no such interface), FailedPrecondition (interface down; pcap_dir missing
// or unsafe), PermissionDenied (needs root or CAP_NET_RAW),
// ResourceExhausted (ring too large), InvalidArgument (bad options or
// filter). Nothing is left half-started. A CIC layout writes rows to
// csv_path only: on_flow must be empty.
NETFLOWER_EXPORT absl::StatusOr<std::unique_ptr<LiveCapture>> CaptureLive(
    const std::string& interface, std::function<void(const FlowRecord&)> on_flow,
    const CaptureOptions& options = {});

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_NETFLOWER_H_
