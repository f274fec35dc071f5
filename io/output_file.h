// An output file that never leaves a partial result under its final name.
// Writing goes through a ChunkWriter on fd().
#ifndef NETFLOWER_IO_OUTPUT_FILE_H_
#define NETFLOWER_IO_OUTPUT_FILE_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace netflower {

// InvalidArgument when `output_path` names the file `input_path` names (the
// same device and inode: also through a symlink, a hard link or another
// spelling of the path), so that no run replaces its own input. "-" is
// standard input (as an input) or standard output (as an output), compared
// by what the descriptor is: --pcap - < in.pcap --out in.pcap is refused.
// Paths that do not exist yet never clash.
absl::Status RefuseSameFile(const std::string& input_path, const std::string& output_path);

// InvalidArgument when `output_path` would be created inside `directory`
// (compared by device and inode).
// The directory part of `path` ("." for a bare name).
std::string DirectoryOf(const std::string& path);

absl::Status RefuseInsideDirectory(const std::string& output_path, const std::string& directory,
                                   const std::string& why);

class OutputFile {
 public:
  struct CreateOptions {
    // The user named this path (--out); false for a name netflower made
    // (--out-dir DIR/<input>.csv), which is only ever a new regular file.
    bool named = true;
    // Waiting for a FIFO's reader stops (Cancelled) once this is true.
    const std::atomic<bool>* cancel = nullptr;
  };

  // Opens `path` for writing. "-" is standard output. A regular file (or a
  // path that does not exist yet) is written to a temporary file in the same
  // directory and renamed into place by Commit(), so a crash, kill or failed
  // write never leaves a truncated file under the final name; the new file
  // gets 0666 less the umask, or the mode (and, for root, the owner) of the
  // file it replaces, as `sed -i` does, when that file is trusted (below).
  // A FIFO or a character device (/dev/null, a terminal, /dev/stdout) that
  // the user named is written directly; open(2) never blocks on a FIFO
  // without a reader (it is retried until one comes or `cancel`).
  //
  // Shared folders (the --save-pcap rules, io/flow_pcap_dir.h): a folder
  // writable by everyone must be sticky and belong to root or this user,
  // else the output is refused. In such a folder an entry of another user
  // is not trusted: a link is replaced, never followed; a file is replaced
  // without taking its mode or owner; a FIFO or device is refused. An
  // entry under a name netflower made (named = false) is never followed or
  // opened: only a regular file or a link is replaced.
  // Fails with a message naming the path and the cause.
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(const std::string& path,
                                                            const CreateOptions& options);
  static absl::StatusOr<std::unique_ptr<OutputFile>> Create(const std::string& path) {
    return Create(path, CreateOptions());
  }

  ~OutputFile();  // Abort() unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Closes the file and moves it to its final name. After an error here the
  // final name is untouched and the temporary file removed.
  absl::Status Commit();
  // The same, but a temporary file that cannot be moved into place is kept,
  // and the error names it (live capture: its rows cannot be made again).
  absl::Status CommitOrKeep();

  // Makes the temporary file belong to `uid`:`gid`, for a process about to
  // switch to that user (who must be able to move it into place, also in a
  // sticky directory). No-op for standard output, FIFOs and devices.
  absl::Status GiveTo(uid_t uid, gid_t gid);

  // Removes the temporary file (if any). Safe to call more than once.
  void Abort();

  // True when Commit() renames a temporary file into place (and Abort()
  // leaves nothing): a regular file or a new path, written atomically.
  bool atomic() const { return atomic_; }

  // Where to write (through a ChunkWriter).
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  OutputFile() = default;
  absl::Status Finish(bool keep_on_failure);

  std::string path_;       // final name as given
  std::string temp_path_;  // empty when writing directly
  int fd_ = -1;
  bool owns_fd_ = false;
  bool atomic_ = false;
  bool done_ = false;
};

// Removes what Create() made for `path` and a killed process never
// finished or removed: its temporary files next to `path`. Only for a
// supervisor that knows no conversion to `path` is running.
absl::Status RemoveTemporaryFilesOf(const std::string& path);

// Every check OutputFile::Create makes of `path`, without creating or
// opening anything (for refusing a run before its first side effect).
absl::Status CheckOutputPath(const std::string& path, const OutputFile::CreateOptions& options);

}  // namespace netflower

#endif  // NETFLOWER_IO_OUTPUT_FILE_H_
