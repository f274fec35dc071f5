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
#include "io/kafka_producer.h"
#include "io/output_file.h"
#include "netflower/netflower.h"
#include "pipeline/live_pipeline.h"
#include "pipeline/pipeline.h"

namespace netflower {

struct LiveCapture::State {
  std::unique_ptr<OutputFile> csv_file;
  std::unique_ptr<ChunkWriter> csv_chunks;
  std::unique_ptr<CsvWriter> csv;
  std::function<void(const FlowRecord&)> on_flow;
  std::unique_ptr<KafkaProducer> kafka;
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
  return state_->stop_status;
}

bool LiveCapture::limit_reached() const { return state_->pipeline->limit_reached(); }

bool LiveCapture::output_failed() const { return state_->output_failed.load(); }

uint16_t LiveCapture::link_type() const { return state_->pipeline->link_type(); }

RunStats LiveCapture::stats() const {
  RunStats s = state_->pipeline->counters();
  if (state_->kafka != nullptr) s.kafka = state_->kafka->counts();
  if (state_->csv != nullptr) {
    s.flows_written = state_->csv->rows_written();
  } else {
    s.flows_written = state_->kafka != nullptr ? s.kafka.delivered : s.flows_completed;
  }
  return s;
}

PlatformSupport ProbePlatform() { return PlatformSupport{ProbeIoUring(), ProbeTpacketV3()}; }

absl::Status ValidateCaptureOptions(const CaptureOptions& options) {
  if (!(options.idle_timeout >= 0)) {
    return absl::InvalidArgumentError("idle_timeout must be >= 0 seconds");
  }
  if (!(options.active_timeout >= 0)) {
    return absl::InvalidArgumentError("active_timeout (duration cap) must be >= 0 seconds");
  }
  if (options.jobs < 1 || options.jobs > 256) {
    return absl::InvalidArgumentError("jobs must be between 1 and 256 for live capture");
  }
  if (options.ring_block_count < 1) {
    return absl::InvalidArgumentError("the capture ring needs at least one block");
  }
  if (absl::Status s = CheckCpuList(options.cpus); !s.ok()) return s;
  if (options.max_flows && *options.max_flows != 0 &&
      *options.max_flows < static_cast<uint64_t>(options.jobs)) {
    return absl::InvalidArgumentError(absl::StrCat("max_flows (", *options.max_flows,
                                                   ") must be at least jobs (", options.jobs,
                                                   "): every worker holds a share"));
  }
  if (absl::Status s = CheckColumnOptions(options.columns, options.compat, options.label,
                                          options.label_rules, options.cic_fixes, options.tunnels);
      !s.ok()) {
    return s;
  }
  if (IsCic(options.columns) && options.save_pcap) {
    return absl::InvalidArgumentError(
        "save_pcap names its files after netflower-layout records; it is not available with the "
        "CIC layouts");
  }
  if (options.kafka) {
    if (absl::Status s = ValidateKafkaOptions(*options.kafka); !s.ok()) return s;
  }
  if (options.save_pcap && options.pcap_dir.empty()) {
    return absl::InvalidArgumentError("save_pcap needs pcap_dir, an existing directory");
  }
  if (options.save_pcap && !options.csv_path.empty()) {
    if (absl::Status s = RefuseInsideDirectory(options.csv_path, options.pcap_dir,
                                               "which receives one pcap per flow; write the CSV "
                                               "elsewhere");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

namespace {

// The pipeline's configuration from the public options.
LiveConfig LiveConfigFrom(const CaptureOptions& options) {
  LiveConfig config;
  config.compat = options.compat;
  config.tunnels = options.tunnels;
  config.idle_timeout_seconds = options.idle_timeout;
  config.cap_seconds = options.active_timeout;
  config.jobs = options.jobs;
  config.cpus = options.cpus;
  config.ring.block_size = options.ring_block_size;
  config.ring.block_count = options.ring_block_count;
  config.ring.block_timeout_ms = options.ring_block_timeout_ms;
  config.ring.promiscuous = options.promiscuous;
  config.ring.filter = options.filter;
  config.save_pcap = options.save_pcap;
  config.pcap_dir = options.pcap_dir;
  if (options.switch_to) config.pcap_dir_trusted_uid = options.switch_to->uid;
  config.save_pcap_budget_bytes = options.save_pcap_memory_bytes;
  config.packet_limit = options.packet_limit;
  config.columns = options.columns;
  config.format = options.format;
  config.label = options.label.value_or(std::string(DefaultCicLabel(options.columns)));
  config.cic_fixes = options.cic_fixes;
  config.label_rules = options.label_rules;
  config.messages = options.kafka.has_value();
  if (IsCic(options.columns)) config.jobs = 1;  // CicFlowEngine: one table
  config.max_flows = MaxFlowsFor(options.max_flows, config.jobs);
  return config;
}

// Where the delivery thread sends each flow: the CSV (once created), the
// caller's on_flow, Kafka.
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
    outputs.on_message = [s](std::string_view key, std::string_view message) {
      s->kafka->Produce(key, message);
    };
  }
  outputs.on_idle = [s] {  // also notices a failed write while no rows come
    if (s->csv != nullptr) {
      s->csv->FlushPending();
      if (!s->csv->status().ok()) s->output_failed.store(true);
    }
    if (s->kafka != nullptr) s->kafka->Poll();
  };
  return outputs;
}

// Creates options.csv_path (under a temporary name) and its writer.
absl::Status CreateCsv(const CaptureOptions& options, LiveCapture::State* state) {
  absl::StatusOr<std::unique_ptr<OutputFile>> out = OutputFile::Create(options.csv_path);
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
                      WriteMethod::kAuto);
  if (!chunks.ok()) return chunks.status();
  state->csv_chunks = *std::move(chunks);
  const CsvDialect dialect = WithProfile(options.compat, IsCic(options.columns), [&](auto profile) {
    return CsvDialectOf<decltype(profile)>(options.format, options.columns);
  });
  state->csv = std::make_unique<CsvWriter>(state->csv_chunks.get(), dialect, 500);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LiveCapture>> CaptureLive(
    const std::string& interface, std::function<void(const FlowRecord&)> on_flow,
    const CaptureOptions& options) {
  if (absl::Status s = ValidateCaptureOptions(options); !s.ok()) return s;
  if (IsCic(options.columns) && on_flow) {
    return absl::InvalidArgumentError(absl::StrCat(
        "on_flow receives netflower-layout records; the ",
        std::string(ColumnSetName(options.columns)), " layout is written to csv_path only"));
  }
  if (!options.csv_path.empty()) {
    if (absl::Status s = CheckOutputPath(options.csv_path, {}); !s.ok()) return s;
  }
  std::unique_ptr<LiveCapture> capture(new LiveCapture());
  LiveCapture::State& state = *capture->state_;
  state.on_flow = std::move(on_flow);

  // Kafka first: the cluster answers for the topic before any ring opens.
  if (options.kafka) {
    absl::StatusOr<std::unique_ptr<KafkaProducer>> kafka = KafkaProducer::Connect(*options.kafka);
    if (!kafka.ok()) return kafka.status();
    state.kafka = *std::move(kafka);
  }
  // Every check that can fail (interface, filter, ring, pcap_dir) runs here,
  // before the output exists: a failed start leaves an existing CSV as it was.
  absl::StatusOr<std::unique_ptr<LivePipeline>> pipeline =
      LivePipeline::Create(interface, LiveConfigFrom(options), OutputsOf(&state));
  if (!pipeline.ok()) return pipeline.status();
  state.pipeline = *std::move(pipeline);

  if (!options.csv_path.empty()) {
    if (absl::Status s = CreateCsv(options, &state); !s.ok()) return s;
  }
  return capture;
}

}  // namespace netflower
