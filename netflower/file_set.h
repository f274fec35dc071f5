// Several capture files in one run (ConvertFiles; netflower --pcap a b DIR):
// which files, where each one's rows go, and how rows of several files are
// put in one output: the helpers of ConvertFiles (netflower/files.cc).
#ifndef NETFLOWER_NETFLOWER_FILE_SET_H_
#define NETFLOWER_NETFLOWER_FILE_SET_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace netflower {

// The files named: a file as it is; a directory as the capture files
// directly in it (names ending .pcap, .pcapng, .cap or .dmp, whatever the
// case), by name. NotFound for a path that does not exist, InvalidArgument
// for a directory without captures or "-" among several inputs.
absl::StatusOr<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& paths);

// DIR/<input's file name>.csv (or .jsonl). InvalidArgument when two inputs
// would write the same file.
absl::StatusOr<std::vector<std::string>> OutputsInDirectory(const std::vector<std::string>& inputs,
                                                            const std::string& dir,
                                                            std::string_view extension);

// The first line of the file at `path`, its line end included ("" for an
// empty file).
absl::StatusOr<std::string> FirstLine(const std::string& path);

// Appends the rows of `part` (a CSV with or without its header line, or
// JSON Lines) to the file descriptor `fd`: a part's first line is dropped
// when it equals `header` (the header is written once, by the caller).
// Returns an error naming `part` or the output.
absl::Status AppendRows(const std::string& part, std::string_view header, int fd,
                        const std::string& output_name);

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_FILE_SET_H_
