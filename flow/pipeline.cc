#include "flow/pipeline.h"

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
#include "features/profile.h"
#include "flow/doorbell.h"
#include "flow/flow_engine.h"
#include "flow/spsc_queue.h"
#include "io/csv_format.h"

namespace netflower {
namespace {

enum class ItemKind : uint8_t {
  kPacket,    // a packet for the engine
  kSweep,     // sweep after packet `number` at its time, then publish rows
  kProgress,  // no rows will come for events <= `number` beyond what is emitted
  kEnd,       // end of input: flush every flow
};

template <class P>
struct WorkItem {
  EnginePacket<P> packet;
  ItemKind kind = ItemKind::kPacket;
};

// Rows a worker hands to the merger, in the worker's emission order (which is
// ascending EmitTag order).
struct RowBlock {
  std::vector<EmitTag> tags;
  std::vector<uint32_t> row_end;  // text mode: end offset of each row in `text`
  std::string text;
  std::vector<FlowRecord> records;

  size_t rows() const { return tags.size(); }
  void Clear() {
    tags.clear();
    row_end.clear();
    text.clear();
    records.clear();
  }
};

// Rows compare by (OrderKey(tag), first_packet), the same order as EmitTag.
inline uint64_t OrderKey(const EmitTag& tag) {
  if (tag.kind == EmitKind::kEnd) return UINT64_MAX;
  return tag.event_packet * 4 + static_cast<uint64_t>(tag.kind);  // numbers < 2^62
}

// "Every row with (OrderKey, first_packet) <= (key, first) has been pushed."
// One writer (the worker), any readers: a sequence lock over two atomics.
class Watermark {
 public:
  void Store(uint64_t key, uint64_t first) {
    const uint32_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    key_.store(key, std::memory_order_relaxed);
    first_.store(first, std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
  }
  std::pair<uint64_t, uint64_t> Load() const {
    for (;;) {
      const uint32_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 & 1) continue;
      const uint64_t key = key_.load(std::memory_order_relaxed);
      const uint64_t first = first_.load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == s1) return {key, first};
    }
  }

 private:
  std::atomic<uint32_t> seq_{0};
  std::atomic<uint64_t> key_{0};
  std::atomic<uint64_t> first_{0};
};

constexpr size_t kInputQueueItems = 16384;
constexpr size_t kSourceBatch = 64;   // items per worker gathered before a push
constexpr size_t kWorkerBatch = 128;  // items popped at once
constexpr size_t kBlockQueue = 32;
constexpr size_t kBlockRows = 256;
constexpr size_t kBlockTextBytes = size_t{256} << 10;
// Once a worker is flushing its flows at the end of input, the merger keeps
// at most this many of its blocks (the source is done, so holding back
// cannot stall anyone) and its memory stays bounded.
constexpr size_t kMaxPendingBlocksAtEnd = 16;
// Without sweeps, every worker still hears of the global position this often,
// so that the merger can release rows.
constexpr uint64_t kProgressEvery = 4096;
constexpr int kSpinsBeforeSleep = 64;
constexpr size_t kPrefetchBucketAhead = 8;
constexpr size_t kPrefetchFlowAhead = 4;

struct Shared {
  std::atomic<bool> abort{false};
  Doorbell merge_bell;  // rung by workers when they publish
  std::mutex failure_mutex;
  std::string failure;

  void Fail(const std::string& why) {
    {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (failure.empty()) failure = why;
    }
    abort.store(true);
    merge_bell.Ring();
  }
};

inline void CpuRelax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

void PinCurrentThread(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // Pinning is an optimization: if the CPU is not allowed, run unpinned.
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

template <class P>
class Worker final : public FlowSink {
 public:
  Worker(const typename FlowEngine<P>::Config& engine_config, uint64_t seed, bool text, bool crlf,
         int cpu, Shared* shared)
      : input(kInputQueueItems),
        output(kBlockQueue),
        returned(kBlockQueue),
        engine_(engine_config, seed, this),
        text_(text),
        crlf_(crlf),
        cpu_(cpu),
        shared_(shared) {}

  ~Worker() override {
    delete block_;
    RowBlock* b;
    while (output.TryPop(&b)) delete b;
    while (returned.TryPop(&b)) delete b;
  }

  void Run(int index) {
    pthread_setname_np(pthread_self(), absl::StrCat("nf-worker-", index).c_str());
    PinCurrentThread(cpu_);
    try {
      Loop();
    } catch (const std::exception& e) {
      shared_->Fail(absl::StrCat("flow worker failed: ", e.what()));
    } catch (...) {
      shared_->Fail("flow worker failed");
    }
    finished.store(true, std::memory_order_release);
    shared_->merge_bell.Ring();
  }

  void OnFlow(const FlowRecord& record, const EmitTag& tag) override {
    if (block_ == nullptr) block_ = NewBlock();
    block_->tags.push_back(tag);
    if (text_) {
      char row[kMaxCsvRowBytes];
      block_->text.append(row, FormatCsvRow(record, crlf_, row));
      block_->row_end.push_back(static_cast<uint32_t>(block_->text.size()));
    } else {
      block_->records.push_back(record);
    }
    if (block_->rows() >= kBlockRows || block_->text.size() >= kBlockTextBytes) PushBlock();
  }

  const EngineCounters& counters() const { return engine_.counters(); }

  // Source → worker.
  SpscQueue<WorkItem<P>> input;
  Doorbell input_bell;  // rung after items are pushed
  Doorbell space_bell;  // rung after items are popped
  // Worker → merger, and back.
  SpscQueue<RowBlock*> output;
  SpscQueue<RowBlock*> returned;
  // Rows up to the watermark have been pushed to `output`. Rows are emitted
  // in ascending tag order, so the last pushed row's tag is always a valid
  // watermark; finishing an item raises it to the whole event.
  Watermark watermark;
  std::atomic<bool> finished{false};

 private:
  void Loop() {
    WorkItem<P> items[kWorkerBatch];
    int idle_spins = 0;
    while (!shared_->abort.load(std::memory_order_relaxed)) {
      const size_t n = input.TryPop(items, kWorkerBatch);
      if (n == 0) {
        if (++idle_spins < kSpinsBeforeSleep) {
          CpuRelax();
          continue;
        }
        const uint32_t seen = input_bell.Snapshot();
        if (input.Empty()) input_bell.Wait(seen);
        continue;
      }
      idle_spins = 0;
      space_bell.Ring();
      for (size_t i = 0; i < n; ++i) {
        // Software pipelining of the table's cache misses.
        if (i + kPrefetchBucketAhead < n) {
          engine_.PrefetchBucket(items[i + kPrefetchBucketAhead].packet.hash);
        }
        if (i + kPrefetchFlowAhead < n)
          engine_.PrefetchFlow(items[i + kPrefetchFlowAhead].packet.hash);
        const WorkItem<P>& item = items[i];
        switch (item.kind) {
          case ItemKind::kPacket:
            engine_.Process(item.packet);
            break;
          case ItemKind::kSweep:
            engine_.Sweep(item.packet.time, item.packet.number);
            Publish(item.packet.number * 4 + static_cast<uint64_t>(EmitKind::kSweep), UINT64_MAX);
            break;
          case ItemKind::kProgress:
            Publish(item.packet.number * 4 + static_cast<uint64_t>(EmitKind::kSweep), UINT64_MAX);
            break;
          case ItemKind::kEnd:
            Publish(UINT64_MAX, 0);  // every row before the end phase is out
            engine_.FlushAll();      // streams: each pushed block raises the watermark
            Publish(UINT64_MAX, UINT64_MAX);
            return;
        }
      }
    }
  }

  RowBlock* NewBlock() {
    RowBlock* b = nullptr;
    if (returned.TryPop(&b)) {
      b->Clear();
      return b;
    }
    return new RowBlock();
  }

  void PushBlock() {
    const EmitTag last = block_->tags.back();
    while (!output.TryPush(block_)) {
      if (shared_->abort.load()) return;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    block_ = nullptr;
    watermark.Store(OrderKey(last), last.first_packet);
    shared_->merge_bell.Ring();
  }

  void Publish(uint64_t key, uint64_t first) {
    if (block_ != nullptr && block_->rows() > 0) PushBlock();
    watermark.Store(key, first);
    shared_->merge_bell.Ring();
  }

  FlowEngine<P> engine_;
  RowBlock* block_ = nullptr;
  const bool text_;
  const bool crlf_;
  const int cpu_;
  Shared* const shared_;
};

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
  Source(CaptureFileReader& reader, std::vector<std::unique_ptr<Worker<P>>>& workers,
         const PipelineConfig& config, uint64_t seed, Shared* shared, SourceCounts* counts)
      : reader_(reader),
        workers_(workers),
        hasher_(seed),
        gc_interval_(config.gc_interval),
        shared_(shared),
        counts_(counts),
        batches_(workers.size()),
        batch_sizes_(workers.size(), 0) {
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
    DecodeOptions decode_options;
    decode_options.default_profile = !P::kPython;
    const size_t n_workers = workers_.size();
    RawPacket raw;
    DecodedPacket decoded;
    uint64_t records = 0;
    uint64_t until_gc = gc_interval_;
    uint64_t since_broadcast = 0;
    size_t released = 0;
    constexpr size_t kReleaseBytes = size_t{8} << 20;

    while (reader_.Next(&raw)) {
      ++records;
      if ((records & 0x3FF) == 0) {
        if (shared_->abort.load(std::memory_order_relaxed)) return;
        if (reader_.bytes_consumed() - released > kReleaseBytes) {
          // Every frame before here is decoded; keep the resident set small.
          reader_.ReleaseConsumed();
          released = reader_.bytes_consumed();
        }
        counts_->records.store(reader_.records_read(), std::memory_order_relaxed);
        counts_->bytes.store(reader_.bytes_consumed(), std::memory_order_relaxed);
      }
      const DecodeStatus status =
          DecodeFrame(raw.link_type, raw.data, raw.length, decode_options, &decoded);
      if (status != DecodeStatus::kOk) {
        ++counts_->skipped[static_cast<int>(status) - 1];
        continue;
      }
      bool src_is_a;
      const FlowKey key = MakeFlowKey(decoded, &src_is_a);
      const uint64_t hash = hasher_(key);
      // The high half of the hash picks the worker; tables use the low half.
      const size_t w = static_cast<size_t>(((hash >> 32) * n_workers) >> 32);
      WorkItem<P>& item = batches_[w][batch_sizes_[w]++];
      item.kind = ItemKind::kPacket;
      EnginePacket<P>& packet = item.packet;
      packet.key = key;
      packet.hash = hash;
      packet.src_is_a = src_is_a;
      if constexpr (P::kPython) {
        packet.time = raw.seconds;
      } else {
        packet.time = raw.nanos;
      }
      packet.number = ++counts_->accepted;
      packet.fields = PacketFields{decoded.pkt_len, decoded.payload_len, decoded.header_len,
                                   decoded.tcp_flags, decoded.window};
      if (batch_sizes_[w] == kSourceBatch) Flush(w);
      if (--until_gc == 0) {
        until_gc = gc_interval_;
        since_broadcast = 0;
        Broadcast(ItemKind::kSweep, packet.number, packet.time);
      } else if (++since_broadcast == kProgressEvery) {
        since_broadcast = 0;
        Broadcast(ItemKind::kProgress, packet.number, packet.time);
      }
    }
    counts_->records.store(reader_.records_read());
    counts_->bytes.store(reader_.bytes_consumed());
    Broadcast(ItemKind::kEnd, kEndOfInput, typename P::Time{});
  }

  void Flush(size_t w) {
    size_t done = 0;
    const size_t n = batch_sizes_[w];
    Worker<P>& worker = *workers_[w];
    while (done < n) {
      done += worker.input.TryPush(batches_[w].get() + done, n - done);
      if (done == n) break;
      worker.input_bell.Ring();
      const uint32_t seen = worker.space_bell.Snapshot();
      done += worker.input.TryPush(batches_[w].get() + done, n - done);
      if (done == n) break;
      if (shared_->abort.load()) return;
      worker.space_bell.Wait(seen, 10);
    }
    batch_sizes_[w] = 0;
    worker.input_bell.Ring();
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

  CaptureFileReader& reader_;
  std::vector<std::unique_ptr<Worker<P>>>& workers_;
  FlowHasher hasher_;
  const uint64_t gc_interval_;
  Shared* const shared_;
  SourceCounts* const counts_;
  std::vector<std::unique_ptr<WorkItem<P>[]>> batches_;
  std::vector<size_t> batch_sizes_;
};

// True once the worker flushes its flows at the end of input.
template <class P>
bool InEndPhase(const Worker<P>& worker) {
  return worker.watermark.Load().first == UINT64_MAX;  // the order key
}

template <class P>
absl::Status Run(CaptureFileReader& reader, const PipelineConfig& config, RowConsumer* consumer,
                 RunStats* stats) {
  typename FlowEngine<P>::Config engine_config;
  engine_config.idle_timeout = P::FromSeconds(config.idle_timeout_seconds);
  if (config.cap_seconds) {
    engine_config.has_cap = true;
    engine_config.cap = P::FromSeconds(*config.cap_seconds);
  }
  const size_t n = static_cast<size_t>(std::max(1, config.jobs));
  const std::vector<int> cpus =
      config.cpus.empty() ? DefaultWorkerCpus(static_cast<int>(n), AllowedCpus()) : config.cpus;
  const bool text = consumer->wants_text();

  Shared shared;
  std::vector<std::unique_ptr<Worker<P>>> workers;
  for (size_t i = 0; i < n; ++i) {
    const int cpu = cpus.empty() ? -1 : cpus[i % cpus.size()];
    workers.push_back(std::make_unique<Worker<P>>(engine_config, config.hash_seed, text,
                                                  config.crlf, cpu, &shared));
  }
  SourceCounts counts;
  Source<P> source(reader, workers, config, config.hash_seed, &shared, &counts);

  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i)
    threads.emplace_back([&workers, i] { workers[i]->Run(static_cast<int>(i)); });
  threads.emplace_back([&source] { source.Run(); });

  // Merge on this thread.
  const auto started = std::chrono::steady_clock::now();
  auto last_report = started;
  std::vector<std::deque<RowBlock*>> pending(n);
  std::vector<size_t> cursor(n, 0);
  absl::Status consumer_status;
  for (;;) {
    const uint32_t seen = shared.merge_bell.Snapshot();
    // Read every worker's watermark before draining its blocks: a block is
    // pushed before the watermark that covers it is stored.
    std::pair<uint64_t, uint64_t> limit{UINT64_MAX, UINT64_MAX};
    bool all_finished = true;
    for (size_t w = 0; w < n; ++w) {
      const bool finished = workers[w]->finished.load(std::memory_order_acquire);
      limit = std::min(limit, workers[w]->watermark.Load());
      all_finished = all_finished && finished;
    }
    bool drained = false;
    for (size_t w = 0; w < n; ++w) {
      RowBlock* b;
      const bool end_phase = InEndPhase(*workers[w]);
      while (!(end_phase && pending[w].size() >= kMaxPendingBlocksAtEnd) &&
             workers[w]->output.TryPop(&b)) {
        pending[w].push_back(b);
        drained = true;
      }
      if (end_phase && pending[w].size() >= kMaxPendingBlocksAtEnd) {
        // Blocks may remain queued: vouch only for the rows held here.
        const EmitTag& last = pending[w].back()->tags.back();
        limit = std::min(limit, std::make_pair(OrderKey(last), last.first_packet));
      }
    }
    // k-way merge of the rows every worker has vouched for.
    for (;;) {
      size_t best = n;
      const EmitTag* best_tag = nullptr;
      for (size_t w = 0; w < n; ++w) {
        if (pending[w].empty()) continue;
        const EmitTag& tag = pending[w].front()->tags[cursor[w]];
        if (std::make_pair(OrderKey(tag), tag.first_packet) > limit) continue;
        if (best_tag == nullptr || tag < *best_tag) {
          best = w;
          best_tag = &tag;
        }
      }
      if (best == n) break;
      RowBlock* b = pending[best].front();
      const size_t i = cursor[best];
      if (text) {
        const uint32_t begin = i == 0 ? 0 : b->row_end[i - 1];
        consumer->OnRowText(std::string_view(b->text.data() + begin, b->row_end[i] - begin));
      } else {
        consumer->OnRecord(b->records[i]);
      }
      if (++cursor[best] == b->rows()) {
        pending[best].pop_front();
        cursor[best] = 0;
        if (!workers[best]->returned.TryPush(b)) delete b;
      }
    }
    consumer_status = consumer->status();
    if (!consumer_status.ok()) {
      shared.abort.store(true);
      break;
    }
    if (shared.abort.load()) break;
    if (all_finished) {
      // Done when nothing is held here and nothing is left queued (the
      // end-phase cap can leave blocks in a worker's queue).
      bool any = false;
      for (size_t w = 0; w < n; ++w) {
        any = any || !pending[w].empty() || !workers[w]->output.Empty();
      }
      if (!any) break;
    }
    if (config.on_progress) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_report > std::chrono::milliseconds(500)) {
        last_report = now;
        Progress p;
        p.bytes_done = counts.bytes.load(std::memory_order_relaxed);
        p.bytes_total = reader.file_size();
        p.packets_read = counts.records.load(std::memory_order_relaxed);
        p.seconds = std::chrono::duration<double>(now - started).count();
        config.on_progress(p);
      }
    }
    if (!drained) shared.merge_bell.Wait(seen, 100);
  }
  for (auto& w : workers) w->input_bell.Ring();
  for (auto& t : threads) t.join();
  for (auto& p : pending) {
    for (RowBlock* b : p) delete b;
  }

  // Totals.
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
    stats->flows_written += c.flows_emitted;
    stats->flows_by_reason.fin += c.emitted_by_reason[static_cast<int>(EmitReason::kFin)];
    stats->flows_by_reason.rst += c.emitted_by_reason[static_cast<int>(EmitReason::kRst)];
    stats->flows_by_reason.idle_timeout +=
        c.emitted_by_reason[static_cast<int>(EmitReason::kIdleTimeout)];
    stats->flows_by_reason.active_timeout +=
        c.emitted_by_reason[static_cast<int>(EmitReason::kActiveTimeout)];
    stats->flows_by_reason.end_of_input +=
        c.emitted_by_reason[static_cast<int>(EmitReason::kEndOfInput)];
    // Per-worker peaks do not coincide in time; their sum bounds the total.
    stats->peak_open_flows += c.peak_flows;
  }
  stats->timestamps_clamped += reader.timestamps_clamped();
  stats->bytes_read += reader.bytes_consumed();
  stats->input_ended_early = stats->input_ended_early || reader.ended_early();
  for (const std::string& w : reader.warnings()) stats->warnings.push_back(w);

  if (!consumer_status.ok()) return consumer_status;
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

std::vector<int> DefaultWorkerCpus(int jobs, const std::vector<int>& allowed) {
  std::vector<int> cpus;
  if (allowed.empty()) return cpus;
  const size_t first = allowed.size() > static_cast<size_t>(jobs) ? 1 : 0;
  for (int i = 0; i < jobs; ++i) {
    cpus.push_back(allowed[(first + static_cast<size_t>(i)) % allowed.size()]);
  }
  return cpus;
}

absl::Status RunFilePipeline(CaptureFileReader& reader, const PipelineConfig& config,
                             RowConsumer* consumer, RunStats* stats) {
  return config.python_profile ? Run<PythonProfile>(reader, config, consumer, stats)
                               : Run<DefaultProfile>(reader, config, consumer, stats);
}

}  // namespace netflower
