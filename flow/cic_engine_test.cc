// CICFlowMeter's flow rules (docs/CIC.md, "Flows") through CicFlowEngine.
#include "flow/cic_engine.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace netflower {
namespace {

struct Row {
  CicRecord record;
  EmitTag tag;
};

class Sink : public CicFlowSink {
 public:
  void OnCicFlow(const CicRecord& record, const EmitTag& tag) override {
    rows.push_back({record, tag});
  }
  std::vector<Row> rows;
};

constexpr int64_t kSecond = 1000000000;  // ns
constexpr int64_t kT0 = int64_t{1427801538} * kSecond;

class CicEngineTest : public ::testing::Test {
 protected:
  explicit CicEngineTest(CicFlowEngine::Config config = {}) : engine_(config, 42, &sink_) {}

  // A TCP packet from 10.0.0.<s>:<sport> to 10.0.0.<d>:<dport> at kT0 + t ns.
  void Tcp(int s, int sport, int d, int dport, int64_t t, uint16_t flags, uint32_t payload = 0) {
    DecodedPacket p;
    p.src.family = p.dst.family = 4;
    p.src.bytes[0] = p.dst.bytes[0] = 10;
    p.src.bytes[3] = static_cast<uint8_t>(s);
    p.dst.bytes[3] = static_cast<uint8_t>(d);
    p.src_port = static_cast<uint16_t>(sport);
    p.dst_port = static_cast<uint16_t>(dport);
    p.protocol = 6;
    p.header_len = 20;
    p.payload_len = payload;
    p.tcp_flags = flags;
    p.window = 1000;
    EnginePacket<CicProfile> e;
    FillEnginePacket(p, FlowHasher(42), &e);
    e.time = kT0 + t;
    e.number = ++number_;
    engine_.Process(e);
  }

  Sink sink_;
  CicFlowEngine engine_;
  uint64_t number_ = 0;
};

TEST_F(CicEngineTest, AFinFromEitherSideEndsTheFlowAndTheRestStartANewOne) {
  Tcp(1, 5000, 2, 80, 0, kCicSyn);
  Tcp(2, 80, 1, 5000, 1000, kCicSyn | kCicAck);
  Tcp(1, 5000, 2, 80, 2000, kCicFin | kCicAck);  // ends the flow (3 packets)
  ASSERT_EQ(sink_.rows.size(), 1u);
  EXPECT_EQ(sink_.rows[0].record.tot_fwd_pkts + sink_.rows[0].record.tot_bwd_pkts, 3);
  EXPECT_EQ(sink_.rows[0].tag.event_packet, 3u);
  // The answering FIN starts a new flow (a FIN ends only a flow it joins),
  // which the last ACK joins: a second row, from 10.0.0.2.
  Tcp(2, 80, 1, 5000, 3000, kCicFin | kCicAck);
  Tcp(1, 5000, 2, 80, 4000, kCicAck);
  EXPECT_EQ(sink_.rows.size(), 1u);
  Tcp(3, 53, 4, 53, 5000, 0);  // a flow of one packet: never written
  engine_.FlushAll();
  ASSERT_EQ(sink_.rows.size(), 2u);
  EXPECT_EQ(sink_.rows[1].record.src_ip.bytes[3], 2);
  EXPECT_EQ(sink_.rows[1].record.tot_fwd_pkts, 1);
  EXPECT_EQ(sink_.rows[1].record.tot_bwd_pkts, 1);
  EXPECT_EQ(sink_.rows[1].tag.kind, EmitKind::kEnd);
  EXPECT_EQ(engine_.counters().one_packet_flows, 1u);
}

TEST_F(CicEngineTest, TheFlowTimeoutCountsFromTheFirstPacket) {
  // Packets every 50 s: never idle for long, but the third comes 150 s after
  // the first (> 120 s), so it ends the flow and starts the next.
  Tcp(1, 5000, 2, 80, 0, kCicAck);
  Tcp(2, 80, 1, 5000, 50 * kSecond, kCicAck);
  Tcp(1, 5000, 2, 80, 100 * kSecond, kCicAck);
  EXPECT_TRUE(sink_.rows.empty());
  Tcp(2, 80, 1, 5000, 150 * kSecond, kCicAck);
  ASSERT_EQ(sink_.rows.size(), 1u);
  EXPECT_EQ(sink_.rows[0].record.flow_duration, 100000000);
  EXPECT_EQ(engine_.counters().emitted_by_reason[static_cast<int>(EmitReason::kActiveTimeout)], 1u);
  // The flow it starts keeps the old flow's endpoints: 10.0.0.1 is still
  // the source, though the packet came from 10.0.0.2 (and counts forward).
  Tcp(1, 5000, 2, 80, 151 * kSecond, kCicAck);
  engine_.FlushAll();
  ASSERT_EQ(sink_.rows.size(), 2u);
  EXPECT_EQ(sink_.rows[1].record.src_ip.bytes[3], 1);
  EXPECT_EQ(sink_.rows[1].record.tot_fwd_pkts, 2);
}

TEST_F(CicEngineTest, EndFlushFollowsJavaHashMapOrder) {
  for (int port = 1; port <= 30; ++port) {
    Tcp(1, 1000 + port, 2, 80, port, kCicAck);
    Tcp(2, 80, 1, 1000 + port, port + 100, kCicAck);
  }
  engine_.FlushAll();
  ASSERT_EQ(sink_.rows.size(), 30u);
  // 30 flows open at once: a 64-bucket map (it doubles past 12, 24 and 48
  // entries' worth of 0.75 load: 30 > 24).
  const uint32_t capacity = JavaHashMapCapacity(30);
  EXPECT_EQ(capacity, 64u);
  uint64_t last_key = 0;
  uint32_t last_bucket = 0;
  for (const Row& row : sink_.rows) {
    char id[kMaxCicFlowIdChars];
    const size_t n = FormatCicFlowId(row.record.src_ip, row.record.src_port, row.record.dst_ip,
                                     row.record.dst_port, 6, /*canonical=*/true, id);
    const uint32_t bucket = JavaHashMapBucket(JavaStringHash({id, n}), capacity);
    EXPECT_GE(bucket, last_bucket);
    last_bucket = bucket;
    EXPECT_GT(row.tag.first_packet, last_key);  // tags carry the rank
    last_key = row.tag.first_packet;
  }
}

TEST(JavaHashTest, StringHashAndMapCapacityAsJava) {
  EXPECT_EQ(JavaStringHash("FIN"), 69611);  // "FIN".hashCode()
  EXPECT_EQ(JavaStringHash("192.168.10.5-104.16.207.165-54865-443-6"), 587522413);
  EXPECT_EQ(JavaHashMapCapacity(0), 16u);
  EXPECT_EQ(JavaHashMapCapacity(12), 16u);
  EXPECT_EQ(JavaHashMapCapacity(13), 32u);
  EXPECT_EQ(JavaHashMapCapacity(96), 128u);
  EXPECT_EQ(JavaHashMapCapacity(97), 256u);
  // Flag names in a 16-bucket map come out RST, PSH, ECE, SYN, ACK, FIN,
  // URG, CWR (the order CicFlow writes the flag counts in).
  EXPECT_EQ(JavaHashMapBucket(JavaStringHash("RST"), 16), 2u);
  EXPECT_EQ(JavaHashMapBucket(JavaStringHash("CWR"), 16), 15u);
}

}  // namespace
}  // namespace netflower
