// Fuzz target: the whole file-conversion path (reader, decoder, pipeline with
// one or two workers, flow engine, row formatting) on arbitrary bytes. The
// last byte picks the profile, job count, gc interval and timeouts, so plain
// capture files are good seeds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "capture/capture_file.h"
#include "capture/input_stream.h"
#include "pipeline/pipeline.h"

namespace {

class CountingConsumer : public netflower::RowConsumer {
 public:
  bool wants_text() const override { return true; }
  void OnRowText(std::string_view row) override {
    if (row.empty() || row.back() != '\n') __builtin_trap();
    ++rows;
  }
  uint64_t rows = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t knobs = data[size - 1];
  netflower::PipelineConfig config;
  config.python_profile = knobs & 1;
  config.jobs = (knobs & 2) ? 2 : 1;
  config.gc_interval = (knobs & 4) ? 1 : 1000;
  config.idle_timeout_seconds = (knobs & 8) ? 0.5 : 120.0;
  if (knobs & 16) config.cap_seconds = 1.0;
  config.hash_seed = 42;
  config.crlf = config.python_profile;
  auto file = netflower::InputStream::FromBytes(data, size, "fuzz");
  auto reader = netflower::CaptureFileReader::FromStream(
      std::move(file), config.python_profile ? netflower::TimestampMode::kDoubleSeconds
                                             : netflower::TimestampMode::kIntegerNanos);
  if (!reader.ok()) return 0;
  CountingConsumer consumer;
  netflower::RunStats stats;
  const absl::Status s = netflower::RunFilePipeline(**reader, config, &consumer, &stats);
  if (!s.ok()) __builtin_trap();
  if (consumer.rows != stats.flows_completed) __builtin_trap();  // nothing lost or doubled
  if (stats.packets_read != stats.packets_accepted + stats.packets_skipped()) __builtin_trap();
  return 0;
}
