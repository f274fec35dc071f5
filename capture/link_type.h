// LINKTYPE_* values the decoder understands (FLOW-RULES §4.2).
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
inline constexpr uint16_t kLinkIeee80211 = 105;  // 802.11 without a radio header
inline constexpr uint16_t kLinkLoop = 108;       // OpenBSD loopback, big-endian
inline constexpr uint16_t kLinkLinuxSll = 113;
inline constexpr uint16_t kLinkRadiotap = 127;  // radiotap header + 802.11
inline constexpr uint16_t kLinkPpi = 192;       // Per-Packet Information header + its DLT
inline constexpr uint16_t kLinkIpv4 = 228;
inline constexpr uint16_t kLinkIpv6 = 229;
inline constexpr uint16_t kLinkLinuxSll2 = 276;

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_LINK_TYPE_H_
