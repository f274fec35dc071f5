// Issue 23 ("trust, second round") through the library: each test is named
// after the item it covers; tests/trust_cli_test.sh covers the command line.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "io/output_file.h"
#include "netflower/netflower.h"
#include "tests/testing/capture_builder.h"

namespace netflower {
namespace {

// `flows` one-packet UDP flows, all still open at the end of the input.
std::string ManyOpenFlows(uint32_t flows) {
  testing::PcapFile f(1);
  for (uint32_t i = 0; i < flows; ++i) {
    const std::string src = "10." + std::to_string((i >> 16) & 255) + "." +
                            std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
    f.Add(1700000000, i % 1000000,
          testing::Ethernet(
              testing::Udp(src, static_cast<uint16_t>(1024 + i % 60000), "192.0.2.53", 53, 10)));
  }
  return testing::WriteTempFile("open-flows.pcap", f.bytes());
}

// Item 11: a cancel that comes while the end of the input is being flushed
// stops the flush, instead of emitting every open flow first (0.4-0.8 s for
// 400 k flows in a sanitizer build). The flush runs on the flow worker; its
// output queue holds 32 blocks of 256 rows, so without the check in the
// flush all 100 k flows are emitted and counted, with it only what the
// queue held when the cancel came, plus one check interval.
TEST(Trust, Item11CancelDuringTheEndFlushStopsIt) {
  constexpr uint32_t kFlows = 100000;
  const std::string in = ManyOpenFlows(kFlows);
  for (bool format_threads : {false, true}) {
    std::atomic<bool> cancel{false};
    ConvertOptions options;
    options.cancel = &cancel;
    options.format_threads = format_threads;
    RunStats stats;
    options.stats = &stats;
    uint64_t delivered = 0;
    // Every flow ends at the end of the input, so the first one delivered
    // means the flush is under way.
    absl::StatusOr<uint64_t> rows = ConvertPcap(
        in,
        [&](const FlowRecord&) {
          ++delivered;
          cancel.store(true);
        },
        options);
    EXPECT_EQ(rows.status().code(), absl::StatusCode::kCancelled) << rows.status();
    EXPECT_EQ(stats.packets_read, kFlows);
    EXPECT_LT(stats.flows_by_reason.end_of_input, kFlows / 2)
        << "the flush went on after the cancel (format_threads " << format_threads << ")";
    EXPECT_GE(delivered, 1u);
  }
}

// Item 1 through the library: a label longer than the bound is refused
// before anything runs, for conversions and captures alike.
TEST(Trust, Item1ALabelPastTheBoundIsRefusedByTheLibrary) {
  ConvertOptions options;
  options.columns = ColumnSet::kCicIds2017;
  options.label = std::string(8000, 'A');
  const absl::Status s = ValidateOptions(options);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "label: a label of 8000 bytes; at most 256");
  options.label = std::string(kMaxLabelBytes, 'A');
  EXPECT_TRUE(ValidateOptions(options).ok());

  CaptureOptions live;
  live.columns = ColumnSet::kCicIds2017;
  live.label = "x\ny";
  EXPECT_EQ(ValidateOptions(live).code(), absl::StatusCode::kInvalidArgument);
  // Rules made in code pass the same check as a rules file's.
  LabelRule rule;
  rule.label = "\xFF";
  live.label.reset();
  live.label_rules = {rule};
  EXPECT_EQ(ValidateOptions(live).message(),
            "label rule 1: not UTF-8 at byte 0 (labels are UTF-8 text)");
  rule.label = "ok";
  rule.start_us = 10;
  rule.end_us = 10;
  live.label_rules = {rule};
  EXPECT_NE(ValidateOptions(live).message().find("the window matches no flow"), std::string::npos);
}

// Item 5: the Kafka timeouts are bounded where the library checks them, so
// no deadline in nanoseconds can overflow.
TEST(Trust, Item5KafkaTimeoutsAreBounded) {
  ConvertOptions options;
  options.kafka = KafkaOptions{"127.0.0.1:9", "t", {}, 9223372036.0};
  EXPECT_EQ(ValidateOptions(options).message(),
            "the Kafka flush timeout must be from 0 to 86400 seconds (a day), got 9.22337e+09");
  options.kafka->flush_timeout_seconds = kMaxKafkaTimeoutSeconds;
  options.kafka->connect_timeout_seconds = 1e30;
  EXPECT_NE(ValidateOptions(options).message().find("the Kafka connect timeout"),
            std::string::npos);
  options.kafka->connect_timeout_seconds = 0;
  EXPECT_TRUE(ValidateOptions(options).ok());
}

// Item 9: standard input redirected from a file is that file.
TEST(Trust, Item9StandardInputIsComparedWithTheOutput) {
  const std::string capture = ManyOpenFlows(3);
  const int saved = ::dup(STDIN_FILENO);
  const int fd = ::open(capture.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, STDIN_FILENO), STDIN_FILENO);
  ::close(fd);
  const absl::Status same = RefuseSameFile("-", capture);
  absl::StatusOr<uint64_t> rows = ConvertPcapToCsv("-", capture);
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  EXPECT_EQ(same.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(same.message().find("is the input standard input (-)"), std::string::npos);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::ReadFile(capture).substr(0, 4), "\xD4\xC3\xB2\xA1");  // still the capture
}

// "Written" means accepted by the kernel, and the run says through which
// call: io_uring, or write(2) when asked for (or when io_uring cannot be set
// up). The aarch64 VM test (tools/arm_vm_test.sh) reads this line of the
// summary to show io_uring wrote on the ARM kernel.
TEST(Trust, RunStatsNameHowTheCsvWasWritten) {
  const std::string capture = ManyOpenFlows(3);
  RunStats stats;
  ConvertOptions options;
  options.stats = &stats;
  options.use_io_uring = false;
  ASSERT_TRUE(ConvertPcapToCsv(capture, testing::TempPath("w.csv"), options).ok());
  EXPECT_EQ(stats.csv_written_with, "write(2)");
  options.use_io_uring = true;
  ASSERT_TRUE(ConvertPcapToCsv(capture, testing::TempPath("u.csv"), options).ok());
  const char* require = std::getenv("NETFLOWER_REQUIRE_IO_URING");
  if (require != nullptr && std::string(require) == "1") {
    EXPECT_EQ(stats.csv_written_with, "io_uring");
  } else {
    EXPECT_TRUE(stats.csv_written_with == "io_uring" || stats.csv_written_with == "write(2)")
        << stats.csv_written_with;
  }
  ASSERT_TRUE(ConvertPcap(
                  capture, [](const FlowRecord&) {}, options)
                  .ok());
  EXPECT_EQ(stats.csv_written_with, "");  // no CSV
}

}  // namespace
}  // namespace netflower
