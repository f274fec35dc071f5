// The k-way merge of the workers' rows into the single-job row order
// (FLOW-RULES §10.2): a row leaves only once every worker has vouched for
// everything before it, so the output never depends on the job count.
#ifndef NETFLOWER_PIPELINE_ROW_MERGER_H_
#define NETFLOWER_PIPELINE_ROW_MERGER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "flow/flow_sink.h"
#include "pipeline/pipeline.h"
#include "pipeline/row_block.h"

namespace netflower {

// What the merger needs of a worker. Called once per round and per block,
// never per row.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // The worker's watermark: every row up to (OrderKey, first_packet) has
  // been pushed. Read before the blocks it covers are taken.
  virtual std::pair<uint64_t, uint64_t> Vouched() const = 0;
  // True once the worker will push nothing more (acquire).
  virtual bool Finished() const = 0;
  // The next pushed block, or false if none is queued.
  virtual bool TakeBlock(RowBlock** block) = 0;
  // True if blocks are queued (not yet taken).
  virtual bool HasQueuedBlocks() const = 0;
  // Hands a merged block back for reuse.
  virtual void ReturnBlock(RowBlock* block) = 0;
};

class RowMerger {
 public:
  // Once a source is flushing its flows at the end of input, the merger
  // holds at most this many of its blocks (the input is done, so holding
  // back stalls nobody) and memory stays bounded.
  static constexpr size_t kMaxHeldBlocksAtEnd = 16;

  // `sources` and `consumer` must outlive the merger.
  RowMerger(std::vector<RowSource*> sources, RowConsumer* consumer);
  ~RowMerger();  // returns every held block to its source
  RowMerger(const RowMerger&) = delete;
  RowMerger& operator=(const RowMerger&) = delete;

  // One round: reads every watermark, takes the queued blocks, and hands the
  // consumer every row all sources have vouched for, in order. Returns true
  // if it took a block (else the caller may sleep until a worker rings).
  bool Round();

  // True once, at the last round, every source had finished and no row was
  // held or queued.
  bool Done() const;

 private:
  // Takes source w's queued blocks; narrows `limit` when the end-phase cap
  // leaves blocks queued. True if it took one.
  bool TakeBlocks(size_t w, std::pair<uint64_t, uint64_t>* limit);
  // Hands on every held row at or below `limit`, in row order.
  void MergeUpTo(std::pair<uint64_t, uint64_t> limit);

  std::vector<RowSource*> sources_;
  RowConsumer* const consumer_;
  std::vector<std::deque<RowBlock*>> held_;
  std::vector<size_t> cursor_;  // next row of held_[w].front()
  bool all_finished_ = false;   // at the start of the last round
};

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_ROW_MERGER_H_
