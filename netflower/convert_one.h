// One file conversion, as ConvertPcapToCsv and ConvertFiles both run it.
#ifndef NETFLOWER_NETFLOWER_CONVERT_ONE_H_
#define NETFLOWER_NETFLOWER_CONVERT_ONE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "netflower/options.h"
#include "netflower/stats.h"

namespace netflower {

class IpfixExporter;

// ConvertPcapToCsv with the stats written to `stats` (never null);
// `output_named`: the user named `output_path` (else ConvertFiles made the
// name, which is then only ever a new regular file: OutputFile::Create).
// `shared_ipfix`: with options.ipfix, ConvertFiles' one exporter for all
// its files (this run hands its records over and leaves the flush, and the
// IPFIX counts, to ConvertFiles); null: the run opens its own.
absl::StatusOr<uint64_t> ConvertOne(const std::string& input_path, const std::string& output_path,
                                    const ConvertOptions& options, bool output_named,
                                    RunStats* stats, IpfixExporter* shared_ipfix = nullptr);

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_CONVERT_ONE_H_
