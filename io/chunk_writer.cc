#include "io/chunk_writer.h"

#include <liburing.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

absl::Status WriteError(const std::string& name, int err) {
  std::string message = absl::StrCat(name, ": write failed: ", std::strerror(err));
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(message);
  return absl::UnavailableError(message);
}

// Writes to a pipe, socket or terminal go in pieces of at most this size
// (a default pipe's capacity): a blocking write(2) to a pipe returns only
// once every byte is taken, so with a stalled reader only piecewise writes
// let items_written() say how many rows the kernel did take. Regular files
// are written whole.
constexpr size_t kStreamWriteBytes = size_t{64} << 10;

class SyscallWriter : public ChunkWriter {
 public:
  SyscallWriter(int fd, std::string name, size_t max_write)
      : fd_(fd), name_(std::move(name)), max_write_(max_write) {}

  absl::Status Write(std::string chunk, std::vector<uint32_t> item_ends) override {
    if (!status_.ok()) return status_;
    const char* p = chunk.data();
    size_t left = chunk.size();
    size_t counted = 0;
    while (left > 0) {
      const ssize_t n = ::write(fd_, p, std::min(left, max_write_));
      if (n < 0) {
        if (errno == EINTR) continue;
        status_ = WriteError(name_, errno);
        return status_;
      }
      p += n;
      left -= static_cast<size_t>(n);
      CountWritten(item_ends, &counted, chunk.size() - left);
    }
    chunk.clear();
    spare_ = std::move(chunk);
    return status_;
  }
  absl::Status Flush() override { return status_; }
  absl::Status Poll() override { return status_; }
  std::string TakeSpare() override { return std::move(spare_); }
  const char* method() const override { return "write(2)"; }

 private:
  const int fd_;
  const std::string name_;
  const size_t max_write_;
  absl::Status status_;
  std::string spare_;
};

// Writes go to explicit offsets when the file is seekable, so several can be
// in flight and complete in any order; a short write is resubmitted for its
// remainder. Pipes and terminals get one write in flight at a time.
class UringWriter : public ChunkWriter {
 public:
  static constexpr unsigned kDepth = 8;

  UringWriter(int fd, std::string name, bool seekable, off_t offset)
      : fd_(fd),
        name_(std::move(name)),
        max_in_flight_(seekable ? 4 : 1),
        seekable_(seekable),
        offset_(offset) {}

  ~UringWriter() override {
    if (!ring_ready_) return;  // a failed Init leaves no ring (and no fd) to release
    Flush().IgnoreError();
    io_uring_queue_exit(&ring_);
  }

  // Returns 0 or -errno.
  int Init() {
    const int r = io_uring_queue_init(kDepth, &ring_, 0);
    ring_ready_ = r == 0;
    return r;
  }

  absl::Status Write(std::string chunk, std::vector<uint32_t> item_ends) override {
    if (!status_.ok()) return status_;
    if (chunk.empty()) return status_;
    while (in_flight_ >= max_in_flight_ && status_.ok()) Reap(/*wait=*/true);
    if (!status_.ok()) return status_;
    Slot* slot = FreeSlot();
    slot->data = std::move(chunk);
    slot->item_ends = std::move(item_ends);
    slot->counted = 0;
    slot->done = 0;
    slot->offset = seekable_ ? offset_ : -1;
    offset_ += static_cast<off_t>(slot->data.size());
    Submit(slot);
    Reap(/*wait=*/false);
    return status_;
  }

  absl::Status Flush() override {
    while (in_flight_ > 0) Reap(/*wait=*/true);
    return status_;
  }

  absl::Status Poll() override {
    if (in_flight_ > 0) Reap(/*wait=*/false);
    return status_;
  }

  std::string TakeSpare() override {
    if (spares_.empty()) return std::string();
    std::string s = std::move(spares_.back());
    spares_.pop_back();
    return s;
  }

  const char* method() const override { return "io_uring"; }

 private:
  struct Slot {
    std::string data;
    size_t done = 0;  // bytes already written
    std::vector<uint32_t> item_ends;
    size_t counted = 0;  // of item_ends
    off_t offset = 0;
    bool busy = false;
  };

  Slot* FreeSlot() {
    for (Slot& s : slots_) {
      if (!s.busy) return &s;
    }
    slots_.emplace_back();
    return &slots_.back();
  }

  void Submit(Slot* slot) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {  // cannot happen: in flight <= depth
      status_ = absl::InternalError(absl::StrCat(name_, ": io_uring submission queue full"));
      return;
    }
    const off_t at = slot->offset < 0 ? -1 : slot->offset + static_cast<off_t>(slot->done);
    io_uring_prep_write(
        sqe, fd_, slot->data.data() + slot->done,
        static_cast<unsigned>(std::min<size_t>(slot->data.size() - slot->done,
                                               seekable_ ? size_t{1} << 30 : kStreamWriteBytes)),
        static_cast<__u64>(at));
    io_uring_sqe_set_data(sqe, slot);
    slot->busy = true;
    ++in_flight_;
    const int r = io_uring_submit(&ring_);
    if (r < 0) status_ = WriteError(name_, -r);
  }

  void Reap(bool wait) {
    io_uring_cqe* cqe = nullptr;
    for (;;) {
      const int r = wait ? io_uring_wait_cqe(&ring_, &cqe) : io_uring_peek_cqe(&ring_, &cqe);
      if (r == -EINTR) continue;
      if (r < 0 || cqe == nullptr) {
        if (wait && r < 0) {
          status_ = WriteError(name_, -r);
          in_flight_ = 0;  // nothing more will complete usefully
        }
        return;
      }
      Slot* slot = static_cast<Slot*>(io_uring_cqe_get_data(cqe));
      const int res = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      --in_flight_;
      if (res < 0) {
        if (res == -EAGAIN || res == -EINTR) {
          Submit(slot);
        } else {
          slot->busy = false;
          if (status_.ok()) status_ = WriteError(name_, -res);
        }
      } else {
        slot->done += static_cast<size_t>(res);
        CountWritten(slot->item_ends, &slot->counted, slot->done);
        if (slot->done < slot->data.size() && res > 0) {
          Submit(slot);  // short write: the rest
        } else {
          if (res == 0 && slot->done < slot->data.size() && status_.ok()) {
            status_ = WriteError(name_, EIO);
          }
          slot->busy = false;
          slot->data.clear();
          if (spares_.size() < 4) spares_.push_back(std::move(slot->data));
          slot->data = std::string();
        }
      }
      wait = false;  // after one completion, take only what is ready
    }
  }

  const int fd_;
  const std::string name_;
  const unsigned max_in_flight_;
  const bool seekable_;
  bool ring_ready_ = false;
  off_t offset_;
  io_uring ring_{};
  std::deque<Slot> slots_;  // stable addresses
  unsigned in_flight_ = 0;
  std::vector<std::string> spares_;
  absl::Status status_;
};

void SayFallbackOnce(int err) {
  static std::once_flag once;
  std::call_once(once, [err] {
    std::fprintf(stderr, "netflower: io_uring unavailable (%s); writing with write(2)\n",
                 err ? std::strerror(err) : "disabled by NETFLOWER_IO_URING=0");
  });
}

}  // namespace

absl::Status ProbeIoUring() {
  const char* env = std::getenv("NETFLOWER_IO_URING");
  if (env != nullptr && std::strcmp(env, "0") == 0) {
    return absl::UnavailableError("disabled by NETFLOWER_IO_URING=0");
  }
  io_uring ring;
  const int r = io_uring_queue_init(2, &ring, 0);
  if (r != 0) return absl::UnavailableError(std::strerror(-r));
  io_uring_queue_exit(&ring);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ChunkWriter>> MakeChunkWriter(int fd, const std::string& name,
                                                             WriteMethod method) {
  if (method == WriteMethod::kAuto) {
    const char* env = std::getenv("NETFLOWER_IO_URING");
    if (env != nullptr && std::strcmp(env, "0") == 0) {
      SayFallbackOnce(0);
      method = WriteMethod::kSyscall;
    }
  }
  struct stat st;
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (method != WriteMethod::kSyscall) {
    bool seekable = false;
    off_t offset = 0;
    if (regular) {
      offset = ::lseek(fd, 0, SEEK_CUR);
      seekable = offset >= 0;
      if (!seekable) offset = 0;
    }
    auto writer = std::make_unique<UringWriter>(fd, name, seekable, offset);
    const int r = writer->Init();
    if (r == 0) return std::unique_ptr<ChunkWriter>(std::move(writer));
    if (method == WriteMethod::kIoUring) {
      return absl::UnavailableError(absl::StrCat("io_uring unavailable: ", std::strerror(-r)));
    }
    SayFallbackOnce(-r);
  }
  return std::unique_ptr<ChunkWriter>(
      std::make_unique<SyscallWriter>(fd, name, regular ? SIZE_MAX : kStreamWriteBytes));
}

}  // namespace netflower
