#include "capture/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

absl::Status ErrnoStatus(int err, const std::string& path, const char* what) {
  std::string message = absl::StrCat(path, ": ", what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, path, "cannot open");
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;

  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, path, "cannot stat");
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
  }
  if (S_ISREG(st.st_mode)) {
    file->size_ = static_cast<size_t>(st.st_size);
    if (file->size_ > 0) {
      void* m = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (m == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        return ErrnoStatus(err, path, "cannot map");
      }
      ::madvise(m, file->size_, MADV_SEQUENTIAL);
      file->mapping_ = m;
      file->data_ = static_cast<const uint8_t*>(m);
    }
    ::close(fd);
    return file;
  }

  // Pipe, character device, ...: read it all.
  std::vector<uint8_t>& buf = file->buffer_;
  size_t used = 0;
  for (;;) {
    if (buf.size() - used < (1 << 20)) buf.resize(buf.size() + (4 << 20));
    const ssize_t n = ::read(fd, buf.data() + used, buf.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, path, "read failed");
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  buf.resize(used);
  file->data_ = buf.data();
  file->size_ = used;
  return file;
}

void MappedFile::ReleaseBefore(size_t offset) {
  if (mapping_ == nullptr) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t end = std::min(offset, size_) / page * page;
  if (end <= released_) return;
  ::madvise(static_cast<uint8_t*>(mapping_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

std::unique_ptr<MappedFile> MappedFile::FromBytes(const uint8_t* bytes, size_t size,
                                                  const std::string& name) {
  std::unique_ptr<MappedFile> file(new MappedFile());
  file->path_ = name;
  file->buffer_.assign(bytes, bytes + size);
  file->data_ = file->buffer_.data();
  file->size_ = size;
  return file;
}

MappedFile::~MappedFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, size_);
}

}  // namespace netflower
