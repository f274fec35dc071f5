// Frame decoding: link layer → IPv4/IPv6 → TCP/UDP (FLOW-RULES §4).
//
// The decoder is a pure function of (link type, frame bytes, profile). It
// never reads outside [frame, frame + length) and never allocates.
#ifndef NETFLOWER_CAPTURE_DECODE_H_
#define NETFLOWER_CAPTURE_DECODE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "netflower/flow_record.h"

namespace netflower {

// The fields handed to the flow engine (FLOW-RULES §4.11), minus the time.
struct DecodedPacket {
  IpAddress src;
  IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t protocol = 0;     // 6 (TCP) or 17 (UDP)
  uint16_t tcp_flags = 0;   // 9 bits, NS included; 0 for UDP
  uint16_t header_len = 0;  // L4 header only: TCP data offset * 4, UDP 8
  int32_t window = -1;      // raw TCP window; -1 for UDP
  uint32_t pkt_len = 0;     // IP length as decoded (see §4.11)
  // Where the (innermost) IP header starts in the frame: the IP packet the
  // flow is keyed on is frame[ip_offset, ip_offset + pkt_len), all captured
  // (application labels read it, FLOW-RULES §16).
  uint32_t ip_offset = 0;
  uint32_t payload_len = 0;  // L4 payload bytes present
  // Captured bytes from the end of the TCP/UDP header to the end of the
  // frame (Ethernet padding included; 0 when the header runs past them):
  // the payload as CICFlowMeter's jnetpcap counts it.
  uint32_t frame_payload_len = 0;
  // With DecodeOptions::tunnels: the outermost tunnel opened (kind kNone
  // when none was).
  TunnelTag tunnel;
};

// Why a frame was not handed to the flow engine. Every skipped frame has
// exactly one reason; the run summary counts them.
enum class DecodeStatus : uint8_t {
  kOk = 0,
  kUnsupportedLinkType,  // link type not in FLOW-RULES §4.2
  kNotIp,                // ARP, LLC, unknown ethertype/family, PPPoE discovery...
  kDefaultProfileOnly,   // IPv6 or PPPoE, which --compat=python does not decode
  kTruncated,            // a required header runs past the captured bytes
  kMalformed,            // IPv4 IHL < 5, TCP data offset < 5
  kIpFragment,           // non-first IPv4/IPv6 fragment (carries no ports)
  kNotTcpUdp,            // ICMP, IGMP, GRE, ESP, IP-in-IP, ...
  kNotIpv4Cic,           // IPv6, which the CIC layouts' CICFlowMeter did not read
  kWifiNotData,          // 802.11 management, control or null (no body) frame
  kWifiProtected,        // 802.11 protected (encrypted) data frame
  kBadFcs,               // radiotap / PPI: the frame failed its FCS check
  kCount
};

struct DecodeOptions {
  // false: the python profile's rules (IPv4 only; MPLS only right after the
  // link header and only before a 0x45 byte; no PPPoE). true: the default
  // profile's (IPv6, PPPoE, MPLS after VLAN tags, by version nibble).
  bool default_profile = true;
  // Decapsulate tunnels (docs/DECODING.md: VXLAN, GENEVE, GTP-U, GRE with
  // ERSPAN and bridged Ethernet, IP-in-IP, 6in4, 4in6; up to
  // kMaxTunnelDepth deep) and key the flow on the innermost packet. Only
  // with the default profile's rules.
  bool tunnels = false;
};

// Encapsulations opened at most, one inside another.
inline constexpr int kMaxTunnelDepth = 4;

// Decodes one frame captured with `link_type`. On kOk fills `*out`.
DecodeStatus DecodeFrame(uint16_t link_type, const uint8_t* frame, size_t length,
                         const DecodeOptions& options, DecodedPacket* out);

// CICFlowMeter's reading of a frame (docs/CIC.md, "Packets"): the default
// profile's decoding, then IPv4 only (kNotIpv4Cic); an IPv4 packet that is not
// TCP or UDP, a non-first fragment, or one whose TCP/UDP header is cut short
// is accepted as protocol 0 with ports, lengths and flags 0; payload_len is
// frame_payload_len (Ethernet padding included).
DecodeStatus DecodeCicFrame(uint16_t link_type, const uint8_t* frame, size_t length,
                            DecodedPacket* out);

// The same with the rules of profile P (features/profile.h): the python
// profile's for PythonProfile, CICFlowMeter's for CicProfile, the default
// profile's otherwise, with tunnels opened when `tunnels` is true (the
// default profile only: netflower 1.0 and CICFlowMeter read the outer
// packet). The pipelines decode through this, so their decoding cannot
// disagree with their profile.
template <class P>
DecodeStatus DecodeFrame(uint16_t link_type, const uint8_t* frame, size_t length, bool tunnels,
                         DecodedPacket* out) {
  if constexpr (P::kCic) {
    return DecodeCicFrame(link_type, frame, length, out);
  } else {
    return DecodeFrame(link_type, frame, length, DecodeOptions{!P::kPython, !P::kPython && tunnels},
                       out);
  }
}

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_DECODE_H_
