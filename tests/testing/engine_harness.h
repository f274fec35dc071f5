// Test harness: feeds raw IP packets at given times through the decoder and a
// FlowEngine, collecting the emitted rows.
#ifndef NETFLOWER_TESTS_TESTING_ENGINE_HARNESS_H_
#define NETFLOWER_TESTS_TESTING_ENGINE_HARNESS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "capture/decode.h"
#include "capture/link_type.h"
#include "capture/profile.h"
#include "flow/flow_engine.h"
#include "io/csv_format.h"
#include "io/float_repr.h"
#include "tests/testing/capture_builder.h"

namespace netflower::testing {

// A packet time as a µs-pcap record would give it.
struct At {
  int64_t sec;
  int64_t usec = 0;
};

template <class P>
class EngineHarness : public FlowSink {
 public:
  struct Row {
    FlowRecord record;
    EmitTag tag;
  };

  explicit EngineHarness(double idle_timeout = 120.0, uint64_t gc_interval = 1000, double cap = -1,
                         uint64_t max_flows = 0, bool keep_tunnel = false, double interim = -1,
                         uint32_t splt = 0, AppDissector* dpi = nullptr)
      : hasher_(kSeed),
        engine_(MakeConfig(idle_timeout, cap, max_flows, keep_tunnel, interim, splt, dpi), kSeed,
                this),
        gc_interval_(gc_interval) {}

  static typename P::Time TimeOf(At at) {
    if constexpr (P::kPython) {
      return static_cast<double>(at.sec) + static_cast<double>(at.usec) / 1e6;
    } else {
      return at.sec * 1000000000 + at.usec * 1000;
    }
  }

  // Feeds one raw IP packet (IPv4 or IPv6) at `at`.
  void Feed(At at, const Bytes& ip) {
    DecodedPacket d;
    const DecodeStatus s = DecodeFrame<P>(kLinkRaw, ip.data(), ip.size(), /*tunnels=*/true, &d);
    ASSERT_EQ(s, DecodeStatus::kOk);
    EnginePacket<P> pkt;
    FillEnginePacket(d, hasher_, &pkt);  // the production path
    pkt.time = TimeOf(at);
    pkt.number = ++accepted_;
    if constexpr (P::kPython) {
      engine_.Process(pkt);
    } else {  // the IP bytes, for Config::dpi
      engine_.Process(
          pkt, std::string_view(reinterpret_cast<const char*>(ip.data()) + d.ip_offset, d.pkt_len));
    }
    if (accepted_ % gc_interval_ == 0) engine_.Sweep(pkt.time, accepted_);
  }

  void End() { engine_.FlushAll(); }

  void OnFlow(const FlowRecord& record, const EmitTag& tag) override {
    rows.push_back(Row{record, tag});
  }

  FlowEngine<P>& engine() { return engine_; }
  std::vector<Row> rows;

 private:
  static typename FlowEngine<P>::Config MakeConfig(double idle, double cap, uint64_t max_flows,
                                                   bool keep_tunnel, double interim, uint32_t splt,
                                                   AppDissector* dpi) {
    typename FlowEngine<P>::Config c;
    c.max_flows = max_flows;
    c.keep_tunnel = keep_tunnel;
    c.idle_timeout = P::FromSeconds(idle);
    if (cap >= 0) {
      c.has_cap = true;
      c.cap = P::FromSeconds(cap);
    }
    c.splt = splt;
    c.dpi = dpi;
    if (interim > 0) {
      c.has_interim = true;
      c.interim = P::FromSeconds(interim);
    }
    return c;
  }

  static constexpr uint64_t kSeed = 12345;
  FlowHasher hasher_;
  FlowEngine<P> engine_;
  uint64_t gc_interval_;
  uint64_t accepted_ = 0;
};

inline std::string F(double v) { return PythonFloatRepr(v); }

}  // namespace netflower::testing

#endif  // NETFLOWER_TESTS_TESTING_ENGINE_HARNESS_H_
