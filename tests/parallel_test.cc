// Parallel conversion is byte-identical to a single job (FLOW-RULES §10.2), in
// both profiles, whatever gc_interval, duration cap or output mode.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "io/csv_format.h"
#include "netflower/netflower.h"
#include "tests/testing/capture_builder.h"
#include "tests/testing/traffic_synth.h"

namespace netflower {
namespace {

std::string Convert(const std::string& in, ConvertOptions options, RunStats* stats = nullptr) {
  const std::string out = testing::TempPath("par.csv");
  options.stats = stats;
  absl::StatusOr<uint64_t> rows = ConvertPcapToCsv(in, out, options);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return testing::ReadFile(out);
}

class ParallelTest : public ::testing::TestWithParam<Compat> {};

TEST_P(ParallelTest, JobsGiveByteIdenticalCsv) {
  testing::SynthOptions synth;
  synth.seed = 42;
  synth.sessions = 6000;
  const std::string in = testing::WriteTempFile("synth.pcap", testing::SynthesizeCapture(synth));
  for (int64_t gc : {int64_t{1000}, int64_t{1}, int64_t{97}}) {
    for (double idle : {120.0, 30.0}) {
      ConvertOptions options;
      options.compat = GetParam();
      options.gc_interval = gc;
      options.idle_timeout = idle;
      RunStats stats;
      const std::string one = Convert(in, options, &stats);
      ASSERT_GT(stats.flows_written, 1000u);
      ASSERT_GT(stats.flows_by_reason.idle_timeout, 10u);
      ASSERT_GT(stats.flows_by_reason.fin + stats.flows_by_reason.rst, 100u);
      for (int jobs : {2, 3, 7}) {
        options.jobs = jobs;
        EXPECT_EQ(Convert(in, options), one) << "jobs " << jobs << " gc " << gc << " idle " << idle;
      }
    }
  }
}

TEST_P(ParallelTest, WithADurationCapToo) {
  testing::SynthOptions synth;
  synth.seed = 7;
  synth.sessions = 3000;
  synth.nanosecond = true;
  const std::string in = testing::WriteTempFile("cap.pcap", testing::SynthesizeCapture(synth));
  ConvertOptions options;
  options.compat = GetParam();
  options.active_timeout = 3.0;
  RunStats stats;
  const std::string one = Convert(in, options, &stats);
  EXPECT_GT(stats.flows_by_reason.active_timeout, 10u);
  options.jobs = 4;
  EXPECT_EQ(Convert(in, options), one);
}

TEST_P(ParallelTest, CallbackOrderEqualsCsvOrder) {
  testing::SynthOptions synth;
  synth.seed = 3;
  const std::string in = testing::WriteTempFile("cb.pcap", testing::SynthesizeCapture(synth));
  ConvertOptions options;
  options.compat = GetParam();
  const std::string csv = Convert(in, options);
  for (int jobs : {1, 3}) {
    options.jobs = jobs;
    std::string rebuilt;
    absl::StatusOr<uint64_t> n = ConvertPcap(
        in, [&](const FlowRecord& r) { rebuilt += CsvRow(r, GetParam() == Compat::kPython); },
        options);
    ASSERT_TRUE(n.ok());
    const std::string header =
        std::string(CsvHeader()) + (GetParam() == Compat::kPython ? "\r\n" : "\n");
    EXPECT_EQ(header + rebuilt, csv) << "jobs " << jobs;
  }
}

INSTANTIATE_TEST_SUITE_P(BothProfiles, ParallelTest,
                         ::testing::Values(Compat::kNone, Compat::kPython),
                         [](const ::testing::TestParamInfo<Compat>& info) {
                           return info.param == Compat::kPython ? "Python" : "Default";
                         });

// Tens of thousands of flows still open at the end: the end-of-input rows
// stream through the merge in bounded batches, in first-packet order.
TEST(Parallel, ManyFlowsOpenAtTheEnd) {
  testing::PcapFile f(1);
  for (uint32_t i = 0; i < 40000; ++i) {
    const std::string src = "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) +
                            "." + std::to_string(i & 255);
    f.Add(1700000000 + i / 1000, (i * 37) % 1000000,
          testing::Ethernet(
              testing::Udp(src, static_cast<uint16_t>(1024 + i % 5000), "192.0.2.1", 53, i % 40)));
  }
  const std::string in = testing::WriteTempFile("flood.pcap", f.bytes());
  for (Compat compat : {Compat::kNone, Compat::kPython}) {
    ConvertOptions options;
    options.compat = compat;
    RunStats stats;
    const std::string one = Convert(in, options, &stats);
    EXPECT_EQ(stats.flows_by_reason.end_of_input, 40000u);
    for (int jobs : {2, 3}) {
      options.jobs = jobs;
      EXPECT_EQ(Convert(in, options), one) << jobs;
    }
    // A slow consumer lets the workers run far ahead: every row still
    // arrives, once, in order.
    for (int jobs : {1, 2}) {
      options.jobs = jobs;
      options.stats = nullptr;
      std::string rebuilt;
      uint64_t calls = 0;
      absl::StatusOr<uint64_t> n = ConvertPcap(
          in,
          [&](const FlowRecord& r) {
            if (++calls % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
            rebuilt += CsvRow(r, compat == Compat::kPython);
          },
          options);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(calls, 40000u);
      EXPECT_EQ(std::string(CsvHeader()) + (compat == Compat::kPython ? "\r\n" : "\n") + rebuilt,
                one);
    }
  }
}

// Rows formatted on the workers or on threads of their own
// (ConvertOptions::format_threads, pipeline/row_formatter.h): the same bytes,
// in every job count, CSV and JSON Lines, both profiles.
TEST(Parallel, FormatThreadsNeverChangeTheOutput) {
  testing::SynthOptions synth;
  synth.seed = 11;
  synth.sessions = 4000;
  const std::string in = testing::WriteTempFile("fmt.pcap", testing::SynthesizeCapture(synth));
  for (Compat compat : {Compat::kNone, Compat::kPython}) {
    for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl}) {
      ConvertOptions options;
      options.compat = compat;
      options.format = format;
      options.gc_interval = 97;
      options.format_threads = false;
      const std::string one = Convert(in, options);
      ASSERT_GT(one.size(), 100000u);
      for (int jobs : {1, 2, 3}) {
        for (bool threads : {false, true}) {
          options.jobs = jobs;
          options.format_threads = threads;
          EXPECT_EQ(Convert(in, options), one) << "jobs " << jobs << " format threads " << threads;
        }
      }
    }
  }
  // The end flush of many open flows through a formatter (its queue fills
  // while the merger holds only a few blocks: it must not stall).
  testing::PcapFile f(1);
  for (uint32_t i = 0; i < 60000; ++i) {
    const std::string src = "10.9." + std::to_string(i >> 8) + "." + std::to_string(i & 255);
    f.Add(1700000000 + i / 1000, 0, testing::Ethernet(testing::Udp(src, 1000, "192.0.2.1", 53, 8)));
  }
  const std::string flood = testing::WriteTempFile("fmt-flood.pcap", f.bytes());
  ConvertOptions options;
  options.format_threads = false;
  const std::string one = Convert(flood, options);
  options.format_threads = true;
  EXPECT_EQ(Convert(flood, options), one);
}

TEST(Parallel, CommittedCaptureAndCpuLists) {
  const std::string in = "tests/testdata/loopback-web.pcap";
  ConvertOptions options;
  const std::string one = Convert(in, options);
  options.jobs = 2;
  options.cpus = {0};  // both workers on one CPU still works
  EXPECT_EQ(Convert(in, options), one);
  options.jobs = -1;
  options.cpus.clear();
  EXPECT_EQ(Convert(in, options), one);
}

// ConvertOptions::cancel (SIGINT in the CLI): the run stops, fails with
// Cancelled, and leaves no file, in any job count.
TEST(Parallel, CancelStopsTheRunAndLeavesNoFile) {
  testing::SynthOptions synth;
  synth.sessions = 3000;
  const std::string in = testing::WriteTempFile("cancel.pcap", testing::SynthesizeCapture(synth));
  for (int jobs : {1, 3}) {
    std::atomic<bool> cancel{false};
    ConvertOptions options;
    options.jobs = jobs;
    options.cancel = &cancel;
    RunStats stats;
    options.stats = &stats;
    uint64_t seen = 0;
    absl::StatusOr<uint64_t> n = ConvertPcap(
        in,
        [&](const FlowRecord&) {
          if (++seen == 100) cancel.store(true);
        },
        options);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), absl::StatusCode::kCancelled) << n.status();
    EXPECT_GE(stats.flows_written, 100u);
    EXPECT_LT(stats.flows_written, stats.flows_completed + 1);

    const std::string out = testing::TempPath("cancelled.csv");
    absl::StatusOr<uint64_t> rows = ConvertPcapToCsv(in, out, options);  // cancel still set
    ASSERT_FALSE(rows.ok());
    EXPECT_EQ(rows.status().code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(stats.flows_written, 0u);
    EXPECT_FALSE(std::ifstream(out).good()) << "no CSV after a cancelled run";
  }
}

// An exception from on_flow stops the run cleanly and reaches the caller
// (it used to unwind past running threads).
TEST(Parallel, OnFlowExceptionReachesTheCaller) {
  testing::SynthOptions synth;
  synth.sessions = 3000;
  const std::string in = testing::WriteTempFile("throw.pcap", testing::SynthesizeCapture(synth));
  for (int jobs : {1, 3}) {
    ConvertOptions options;
    options.jobs = jobs;
    uint64_t seen = 0;
    EXPECT_THROW(ConvertPcap(
                     in,
                     [&](const FlowRecord&) {
                       if (++seen == 50) throw std::runtime_error("model failed");
                     },
                     options)
                     .IgnoreError(),
                 std::runtime_error);
    EXPECT_EQ(seen, 50u);
  }
}

}  // namespace
}  // namespace netflower
