// Facts about this build, stamped by Bazel (tools/workspace_status.sh).
#ifndef NETFLOWER_TOOLS_BUILD_INFO_H_
#define NETFLOWER_TOOLS_BUILD_INFO_H_

namespace netflower {

// The git commit built ("unknown" outside a git checkout; "-dirty" when the
// tree had uncommitted changes).
extern const char kBuildCommit[];

}  // namespace netflower

#endif  // NETFLOWER_TOOLS_BUILD_INFO_H_
