// What this machine and process offer, for `netflower --version`: not part
// of the installed API (a program finds out by trying).
#ifndef NETFLOWER_NETFLOWER_PLATFORM_H_
#define NETFLOWER_NETFLOWER_PLATFORM_H_

#include "absl/status/status.h"

namespace netflower {

// OK or the reason each is unavailable.
struct PlatformSupport {
  absl::Status io_uring;    // CSV writing with io_uring (else write(2))
  absl::Status tpacket_v3;  // live capture rings (root or CAP_NET_RAW)
};
PlatformSupport ProbePlatform();

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_PLATFORM_H_
