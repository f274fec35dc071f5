// Ordered writing of large byte chunks to a file descriptor: io_uring with a
// bounded number of writes in flight, or plain write(2) where io_uring is
// unavailable (old kernel, seccomp, /proc/sys/kernel/io_uring_disabled).
#ifndef NETFLOWER_IO_CHUNK_WRITER_H_
#define NETFLOWER_IO_CHUNK_WRITER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace netflower {

class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;

  // Queues `chunk` to be written after every earlier chunk. May block while
  // the writes in flight are at their limit. Returns the first write error
  // met so far (later chunks are then dropped). `item_ends` (ascending) are
  // the offsets in `chunk` just past each item (row, say): an item counts in
  // items_written() once the kernel has accepted every byte up to its end.
  virtual absl::Status Write(std::string chunk, std::vector<uint32_t> item_ends) = 0;

  // Waits until everything queued is written; returns the first error.
  virtual absl::Status Flush() = 0;

  // Takes note of writes that have completed, without waiting; returns the
  // first error so far (so a failed write is seen before the next one).
  virtual absl::Status Poll() = 0;

  // A buffer whose write has completed (cleared, capacity kept), or an empty
  // string; lets the producer reuse memory instead of allocating.
  virtual std::string TakeSpare() = 0;

  // "io_uring" or "write(2)".
  virtual const char* method() const = 0;

  // The items the kernel has accepted whole (also from a chunk it took only
  // part of, a pipe nobody reads, a disk that filled): what reached the
  // output, never what was only queued. Safe to read from any thread.
  uint64_t items_written() const { return items_written_.load(std::memory_order_relaxed); }

 protected:
  // Counts the items of `ends` that end within the first `done` bytes,
  // starting at `*counted` (advanced).
  void CountWritten(const std::vector<uint32_t>& ends, size_t* counted, size_t done) {
    size_t i = *counted;
    while (i < ends.size() && ends[i] <= done) ++i;
    if (i != *counted) items_written_.fetch_add(i - *counted, std::memory_order_relaxed);
    *counted = i;
  }

 private:
  std::atomic<uint64_t> items_written_{0};
};

enum class WriteMethod {
  kAuto,     // io_uring if it can be set up, else write(2) (said once on stderr)
  kIoUring,  // io_uring or fail
  kSyscall,  // write(2)
};

// OK if io_uring can be set up here, else why not (old kernel, seccomp,
// io_uring_disabled, NETFLOWER_IO_URING=0).
absl::Status ProbeIoUring();

// Creates a writer for `fd` (not owned). `name` (the output's path) is used
// in error messages.
// The environment variable NETFLOWER_IO_URING=0 turns kAuto into kSyscall.
absl::StatusOr<std::unique_ptr<ChunkWriter>> MakeChunkWriter(int fd, const std::string& name,
                                                             WriteMethod method);

}  // namespace netflower

#endif  // NETFLOWER_IO_CHUNK_WRITER_H_
