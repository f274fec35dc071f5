// File conversion entry points (netflower.h).
#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capture/capture_file.h"
#include "capture/decode.h"
#include "flow/flow_engine.h"
#include "flow/flow_key.h"
#include "io/chunk_writer.h"
#include "io/csv_writer.h"
#include "io/ipfix_exporter.h"
#include "io/kafka_producer.h"
#include "io/output_file.h"
#include "netflower/convert_one.h"
#include "netflower/netflower.h"
#include "netflower/settle.h"
#include "pipeline/pipeline.h"

namespace netflower {
namespace {

// The exports of a run besides its CSV: Kafka, IPFIX, either or both.
// Opened before the output file is created; finished after the rows.
struct Exports {
  std::unique_ptr<KafkaProducer> kafka;
  std::unique_ptr<IpfixExporter> own_ipfix;
  IpfixExporter* ipfix = nullptr;  // own_ipfix, or ConvertFiles' shared one
  uint64_t ipfix_rows = 0;         // flows handed to `ipfix` (FileOutputs)

  absl::Status Open(const ConvertOptions& options, IpfixExporter* shared_ipfix) {
    if (options.kafka) {
      absl::StatusOr<std::unique_ptr<KafkaProducer>> connected =
          KafkaProducer::Connect(*options.kafka);
      if (!connected.ok()) return connected.status();
      kafka = std::move(*connected);
      kafka->set_cancel(options.cancel);
    }
    if (options.ipfix && shared_ipfix != nullptr) {
      ipfix = shared_ipfix;
    } else if (options.ipfix) {
      absl::StatusOr<std::unique_ptr<IpfixExporter>> opened = IpfixExporter::Open(
          *options.ipfix, HasTunnelColumns(options.columns), options.compat != Compat::kPython);
      if (!opened.ok()) return opened.status();
      own_ipfix = std::move(*opened);
      own_ipfix->set_cancel(options.cancel);
      ipfix = own_ipfix.get();
    }
    return absl::OkStatus();
  }
  // Waits for what is outstanding, counts into `stats`; the first failure.
  // A shared exporter is only polled: its flush and counts are the whole
  // set of files' (FilesResult::ipfix).
  absl::Status Finish(RunStats* stats) {
    absl::Status status;
    if (kafka) {
      status.Update(kafka->Flush());
      stats->kafka = kafka->counts();
    }
    if (own_ipfix) {
      status.Update(own_ipfix->Flush());
      stats->ipfix = own_ipfix->counts();
    } else if (ipfix != nullptr) {
      ipfix->Poll();
    }
    return status;
  }
  // Flows written when there is no CSV: those Kafka delivered, else those
  // IPFIX exported (with a shared exporter: handed to it).
  uint64_t FlowsWritten(const RunStats& stats) const {
    if (kafka) return stats.kafka.delivered - stats.kafka.interim_delivered;
    return own_ipfix ? stats.ipfix.flows_exported : ipfix_rows;
  }
};

// The outputs of a file conversion: a CSV file and the exports, any of
// them (each row goes to Kafka and IPFIX first, then to the file: the same
// flows in the same order).
class FileOutputs : public RowConsumer {
 public:
  // `csv` may be null (exports only).
  FileOutputs(CsvWriter* csv, Exports* exports)
      : csv_(csv), kafka_(exports->kafka.get()), ipfix_(exports->ipfix), exports_(exports) {}
  bool wants_text() const override { return csv_ != nullptr; }
  bool wants_messages() const override { return kafka_ != nullptr; }
  const IpfixModel* ipfix_model() const override { return ipfix_ ? &ipfix_->model() : nullptr; }
  void OnRowText(std::string_view row, bool interim) override { csv_->AddRow(row, !interim); }
  void OnMessage(std::string_view key, std::string_view message, bool interim) override {
    kafka_->Produce(key, message, interim);
  }
  void OnIpfix(std::string_view records) override {
    ipfix_->Add(records);
    ++exports_->ipfix_rows;
  }
  absl::Status status() const override { return csv_ ? csv_->status() : absl::OkStatus(); }
  void OnIdle() override {
    if (csv_) csv_->FlushPending();
    if (kafka_) kafka_->Poll();
    if (ipfix_) ipfix_->Poll();
  }

 private:
  CsvWriter* const csv_;
  KafkaProducer* const kafka_;
  IpfixExporter* const ipfix_;
  Exports* const exports_;
};

class CallbackConsumer : public RowConsumer {
 public:
  explicit CallbackConsumer(const std::function<void(const FlowRecord&)>& on_flow)
      : on_flow_(on_flow) {}
  bool wants_text() const override { return false; }
  // An exception from on_flow stops the run (status() fails, the pipeline
  // winds down and joins its threads); ConvertPcap then rethrows it.
  void OnRecord(const FlowRecord& record) override {
    if (error_) return;
    try {
      on_flow_(record);
      if (record.export_reason != ExportReason::kInterim) ++calls_;  // a flow
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  absl::Status status() const override {
    return error_ ? absl::AbortedError("on_flow raised an exception") : absl::OkStatus();
  }
  uint64_t calls() const { return calls_; }
  const std::exception_ptr& error() const { return error_; }

 private:
  const std::function<void(const FlowRecord&)>& on_flow_;
  uint64_t calls_ = 0;
  std::exception_ptr error_;
};

template <class P>
absl::Status Run(CaptureFileReader<P>& reader, const ConvertOptions& options,
                 const RunSettings& run, RowConsumer* consumer, RunStats* stats) {
  PipelineConfig config;
  config.options = &options;
  config.run = run;
  config.hash_seed = RandomHashSeed();
  stats->idle_timeout = run.idle_timeout_seconds;
  stats->active_timeout = run.cap_seconds;
  stats->jobs = run.jobs;
  const auto started = std::chrono::steady_clock::now();
  absl::Status status = RunFilePipeline<P>(reader, config, consumer, stats);
  stats->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return status;
}

// ConvertPcapToCsv in profile P. The input is opened (and its header
// checked) and Kafka connected before the output is created.
template <class P>
absl::StatusOr<uint64_t> ConvertToOutputs(const std::string& input_path,
                                          const std::string& output_path,
                                          const ConvertOptions& options, const RunSettings& run,
                                          bool output_named, RunStats* stats,
                                          IpfixExporter* shared_ipfix) {
  absl::StatusOr<std::unique_ptr<CaptureFileReader<P>>> reader =
      CaptureFileReader<P>::Open(input_path);
  if (!reader.ok()) return reader.status();
  Exports exports;
  if (absl::Status s = exports.Open(options, shared_ipfix); !s.ok()) return s;
  if (output_path.empty()) {  // exports only
    FileOutputs outputs(nullptr, &exports);
    absl::Status status = Run<P>(**reader, options, run, &outputs, stats);
    absl::Status finished = exports.Finish(stats);
    stats->flows_written = exports.FlowsWritten(*stats);
    if (status.ok()) status = finished;
    if (!status.ok()) return status;
    return stats->flows_written;
  }
  OutputFile::CreateOptions create;
  create.named = output_named;
  create.cancel = options.cancel;
  absl::StatusOr<std::unique_ptr<OutputFile>> out = OutputFile::Create(output_path, create);
  if (!out.ok()) return out.status();
  absl::StatusOr<std::unique_ptr<ChunkWriter>> chunks = MakeChunkWriter(
      (*out)->fd(), output_path == "-" ? std::string("standard output") : output_path,
      options.use_io_uring ? WriteMethod::kAuto : WriteMethod::kSyscall);
  if (!chunks.ok()) return chunks.status();

  CsvWriter writer(chunks->get(), CsvDialectOf<P>(options),
                   static_cast<size_t>(options.buffer_rows));
  FileOutputs outputs(&writer, &exports);
  absl::Status status = Run<P>(**reader, options, run, &outputs, stats);
  absl::Status finish = writer.Finish();
  stats->flows_written = writer.rows_written();
  stats->csv_written_with = (*chunks)->method();
  chunks->reset();  // every write has completed before the file is committed
  if (status.ok()) status = finish;
  if (status.ok()) status = (*out)->Commit();
  // The CSV stands on its own: the exports' outcome is reported, not a
  // reason to remove a complete file.
  absl::Status delivered = exports.Finish(stats);
  if (!status.ok()) {
    (*out)->Abort();
    if ((*out)->atomic()) stats->flows_written = 0;  // the temporary file is gone
    return status;
  }
  if (!delivered.ok()) return delivered;
  return writer.rows();
}

// ConvertPcap in profile P.
template <class P>
absl::StatusOr<uint64_t> ConvertToCallback(const std::string& input_path,
                                           const std::function<void(const FlowRecord&)>& on_flow,
                                           const ConvertOptions& options, const RunSettings& run,
                                           RunStats* stats) {
  absl::StatusOr<std::unique_ptr<CaptureFileReader<P>>> reader =
      CaptureFileReader<P>::Open(input_path);
  if (!reader.ok()) return reader.status();
  CallbackConsumer consumer(on_flow);
  absl::Status status = Run<P>(**reader, options, run, &consumer, stats);
  stats->flows_written = consumer.calls();
  if (consumer.error()) std::rethrow_exception(consumer.error());
  if (!status.ok()) return status;
  return stats->flows_written;
}

// CheckConversion, for an output the user named or one ConvertFiles made.
absl::Status CheckOne(const std::string& input_path, const std::string& output_path,
                      bool output_named, const ConvertOptions& options) {
  if (absl::Status s = ValidateOptions(options); !s.ok()) return s;
  if (output_path.empty() && !options.kafka && !options.ipfix) {
    return absl::InvalidArgumentError(
        "no output: name a CSV file (or \"-\"), Kafka, IPFIX, or several");
  }
  if (output_path.empty()) return absl::OkStatus();  // exports only
  if (absl::Status s = RefuseSameFile(input_path, output_path); !s.ok()) return s;
  OutputFile::CreateOptions create;
  create.named = output_named;
  return CheckOutputPath(output_path, create);
}

}  // namespace

const char* Version() { return kVersion; }

absl::Status CheckConversion(const std::string& input_path, const std::string& output_path,
                             const ConvertOptions& options) {
  return CheckOne(input_path, output_path, /*output_named=*/true, options);
}

absl::StatusOr<uint64_t> ConvertOne(const std::string& input_path, const std::string& output_path,
                                    const ConvertOptions& options, bool output_named,
                                    RunStats* stats, IpfixExporter* shared_ipfix) {
  *stats = RunStats();
  if (absl::Status s = CheckOne(input_path, output_path, output_named, options); !s.ok()) {
    return s;
  }
  absl::StatusOr<RunSettings> run = Settle(options);
  if (!run.ok()) return run.status();
  return WithProfile(options.compat, IsCic(options.columns), [&](auto profile) {
    return ConvertToOutputs<decltype(profile)>(input_path, output_path, options, *run, output_named,
                                               stats, shared_ipfix);
  });
}

absl::StatusOr<uint64_t> ConvertPcapToCsv(const std::string& input_path,
                                          const std::string& output_path,
                                          const ConvertOptions& options) {
  RunStats local_stats;
  return ConvertOne(input_path, output_path, options, /*output_named=*/true,
                    options.stats != nullptr ? options.stats : &local_stats);
}

absl::StatusOr<uint64_t> ConvertPcap(const std::string& input_path,
                                     const std::function<void(const FlowRecord&)>& on_flow,
                                     const ConvertOptions& options) {
  RunStats local_stats;
  RunStats* stats = options.stats != nullptr ? options.stats : &local_stats;
  *stats = RunStats();
  absl::StatusOr<RunSettings> run = Settle(options);
  if (!run.ok()) return run.status();
  if (options.kafka || options.ipfix) {
    return absl::InvalidArgumentError(
        "ConvertPcap hands flows to on_flow; Kafka and IPFIX are outputs of ConvertPcapToCsv");
  }
  if (IsCic(options.columns)) {
    return absl::InvalidArgumentError(
        absl::StrCat("ConvertPcap hands over netflower-layout records; the ",
                     std::string(ColumnSetName(options.columns)),
                     " layout is written as text (ConvertPcapToCsv)"));
  }
  return WithProfile(options.compat, false, [&](auto profile) {
    return ConvertToCallback<decltype(profile)>(input_path, on_flow, options, *run, stats);
  });
}

}  // namespace netflower
