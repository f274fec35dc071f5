// FLOW-RULES §13 worked examples, in both profiles, through the real engine.
#include "features/flow_features.h"

#include <gtest/gtest.h>

#include "io/csv_format.h"
#include "tests/testing/engine_harness.h"

namespace netflower {
namespace {

using testing::At;
using testing::EngineHarness;
using testing::F;
using testing::Tcp;
using testing::Udp;

const testing::Bytes kUdpAB = Udp("10.0.0.1", 40000, "10.0.0.2", 53, 32);

// Out of line and fed through volatiles, so the compiler sees a plain
// a * b + c at run time, exactly like the Welford updates.
[[gnu::noinline]] double MulAdd(double a, double b, double c) { return a * b + c; }

// The statistics are only exact (FLOW-RULES §6) if every product is rounded
// before it is added. A compiler allowed to contract a * b + c into one fused
// multiply-add (GCC's default on aarch64, and on x86 with -mfma) rounds once;
// the build forbids it with -ffp-contract=off. Without that flag 9 of the 12
// python-profile goldens differed on aarch64.
TEST(Features, NoFusedMultiplyAdd) {
  volatile double a = 1.0 + 0x1p-30;
  volatile double b = 1.0 - 0x1p-30;
  volatile double c = -1.0;
  // a * b = 1 - 2^-60 exactly, which rounds to 1.0; fused, the sum is -2^-60.
  EXPECT_EQ(MulAdd(a, b, c), 0.0) << "a * b + c was fused: build with -ffp-contract=off";
}

TEST(Features, DurationPrecision) {
  EngineHarness<PythonProfile> p;
  EngineHarness<DefaultProfile> d;
  for (auto* h : {&p}) {
    h->Feed(At{1795799828, 894394}, kUdpAB);
    h->Feed(At{1795799828, 899240}, kUdpAB);
    h->End();
  }
  d.Feed(At{1795799828, 894394}, kUdpAB);
  d.Feed(At{1795799828, 899240}, kUdpAB);
  d.End();
  ASSERT_EQ(p.rows.size(), 1u);
  ASSERT_EQ(d.rows.size(), 1u);
  EXPECT_EQ(F(p.rows[0].record.timestamp), "1795799828.894394");
  EXPECT_EQ(F(d.rows[0].record.timestamp), "1795799828.894394");
  EXPECT_EQ(F(p.rows[0].record.flow_duration), "0.004846096038818359");
  EXPECT_EQ(F(d.rows[0].record.flow_duration), "0.004846");
}

TEST(Features, TimeZeroIat) {
  EngineHarness<PythonProfile> p;
  EngineHarness<DefaultProfile> d;
  p.Feed(At{0, 0}, kUdpAB);
  p.Feed(At{0, 500000}, kUdpAB);
  p.Feed(At{0, 750000}, kUdpAB);
  p.End();
  d.Feed(At{0, 0}, kUdpAB);
  d.Feed(At{0, 500000}, kUdpAB);
  d.Feed(At{0, 750000}, kUdpAB);
  d.End();
  EXPECT_EQ(F(p.rows[0].record.flow_duration), "0.75");
  EXPECT_EQ(F(d.rows[0].record.flow_duration), "0.75");
  EXPECT_EQ(F(p.rows[0].record.flow_iat_mean), "0.25");
  EXPECT_EQ(F(p.rows[0].record.flow_iat_std), "0.0");
  EXPECT_EQ(F(d.rows[0].record.flow_iat_mean), "0.375");
  EXPECT_EQ(F(d.rows[0].record.flow_iat_std), "0.1767766952966369");
}

TEST(Features, TimeZeroExpiry) {
  EngineHarness<PythonProfile> p;
  EngineHarness<DefaultProfile> d;
  p.Feed(At{0}, kUdpAB);
  p.Feed(At{200}, kUdpAB);
  p.End();
  d.Feed(At{0}, kUdpAB);
  d.Feed(At{200}, kUdpAB);
  d.End();
  ASSERT_EQ(p.rows.size(), 1u);
  const FlowRecord& r = p.rows[0].record;
  EXPECT_EQ(r.tot_fwd_pkts, 2);
  EXPECT_EQ(F(r.flow_duration), "200.0");
  EXPECT_EQ(F(r.flow_iat_mean), "0.0");
  EXPECT_EQ(r.subflow_fwd_pkts, 1);  // S = 2
  ASSERT_EQ(d.rows.size(), 2u);
  EXPECT_EQ(d.rows[0].record.tot_fwd_pkts, 1);
  EXPECT_EQ(d.rows[1].record.tot_fwd_pkts, 1);
}

template <class P>
FlowRecord Bulk(int segments, bool trailing_ack, bool backward_noise) {
  EngineHarness<P> h;
  for (int i = 0; i < segments; ++i) {
    h.Feed(At{1700000000, i * 10000}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0x18, 100));
    if (backward_noise) {
      h.Feed(At{1700000000, i * 10000 + 5000}, Tcp("10.0.0.2", 80, "10.0.0.1", 1000, 0x10));
    }
  }
  if (trailing_ack) h.Feed(At{1700000000, 60000}, Tcp("10.0.0.1", 1000, "10.0.0.2", 80, 0x10));
  h.End();
  EXPECT_EQ(h.rows.size(), 1u);
  return h.rows[0].record;
}

TEST(Features, Bulk) {
  const FlowRecord p = Bulk<PythonProfile>(6, true, false);
  EXPECT_EQ(F(p.fwd_byts_b_avg), "600.0");
  EXPECT_EQ(F(p.fwd_pkts_b_avg), "6.0");
  EXPECT_EQ(F(p.fwd_blk_rate_avg), "12000.01144410271");
  const FlowRecord d = Bulk<DefaultProfile>(6, true, false);
  EXPECT_EQ(F(d.fwd_byts_b_avg), "600.0");
  EXPECT_EQ(F(d.fwd_pkts_b_avg), "6.0");
  EXPECT_EQ(F(d.fwd_blk_rate_avg), "12000.0");
  // Backward packets in between change nothing.
  EXPECT_EQ(F(Bulk<PythonProfile>(6, true, true).fwd_blk_rate_avg), "12000.01144410271");
  EXPECT_EQ(F(Bulk<DefaultProfile>(6, true, true).fwd_byts_b_avg), "600.0");
  // Four segments are not a bulk; a run never closed is not counted.
  for (const FlowRecord& r :
       {Bulk<PythonProfile>(4, true, false), Bulk<PythonProfile>(6, false, false),
        Bulk<DefaultProfile>(4, true, false), Bulk<DefaultProfile>(6, false, false)}) {
    EXPECT_EQ(F(r.fwd_byts_b_avg), "0.0");
    EXPECT_EQ(F(r.fwd_pkts_b_avg), "0.0");
    EXPECT_EQ(F(r.fwd_blk_rate_avg), "0.0");
    EXPECT_EQ(F(r.bwd_byts_b_avg), "0.0");
  }
}

template <class P>
void ActiveIdleSubflows() {
  EngineHarness<P> h;
  for (int s : {1, 2, 10, 11, 20}) h.Feed(At{s}, kUdpAB);
  h.End();
  ASSERT_EQ(h.rows.size(), 1u);
  const FlowRecord& r = h.rows[0].record;
  EXPECT_EQ(F(r.flow_duration), "19.0");
  EXPECT_EQ(F(r.flow_pkts_s), "0.2631578947368421");
  EXPECT_EQ(F(r.flow_iat_mean), "4.75");
  EXPECT_EQ(F(r.flow_iat_max), "9.0");
  EXPECT_EQ(F(r.flow_iat_min), "1.0");
  EXPECT_EQ(F(r.flow_iat_std), "4.349329450233296");
  EXPECT_EQ(F(r.active_max), "1.0");
  EXPECT_EQ(F(r.active_min), "1.0");
  EXPECT_EQ(F(r.active_mean), "1.0");
  EXPECT_EQ(F(r.active_std), "0.0");
  EXPECT_EQ(F(r.idle_max), "9.0");
  EXPECT_EQ(F(r.idle_min), "8.0");
  EXPECT_EQ(F(r.idle_mean), "8.5");
  EXPECT_EQ(F(r.idle_std), "0.7071067811865476");
  EXPECT_EQ(r.subflow_fwd_pkts, 1);  // 5 // 3
  EXPECT_EQ(r.subflow_fwd_byts, 60 * 5 / 3);
  EXPECT_EQ(F(r.fwd_iat_tot), "19.0");
}

TEST(Features, ActiveIdleSubflowsPython) { ActiveIdleSubflows<PythonProfile>(); }
TEST(Features, ActiveIdleSubflowsDefault) { ActiveIdleSubflows<DefaultProfile>(); }

template <class P>
void WelfordVersusPlainAverage() {
  EngineHarness<P> h;
  int i = 0;
  for (size_t pkt_len : {60, 52, 1500, 52, 52}) {
    h.Feed(At{100, i++}, Udp("10.0.0.1", 1, "10.0.0.2", 2, pkt_len - 28));
  }
  h.End();
  const FlowRecord& r = h.rows[0].record;
  EXPECT_EQ(F(r.pkt_len_mean), "343.19999999999993");
  EXPECT_EQ(F(r.pkt_size_avg), "343.2");
  EXPECT_EQ(F(r.pkt_len_var), "418195.2");
  EXPECT_EQ(F(r.pkt_len_std), "646.6801373167418");
  EXPECT_EQ(r.pkt_len_max, 1500);
  EXPECT_EQ(r.pkt_len_min, 52);
  EXPECT_EQ(r.fwd_pkt_len_max, (IntOrZero{true, 1500}));
  EXPECT_EQ(r.bwd_pkt_len_max, IntOrZero{});
}

TEST(Features, WelfordPython) { WelfordVersusPlainAverage<PythonProfile>(); }
TEST(Features, WelfordDefault) { WelfordVersusPlainAverage<DefaultProfile>(); }

TEST(Features, Ratios) {
  EngineHarness<DefaultProfile> h;
  for (int i = 0; i < 6; ++i) h.Feed(At{10, i * 2}, Udp("10.0.0.1", 1, "10.0.0.2", 2));
  for (int i = 0; i < 5; ++i) h.Feed(At{10, i * 2 + 1}, Udp("10.0.0.2", 2, "10.0.0.1", 1));
  h.End();
  EXPECT_EQ(F(h.rows[0].record.down_up_ratio), "0.8333333333333334");
  EXPECT_EQ(h.rows[0].record.tot_bwd_pkts, 5);
}

TEST(Features, CompleteRowBothProfiles) {
  const std::string expected =
      "10.0.0.1,10.0.0.2,40000,53,17,1700000000.5,0.0,0.0,0.0,0.0,0.0,1,0,60,0,60,60,60.0,0.0,"
      "0.0,0.0,0.0,0.0,60,60,60.0,0.0,0.0,8,0,8,1,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,"
      "0.0,0.0,0.0,0,0,0,0,0,0,0,0,0,0,0,0.0,60.0,60.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1,60,0,0,-1,"
      "-1,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0";
  EngineHarness<PythonProfile> p;
  p.Feed(At{1700000000, 500000}, kUdpAB);
  p.End();
  EXPECT_EQ(CsvRow(p.rows[0].record, true), expected + "\r\n");
  EngineHarness<DefaultProfile> d;
  d.Feed(At{1700000000, 500000}, kUdpAB);
  d.End();
  EXPECT_EQ(CsvRow(d.rows[0].record, false), expected + "\n");
}

TEST(Features, FlagsWindowsAndSegmentSizes) {
  EngineHarness<DefaultProfile> h;
  // SYN (win 1000), SYN/ACK (win 2000), data with PSH|URG|ECE|CWR|NS.
  h.Feed(At{1}, Tcp("10.0.0.1", 5, "10.0.0.2", 6, 0x002, 0, 1000));
  h.Feed(At{1, 1}, Tcp("10.0.0.2", 6, "10.0.0.1", 5, 0x012, 0, 2000));
  h.Feed(At{1, 2}, Tcp("10.0.0.1", 5, "10.0.0.2", 6, 0x1E8, 10, 3000));
  h.Feed(At{1, 3}, Tcp("10.0.0.2", 6, "10.0.0.1", 5, 0x038, 5, 4000));
  h.End();
  const FlowRecord& r = h.rows[0].record;
  EXPECT_EQ(r.init_fwd_win_byts, 1000);
  EXPECT_EQ(r.init_bwd_win_byts, 2000);
  EXPECT_EQ(r.syn_flag_cnt, 2);
  EXPECT_EQ(r.ack_flag_cnt, 2);
  EXPECT_EQ(r.psh_flag_cnt, 2);
  EXPECT_EQ(r.urg_flag_cnt, 2);
  EXPECT_EQ(r.fwd_psh_flags, 1);
  EXPECT_EQ(r.bwd_psh_flags, 1);
  EXPECT_EQ(r.fwd_urg_flags, 1);
  EXPECT_EQ(r.bwd_urg_flags, 1);
  EXPECT_EQ(r.ece_flag_cnt, 1);
  EXPECT_EQ(r.cwr_flag_count, 1);
  EXPECT_EQ(r.fin_flag_cnt, 0);
  EXPECT_EQ(r.fwd_act_data_pkts, 1);
  EXPECT_EQ(r.fwd_seg_size_min, 20);
  EXPECT_EQ(r.fwd_header_len, 40);
  EXPECT_EQ(r.bwd_header_len, 40);
  EXPECT_EQ(F(r.fwd_seg_size_avg), "45.0");
  EXPECT_EQ(F(r.bwd_seg_size_avg), "42.5");
}

}  // namespace
}  // namespace netflower
