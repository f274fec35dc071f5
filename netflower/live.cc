// Live capture entry points (netflower.h).
#include <sys/stat.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capture/packet_ring.h"
#include "flow/flow_engine.h"
#include "io/chunk_writer.h"
#include "io/csv_writer.h"
#include "io/ipfix_exporter.h"
#include "io/kafka_producer.h"
#include "io/output_file.h"
#include "netflower/netflower.h"
#include "netflower/settle.h"
#include "pipeline/live_pipeline.h"
#include "pipeline/pipeline.h"

namespace netflower {

struct LiveCapture::State {
  // The capture's own copy of its options: the pipeline reads them
  // (LiveConfig, RunSettings::options) for as long as it runs.
  CaptureOptions options;
  RunSettings run;  // what they settled into
  std::unique_ptr<OutputFile> csv_file;
  std::unique_ptr<ChunkWriter> csv_chunks;
  std::unique_ptr<CsvWriter> csv;
  std::function<void(const FlowRecord&)> on_flow;
  std::unique_ptr<KafkaProducer> kafka;
  std::unique_ptr<IpfixExporter> ipfix;
  std::unique_ptr<LivePipeline> pipeline;  // last: stopped before the outputs go
  std::atomic<bool> output_failed{false};
  std::mutex mutex;
  bool stopped = false;
  absl::Status stop_status;
};

LiveCapture::LiveCapture() : state_(std::make_unique<State>()) {}

LiveCapture::~LiveCapture() { Stop().IgnoreError(); }

absl::Status LiveCapture::Start() { return state_->pipeline->Start(); }

absl::Status LiveCapture::Stop() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  if (state_->stopped || state_->pipeline == nullptr) return state_->stop_status;
  state_->stopped = true;
  if (state_->kafka != nullptr) state_->kafka->LimitWaits();  // a lost cluster cannot hold Stop()
  state_->pipeline->Stop();
  if (state_->csv != nullptr) {
    // Finish() waits for every write; the writer stays (stats() reads its
    // count of rows written, also during and after Stop()).
    absl::Status s = state_->csv->Finish();
    // Even after a write error the rows written so far are kept: a capture
    // cannot be replayed.
    const absl::Status committed = state_->csv_file->CommitOrKeep();
    state_->stop_status = s.ok() ? committed : s;
  }
  if (state_->kafka != nullptr) {
    absl::Status delivered = state_->kafka->Flush();
    if (state_->stop_status.ok()) state_->stop_status = delivered;
  }
  if (state_->ipfix != nullptr) {
    absl::Status exported = state_->ipfix->Flush();
    if (state_->stop_status.ok()) state_->stop_status = exported;
  }
  return state_->stop_status;
}

bool LiveCapture::limit_reached() const { return state_->pipeline->limit_reached(); }

bool LiveCapture::output_failed() const { return state_->output_failed.load(); }

uint16_t LiveCapture::link_type() const { return state_->pipeline->link_type(); }

RunStats LiveCapture::stats() const {
  RunStats s = state_->pipeline->counters();
  s.idle_timeout = state_->run.idle_timeout_seconds;
  s.active_timeout = state_->run.cap_seconds;
  s.jobs = state_->run.jobs;
  if (state_->kafka != nullptr) s.kafka = state_->kafka->counts();
  if (state_->ipfix != nullptr) s.ipfix = state_->ipfix->counts();
  if (state_->csv != nullptr) {
    s.flows_written = state_->csv->rows_written();
    s.csv_written_with = state_->csv_chunks->method();
  } else if (state_->kafka != nullptr) {
    s.flows_written = s.kafka.delivered - s.kafka.interim_delivered;
  } else if (state_->ipfix != nullptr) {
    s.flows_written = s.ipfix.flows_exported;
  } else {
    s.flows_written = s.flows_completed;
  }
  return s;
}

namespace {

// Where the delivery thread sends each flow: the CSV (once created), the
// caller's on_flow, Kafka, IPFIX.
LiveOutputs OutputsOf(LiveCapture::State* s) {
  LiveOutputs outputs;
  outputs.on_flow = [s](const FlowRecord& record) {
    if (s->csv != nullptr) {
      s->csv->Add(record);
      if (!s->csv->status().ok()) s->output_failed.store(true);
    }
    if (s->on_flow) s->on_flow(record);
  };
  outputs.on_text = [s](std::string_view row) {  // CIC layouts
    if (s->csv != nullptr) {
      s->csv->AddRow(row);
      if (!s->csv->status().ok()) s->output_failed.store(true);
    }
  };
  if (s->kafka != nullptr) {
    // Waits while librdkafka's queue is full: the back-pressure of a slow
    // or lost cluster reaches the rings.
    outputs.on_message = [s](std::string_view key, std::string_view message, bool interim) {
      s->kafka->Produce(key, message, interim);
    };
  }
  if (s->ipfix != nullptr) {
    outputs.ipfix_model = &s->ipfix->model();
    outputs.on_ipfix = [s](std::string_view records) { s->ipfix->Add(records); };
  }
  outputs.on_idle = [s] {  // also notices a failed write while no rows come
    if (s->csv != nullptr) {
      s->csv->FlushPending();
      if (!s->csv->status().ok()) s->output_failed.store(true);
    }
    if (s->kafka != nullptr) s->kafka->Poll();
    if (s->ipfix != nullptr) s->ipfix->Poll();
  };
  return outputs;
}

// Creates options.csv_path (under a temporary name) and its writer.
absl::Status CreateCsv(const CaptureOptions& options, LiveCapture::State* state) {
  absl::StatusOr<std::unique_ptr<OutputFile>> out = OutputFile::Create(options.csv_path, {});
  if (!out.ok()) return out.status();
  state->csv_file = *std::move(out);
  if (options.switch_to) {
    if (absl::Status s = state->csv_file->GiveTo(options.switch_to->uid, options.switch_to->gid);
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::unique_ptr<ChunkWriter>> chunks =
      MakeChunkWriter(state->csv_file->fd(),
                      options.csv_path == "-" ? std::string("standard output") : options.csv_path,
                      options.use_io_uring ? WriteMethod::kAuto : WriteMethod::kSyscall);
  if (!chunks.ok()) return chunks.status();
  state->csv_chunks = *std::move(chunks);
  const CsvDialect dialect = WithProfile(options.compat, IsCic(options.columns), [&](auto profile) {
    return CsvDialectOf<decltype(profile)>(options);
  });
  state->csv = std::make_unique<CsvWriter>(state->csv_chunks.get(), dialect, 500);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LiveCapture>> CaptureLive(
    const std::string& interface, std::function<void(const FlowRecord&)> on_flow,
    const CaptureOptions& options) {
  std::unique_ptr<LiveCapture> capture(new LiveCapture());
  LiveCapture::State& state = *capture->state_;
  state.options = options;
  absl::StatusOr<RunSettings> run = Settle(state.options);
  if (!run.ok()) return run.status();
  state.run = *run;
  if (IsCic(options.columns) && on_flow) {
    return absl::InvalidArgumentError(absl::StrCat(
        "on_flow receives netflower-layout records; the ",
        std::string(ColumnSetName(options.columns)), " layout is written to csv_path only"));
  }
  if (!options.csv_path.empty()) {
    if (absl::Status s = CheckOutputPath(options.csv_path, {}); !s.ok()) return s;
  }
  state.on_flow = std::move(on_flow);

  // Kafka first: the cluster answers for the topic before any ring opens.
  if (options.kafka) {
    absl::StatusOr<std::unique_ptr<KafkaProducer>> kafka = KafkaProducer::Connect(*options.kafka);
    if (!kafka.ok()) return kafka.status();
    state.kafka = *std::move(kafka);
  }
  if (options.ipfix) {
    absl::StatusOr<std::unique_ptr<IpfixExporter>> ipfix = IpfixExporter::Open(
        *options.ipfix, HasTunnelColumns(options.columns), options.compat != Compat::kPython);
    if (!ipfix.ok()) return ipfix.status();
    state.ipfix = *std::move(ipfix);
  }
  // Every check that can fail (interface, filter, ring, pcap_dir) runs here,
  // before the output exists: a failed start leaves an existing CSV as it was.
  absl::StatusOr<std::unique_ptr<LivePipeline>> pipeline =
      LivePipeline::Create(interface, LiveConfig{&state.options, state.run}, OutputsOf(&state));
  if (!pipeline.ok()) return pipeline.status();
  state.pipeline = *std::move(pipeline);

  if (!options.csv_path.empty()) {
    if (absl::Status s = CreateCsv(state.options, &state); !s.ok()) return s;
  }
  return capture;
}

}  // namespace netflower
