#include "netflower/stats.h"

namespace netflower {

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kUnsupportedLinkType:
      return "unsupported_link_type";
    case SkipReason::kNotIp:
      return "not_ip";
    case SkipReason::kDefaultProfileOnly:
      return "ipv6_or_pppoe_in_python_profile";
    case SkipReason::kTruncated:
      return "truncated_header";
    case SkipReason::kMalformed:
      return "malformed_header";
    case SkipReason::kIpFragment:
      return "ip_fragment";
    case SkipReason::kNotTcpUdp:
      return "not_tcp_udp";
    case SkipReason::kNotIpv4Cic:
      return "not_ipv4_cic";
    case SkipReason::kWifiNotData:
      return "wifi_not_data";
    case SkipReason::kWifiProtected:
      return "wifi_protected";
    case SkipReason::kBadFcs:
      return "bad_fcs";
    case SkipReason::kNoTimestamp:
      return "pcapng_simple_packet_block";
    case SkipReason::kUnknownInterface:
      return "pcapng_unknown_interface";
    case SkipReason::kMalformedBlock:
      return "pcapng_malformed_block";
    case SkipReason::kCount:
      break;
  }
  return "unknown";
}

}  // namespace netflower
