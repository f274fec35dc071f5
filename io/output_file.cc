#include "io/output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
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
  // "-" is the descriptor itself: standard input redirected from a file
  // (--pcap - < in.pcap) is that file, and so is a standard output
  // redirected to one.
  const auto stat_of = [](const std::string& path, int std_fd, struct stat* st) {
    return path == "-" ? ::fstat(std_fd, st) == 0 : ::stat(path.c_str(), st) == 0;
  };
  struct stat in, out;
  if (!stat_of(input_path, STDIN_FILENO, &in) || !stat_of(output_path, STDOUT_FILENO, &out)) {
    return absl::OkStatus();
  }
  if (in.st_dev == out.st_dev && in.st_ino == out.st_ino && S_ISREG(out.st_mode)) {
    const auto name = [](const std::string& path, const char* std_name) {
      return path == "-" ? absl::StrCat(std_name, " (-)") : path;
    };
    return absl::InvalidArgumentError(absl::StrCat(
        "the output ", name(output_path, "standard output"), " is the input ",
        name(input_path, "standard input"),
        " (the same file): writing it would destroy that input; choose another output"));
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

namespace {

// The folder an output goes into, as the --save-pcap rules judge it: a
// folder everyone may write to must be sticky (else anyone could rename our
// file away or swap it) and belong to root or to us (else its owner could).
// Returns whether it is shared: world-writable, where an entry found under
// the output's name may have been planted by anyone.
absl::StatusOr<bool> CheckFolder(const std::string& path, const std::string& folder) {
  struct stat st;
  if (::stat(folder.c_str(), &st) != 0) return ErrnoError(path, "cannot use its folder", errno);
  if (!S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat(path, ": ", folder, " is not a folder"));
  }
  const bool shared = (st.st_mode & S_IWOTH) != 0;
  if (shared && (st.st_mode & S_ISVTX) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": its folder ", folder,
        " is writable by every user and not sticky: anyone could replace the output; write "
        "elsewhere (or chmod +t the folder)"));
  }
  if (shared && st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": its folder ", folder, " is shared and belongs to uid ", st.st_uid,
                     ", another user, who could replace the output; write elsewhere"));
  }
  return shared;
}

const char* KindName(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// Opens an existing FIFO or character device for writing without blocking
// in open(2): a FIFO without a reader is retried every 20 ms until one
// comes or `cancel` is set, so that an output nobody reads never pins the
// process where a signal cannot stop it. The descriptor must still be the
// entry `expected` described (not swapped in between).
absl::StatusOr<int> OpenExistingWritable(const std::string& path, const struct stat& expected,
                                         const std::atomic<bool>* cancel) {
  for (;;) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0) {
      struct stat st;
      if (::fstat(fd, &st) != 0 || st.st_dev != expected.st_dev || st.st_ino != expected.st_ino) {
        ::close(fd);
        return absl::UnavailableError(
            absl::StrCat(path, ": changed while it was being opened; not written"));
      }
      ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    if (errno != ENXIO && errno != EINTR) return ErrnoError(path, "cannot open for writing", errno);
    if (cancel != nullptr && cancel->load()) {
      return absl::CancelledError(absl::StrCat(path, ": cancelled while waiting for a reader"));
    }
    ::usleep(20000);
  }
}

}  // namespace

// How an output will be written: what Create() decided from the path, its
// folder and what is under the name now, before any side effect.
struct OutputPlan {
  enum Kind : uint8_t { kStdout, kDirect, kReplace } kind = kReplace;
  struct stat target = {};          // kDirect: the FIFO or device to open
  std::optional<struct stat> keep;  // kReplace: the mode and owner to take over
};

namespace {

absl::StatusOr<OutputPlan> PlanOutput(const std::string& path,
                                      const OutputFile::CreateOptions& options) {
  OutputPlan plan;
  if (path == "-") {
    plan.kind = OutputPlan::kStdout;
    return plan;
  }
  const std::string dir = DirectoryOf(path);
  absl::StatusOr<bool> shared = CheckFolder(path, dir);
  if (!shared.ok()) return shared.status();
  // What is under the name now, without following a link: in a shared
  // folder an entry of another user may be a trap (a FIFO that holds the
  // run, a link whose target's mode we would copy).
  struct stat entry;
  if (::lstat(path.c_str(), &entry) != 0) return plan;  // a new file
  const bool trusted = !*shared || entry.st_uid == 0 || entry.st_uid == ::geteuid();
  if (S_ISDIR(entry.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": is a directory"));
  }
  struct stat target = entry;
  // Only a link the user named and trusts is followed (/dev/stdout, a link
  // to their CSV); a dangling one is replaced like any other.
  if (S_ISLNK(entry.st_mode) && options.named && trusted && ::stat(path.c_str(), &target) != 0) {
    target = entry;
  }
  if (S_ISREG(target.st_mode)) {
    if (trusted) plan.keep = target;
    return plan;
  }
  if (S_ISLNK(target.st_mode)) return plan;  // replaced, never followed
  if (S_ISDIR(target.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": leads to a directory"));
  }
  const bool writable_kind = S_ISFIFO(target.st_mode) || S_ISCHR(target.st_mode);
  if (!options.named || !trusted || !writable_kind) {
    std::string why = !options.named
                          ? "; an output named after its input is written only as a regular file"
                      : !trusted ? absl::StrCat(" of uid ", entry.st_uid, " in the shared folder ",
                                                dir, ": not written into another user's entry")
                                 : "; netflower writes to files, FIFOs and character devices";
    return absl::InvalidArgumentError(absl::StrCat(path, ": exists and is ",
                                                   KindName(target.st_mode), why,
                                                   "; remove it or choose another name"));
  }
  plan.kind = OutputPlan::kDirect;
  plan.target = target;
  return plan;
}

}  // namespace

namespace {

// Create()'s temporary name for `path`: ".<name>.partial-" and 6 characters.
std::string TemporaryPrefix(const std::string& path) {
  return absl::StrCat(".", BaseName(path), ".partial-");
}

}  // namespace

absl::Status RemoveTemporaryFilesOf(const std::string& path) {
  const std::string dir = DirectoryOf(path);
  const std::string prefix = TemporaryPrefix(path);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoError(dir, "cannot list", errno);
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0) {
      stale.push_back(name);
    }
  }
  ::closedir(d);
  for (const std::string& name : stale) {
    const std::string full = absl::StrCat(dir, "/", name);
    if (::unlink(full.c_str()) != 0 && errno != ENOENT) {
      return ErrnoError(full, "cannot remove", errno);
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOutputPath(const std::string& path, const OutputFile::CreateOptions& options) {
  return PlanOutput(path, options).status();
}

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Create(const std::string& path,
                                                               const CreateOptions& options) {
  absl::StatusOr<OutputPlan> plan = PlanOutput(path, options);
  if (!plan.ok()) return plan.status();
  std::unique_ptr<OutputFile> out(new OutputFile());
  out->path_ = path;
  if (plan->kind == OutputPlan::kStdout) {
    out->fd_ = STDOUT_FILENO;
    return out;
  }
  if (plan->kind == OutputPlan::kDirect) {
    absl::StatusOr<int> fd = OpenExistingWritable(path, plan->target, options.cancel);
    if (!fd.ok()) return fd.status();
    out->fd_ = *fd;
    out->owns_fd_ = true;
    return out;
  }
  std::string pattern = absl::StrCat(DirectoryOf(path), "/", TemporaryPrefix(path), "XXXXXX");
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError(path, "cannot create the output file", errno);
  if (plan->keep) {
    // Keep what the replaced file had; only root may give it away.
    if (::geteuid() == 0) (void)!::fchown(fd, plan->keep->st_uid, plan->keep->st_gid);
    ::fchmod(fd, plan->keep->st_mode & 07777);
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
