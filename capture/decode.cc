#include "capture/decode.h"

#include <cstring>

#include "capture/link_type.h"

namespace netflower {
namespace {

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
inline uint32_t Be24(const uint8_t* p) {
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2];
}
inline uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t Le32(const uint8_t* p) {
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}

// Field-wise stores: cheaper than building an IpAddress and copying it.
inline void SetV4(IpAddress* a, const uint8_t* p) {
  a->family = 4;
  std::memcpy(a->bytes, p, 4);
  std::memset(a->bytes + 4, 0, 12);
}
inline void SetV6(IpAddress* a, const uint8_t* p) {
  a->family = 6;
  std::memcpy(a->bytes, p, 16);
}

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kEtherMplsUnicast = 0x8847;
constexpr uint16_t kEtherMplsMulticast = 0x8848;
constexpr uint16_t kEtherPppoeSession = 0x8864;
constexpr uint16_t kPppIpv4 = 0x0021;
constexpr uint16_t kPppIpv6 = 0x0057;
constexpr int kMaxMplsLabels = 24;

// Tunnels (docs/DECODING.md).
constexpr uint8_t kIpProtoIpip = 4;   // IPv4 inside IPv4 or IPv6 (IP-in-IP, 4in6)
constexpr uint8_t kIpProtoIpv6 = 41;  // IPv6 inside IPv4 or IPv6 (6in4, 6in6)
constexpr uint8_t kIpProtoGre = 47;
constexpr uint16_t kUdpVxlan = 4789;
constexpr uint16_t kUdpGeneve = 6081;
constexpr uint16_t kUdpGtpU = 2152;
constexpr uint16_t kGreBridgedEthernet = 0x6558;  // also GENEVE's Ethernet payload
constexpr uint16_t kGreErspan2 = 0x88BE;          // ERSPAN type II (type I without sequence)
constexpr uint16_t kGreErspan3 = 0x22EB;
constexpr uint16_t kGrePpp = 0x880B;  // PPTP's enhanced GRE (version 1)
constexpr uint8_t kGtpGpdu = 0xFF;    // GTP-U message type carrying a user packet

inline bool IsVlanTag(uint16_t ethertype) {
  return ethertype == 0x8100 || ethertype == 0x88A8 || ethertype == 0x9100 || ethertype == 0x9200;
}

class Decoder {
 public:
  Decoder(const DecodeOptions& options, DecodedPacket* out)
      : d_(options.default_profile), tunnels_(options.tunnels && d_), out_(out) {}

  DecodeStatus Frame(uint16_t link_type, const uint8_t* p, size_t n) {
    frame_begin_ = p;
    frame_end_ = p + n;
    out_->tunnel = TunnelTag{};
    switch (link_type) {
      case kLinkEthernet:
        return Ethernet(p, n);
      case kLinkNull:
        if (n < 4) return DecodeStatus::kTruncated;
        {
          // Written in the capturing host's byte order: a little-endian read
          // above 0xFFFF means the writer was big-endian.
          uint32_t family = Le32(p);
          if (family > 0xFFFF) family = Be32(p);
          return AddressFamily(family, p + 4, n - 4);
        }
      case kLinkLoop:
        if (n < 4) return DecodeStatus::kTruncated;
        return AddressFamily(Be32(p), p + 4, n - 4);
      case kLinkRawOpenBsd:
      case kLinkRawBsdOs:
      case kLinkRaw:
        return ByVersionNibble(p, n);
      case kLinkIpv4:
        return Ipv4(p, n);
      case kLinkIpv6:
        return d_ ? Ipv6(p, n) : DecodeStatus::kDefaultProfileOnly;
      case kLinkLinuxSll:
        if (n < 16) return DecodeStatus::kTruncated;
        return Ethertype(Be16(p + 14), p + 16, n - 16);
      case kLinkLinuxSll2:
        if (n < 20) return DecodeStatus::kTruncated;
        return Ethertype(Be16(p), p + 20, n - 20);
      case kLinkPpp:
        return PppFrame(p, n);
      // Wi-Fi: the default profile only (netflower 1.0 did not read it).
      case kLinkIeee80211:
        return d_ ? Ieee80211(p, n) : DecodeStatus::kUnsupportedLinkType;
      case kLinkRadiotap:
        return d_ ? Radiotap(p, n) : DecodeStatus::kUnsupportedLinkType;
      case kLinkPpi:
        return d_ ? Ppi(p, n) : DecodeStatus::kUnsupportedLinkType;
      default:
        return DecodeStatus::kUnsupportedLinkType;
    }
  }

 private:
  DecodeStatus Ethernet(const uint8_t* p, size_t n) {
    for (;;) {
      if (n < 14) return DecodeStatus::kTruncated;
      const uint16_t type = Be16(p + 12);
      if (type > 1500) return Ethertype(type, p + 14, n - 14);
      // Cisco ISL: a 26-byte header in front of a whole Ethernet frame.
      const bool isl = (p[0] == 0x01 || p[0] == 0x03) && p[1] == 0x00 && p[2] == 0x0C &&
                       p[3] == 0x00 && p[4] == 0x00;
      if (!isl) return DecodeStatus::kNotIp;  // 802.3/LLC, Novell raw, ...
      if (n < 26) return DecodeStatus::kTruncated;
      p += 26;
      n -= 26;
    }
  }

  DecodeStatus Ethertype(uint16_t type, const uint8_t* p, size_t n) {
    bool tagged = false;
    if (IsVlanTag(type)) {
      if (n < 4) return DecodeStatus::kTruncated;
      type = Be16(p + 2);
      p += 4;
      n -= 4;
      if (type == 0x8100) {  // only an 802.1Q inner tag is read (QinQ)
        if (n < 4) return DecodeStatus::kTruncated;
        type = Be16(p + 2);
        p += 4;
        n -= 4;
      }
      if (IsVlanTag(type)) return DecodeStatus::kNotIp;
      tagged = true;
    }
    switch (type) {
      case kEtherIpv4:
        return Ipv4(p, n);
      case kEtherIpv6:
        return d_ ? Ipv6(p, n) : DecodeStatus::kDefaultProfileOnly;
      case kEtherMplsUnicast:
      case kEtherMplsMulticast:
        // netflower 1.0 looked for MPLS only right after the link header.
        if (tagged && !d_) return DecodeStatus::kNotIp;
        return Mpls(p, n);
      case kEtherPppoeSession:
        if (!d_) return DecodeStatus::kDefaultProfileOnly;
        if (n < 6) return DecodeStatus::kTruncated;
        return PppProtocol(p + 6, n - 6);
      default:
        return DecodeStatus::kNotIp;
    }
  }

  DecodeStatus Mpls(const uint8_t* p, size_t n) {
    for (int i = 0; i < kMaxMplsLabels; ++i) {
      if (n < 4) return DecodeStatus::kTruncated;
      const bool bottom_of_stack = p[2] & 1;
      p += 4;
      n -= 4;
      if (bottom_of_stack) break;
    }
    if (n == 0) return DecodeStatus::kTruncated;
    if (!d_) return p[0] == 0x45 ? Ipv4(p, n) : DecodeStatus::kNotIp;
    return ByVersionNibble(p, n);
  }

  // A PPP frame: address and control (0xFF 0x03) if present, then the
  // protocol.
  DecodeStatus PppFrame(const uint8_t* p, size_t n) {
    if (n >= 2 && p[0] == 0xFF && p[1] == 0x03) {
      p += 2;
      n -= 2;
    }
    return PppProtocol(p, n);
  }

  // PPP protocol field: one byte if its first byte is odd, else two.
  DecodeStatus PppProtocol(const uint8_t* p, size_t n) {
    if (n < 1) return DecodeStatus::kTruncated;
    uint16_t protocol;
    if (p[0] & 1) {
      protocol = p[0];
      p += 1;
      n -= 1;
    } else {
      if (n < 2) return DecodeStatus::kTruncated;
      protocol = Be16(p);
      p += 2;
      n -= 2;
    }
    if (protocol == kPppIpv4) return Ipv4(p, n);
    if (protocol == kPppIpv6) return d_ ? Ipv6(p, n) : DecodeStatus::kDefaultProfileOnly;
    return DecodeStatus::kNotIp;
  }

  DecodeStatus AddressFamily(uint32_t family, const uint8_t* p, size_t n) {
    if (family == 2) return Ipv4(p, n);
    if (family == 24 || family == 28 || family == 30) {
      return d_ ? Ipv6(p, n) : DecodeStatus::kDefaultProfileOnly;
    }
    return DecodeStatus::kNotIp;
  }

  DecodeStatus ByVersionNibble(const uint8_t* p, size_t n) {
    if (n < 1) return DecodeStatus::kTruncated;
    switch (p[0] >> 4) {
      case 4:
        return Ipv4(p, n);
      case 6:
        return d_ ? Ipv6(p, n) : DecodeStatus::kDefaultProfileOnly;
      default:
        return DecodeStatus::kNotIp;
    }
  }

  DecodeStatus Ipv4(const uint8_t* p, size_t n) {
    // The version nibble is not checked (netflower 1.0 did not either).
    if (n < 20) return DecodeStatus::kTruncated;
    const size_t ihl_bytes = size_t{p[0] & 0x0Fu} * 4;
    if (ihl_bytes < 20) return DecodeStatus::kMalformed;
    const size_t total_length = Be16(p + 2);
    // total_length 0 (segmentation offload) means "all captured bytes",
    // Ethernet padding included; otherwise padding and trailers are cut.
    const size_t end = (total_length != 0 && total_length < n) ? total_length : n;
    // Addresses first: the CIC reading keeps non-first fragments.
    SetV4(&out_->src, p + 12);
    SetV4(&out_->dst, p + 16);
    out_->pkt_len = static_cast<uint32_t>(end);
    out_->ip_offset = static_cast<uint32_t>(p - frame_begin_);
    if ((Be16(p + 6) & 0x1FFF) != 0) return DecodeStatus::kIpFragment;
    const uint8_t* l4 = p + ihl_bytes;
    const size_t l4_len = end > ihl_bytes ? end - ihl_bytes : 0;
    return Transport(p[9], l4, l4_len);
  }

  DecodeStatus Ipv6(const uint8_t* p, size_t n) {
    if (n < 40) return DecodeStatus::kTruncated;
    const size_t payload_length = Be16(p + 4);
    const size_t end = (payload_length != 0 && 40 + payload_length < n) ? 40 + payload_length : n;
    uint8_t next = p[6];
    size_t off = 40;
    for (;;) {
      switch (next) {
        case 0:     // hop-by-hop options
        case 43:    // routing
        case 60: {  // destination options
          if (off + 2 > end) return DecodeStatus::kTruncated;
          const size_t len = (size_t{p[off + 1]} + 1) * 8;
          if (off + len > end) return DecodeStatus::kTruncated;
          next = p[off];
          off += len;
          continue;
        }
        case 44: {  // fragment
          if (off + 8 > end) return DecodeStatus::kTruncated;
          if ((Be16(p + off + 2) & 0xFFF8) != 0) return DecodeStatus::kIpFragment;
          next = p[off];
          off += 8;
          continue;
        }
        case 51: {  // authentication header
          if (off + 2 > end) return DecodeStatus::kTruncated;
          const size_t len = (size_t{p[off + 1]} + 2) * 4;
          if (off + len > end) return DecodeStatus::kTruncated;
          next = p[off];
          off += len;
          continue;
        }
        default:
          break;
      }
      break;
    }
    SetV6(&out_->src, p + 8);
    SetV6(&out_->dst, p + 24);
    out_->pkt_len = static_cast<uint32_t>(end);
    out_->ip_offset = static_cast<uint32_t>(p - frame_begin_);
    return Transport(next, p + off, end - off);
  }

  DecodeStatus Transport(uint8_t protocol, const uint8_t* p, size_t n) {
    if (protocol == 6) {
      if (n < 20) return DecodeStatus::kTruncated;
      const uint16_t data_offset_words = p[12] >> 4;
      if (data_offset_words < 5) return DecodeStatus::kMalformed;
      // The header length is taken as declared even when it points beyond the
      // captured bytes; the payload is then empty.
      const size_t header_len = size_t{data_offset_words} * 4;
      out_->protocol = 6;
      out_->src_port = Be16(p);
      out_->dst_port = Be16(p + 2);
      out_->header_len = static_cast<uint16_t>(header_len);
      out_->payload_len = static_cast<uint32_t>(n > header_len ? n - header_len : 0);
      SetFramePayload(p + header_len);
      out_->tcp_flags = static_cast<uint16_t>(((p[12] & 1) << 8) | p[13]);
      out_->window = Be16(p + 14);
      return DecodeStatus::kOk;
    }
    if (protocol == 17) {
      if (n < 8) return DecodeStatus::kTruncated;
      if (tunnels_ && depth_ < kMaxTunnelDepth && MayBeUdpTunnel(Be16(p), Be16(p + 2))) {
        DecodeStatus inner;
        if (UdpTunnel(Be16(p), Be16(p + 2), p + 8, n - 8, &inner)) return inner;
      }
      out_->protocol = 17;
      out_->src_port = Be16(p);
      out_->dst_port = Be16(p + 2);
      out_->header_len = 8;
      out_->payload_len = static_cast<uint32_t>(n - 8);  // UDP length ignored
      SetFramePayload(p + 8);
      out_->tcp_flags = 0;
      out_->window = -1;
      return DecodeStatus::kOk;
    }
    // Tunnels by IP protocol, checked after TCP and UDP so that those pay
    // nothing for them.
    if (tunnels_ && depth_ < kMaxTunnelDepth) {
      switch (protocol) {
        case kIpProtoIpip:
          Open(TunnelKind::kIpInIp);
          return Ipv4(p, n);
        case kIpProtoIpv6:
          Open(TunnelKind::kIpInIp);
          return Ipv6(p, n);
        case kIpProtoGre:
          return Gre(p, n);
        default:
          break;
      }
    }
    return DecodeStatus::kNotTcpUdp;
  }

  // --- Tunnels (docs/DECODING.md) ---

  // GRE (RFC 2784/2890): optional checksum, key and sequence words, then the
  // payload by protocol type. Version 1 is PPTP's enhanced GRE (RFC 2637):
  // key always, optional sequence and acknowledgment, PPP inside.
  DecodeStatus Gre(const uint8_t* p, size_t n) {
    if (n < 4) return DecodeStatus::kTruncated;
    const uint8_t flags = p[0];
    const uint8_t version = p[1] & 0x07;
    const uint16_t type = Be16(p + 2);
    const bool sequence = flags & 0x10;
    const bool checksum = flags & 0x80;
    const bool key = flags & 0x20;
    size_t len = 4;
    if (version == 0) {
      if (flags & 0x40) return DecodeStatus::kNotTcpUdp;  // RFC 1701 routing: obsolete
      len += (checksum ? 4 : 0) + (key ? 4 : 0) + (sequence ? 4 : 0);
    } else if (version == 1 && type == kGrePpp) {
      len += 4 + (sequence ? 4 : 0) + ((p[1] & 0x80) ? 4 : 0);
    } else {
      return DecodeStatus::kNotTcpUdp;
    }
    if (n < len) return DecodeStatus::kTruncated;
    if (version == 1) {
      Open(TunnelKind::kPptp, Be16(p + 6));  // the key word's low half: the call ID
    } else if (type != kGreErspan2 && type != kGreErspan3) {
      if (key) {
        Open(TunnelKind::kGre, Be32(p + (checksum ? 8 : 4)));
      } else {
        Open(TunnelKind::kGre);
      }
    }
    p += len;
    n -= len;
    switch (type) {
      case kEtherIpv4:
        return Ipv4(p, n);
      case kEtherIpv6:
        return Ipv6(p, n);
      case kGreBridgedEthernet:
        return Ethernet(p, n);
      case kGreErspan2:  // type II has an 8-byte header and a sequence; type I neither
        if (!sequence) {
          Open(TunnelKind::kErspan);
          return Ethernet(p, n);
        }
        if (n < 8) return DecodeStatus::kTruncated;
        Open(TunnelKind::kErspan, ErspanSession(p));
        return Ethernet(p + 8, n - 8);
      case kGreErspan3: {  // 12 bytes, 8 more with the platform subheader (O flag)
        if (n < 12) return DecodeStatus::kTruncated;
        Open(TunnelKind::kErspan, ErspanSession(p));
        const size_t header = 12 + ((p[11] & 0x01) ? 8 : 0);
        if (n < header) return DecodeStatus::kTruncated;
        return Ethernet(p + header, n - header);
      }
      case kGrePpp:
        if (n == 0) return DecodeStatus::kNotIp;  // an acknowledgment only
        return PppFrame(p, n);
      default:
        return DecodeStatus::kNotIp;
    }
  }

  // One more encapsulation opened; the outermost one names the packet's
  // tunnel (DecodedPacket::tunnel).
  void Open(TunnelKind kind) {
    if (depth_++ == 0) out_->tunnel = TunnelTag{kind, false, 0};
  }
  void Open(TunnelKind kind, uint32_t id) {
    if (depth_++ == 0) out_->tunnel = TunnelTag{kind, true, id};
  }
  // ERSPAN II and III: the 10-bit session ID in the header's second half-word.
  static uint32_t ErspanSession(const uint8_t* p) { return Be16(p + 2) & 0x3FFu; }

  // UDP tunnels, known by port: VXLAN (RFC 7348), GENEVE (RFC 8926), GTP-U
  // G-PDUs (3GPP TS 29.281). True when the payload is one (its decoding in
  // *status); false leaves the packet an ordinary UDP packet: a header that
  // does not check out, or a GTP-U signalling message.
  // The ports UdpTunnel looks at; kept apart (and UdpTunnel out of line) so
  // that ordinary UDP pays four compares (BM_DecodeEthernetUdp: 4.92 ns a
  // frame without tunnels, 5.48 with; bench/README.md, "Tunnels").
  static bool MayBeUdpTunnel(uint16_t src_port, uint16_t dst_port) {
    return dst_port == kUdpVxlan || dst_port == kUdpGeneve || dst_port == kUdpGtpU ||
           src_port == kUdpGtpU;
  }

  [[gnu::noinline]] bool UdpTunnel(uint16_t src_port, uint16_t dst_port, const uint8_t* p, size_t n,
                                   DecodeStatus* status) {
    if (dst_port == kUdpVxlan) {
      if (n < 8 || (p[0] & 0x08) == 0) return false;  // the I flag: a valid VNI
      Open(TunnelKind::kVxlan, Be24(p + 4));
      *status = Ethernet(p + 8, n - 8);
      return true;
    }
    if (dst_port == kUdpGeneve) {
      if (n < 8 || (p[0] >> 6) != 0) return false;  // version 0
      const size_t header = 8 + size_t{p[0] & 0x3Fu} * 4;
      const uint16_t type = Be16(p + 2);
      if (type != kGreBridgedEthernet && type != kEtherIpv4 && type != kEtherIpv6) return false;
      Open(TunnelKind::kGeneve, Be24(p + 4));
      if (n < header) {
        *status = DecodeStatus::kTruncated;
      } else if (type == kGreBridgedEthernet) {
        *status = Ethernet(p + header, n - header);
      } else {
        *status = Ethertype(type, p + header, n - header);
      }
      return true;
    }
    if (dst_port == kUdpGtpU || src_port == kUdpGtpU) {
      // Version 1, protocol type GTP (not GTP'), a G-PDU.
      if (n < 8 || (p[0] >> 5) != 1 || (p[0] & 0x10) == 0 || p[1] != kGtpGpdu) return false;
      Open(TunnelKind::kGtpU, Be32(p + 4));
      *status = GtpPayload(p, n);
      return true;
    }
    return false;
  }

  // A G-PDU after its flags were checked: the mandatory 8 bytes; with any of
  // E, S, PN the 4 optional bytes; with E the chain of extension headers
  // (length in 4-byte units, next type in the last byte); then the user's
  // IPv4 or IPv6 packet.
  DecodeStatus GtpPayload(const uint8_t* p, size_t n) {
    size_t header = 8;
    if (p[0] & 0x07) {
      header = 12;
      if (n < header) return DecodeStatus::kTruncated;
      uint8_t next = (p[0] & 0x04) ? p[11] : 0;
      while (next != 0) {
        if (n < header + 1) return DecodeStatus::kTruncated;
        const size_t len = size_t{p[header]} * 4;
        if (len == 0) return DecodeStatus::kMalformed;
        if (n < header + len) return DecodeStatus::kTruncated;
        next = p[header + len - 1];
        header += len;
      }
    }
    if (n <= header) return DecodeStatus::kTruncated;
    return ByVersionNibble(p + header, n - header);
  }

  // --- Wi-Fi (docs/DECODING.md) ---

  // Radiotap: the header's length, and from its Flags field (present bit
  // 1) whether the frame ends in an FCS and whether that failed. Fields
  // follow the presence words (more while bit 31 is set), each aligned to
  // its size from the header's start; only TSFT (bit 0, 8 bytes) precedes
  // Flags.
  DecodeStatus Radiotap(const uint8_t* p, size_t n) {
    if (n < 8) return DecodeStatus::kTruncated;
    const size_t len = Le16(p + 2);
    if (len < 8 || len > n) return DecodeStatus::kTruncated;
    const uint32_t first = Le32(p + 4);
    size_t off = 4;
    for (uint32_t present = first; present & 0x80000000u; present = Le32(p + off)) {
      off += 4;
      if (off + 4 > len) return DecodeStatus::kTruncated;
    }
    off += 4;
    bool fcs = false;
    if (first & 0x2) {
      if (first & 0x1) off = ((off + 7) & ~size_t{7}) + 8;
      if (off + 1 > len) return DecodeStatus::kTruncated;
      if (p[off] & 0x40) return DecodeStatus::kBadFcs;
      fcs = p[off] & 0x10;
    }
    return Ieee80211Body(p + len, n - len, fcs);
  }

  // PPI: an 8-byte header naming the link type that follows, and fields; the
  // 802.11-Common field (type 2) carries the FCS flags (present 0x1, bad
  // 0x4) at byte 8 of its data.
  DecodeStatus Ppi(const uint8_t* p, size_t n) {
    if (n < 8) return DecodeStatus::kTruncated;
    const size_t len = Le16(p + 2);
    const uint32_t dlt = Le32(p + 4);
    if (len < 8 || len > n) return DecodeStatus::kTruncated;
    bool fcs = false;
    for (size_t off = 8; off + 4 <= len;) {
      const uint16_t type = Le16(p + off);
      const size_t field = Le16(p + off + 2);
      if (off + 4 + field > len) return DecodeStatus::kTruncated;
      if (type == 2 && field >= 10) {
        const uint16_t flags = Le16(p + off + 4 + 8);
        if (flags & 0x4) return DecodeStatus::kBadFcs;
        fcs = flags & 0x1;
      }
      off += 4 + field;
    }
    if (dlt == kLinkIeee80211) return Ieee80211Body(p + len, n - len, fcs);
    if (dlt == kLinkEthernet) return Ethernet(p + len, n - len);
    return DecodeStatus::kUnsupportedLinkType;
  }

  // An 802.11 frame whose last 4 bytes are its FCS when `fcs`.
  DecodeStatus Ieee80211Body(const uint8_t* p, size_t n, bool fcs) {
    if (fcs) {
      if (n < 4) return DecodeStatus::kTruncated;
      n -= 4;
      frame_end_ = p + n;  // the FCS is not payload
    }
    return Ieee80211(p, n);
  }

  // 802.11 data frames: the header (24 bytes; 30 with four addresses; the
  // QoS control field and, with the Order bit, HT control after it), then
  // LLC/SNAP and an ethertype. Management, control and null frames, and
  // protected ones, have their own skip reasons; an A-MSDU is not read.
  DecodeStatus Ieee80211(const uint8_t* p, size_t n) {
    if (n < 2) return DecodeStatus::kTruncated;
    const uint8_t fc0 = p[0];
    const uint8_t fc1 = p[1];
    if ((fc0 & 0x03) != 0) return DecodeStatus::kNotIp;  // protocol version 0 only
    const unsigned type = (fc0 >> 2) & 0x03u;
    const unsigned subtype = fc0 >> 4;
    if (type != 2 || (subtype & 0x4) != 0) return DecodeStatus::kWifiNotData;
    if (fc1 & 0x40) return DecodeStatus::kWifiProtected;
    size_t header = (fc1 & 0x03) == 0x03 ? 30 : 24;
    bool amsdu = false;
    if (subtype & 0x8) {  // QoS data
      if (n < header + 2) return DecodeStatus::kTruncated;
      amsdu = p[header] & 0x80;
      header += 2 + ((fc1 & 0x80) ? 4 : 0);
    }
    if (amsdu) return DecodeStatus::kNotIp;
    if (n < header + 8) return DecodeStatus::kTruncated;
    const uint8_t* llc = p + header;
    if (llc[0] != 0xAA || llc[1] != 0xAA || llc[2] != 0x03) return DecodeStatus::kNotIp;
    return Ethertype(Be16(llc + 6), llc + 8, n - header - 8);
  }

  // The frame's bytes from `payload` on (none if it lies beyond the frame).
  void SetFramePayload(const uint8_t* payload) {
    out_->frame_payload_len =
        payload < frame_end_ ? static_cast<uint32_t>(frame_end_ - payload) : 0;
  }

  const bool d_;        // default-profile decoding rules
  const bool tunnels_;  // DecodeOptions::tunnels
  int depth_ = 0;       // tunnels opened so far
  DecodedPacket* const out_;
  const uint8_t* frame_begin_ = nullptr;
  const uint8_t* frame_end_ = nullptr;
};

}  // namespace

DecodeStatus DecodeFrame(uint16_t link_type, const uint8_t* frame, size_t length,
                         const DecodeOptions& options, DecodedPacket* out) {
  return Decoder(options, out).Frame(link_type, frame, length);
}

DecodeStatus DecodeCicFrame(uint16_t link_type, const uint8_t* frame, size_t length,
                            DecodedPacket* out) {
  // The CIC layouts read the link types they read before Wi-Fi decoding
  // came (their differential check against CICFlowMeter covers those).
  if (link_type == kLinkIeee80211 || link_type == kLinkRadiotap || link_type == kLinkPpi) {
    return DecodeStatus::kUnsupportedLinkType;
  }
  out->src.family = 0;
  const DecodeStatus status = DecodeFrame(link_type, frame, length, DecodeOptions{true}, out);
  const bool ipv4 = out->src.family == 4;
  switch (status) {
    case DecodeStatus::kOk:
      if (!ipv4) return DecodeStatus::kNotIpv4Cic;
      // jnetpcap's payload runs to the end of the captured frame.
      out->payload_len = out->frame_payload_len;
      return DecodeStatus::kOk;
    case DecodeStatus::kNotTcpUdp:
    case DecodeStatus::kIpFragment:
    case DecodeStatus::kTruncated:  // with the addresses set: the TCP/UDP header
      if (!ipv4) return out->src.family == 6 ? DecodeStatus::kNotIpv4Cic : status;
      // CICFlowMeter makes a packet of every IPv4 packet; without a TCP or
      // UDP header it keeps protocol 0, ports 0 and lengths 0.
      out->protocol = 0;
      out->src_port = out->dst_port = 0;
      out->tcp_flags = 0;
      out->header_len = 0;
      out->payload_len = 0;
      out->window = -1;
      return DecodeStatus::kOk;
    default:
      if (out->src.family == 6) return DecodeStatus::kNotIpv4Cic;
      return status;
  }
}

}  // namespace netflower
