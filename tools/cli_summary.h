// The run summaries the CLI prints on standard error, each written once:
// one conversion, the total of several, one live capture.
#ifndef NETFLOWER_TOOLS_CLI_SUMMARY_H_
#define NETFLOWER_TOOLS_CLI_SUMMARY_H_

#include <string>

#include "absl/status/status.h"
#include "netflower/netflower.h"

namespace netflower::cli {

// Where a run's flows go, as summaries name it: the CSV `out` ("-":
// stdout; "": none), Kafka, or both.
std::string OutputName(const Options& options, const std::string& out);

// The summary of converting `input` to `output` (OutputName's form).
std::string FileSummary(const Options& options, const std::string& input, const std::string& output,
                        const RunStats& stats);

// The last line of a several-file run: files converted, failed,
// interrupted and not started; packets, flows, time.
std::string FilesTotal(const FilesResult& result, double seconds);

// The summary of a live capture on `iface` to `output` (OutputName's form).
std::string LiveSummary(const CaptureOptions& options, const std::string& iface,
                        const std::string& output, const RunStats& stats, double seconds);

// The IPFIX lines of a summary (a run's, or several files' shared exporter's).
std::string IpfixSummary(const IpfixOptions& options, const IpfixCounts& counts);

// A run that finished but left flows outside Kafka or the IPFIX collector
// (exit 4, not 1).
bool OnlyExportsFell(const absl::Status& status, const RunStats& stats);

}  // namespace netflower::cli

#endif  // NETFLOWER_TOOLS_CLI_SUMMARY_H_
