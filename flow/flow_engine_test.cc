// Flow table, direction, expiry, termination and sweep rules (FLOW-RULES §5).
#include "flow/flow_engine.h"

#include <gtest/gtest.h>

#include "tests/testing/engine_harness.h"

namespace netflower {
namespace {

using testing::At;
using testing::EngineHarness;
using testing::F;
using testing::Tcp;
using testing::Udp;

constexpr uint16_t kSyn = 0x02, kAck = 0x10, kFin = 0x01, kRst = 0x04;

std::string Src(const FlowRecord& r) { return IpAddressToString(r.src_ip); }

// §13 "Sweep boundary" (gc_interval 1).
TEST(Engine, SweepBoundaryPython) {
  EngineHarness<PythonProfile> h(120.0, 1);
  h.Feed(At{10}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  h.Feed(At{130}, Udp("10.0.0.3", 1, "10.0.0.4", 2));
  h.Feed(At{130}, Udp("10.0.0.2", 2, "10.0.0.1", 1));
  h.End();
  ASSERT_EQ(h.rows.size(), 3u);
  EXPECT_EQ(Src(h.rows[0].record), "10.0.0.1");
  EXPECT_EQ(h.rows[0].tag.kind, EmitKind::kSweep);
  EXPECT_EQ(h.rows[0].tag.event_packet, 2u);
  EXPECT_EQ(Src(h.rows[1].record), "10.0.0.3");
  EXPECT_EQ(Src(h.rows[2].record), "10.0.0.2");  // re-oriented after expiry
}

TEST(Engine, SweepBoundaryDefault) {
  EngineHarness<DefaultProfile> h(120.0, 1);
  h.Feed(At{10}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  h.Feed(At{130}, Udp("10.0.0.3", 1, "10.0.0.4", 2));
  h.Feed(At{130}, Udp("10.0.0.2", 2, "10.0.0.1", 1));
  h.End();
  ASSERT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(Src(h.rows[0].record), "10.0.0.1");
  EXPECT_EQ(h.rows[0].record.tot_fwd_pkts, 1);
  EXPECT_EQ(h.rows[0].record.tot_bwd_pkts, 1);
  EXPECT_EQ(Src(h.rows[1].record), "10.0.0.3");
}

// §13 "TCP close".
TEST(Engine, TcpClosePythonLeavesAnAppendixFlow) {
  EngineHarness<PythonProfile> h;
  h.Feed(At{1, 0}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kSyn));
  h.Feed(At{1, 1}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kSyn | kAck));
  h.Feed(At{1, 2}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kAck));
  h.Feed(At{1, 3}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kFin | kAck));
  h.Feed(At{1, 4}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kFin | kAck));
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0].record.tot_fwd_pkts + h.rows[0].record.tot_bwd_pkts, 5);
  EXPECT_EQ(h.rows[0].tag.event_packet, 5u);
  h.Feed(At{1, 5}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kAck));
  h.End();
  ASSERT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(h.rows[1].record.tot_fwd_pkts, 1);
  EXPECT_EQ(Src(h.rows[1].record), "10.0.0.1");
  EXPECT_EQ(h.rows[1].tag.kind, EmitKind::kEnd);
}

TEST(Engine, TcpCloseDefaultNoAppendixLatePacketsAndSynReuse) {
  EngineHarness<DefaultProfile> h;
  h.Feed(At{1, 0}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kSyn));
  h.Feed(At{1, 1}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kSyn | kAck));
  h.Feed(At{1, 2}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kAck));
  h.Feed(At{1, 3}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kFin | kAck));
  h.Feed(At{1, 4}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kFin | kAck));
  // A second FIN from the side that sent the last one does not end it.
  h.Feed(At{1, 5}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kFin | kAck));
  EXPECT_TRUE(h.rows.empty());
  h.Feed(At{1, 6}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kAck));  // final ACK
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0].record.tot_fwd_pkts + h.rows[0].record.tot_bwd_pkts, 7);
  EXPECT_EQ(h.rows[0].tag.event_packet, 7u);
  EXPECT_EQ(h.rows[0].tag.kind, EmitKind::kPacket);
  // A retransmitted FIN/ACK 1 s later is late: no row.
  h.Feed(At{2, 4}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kFin | kAck));
  EXPECT_EQ(h.engine().counters().late_packets, 1u);
  EXPECT_EQ(h.engine().open_flows(), 0u);
  // A SYN on the same ports starts a new flow.
  h.Feed(At{3}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kSyn));
  h.End();
  ASSERT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(h.rows[1].record.syn_flag_cnt, 1);
  EXPECT_EQ(h.engine().counters().late_packets, 1u);
}

TEST(Engine, DefaultLateMemoryExpiresAfterIdleTimeout) {
  EngineHarness<DefaultProfile> h(10.0);
  h.Feed(At{1}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kAck));
  h.Feed(At{2}, Tcp("10.0.0.2", 2, "10.0.0.1", 1, kRst));
  ASSERT_EQ(h.rows.size(), 1u);
  h.Feed(At{11, 999999}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kAck));  // 9.999999 s: late
  EXPECT_EQ(h.engine().counters().late_packets, 1u);
  h.Feed(At{12}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kAck));  // 10 s: a new flow
  h.End();
  EXPECT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(h.engine().counters().late_packets, 1u);
}

TEST(Engine, RstEndsAtOnceEvenOnTheFirstPacket) {
  EngineHarness<PythonProfile> p;
  p.Feed(At{5}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kRst));
  ASSERT_EQ(p.rows.size(), 1u);
  EXPECT_EQ(p.rows[0].record.rst_flag_cnt, 1);
  // netflower 1.0: a late packet after a RST starts a new flow.
  p.Feed(At{6}, Tcp("10.0.0.2", 2, "10.0.0.1", 1, kAck));
  p.End();
  EXPECT_EQ(p.rows.size(), 2u);

  EngineHarness<DefaultProfile> d;
  d.Feed(At{5}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kRst));
  d.Feed(At{6}, Tcp("10.0.0.2", 2, "10.0.0.1", 1, kAck));
  d.End();
  EXPECT_EQ(d.rows.size(), 1u);
}

TEST(Engine, FinFromOneSideDoesNotEndTheFlow) {
  EngineHarness<PythonProfile> h;
  h.Feed(At{1}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kFin | kAck));
  h.Feed(At{2}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kFin | kAck));
  h.Feed(At{3}, Tcp("10.0.0.2", 2, "10.0.0.1", 1, kAck));
  EXPECT_TRUE(h.rows.empty());
  h.Feed(At{4}, Tcp("10.0.0.2", 2, "10.0.0.1", 1, kFin));
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0].record.fin_flag_cnt, 3);
}

TEST(Engine, DirectionAndReorientationAfterIdleExpiry) {
  for (int python = 0; python < 2; ++python) {
    auto run = [&](auto& h) {
      h.Feed(At{100}, Udp("10.0.0.1", 5000, "10.0.0.9", 53));
      h.Feed(At{101}, Udp("10.0.0.9", 53, "10.0.0.1", 5000));
      h.Feed(At{300}, Udp("10.0.0.9", 53, "10.0.0.1", 5000));  // server first after timeout
      h.End();
      ASSERT_EQ(h.rows.size(), 2u);
      EXPECT_EQ(h.rows[0].record.tot_bwd_pkts, 1);
      EXPECT_EQ(h.rows[0].tag.kind, EmitKind::kPacket);
      EXPECT_EQ(h.rows[0].tag.event_packet, 3u);
      EXPECT_EQ(Src(h.rows[1].record), "10.0.0.9");
      EXPECT_EQ(h.rows[1].record.src_port, 53);
    };
    if (python) {
      EngineHarness<PythonProfile> h;
      run(h);
    } else {
      EngineHarness<DefaultProfile> h;
      run(h);
    }
  }
}

TEST(Engine, SelfAddressedPacketsAreForward) {
  EngineHarness<DefaultProfile> h;
  h.Feed(At{1}, Udp("10.0.0.1", 7, "10.0.0.1", 7));
  h.Feed(At{2}, Udp("10.0.0.1", 7, "10.0.0.1", 7));
  h.End();
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0].record.tot_fwd_pkts, 2);
}

TEST(Engine, ProtocolAndFamilyArePartOfTheKey) {
  EngineHarness<DefaultProfile> h;
  h.Feed(At{1}, Udp("10.0.0.1", 7, "10.0.0.2", 8));
  h.Feed(At{1}, Tcp("10.0.0.1", 7, "10.0.0.2", 8, kAck));
  h.Feed(At{1}, Udp("::a00:1", 7, "::a00:2", 8));
  h.End();
  EXPECT_EQ(h.rows.size(), 3u);
}

// Insertion order at end of input; a flow re-created after expiry counts
// from its re-creation.
TEST(Engine, EndOfInputInInsertionOrder) {
  EngineHarness<DefaultProfile> h(50.0);
  h.Feed(At{1}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  h.Feed(At{2}, Udp("10.0.0.3", 1, "10.0.0.4", 2));
  h.Feed(At{100}, Udp("10.0.0.1", 1, "10.0.0.2", 2));  // expires the first, re-created
  h.Feed(At{101}, Udp("10.0.0.5", 1, "10.0.0.6", 2));
  h.End();
  ASSERT_EQ(h.rows.size(), 4u);
  EXPECT_EQ(h.rows[0].tag.first_packet, 1u);
  EXPECT_EQ(Src(h.rows[1].record), "10.0.0.3");
  EXPECT_EQ(Src(h.rows[2].record), "10.0.0.1");
  EXPECT_EQ(h.rows[2].tag.first_packet, 3u);
  EXPECT_EQ(Src(h.rows[3].record), "10.0.0.5");
  for (size_t i = 1; i < h.rows.size(); ++i) EXPECT_TRUE(h.rows[i - 1].tag < h.rows[i].tag);
}

// One packet expires an old flow and terminates the new one it starts: the
// old one comes first.
TEST(Engine, ExpiryBeforeTerminationAtTheSamePacket) {
  EngineHarness<PythonProfile> h(10.0);
  h.Feed(At{1}, Tcp("10.0.0.1", 1, "10.0.0.2", 2, kAck));
  h.Feed(At{20}, Tcp("10.0.0.2", 2, "10.0.0.1", 1, kRst));
  ASSERT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(h.rows[0].tag.first_packet, 1u);
  EXPECT_EQ(h.rows[1].tag.first_packet, 2u);
  EXPECT_EQ(h.rows[0].tag.event_packet, h.rows[1].tag.event_packet);
}

// In the default profile the rows do not depend on gc_interval.
TEST(Engine, DefaultRowsIndependentOfGcInterval) {
  auto run = [](uint64_t gc) {
    EngineHarness<DefaultProfile> h(30.0, gc);
    for (int i = 0; i < 400; ++i) {
      const std::string a = "10.0.0." + std::to_string(i % 13);
      h.Feed(At{i * 3, (i * 7919) % 1000000},
             Udp(a, static_cast<uint16_t>(1000 + i % 5), "10.9.9.9", 53));
    }
    h.End();
    std::vector<std::string> rows;
    for (auto& r : h.rows) rows.push_back(CsvRow(r.record, false));
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  const auto base = run(1);
  EXPECT_GT(base.size(), 13u);
  EXPECT_EQ(run(7), base);
  EXPECT_EQ(run(1000), base);
}

TEST(Engine, IdleExpiryBoundaryIsStrictOnArrival) {
  EngineHarness<PythonProfile> p(120.0);
  p.Feed(At{10}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  p.Feed(At{130}, Udp("10.0.0.1", 1, "10.0.0.2", 2));     // exactly 120: same flow
  p.Feed(At{250, 1}, Udp("10.0.0.1", 1, "10.0.0.2", 2));  // > 120: new flow
  p.End();
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].record.tot_fwd_pkts, 2);
}

TEST(Engine, DurationCap) {
  EngineHarness<DefaultProfile> h(120.0, 1, /*cap=*/10.0);
  h.Feed(At{0}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  h.Feed(At{5}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  h.Feed(At{10}, Udp("10.0.0.1", 1, "10.0.0.2", 2));     // 10 s: not yet (strict)
  h.Feed(At{10, 1}, Udp("10.0.0.1", 1, "10.0.0.2", 2));  // capped on arrival
  EXPECT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(h.rows[0].record.tot_fwd_pkts, 3);
  // A sweep emits a capped flow without its next packet.
  h.Feed(At{25}, Udp("10.0.0.7", 1, "10.0.0.8", 2));
  ASSERT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(h.rows[1].tag.kind, EmitKind::kSweep);
  EXPECT_EQ(h.engine().counters().emitted_by_reason[static_cast<int>(EmitReason::kActiveTimeout)],
            2u);
  h.End();
}

// Flows whose timestamps go backwards still expire in sweeps.
TEST(Engine, SweepsHandleTimeGoingBackwards) {
  EngineHarness<DefaultProfile> h(10.0, 1);
  h.Feed(At{100}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  h.Feed(At{50}, Udp("10.0.0.1", 1, "10.0.0.2", 2));  // latest time moves back to 50
  h.Feed(At{70}, Udp("10.0.0.3", 1, "10.0.0.4", 2));  // sweep at 70: 70 - 50 > 10
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(Src(h.rows[0].record), "10.0.0.1");
  EXPECT_EQ(F(h.rows[0].record.flow_duration), "-50.0");
  EXPECT_EQ(F(h.rows[0].record.flow_byts_s), "0.0");
  h.End();
}

TEST(Engine, ManyFlowsStress) {
  EngineHarness<DefaultProfile> h(5.0, 100);
  for (int i = 0; i < 20000; ++i) {
    const int a = i % 3000;
    h.Feed(At{i / 1000, i % 1000},
           Udp("10." + std::to_string(a / 256) + "." + std::to_string(a % 256) + ".1",
               static_cast<uint16_t>(i % 7), "192.168.0.1", 53));
  }
  h.End();
  uint64_t packets = 0;
  for (auto& r : h.rows) packets += r.record.tot_fwd_pkts + r.record.tot_bwd_pkts;
  EXPECT_EQ(packets, 20000u);
  for (size_t i = 1; i < h.rows.size(); ++i) EXPECT_TRUE(h.rows[i - 1].tag < h.rows[i].tag);
  EXPECT_EQ(h.engine().open_flows(), 0u);
}

}  // namespace
}  // namespace netflower

namespace netflower {
namespace {

// A full table evicts the least recently active flow: emitted at once,
// counted, and every packet still belongs to exactly one row.
// docs/DECODING.md, "Tunnels": a flow keeps its first packet's tunnel (the
// netflower-tunnel columns); packets of the same inner 5-tuple in another
// tunnel join it. Without keep_tunnel the record has none.
TEST(Engine, AFlowKeepsItsFirstPacketsTunnel) {
  using testing::Bytes;
  const Bytes inner = Udp("10.0.0.1", 1000, "10.0.0.2", 53);
  const Bytes reply = Udp("10.0.0.2", 53, "10.0.0.1", 1000);
  auto vxlan = [](uint32_t vni, const Bytes& ip) {
    return testing::OuterUdp("172.16.0.1", 40000, "172.16.0.2", 4789,
                             testing::VxlanHeader(vni, testing::Ethernet(ip)));
  };
  for (bool keep : {true, false}) {
    EngineHarness<DefaultProfile> h(120.0, 1000, -1, 0, keep);
    h.Feed(At{1}, vxlan(7, inner));
    h.Feed(At{2}, vxlan(8, reply));  // another VNI, the same inner flow
    h.Feed(At{3}, Udp("10.0.0.3", 1, "10.0.0.4", 2));
    h.Feed(At{4},
           testing::OuterIp("172.16.0.1", "172.16.0.2", 4, Udp("10.0.0.5", 1, "10.0.0.6", 2)));
    h.End();
    ASSERT_EQ(h.rows.size(), 3u);
    EXPECT_EQ(h.rows[0].record.tot_fwd_pkts + h.rows[0].record.tot_bwd_pkts, 2);
    const TunnelTag vxlan7{TunnelKind::kVxlan, true, 7};
    const TunnelTag ipip{TunnelKind::kIpInIp, false, 0};
    EXPECT_EQ(h.rows[0].record.tunnel, keep ? vxlan7 : TunnelTag());
    EXPECT_EQ(h.rows[1].record.tunnel, TunnelTag{});
    EXPECT_EQ(h.rows[2].record.tunnel, keep ? ipip : TunnelTag());
  }
}

TEST(Engine, MaxFlowsEvictsTheLeastRecentlyActiveFlow) {
  EngineHarness<DefaultProfile> h(120.0, 1000000, -1, /*max_flows=*/3);
  h.Feed(At{1}, Udp("10.0.0.1", 1, "10.0.0.9", 9));
  h.Feed(At{2}, Udp("10.0.0.2", 1, "10.0.0.9", 9));
  h.Feed(At{3}, Udp("10.0.0.3", 1, "10.0.0.9", 9));
  h.Feed(At{4}, Udp("10.0.0.1", 1, "10.0.0.9", 9));  // .1 is now the most recent
  h.Feed(At{5}, Udp("10.0.0.4", 1, "10.0.0.9", 9));  // full: evicts .2
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(Src(h.rows[0].record), "10.0.0.2");
  EXPECT_EQ(h.rows[0].tag.event_packet, 5u);
  h.Feed(At{6}, Udp("10.0.0.5", 1, "10.0.0.9", 9));  // evicts .3
  ASSERT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(Src(h.rows[1].record), "10.0.0.3");
  EXPECT_EQ(h.engine().open_flows(), 3u);
  EXPECT_EQ(h.engine().counters().emitted_by_reason[static_cast<int>(EmitReason::kEvicted)], 2u);
  h.End();
  uint64_t packets = 0;
  for (auto& r : h.rows) packets += r.record.tot_fwd_pkts;
  EXPECT_EQ(packets, 6u);
}

// Out-of-order times: eviction still picks the flow with the oldest last packet.
TEST(Engine, MaxFlowsWithTimeGoingBackwards) {
  EngineHarness<PythonProfile> h(120.0, 1000000, -1, /*max_flows=*/2);
  h.Feed(At{10}, Udp("10.0.0.1", 1, "10.0.0.9", 9));
  h.Feed(At{20}, Udp("10.0.0.2", 1, "10.0.0.9", 9));
  h.Feed(At{5}, Udp("10.0.0.2", 1, "10.0.0.9", 9));  // .2's last packet is now older than .1's
  h.Feed(At{30}, Udp("10.0.0.3", 1, "10.0.0.9", 9));
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(Src(h.rows[0].record), "10.0.0.2");
  h.End();
}

// §14 "Interim reports": a 60 s flow with a packet a second and an interim
// period of 10 s is reported, still open, at the first packet more than 10 s
// after its last report (11, 22, 33, 44, 55 s): 5 interim rows whose counts
// grow, then its final row, equal to the run's without interim reports.
TEST(Engine, InterimReportsAtPacketsLeaveTheFinalRowAlone) {
  auto run = [](double interim) {
    EngineHarness<DefaultProfile> h(120.0, 1000, -1, 0, false, interim);
    for (int64_t t = 0; t <= 60; ++t) {
      h.Feed(At{t},
             t % 2 == 0 ? Udp("10.0.0.1", 1, "10.0.0.2", 2) : Udp("10.0.0.2", 2, "10.0.0.1", 1));
    }
    h.End();
    return h.rows;
  };
  const auto plain = run(-1);
  const auto rows = run(10);
  ASSERT_EQ(plain.size(), 1u);
  ASSERT_EQ(rows.size(), 6u);
  int64_t packets = 0;
  for (size_t i = 0; i < 5; ++i) {
    const FlowRecord& r = rows[i].record;
    EXPECT_EQ(r.export_reason, ExportReason::kInterim);
    EXPECT_EQ(rows[i].tag.reason, EmitReason::kInterim);
    EXPECT_EQ(rows[i].tag.kind, EmitKind::kPacket);
    EXPECT_EQ(r.tot_fwd_pkts + r.tot_bwd_pkts, 11 * static_cast<int64_t>(i + 1) + 1);
    EXPECT_GT(r.tot_fwd_pkts + r.tot_bwd_pkts, packets);
    packets = r.tot_fwd_pkts + r.tot_bwd_pkts;
    EXPECT_EQ(r.flow_duration, 11.0 * static_cast<double>(i + 1));
  }
  EXPECT_EQ(rows[5].record.export_reason, ExportReason::kEnd);
  EXPECT_EQ(plain[0].record.export_reason, ExportReason::kEnd);
  for (size_t c = 0; c < kColumnCount; ++c) {
    EXPECT_EQ(GetColumn(rows[5].record, c), GetColumn(plain[0].record, c)) << kColumns[c].name;
  }
}

// A sweep reports a silent flow whose last report is older than the period;
// a flow that expires in the same sweep gets its final row only.
TEST(Engine, InterimReportsAtSweepsAndNotBesideAnEnd) {
  EngineHarness<DefaultProfile> h(/*idle_timeout=*/30.0, /*gc_interval=*/1, -1, 0, false,
                                  /*interim=*/10);
  h.Feed(At{0}, Udp("10.0.0.1", 1, "10.0.0.2", 2));   // A
  h.Feed(At{5}, Udp("10.0.0.3", 1, "10.0.0.4", 2));   // B
  h.Feed(At{15}, Udp("10.0.0.5", 1, "10.0.0.6", 2));  // C; the sweep finds A due (15 > 10)
  ASSERT_EQ(h.rows.size(), 1u);
  EXPECT_EQ(Src(h.rows[0].record), "10.0.0.1");
  EXPECT_EQ(h.rows[0].record.export_reason, ExportReason::kInterim);
  EXPECT_EQ(h.rows[0].tag.kind, EmitKind::kSweep);
  EXPECT_EQ(h.rows[0].tag.event_packet, 3u);
  h.Feed(At{25}, Udp("10.0.0.3", 1, "10.0.0.4", 2));  // B due by its packet (20 > 10); A not (10)
  ASSERT_EQ(h.rows.size(), 2u);
  EXPECT_EQ(Src(h.rows[1].record), "10.0.0.3");
  EXPECT_EQ(h.rows[1].tag.kind, EmitKind::kPacket);
  EXPECT_EQ(h.rows[1].record.tot_fwd_pkts, 2);
  // At 31 C's packet finds C due (31 - 15 > 10); the sweep after it finds A
  // both idle (31 - 0 > 30) and due (31 - 15 > 10): one row for A, idle.
  h.Feed(At{31}, Udp("10.0.0.5", 1, "10.0.0.6", 2));
  ASSERT_EQ(h.rows.size(), 4u);
  EXPECT_EQ(Src(h.rows[2].record), "10.0.0.5");
  EXPECT_EQ(h.rows[2].record.export_reason, ExportReason::kInterim);
  EXPECT_EQ(Src(h.rows[3].record), "10.0.0.1");
  EXPECT_EQ(h.rows[3].record.export_reason, ExportReason::kIdle);
  EXPECT_TRUE(h.rows[2].tag < h.rows[3].tag);
  EXPECT_EQ(h.engine().counters().emitted_by_reason[static_cast<int>(EmitReason::kInterim)], 3u);
  EXPECT_EQ(h.engine().counters().flows_emitted, 1u);
  h.End();
  ASSERT_EQ(h.rows.size(), 6u);  // B and C, open at the end
  EXPECT_EQ(h.rows[4].record.export_reason, ExportReason::kEnd);
  EXPECT_EQ(h.rows[5].record.export_reason, ExportReason::kEnd);
}

// docs/COLUMNS.md, "--splt N": a flow keeps its first N packets, signed by
// direction, with the gap to the flow's previous packet (0 first) and the
// TCP flags; later packets and other flows do not change them.
TEST(Engine, SpltKeepsTheFirstNPackets) {
  EngineHarness<DefaultProfile> h(120.0, 1000, -1, 0, false, -1, /*splt=*/3);
  h.Feed(At{1000, 0}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kSyn));
  h.Feed(At{1000, 5}, Udp("10.0.0.3", 1, "10.0.0.4", 2));
  h.Feed(At{1000, 1500}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kSyn | kAck));
  h.Feed(At{1000, 1501}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kAck));
  h.Feed(At{1000, 9000}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kFin | kAck));  // 4th: not kept
  h.End();
  ASSERT_EQ(h.rows.size(), 2u);
  const std::vector<SpltPacket>& tcp = h.rows[0].record.splt;
  ASSERT_EQ(tcp.size(), 3u);
  EXPECT_EQ(tcp[0], (SpltPacket{40, kSyn, 0}));
  EXPECT_EQ(tcp[1], (SpltPacket{-40, kSyn | kAck, 1500000}));
  EXPECT_EQ(tcp[2], (SpltPacket{40, kAck, 1000}));
  ASSERT_EQ(h.rows[1].record.splt.size(), 1u);
  EXPECT_EQ(h.rows[1].record.splt[0].ip_length, 28);
  EXPECT_TRUE(h.rows[1].record.splt[0].tcp_flags == 0);
}

// FLOW-RULES §16: with a dissector every row has labels: an interim row
// what nDPI has so far (no guess), the final row nDPI's guess from the
// port for a flow it could not read; without one, none.
TEST(Engine, DpiLabelsEveryRowInterimWithoutTheGuess) {
  auto dissector = AppDissector::Create();
  ASSERT_TRUE(dissector.ok());
  EngineHarness<DefaultProfile> h(120.0, 1000, -1, 0, false, /*interim=*/1, 0, dissector->get());
  h.Feed(At{1000, 0}, Udp("10.0.0.1", 40000, "10.0.0.2", 53, 3));
  h.Feed(At{1002, 0}, Udp("10.0.0.1", 40000, "10.0.0.2", 53, 3));  // finds it due: interim
  h.End();
  ASSERT_EQ(h.rows.size(), 2u);
  ASSERT_EQ(h.rows[0].record.export_reason, ExportReason::kInterim);
  ASSERT_NE(h.rows[0].record.app, nullptr);
  EXPECT_EQ(h.rows[0].record.app->application_name, "Unknown");
  ASSERT_NE(h.rows[1].record.app, nullptr);
  EXPECT_EQ(h.rows[1].record.app->application_name, "DNS");
  EXPECT_EQ(h.rows[1].record.app->application_confidence, "Match by port");

  EngineHarness<DefaultProfile> plain;
  plain.Feed(At{1000, 0}, Udp("10.0.0.1", 40000, "10.0.0.2", 53, 3));
  plain.End();
  ASSERT_EQ(plain.rows.size(), 1u);
  EXPECT_EQ(plain.rows[0].record.app, nullptr);
}

// Every end has its name in export_reason (kPacketLimit writes "end").
TEST(Engine, ExportReasonNamesTheEnd) {
  EngineHarness<DefaultProfile> h(10.0, 1, /*cap=*/100);
  h.Feed(At{0}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, kSyn));
  h.Feed(At{1}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, kRst));
  h.Feed(At{2}, Udp("10.0.0.3", 1, "10.0.0.4", 2));
  h.Feed(At{20}, Udp("10.0.0.5", 1, "10.0.0.6", 2));  // the sweep: .3 idle
  for (int64_t t = 21; t <= 130; t += 5) h.Feed(At{t}, Udp("10.0.0.5", 1, "10.0.0.6", 2));
  h.End();
  ASSERT_GE(h.rows.size(), 3u);
  EXPECT_EQ(h.rows[0].record.export_reason, ExportReason::kRst);
  EXPECT_EQ(h.rows[1].record.export_reason, ExportReason::kIdle);
  EXPECT_EQ(h.rows[2].record.export_reason, ExportReason::kActive);
  EXPECT_EQ(h.rows.back().record.export_reason, ExportReason::kEnd);
}

}  // namespace
}  // namespace netflower
