// Fuzz target: frame decoding under every supported link type (Wi-Fi
// included), both profiles, the default profile with and without tunnels
// opened, and CICFlowMeter's reading (DecodeCicFrame). Input: 1 byte
// choosing the link type, the rest is the frame. Decoded lengths must never
// exceed the frame.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "capture/decode.h"
#include "capture/link_type.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr uint16_t kLinkTypes[] = {
      netflower::kLinkNull,       netflower::kLinkEthernet,  netflower::kLinkPpp,
      netflower::kLinkRawOpenBsd, netflower::kLinkRawBsdOs,  netflower::kLinkRaw,
      netflower::kLinkLoop,       netflower::kLinkLinuxSll,  netflower::kLinkIpv4,
      netflower::kLinkIpv6,       netflower::kLinkLinuxSll2, netflower::kLinkIeee80211,
      netflower::kLinkRadiotap,   netflower::kLinkPpi};
  if (size < 1) return 0;
  const uint16_t link = kLinkTypes[data[0] % (sizeof(kLinkTypes) / sizeof(kLinkTypes[0]))];
  // An exact-size copy, so ASan sees any read past the frame.
  const std::vector<uint8_t> frame(data + 1, data + size);
  for (const netflower::DecodeOptions options :
       {netflower::DecodeOptions{true, true}, netflower::DecodeOptions{true, false},
        netflower::DecodeOptions{false, false}}) {
    const bool default_profile = options.default_profile;
    netflower::DecodedPacket p;
    const netflower::DecodeStatus s =
        netflower::DecodeFrame(link, frame.data(), frame.size(), options, &p);
    if (s == netflower::DecodeStatus::kOk) {
      if (p.pkt_len > frame.size() || p.payload_len > p.pkt_len) __builtin_trap();
      if (p.protocol != 6 && p.protocol != 17) __builtin_trap();
      if (!default_profile && p.src.family != 4) __builtin_trap();
      if (p.frame_payload_len > frame.size()) __builtin_trap();
    }
  }
  netflower::DecodedPacket c;
  if (netflower::DecodeCicFrame(link, frame.data(), frame.size(), &c) ==
      netflower::DecodeStatus::kOk) {
    if (c.src.family != 4 || c.payload_len > frame.size()) __builtin_trap();
    if (c.protocol != 0 && c.protocol != 6 && c.protocol != 17) __builtin_trap();
    if (c.protocol == 0 && (c.src_port != 0 || c.payload_len != 0)) __builtin_trap();
  }
  return 0;
}
