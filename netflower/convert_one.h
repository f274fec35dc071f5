// One file conversion, as ConvertPcapToCsv and ConvertFiles both run it.
#ifndef NETFLOWER_NETFLOWER_CONVERT_ONE_H_
#define NETFLOWER_NETFLOWER_CONVERT_ONE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "netflower/options.h"
#include "netflower/stats.h"

namespace netflower {

// ConvertPcapToCsv with the stats written to `stats` (never null);
// `output_named`: the user named `output_path` (else ConvertFiles made the
// name, which is then only ever a new regular file: OutputFile::Create).
absl::StatusOr<uint64_t> ConvertOne(const std::string& input_path, const std::string& output_path,
                                    const ConvertOptions& options, bool output_named,
                                    RunStats* stats);

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_CONVERT_ONE_H_
