// Google Benchmark micro-benchmarks of the per-packet and per-flow hot paths:
// frame decoding, keying and hashing, the flow engine's per-packet update at
// several table sizes, float and row formatting, and the SPSC queue.
//
//   bazel run -c opt //bench:micro_benchmarks
#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "capture/decode.h"
#include "capture/link_type.h"
#include "capture/profile.h"
#include "flow/flow_engine.h"
#include "flow/flow_key.h"
#include "io/csv_format.h"
#include "io/float_repr.h"
#include "netflower/netflower.h"
#include "pipeline/spsc_queue.h"
#include "tests/testing/capture_builder.h"

namespace netflower {
namespace {

using testing::Bytes;

const Bytes& TcpFrame() {
  static const Bytes frame =
      testing::Ethernet(testing::Tcp("192.168.1.10", 51234, "93.184.216.34", 443, 0x18, 517));
  return frame;
}

const Bytes& UdpFrame() {
  static const Bytes frame =
      testing::Ethernet(testing::Udp("192.168.1.10", 51234, "8.8.8.8", 53, 40));
  return frame;
}

// Decodes `frame` over and over.
void DecodeLoop(benchmark::State& state, const Bytes& frame, const DecodeOptions& options) {
  DecodedPacket p;
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeFrame(kLinkEthernet, frame.data(), frame.size(), options, &p));
    benchmark::DoNotOptimize(p);
  }
}

// Decoding an untunnelled frame with tunnels opened (arg 1, the default) or
// not (0): the cost of the tunnel checks on ordinary traffic.
void BM_DecodeEthernetTcp(benchmark::State& state) {
  DecodeLoop(state, TcpFrame(), DecodeOptions{true, state.range(0) != 0});
}
BENCHMARK(BM_DecodeEthernetTcp)->Arg(0)->Arg(1);

void BM_DecodeEthernetUdp(benchmark::State& state) {
  DecodeLoop(state, UdpFrame(), DecodeOptions{true, state.range(0) != 0});
}
BENCHMARK(BM_DecodeEthernetUdp)->Arg(0)->Arg(1);

// A TCP packet inside VXLAN: the cost of opening one tunnel.
void BM_DecodeVxlanTcp(benchmark::State& state) {
  static const Bytes frame = testing::Ethernet(testing::OuterUdp(
      "10.0.0.1", 49152, "10.0.0.2", 4789,
      testing::VxlanHeader(42, testing::Ethernet(testing::Tcp("192.168.1.10", 51234,
                                                              "93.184.216.34", 443, 0x18, 517)))));
  DecodeLoop(state, frame, DecodeOptions{true, true});
}
BENCHMARK(BM_DecodeVxlanTcp);

void BM_KeyAndHash(benchmark::State& state) {
  const Bytes& f = TcpFrame();
  DecodedPacket p;
  DecodeFrame(kLinkEthernet, f.data(), f.size(), DecodeOptions{}, &p);
  FlowHasher hasher(12345);
  for (auto _ : state) {
    bool src_is_a;
    const FlowKey key = MakeFlowKey(p, &src_is_a);
    benchmark::DoNotOptimize(hasher(key));
  }
}
BENCHMARK(BM_KeyAndHash);

class NullSink : public FlowSink {
 public:
  void OnFlow(const FlowRecord& record, const EmitTag&) override {
    benchmark::DoNotOptimize(record);
  }
};

// Per-packet engine cost with `flows` concurrent flows, packets spread over
// them at random (worst case for caches), both directions.
void BM_FlowEngineProcess(benchmark::State& state) {
  const size_t flows = static_cast<size_t>(state.range(0));
  NullSink sink;
  FlowEngine<DefaultProfile>::Config config;
  config.idle_timeout = DefaultProfile::FromSeconds(120);
  FlowEngine<DefaultProfile> engine(config, 99, &sink);
  // Enough packets that every flow appears (in random order).
  std::vector<EnginePacket<DefaultProfile>> packets(size_t{1} << 21);
  std::mt19937_64 rng(1);
  for (auto& p : packets) {
    const uint32_t id = static_cast<uint32_t>((&p - packets.data()) < static_cast<ptrdiff_t>(flows)
                                                  ? (&p - packets.data())
                                                  : rng() % flows);
    DecodedPacket d;
    uint8_t a[4] = {10, static_cast<uint8_t>(id >> 16), static_cast<uint8_t>(id >> 8),
                    static_cast<uint8_t>(id)};
    uint8_t b[4] = {192, 168, 0, 1};
    const bool reverse = rng() & 1;
    d.src = IpAddress::V4(reverse ? b : a);
    d.dst = IpAddress::V4(reverse ? a : b);
    d.src_port = reverse ? 443 : 40000;
    d.dst_port = reverse ? 40000 : 443;
    d.protocol = 6;
    p.key = MakeFlowKey(d, &p.src_is_a);
    p.hash = engine.Hash(p.key);
    p.fields = PacketFields{static_cast<uint32_t>(40 + rng() % 1400), 0, 20, 0x10, 65535};
    p.fields.payload_len = p.fields.pkt_len - 40;
  }
  int64_t t = 1700000000LL * 1000000000;
  uint64_t number = 0;
  // Warm up: create every flow.
  for (size_t i = 0; i < flows; ++i) {
    EnginePacket<DefaultProfile> p = packets[i % packets.size()];
    p.time = t;
    p.number = ++number;
    engine.Process(p);
  }
  size_t i = 0;
  for (auto _ : state) {
    EnginePacket<DefaultProfile>& p = packets[i++ & (packets.size() - 1)];
    p.time = (t += 1000);
    p.number = ++number;
    engine.Process(p);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["open_flows"] = static_cast<double>(engine.open_flows());
  state.counters["bytes_per_flow"] =
      static_cast<double>(engine.MemoryBytes()) / static_cast<double>(engine.open_flows());
}
BENCHMARK(BM_FlowEngineProcess)->Arg(1000)->Arg(100000)->Arg(1000000);

// Doubles like a flow row's: durations, timestamps, means (16-17 digits),
// integral values and zeros.
std::vector<double> RowLikeDoubles() {
  std::vector<double> values;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1024; ++i) {
    switch (i % 5) {
      case 0:
        values.push_back(static_cast<double>(rng() % 100000) / 1e6);  // durations
        break;
      case 1:
        values.push_back(1700000000.0 + static_cast<double>(rng() % 1000000) / 1e6);
        break;
      case 2:
        values.push_back(static_cast<double>(rng() % 5000) / 3.0);  // means
        break;
      case 3:
        values.push_back(static_cast<double>(rng() % 1500));  // integral
        break;
      default:
        values.push_back(0.0);
    }
  }
  return values;
}

void BM_FormatPythonFloat(benchmark::State& state) {
  const std::vector<double> values = RowLikeDoubles();
  char buf[kMaxPythonFloatChars];
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(FormatPythonFloat(values[i++ & 1023], buf));
  }
}
BENCHMARK(BM_FormatPythonFloat);

// The baseline for the one above: libstdc++'s shortest round-trip digits
// (Ryu) for the same values, without Python's layout.
void BM_StdToCharsShortest(benchmark::State& state) {
  const std::vector<double> values = RowLikeDoubles();
  char buf[64];
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(std::to_chars(buf, buf + sizeof(buf), values[i++ & 1023]).ptr);
  }
}
BENCHMARK(BM_StdToCharsShortest);

void BM_FormatCsvRow(benchmark::State& state) {
  // A typical row: a short TCP flow with both directions.
  FlowEngine<DefaultProfile>::Config config;
  config.idle_timeout = DefaultProfile::FromSeconds(120);
  struct Capture : FlowSink {
    FlowRecord record;
    void OnFlow(const FlowRecord& r, const EmitTag&) override { record = r; }
  } sink;
  FlowEngine<DefaultProfile> engine(config, 1, &sink);
  DecodedPacket d;
  uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
  int64_t t = 1700000000LL * 1000000000;
  for (int i = 0; i < 12; ++i) {
    const bool back = i % 2;
    d.src = IpAddress::V4(back ? b : a);
    d.dst = IpAddress::V4(back ? a : b);
    d.src_port = back ? 80 : 40000;
    d.dst_port = back ? 40000 : 80;
    d.protocol = 6;
    EnginePacket<DefaultProfile> p;
    p.key = MakeFlowKey(d, &p.src_is_a);
    p.hash = engine.Hash(p.key);
    p.time = (t += 1234567);
    p.number = static_cast<uint64_t>(i) + 1;
    p.fields = PacketFields{static_cast<uint32_t>(52 + i * 100), static_cast<uint32_t>(i * 100), 32,
                            0x18, 501};
    engine.Process(p);
  }
  engine.FlushAll();
  char row[kMaxCsvRowBytes];
  size_t bytes = 0;
  for (auto _ : state) {
    bytes += FormatCsvRow(sink.record, false, row);
    benchmark::DoNotOptimize(row);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_FormatCsvRow);

// Rows of a real capture (NETFLOWER_BENCH_PCAP, default the committed
// loopback-web.pcap; at most 100,000 flows), each formatted in turn: the
// mix of integral, repeated and 17-digit floats that a single row hides.
void BM_FormatCsvRowsOfCapture(benchmark::State& state) {
  const char* env = std::getenv("NETFLOWER_BENCH_PCAP");
  const std::string path = env != nullptr ? env : "tests/testdata/loopback-web.pcap";
  std::vector<FlowRecord> records;
  const absl::StatusOr<uint64_t> flows = ConvertPcap(path, [&](const FlowRecord& r) {
    if (records.size() < 100000) records.push_back(r);
  });
  if (!flows.ok() || records.empty()) {
    state.SkipWithError("no flows read from NETFLOWER_BENCH_PCAP");
    return;
  }
  char row[kMaxCsvRowBytes];
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    bytes += FormatCsvRow(records[i], false, row);
    benchmark::DoNotOptimize(row);
    if (++i == records.size()) i = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_FormatCsvRowsOfCapture);

// Items through an SPSC queue between two threads, in batches.
void BM_SpscQueue(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    SpscQueue<uint64_t> q(4096);
    constexpr uint64_t kItems = 1 << 20;
    std::thread consumer([&] {
      uint64_t got = 0, buf[256];
      while (got < kItems) got += q.TryPop(buf, 256);
    });
    std::vector<uint64_t> items(batch, 7);
    for (uint64_t sent = 0; sent < kItems;) {
      sent += q.TryPush(items.data(), std::min<uint64_t>(batch, kItems - sent));
    }
    consumer.join();
    state.SetItemsProcessed(state.items_processed() + kItems);
  }
}
BENCHMARK(BM_SpscQueue)->Arg(1)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace netflower

BENCHMARK_MAIN();
