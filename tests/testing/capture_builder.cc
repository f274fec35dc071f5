#include "tests/testing/capture_builder.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace netflower::testing {
namespace {

void Be16(Bytes* b, size_t at, uint16_t v) {
  (*b)[at] = static_cast<uint8_t>(v >> 8);
  (*b)[at + 1] = static_cast<uint8_t>(v);
}
void Be32(Bytes* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

int ParseAddress(const std::string& text, uint8_t* out) {
  if (inet_pton(AF_INET, text.c_str(), out) == 1) return 4;
  if (inet_pton(AF_INET6, text.c_str(), out) == 1) return 6;
  throw std::invalid_argument("bad address " + text);
}

Bytes L4(const IpPacketSpec& s) {
  Bytes l4;
  const size_t payload = s.payload_bytes.empty() ? s.payload : s.payload_bytes.size();
  if (s.protocol == 6) {
    const size_t hdr = 20 + s.tcp_option_bytes;
    l4.assign(hdr + payload, 0);
    Be16(&l4, 0, s.src_port);
    Be16(&l4, 2, s.dst_port);
    Be32(&l4, 4, 1000);
    Be32(&l4, 8, 2000);
    l4[12] = static_cast<uint8_t>(((hdr / 4) << 4) | ((s.tcp_flags >> 8) & 1));
    l4[13] = static_cast<uint8_t>(s.tcp_flags & 0xFF);
    Be16(&l4, 14, s.window);
    for (size_t i = 20; i < hdr; ++i) l4[i] = 1;  // NOP options
  } else if (s.protocol == 17) {
    l4.assign(8 + payload, 0);
    Be16(&l4, 0, s.src_port);
    Be16(&l4, 2, s.dst_port);
    Be16(&l4, 4, static_cast<uint16_t>(8 + payload));
  } else {
    l4.assign(payload, 0);
  }
  if (s.payload_bytes.empty()) {
    for (size_t i = l4.size() - payload; i < l4.size(); ++i) l4[i] = 0xAB;
  } else {
    std::copy(s.payload_bytes.begin(), s.payload_bytes.end(), l4.end() - payload);
  }
  return l4;
}

}  // namespace

Bytes IpPacket(const IpPacketSpec& s) {
  uint8_t src[16] = {}, dst[16] = {};
  const int family = ParseAddress(s.src, src);
  if (ParseAddress(s.dst, dst) != family) throw std::invalid_argument("mixed families");
  const Bytes l4 = L4(s);
  Bytes ip;
  if (family == 4) {
    const size_t ihl = 20 + s.ipv4_option_bytes;
    ip.assign(ihl, 0);
    ip[0] = static_cast<uint8_t>(0x40 | (ihl / 4));
    const size_t total = ihl + l4.size();
    Be16(&ip, 2,
         s.total_length_override >= 0 ? static_cast<uint16_t>(s.total_length_override)
                                      : static_cast<uint16_t>(total));
    Be16(&ip, 6, s.fragment_field);
    ip[8] = 64;
    ip[9] = s.protocol;
    std::copy(src, src + 4, ip.begin() + 12);
    std::copy(dst, dst + 4, ip.begin() + 16);
    for (size_t i = 20; i < ihl; ++i) ip[i] = 1;
  } else {
    ip.assign(40, 0);
    ip[0] = 0x60;
    uint8_t next = s.protocol;
    Bytes ext;
    if (s.fragment_field != 0) {
      ext.assign(8, 0);
      ext[0] = next;
      Be16(&ext, 2, s.fragment_field);
      next = 44;
    }
    Be16(&ip, 4, static_cast<uint16_t>(ext.size() + l4.size()));
    ip[6] = next;
    ip[7] = 64;
    std::copy(src, src + 16, ip.begin() + 8);
    std::copy(dst, dst + 16, ip.begin() + 24);
    ip.insert(ip.end(), ext.begin(), ext.end());
  }
  ip.insert(ip.end(), l4.begin(), l4.end());
  return ip;
}

Bytes Tcp(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
          uint16_t flags, size_t payload, uint16_t window) {
  IpPacketSpec s;
  s.src = src;
  s.dst = dst;
  s.src_port = sport;
  s.dst_port = dport;
  s.protocol = 6;
  s.tcp_flags = flags;
  s.payload = payload;
  s.window = window;
  return IpPacket(s);
}

namespace {

IpPacketSpec UdpSpec(const std::string& src, uint16_t sport, const std::string& dst,
                     uint16_t dport) {
  IpPacketSpec s;
  s.src = src;
  s.dst = dst;
  s.src_port = sport;
  s.dst_port = dport;
  s.protocol = 17;
  return s;
}

}  // namespace

Bytes Udp(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
          size_t payload) {
  IpPacketSpec s = UdpSpec(src, sport, dst, dport);
  s.payload = payload;
  return IpPacket(s);
}

Bytes EthernetWithType(uint16_t ethertype, const Bytes& payload) {
  Bytes f(14, 0);
  for (int i = 0; i < 6; ++i) {
    f[i] = static_cast<uint8_t>(0x02 + i);
    f[6 + i] = static_cast<uint8_t>(0x12 + i);
  }
  Be16(&f, 12, ethertype);
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

static uint16_t EthertypeOf(const Bytes& ip) { return (ip[0] >> 4) == 6 ? 0x86DD : 0x0800; }

Bytes Ethernet(const Bytes& ip, size_t pad_to) {
  Bytes f = EthernetWithType(EthertypeOf(ip), ip);
  if (f.size() < pad_to) f.resize(pad_to, 0);
  return f;
}

Bytes VlanEthernet(const Bytes& ip, int tags) {
  Bytes inner;
  for (int i = 0; i < tags; ++i) {
    Bytes tag(4, 0);
    Be16(&tag, 0, static_cast<uint16_t>(100 + i));
    Be16(&tag, 2, i + 1 < tags ? 0x8100 : EthertypeOf(ip));
    inner.insert(inner.end(), tag.begin(), tag.end());
  }
  inner.insert(inner.end(), ip.begin(), ip.end());
  return EthernetWithType(tags == 2 ? 0x88A8 : 0x8100, inner);
}

Bytes LinuxSll(const Bytes& ip) {
  Bytes f(16, 0);
  Be16(&f, 2, 1);
  Be16(&f, 4, 6);
  Be16(&f, 14, EthertypeOf(ip));
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

Bytes LinuxSll2(const Bytes& ip) {
  Bytes f(20, 0);
  Be16(&f, 0, EthertypeOf(ip));
  Be32(&f, 4, 2);
  Be16(&f, 8, 1);
  f[11] = 6;
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

Bytes BsdNull(const Bytes& ip, bool big_endian) {
  const uint32_t family = (ip[0] >> 4) == 6 ? 30 : 2;
  Bytes f(4, 0);
  if (big_endian) {
    Be32(&f, 0, family);
  } else {
    f[0] = static_cast<uint8_t>(family);
  }
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

Bytes PppFrame(const Bytes& ip, bool with_address_control) {
  Bytes f;
  if (with_address_control) f = {0xFF, 0x03};
  f.push_back(0x00);
  f.push_back((ip[0] >> 4) == 6 ? 0x57 : 0x21);
  f.insert(f.end(), ip.begin(), ip.end());
  return f;
}

Bytes MplsEthernet(const Bytes& ip, int labels) {
  Bytes stack;
  for (int i = 0; i < labels; ++i) {
    Bytes e(4, 0);
    Be32(&e, 0, (static_cast<uint32_t>(16 + i) << 12) | (i + 1 == labels ? 0x100u : 0u) | 64u);
    stack.insert(stack.end(), e.begin(), e.end());
  }
  stack.insert(stack.end(), ip.begin(), ip.end());
  return EthernetWithType(0x8847, stack);
}

Bytes PppoeEthernet(const Bytes& ip) {
  Bytes h(6, 0);
  h[0] = 0x11;
  Be16(&h, 2, 0x1234);
  Be16(&h, 4, static_cast<uint16_t>(ip.size() + 2));
  h.push_back(0x00);
  h.push_back((ip[0] >> 4) == 6 ? 0x57 : 0x21);
  h.insert(h.end(), ip.begin(), ip.end());
  return EthernetWithType(0x8864, h);
}

PcapFile::PcapFile(uint32_t link_type, bool nanosecond, bool big_endian, bool modified)
    : big_endian_(big_endian), nanosecond_(nanosecond), modified_(modified) {
  const uint32_t magic = modified ? 0xA1B2CD34 : nanosecond ? 0xA1B23C4D : 0xA1B2C3D4;
  Put32(magic);
  Put16(2);
  Put16(4);
  Put32(0);
  Put32(0);
  Put32(65535);
  Put32(link_type);
}

void PcapFile::Put32(uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    bytes_.push_back(static_cast<uint8_t>(big_endian_ ? v >> (24 - 8 * i) : v >> (8 * i)));
  }
}
void PcapFile::Put16(uint16_t v) {
  for (int i = 0; i < 2; ++i) {
    bytes_.push_back(static_cast<uint8_t>(big_endian_ ? v >> (8 - 8 * i) : v >> (8 * i)));
  }
}

void PcapFile::Add(uint32_t ts_sec, uint32_t ts_frac, const Bytes& frame, int64_t caplen) {
  Put32(ts_sec);
  Put32(ts_frac);
  Put32(caplen >= 0 ? static_cast<uint32_t>(caplen) : static_cast<uint32_t>(frame.size()));
  Put32(static_cast<uint32_t>(frame.size()));
  if (modified_) {
    Put32(0);
    Put16(0);
    bytes_.push_back(0);
    bytes_.push_back(0);
  }
  bytes_.insert(bytes_.end(), frame.begin(), frame.end());
}

void PcapFile::AddAt(double seconds, const Bytes& frame) {
  const double whole = std::floor(seconds);
  const double scale = nanosecond_ ? 1e9 : 1e6;
  uint32_t frac = static_cast<uint32_t>(std::llround((seconds - whole) * scale));
  uint32_t sec = static_cast<uint32_t>(whole);
  if (frac >= scale) {
    frac -= static_cast<uint32_t>(scale);
    ++sec;
  }
  Add(sec, frac, frame);
}

void PcapFile::AppendRaw(const Bytes& bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
}

void PcapngFile::Put32(Bytes* out, uint32_t v) const {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<uint8_t>(big_endian_ ? v >> (24 - 8 * i) : v >> (8 * i)));
  }
}
void PcapngFile::Put16(Bytes* out, uint16_t v) const {
  for (int i = 0; i < 2; ++i) {
    out->push_back(static_cast<uint8_t>(big_endian_ ? v >> (8 - 8 * i) : v >> (8 * i)));
  }
}

void PcapngFile::Block(uint32_t type, const Bytes& body) {
  Bytes padded = body;
  while (padded.size() % 4) padded.push_back(0);
  const uint32_t total = static_cast<uint32_t>(padded.size() + 12);
  Put32(&bytes_, type);
  Put32(&bytes_, total);
  bytes_.insert(bytes_.end(), padded.begin(), padded.end());
  Put32(&bytes_, total);
}

void PcapngFile::Section(bool big_endian, uint16_t major) {
  big_endian_ = big_endian;
  Bytes body;
  Put32(&body, 0x1A2B3C4D);
  Put16(&body, major);
  Put16(&body, 0);
  for (int i = 0; i < 8; ++i) body.push_back(0xFF);  // section length: unknown
  Block(0x0A0D0D0A, body);
}

void PcapngFile::Interface(uint16_t link_type, int tsresol, int64_t tsoffset) {
  Bytes body;
  Put16(&body, link_type);
  Put16(&body, 0);
  Put32(&body, 65535);
  if (tsresol >= 0) {
    Put16(&body, 9);
    Put16(&body, 1);
    body.push_back(static_cast<uint8_t>(tsresol));
    body.insert(body.end(), 3, 0);
  }
  if (tsoffset != 0) {
    Put16(&body, 14);
    Put16(&body, 8);
    const uint64_t v = static_cast<uint64_t>(tsoffset);
    if (big_endian_) {
      Put32(&body, static_cast<uint32_t>(v >> 32));
      Put32(&body, static_cast<uint32_t>(v));
    } else {
      Put32(&body, static_cast<uint32_t>(v));
      Put32(&body, static_cast<uint32_t>(v >> 32));
    }
  }
  Put16(&body, 0);
  Put16(&body, 0);
  Block(1, body);
}

void PcapngFile::Enhanced(uint32_t interface_id, uint64_t ticks, const Bytes& frame) {
  Bytes body;
  Put32(&body, interface_id);
  Put32(&body, static_cast<uint32_t>(ticks >> 32));
  Put32(&body, static_cast<uint32_t>(ticks));
  Put32(&body, static_cast<uint32_t>(frame.size()));
  Put32(&body, static_cast<uint32_t>(frame.size()));
  body.insert(body.end(), frame.begin(), frame.end());
  Block(6, body);
}

void PcapngFile::Obsolete(uint16_t interface_id, uint64_t ticks, const Bytes& frame) {
  Bytes body;
  Put16(&body, interface_id);
  Put16(&body, 0);
  Put32(&body, static_cast<uint32_t>(ticks >> 32));
  Put32(&body, static_cast<uint32_t>(ticks));
  Put32(&body, static_cast<uint32_t>(frame.size()));
  Put32(&body, static_cast<uint32_t>(frame.size()));
  body.insert(body.end(), frame.begin(), frame.end());
  Block(2, body);
}

void PcapngFile::Simple(const Bytes& frame) {
  Bytes body;
  Put32(&body, static_cast<uint32_t>(frame.size()));
  body.insert(body.end(), frame.begin(), frame.end());
  Block(3, body);
}

void PcapngFile::Custom(uint32_t type, const Bytes& body) { Block(type, body); }

void PcapngFile::AppendRaw(const Bytes& bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
}

std::string TempPath(const std::string& name) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string base = dir != nullptr ? dir : "/tmp";
  return base + "/" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name;
}

std::string WriteTempFile(const std::string& name, const Bytes& bytes) {
  std::string path = TempPath(name);
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Bytes OuterIp(const std::string& src, const std::string& dst, uint8_t protocol,
              const Bytes& inner) {
  IpPacketSpec s;
  s.src = src;
  s.dst = dst;
  s.protocol = protocol;
  s.payload_bytes = inner;
  return IpPacket(s);
}

Bytes OuterUdp(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
               const Bytes& inner) {
  IpPacketSpec s = UdpSpec(src, sport, dst, dport);
  s.payload_bytes = inner;
  return IpPacket(s);
}

Bytes VxlanHeader(uint32_t vni, const Bytes& inner_ethernet) {
  Bytes b(8, 0);
  b[0] = 0x08;  // I: the VNI is valid
  Be32(&b, 4, vni << 8);
  b.insert(b.end(), inner_ethernet.begin(), inner_ethernet.end());
  return b;
}

Bytes GeneveHeader(uint16_t protocol, size_t option_words, const Bytes& inner) {
  Bytes b(8 + option_words * 4, 0);
  b[0] = static_cast<uint8_t>(option_words);
  Be16(&b, 2, protocol);
  Be32(&b, 4, 0x123400);  // VNI 0x1234
  b.insert(b.end(), inner.begin(), inner.end());
  return b;
}

Bytes GtpU(uint32_t teid, bool with_extension, const Bytes& inner_ip, uint8_t type) {
  Bytes b(8, 0);
  b[0] = 0x30;  // version 1, protocol type GTP
  b[1] = type;
  Be32(&b, 4, teid);
  if (with_extension) {
    b[0] |= 0x04;  // E
    // sequence (2), N-PDU (1), next extension type: PDU session container
    b.insert(b.end(), {0x00, 0x00, 0x00, 0x85});
    // one 4-byte unit: length, two bytes of content, next type 0 (none)
    b.insert(b.end(), {0x01, 0x10, 0x09, 0x00});
  }
  b.insert(b.end(), inner_ip.begin(), inner_ip.end());
  Be16(&b, 2, static_cast<uint16_t>(b.size() - 8));
  return b;
}

Bytes Gre(uint16_t protocol, bool checksum, bool key, bool sequence, const Bytes& payload) {
  Bytes b(4, 0);
  b[0] = static_cast<uint8_t>((checksum ? 0x80 : 0) | (key ? 0x20 : 0) | (sequence ? 0x10 : 0));
  Be16(&b, 2, protocol);
  for (bool word : {checksum, key, sequence}) {
    if (word) b.insert(b.end(), {0x00, 0x00, 0x00, 0x07});
  }
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes Erspan3Header(bool platform_subheader, const Bytes& inner_ethernet) {
  Bytes b(12, 0);
  b[0] = 0x20;  // version 2 (type III)
  if (platform_subheader) {
    b[11] = 0x01;  // O: an 8-byte platform-specific subheader follows
    b.insert(b.end(), 8, 0);
  }
  b.insert(b.end(), inner_ethernet.begin(), inner_ethernet.end());
  return b;
}

Bytes Ieee80211Data(const Bytes& ip, uint8_t fc0, uint8_t fc1) {
  size_t header = (fc1 & 0x03) == 0x03 ? 30 : 24;
  if (fc0 & 0x80) header += 2;  // QoS control
  Bytes b(header, 0);
  b[0] = fc0;
  b[1] = fc1;
  for (size_t i = 4; i < 22; ++i) b[i] = static_cast<uint8_t>(i);  // addresses
  const uint16_t type = (ip[0] >> 4) == 6 ? 0x86DD : 0x0800;
  b.insert(b.end(), {0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00, static_cast<uint8_t>(type >> 8),
                     static_cast<uint8_t>(type)});
  b.insert(b.end(), ip.begin(), ip.end());
  return b;
}

Bytes Radiotap(const Bytes& frame, bool fcs, bool bad_fcs) {
  // version, pad, length 24, present: TSFT | Flags | Rate; TSFT aligned at 8.
  Bytes b = {0x00, 0x00, 24, 0x00, 0x07, 0x00, 0x00, 0x00};
  b.insert(b.end(), 8, 0x11);  // TSFT
  b.push_back(static_cast<uint8_t>((fcs ? 0x10 : 0) | (bad_fcs ? 0x40 : 0)));
  b.push_back(0x0C);           // rate
  b.insert(b.end(), 6, 0x00);  // padding to 24
  b.insert(b.end(), frame.begin(), frame.end());
  if (fcs) b.insert(b.end(), {0xDE, 0xAD, 0xBE, 0xEF});
  return b;
}

Bytes Ppi(const Bytes& frame, bool fcs) {
  // version 0, flags 0, length 8 + 4 + 20, DLT 105; one 802.11-Common field.
  Bytes b = {0x00, 0x00, 32, 0x00, 105, 0x00, 0x00, 0x00, 0x02, 0x00, 20, 0x00};
  Bytes common(20, 0);
  common[8] = fcs ? 0x01 : 0x00;  // flags: FCS present
  b.insert(b.end(), common.begin(), common.end());
  b.insert(b.end(), frame.begin(), frame.end());
  if (fcs) b.insert(b.end(), {0xDE, 0xAD, 0xBE, 0xEF});
  return b;
}

}  // namespace netflower::testing
