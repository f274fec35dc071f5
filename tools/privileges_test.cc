// --user: the switch is for good and leaves no capability; root stays root
// and says so. Needs root (CI runs as root); each switch runs in a child.
#include "tools/privileges.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace netflower {
namespace {

// Runs `body` in a child process; returns its exit status.
template <class Body>
int InChild(Body body) {
  const pid_t pid = fork();
  if (pid == 0) _exit(body());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(Privileges, UnknownUserIsNamed) {
  absl::StatusOr<TargetUser> u = LookUpUser("no-such-user-netflower");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(u.status().message().find("no user named 'no-such-user-netflower'"), std::string::npos);
}

TEST(Privileges, SwitchToNobodyDropsRootAndEveryCapability) {
  ASSERT_EQ(geteuid(), 0u) << "run as root (CI does)";
  absl::StatusOr<TargetUser> nobody = LookUpUser("nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.status();
  const int rc = InChild([&] {
    absl::StatusOr<std::string> said = SwitchToUser(*nobody);
    if (!said.ok()) return 1;
    if (said->find("no capabilities") == std::string::npos) return 2;
    if (getuid() != nobody->uid || geteuid() != nobody->uid) return 3;
    if (setuid(0) == 0) return 4;  // no way back
    return 0;
  });
  EXPECT_EQ(rc, 0);
}

TEST(Privileges, RootSaysItKeepsItsCapabilities) {
  ASSERT_EQ(geteuid(), 0u) << "run as root (CI does)";
  const int rc = InChild([] {
    absl::StatusOr<std::string> said = SwitchToUser(TargetUser{"root", 0, 0});
    if (!said.ok()) return 1;
    return said->find("keeps every capability") != std::string::npos ? 0 : 2;
  });
  EXPECT_EQ(rc, 0);
}

}  // namespace
}  // namespace netflower
