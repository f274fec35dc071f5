#include "io/flow_pcap_dir.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

absl::Status WriteAll(int fd, const char* p, size_t left) {
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(std::strerror(errno));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string WithSuffix(const std::string& name, int suffix) {
  if (suffix == 0) return name;
  const size_t dot = name.rfind(".pcap");
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
  return absl::StrCat(stem, "-", suffix, ext);
}

}  // namespace

absl::StatusOr<std::unique_ptr<FlowPcapDirectory>> FlowPcapDirectory::Open(
    const std::string& path, std::optional<uid_t> also_trusted) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return absl::PermissionDeniedError(
          absl::StrCat("save_pcap directory '", path, "': ", std::strerror(err)));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("save_pcap directory '", path, "' does not exist or is not a directory (",
                     std::strerror(err), "; create it first: mkdir -p ", path, ")"));
  }
  std::unique_ptr<FlowPcapDirectory> dir(new FlowPcapDirectory(path, fd));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("save_pcap directory '", path, "': ", std::strerror(errno)));
  }
  if ((st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "save_pcap directory '", path,
        "' is writable by every user and not sticky: anyone could replace the flow files; use a "
        "directory only you can write to (or chmod +t it)"));
  }
  const bool trusted_owner = st.st_uid == 0 || st.st_uid == ::geteuid() ||
                             (also_trusted.has_value() && st.st_uid == *also_trusted);
  if (!trusted_owner) {
    return absl::FailedPreconditionError(
        absl::StrCat("save_pcap directory '", path, "' belongs to uid ", st.st_uid,
                     ", another user, who could plant links in it; use a directory of your own"));
  }
  return dir;
}

FlowPcapDirectory::~FlowPcapDirectory() { ::close(fd_); }

int FlowPcapDirectory::CreateExclusive(const std::string& name, std::string* used) {
  for (int suffix = 0; suffix <= kMaxSuffix; ++suffix) {
    *used = WithSuffix(name, suffix);
    const int fd =
        ::openat(fd_, used->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

absl::StatusOr<std::string> FlowPcapDirectory::Write(const std::string& name, uint16_t link_type,
                                                     const std::string& records) {
  std::string used;
  const int fd = CreateExclusive(name, &used);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat(path_, "/", used, ": ", std::strerror(errno),
                     errno == EEXIST ? " (kept: never overwritten)" : ""));
  }
  const uint32_t header[6] = {0xA1B2C3D4, 0x00040002, 0, 0, 65535, link_type};
  absl::Status s = WriteAll(fd, reinterpret_cast<const char*>(header), sizeof(header));
  if (s.ok()) s = WriteAll(fd, records.data(), records.size());
  if (::close(fd) != 0 && s.ok()) s = absl::UnavailableError(std::strerror(errno));
  if (!s.ok()) {
    return absl::UnavailableError(absl::StrCat(path_, "/", used, ": ", s.message()));
  }
  return used;
}

absl::Status CheckWritableBy(const std::string& dir, const std::string& what,
                             const std::string& user, uid_t uid, gid_t gid) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " '", dir, "' does not exist or is not a directory"));
  }
  if (uid == 0) return absl::OkStatus();
  mode_t need;
  if (st.st_uid == uid) {
    need = S_IWUSR | S_IXUSR;
  } else {
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (::getgrouplist(user.c_str(), gid, groups.data(), &count) < 0) {
      groups.resize(static_cast<size_t>(count));
      ::getgrouplist(user.c_str(), gid, groups.data(), &count);
    }
    groups.resize(static_cast<size_t>(count));
    bool member = false;
    for (gid_t g : groups) member = member || g == st.st_gid;
    need = member ? (S_IWGRP | S_IXGRP) : (S_IWOTH | S_IXOTH);
  }
  if ((st.st_mode & need) != need) {
    return absl::PermissionDeniedError(
        absl::StrCat(what, " '", dir, "' is not writable by user ", user, " (uid ", uid,
                     "), whom --user switches to; chown or chmod it first"));
  }
  return absl::OkStatus();
}

}  // namespace netflower
