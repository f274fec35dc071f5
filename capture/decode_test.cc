#include "capture/decode.h"

#include <gtest/gtest.h>

#include <cstddef>

#include "capture/link_type.h"
#include "tests/testing/capture_builder.h"

namespace netflower {
namespace {

using testing::Bytes;
using testing::IpPacketSpec;

DecodeOptions Default() { return DecodeOptions{true}; }
DecodeOptions Python() { return DecodeOptions{false}; }

DecodeStatus Decode(uint16_t link, const Bytes& f, DecodedPacket* out,
                    DecodeOptions options = Default()) {
  return DecodeFrame(link, f.data(), f.size(), options, out);
}

TEST(Decode, EthernetIpv4Tcp) {
  IpPacketSpec s;
  s.tcp_flags = 0x1FF;  // all nine bits, NS included
  s.window = 4321;
  s.payload = 10;
  s.tcp_option_bytes = 12;
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, testing::Ethernet(testing::IpPacket(s)), &p), DecodeStatus::kOk);
  EXPECT_EQ(IpAddressToString(p.src), "10.0.0.1");
  EXPECT_EQ(IpAddressToString(p.dst), "10.0.0.2");
  EXPECT_EQ(p.src_port, 40000);
  EXPECT_EQ(p.dst_port, 80);
  EXPECT_EQ(p.protocol, 6);
  EXPECT_EQ(p.tcp_flags, 0x1FF);
  EXPECT_EQ(p.window, 4321);
  EXPECT_EQ(p.header_len, 32);
  EXPECT_EQ(p.payload_len, 10u);
  EXPECT_EQ(p.pkt_len, 20u + 32 + 10);
}

TEST(Decode, UdpIgnoresItsLengthField) {
  Bytes ip = testing::Udp("10.0.0.1", 5353, "10.0.0.2", 53, 32);
  ip[20 + 4] = 0xFF;  // bogus UDP length
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, testing::Ethernet(ip), &p), DecodeStatus::kOk);
  EXPECT_EQ(p.protocol, 17);
  EXPECT_EQ(p.header_len, 8);
  EXPECT_EQ(p.payload_len, 32u);
  EXPECT_EQ(p.window, -1);
  EXPECT_EQ(p.tcp_flags, 0);
  EXPECT_EQ(p.pkt_len, 60u);
}

// FLOW-RULES §13 "Lengths".
TEST(Decode, LengthsFollowTheIpTotalLength) {
  // A 1040-byte IPv4/TCP packet captured to 54 bytes of Ethernet.
  IpPacketSpec big;
  big.payload = 1000;
  Bytes frame = testing::Ethernet(testing::IpPacket(big));
  ASSERT_EQ(frame.size(), 14u + 1040);
  DecodedPacket p;
  ASSERT_EQ(DecodeFrame(kLinkEthernet, frame.data(), 54, Default(), &p), DecodeStatus::kOk);
  EXPECT_EQ(p.pkt_len, 40u);
  EXPECT_EQ(p.header_len, 20);
  EXPECT_EQ(p.payload_len, 0u);

  // A 60-byte frame holding a 40-byte packet: the padding is cut...
  IpPacketSpec small;
  Bytes padded = testing::Ethernet(testing::IpPacket(small), 60);
  ASSERT_EQ(Decode(kLinkEthernet, padded, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.pkt_len, 40u);
  EXPECT_EQ(p.payload_len, 0u);
  // ...unless total_length is 0, when it counts.
  small.total_length_override = 0;
  padded = testing::Ethernet(testing::IpPacket(small), 60);
  ASSERT_EQ(Decode(kLinkEthernet, padded, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.pkt_len, 46u);
  EXPECT_EQ(p.payload_len, 6u);
}

TEST(Decode, IpOptionsCountInPktLenNotHeaderLen) {
  IpPacketSpec s;
  s.ipv4_option_bytes = 8;
  s.payload = 5;
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, testing::Ethernet(testing::IpPacket(s)), &p), DecodeStatus::kOk);
  EXPECT_EQ(p.pkt_len, 28u + 20 + 5);
  EXPECT_EQ(p.header_len, 20);
}

TEST(Decode, TcpDataOffsetBeyondCapturedBytes) {
  Bytes ip = testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10, 4);
  ip[20 + 12] = 0xF0;  // data offset 15 words = 60 bytes, only 24 present
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkRaw, ip, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.header_len, 60);
  EXPECT_EQ(p.payload_len, 0u);
  ip[20 + 12] = 0x40;  // data offset 4: malformed
  EXPECT_EQ(Decode(kLinkRaw, ip, &p), DecodeStatus::kMalformed);
}

TEST(Decode, SkipReasons) {
  DecodedPacket p;
  Bytes ip = testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10);
  // IHL < 5.
  Bytes bad = ip;
  bad[0] = 0x44;
  EXPECT_EQ(Decode(kLinkRaw, bad, &p), DecodeStatus::kMalformed);
  // Non-first fragment; a first fragment (MF, offset 0) is decoded.
  IpPacketSpec frag;
  frag.fragment_field = 0x0010;
  EXPECT_EQ(Decode(kLinkRaw, testing::IpPacket(frag), &p), DecodeStatus::kIpFragment);
  frag.fragment_field = 0x2000;
  EXPECT_EQ(Decode(kLinkRaw, testing::IpPacket(frag), &p), DecodeStatus::kOk);
  // ICMP.
  IpPacketSpec icmp;
  icmp.protocol = 1;
  icmp.payload = 8;
  EXPECT_EQ(Decode(kLinkRaw, testing::IpPacket(icmp), &p), DecodeStatus::kNotTcpUdp);
  // Short frames.
  EXPECT_EQ(DecodeFrame(kLinkEthernet, ip.data(), 10, Default(), &p), DecodeStatus::kTruncated);
  Bytes eth = testing::Ethernet(ip);
  EXPECT_EQ(DecodeFrame(kLinkEthernet, eth.data(), 14 + 19, Default(), &p),
            DecodeStatus::kTruncated);
  EXPECT_EQ(DecodeFrame(kLinkEthernet, eth.data(), 14 + 20 + 19, Default(), &p),
            DecodeStatus::kTruncated);
  // ARP, 802.3 with LLC.
  EXPECT_EQ(Decode(kLinkEthernet, testing::EthernetWithType(0x0806, Bytes(28)), &p),
            DecodeStatus::kNotIp);
  EXPECT_EQ(Decode(kLinkEthernet, testing::EthernetWithType(46, Bytes(46)), &p),
            DecodeStatus::kNotIp);
  // Link types not read: USB (189); radiotap in the python profile.
  EXPECT_EQ(Decode(189, eth, &p), DecodeStatus::kUnsupportedLinkType);
  EXPECT_EQ(Decode(kLinkRadiotap, eth, &p, Python()), DecodeStatus::kUnsupportedLinkType);
}

TEST(Decode, VlanTags) {
  DecodedPacket p;
  Bytes ip = testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10);
  EXPECT_EQ(Decode(kLinkEthernet, testing::VlanEthernet(ip, 1), &p, Python()), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkEthernet, testing::VlanEthernet(ip, 2), &p, Python()), DecodeStatus::kOk);
  // A third tag is not read.
  Bytes three = testing::VlanEthernet(testing::Bytes{0x00, 0x64, 0x08, 0x00}, 2);
  three[14 + 4 + 2] = 0x81;
  three[14 + 4 + 3] = 0x00;
  three.insert(three.end(), ip.begin(), ip.end());
  EXPECT_EQ(Decode(kLinkEthernet, three, &p), DecodeStatus::kNotIp);
}

// FLOW-RULES §16: the IP packet a flow is keyed on is frame[ip_offset,
// ip_offset + pkt_len): after the link header and tags, and for a tunnel
// the inner packet's.
TEST(Decode, IpOffsetLocatesTheKeyedIpPacket) {
  DecodedPacket p;
  const Bytes ip = testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10, 5);
  ASSERT_EQ(Decode(kLinkEthernet, testing::Ethernet(ip, 80), &p), DecodeStatus::kOk);
  EXPECT_EQ(p.ip_offset, 14u);
  EXPECT_EQ(p.pkt_len, ip.size());  // the padding is not in it
  const Bytes tagged = testing::VlanEthernet(ip, 2);
  ASSERT_EQ(Decode(kLinkEthernet, tagged, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.ip_offset, 22u);
  EXPECT_TRUE(std::equal(ip.begin(), ip.end(), tagged.begin() + p.ip_offset));
  const Bytes vxlan = testing::Ethernet(testing::OuterUdp(
      "192.0.2.1", 40000, "192.0.2.2", 4789, testing::VxlanHeader(7, testing::Ethernet(ip))));
  ASSERT_EQ(Decode(kLinkEthernet, vxlan, &p, DecodeOptions{true, true}), DecodeStatus::kOk);
  EXPECT_EQ(p.ip_offset, 14u + 20 + 8 + 8 + 14);
  EXPECT_TRUE(std::equal(ip.begin(), ip.end(), vxlan.begin() + p.ip_offset));
}

TEST(Decode, IslEncapsulation) {
  DecodedPacket p;
  Bytes inner = testing::Ethernet(testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10));
  Bytes isl(26, 0);
  const uint8_t dst[5] = {0x01, 0x00, 0x0C, 0x00, 0x00};
  std::copy(dst, dst + 5, isl.begin());
  isl[12] = 0x00;
  isl[13] = static_cast<uint8_t>(inner.size());  // a length <= 1500
  isl.insert(isl.end(), inner.begin(), inner.end());
  EXPECT_EQ(Decode(kLinkEthernet, isl, &p), DecodeStatus::kOk);
}

TEST(Decode, Ipv6OnlyInDefaultProfile) {
  DecodedPacket p;
  Bytes ip = testing::Tcp("2001:db8::1", 1000, "2001:db8::2", 443, 0x02, 7);
  ASSERT_EQ(Decode(kLinkEthernet, testing::Ethernet(ip), &p), DecodeStatus::kOk);
  EXPECT_EQ(IpAddressToString(p.src), "2001:db8::1");
  EXPECT_EQ(p.pkt_len, 40u + 20 + 7);
  EXPECT_EQ(p.header_len, 20);
  EXPECT_EQ(Decode(kLinkEthernet, testing::Ethernet(ip), &p, Python()),
            DecodeStatus::kDefaultProfileOnly);
}

TEST(Decode, Ipv6ExtensionHeaders) {
  DecodedPacket p;
  // Hop-by-hop (8 bytes) + destination options (16) before UDP.
  Bytes ip = testing::Udp("2001:db8::1", 1, "2001:db8::2", 2, 4);
  Bytes udp(ip.begin() + 40, ip.end());
  Bytes hbh = {60, 0, 0, 0, 0, 0, 0, 0};
  Bytes dst = {17, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  Bytes out(ip.begin(), ip.begin() + 40);
  out[6] = 0;
  const size_t plen = hbh.size() + dst.size() + udp.size();
  out[4] = static_cast<uint8_t>(plen >> 8);
  out[5] = static_cast<uint8_t>(plen);
  out.insert(out.end(), hbh.begin(), hbh.end());
  out.insert(out.end(), dst.begin(), dst.end());
  out.insert(out.end(), udp.begin(), udp.end());
  ASSERT_EQ(Decode(kLinkIpv6, out, &p), DecodeStatus::kOk);
  EXPECT_EQ(p.pkt_len, 40u + 24 + 12);
  EXPECT_EQ(p.header_len, 8);
  EXPECT_EQ(p.payload_len, 4u);
  // An extension header running past the packet.
  out[40 + 8 + 1] = 9;
  EXPECT_EQ(Decode(kLinkIpv6, out, &p), DecodeStatus::kTruncated);

  // Fragments: the first (offset 0) is decoded, later ones skipped.
  IpPacketSpec f;
  f.src = "2001:db8::1";
  f.dst = "2001:db8::2";
  f.protocol = 17;
  f.fragment_field = 0x0001;  // offset 0, M set
  EXPECT_EQ(Decode(kLinkIpv6, testing::IpPacket(f), &p), DecodeStatus::kOk);
  f.fragment_field = 0x00A8;  // offset 21
  EXPECT_EQ(Decode(kLinkIpv6, testing::IpPacket(f), &p), DecodeStatus::kIpFragment);
}

TEST(Decode, LinkTypes) {
  DecodedPacket p;
  Bytes v4 = testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10);
  Bytes v6 = testing::Tcp("::1", 1, "::2", 2, 0x10);
  EXPECT_EQ(Decode(kLinkNull, testing::BsdNull(v4), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkNull, testing::BsdNull(v4, true), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkNull, testing::BsdNull(v6), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkLoop, testing::BsdNull(v4, true), &p), DecodeStatus::kOk);
  for (uint16_t raw : {kLinkRawOpenBsd, kLinkRawBsdOs, kLinkRaw}) {
    EXPECT_EQ(Decode(raw, v4, &p), DecodeStatus::kOk);
    EXPECT_EQ(Decode(raw, v6, &p), DecodeStatus::kOk);
  }
  EXPECT_EQ(Decode(kLinkIpv4, v4, &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkIpv6, v6, &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkLinuxSll, testing::LinuxSll(v4), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkLinuxSll2, testing::LinuxSll2(v6), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkPpp, testing::PppFrame(v4, true), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkPpp, testing::PppFrame(v4, false), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkPpp, testing::PppFrame(v6, true), &p), DecodeStatus::kOk);
  // The python profile decodes the same link types, IPv4 only.
  EXPECT_EQ(Decode(kLinkNull, testing::BsdNull(v4), &p, Python()), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkRaw, v6, &p, Python()), DecodeStatus::kDefaultProfileOnly);
  // LINKTYPE_IPV6 too (found by decode_fuzzer: the python profile is IPv4 only).
  EXPECT_EQ(Decode(kLinkIpv6, v6, &p, Python()), DecodeStatus::kDefaultProfileOnly);
  // Unknown address family / PPP protocol.
  Bytes odd = testing::BsdNull(v4);
  odd[0] = 7;
  EXPECT_EQ(Decode(kLinkNull, odd, &p), DecodeStatus::kNotIp);
}

TEST(Decode, MplsAndPppoeByProfile) {
  DecodedPacket p;
  Bytes v4 = testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10);
  Bytes v6 = testing::Tcp("::1", 1, "::2", 2, 0x10);
  EXPECT_EQ(Decode(kLinkEthernet, testing::MplsEthernet(v4, 2), &p, Python()), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkEthernet, testing::MplsEthernet(v4, 2), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkEthernet, testing::MplsEthernet(v6, 1), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkEthernet, testing::MplsEthernet(v6, 1), &p, Python()),
            DecodeStatus::kNotIp);
  // IPv4 with options after MPLS: python needs exactly 0x45.
  IpPacketSpec opt;
  opt.ipv4_option_bytes = 4;
  Bytes with_options = testing::MplsEthernet(testing::IpPacket(opt), 1);
  EXPECT_EQ(Decode(kLinkEthernet, with_options, &p, Python()), DecodeStatus::kNotIp);
  EXPECT_EQ(Decode(kLinkEthernet, with_options, &p), DecodeStatus::kOk);
  // MPLS after a VLAN tag: default profile only.
  Bytes vlan_mpls = testing::MplsEthernet(v4, 1);
  Bytes tag = {0x00, 0x05, 0x88, 0x47};
  vlan_mpls[12] = 0x81;
  vlan_mpls[13] = 0x00;
  vlan_mpls.insert(vlan_mpls.begin() + 14, tag.begin(), tag.end());
  EXPECT_EQ(Decode(kLinkEthernet, vlan_mpls, &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkEthernet, vlan_mpls, &p, Python()), DecodeStatus::kNotIp);
  // PPPoE session.
  EXPECT_EQ(Decode(kLinkEthernet, testing::PppoeEthernet(v4), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkEthernet, testing::PppoeEthernet(v6), &p), DecodeStatus::kOk);
  EXPECT_EQ(Decode(kLinkEthernet, testing::PppoeEthernet(v4), &p, Python()),
            DecodeStatus::kDefaultProfileOnly);
  // Labels but nothing after them.
  Bytes empty = testing::MplsEthernet(Bytes{}, 1);
  EXPECT_EQ(Decode(kLinkEthernet, empty, &p), DecodeStatus::kTruncated);
}

// Every prefix of a valid frame decodes or is skipped; none reads past it.
TEST(Decode, EveryPrefixIsSafe) {
  const Bytes frames[] = {
      testing::Ethernet(testing::Tcp("10.0.0.1", 1, "10.0.0.2", 2, 0x10, 9)),
      testing::VlanEthernet(testing::Udp("::1", 1, "::2", 2, 5), 2),
      testing::MplsEthernet(testing::Udp("10.0.0.1", 1, "10.0.0.2", 2, 5), 3),
      testing::PppoeEthernet(testing::Tcp("::1", 1, "::2", 2, 0x10)),
  };
  for (const Bytes& f : frames) {
    for (size_t n = 0; n <= f.size(); ++n) {
      Bytes copy(f.begin(), f.begin() + n);  // exact-size heap copy for ASan
      DecodedPacket p;
      DecodeFrame(kLinkEthernet, copy.data(), copy.size(), Default(), &p);
      DecodeFrame(kLinkEthernet, copy.data(), copy.size(), Python(), &p);
    }
  }
}

// --- Tunnels (docs/DECODING.md) ---

DecodeOptions Tunnels() { return DecodeOptions{true, true}; }

// The inner TCP packet every tunnel test carries: 192.168.7.1:50000 ->
// 192.168.7.2:443, 100 payload bytes, 24 bytes of TCP options.
Bytes Inner() {
  IpPacketSpec s;
  s.src = "192.168.7.1";
  s.dst = "192.168.7.2";
  s.src_port = 50000;
  s.dst_port = 443;
  s.tcp_option_bytes = 24;
  s.payload = 100;
  return testing::IpPacket(s);
}

// The inner packet's fields, its lengths its own (not the outer packet's).
void ExpectInner(const DecodedPacket& p) {
  EXPECT_EQ(IpAddressToString(p.src), "192.168.7.1");
  EXPECT_EQ(IpAddressToString(p.dst), "192.168.7.2");
  EXPECT_EQ(p.src_port, 50000);
  EXPECT_EQ(p.dst_port, 443);
  EXPECT_EQ(p.protocol, 6);
  EXPECT_EQ(p.header_len, 44);
  EXPECT_EQ(p.payload_len, 100u);
  EXPECT_EQ(p.pkt_len, 20u + 44 + 100);
}

TEST(DecodeTunnels, VxlanGivesTheInnerFlowAndOuterWithoutTunnels) {
  const Bytes frame = testing::Ethernet(testing::OuterUdp(
      "10.0.0.1", 33333, "10.0.0.2", 4789, testing::VxlanHeader(42, testing::Ethernet(Inner()))));
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p, Tunnels()), DecodeStatus::kOk);
  ExpectInner(p);
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p, Default()), DecodeStatus::kOk);
  EXPECT_EQ(p.protocol, 17);  // --tunnels=outer: the VXLAN packet itself
  EXPECT_EQ(p.dst_port, 4789);
  ASSERT_EQ(Decode(kLinkEthernet, frame, &p, Python()), DecodeStatus::kOk);
  EXPECT_EQ(p.dst_port, 4789);  // netflower 1.0: never opened
}

TEST(DecodeTunnels, VxlanWithoutTheIFlagIsOrdinaryUdp) {
  Bytes vxlan = testing::VxlanHeader(42, testing::Ethernet(Inner()));
  vxlan[0] = 0;
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkEthernet,
                   testing::Ethernet(testing::OuterUdp("10.0.0.1", 1, "10.0.0.2", 4789, vxlan)), &p,
                   Tunnels()),
            DecodeStatus::kOk);
  EXPECT_EQ(p.dst_port, 4789);
}

TEST(DecodeTunnels, GeneveWithOptionsCarriesEthernetOrIp) {
  DecodedPacket p;
  const Bytes eth = testing::GeneveHeader(0x6558, 3, testing::Ethernet(Inner()));
  ASSERT_EQ(Decode(kLinkEthernet,
                   testing::Ethernet(testing::OuterUdp("10.0.0.1", 1, "10.0.0.2", 6081, eth)), &p,
                   Tunnels()),
            DecodeStatus::kOk);
  ExpectInner(p);
  const Bytes ip = testing::GeneveHeader(0x0800, 0, Inner());
  ASSERT_EQ(Decode(kLinkEthernet,
                   testing::Ethernet(testing::OuterUdp("10.0.0.1", 1, "10.0.0.2", 6081, ip)), &p,
                   Tunnels()),
            DecodeStatus::kOk);
  ExpectInner(p);
}

TEST(DecodeTunnels, GtpUGpduWithExtensionHeadersAndSignallingStaysOuter) {
  DecodedPacket p;
  for (bool ext : {false, true}) {
    const Bytes gtp = testing::GtpU(0x11223344, ext, Inner());
    ASSERT_EQ(Decode(kLinkEthernet,
                     testing::Ethernet(testing::OuterUdp("10.0.0.1", 2152, "10.0.0.2", 2152, gtp)),
                     &p, Tunnels()),
              DecodeStatus::kOk);
    ExpectInner(p);
  }
  // An echo request (type 1) is GTP signalling: the outer UDP packet.
  const Bytes echo = testing::GtpU(0, false, {}, 0x01);
  ASSERT_EQ(Decode(kLinkEthernet,
                   testing::Ethernet(testing::OuterUdp("10.0.0.1", 2152, "10.0.0.2", 2152, echo)),
                   &p, Tunnels()),
            DecodeStatus::kOk);
  EXPECT_EQ(p.protocol, 17);
  EXPECT_EQ(p.dst_port, 2152);
}

TEST(DecodeTunnels, GreWithEveryOptionalWord) {
  DecodedPacket p;
  for (int words = 0; words < 8; ++words) {
    const Bytes gre = testing::Gre(0x0800, words & 1, words & 2, words & 4, Inner());
    ASSERT_EQ(
        Decode(kLinkEthernet, testing::Ethernet(testing::OuterIp("10.0.0.1", "10.0.0.2", 47, gre)),
               &p, Tunnels()),
        DecodeStatus::kOk)
        << words;
    ExpectInner(p);
  }
  // Without tunnels GRE is not TCP or UDP, as before.
  EXPECT_EQ(
      Decode(kLinkEthernet,
             testing::Ethernet(testing::OuterIp(
                 "10.0.0.1", "10.0.0.2", 47, testing::Gre(0x0800, false, false, false, Inner()))),
             &p, Default()),
      DecodeStatus::kNotTcpUdp);
}

TEST(DecodeTunnels, GretapAndErspanCarryEthernet) {
  DecodedPacket p;
  const Bytes eth = testing::Ethernet(Inner());
  const Bytes erspan2 = [&] {
    Bytes h(8, 0x10);
    h.insert(h.end(), eth.begin(), eth.end());
    return h;
  }();
  const Bytes cases[] = {
      testing::Gre(0x6558, false, true, false, eth),      // gretap
      testing::Gre(0x88BE, false, false, true, erspan2),  // ERSPAN II
      testing::Gre(0x88BE, false, false, false, eth),     // ERSPAN I
      testing::Gre(0x22EB, false, false, true, testing::Erspan3Header(false, eth)),
      testing::Gre(0x22EB, false, false, true, testing::Erspan3Header(true, eth)),
  };
  for (const Bytes& gre : cases) {
    ASSERT_EQ(
        Decode(kLinkEthernet, testing::Ethernet(testing::OuterIp("10.0.0.1", "10.0.0.2", 47, gre)),
               &p, Tunnels()),
        DecodeStatus::kOk);
    ExpectInner(p);
  }
}

TEST(DecodeTunnels, IpInIpSixInFourFourInSixSixInSix) {
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkRaw, testing::OuterIp("10.0.0.1", "10.0.0.2", 4, Inner()), &p, Tunnels()),
            DecodeStatus::kOk);
  ExpectInner(p);
  ASSERT_EQ(
      Decode(kLinkRaw, testing::OuterIp("2001:db8::1", "2001:db8::2", 4, Inner()), &p, Tunnels()),
      DecodeStatus::kOk);
  ExpectInner(p);
  const Bytes v6 = testing::Tcp("2001:db8:1::1", 1234, "2001:db8:1::2", 80, 0x02);
  ASSERT_EQ(Decode(kLinkRaw, testing::OuterIp("10.0.0.1", "10.0.0.2", 41, v6), &p, Tunnels()),
            DecodeStatus::kOk);
  EXPECT_EQ(IpAddressToString(p.src), "2001:db8:1::1");
  EXPECT_EQ(p.pkt_len, 60u);
  // 6in6: IPv6 inside IPv6 (protocol 41 again).
  ASSERT_EQ(Decode(kLinkRaw, testing::OuterIp("2001:db8::1", "2001:db8::2", 41, v6), &p, Tunnels()),
            DecodeStatus::kOk);
  EXPECT_EQ(IpAddressToString(p.src), "2001:db8:1::1");
  EXPECT_EQ(p.pkt_len, 60u);
  EXPECT_EQ(p.tunnel, (TunnelTag{TunnelKind::kIpInIp, false, 0}));
  // Without tunnels: not TCP or UDP (the outer packet's protocol).
  EXPECT_EQ(Decode(kLinkRaw, testing::OuterIp("10.0.0.1", "10.0.0.2", 41, v6), &p, Default()),
            DecodeStatus::kNotTcpUdp);
}

TEST(DecodeTunnels, NestingStopsAtTheDepthLimit) {
  // kMaxTunnelDepth IP-in-IP layers open; one more is left closed.
  Bytes packet = Inner();
  for (int i = 0; i < kMaxTunnelDepth; ++i) {
    packet = testing::OuterIp("10.9.0.1", "10.9.0.2", 4, packet);
  }
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkRaw, packet, &p, Tunnels()), DecodeStatus::kOk);
  ExpectInner(p);
  packet = testing::OuterIp("10.9.0.1", "10.9.0.2", 4, packet);
  EXPECT_EQ(Decode(kLinkRaw, packet, &p, Tunnels()), DecodeStatus::kNotTcpUdp);
}

// docs/DECODING.md, "Tunnels": the outermost tunnel names the packet, with
// its identifier where the kind has one.
TEST(DecodeTunnels, TheOutermostTunnelAndItsIdAreTagged) {
  const Bytes eth = testing::Ethernet(Inner());
  Bytes erspan2(8, 0x10);  // session: the low 10 bits of 0x1010
  erspan2.insert(erspan2.end(), eth.begin(), eth.end());
  Bytes pptp = {0x30, 0x01, 0x88, 0x0B, 0x00, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0xFF, 0x03, 0x00, 0x21};
  const Bytes inner = Inner();
  pptp.insert(pptp.end(), inner.begin(), inner.end());
  auto gre = [](const Bytes& payload) {
    return testing::Ethernet(testing::OuterIp("10.0.0.1", "10.0.0.2", 47, payload));
  };
  auto udp = [](uint16_t port, const Bytes& payload) {
    return testing::Ethernet(testing::OuterUdp("10.0.0.1", port, "10.0.0.2", port, payload));
  };
  const struct {
    Bytes frame;
    TunnelTag tag;
  } cases[] = {
      {udp(4789, testing::VxlanHeader(42, eth)), {TunnelKind::kVxlan, true, 42}},
      {udp(6081, testing::GeneveHeader(0x0800, 0, Inner())), {TunnelKind::kGeneve, true, 0x1234}},
      {udp(2152, testing::GtpU(0x11223344, true, Inner())), {TunnelKind::kGtpU, true, 0x11223344}},
      {gre(testing::Gre(0x0800, true, true, false, Inner())), {TunnelKind::kGre, true, 7}},
      {gre(testing::Gre(0x0800, false, false, true, Inner())), {TunnelKind::kGre, false, 0}},
      {gre(testing::Gre(0x6558, false, true, false, eth)), {TunnelKind::kGre, true, 7}},
      {gre(testing::Gre(0x88BE, false, false, true, erspan2)), {TunnelKind::kErspan, true, 0x10}},
      {gre(testing::Gre(0x88BE, false, false, false, eth)), {TunnelKind::kErspan, false, 0}},
      {gre(testing::Gre(0x22EB, false, false, true, testing::Erspan3Header(true, eth))),
       {TunnelKind::kErspan, true, 0}},
      {gre(pptp), {TunnelKind::kPptp, true, 0x1234}},
      {testing::Ethernet(testing::OuterIp("10.0.0.1", "10.0.0.2", 4, Inner())),
       {TunnelKind::kIpInIp, false, 0}},
      // GRE inside VXLAN: the outermost, VXLAN, names it.
      {udp(4789, testing::VxlanHeader(9, testing::Ethernet(testing::OuterIp(
                                             "172.17.0.1", "172.17.0.2", 47,
                                             testing::Gre(0x0800, false, true, false, Inner()))))),
       {TunnelKind::kVxlan, true, 9}},
  };
  for (const auto& c : cases) {
    DecodedPacket p;
    p.tunnel = TunnelTag{TunnelKind::kGtpU, true, 99};  // a previous packet's: reset
    ASSERT_EQ(Decode(kLinkEthernet, c.frame, &p, Tunnels()), DecodeStatus::kOk)
        << TunnelKindName(c.tag.kind);
    ExpectInner(p);
    EXPECT_EQ(p.tunnel, c.tag) << TunnelKindName(c.tag.kind) << " " << p.tunnel.id;
    // Without tunnels (and for plain packets) there is none.
    DecodedPacket outer;
    outer.tunnel = TunnelTag{TunnelKind::kGtpU, true, 99};
    Decode(kLinkEthernet, c.frame, &outer, Default());
    EXPECT_EQ(outer.tunnel, TunnelTag{});
  }
}

TEST(DecodeTunnels, CutInnerHeadersAreTruncatedNeverReadPast) {
  const Bytes frame = testing::Ethernet(testing::OuterUdp(
      "10.0.0.1", 33333, "10.0.0.2", 4789, testing::VxlanHeader(42, testing::Ethernet(Inner()))));
  for (size_t cut = 14 + 20 + 8 + 8 + 14; cut < 14 + 20 + 8 + 8 + 14 + 40; ++cut) {
    const Bytes part(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(cut));
    DecodedPacket p;
    EXPECT_EQ(Decode(kLinkEthernet, part, &p, Tunnels()), DecodeStatus::kTruncated) << cut;
  }
}

// --- Wi-Fi (docs/DECODING.md) ---

TEST(DecodeWifi, RadiotapDataFrameAndItsFcs) {
  const Bytes ip = testing::Udp("10.1.0.5", 5000, "10.1.0.1", 53, 30);
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkRadiotap, testing::Radiotap(testing::Ieee80211Data(ip), true, false), &p),
            DecodeStatus::kOk);
  EXPECT_EQ(IpAddressToString(p.src), "10.1.0.5");
  EXPECT_EQ(p.payload_len, 30u);
  EXPECT_EQ(p.frame_payload_len, 30u);  // the FCS is not payload
  EXPECT_EQ(Decode(kLinkRadiotap, testing::Radiotap(testing::Ieee80211Data(ip), true, true), &p),
            DecodeStatus::kBadFcs);
  // netflower 1.0 did not read radiotap: the python profile keeps that.
  EXPECT_EQ(Decode(kLinkRadiotap, testing::Radiotap(testing::Ieee80211Data(ip), false, false), &p,
                   Python()),
            DecodeStatus::kUnsupportedLinkType);
}

TEST(DecodeWifi, QosFourAddressAndPlain80211AndPpi) {
  const Bytes ip = testing::Tcp("10.1.0.5", 40000, "10.1.0.1", 80, 0x02);
  DecodedPacket p;
  ASSERT_EQ(Decode(kLinkIeee80211, testing::Ieee80211Data(ip, 0x88, 0x03), &p), DecodeStatus::kOk);
  EXPECT_EQ(p.dst_port, 80);
  ASSERT_EQ(Decode(kLinkIeee80211, testing::Ieee80211Data(ip, 0x08, 0x02), &p), DecodeStatus::kOk);
  ASSERT_EQ(Decode(kLinkPpi, testing::Ppi(testing::Ieee80211Data(ip), true), &p),
            DecodeStatus::kOk);
  EXPECT_EQ(p.frame_payload_len, 0u);
}

TEST(DecodeWifi, ManagementControlNullAndProtectedFramesHaveTheirReasons) {
  const Bytes ip = testing::Tcp("10.1.0.5", 40000, "10.1.0.1", 80, 0x02);
  DecodedPacket p;
  Bytes beacon = testing::Ieee80211Data(ip);
  beacon[0] = 0x80;  // management, beacon
  EXPECT_EQ(Decode(kLinkIeee80211, beacon, &p), DecodeStatus::kWifiNotData);
  Bytes ack = testing::Ieee80211Data(ip);
  ack[0] = 0xD4;  // control, ACK
  EXPECT_EQ(Decode(kLinkIeee80211, ack, &p), DecodeStatus::kWifiNotData);
  Bytes null_frame = testing::Ieee80211Data(ip);
  null_frame[0] = 0x48;  // data, null function
  EXPECT_EQ(Decode(kLinkIeee80211, null_frame, &p), DecodeStatus::kWifiNotData);
  EXPECT_EQ(Decode(kLinkIeee80211, testing::Ieee80211Data(ip, 0x08, 0x41), &p),
            DecodeStatus::kWifiProtected);
  // The CIC layouts read no Wi-Fi, as before.
  EXPECT_EQ(DecodeCicFrame(kLinkRadiotap, beacon.data(), beacon.size(), &p),
            DecodeStatus::kUnsupportedLinkType);
}

}  // namespace
}  // namespace netflower
