// IPFIX encoding and export (docs/IPFIX.md). The end-to-end checks against
// independent decoders (nfdump, ipfixDump, tshark) are tests/ipfix_test.sh.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/ipfix_exporter.h"
#include "io/ipfix_model.h"

namespace netflower {
namespace {

uint64_t Get(const std::string& s, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

FlowRecord SampleFlow() {
  FlowRecord r;
  const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {192, 168, 1, 2};
  r.src_ip = IpAddress::V4(a);
  r.dst_ip = IpAddress::V4(b);
  r.src_port = 40000;
  r.dst_port = 443;
  r.protocol = 6;
  r.timestamp = 1795799828.894394;
  r.flow_duration = 0.004846;
  r.tot_fwd_pkts = 5;
  r.tot_bwd_pkts = 4;
  r.totlen_fwd_pkts = 600;
  r.totlen_bwd_pkts = 4000;
  r.syn_flag_cnt = 2;
  r.ack_flag_cnt = 8;
  r.fin_flag_cnt = 2;
  r.flow_iat_mean = 0.25;
  r.fwd_pkt_len_max = IntOrZero{true, 1500};
  return r;
}

// The value of field `id` (enterprise `pen`) in a record of template `t`.
uint64_t FieldValue(const IpfixModel& m, uint16_t t, const std::string& record, uint16_t id,
                    uint32_t pen = 0) {
  size_t at = 0;
  for (const IpfixField& f : m.fields(t)) {
    if (f.id == id && f.enterprise == pen) return Get(record, at, f.length);
    at += f.length;
  }
  ADD_FAILURE() << "no field " << id << " in template " << t;
  return 0;
}

// A flow's records, split by their prefixes: (template id, record).
std::vector<std::pair<uint16_t, std::string>> Records(const std::string& encoded) {
  std::vector<std::pair<uint16_t, std::string>> out;
  size_t at = 0;
  while (at < encoded.size()) {
    const auto id = static_cast<uint16_t>(Get(encoded, at, 2));
    const size_t n = Get(encoded, at + 2, 2);
    out.emplace_back(id, encoded.substr(at + 4, n));
    at += 4 + n;
  }
  return out;
}

TEST(IpfixModel, BiflowRecordCarriesTheFlowsStandardElements) {
  IpfixOptions o;
  const IpfixModel m(o, false, false);
  std::string encoded;
  m.AppendFlow(SampleFlow(), EmitReason::kFin, &encoded);
  const auto records = Records(encoded);
  ASSERT_EQ(records.size(), 1u);
  const auto& [t, r] = records[0];
  EXPECT_EQ(t, 256);
  EXPECT_EQ(FieldValue(m, t, r, 8), 0x0A000001u);  // sourceIPv4Address
  EXPECT_EQ(FieldValue(m, t, r, 12), 0xC0A80102u);
  EXPECT_EQ(FieldValue(m, t, r, 7), 40000u);
  EXPECT_EQ(FieldValue(m, t, r, 11), 443u);
  EXPECT_EQ(FieldValue(m, t, r, 4), 6u);
  EXPECT_EQ(FieldValue(m, t, r, 2), 5u);                    // packetDeltaCount
  EXPECT_EQ(FieldValue(m, t, r, 1), 600u);                  // octetDeltaCount
  EXPECT_EQ(FieldValue(m, t, r, 2, kIpfixReversePen), 4u);  // RFC 5103 reverse
  EXPECT_EQ(FieldValue(m, t, r, 1, kIpfixReversePen), 4000u);
  EXPECT_EQ(FieldValue(m, t, r, 6), 0x13u);             // FIN|SYN|ACK
  EXPECT_EQ(FieldValue(m, t, r, 136), 3u);              // end of flow detected
  EXPECT_EQ(FieldValue(m, t, r, 152), 1795799828894u);  // start, ms
  EXPECT_EQ(FieldValue(m, t, r, 153), 1795799828899u);  // end: .894394 + .004846 = .899240
  // Microseconds in NTP format: seconds since 1900, fraction read back to the microsecond.
  for (auto [id, us] : {std::pair{154, 1795799828894394LL}, std::pair{155, 1795799828899240LL}}) {
    const uint64_t ntp = FieldValue(m, t, r, static_cast<uint16_t>(id));
    EXPECT_EQ(ntp >> 32, static_cast<uint64_t>(us / 1000000 + 2208988800LL));
    EXPECT_EQ((ntp & 0x7FF), 0u) << "RFC 7011 6.1.9: the 11 low bits are zero";
    const double fraction = static_cast<double>(ntp & 0xFFFFFFFF) / 4294967296.0;
    EXPECT_EQ(static_cast<int64_t>(fraction * 1e6), us % 1000000);
    EXPECT_EQ(std::llround(fraction * 1e6), us % 1000000);
  }
  EXPECT_TRUE(m.fields(257).size() == m.fields(256).size()) << "IPv6 has the same fields";
}

TEST(IpfixModel, TheDefaultProfilesNanosecondsGoAsTheyAre) {
  const IpfixModel m(IpfixOptions(), false, true);
  FlowRecord flow = SampleFlow();
  flow.first_ns = 1795799828894394500;  // a nanosecond capture: half a microsecond
  flow.last_ns = 1795799828899240001;
  std::string encoded;
  m.AppendFlow(flow, EmitReason::kFin, &encoded);
  const std::string r = Records(encoded)[0].second;
  for (auto [id, ns] : {std::pair{156, flow.first_ns}, std::pair{157, flow.last_ns}}) {
    const uint64_t ntp = FieldValue(m, 256, r, static_cast<uint16_t>(id));
    EXPECT_EQ(ntp >> 32, static_cast<uint64_t>(ns / 1000000000 + 2208988800LL));
    EXPECT_EQ(((ntp & 0xFFFFFFFF) * 1000000000) >> 32, static_cast<uint64_t>(ns % 1000000000))
        << "truncated back to the nanosecond";
  }
  EXPECT_EQ(FieldValue(m, 256, r, 152), 1795799828894u);  // milliseconds: from the nanoseconds
  EXPECT_EQ(FieldValue(m, 256, r, 153), 1795799828899u);
}

TEST(IpfixModel, UniflowGivesAForwardAndAReverseRecord) {
  IpfixOptions o;
  o.uniflow = true;
  const IpfixModel m(o, false, false);
  std::string encoded;
  m.AppendFlow(SampleFlow(), EmitReason::kIdleTimeout, &encoded);
  const auto records = Records(encoded);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].first, 258);
  EXPECT_EQ(records[1].first, 260);
  const std::string& rev = records[1].second;
  EXPECT_EQ(FieldValue(m, 260, rev, 8), 0xC0A80102u) << "the responder is the source";
  EXPECT_EQ(FieldValue(m, 260, rev, 7), 443u);
  EXPECT_EQ(FieldValue(m, 260, rev, 2), 4u);
  EXPECT_EQ(FieldValue(m, 260, rev, 1), 4000u);
  EXPECT_EQ(FieldValue(m, 260, rev, 239), 2u);  // reverseInitiator
  EXPECT_EQ(FieldValue(m, 258, records[0].second, 239), 1u);
  EXPECT_EQ(FieldValue(m, 258, records[0].second, 136), 1u);  // idle timeout

  FlowRecord one_way = SampleFlow();
  one_way.tot_bwd_pkts = 0;
  one_way.totlen_bwd_pkts = 0;
  encoded.clear();
  m.AppendFlow(one_way, EmitReason::kEndOfInput, &encoded);
  EXPECT_EQ(Records(encoded).size(), 1u) << "no reverse record without backward packets";
}

TEST(IpfixModel, EnterpriseElementsAreTheOtherColumnsUnderThePen) {
  IpfixOptions o;
  o.enterprise_number = 32473;
  const IpfixModel with(o, true, false);
  const IpfixModel without(IpfixOptions(), true, false);
  // 82 columns, 10 of them standard, plus the two tunnel columns.
  EXPECT_EQ(with.fields(256).size(), without.fields(256).size() + 72 + 2);
  std::string encoded;
  FlowRecord r = SampleFlow();
  r.tunnel = TunnelTag{TunnelKind::kVxlan, true, 4242};
  with.AppendFlow(r, EmitReason::kFin, &encoded);
  const std::string rec = Records(encoded)[0].second;
  const uint64_t mean = FieldValue(with, 256, rec, 33, 32473);  // flow_iat_mean is column 33
  double d;
  std::memcpy(&d, &mean, 8);
  EXPECT_EQ(d, 0.25);
  EXPECT_EQ(FieldValue(with, 256, rec, 16, 32473), 1500u);  // fwd_pkt_len_max, int-or-0.0
  EXPECT_EQ(FieldValue(with, 256, rec, 17, 32473), 0u) << "no value reads as 0";
  EXPECT_EQ(FieldValue(with, 256, rec, 83, 32473), 1u);  // vxlan
  EXPECT_EQ(FieldValue(with, 256, rec, 84, 32473), 4242u);
  EXPECT_EQ(IpfixElementName("flow_iat_mean"), "flowIatMean");
  const std::string xml = IpfixElementsXml(32473);
  EXPECT_NE(xml.find("<name>flowIatMean</name>"), std::string::npos);
  EXPECT_EQ(xml.find("<name>srcIp</name>"), std::string::npos) << "a standard element covers it";
}

TEST(IpfixModel, EndReasonsFollowIana) {
  EXPECT_EQ(FlowEndReasonOf(EmitReason::kIdleTimeout), 1);
  EXPECT_EQ(FlowEndReasonOf(EmitReason::kActiveTimeout), 2);
  EXPECT_EQ(FlowEndReasonOf(EmitReason::kRst), 3);
  EXPECT_EQ(FlowEndReasonOf(EmitReason::kEndOfInput), 4);
  EXPECT_EQ(FlowEndReasonOf(EmitReason::kEvicted), 5);
}

TEST(IpfixOptions, CollectorsParseAndBadOnesSayWhy) {
  IpfixOptions o;
  ASSERT_TRUE(ParseIpfixCollector("127.0.0.1:4739", &o).ok());
  EXPECT_EQ(o.host, "127.0.0.1");
  EXPECT_EQ(o.port, 4739);
  EXPECT_EQ(o.transport, IpfixTransport::kUdp);
  ASSERT_TRUE(ParseIpfixCollector("[::1]:9995/tcp", &o).ok());
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.transport, IpfixTransport::kTcp);
  for (const char* bad : {"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", ":4739", "::1:4739",
                          "127.0.0.1:47a", "127.0.0.1:4739/sctp", "[::1:4739"}) {
    EXPECT_FALSE(ParseIpfixCollector(bad, &o).ok()) << bad;
  }
  IpfixOptions v;
  v.host = "127.0.0.1";
  EXPECT_TRUE(ValidateIpfixOptions(v, false).ok());
  v.mtu = 100;
  EXPECT_FALSE(ValidateIpfixOptions(v, false).ok());
  v.mtu = 1472;
  v.enterprise_number = kIpfixReversePen;
  EXPECT_FALSE(ValidateIpfixOptions(v, false).ok());
  v.enterprise_number.reset();
  v.host = "no-such-host.invalid";
  const absl::Status s = ValidateIpfixOptions(v, false);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no-such-host.invalid"), std::string::npos);
}

// A UDP collector on 127.0.0.1: the datagrams it received.
class UdpCollector {
 public:
  UdpCollector() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t n = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &n);
    port_ = ntohs(a.sin_port);
  }
  ~UdpCollector() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  uint16_t port() const { return port_; }
  std::vector<std::string> Receive() {
    std::vector<std::string> got;
    char buf[70000];
    pollfd p{fd_, POLLIN, 0};
    while (poll(&p, 1, 50) > 0) {
      const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.emplace_back(buf, static_cast<size_t>(n));
    }
    return got;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// Walks a message: checks its header and set lengths, counts data records
// by the templates seen so far.
struct Walk {
  std::map<uint16_t, size_t> record_bytes;  // template id -> record length
  uint64_t records = 0;
  std::vector<uint32_t> sequences;
  void Message(const std::string& m) {
    ASSERT_GE(m.size(), 16u);
    EXPECT_EQ(Get(m, 0, 2), 10u);
    EXPECT_EQ(Get(m, 2, 2), m.size());
    EXPECT_EQ(Get(m, 12, 4), 7u) << "observation domain";
    sequences.push_back(static_cast<uint32_t>(Get(m, 8, 4)));
    size_t at = 16;
    while (at < m.size()) {
      const uint16_t id = static_cast<uint16_t>(Get(m, at, 2));
      const size_t length = Get(m, at + 2, 2);
      ASSERT_GE(length, 4u);
      ASSERT_LE(at + length, m.size());
      if (id == 2) {
        size_t t = at + 4;
        while (t < at + length) {
          const auto tid = static_cast<uint16_t>(Get(m, t, 2));
          const size_t fields = Get(m, t + 2, 2);
          size_t bytes = 0;
          t += 4;
          for (size_t f = 0; f < fields; ++f) {
            const bool enterprise = (Get(m, t, 2) & 0x8000) != 0;
            bytes += Get(m, t + 2, 2);
            t += enterprise ? 8 : 4;
          }
          record_bytes[tid] = bytes;
        }
      } else {
        ASSERT_TRUE(record_bytes.count(id)) << "data before its template";
        EXPECT_EQ((length - 4) % record_bytes[id], 0u) << "whole records only";
        records += (length - 4) / record_bytes[id];
      }
      at += length;
    }
  }
};

TEST(IpfixExporter, UdpMessagesStayWithinTheMtuAndCountEveryRecord) {
  UdpCollector collector;
  IpfixOptions o;
  o.host = "127.0.0.1";
  o.port = collector.port();
  o.observation_domain = 7;
  o.enterprise_number = 32473;
  auto exporter = IpfixExporter::Open(o, false, false);
  ASSERT_TRUE(exporter.ok()) << exporter.status();
  std::string encoded;
  (*exporter)->model().AppendFlow(SampleFlow(), EmitReason::kFin, &encoded);
  for (int i = 0; i < 25; ++i) (*exporter)->Add(encoded);
  ASSERT_TRUE((*exporter)->Flush().ok());
  Walk walk;
  uint32_t expected_sequence = 0;
  for (const std::string& m : collector.Receive()) {
    EXPECT_LE(m.size(), 1472u);
    const uint64_t before = walk.records;
    walk.Message(m);
    EXPECT_EQ(walk.sequences.back(), expected_sequence) << "records sent before this message";
    expected_sequence += static_cast<uint32_t>(walk.records - before);
  }
  EXPECT_EQ(walk.records, 25u);
  const IpfixCounts c = (*exporter)->counts();
  EXPECT_EQ(c.records_exported, 25u);
  EXPECT_EQ(c.flows_exported, 25u);
  EXPECT_EQ(c.records_dropped, 0u);
}

TEST(IpfixExporter, UdpToAClosedPortCountsEveryRecordDropped) {
  UdpCollector collector;
  const uint16_t port = collector.port();
  collector.Close();  // the port is closed: the host answers "port unreachable"
  IpfixOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  auto exporter = IpfixExporter::Open(o, false, false);
  ASSERT_TRUE(exporter.ok());
  std::string encoded;
  (*exporter)->model().AppendFlow(SampleFlow(), EmitReason::kFin, &encoded);
  for (int i = 0; i < 100; ++i) {
    (*exporter)->Add(encoded);
    if (i % 10 == 9) (*exporter)->Poll();
  }
  const absl::Status s = (*exporter)->Flush();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  const IpfixCounts c = (*exporter)->counts();
  EXPECT_EQ(c.records_dropped, 100u);
  EXPECT_EQ(c.records_exported, 0u);
  EXPECT_NE(c.first_error.find("Connection refused"), std::string::npos) << c.first_error;
}

// ConvertFiles' files at once share one exporter: records from several
// threads all arrive, whole, in one sequence (tsan runs this too).
TEST(IpfixExporter, SeveralThreadsShareOneSession) {
  UdpCollector collector;
  IpfixOptions o;
  o.host = "127.0.0.1";
  o.port = collector.port();
  o.observation_domain = 7;
  auto exporter = IpfixExporter::Open(o, false, false);
  ASSERT_TRUE(exporter.ok());
  std::string encoded;
  (*exporter)->model().AppendFlow(SampleFlow(), EmitReason::kFin, &encoded);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        (*exporter)->Add(encoded);
        if (i % 50 == 0) (*exporter)->Poll();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_TRUE((*exporter)->Flush().ok());
  Walk walk;
  uint32_t expected_sequence = 0;
  for (const std::string& m : collector.Receive()) {
    const uint64_t before = walk.records;
    walk.Message(m);
    EXPECT_EQ(walk.sequences.back(), expected_sequence);
    expected_sequence += static_cast<uint32_t>(walk.records - before);
  }
  EXPECT_EQ(walk.records, 800u);
  EXPECT_EQ((*exporter)->counts().records_exported, 800u);
}

// A TCP collector that comes up late: the exporter connects once it is
// there and delivers everything, templates first.
TEST(IpfixExporter, TcpReconnectsAndDeliversWhatWasBuffered) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t n = sizeof(a);
  getsockname(listener, reinterpret_cast<sockaddr*>(&a), &n);
  IpfixOptions o;
  o.host = "127.0.0.1";
  o.port = ntohs(a.sin_port);
  o.transport = IpfixTransport::kTcp;
  o.observation_domain = 7;
  auto exporter = IpfixExporter::Open(o, false, false);  // not listening yet: refused, retried
  ASSERT_TRUE(exporter.ok());
  std::string encoded;
  (*exporter)->model().AppendFlow(SampleFlow(), EmitReason::kFin, &encoded);
  for (int i = 0; i < 50; ++i) (*exporter)->Add(encoded);
  (*exporter)->Poll();
  ASSERT_EQ(listen(listener, 1), 0);
  std::string stream;
  std::thread reader([&] {
    const int c = accept(listener, nullptr, nullptr);
    char buf[65536];
    ssize_t got;
    while ((got = read(c, buf, sizeof(buf))) > 0) stream.append(buf, static_cast<size_t>(got));
    close(c);
  });
  ASSERT_TRUE((*exporter)->Flush().ok());
  exporter->reset();  // closes the connection: the reader sees its end
  reader.join();
  close(listener);
  Walk walk;
  size_t at = 0;
  while (at + 4 <= stream.size()) {
    const size_t length = Get(stream, at + 2, 2);
    walk.Message(stream.substr(at, length));
    at += length;
  }
  EXPECT_EQ(at, stream.size());
  EXPECT_EQ(walk.records, 50u);
  EXPECT_EQ(walk.sequences.front(), 0u);
}

}  // namespace
}  // namespace netflower
