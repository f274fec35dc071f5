// Fuzz target: the whole file-conversion path (reader, decoder, pipeline with
// one or two workers, flow engine, row formatting) on arbitrary bytes. The
// last byte picks the profile (python, default, or a CIC layout with
// CICFlowMeter's rules), job count, gc interval and timeouts, so plain
// capture files are good seeds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "capture/capture_file.h"
#include "capture/input_stream.h"
#include "capture/profile.h"
#include "pipeline/pipeline.h"

namespace {

class CountingConsumer : public netflower::RowConsumer {
 public:
  bool wants_text() const override { return true; }
  void OnRowText(std::string_view row, bool /*interim*/) override {
    if (row.empty() || row.back() != '\n') __builtin_trap();
    ++rows;
  }
  uint64_t rows = 0;
};

}  // namespace

template <class P>
void Convert(const uint8_t* data, size_t size, const netflower::PipelineConfig& config) {
  auto file = netflower::InputStream::FromBytes(data, size, "fuzz");
  auto reader = netflower::CaptureFileReader<P>::FromStream(std::move(file));
  if (!reader.ok()) return;
  CountingConsumer consumer;
  netflower::RunStats stats;
  const absl::Status s = netflower::RunFilePipeline<P>(**reader, config, &consumer, &stats);
  if (!s.ok()) __builtin_trap();
  if (consumer.rows != stats.flows_completed) __builtin_trap();  // nothing lost or doubled
  if (stats.packets_read != stats.packets_accepted + stats.packets_skipped()) __builtin_trap();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t knobs = data[size - 1];
  netflower::ConvertOptions options;
  netflower::PipelineConfig config;
  config.options = &options;
  config.run.options = &options;
  config.run.jobs = (knobs & 2) ? 2 : 1;
  config.run.gc_interval = (knobs & 4) ? 1 : 1000;
  config.run.idle_timeout_seconds = (knobs & 8) ? 0.5 : 120.0;
  if (knobs & 16) config.run.cap_seconds = 1.0;
  config.hash_seed = 42;
  if (knobs & 32) {
    // CIC: the dataset rules, or master's (with fixes when bit 0 is set).
    options.columns =
        (knobs & 64) ? netflower::ColumnSet::kCicflowmeter : netflower::ColumnSet::kCicIds2017;
    options.cic_fixes = (knobs & 1) != 0;
    config.run.label = "x";
    Convert<netflower::CicProfile>(data, size, config);
  } else if (knobs & 1) {
    Convert<netflower::PythonProfile>(data, size, config);
  } else {
    Convert<netflower::DefaultProfile>(data, size, config);
  }
  return 0;
}
