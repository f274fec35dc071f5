// Test helpers: build frames and whole pcap / pcapng files in memory.
#ifndef NETFLOWER_TESTS_TESTING_CAPTURE_BUILDER_H_
#define NETFLOWER_TESTS_TESTING_CAPTURE_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace netflower::testing {

using Bytes = std::vector<uint8_t>;

struct IpPacketSpec {
  std::string src = "10.0.0.1";  // IPv4 or IPv6 text; both must be the same family
  std::string dst = "10.0.0.2";
  uint16_t src_port = 40000;
  uint16_t dst_port = 80;
  uint8_t protocol = 6;       // 6 TCP, 17 UDP, anything else: no L4 header
  uint16_t tcp_flags = 0x10;  // ACK; 9 bits
  uint16_t window = 65535;
  size_t tcp_option_bytes = 0;  // multiple of 4, <= 40
  size_t payload = 0;
  // IPv4 only: -1 = the correct total length; any other value is written
  // as given (0 included).
  int total_length_override = -1;
  uint16_t fragment_field = 0;   // IPv4 flags+offset field / IPv6 fragment header if nonzero
  size_t ipv4_option_bytes = 0;  // multiple of 4, <= 40
  // When not empty: the payload itself (instead of `payload` bytes of 0xAB),
  // after the TCP/UDP header, or right after the IP header for any other
  // protocol (a tunnel's inner packet).
  Bytes payload_bytes;
};

// An IPv4 or IPv6 packet with a TCP or UDP header and `payload` zero bytes.
Bytes IpPacket(const IpPacketSpec& spec);

// Convenience forms.
Bytes Tcp(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
          uint16_t flags, size_t payload = 0, uint16_t window = 65535);
Bytes Udp(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
          size_t payload = 0);

// Link-layer framing of an IP packet (ethertype picked from the IP version).
Bytes Ethernet(const Bytes& ip, size_t pad_to = 0);
Bytes EthernetWithType(uint16_t ethertype, const Bytes& payload);
Bytes VlanEthernet(const Bytes& ip, int tags);  // 1 or 2 802.1Q tags
Bytes LinuxSll(const Bytes& ip);
Bytes LinuxSll2(const Bytes& ip);
Bytes BsdNull(const Bytes& ip, bool big_endian = false);
Bytes PppFrame(const Bytes& ip, bool with_address_control);
Bytes MplsEthernet(const Bytes& ip, int labels);
Bytes PppoeEthernet(const Bytes& ip);

// Tunnels (docs/DECODING.md): the outer packet around `inner`.
Bytes OuterIp(const std::string& src, const std::string& dst, uint8_t protocol, const Bytes& inner);
Bytes OuterUdp(const std::string& src, uint16_t sport, const std::string& dst, uint16_t dport,
               const Bytes& inner);
Bytes VxlanHeader(uint32_t vni, const Bytes& inner_ethernet);
Bytes GeneveHeader(uint16_t protocol, size_t option_words, const Bytes& inner);
// GTP-U G-PDU; with_extension adds a PDU session container extension header.
Bytes GtpU(uint32_t teid, bool with_extension, const Bytes& inner_ip, uint8_t type = 0xFF);
// GRE version 0 with the optional words asked for.
Bytes Gre(uint16_t protocol, bool checksum, bool key, bool sequence, const Bytes& payload);
Bytes Erspan3Header(bool platform_subheader, const Bytes& inner_ethernet);

// Wi-Fi: an 802.11 data frame with LLC/SNAP around `ip` (fc0 0x08 data,
// 0x88 QoS data; fc1 flags: 0x01 to-DS, 0x02 from-DS, 0x40 protected).
Bytes Ieee80211Data(const Bytes& ip, uint8_t fc0 = 0x08, uint8_t fc1 = 0x01);
// A radiotap header (TSFT, Flags) in front of `frame`; fcs appends 4 bytes
// and sets the FCS flag; bad_fcs sets the bad-FCS flag.
Bytes Radiotap(const Bytes& frame, bool fcs, bool bad_fcs);
// A PPI header (DLT 105, an 802.11-Common field) in front of `frame`.
Bytes Ppi(const Bytes& frame, bool fcs);

// Classic pcap.
class PcapFile {
 public:
  PcapFile(uint32_t link_type, bool nanosecond = false, bool big_endian = false,
           bool modified = false);
  // Adds a record; `caplen` = frame size unless given.
  void Add(uint32_t ts_sec, uint32_t ts_frac, const Bytes& frame, int64_t caplen = -1);
  // Adds a record at time `seconds` (µs or ns file resolution).
  void AddAt(double seconds, const Bytes& frame);
  void AppendRaw(const Bytes& bytes);
  const Bytes& bytes() const { return bytes_; }

 private:
  void Put32(uint32_t v);
  void Put16(uint16_t v);
  bool big_endian_, nanosecond_, modified_;
  Bytes bytes_;
};

// pcapng.
class PcapngFile {
 public:
  void Section(bool big_endian = false, uint16_t major = 1);
  void Interface(uint16_t link_type, int tsresol = -1, int64_t tsoffset = 0);
  void Enhanced(uint32_t interface_id, uint64_t ticks, const Bytes& frame);
  void Obsolete(uint16_t interface_id, uint64_t ticks, const Bytes& frame);
  void Simple(const Bytes& frame);
  void Custom(uint32_t type, const Bytes& body);
  void AppendRaw(const Bytes& bytes);
  const Bytes& bytes() const { return bytes_; }

 private:
  void Block(uint32_t type, const Bytes& body);
  void Put32(Bytes* out, uint32_t v) const;
  void Put16(Bytes* out, uint16_t v) const;
  bool big_endian_ = false;
  Bytes bytes_;
};

// A fresh path under the test's temporary directory.
std::string TempPath(const std::string& name);
// Writes bytes to a new file under TempPath(name) and returns its path.
std::string WriteTempFile(const std::string& name, const Bytes& bytes);
std::string ReadFile(const std::string& path);

}  // namespace netflower::testing

#endif  // NETFLOWER_TESTS_TESTING_CAPTURE_BUILDER_H_
