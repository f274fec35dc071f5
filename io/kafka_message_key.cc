#include "io/kafka_message_key.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace netflower {

size_t FormatMessageKey(const IpAddress& src, uint16_t src_port, const IpAddress& dst,
                        uint16_t dst_port, uint8_t protocol, char* out) {
  const int order = src.family != dst.family ? (src.family < dst.family ? -1 : 1)
                                             : std::memcmp(src.bytes, dst.bytes, 16);
  const bool swap = order > 0 || (order == 0 && src_port > dst_port);
  const IpAddress& a = swap ? dst : src;
  const IpAddress& b = swap ? src : dst;
  size_t n = FormatIpAddress(a, out);
  out[n++] = '-';
  n += FormatIpAddress(b, out + n);
  const std::string tail =
      absl::StrCat("-", swap ? dst_port : src_port, "-", swap ? src_port : dst_port, "-", protocol);
  std::memcpy(out + n, tail.data(), tail.size());
  return n + tail.size();
}

}  // namespace netflower
