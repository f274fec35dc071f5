// An IPv4 or IPv6 address as it appears in a flow's identity columns.
#ifndef NETFLOWER_CAPTURE_IP_ADDRESS_H_
#define NETFLOWER_CAPTURE_IP_ADDRESS_H_

#include <cstdint>
#include <cstring>
#include <string>

namespace netflower {

struct IpAddress {
  // 4 or 6. An IPv4 address uses bytes[0..3]; the other bytes are zero so that
  // whole-struct comparison and hashing work.
  uint8_t family = 4;
  uint8_t bytes[16] = {};

  static IpAddress V4(const uint8_t* b) {
    IpAddress a;
    a.family = 4;
    std::memcpy(a.bytes, b, 4);
    return a;
  }
  static IpAddress V6(const uint8_t* b) {
    IpAddress a;
    a.family = 6;
    std::memcpy(a.bytes, b, 16);
    return a;
  }
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family == b.family && std::memcmp(a.bytes, b.bytes, 16) == 0;
  }
};

// Longest text form ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45).
inline constexpr size_t kMaxIpTextChars = 46;

// IPv4: dotted quad without leading zeros. IPv6: RFC 5952 (lowercase, no
// leading zeros in a group, the longest run of two or more zero groups as
// "::", the first such run on a tie, "::ffff:a.b.c.d" for IPv4-mapped
// addresses). `out` must hold kMaxIpTextChars bytes; returns bytes written.
size_t FormatIpAddress(const IpAddress& address, char* out);

std::string IpAddressToString(const IpAddress& address);

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_IP_ADDRESS_H_
