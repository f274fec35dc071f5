// An output file that never leaves a partial result under its final name.
// Writing goes through a ChunkWriter on fd().
#ifndef NETFLOWER_IO_OUTPUT_FILE_H_
#define NETFLOWER_IO_OUTPUT_FILE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace netflower {

class OutputFile {
 public:
  // Opens `path` for writing. "-" is standard output. A regular file (or a
  // path that does not exist yet) is written to a temporary file in the same
  // directory and renamed into place by Commit(), so a crash, kill or failed
  // write never leaves a truncated file under the final name. Anything else
  // that exists (a FIFO, /dev/null, a terminal) is written directly.
  // Fails with a message naming the path and the cause.
  // With `atomic` false the file is written in place (live capture: the
  // CSV grows while the capture runs and can be followed).
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(const std::string& path,
                                                            bool atomic = true);

  ~OutputFile();  // Abort() unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Closes the file and moves it to its final name. After an error here the
  // final name is untouched.
  absl::Status Commit();

  // Removes the temporary file (if any). Safe to call more than once.
  void Abort();

  // Where to write (through a ChunkWriter).
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  OutputFile() = default;

  std::string path_;       // final name as given
  std::string temp_path_;  // empty when writing directly
  int fd_ = -1;
  bool owns_fd_ = false;
  bool done_ = false;
};

}  // namespace netflower

#endif  // NETFLOWER_IO_OUTPUT_FILE_H_
