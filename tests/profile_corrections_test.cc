// End-to-end checks of the default profile's corrections (FLOW-RULES §1) and
// of the file-level rules, through the public API on generated captures.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "capture/link_type.h"
#include "io/csv_format.h"
#include "netflower/netflower.h"
#include "tests/testing/capture_builder.h"

namespace netflower {
namespace {

using testing::Bytes;
using testing::IpPacketSpec;
using testing::Tcp;
using testing::Udp;

constexpr uint16_t kSyn = 0x02, kAck = 0x10, kFin = 0x01, kPshAck = 0x18;

// A small TCP conversation with a FIN/FIN close plus a DNS exchange.
std::vector<Bytes> Conversation(const std::string& a, const std::string& b) {
  return {
      Tcp(a, 40000, b, 80, kSyn),
      Tcp(b, 80, a, 40000, kSyn | kAck),
      Tcp(a, 40000, b, 80, kAck),
      Tcp(a, 40000, b, 80, kPshAck, 120),
      Tcp(b, 80, a, 40000, kPshAck, 1400),
      Tcp(a, 40000, b, 80, kAck),
      Udp(a, 5353, b, 53, 30),
      Udp(b, 53, a, 5353, 90),
      Tcp(a, 40000, b, 80, kFin | kAck),
      Tcp(b, 80, a, 40000, kFin | kAck),
      Tcp(a, 40000, b, 80, kAck),
  };
}

std::string ConvertBytes(const Bytes& capture, Compat compat, RunStats* stats = nullptr) {
  const std::string in = testing::WriteTempFile("in.pcap", capture);
  const std::string out = testing::TempPath("out.csv");
  ConvertOptions options;
  options.compat = compat;
  options.stats = stats;
  absl::StatusOr<uint64_t> rows = ConvertPcapToCsv(in, out, options);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return testing::ReadFile(out);
}

Bytes PcapOf(uint32_t link_type, const std::vector<Bytes>& frames, bool nanosecond = false) {
  testing::PcapFile f(link_type, nanosecond);
  uint32_t usec = 100;
  for (const Bytes& frame : frames) {
    f.Add(1700000000, nanosecond ? usec * 1000 : usec, frame);
    usec += 1733;
  }
  return f.bytes();
}

template <class Wrap>
std::vector<Bytes> Framed(const std::vector<Bytes>& packets, Wrap wrap) {
  std::vector<Bytes> out;
  out.reserve(packets.size());
  for (const Bytes& p : packets) out.push_back(wrap(p));
  return out;
}

TEST(DefaultProfile, SamePacketsUnderEveryLinkTypeGiveIdenticalRows) {
  for (const auto& [a, b] : {std::pair<std::string, std::string>{"192.0.2.1", "198.51.100.7"},
                             {"2001:db8::1", "2001:db8:1::7"}}) {
    const std::vector<Bytes> ip = Conversation(a, b);
    const std::string ethernet = ConvertBytes(
        PcapOf(kLinkEthernet, Framed(ip, [](const Bytes& p) { return testing::Ethernet(p); })),
        Compat::kNone);
    EXPECT_GT(std::count(ethernet.begin(), ethernet.end(), '\n'), 2);
    const bool v6 = a.find(':') != std::string::npos;
    const std::vector<std::pair<uint32_t, std::vector<Bytes>>> variants = {
        {kLinkRaw, ip},
        {kLinkRawOpenBsd, ip},
        {static_cast<uint32_t>(v6 ? kLinkIpv6 : kLinkIpv4), ip},
        {kLinkLinuxSll, Framed(ip, testing::LinuxSll)},
        {kLinkLinuxSll2, Framed(ip, testing::LinuxSll2)},
        {kLinkNull, Framed(ip, [](const Bytes& p) { return testing::BsdNull(p, false); })},
        {kLinkNull, Framed(ip, [](const Bytes& p) { return testing::BsdNull(p, true); })},
        {kLinkLoop, Framed(ip, [](const Bytes& p) { return testing::BsdNull(p, true); })},
        {kLinkPpp, Framed(ip, [](const Bytes& p) { return testing::PppFrame(p, true); })},
        {kLinkEthernet, Framed(ip, [](const Bytes& p) { return testing::VlanEthernet(p, 2); })},
        {kLinkEthernet, Framed(ip, [](const Bytes& p) { return testing::MplsEthernet(p, 2); })},
        {kLinkEthernet, Framed(ip, testing::PppoeEthernet)},
    };
    for (const auto& [link, frames] : variants) {
      EXPECT_EQ(ConvertBytes(PcapOf(link, frames), Compat::kNone), ethernet)
          << "link type " << link << " " << a;
    }
    // The same packets in a pcapng with one interface per link type.
    testing::PcapngFile ng;
    ng.Section();
    ng.Interface(kLinkEthernet);
    ng.Interface(kLinkLinuxSll2, 9);
    ng.Interface(kLinkRaw, 3);
    for (size_t i = 0; i < ip.size(); ++i) {
      const uint64_t usec = 1700000000ULL * 1000000 + 100 + 1733 * i;
      switch (i % 3) {
        case 0:
          ng.Enhanced(0, usec, testing::Ethernet(ip[i]));
          break;
        case 1:
          ng.Enhanced(1, usec * 1000, testing::LinuxSll2(ip[i]));
          break;
        default:
          if (usec % 1000 == 0) {
            ng.Enhanced(2, usec / 1000, ip[i]);
          } else {
            ng.Enhanced(0, usec, testing::Ethernet(ip[i]));
          }
      }
    }
    EXPECT_EQ(ConvertBytes(ng.bytes(), Compat::kNone), ethernet) << "pcapng " << a;
  }
}

TEST(DefaultProfile, Ipv6FlowsAppearOnlyInTheDefaultProfile) {
  const Bytes capture =
      PcapOf(kLinkEthernet, Framed(Conversation("2001:db8::1", "2001:db8::2"),
                                   [](const Bytes& p) { return testing::Ethernet(p); }));
  RunStats stats;
  const std::string d = ConvertBytes(capture, Compat::kNone, &stats);
  EXPECT_NE(d.find("\n2001:db8::1,2001:db8::2,40000,80,6,"), std::string::npos) << d;
  EXPECT_EQ(stats.flows_written, 2u);
  const std::string p = ConvertBytes(capture, Compat::kPython, &stats);
  EXPECT_EQ(p, "");
  EXPECT_EQ(stats.skipped[static_cast<int>(SkipReason::kDefaultProfileOnly)], 11u);
  EXPECT_EQ(stats.packets_read, stats.packets_accepted + stats.packets_skipped());
}

TEST(DefaultProfile, NoAppendixFlowAfterFinFinClose) {
  const Bytes capture =
      PcapOf(kLinkEthernet, Framed(Conversation("10.0.0.1", "10.0.0.2"),
                                   [](const Bytes& p) { return testing::Ethernet(p); }));
  RunStats stats;
  const std::string d = ConvertBytes(capture, Compat::kNone, &stats);
  EXPECT_EQ(stats.flows_written, 2u);  // the TCP connection and the DNS exchange
  EXPECT_EQ(stats.flows_by_reason.fin, 1u);
  const std::string p = ConvertBytes(capture, Compat::kPython, &stats);
  EXPECT_EQ(stats.flows_written, 3u);  // plus the final ACK's 1-packet flow
  EXPECT_EQ(p.substr(0, CsvHeader().size() + 2), std::string(CsvHeader()) + "\r\n");
}

TEST(DefaultProfile, EmptyCaptureGivesHeaderOnlyCsv) {
  const Bytes empty = testing::PcapFile(kLinkEthernet).bytes();
  EXPECT_EQ(ConvertBytes(empty, Compat::kNone), std::string(CsvHeader()) + "\n");
  EXPECT_EQ(ConvertBytes(empty, Compat::kPython), "");
  // Only non-IP frames: same.
  const Bytes arp = PcapOf(kLinkEthernet, {testing::EthernetWithType(0x0806, Bytes(28))});
  EXPECT_EQ(ConvertBytes(arp, Compat::kNone), std::string(CsvHeader()) + "\n");
}

TEST(DefaultProfile, NanosecondCapturesKeepTheirPrecision) {
  testing::PcapFile ns(kLinkEthernet, /*nanosecond=*/true);
  ns.Add(1700000000, 100000001, testing::Ethernet(Udp("10.0.0.1", 1, "10.0.0.2", 2)));
  ns.Add(1700000000, 100000004, testing::Ethernet(Udp("10.0.0.2", 2, "10.0.0.1", 1)));
  RunStats stats;
  const std::string d = ConvertBytes(ns.bytes(), Compat::kNone, &stats);
  // timestamp, then flow_duration of exactly 3 ns.
  EXPECT_NE(d.find(",1700000000.1,3e-09,"), std::string::npos) << d;
  const std::string p = ConvertBytes(ns.bytes(), Compat::kPython, &stats);
  EXPECT_NE(p.find(",1700000000.1,0.0,"), std::string::npos) << p;  // doubles cannot tell
  // pcapng with if_tsresol 9 gives the same rows as the ns pcap.
  testing::PcapngFile ng;
  ng.Section();
  ng.Interface(kLinkEthernet, 9);
  ng.Enhanced(0, 1700000000100000001ULL, testing::Ethernet(Udp("10.0.0.1", 1, "10.0.0.2", 2)));
  ng.Enhanced(0, 1700000000100000004ULL, testing::Ethernet(Udp("10.0.0.2", 2, "10.0.0.1", 1)));
  EXPECT_EQ(ConvertBytes(ng.bytes(), Compat::kNone), d);
}

TEST(Files, TruncatedTailStillWritesEveryOpenFlow) {
  testing::PcapFile f(kLinkEthernet);
  f.Add(100, 0, testing::Ethernet(Udp("10.0.0.1", 1, "10.0.0.2", 2)));
  f.Add(101, 0, testing::Ethernet(Tcp("10.0.0.3", 1, "10.0.0.4", 2, kAck)));
  f.AppendRaw(Bytes(9, 0xEE));
  RunStats stats;
  const std::string csv = ConvertBytes(f.bytes(), Compat::kPython, &stats);
  EXPECT_EQ(stats.flows_written, 2u);
  EXPECT_TRUE(stats.input_ended_early);
  ASSERT_EQ(stats.warnings.size(), 1u);
  EXPECT_NE(stats.warnings[0].find("byte offset"), std::string::npos);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
}

TEST(Files, EveryPacketIsAccountedFor) {
  testing::PcapFile f(kLinkEthernet);
  IpPacketSpec icmp;
  icmp.protocol = 1;
  icmp.payload = 8;
  IpPacketSpec frag;
  frag.fragment_field = 0x0020;
  f.Add(1, 0, testing::Ethernet(Udp("10.0.0.1", 1, "10.0.0.2", 2)));
  f.Add(1, 1, testing::Ethernet(testing::IpPacket(icmp)));
  f.Add(1, 2, testing::Ethernet(testing::IpPacket(frag)));
  f.Add(1, 3, testing::EthernetWithType(0x0806, Bytes(28)));
  f.Add(1, 4, Bytes(10, 0));
  RunStats stats;
  ConvertBytes(f.bytes(), Compat::kNone, &stats);
  EXPECT_EQ(stats.packets_read, 5u);
  EXPECT_EQ(stats.packets_accepted, 1u);
  EXPECT_EQ(stats.skipped[static_cast<int>(SkipReason::kNotTcpUdp)], 1u);
  EXPECT_EQ(stats.skipped[static_cast<int>(SkipReason::kIpFragment)], 1u);
  EXPECT_EQ(stats.skipped[static_cast<int>(SkipReason::kNotIp)], 1u);
  EXPECT_EQ(stats.skipped[static_cast<int>(SkipReason::kTruncated)], 1u);
}

TEST(Api, OptionsAreValidatedBeforeAnyWork) {
  ConvertOptions bad;
  bad.gc_interval = 0;
  const std::string out = testing::TempPath("never.csv");
  auto r = ConvertPcapToCsv("/nonexistent.pcap", out, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("gc_interval"), std::string::npos);
  bad = ConvertOptions();
  bad.jobs = 0;
  EXPECT_FALSE(ValidateOptions(bad).ok());
  bad = ConvertOptions();
  bad.idle_timeout = -1;
  EXPECT_FALSE(ValidateOptions(bad).ok());
  bad = ConvertOptions();
  bad.buffer_rows = 0;
  EXPECT_FALSE(ValidateOptions(bad).ok());
  // jobs below -1 is max(1, CPUs + jobs + 1), as netflower 1.0's n_jobs:
  // the run says what it settled on.
  for (const auto& [jobs, expected] : {std::pair{3, 3}, std::pair{-100000, 1}}) {
    ConvertOptions options;
    options.jobs = jobs;
    RunStats stats;
    options.stats = &stats;
    const std::string in = testing::WriteTempFile(
        "jobs.pcap",
        PcapOf(kLinkEthernet, Framed(Conversation("10.0.0.1", "10.0.0.2"),
                                     [](const Bytes& p) { return testing::Ethernet(p); })));
    ASSERT_TRUE(ConvertPcapToCsv(in, testing::TempPath("jobs.csv"), options).ok());
    EXPECT_EQ(stats.jobs, expected);
  }
}

TEST(Api, CallbackReceivesTypedRecordsInCsvOrder) {
  const Bytes capture =
      PcapOf(kLinkEthernet, Framed(Conversation("10.0.0.1", "10.0.0.2"),
                                   [](const Bytes& p) { return testing::Ethernet(p); }));
  const std::string in = testing::WriteTempFile("cb.pcap", capture);
  std::vector<FlowRecord> records;
  auto n = ConvertPcap(in, [&](const FlowRecord& r) { records.push_back(r); });
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].protocol, 6);
  EXPECT_EQ(std::get<int64_t>(*GetColumn(records[0], "tot_fwd_pkts")), 6);
  EXPECT_EQ(std::get<std::string>(*GetColumn(records[0], "src_ip")), "10.0.0.1");
  EXPECT_EQ(std::get<int64_t>(*GetColumn(records[1], "bwd_pkt_len_max")), 118);
  EXPECT_EQ(std::get<double>(*GetColumn(records[1], "bwd_iat_mean")), 0.0);
  EXPECT_FALSE(GetColumn(records[0], "no_such_column").has_value());
  std::string csv;
  for (const FlowRecord& r : records) csv += CsvRow(r, false);
  EXPECT_EQ(std::string(CsvHeader()) + "\n" + csv, ConvertBytes(capture, Compat::kNone));
}

}  // namespace
}  // namespace netflower
