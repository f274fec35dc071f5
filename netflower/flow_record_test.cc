#include "netflower/flow_record.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace netflower {
namespace {

std::string V6(const char* text) {
  uint8_t b[16];
  EXPECT_EQ(inet_pton(AF_INET6, text, b), 1) << text;
  return IpAddressToString(IpAddress::V6(b));
}

TEST(IpAddress, Ipv4DottedQuad) {
  const uint8_t b[4] = {10, 0, 0, 255};
  EXPECT_EQ(IpAddressToString(IpAddress::V4(b)), "10.0.0.255");
  const uint8_t z[4] = {0, 0, 0, 0};
  EXPECT_EQ(IpAddressToString(IpAddress::V4(z)), "0.0.0.0");
}

TEST(IpAddress, Rfc5952) {
  EXPECT_EQ(V6("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(V6("::"), "::");
  EXPECT_EQ(V6("::1"), "::1");
  EXPECT_EQ(V6("1::"), "1::");
  EXPECT_EQ(V6("fe80::0:0:1"), "fe80::1");
  // A single zero group is not compressed.
  EXPECT_EQ(V6("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  // The longest run wins; on a tie, the first.
  EXPECT_EQ(V6("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  EXPECT_EQ(V6("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  // Lowercase, no leading zeros.
  EXPECT_EQ(V6("2001:DB8:00AB:0C0D:1:2:3:4"), "2001:db8:ab:c0d:1:2:3:4");
  // IPv4-mapped is the only mixed form.
  EXPECT_EQ(V6("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
  EXPECT_EQ(V6("::192.0.2.1"), "::c000:201");
  EXPECT_EQ(V6("64:ff9b::192.0.2.1"), "64:ff9b::c000:201");
}

}  // namespace
}  // namespace netflower
