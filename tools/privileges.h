// Dropping root for --user, as tcpdump -Z does: once the capture rings are
// open, the process switches to an ordinary user for good.
#ifndef NETFLOWER_TOOLS_PRIVILEGES_H_
#define NETFLOWER_TOOLS_PRIVILEGES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/statusor.h"

namespace netflower {

struct TargetUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;  // primary group
};

// Looks `name` up in the user database. NotFound names the user. Done before
// anything is opened, so that a typo costs nothing.
absl::StatusOr<TargetUser> LookUpUser(const std::string& name);

// Switches this process to `user` for good: its groups, gid and uid (from
// root, setuid to another user clears every capability), and no way back
// (no_new_privs); then checks that root and every capability are gone.
// Returns what is now true, for the run summary ("no capabilities", or for
// root "every capability kept"). REQUIRES: called before other threads
// start (setuid applies to the calling thread's credentials first).
absl::StatusOr<std::string> SwitchToUser(const TargetUser& user);

}  // namespace netflower

#endif  // NETFLOWER_TOOLS_PRIVILEGES_H_
