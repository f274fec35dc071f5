// LINKTYPE_* values the decoder understands (FLOW-SPEC §4.2).
#ifndef NETFLOWER_CAPTURE_LINK_TYPE_H_
#define NETFLOWER_CAPTURE_LINK_TYPE_H_

#include <cstdint>

namespace netflower {

inline constexpr uint16_t kLinkNull = 0;  // BSD loopback, host order
inline constexpr uint16_t kLinkEthernet = 1;
inline constexpr uint16_t kLinkPpp = 9;
inline constexpr uint16_t kLinkRawOpenBsd = 12;  // DLT_RAW as OpenBSD writes it
inline constexpr uint16_t kLinkRawBsdOs = 14;    // DLT_RAW as BSD/OS writes it
inline constexpr uint16_t kLinkRaw = 101;
inline constexpr uint16_t kLinkLoop = 108;  // OpenBSD loopback, big-endian
inline constexpr uint16_t kLinkLinuxSll = 113;
inline constexpr uint16_t kLinkIpv4 = 228;
inline constexpr uint16_t kLinkIpv6 = 229;
inline constexpr uint16_t kLinkLinuxSll2 = 276;

// True if frames of this link type can yield IP packets.
inline bool IsSupportedLinkType(uint16_t link_type) {
  switch (link_type) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkPpp:
    case kLinkRawOpenBsd:
    case kLinkRawBsdOs:
    case kLinkRaw:
    case kLinkLoop:
    case kLinkLinuxSll:
    case kLinkIpv4:
    case kLinkIpv6:
    case kLinkLinuxSll2:
      return true;
    default:
      return false;
  }
}

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_LINK_TYPE_H_
