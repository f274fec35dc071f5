// Bounded memory under a SYN flood: distinct flow keys far beyond max_flows
// convert with the table capped; the oldest flows are evicted (emitted
// early, counted), no packet and no flow is lost.
#include <gtest/gtest.h>

#include <string>

#include "netflower/netflower.h"
#include "tests/testing/capture_builder.h"

namespace netflower {
namespace {

std::string SynFlood(uint32_t keys) {
  testing::PcapFile f(1);
  for (uint32_t i = 0; i < keys; ++i) {
    const std::string src = "10." + std::to_string((i >> 16) & 255) + "." +
                            std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
    f.Add(1700000000 + i / 100000, i % 100000 * 10,
          testing::Ethernet(testing::Tcp(src, static_cast<uint16_t>(1024 + i % 60000), "192.0.2.80",
                                         80, 0x02, 0, 1024)));
  }
  return testing::WriteTempFile("flood.pcap", f.bytes());
}

TEST(Flood, MaxFlowsBoundsTheTableAndCountsEvictions) {
  constexpr uint32_t kKeys = 200000;
  const std::string in = SynFlood(kKeys);
  for (int jobs : {1, 2}) {
    ConvertOptions options;
    options.max_flows = 10000;
    options.jobs = jobs;
    RunStats stats;
    options.stats = &stats;
    auto rows = ConvertPcapToCsv(in, testing::TempPath("flood.csv"), options);
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(*rows, kKeys);  // one row per flow read
    EXPECT_EQ(stats.flows_written, kKeys);
    EXPECT_EQ(stats.flows_by_reason.evicted + stats.flows_by_reason.end_of_input, kKeys);
    EXPECT_GE(stats.flows_by_reason.evicted, kKeys - 10000 - jobs);
    // Peak open flows: at most the limit (each worker holds its share).
    EXPECT_LE(stats.peak_open_flows, 10000u + jobs) << jobs;
    EXPECT_EQ(stats.packets_accepted, kKeys);
  }
}

TEST(Flood, NoLimitMeansNoEviction) {
  const std::string in = SynFlood(20000);
  ConvertOptions options;
  options.max_flows = 0;
  RunStats stats;
  options.stats = &stats;
  ASSERT_TRUE(ConvertPcapToCsv(in, testing::TempPath("nolimit.csv"), options).ok());
  EXPECT_EQ(stats.flows_by_reason.evicted, 0u);
  EXPECT_EQ(stats.peak_open_flows, 20000u);
}

}  // namespace
}  // namespace netflower
