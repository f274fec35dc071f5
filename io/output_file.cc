#include "io/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

absl::Status ErrnoError(const std::string& path, const char* what, int err) {
  std::string message = absl::StrCat(path, ": ", what, ": ", std::strerror(err));
  if (err == ENOSPC || err == EDQUOT) {
    return absl::ResourceExhaustedError(message);
  }
  if (err == EACCES || err == EPERM || err == EROFS) {
    return absl::PermissionDeniedError(message);
  }
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
  return absl::UnavailableError(message);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status RefuseSameFile(const std::string& input_path, const std::string& output_path) {
  if (input_path == "-" || output_path == "-") return absl::OkStatus();
  struct stat in, out;
  if (::stat(input_path.c_str(), &in) != 0 || ::stat(output_path.c_str(), &out) != 0) {
    return absl::OkStatus();
  }
  if (in.st_dev == out.st_dev && in.st_ino == out.st_ino && S_ISREG(out.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the output ", output_path, " is the input ", input_path,
        " (the same file): writing it would destroy the capture; choose another output"));
  }
  return absl::OkStatus();
}

absl::Status RefuseInsideDirectory(const std::string& output_path, const std::string& directory,
                                   const std::string& why) {
  if (output_path == "-") return absl::OkStatus();
  struct stat dir, parent;
  if (::stat(directory.c_str(), &dir) != 0 ||
      ::stat(DirectoryOf(output_path).c_str(), &parent) != 0) {
    return absl::OkStatus();
  }
  if (dir.st_dev == parent.st_dev && dir.st_ino == parent.st_ino) {
    return absl::InvalidArgumentError(
        absl::StrCat("the output ", output_path, " is inside ", directory, ", ", why));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path) {
  std::unique_ptr<OutputFile> out(new OutputFile());
  out->path_ = path;
  if (path == "-") {
    out->fd_ = STDOUT_FILENO;
    return out;
  }
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists) {
    if (S_ISDIR(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
    }
    if (!S_ISREG(st.st_mode)) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return ErrnoError(path, "cannot open for writing", errno);
      out->fd_ = fd;
      out->owns_fd_ = true;
      return out;
    }
  }
  const std::string dir = DirectoryOf(path);
  std::string pattern = absl::StrCat(dir, "/.", BaseName(path), ".partial-XXXXXX");
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError(path, "cannot create the output file", errno);
  if (exists) {
    // Keep what the replaced file had; only root may give it away.
    if (::geteuid() == 0) (void)!::fchown(fd, st.st_uid, st.st_gid);
    ::fchmod(fd, st.st_mode & 07777);
  } else {
    // mkostemp creates mode 0600; give the file the mode a plain creat() would.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
  }
  out->fd_ = fd;
  out->owns_fd_ = true;
  out->atomic_ = true;
  out->temp_path_ = name.data();
  return out;
}

OutputFile::~OutputFile() {
  if (!done_) Abort();
}

absl::Status OutputFile::Commit() { return Finish(/*keep_on_failure=*/false); }

absl::Status OutputFile::CommitOrKeep() { return Finish(/*keep_on_failure=*/true); }

absl::Status OutputFile::Finish(bool keep_on_failure) {
  if (done_) return absl::OkStatus();
  done_ = true;
  auto fail = [&](const char* what, int err) {
    absl::Status s = ErrnoError(path_, what, err);
    if (temp_path_.empty()) return s;
    if (!keep_on_failure) {
      ::unlink(temp_path_.c_str());
      return s;
    }
    return absl::Status(s.code(), absl::StrCat(s.message(), "; the rows are kept in ", temp_path_));
  };
  if (owns_fd_) {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return fail("close failed", errno);
  }
  if (!temp_path_.empty() && ::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return fail("cannot move the finished file into place", errno);
  }
  return absl::OkStatus();
}

absl::Status OutputFile::GiveTo(uid_t uid, gid_t gid) {
  if (!atomic_) return absl::OkStatus();  // an existing FIFO or device: not ours
  if (::fchown(fd_, uid, gid) != 0) return ErrnoError(path_, "cannot change the owner", errno);
  return absl::OkStatus();
}

void OutputFile::Abort() {
  done_ = true;
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) {
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }
}

}  // namespace netflower
