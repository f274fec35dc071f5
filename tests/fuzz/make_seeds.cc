// Writes the fuzzers' seed corpus (committed under tests/fuzz/seeds/):
//   bazel run //tests/fuzz:make_seeds -- $PWD/tests/fuzz/seeds
// Small captures of every format and link type, and frames for the decoder.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "capture/link_type.h"
#include "tests/testing/capture_builder.h"
#include "tests/testing/traffic_synth.h"

namespace t = netflower::testing;

void Write(const std::string& path, const t::Bytes& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds OUTDIR\n");
    return 2;
  }
  const std::string out = argv[1];
  for (const char* sub : {"", "/capture", "/frames"}) mkdir((out + sub).c_str(), 0755);

  const t::Bytes v4 = t::Tcp("10.0.0.1", 40000, "10.0.0.2", 80, 0x18, 20);
  const t::Bytes v6 = t::Udp("2001:db8::1", 5353, "2001:db8::2", 53, 12);
  // Captures.
  t::SynthOptions small;
  small.sessions = 3;
  small.hosts = 2;
  Write(out + "/capture/synth-us.pcap", t::SynthesizeCapture(small));
  small.nanosecond = true;
  small.seed = 2;
  Write(out + "/capture/synth-ns.pcap", t::SynthesizeCapture(small));
  {
    t::PcapFile f(netflower::kLinkRaw, false, true, false);
    f.Add(1, 2, v4);
    f.Add(1, 3, v6);
    Write(out + "/capture/raw-be.pcap", f.bytes());
  }
  {
    t::PcapFile f(netflower::kLinkLinuxSll, false, false, true);
    f.Add(5, 6, t::LinuxSll(v4));
    Write(out + "/capture/sll-modified.pcap", f.bytes());
  }
  {
    t::PcapngFile f;
    f.Section();
    f.Interface(netflower::kLinkEthernet, 9, 3);
    f.Interface(netflower::kLinkNull, 0x80 | 20);
    f.Enhanced(0, 1700000000123456789ULL, t::Ethernet(v4));
    f.Enhanced(1, 12345, t::BsdNull(v6));
    f.Simple(t::Ethernet(v4));
    f.Section(true);
    f.Interface(netflower::kLinkLinuxSll2, 6);
    f.Obsolete(0, 99, t::LinuxSll2(v4));
    Write(out + "/capture/multi-section.pcapng", f.bytes());
  }
  // Frames: first byte picks the link type in decode_fuzzer's list.
  struct {
    uint8_t link_index;
    t::Bytes frame;
    const char* name;
  } frames[] = {
      {1, t::Ethernet(v4), "eth-v4"},
      {1, t::VlanEthernet(v6, 2), "qinq-v6"},
      {1, t::MplsEthernet(v4, 3), "mpls-v4"},
      {1, t::PppoeEthernet(v6), "pppoe-v6"},
      {0, t::BsdNull(v4), "null-v4"},
      {2, t::PppFrame(v6, true), "ppp-v6"},
      {5, v4, "raw-v4"},
      {9, v6, "ipv6"},
      {7, t::LinuxSll(v4), "sll"},
      {10, t::LinuxSll2(v6), "sll2"},
      // Tunnels (opened in the default profile) and Wi-Fi.
      {1,
       t::Ethernet(
           t::OuterUdp("172.16.0.1", 1, "172.16.0.2", 4789, t::VxlanHeader(42, t::Ethernet(v4)))),
       "vxlan"},
      {1,
       t::Ethernet(
           t::OuterUdp("172.16.0.1", 1, "172.16.0.2", 6081, t::GeneveHeader(0x0800, 2, v4))),
       "geneve"},
      {1, t::Ethernet(t::OuterUdp("172.16.0.1", 2152, "172.16.0.2", 2152, t::GtpU(7, true, v6))),
       "gtpu"},
      {1,
       t::Ethernet(
           t::OuterIp("172.16.0.1", "172.16.0.2", 47,
                      t::Gre(0x22EB, true, true, true, t::Erspan3Header(true, t::Ethernet(v4))))),
       "erspan3"},
      {5, t::OuterIp("172.16.0.1", "172.16.0.2", 41, v6), "6in4"},
      {11, t::Ieee80211Data(v4, 0x88, 0x03), "80211-qos-4addr"},
      {12, t::Radiotap(t::Ieee80211Data(v6), true, false), "radiotap-fcs"},
      {13, t::Ppi(t::Ieee80211Data(v4), true), "ppi"},
  };
  for (const auto& f : frames) {
    t::Bytes b = {f.link_index};
    b.insert(b.end(), f.frame.begin(), f.frame.end());
    Write(out + "/frames/" + f.name, b);
  }
  std::printf("seeds written to %s\n", out.c_str());
  return 0;
}
