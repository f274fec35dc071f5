// A packet's tunnel: which encapsulation carried it and its identifier
// (docs/DECODING.md, "Tunnels"). Decoding fills it; the netflower-tunnel
// column set writes it.
#ifndef NETFLOWER_CAPTURE_TUNNEL_H_
#define NETFLOWER_CAPTURE_TUNNEL_H_

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace netflower {

// The kinds of encapsulation the decoder opens (docs/DECODING.md). Names in
// kTunnelKindNames, the one name table (the tunnel_type column).
enum class TunnelKind : uint8_t {
  kNone = 0,  // not tunnelled (or tunnels not opened)
  kVxlan,     // id: the VNI
  kGeneve,    // id: the VNI
  kGtpU,      // id: the TEID
  kGre,       // id: the key, when the K flag is set
  kErspan,    // id: the session ID (types II and III; type I has none)
  kPptp,      // id: the call ID (enhanced GRE, version 1)
  kIpInIp,    // IP protocol 4 or 41 (IP-in-IP, 6in4, 4in6, 6in6): no id
  kCount
};
inline constexpr std::string_view kTunnelKindNames[] = {"",    "vxlan",  "geneve", "gtpu",
                                                        "gre", "erspan", "pptp",   "ipip"};
static_assert(std::size(kTunnelKindNames) == static_cast<size_t>(TunnelKind::kCount));
inline std::string_view TunnelKindName(TunnelKind kind) {
  return kTunnelKindNames[static_cast<size_t>(kind)];
}

// The outermost encapsulation a packet arrived in: what a traffic mirror
// (VXLAN, GENEVE, ERSPAN) or a mobile core (GTP-U) put around it.
struct TunnelTag {
  TunnelKind kind = TunnelKind::kNone;
  bool has_id = false;
  uint32_t id = 0;
  friend bool operator==(const TunnelTag&, const TunnelTag&) = default;
};

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_TUNNEL_H_
