#include "capture/input_stream.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

// Reads of 1 MiB: the buffer stays in the L2 cache of the cores measured,
// and a syscall per MiB is noise (bench/README.md, "Input").
constexpr size_t kReadBytes = size_t{1} << 20;

absl::Status ErrnoStatus(int err, const std::string& path, const char* what) {
  std::string message = absl::StrCat(path, ": ", what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<InputStream>> InputStream::Open(const std::string& path) {
  std::unique_ptr<InputStream> in(new InputStream());
  const bool stdin_input = path == "-";
  in->path_ = stdin_input ? "standard input" : path;
  if (stdin_input) {
    in->fd_ = STDIN_FILENO;
  } else {
    in->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in->fd_ < 0) return ErrnoStatus(errno, path, "cannot open");
    in->owns_fd_ = true;
  }
  struct stat st;
  if (::fstat(in->fd_, &st) != 0) return ErrnoStatus(errno, in->path_, "cannot stat");
  if (S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(in->path_, ": is a directory"));
  }
  in->is_stream_ = !S_ISREG(st.st_mode);
  if (!in->is_stream_) {
    in->size_hint_ = static_cast<uint64_t>(st.st_size);
    ::posix_fadvise(in->fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  in->buffer_.resize(kReadBytes);
  return in;
}

std::unique_ptr<InputStream> InputStream::FromBytes(const uint8_t* bytes, size_t size,
                                                    const std::string& name) {
  std::unique_ptr<InputStream> in(new InputStream());
  in->path_ = name;
  in->buffer_.assign(bytes, bytes + size);
  in->end_ = size;
  in->at_end_ = true;
  in->size_hint_ = size;
  return in;
}

InputStream::~InputStream() {
  if (owns_fd_) ::close(fd_);
}

bool InputStream::Ensure(size_t n) {
  while (available() < n) {
    if (at_end_) return false;
    Compact(std::min(std::max(n, kReadBytes), kMaxWindowBytes));
    if (!ReadMore()) return false;
  }
  return true;
}

void InputStream::Compact(size_t n) {
  const size_t unread = available();
  if (buffer_.size() - begin_ >= n && buffer_.size() - end_ >= kReadBytes / 4) return;
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, unread);
    begin_ = 0;
    end_ = unread;
  }
  if (buffer_.size() < n) buffer_.resize(n);
}

bool InputStream::WaitReadable() {
  struct pollfd p = {fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) > 0) return true;
  if (on_idle_) on_idle_();
  for (;;) {
    if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
      error_ = "cancelled";
      cancelled_ = true;
      return false;
    }
    const int r = ::poll(&p, 1, 100);
    if (r > 0 || (r < 0 && errno != EINTR)) return true;  // read() tells what happened
  }
}

bool InputStream::ReadMore() {
  if (is_stream_ && !WaitReadable()) {
    at_end_ = true;
    return false;
  }
  for (;;) {
    const ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (got > 0) {
      end_ += static_cast<size_t>(got);
      return true;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) error_ = absl::StrCat("read failed: ", std::strerror(errno));
    at_end_ = true;
    return false;
  }
}

}  // namespace netflower
