// CICFlowMeter's per-flow arithmetic (docs/CIC.md, "Statistics", "Quirks"),
// with values worked out by hand below each case.
#include "features/cic_flow.h"

#include <cmath>

#include "features/java_stats.h"
#include "gtest/gtest.h"

namespace netflower {
namespace {

TEST(JavaStatsTest, MeanIsTheIncrementalFirstMomentNotSumOverN) {
  // CICFlowMeter's test capture, first flow: 192 forward packets, 714 bytes,
  // of which 190 carry 0 bytes and two carry 212 and 502. Its output says
  // Fwd Packet Length Mean 3.7187499999999996 and Avg Fwd Segment Size
  // (sum / n) 3.71875.
  JavaStats s;
  for (int i = 0; i < 192; ++i) s.Add(i == 5 ? 212.0 : i == 9 ? 502.0 : 0.0);
  EXPECT_EQ(s.sum(), 714.0);
  EXPECT_EQ(s.sum() / 192, 3.71875);
  EXPECT_NE(s.mean(), 3.71875);  // the first moment drifts in the last bits
  EXPECT_EQ(s.n(), 192);
}

TEST(JavaStatsTest, EmptyAndSingleValues) {
  JavaStats s;
  EXPECT_TRUE(std::isnan(s.mean()));
  EXPECT_TRUE(std::isnan(s.min()));
  EXPECT_TRUE(std::isnan(s.std()));
  s.Add(5.0);
  EXPECT_EQ(s.mean(), 5.0);
  EXPECT_EQ(s.std(), 0.0);       // one value: 0, not NaN
  EXPECT_EQ(s.variance(), 0.0);  // bias-corrected needs two
  s.Add(7.0);
  EXPECT_EQ(s.variance(), 2.0);  // ((5-6)^2 + (7-6)^2) / (2-1)
  EXPECT_EQ(s.std(), std::sqrt(2.0));
}

IpAddress V4(uint8_t last) {
  IpAddress ip;
  ip.family = 4;
  ip.bytes[0] = 10;
  ip.bytes[3] = last;
  return ip;
}

// Times are µs after 2001-09-09 01:46:40 UTC.
constexpr int64_t kBase = 1000000000000000;

CicPacketInfo Packet(int64_t t, int64_t payload, uint16_t flags, int32_t window) {
  return CicPacketInfo{kBase + t, payload, 20, flags, window};
}

// SYN (fwd) at 0, SYN-ACK (bwd) at 100 µs, data 100 B (fwd) at 300 µs, ACK
// (bwd) at 6,000,300 µs: 6 s later than the last packet, so an active period
// [0, 300] and an idle period of 6,000,000 µs.
CicFlow Handshake(bool fixes) {
  CicFlow f;
  f.Start(Packet(0, 0, kCicSyn, 1000), V4(1), 40000, V4(2), 80, 6,
          fixes ? CicRules::kFixed : CicRules::kDataset);
  for (const auto& [p, forward] : {std::pair{Packet(100, 0, kCicSyn | kCicAck, 2000), false},
                                   std::pair{Packet(300, 100, kCicPsh | kCicAck, 1001), true},
                                   std::pair{Packet(6000300, 6, kCicAck, 2001), false}}) {
    f.UpdateActiveIdle(p.time_us);
    f.Add(p, forward);
  }
  return f;
}

TEST(CicFlowTest, AHandshakeWorkedOutByHand) {
  CicRecord r;
  Handshake(false).Fill(&r);
  EXPECT_EQ(r.flow_duration, 6000300);
  EXPECT_EQ(r.tot_fwd_pkts, 2);
  EXPECT_EQ(r.tot_bwd_pkts, 2);
  EXPECT_EQ(r.totlen_fwd_pkts, 100.0);
  EXPECT_EQ(r.totlen_bwd_pkts, 6.0);
  // The first packet's 0 bytes count twice in the flow's lengths: 5 values
  // (0, 0, 0, 100, 6), mean 106 / 5; the average packet size divides by the
  // 4 packets.
  EXPECT_EQ(r.pkt_len_mean.value, 106.0 / 5);
  EXPECT_EQ(r.pkt_size_avg, 106.0 / 4);
  // IATs: 100, 200, 6,000,000 (flow); forward 300; backward 6,000,200.
  EXPECT_EQ(r.flow_iat_max, 6000000.0);
  EXPECT_EQ(r.flow_iat_min, 100.0);
  EXPECT_EQ(r.fwd_iat_tot.value, 300.0);
  EXPECT_EQ(r.bwd_iat_tot.value, 6000200.0);
  // 106 bytes in 6.0003 s.
  EXPECT_EQ(r.flow_byts_s, 106.0 / (6000300 / 1e6));
  // Active [0, 300] ended by the 6 s gap, which is idle; the last active
  // period is never closed (CICFlowMeter's flow end does not close it).
  EXPECT_TRUE(r.active_mean.has);
  EXPECT_EQ(r.active_mean.value, 300.0);
  EXPECT_EQ(r.idle_max.value, 6000000.0);
  // Flags of the first packet only (a SYN), in HashMap order: the SYN count
  // sits under "PSH Flag Count".
  EXPECT_EQ(r.psh_flag_cnt, 1);
  EXPECT_EQ(r.syn_flag_cnt, 0);
  EXPECT_EQ(r.ack_flag_cnt, 0);
  // PSH per direction: first packet only (no PSH there).
  EXPECT_EQ(r.fwd_psh_flags, 0);
  // The forward window is the first packet's; the backward one the last
  // backward packet's.
  EXPECT_EQ(r.init_fwd_win_byts, 1000);
  EXPECT_EQ(r.init_bwd_win_byts, 2001);
  // The first packet is not counted as a data packet; the 100 B one is.
  EXPECT_EQ(r.fwd_act_data_pkts, 1);
  EXPECT_EQ(r.fwd_seg_size_min, 20);
  EXPECT_EQ(r.down_up_ratio, 1.0);
  EXPECT_EQ(r.subflow_fwd_pkts, 2);  // one subflow
  EXPECT_EQ(r.subflow_bwd_byts, 6);
}

TEST(CicFlowTest, FixesCountEveryPacketsFlagsInHeaderOrder) {
  CicRecord r;
  Handshake(true).Fill(&r);
  EXPECT_EQ(r.syn_flag_cnt, 2);
  EXPECT_EQ(r.ack_flag_cnt, 3);
  EXPECT_EQ(r.psh_flag_cnt, 1);
  EXPECT_EQ(r.fwd_psh_flags, 1);
  EXPECT_EQ(r.init_bwd_win_byts, 2000);        // the first backward packet's
  EXPECT_EQ(r.pkt_len_mean.value, 106.0 / 4);  // the first packet once
  EXPECT_EQ(r.fwd_act_data_pkts, 1);
  // Subflows: the 6 s gap splits the flow in two.
  EXPECT_EQ(r.subflow_fwd_pkts, 1);
  EXPECT_EQ(r.subflow_bwd_byts, 3);
}

TEST(CicFlowTest, SubflowCountIsOneExceptInTheFirstSecondOf1970) {
  // The quirk's test, ts - last / 1e6 > 1, fails only for ts <= 1 + ts/1e6.
  CicFlow f;
  f.Start(CicPacketInfo{1, 0, 20, 0, -1}, V4(1), 1, V4(2), 2, 6, CicRules::kDataset);
  f.Add(CicPacketInfo{2, 0, 20, 0, -1}, true);
  CicRecord r;
  f.Fill(&r);
  EXPECT_EQ(r.subflow_fwd_pkts, 0);
}

TEST(CicFlowTest, AFlowWithinOneMicrosecondHasInfiniteRates) {
  CicFlow f;
  f.Start(Packet(5, 10, 0, -1), V4(1), 1, V4(2), 2, 17, CicRules::kDataset);
  f.Add(Packet(5, 0, 0, -1), false);
  CicRecord r;
  f.Fill(&r);
  EXPECT_TRUE(std::isinf(r.flow_byts_s));  // 10 / 0
  EXPECT_EQ(r.fwd_pkts_s, 0.0);            // guarded: 0 for a zero duration
  CicFlow g;
  g.Start(Packet(5, 0, 0, -1), V4(1), 1, V4(2), 2, 17, CicRules::kDataset);
  g.Add(Packet(5, 0, 0, -1), true);
  g.Fill(&r);
  EXPECT_TRUE(std::isnan(r.flow_byts_s));  // 0 / 0
  EXPECT_FALSE(r.bwd_pkt_len_max.has);     // no backward packet: written as 0
}

}  // namespace
}  // namespace netflower
