// Ordered writing of large byte chunks to a file descriptor: io_uring with a
// bounded number of writes in flight, or plain write(2) where io_uring is
// unavailable (old kernel, seccomp, /proc/sys/kernel/io_uring_disabled).
#ifndef NETFLOWER_IO_CHUNK_WRITER_H_
#define NETFLOWER_IO_CHUNK_WRITER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace netflower {

class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;

  // Queues `chunk` to be written after every earlier chunk. May block while
  // the writes in flight are at their limit. Returns the first write error
  // met so far (later chunks are then dropped). `name` in errors is the
  // output's path.
  virtual absl::Status Write(std::string chunk) = 0;

  // Waits until everything queued is written; returns the first error.
  virtual absl::Status Flush() = 0;

  // A buffer whose write has completed (cleared, capacity kept), or an empty
  // string; lets the producer reuse memory instead of allocating.
  virtual std::string TakeSpare() = 0;

  // "io_uring" or "write(2)".
  virtual const char* method() const = 0;
};

enum class WriteMethod {
  kAuto,     // io_uring if it can be set up, else write(2) (said once on stderr)
  kIoUring,  // io_uring or fail
  kSyscall,  // write(2)
};

// Creates a writer for `fd` (not owned). `name` is used in error messages.
// The environment variable NETFLOWER_IO_URING=0 turns kAuto into kSyscall.
absl::StatusOr<std::unique_ptr<ChunkWriter>> MakeChunkWriter(int fd, const std::string& name,
                                                             WriteMethod method);

}  // namespace netflower

#endif  // NETFLOWER_IO_CHUNK_WRITER_H_
