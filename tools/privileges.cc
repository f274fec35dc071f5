#include "tools/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

// Effective or permitted capabilities left (capget; both 32-bit halves).
bool AnyCapability() {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) return true;  // cannot tell: assume the worst
  return (data[0].effective | data[0].permitted | data[1].effective | data[1].permitted) != 0;
}

}  // namespace

absl::StatusOr<TargetUser> LookUpUser(const std::string& name) {
  errno = 0;
  const struct passwd* pw = getpwnam(name.c_str());
  if (pw == nullptr) {
    return absl::NotFoundError(absl::StrCat("--user: no user named '", name, "'"));
  }
  return TargetUser{name, pw->pw_uid, pw->pw_gid};
}

absl::StatusOr<std::string> SwitchToUser(const TargetUser& user) {
  if (initgroups(user.name.c_str(), user.gid) != 0 || setgid(user.gid) != 0 ||
      setuid(user.uid) != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("--user ", user.name, ": cannot switch to it: ", std::strerror(errno)));
  }
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  if (user.uid == 0) {
    return AnyCapability() ? std::string("root (uid 0): --user root keeps every capability")
                           : std::string("root (uid 0), no capabilities");
  }
  if (setuid(0) == 0 || geteuid() == 0) {
    return absl::InternalError("--user: root privileges are still available after the switch");
  }
  if (AnyCapability()) {
    return absl::InternalError("--user: capabilities remain after the switch");
  }
  return absl::StrCat(user.name, " (uid ", user.uid, "), no capabilities");
}

}  // namespace netflower
