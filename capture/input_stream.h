// The bytes of a capture, read front to back through one bounded buffer.
//
// Why read(2) and not mmap: a mapped file that shrinks while it is read (log
// rotation, `tcpdump -w` rotating its output) kills the process with SIGBUS,
// and a pipe or character device has no size to map. read(2) sees either as
// an end of input, which the reader already handles as a truncation (a
// warning naming the byte offset, every flow written). The copy costs about
// what the page faults of the mapping did (bench/README.md, "Input").
#ifndef NETFLOWER_CAPTURE_INPUT_STREAM_H_
#define NETFLOWER_CAPTURE_INPUT_STREAM_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace netflower {

class InputStream {
 public:
  // The buffer never grows past this, so memory stays bounded whatever the
  // input claims: a record or block that declares more is damaged.
  static constexpr size_t kMaxWindowBytes = size_t{64} << 20;

  // Opens `path` for reading; "-" is standard input. Fails with NotFound /
  // PermissionDenied / InvalidArgument (a directory) and a message naming the
  // path and the cause. Nothing is read yet.
  static absl::StatusOr<std::unique_ptr<InputStream>> Open(const std::string& path);

  // An in-memory input (a copy of `bytes`), for fuzzing and tests.
  static std::unique_ptr<InputStream> FromBytes(const uint8_t* bytes, size_t size,
                                                const std::string& name);

  ~InputStream();
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;

  // Makes `n` bytes (n <= kMaxWindowBytes) available at data(), reading as
  // needed. False when the input ends (or a read fails, see error()) first;
  // available() then tells how many bytes are left. Invalidates pointers
  // from earlier data() calls.
  [[nodiscard]] bool Ensure(size_t n);
  const uint8_t* data() const { return buffer_.data() + begin_; }
  size_t available() const { return end_ - begin_; }
  // Moves past `n` available bytes. Pointers stay valid until Ensure().
  void Consume(size_t n) {
    begin_ += n;
    offset_ += n;
  }
  // Byte offset of data() from the start of the input.
  uint64_t offset() const { return offset_; }

  // The size of a regular file when opened, else 0 (a pipe, a device).
  uint64_t size_hint() const { return size_hint_; }
  // True for pipes, sockets, terminals and devices: reads may block.
  bool is_stream() const { return is_stream_; }
  // Why the input ended early when a read failed or was cancelled; "" at a
  // plain end of input.
  const std::string& error() const { return error_; }
  // True when a read gave up because of set_cancel().
  bool cancelled() const { return cancelled_; }
  // Regular files: true when the input ended before the size it had when
  // opened (it was truncated while being read, e.g. by log rotation). The
  // end may then fall on a record boundary, so only this tells.
  bool shrank() const { return at_end_ && !is_stream_ && offset_ + available() < size_hint_; }
  const std::string& path() const { return path_; }

  // Streams only: called, on the reading thread, each time a read would
  // block (no byte is waiting), so that the caller can hand on what it holds
  // before waiting for more.
  void set_on_idle(std::function<void()> on_idle) { on_idle_ = std::move(on_idle); }
  // Streams only: a blocked read gives up (error() "cancelled") within
  // about 100 ms once `*cancel` is true.
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }

 private:
  InputStream() = default;
  // Moves the unread bytes to the front and makes room for `n` of them.
  void Compact(size_t n);
  // One read(2) into the free space; false at the end of input or an error.
  bool ReadMore();
  // Streams: waits until a byte is readable; false if cancelled.
  bool WaitReadable();

  std::string path_;
  int fd_ = -1;
  bool owns_fd_ = false;
  bool is_stream_ = false;
  bool at_end_ = false;
  uint64_t size_hint_ = 0;
  std::vector<uint8_t> buffer_;
  size_t begin_ = 0;  // first unread byte
  size_t end_ = 0;    // one past the last byte read
  uint64_t offset_ = 0;
  std::string error_;
  bool cancelled_ = false;
  std::function<void()> on_idle_;
  const std::atomic<bool>* cancel_ = nullptr;
};

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_INPUT_STREAM_H_
