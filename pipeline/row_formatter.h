// A formatting stage between a flow worker and the merger. While the worker
// is the bottleneck, and in the end flush, it hands its rows over as
// FlowRecords (RowBlock::unformatted) and this thread turns them into text
// (and Kafka messages), so that row formatting, about half a worker's time
// on flow-dense traffic, runs beside the flow engine instead of after it;
// blocks the worker formatted itself pass straight on (bench/README.md,
// "Cost per packet and per flow").
//
// To the merger it is the worker: a RowSource with the worker's watermark,
// published only once the blocks it covers are formatted and queued, so
// the merged output is byte for byte what the worker alone would give.
#ifndef NETFLOWER_PIPELINE_ROW_FORMATTER_H_
#define NETFLOWER_PIPELINE_ROW_FORMATTER_H_

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "io/csv_writer.h"
#include "pipeline/doorbell.h"
#include "pipeline/pipeline_worker.h"
#include "pipeline/row_block.h"
#include "pipeline/row_merger.h"
#include "pipeline/spsc_queue.h"

namespace netflower {
namespace pipeline_internal {

// Formatted blocks waiting for the merger. Few: the worker's own queue
// (kBlockQueue) already absorbs its bursts, and each block here holds its
// records and its text (about 400 KB).
inline constexpr size_t kFormattedQueue = 32;

class RowFormatter final : public RowSource {
 public:
  // `upstream` is a worker run with WorkerOptions::hand_over_rows whose
  // publish bell is bell(); it and `shared` must outlive this. `text`,
  // `messages`: what the worker's own rows have (text rows, Kafka
  // messages); the rows it hands over get the same here.
  RowFormatter(RowSource* upstream, const CsvDialect& dialect, bool text, bool messages,
               const IpfixModel* ipfix, Shared* shared)
      : upstream_(upstream),
        dialect_(dialect),
        text_(text),
        messages_(messages),
        ipfix_(ipfix),
        shared_(shared),
        output_(kFormattedQueue) {}

  RowFormatter(const RowFormatter&) = delete;
  RowFormatter& operator=(const RowFormatter&) = delete;

  // The bell the worker rings when it publishes.
  Doorbell* bell() { return &bell_; }

  // The thread's body: formats until the worker has finished and every
  // block it pushed is passed on, or the run is aborted.
  void Run(int index) {
    pthread_setname_np(pthread_self(), absl::StrCat("nf-format-", index).c_str());
    try {
      Loop();
    } catch (const std::exception& e) {
      shared_->Fail(absl::StrCat("row formatter failed: ", e.what()));
    }
    finished_.store(true, std::memory_order_release);
    shared_->merge_bell.Ring();
  }

  // Wakes the thread (to see an abort).
  void Wake() { bell_.Ring(); }

  // --- RowSource (the merger's side) ---
  std::pair<uint64_t, uint64_t> Vouched() const override { return watermark_.Load(); }
  bool Finished() const override { return finished_.load(std::memory_order_acquire); }
  bool TakeBlock(RowBlock** block) override { return output_.TryPop(block); }
  bool HasQueuedBlocks() const override { return !output_.Empty(); }
  // Blocks go back to the worker that made them (from the merger's thread,
  // as without a formatter).
  void ReturnBlock(RowBlock* block) override { upstream_->ReturnBlock(block); }

 private:
  void Loop() {
    while (!shared_->abort.load(std::memory_order_relaxed)) {
      const uint32_t seen = bell_.Snapshot();
      // Finished, then the watermark, then the blocks: everything the
      // watermark covers was pushed before it was stored.
      const bool finished = upstream_->Finished();
      const std::pair<uint64_t, uint64_t> vouched = upstream_->Vouched();
      bool moved = false;
      RowBlock* block = nullptr;
      while (upstream_->TakeBlock(&block)) {
        if (block->unformatted) Format(block);
        // Rows come in ascending order, so a passed block's last row is a
        // watermark: the merger may release rows while the queue is full
        // (at the end flush it holds only a few blocks and waits for it).
        const EmitTag last = block->tags.back();  // (the block is lent out after Pass)
        if (!Pass(block)) return;
        watermark_.Store(OrderKey(last), last.first_packet);
        moved = true;
      }
      if (moved || vouched != last_vouched_) {
        watermark_.Store(vouched.first, vouched.second);
        last_vouched_ = vouched;
        shared_->merge_bell.Ring();
      }
      if (finished) return;
      if (!moved) bell_.Wait(seen, 100);
    }
  }

  // Turns the block's records into rows of text and messages, in place.
  void Format(RowBlock* block) const {
    for (size_t i = 0; i < block->records.size(); ++i) {
      AppendFormatted(block->records[i], block->tags[i], dialect_, text_, messages_, ipfix_, block);
    }
    // Formatted blocks never go out as records (a worker in records mode
    // hands none over): the block as the worker would have made it.
    block->records.clear();
    block->unformatted = false;
  }

  // Queues a formatted block for the merger, waiting while the queue is
  // full. False once the run is aborted.
  bool Pass(RowBlock* block) {
    return PushBlockWaiting(output_, block, *shared_, &shared_->merge_bell);
  }

  RowSource* const upstream_;
  const CsvDialect dialect_;
  const bool text_;
  const bool messages_;
  const IpfixModel* const ipfix_;
  Shared* const shared_;
  Doorbell bell_;
  SpscQueue<RowBlock*> output_;
  Watermark watermark_;
  std::pair<uint64_t, uint64_t> last_vouched_{0, 0};
  std::atomic<bool> finished_{false};
};

}  // namespace pipeline_internal
}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_ROW_FORMATTER_H_
