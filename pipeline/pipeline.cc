#include "pipeline/pipeline.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "capture/decode.h"
#include "capture/profile.h"
#include "flow/flow_engine.h"
#include "io/csv_format.h"
#include "pipeline/doorbell.h"
#include "pipeline/pipeline_worker.h"
#include "pipeline/row_formatter.h"
#include "pipeline/spsc_queue.h"

namespace netflower {
namespace {

using namespace pipeline_internal;  // NOLINT: the pipeline's own parts

struct SourceCounts {
  uint64_t accepted = 0;
  uint64_t skipped[static_cast<int>(SkipReason::kCount)] = {};
  std::atomic<uint64_t> records{0};  // for progress reports
  std::atomic<uint64_t> bytes{0};
};

// Reads, decodes, keys, numbers and routes every packet; broadcasts sweeps,
// progress marks and the end.
template <class P>
class Source {
 public:
  Source(CaptureFileReader<P>& reader, std::vector<std::unique_ptr<Worker<P>>>& workers,
         const PipelineConfig& config, uint64_t seed, Shared* shared, SourceCounts* counts)
      : reader_(reader),
        workers_(workers),
        hasher_(seed),
        gc_interval_(config.run.gc_interval),
        tunnels_(config.run.tunnels),
        dpi_(!P::kCic && config.options->dpi),
        shared_(shared),
        counts_(counts),
        batches_(workers.size()),
        batch_sizes_(workers.size(), 0),
        frames_(workers.size(), nullptr) {
    for (auto& b : batches_) b = std::make_unique<WorkItem<P>[]>(kSourceBatch);
  }

  void Run() {
    pthread_setname_np(pthread_self(), "nf-source");
    try {
      Loop();
    } catch (const std::exception& e) {
      shared_->Fail(absl::StrCat("packet source failed: ", e.what()));
    }
  }

 private:
  void Loop() {
    const size_t n_workers = workers_.size();
    RawPacket<P> raw;
    DecodedPacket decoded;
    uint64_t records = 0;
    uint64_t until_gc = gc_interval_;
    uint64_t since_broadcast = 0;
    // A pipe that goes quiet: hand on every packet read so far, so that the
    // rows of flows they complete are written now, not when more arrive; and
    // publish the counts, which are otherwise published every 1024 records
    // (a progress report on a slow pipe said "0 packets" while rows came).
    reader_.input().set_cancel(&shared_->abort);
    reader_.input().set_on_idle([this, &since_broadcast] {
      PublishCounts();
      if (counts_->accepted == 0 || since_broadcast == 0) return;
      since_broadcast = 0;
      Broadcast(ItemKind::kProgress, counts_->accepted, last_time_);
    });

    while (reader_.Next(&raw)) {
      if (++records == 1) {
        // Fixed by the first packet; published before any packet is pushed.
        shared_->epoch_shift_seconds.store(reader_.epoch_shift_seconds(),
                                           std::memory_order_relaxed);
      }
      if ((records & 0x3FF) == 0) {
        if (shared_->abort.load(std::memory_order_relaxed)) return;
        PublishCounts();
      }
      const DecodeStatus status =
          DecodeFrame<P>(raw.link_type, raw.data, raw.length, tunnels_, &decoded);
      if (status != DecodeStatus::kOk) {
        ++counts_->skipped[static_cast<int>(SkipReasonOf(status))];
        continue;
      }
      EnginePacket<P> packet;
      FillEnginePacket(decoded, hasher_, &packet);
      // The high half of the hash picks the worker; tables use the low half.
      const size_t w = static_cast<size_t>(((packet.hash >> 32) * n_workers) >> 32);
      packet.time = raw.time;
      last_time_ = packet.time;
      packet.number = ++counts_->accepted;
      if (dpi_) AddIpBytes(w, raw.data + decoded.ip_offset, decoded.pkt_len);
      WorkItem<P>& item = batches_[w][batch_sizes_[w]++];
      item.kind = ItemKind::kPacket;
      item.packet = packet;
      if (batch_sizes_[w] == kSourceBatch) Flush(w);
      ++since_broadcast;
      if (--until_gc == 0) {
        until_gc = gc_interval_;
        since_broadcast = 0;
        Broadcast(ItemKind::kSweep, packet.number, packet.time);
      } else if (since_broadcast == kProgressEvery) {
        since_broadcast = 0;
        Broadcast(ItemKind::kProgress, packet.number, packet.time);
      }
    }
    reader_.input().set_on_idle(nullptr);
    PublishCounts();
    Broadcast(ItemKind::kEnd, kEndOfInput, typename P::Time{});
  }

  // For progress reports, read by the merging thread.
  void PublishCounts() {
    counts_->records.store(reader_.records_read(), std::memory_order_relaxed);
    counts_->bytes.store(reader_.bytes_consumed(), std::memory_order_relaxed);
  }

  // --dpi: the packet's IP bytes go to worker `w` beside its item.
  void AddIpBytes(size_t w, const uint8_t* ip, uint32_t length) {
    if (frames_[w] == nullptr) frames_[w] = workers_[w]->SpareFrameBatch();
    frames_[w]->AddIpPacket(ip, length);
  }

  // A push gives up only when the run is aborted: the items are dropped then
  // (the loop returns at its next abort check), never written past the end.
  // The items' bytes (--dpi) go first: the worker needs a packet's bytes
  // when it takes the packet.
  void Flush(size_t w) {
    if (frames_[w] != nullptr) {
      if (!workers_[w]->PushFrames(frames_[w])) return;
      frames_[w] = nullptr;
    }
    (void)workers_[w]->Push(batches_[w].get(), batch_sizes_[w]);
    batch_sizes_[w] = 0;
  }

  void Broadcast(ItemKind kind, uint64_t number, typename P::Time time) {
    for (size_t w = 0; w < workers_.size(); ++w) {
      WorkItem<P>& item = batches_[w][batch_sizes_[w]++];
      item.kind = kind;
      item.packet.number = number;
      item.packet.time = time;
      Flush(w);
    }
  }

  CaptureFileReader<P>& reader_;
  std::vector<std::unique_ptr<Worker<P>>>& workers_;
  FlowHasher hasher_;
  const uint64_t gc_interval_;
  const bool tunnels_;  // PipelineConfig::tunnels
  const bool dpi_;      // Options::dpi: send each packet's IP bytes
  Shared* const shared_;
  SourceCounts* const counts_;
  std::vector<std::unique_ptr<WorkItem<P>[]>> batches_;
  std::vector<size_t> batch_sizes_;
  std::vector<FrameBatch*> frames_;  // by worker: the batch being filled (--dpi)
  typename P::Time last_time_{};     // of the last accepted packet
};

// About twice a second: the bytes and records read so far.
template <class P>
void ReportProgress(const PipelineConfig& config, const SourceCounts& counts,
                    const CaptureFileReader<P>& reader,
                    std::chrono::steady_clock::time_point started,
                    std::chrono::steady_clock::time_point* last_report) {
  const auto now = std::chrono::steady_clock::now();
  if (now - *last_report <= std::chrono::milliseconds(500)) return;
  *last_report = now;
  Progress p;
  p.bytes_done = counts.bytes.load(std::memory_order_relaxed);
  p.bytes_total = reader.size_hint();
  p.packets_read = counts.records.load(std::memory_order_relaxed);
  p.seconds = std::chrono::duration<double>(now - started).count();
  config.options->on_progress(p);
}

// Adds a finished run's counts to `stats`: read = accepted + skipped.
template <class P>
void AddTotals(const CaptureFileReader<P>& reader, const SourceCounts& counts,
               const std::vector<std::unique_ptr<Worker<P>>>& workers, RunStats* stats) {
  for (int r = 0; r < static_cast<int>(SkipReason::kCount); ++r) {
    stats->skipped[r] += counts.skipped[r];
  }
  const ReaderSkips& rs = reader.skips();
  stats->skipped[static_cast<int>(SkipReason::kNoTimestamp)] += rs.simple_packet_blocks;
  stats->skipped[static_cast<int>(SkipReason::kUnknownInterface)] += rs.unknown_interface;
  stats->skipped[static_cast<int>(SkipReason::kMalformedBlock)] += rs.malformed_blocks;
  stats->packets_read += reader.records_read();
  stats->packets_accepted += counts.accepted;
  for (auto& w : workers) {
    const EngineCounters& c = w->counters();
    stats->late_packets += c.late_packets;
    stats->one_packet_flows += c.one_packet_flows;
    stats->flows_completed += c.flows_emitted;
    stats->interim_rows += c.emitted_by_reason[static_cast<int>(EmitReason::kInterim)];
    AddEmitCounts(c, &stats->flows_by_reason);
    // Per-worker peaks do not coincide in time; their sum bounds the total.
    stats->peak_open_flows += c.peak_flows;
  }
  stats->timestamps_clamped += reader.timestamps_clamped();
  stats->bytes_read += reader.bytes_consumed();
  stats->input_ended_early = stats->input_ended_early || reader.ended_early();
  for (const std::string& w : reader.warnings()) stats->warnings.push_back(w);
}

// The engine's settings for `config`, but for the epoch shift, which the
// caller points at its Shared.
template <class P>
typename EngineFor<P>::Config EngineConfigOf(const PipelineConfig& config) {
  typename EngineFor<P>::Config engine_config;
  engine_config.idle_timeout = P::FromSeconds(config.run.idle_timeout_seconds);
  if (config.run.cap_seconds) {
    engine_config.has_cap = true;
    engine_config.cap = P::FromSeconds(*config.run.cap_seconds);
  }
  if constexpr (P::kCic) {
    engine_config.columns = config.options->columns;
    engine_config.fixes = config.options->cic_fixes;
  } else {
    SetRowOptions<P>(*config.options, &engine_config);
  }
  return engine_config;
}

// What `n` workers make of their rows for `consumer`: text, records or
// messages, and whether a RowFormatter takes some of the formatting
// (UseRowFormatters unless the config says).
template <class P>
WorkerOptions WorkerOptionsOf(const PipelineConfig& config, RowConsumer* consumer, size_t n) {
  WorkerOptions options;
  options.text = consumer->wants_text();
  options.messages = consumer->wants_messages();
  options.ipfix = consumer->ipfix_model();
  options.records = consumer->wants_records();
  options.dpi = !P::kCic && config.options->dpi;
  options.hand_over_rows = !P::kCic && !options.records &&
                           config.options->format_threads.value_or(
                               UseRowFormatters(static_cast<int>(n), AllowedCpus().size()));
  options.run = &config.run;
  return options;
}

// A RowFormatter for each worker when options.hand_over_rows (else none),
// each worker's publish bell pointed at its formatter.
template <class P>
std::vector<std::unique_ptr<RowFormatter>> MakeFormatters(
    const std::vector<std::unique_ptr<Worker<P>>>& workers, const PipelineConfig& config,
    const WorkerOptions& options, Shared* shared) {
  std::vector<std::unique_ptr<RowFormatter>> formatters;
  if (!options.hand_over_rows) return formatters;
  for (const auto& w : workers) {
    formatters.push_back(std::make_unique<RowFormatter>(w.get(), CsvDialectOf<P>(*config.options),
                                                        options.text, options.messages,
                                                        options.ipfix, shared));
    w->set_publish_bell(formatters.back()->bell());
  }
  return formatters;
}

template <class P>
absl::Status Run(CaptureFileReader<P>& reader, const PipelineConfig& config, RowConsumer* consumer,
                 RunStats* stats) {
  size_t n = static_cast<size_t>(std::max(1, config.run.jobs));
  if constexpr (P::kCic) {
    n = 1;  // the end flush's order needs the whole table (flow/cic_engine.h)
    if (!consumer->wants_text() && !consumer->wants_messages()) {
      return absl::InvalidArgumentError(
          "the CIC layouts are written as text: on_flow records have the netflower layout");
    }
  }
  const std::vector<int> cpus = config.options->cpus.empty()
                                    ? DefaultWorkerCpus(static_cast<int>(n), AllowedCpus())
                                    : config.options->cpus;

  Shared shared;
  typename EngineFor<P>::Config engine_config = EngineConfigOf<P>(config);
  engine_config.epoch_shift_seconds = &shared.epoch_shift_seconds;
  const WorkerOptions options = WorkerOptionsOf<P>(config, consumer, n);
  std::vector<std::unique_ptr<Worker<P>>> workers = MakeWorkers<P>(
      n, engine_config, config.run.max_flows, config.hash_seed, options, cpus, &shared);
  std::vector<std::unique_ptr<RowFormatter>> formatters =
      MakeFormatters<P>(workers, config, options, &shared);
  SourceCounts counts;
  Source<P> source(reader, workers, config, config.hash_seed, &shared, &counts);

  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&workers, i] { workers[i]->Run(static_cast<int>(i)); });
  }
  for (size_t i = 0; i < formatters.size(); ++i) {
    threads.emplace_back([&formatters, i] { formatters[i]->Run(static_cast<int>(i)); });
  }
  threads.emplace_back([&source] { source.Run(); });

  // Merge on this thread.
  const auto started = std::chrono::steady_clock::now();
  auto last_report = started;
  absl::Status consumer_status;
  bool cancelled = false;
  {
    std::vector<RowSource*> sources(n);
    for (size_t i = 0; i < n; ++i) {
      sources[i] =
          formatters.empty() ? static_cast<RowSource*>(workers[i].get()) : formatters[i].get();
    }
    RowMerger merger(std::move(sources), consumer);
    for (;;) {
      const uint32_t seen = shared.merge_bell.Snapshot();
      const bool took = merger.Round();
      consumer_status = consumer->status();
      if (!consumer_status.ok()) {
        shared.abort.store(true);
        break;
      }
      if (config.options->cancel != nullptr &&
          config.options->cancel->load(std::memory_order_relaxed)) {
        cancelled = true;
        shared.abort.store(true);
        break;
      }
      if (shared.abort.load() || merger.Done()) break;
      if (config.options->on_progress) {
        ReportProgress(config, counts, reader, started, &last_report);
      }
      if (!took) {
        shared.merge_bell.Wait(seen, 100);
        // 100 ms without a row: let the consumer pass on what it holds (rows
        // from a quiet pipe are not kept back for a full batch).
        if (shared.merge_bell.Snapshot() == seen) consumer->OnIdle();
      }
    }
  }  // the merger hands its blocks back before the workers go
  for (auto& w : workers) w->Wake();
  for (auto& f : formatters) f->Wake();
  for (auto& t : threads) t.join();

  AddTotals(reader, counts, workers, stats);

  if (!consumer_status.ok()) return consumer_status;
  if (cancelled) return absl::CancelledError("the conversion was cancelled");
  if (!shared.failure.empty()) return absl::InternalError(shared.failure);
  return absl::OkStatus();
}

}  // namespace

std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  return cpus;
}

uint64_t MaxFlowsFor(std::optional<uint64_t> requested, int jobs) {
  const uint64_t n = requested.value_or(DefaultMaxFlows());
  return n == 0 ? 0 : std::max<uint64_t>(n, static_cast<uint64_t>(std::max(1, jobs)));
}

absl::Status CheckCpuList(const std::vector<int>& cpus) {
  const std::vector<int> allowed = AllowedCpus();
  for (int cpu : cpus) {
    if (std::find(allowed.begin(), allowed.end(), cpu) == allowed.end()) {
      std::string list;
      for (int c : allowed) absl::StrAppend(&list, list.empty() ? "" : ",", c);
      return absl::InvalidArgumentError(
          absl::StrCat("no CPU ", cpu, " to pin to: this process may run on CPUs ", list));
    }
  }
  return absl::OkStatus();
}

bool UseRowFormatters(int jobs, size_t cpus) {
  return cpus >= 2 * static_cast<size_t>(std::max(1, jobs));
}

std::vector<int> DefaultWorkerCpus(int jobs, const std::vector<int>& allowed) {
  std::vector<int> cpus;
  if (jobs < 1 || allowed.size() < static_cast<size_t>(jobs) + 2) return cpus;
  for (int i = 0; i < jobs; ++i) cpus.push_back(allowed[1 + static_cast<size_t>(i)]);
  return cpus;
}

template <class P>
absl::Status RunFilePipeline(CaptureFileReader<P>& reader, const PipelineConfig& config,
                             RowConsumer* consumer, RunStats* stats) {
  return Run<P>(reader, config, consumer, stats);
}

template absl::Status RunFilePipeline<PythonProfile>(CaptureFileReader<PythonProfile>&,
                                                     const PipelineConfig&, RowConsumer*,
                                                     RunStats*);
template absl::Status RunFilePipeline<DefaultProfile>(CaptureFileReader<DefaultProfile>&,
                                                      const PipelineConfig&, RowConsumer*,
                                                      RunStats*);
template absl::Status RunFilePipeline<CicProfile>(CaptureFileReader<CicProfile>&,
                                                  const PipelineConfig&, RowConsumer*, RunStats*);

}  // namespace netflower
