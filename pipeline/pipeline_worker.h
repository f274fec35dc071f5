// The flow worker of the packet pipeline and what it exchanges with the
// packet source and the row consumer; shared by file conversion
// (pipeline.cc) and live capture (live_pipeline.cc).
#ifndef NETFLOWER_PIPELINE_PIPELINE_WORKER_H_
#define NETFLOWER_PIPELINE_PIPELINE_WORKER_H_

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "flow/cic_engine.h"
#include "flow/flow_engine.h"
#include "io/cic_format.h"
#include "io/csv_format.h"
#include "io/csv_writer.h"
#include "io/ipfix_model.h"
#include "io/kafka_message_key.h"
#include "pipeline/doorbell.h"
#include "pipeline/row_block.h"
#include "pipeline/row_merger.h"
#include "pipeline/run_settings.h"
#include "pipeline/spsc_queue.h"

namespace netflower {
namespace pipeline_internal {

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
// Room for every block that can be out at once (the worker's queue, a
// RowFormatter's, the merger's held ones), so that a returned block is never
// dropped from the pool and replaced by a new one.
constexpr size_t kReturnQueue = 4 * kBlockQueue;
constexpr size_t kBlockRows = 256;
constexpr size_t kBlockTextBytes = size_t{256} << 10;
// Without sweeps, every worker still hears of the global position this often,
// so that the merger can release rows.
constexpr uint64_t kProgressEvery = 4096;
constexpr int kSpinsBeforeSleep = 64;
constexpr int kQuietPublishesPerRing = 16;
// WorkerOptions::hand_over_rows: input items queued at which a worker counts
// as the bottleneck.
constexpr size_t kHandOverBacklog = kInputQueueItems * 3 / 4;
// In the end flush: blocks waiting for the RowFormatter at which the worker
// formats the next block itself instead of idling, so that both format.
// many-flows.pcap, 1 job (443,470 flows flushed at the end): from the
// source's last sample to the run's, 0.32-0.37 s -> 0.28-0.30 s (perf
// timelines, 2 runs each); 8 instead of 2 was no different.
constexpr size_t kFlushHandOverBacklog = 2;
constexpr size_t kPrefetchBucketAhead = 8;
constexpr size_t kPrefetchFlowAhead = 4;

struct Shared {
  std::atomic<bool> abort{false};
  // Default profile: the reader's epoch shift, stored by the source before
  // it pushes the first packet (FlowEngine::Config::epoch_shift_seconds).
  std::atomic<int64_t> epoch_shift_seconds{0};
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

// The share of a `max_flows` table (0: no limit) that worker `index` of
// `workers` holds: the shares add up to max_flows exactly, so peak open flows
// never exceed it. REQUIRES: max_flows == 0 or max_flows >= workers.
inline uint64_t MaxFlowsShare(uint64_t max_flows, size_t workers, size_t index) {
  if (max_flows == 0) return 0;
  return max_flows / workers + (index < max_flows % workers ? 1 : 0);
}

// A spin-wait hint to the CPU (lets a sibling hyperthread run, saves power).
// Other CPUs spin without a hint: correct, only a little less polite.
inline void CpuRelax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

inline void PinCurrentThread(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // Pinning is an optimization: if the CPU is not allowed, run unpinned.
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

struct WorkerOptions {
  // The run (format and columns of the text rows, CIC labels); outlives the
  // worker.
  const RunSettings* run = nullptr;
  bool text = true;       // rows as text
  bool records = true;    // else as records (if at all)
  bool messages = false;  // also as Kafka messages (RowBlock::messages)
  // Also as IPFIX data records in this model (RowBlock::ipfix); not with
  // a CIC layout. Outlives the worker.
  const IpfixModel* ipfix = nullptr;
  int cpu = -1;  // pin to this CPU (-1: no pinning)
  // Live capture: hand rows over after every batch of items (a flow is
  // emitted the moment it completes) instead of when a block fills or an
  // event completes.
  bool push_each_batch = false;
  // save_pcap: keep each flow's raw frames (which the source sends along
  // in FrameBatches) and hand them over with the flow's row.
  bool keep_frames = false;
  // Application labels (Options::dpi): the source sends each packet's IP
  // bytes in FrameBatches (within the frame when keep_frames), which the
  // engine feeds to this worker's AppDissector.
  bool dpi = false;
  uint64_t frame_budget_bytes = 0;  // frames beyond this are not kept (counted)
  // A RowFormatter takes this worker's blocks: while the worker is behind
  // (its input backs up) and during the end flush, it leaves rows as
  // records for it to format (RowBlock::unformatted).
  bool hand_over_rows = false;
};

// Kafka: appends the row just added as a message (its JSON Lines text
// without the line end) and its key, from the flow's endpoints (either
// record type).
template <class Record>
void AppendMessage(const Record& record, std::string_view json_line, RowBlock* block) {
  if (!json_line.empty() && json_line.back() == '\n') json_line.remove_suffix(1);
  block->messages.append(json_line);
  block->message_end.push_back(static_cast<uint32_t>(block->messages.size()));
  char key[kMaxMessageKeyBytes];
  block->keys.append(key, FormatMessageKey(record.src_ip, static_cast<uint16_t>(record.src_port),
                                           record.dst_ip, static_cast<uint16_t>(record.dst_port),
                                           static_cast<uint8_t>(record.protocol), key));
  block->key_end.push_back(static_cast<uint32_t>(block->keys.size()));
}

// Appends `record` to `block` as a row of `dialect` (when `text`), as a
// Kafka message (when `messages`) and as IPFIX data records (when `ipfix`):
// the one formatting step of a worker's rows, done on the worker or on its
// RowFormatter.
inline void AppendFormatted(const FlowRecord& record, const EmitTag& tag, const CsvDialect& dialect,
                            bool text, bool messages, const IpfixModel* ipfix, RowBlock* block) {
  char row[kMaxCsvRowBytes];
  if (text) {
    block->text.append(row, FormatRow(record, dialect, row));
    block->row_end.push_back(static_cast<uint32_t>(block->text.size()));
  }
  if (messages) {
    const size_t n = FormatJsonRow(record, row, dialect.extras);
    AppendMessage(record, std::string_view(row, n), block);
  }
  if (ipfix != nullptr) {
    ipfix->AppendFlow(record, tag.reason, &block->ipfix);
    block->ipfix_end.push_back(static_cast<uint32_t>(block->ipfix.size()));
  }
}

// Queues `block` for the next stage (the merger, or a worker's RowFormatter),
// waiting while `queue` is full: the reader is rung, as it may be asleep
// with nothing ringing it lately, and polled every 200 µs. False once the
// run is aborted (the block stays with the caller).
inline bool PushBlockWaiting(SpscQueue<RowBlock*>& queue, RowBlock* block, const Shared& shared,
                             Doorbell* reader_bell) {
  while (!queue.TryPush(block)) {
    if (shared.abort.load()) return false;
    reader_bell->Ring();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// The bytes of packet items, one record per packet item, in item order:
// for save_pcap a pcap record (16-byte header + frame), else (--dpi only)
// the packet's IP bytes. ip_begin: where the IP header starts in each
// record (WorkerOptions::dpi only).
struct FrameBatch {
  std::string bytes;
  std::vector<uint32_t> ends;
  std::vector<uint32_t> ip_begin;
  void Clear() {
    bytes.clear();
    ends.clear();
    ip_begin.clear();
  }
  // --dpi without save_pcap: a record of the packet's IP bytes alone.
  void AddIpPacket(const uint8_t* ip, uint32_t length) {
    ip_begin.push_back(0);
    bytes.append(reinterpret_cast<const char*>(ip), length);
    ends.push_back(static_cast<uint32_t>(bytes.size()));
  }
};
// Frame batches queued to a worker at most: the source waits beyond that
// (a file source then runs at most 64 batches of packets ahead with --dpi).
constexpr size_t kFrameQueue = 64;

template <class P>
class Worker final : public FlowSink, public CicFlowSink, public PacketObserver, public RowSource {
 public:
  Worker(const typename EngineFor<P>::Config& engine_config, uint64_t seed,
         const WorkerOptions& options, Shared* shared)
      : input_(kInputQueueItems),
        output_(kBlockQueue),
        returned_(kReturnQueue),
        frames_in_(kFrameQueue),
        frames_back_(kFrameQueue),
        dissector_(MakeDissector(options.dpi, shared)),
        engine_(WithDissector(engine_config, dissector_.get()), seed, this),
        options_(options),
        text_(options.text),
        dialect_(CsvDialectOf<P>(*options.run->options)),
        cpu_(options.cpu),
        shared_(shared) {
    if (options.keep_frames) engine_.set_packet_observer(this);
    if constexpr (P::kCic) {
      const Options& run = *options.run->options;
      cic_formatter_.emplace(run.columns, run.format, options.run->label, run.label_rules);
      if (options.messages) {
        cic_json_.emplace(run.columns, OutputFormat::kJsonl, options.run->label, run.label_rules);
      }
    }
  }

  // Every block and frame batch is owned by its pool below; the queues
  // only lend them out.
  ~Worker() override = default;

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
    finished_.store(true, std::memory_order_release);
    publish_bell_->Ring();
  }

  void OnFlow(const FlowRecord& record, const EmitTag& tag) override {
    if (block_ == nullptr) {
      block_ = NewBlock();
      block_->unformatted = HandOverRows();
    }
    block_->tags.push_back(tag);
    if (block_->unformatted) {
      block_->records.push_back(record);  // the RowFormatter makes text and messages
    } else {
      if (!text_ && options_.records) block_->records.push_back(record);
      AppendFormatted(record, tag, dialect_, text_, options_.messages, options_.ipfix, block_);
    }
    FinishRow(tag);
  }

  // CIC layouts: always text (the library refuses records for them).
  void OnCicFlow(const CicRecord& record, const EmitTag& tag) override {
    if (block_ == nullptr) block_ = NewBlock();
    block_->tags.push_back(tag);
    char row[kMaxCsvRowBytes];
    block_->text.append(row, cic_formatter_->Format(record, row));
    block_->row_end.push_back(static_cast<uint32_t>(block_->text.size()));
    if (options_.messages) {
      char json[kMaxCsvRowBytes];
      AppendMessage(record, std::string_view(json, cic_json_->Format(record, json)), block_);
    }
    FinishRow(tag);
  }

  // save_pcap: the frames of a flow that is not written are let go.
  void OnFlowDropped(uint64_t first_packet) override {
    auto it = flow_frames_.find(first_packet);
    if (it == flow_frames_.end()) return;
    frame_bytes_ -= it->second.size();
    flow_frames_.erase(it);
  }
  // save_pcap: the flow's row will carry `renumbered` as its number.
  void OnFlowRenumbered(uint64_t first_packet, uint64_t renumbered) override {
    auto it = flow_frames_.find(first_packet);
    if (it == flow_frames_.end()) return;
    std::string frames = std::move(it->second);
    flow_frames_.erase(it);
    flow_frames_[renumbered] = std::move(frames);
  }

 private:
  // The row just added belongs to `tag`: its frames go with it; a full block
  // goes to the merger.
  void FinishRow(const EmitTag& tag) {
    if (options_.keep_frames) {
      // An interim row leaves the frames with the open flow (its final row
      // takes them all).
      auto it = tag.reason == EmitReason::kInterim ? flow_frames_.end()
                                                   : flow_frames_.find(tag.first_packet);
      if (it != flow_frames_.end()) {
        frame_bytes_ -= it->second.size();
        block_->frames.push_back(std::move(it->second));
        flow_frames_.erase(it);
      } else {
        block_->frames.emplace_back();
      }
    }
    if (block_->rows() >= kBlockRows || block_->text.size() >= kBlockTextBytes) PushBlock();
  }

 public:
  // save_pcap: the packet being processed joined the flow `first_packet`.
  void OnPacketAdded(uint64_t first_packet) override {
    if (current_frame_.empty() || !options_.keep_frames) return;
    if (frame_bytes_ + current_frame_.size() > options_.frame_budget_bytes) {
      ++frames_not_kept_;
      return;
    }
    flow_frames_[first_packet].append(current_frame_);
    frame_bytes_ += current_frame_.size();
  }

  // --- The source's side (one source thread per worker) ---

  // Pushes items[0, n) into the input queue, waiting while it is full
  // (back-pressure, never loss; live, the kernel ring fills and drops,
  // counted), then rings the worker. False, with part of the items
  // unpushed, once the run is aborted.
  [[nodiscard]] bool Push(const WorkItem<P>* items, size_t n) {
    size_t done = 0;
    while (done < n) {
      done += input_.TryPush(items + done, n - done);
      if (done == n) break;
      input_bell_.Ring();
      const uint32_t seen = space_bell_.Snapshot();
      done += input_.TryPush(items + done, n - done);
      if (done == n) break;
      if (shared_->abort.load()) return false;
      space_bell_.Wait(seen, 10);
    }
    if (n > 0) input_bell_.Ring();
    return true;
  }
  // Wakes a worker waiting for input (to see an abort).
  void Wake() { input_bell_.Ring(); }
  // The bell rung when blocks or the watermark are published: the merger's
  // (Shared::merge_bell) unless a RowFormatter takes the blocks. Before Run.
  void set_publish_bell(Doorbell* bell) { publish_bell_ = bell; }
  // save_pcap: an empty frame batch to fill (one the worker gave back, or a
  // new one from the source's pool).
  FrameBatch* SpareFrameBatch() {
    FrameBatch* f = nullptr;
    if (!frames_back_.TryPop(&f)) {
      frame_pool_.push_back(std::make_unique<FrameBatch>());
      f = frame_pool_.back().get();
    }
    f->Clear();
    return f;
  }
  // save_pcap: hands over the frames of the items pushed next (frames go
  // first: the worker needs a packet's frame when it takes the packet).
  // False once the run is aborted.
  [[nodiscard]] bool PushFrames(FrameBatch* frames) {
    while (!frames_in_.TryPush(frames)) {
      if (shared_->abort.load()) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    return true;
  }

  // --- The merger's side (RowSource: once per round and per block) ---
  std::pair<uint64_t, uint64_t> Vouched() const override { return watermark_.Load(); }
  bool Finished() const override { return finished_.load(std::memory_order_acquire); }
  bool TakeBlock(RowBlock** block) override { return output_.TryPop(block); }
  bool HasQueuedBlocks() const override { return !output_.Empty(); }
  // A block that finds the return queue full stays in the pool, unused.
  void ReturnBlock(RowBlock* block) override { (void)returned_.TryPush(block); }

  const EngineCounters& counters() const { return engine_.counters(); }
  uint64_t frames_not_kept() const { return frames_not_kept_; }

 private:
  // Source → worker.
  SpscQueue<WorkItem<P>> input_;
  Doorbell input_bell_;  // rung after items are pushed
  Doorbell space_bell_;  // rung after items are popped
  // Worker → merger, and back.
  SpscQueue<RowBlock*> output_;
  SpscQueue<RowBlock*> returned_;
  // Source → worker (save_pcap only), and back.
  SpscQueue<FrameBatch*> frames_in_;
  SpscQueue<FrameBatch*> frames_back_;
  // Rows up to the watermark have been pushed to `output_`. Rows are
  // emitted in ascending tag order, so the last pushed row's tag is always a
  // valid watermark; finishing an item raises it to the whole event.
  Watermark watermark_;
  std::atomic<bool> finished_{false};
  // Pools: every block was made by this worker's thread (NewBlock), every
  // frame batch by its source's thread (SpareFrameBatch); the queues lend
  // them out and bring them back.
  std::vector<std::unique_ptr<RowBlock>> block_pool_;
  std::vector<std::unique_ptr<FrameBatch>> frame_pool_;

  void Loop() {
    WorkItem<P> items[kWorkerBatch];
    int idle_spins = 0;
    while (!shared_->abort.load(std::memory_order_relaxed)) {
      const size_t n = input_.TryPop(items, kWorkerBatch);
      if (n == 0) {
        if (++idle_spins < kSpinsBeforeSleep) {
          CpuRelax();
          continue;
        }
        const uint32_t seen = input_bell_.Snapshot();
        if (input_.Empty()) input_bell_.Wait(seen);
        continue;
      }
      idle_spins = 0;
      space_bell_.Ring();
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
            if (options_.keep_frames || options_.dpi) NextFrame();
            if constexpr (P::kCic) {
              engine_.Process(item.packet);
            } else {
              engine_.Process(item.packet, CurrentIp(item.packet.fields.pkt_len));
            }
            break;
          case ItemKind::kSweep:
            engine_.Sweep(item.packet.time, item.packet.number);
            Publish(OrderKey(item.packet.number, EmitKind::kSweep), UINT64_MAX);
            break;
          case ItemKind::kProgress:
            Publish(OrderKey(item.packet.number, EmitKind::kSweep), UINT64_MAX);
            break;
          case ItemKind::kEnd:
            Publish(kEndOrderKey, 0);  // every row before the end phase is out
            flushing_ = true;
            // Streams: each pushed block raises the watermark. A cancel
            // (shared_->abort) cuts it short.
            engine_.FlushAll(&shared_->abort);
            Publish(kEndOrderKey, UINT64_MAX);
            return;
        }
      }
      if (options_.push_each_batch && block_ != nullptr && block_->rows() > 0) PushBlock();
    }
  }

  // Whether the next block's rows go to the RowFormatter unformatted: when
  // the worker is the bottleneck (its input queue three quarters full: the
  // source is about to wait for it, its CPU free) or flushing at the end
  // (the source is done) while the formatter keeps up. Otherwise both CPUs
  // are busy and a third thread only competes: on mix.pcap, handing every
  // row over took 0.36 s instead of 0.30 s. Thresholds tried, medians
  // (many-flows.pcap 5 runs, mix.pcap 9), without formatter 1.96 / 0.36 s:
  // a quarter full 1.69 / 0.37, half 1.62 / 0.36, three quarters 1.56 /
  // 0.36, end flush only 1.86 / 0.35. Either way the bytes are the same;
  // only who makes them depends on timing.
  bool HandOverRows() const {
    if (!options_.hand_over_rows) return false;
    if (flushing_) return output_.Size() < kFlushHandOverBacklog;
    return input_.Size() >= kHandOverBacklog;
  }

  RowBlock* NewBlock() {
    RowBlock* b = nullptr;
    if (returned_.TryPop(&b)) {
      b->Clear();
      return b;
    }
    block_pool_.push_back(std::make_unique<RowBlock>());
    return block_pool_.back().get();
  }

  // Hands the current block to the merger; wakes it when `ring`.
  void PushBlock(bool ring = true) {
    const EmitTag last = block_->tags.back();
    if (!PushBlockWaiting(output_, block_, *shared_, publish_bell_)) return;
    block_ = nullptr;
    watermark_.Store(OrderKey(last), last.first_packet);
    if (ring) {
      publish_bell_->Ring();
      quiet_publishes_ = 0;
    }
  }

  // Pushes the rows so far and raises the watermark to (key, first). Waking
  // the merger costs a futex call and a context switch, and with files a
  // sweep comes every gc_interval packets: then only every
  // kQuietPublishesPerRing-th raise rings (a full block, the end and a full
  // output queue always do). The merger reads every watermark and queue when
  // it wakes, so this only delays rows, never loses or reorders them; live,
  // every raise rings at once.
  void Publish(uint64_t key, uint64_t first) {
    if (block_ != nullptr && block_->rows() > 0) PushBlock(/*ring=*/false);
    watermark_.Store(key, first);
    if (options_.push_each_batch || key == kEndOrderKey ||
        ++quiet_publishes_ >= kQuietPublishesPerRing) {
      quiet_publishes_ = 0;
      publish_bell_->Ring();
    }
  }

  // --dpi: one AppDissector a worker (nothing shared between workers). A
  // failure to make one fails the run (Shared::Fail), which then has none.
  static std::unique_ptr<AppDissector> MakeDissector(bool dpi, Shared* shared) {
    if (!dpi) return nullptr;
    absl::StatusOr<std::unique_ptr<AppDissector>> d = AppDissector::Create();
    if (d.ok()) return *std::move(d);
    shared->Fail(std::string(d.status().message()));
    return nullptr;
  }
  static typename EngineFor<P>::Config WithDissector(typename EngineFor<P>::Config config,
                                                     AppDissector* dissector) {
    if constexpr (!P::kCic) config.dpi = dissector;
    return config;
  }

  // --dpi: the current packet's IP bytes (`pkt_len` of them, all within the
  // record: DecodedPacket::ip_offset), or none.
  std::string_view CurrentIp(uint32_t pkt_len) const {
    if (!options_.dpi || current_ip_begin_ > current_frame_.size()) return {};
    return current_frame_.substr(current_ip_begin_, pkt_len);
  }

  // Moves current_frame_ to the next frame the source sent.
  void NextFrame() {
    while (frame_batch_ == nullptr || frame_index_ >= frame_batch_->ends.size()) {
      if (frame_batch_ != nullptr) (void)frames_back_.TryPush(frame_batch_);  // else unused
      frame_batch_ = nullptr;
      frame_index_ = 0;
      while (!frames_in_.TryPop(&frame_batch_)) {
        // Pushed before the items it belongs to; only a failing source can
        // leave us waiting here.
        if (shared_->abort.load()) {
          current_frame_ = {};
          current_ip_begin_ = 0;
          return;
        }
        CpuRelax();
      }
    }
    const uint32_t begin = frame_index_ == 0 ? 0 : frame_batch_->ends[frame_index_ - 1];
    current_frame_ = std::string_view(frame_batch_->bytes.data() + begin,
                                      frame_batch_->ends[frame_index_] - begin);
    current_ip_begin_ =
        frame_index_ < frame_batch_->ip_begin.size() ? frame_batch_->ip_begin[frame_index_] : 0;
    ++frame_index_;
  }

  std::unique_ptr<AppDissector> dissector_;  // --dpi; before the engine, which uses it
  EngineFor<P> engine_;
  const WorkerOptions options_;
  std::optional<CicRowFormatter> cic_formatter_;  // CIC layouts
  std::optional<CicRowFormatter> cic_json_;       // CIC layouts, Kafka messages
  RowBlock* block_ = nullptr;
  // save_pcap state.
  FrameBatch* frame_batch_ = nullptr;
  size_t frame_index_ = 0;
  int quiet_publishes_ = 0;  // watermark raises since the merger was last rung
  bool flushing_ = false;    // in the end flush (kEnd)
  std::string_view current_frame_;
  uint32_t current_ip_begin_ = 0;  // --dpi: where current_frame_'s IP header starts
  std::unordered_map<uint64_t, std::string> flow_frames_;  // by first packet number
  uint64_t frame_bytes_ = 0;
  uint64_t frames_not_kept_ = 0;
  const bool text_;
  const CsvDialect dialect_;
  const int cpu_;
  Shared* const shared_;
  Doorbell* publish_bell_ = &shared_->merge_bell;  // whoever takes the blocks
};

// The row options that shape what a netflower engine keeps for its rows:
// the tunnel, interim reports, SPLT; in one place for files and live. The
// library refuses the last two with the python profile, which never gets
// them.
template <class P>
void SetRowOptions(const Options& options, typename FlowEngine<P>::Config* config) {
  config->keep_tunnel = HasTunnelColumns(options.columns);
  if constexpr (P::kPython) return;
  if (options.interim) {
    config->has_interim = true;
    config->interim = P::FromSeconds(*options.interim);
  }
  config->splt = static_cast<uint32_t>(std::clamp(options.splt, 0, kMaxSpltPackets));
}

// The `n` workers of a pipeline, file or live alike: worker i is pinned to
// cpus[i % cpus.size()] (unpinned when `cpus` is empty) and holds its share
// of `max_flows` (MaxFlowsShare) and of options.frame_budget_bytes.
template <class P>
std::vector<std::unique_ptr<Worker<P>>> MakeWorkers(size_t n,
                                                    typename EngineFor<P>::Config engine_config,
                                                    uint64_t max_flows, uint64_t seed,
                                                    WorkerOptions options,
                                                    const std::vector<int>& cpus, Shared* shared) {
  const uint64_t frame_budget = options.frame_budget_bytes;
  std::vector<std::unique_ptr<Worker<P>>> workers;
  for (size_t i = 0; i < n; ++i) {
    options.cpu = cpus.empty() ? -1 : cpus[i % cpus.size()];
    options.frame_budget_bytes = frame_budget / n;
    engine_config.max_flows = MaxFlowsShare(max_flows, n, i);
    workers.push_back(std::make_unique<Worker<P>>(engine_config, seed, options, shared));
  }
  return workers;
}

}  // namespace pipeline_internal
}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_PIPELINE_WORKER_H_
