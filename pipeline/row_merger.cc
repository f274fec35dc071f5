#include "pipeline/row_merger.h"

#include <algorithm>

namespace netflower {

RowMerger::RowMerger(std::vector<RowSource*> sources, RowConsumer* consumer)
    : sources_(std::move(sources)),
      consumer_(consumer),
      held_(sources_.size()),
      cursor_(sources_.size(), 0) {}

RowMerger::~RowMerger() {
  for (size_t w = 0; w < sources_.size(); ++w) {
    for (RowBlock* b : held_[w]) sources_[w]->ReturnBlock(b);
  }
}

bool RowMerger::Round() {
  // Every watermark is read before any block is taken: a block is pushed
  // before the watermark that covers it is stored.
  std::pair<uint64_t, uint64_t> limit{UINT64_MAX, UINT64_MAX};
  bool all_finished = true;
  for (RowSource* s : sources_) {
    all_finished = s->Finished() && all_finished;
    limit = std::min(limit, s->Vouched());
  }
  all_finished_ = all_finished;
  bool took = false;
  for (size_t w = 0; w < sources_.size(); ++w) took = TakeBlocks(w, &limit) || took;
  MergeUpTo(limit);
  return took;
}

bool RowMerger::TakeBlocks(size_t w, std::pair<uint64_t, uint64_t>* limit) {
  const bool end_phase = sources_[w]->Vouched().first == kEndOrderKey;
  std::deque<RowBlock*>& held = held_[w];
  bool took = false;
  RowBlock* b;
  while (!(end_phase && held.size() >= kMaxHeldBlocksAtEnd) && sources_[w]->TakeBlock(&b)) {
    held.push_back(b);
    took = true;
  }
  if (end_phase && held.size() >= kMaxHeldBlocksAtEnd) {
    // Blocks may remain queued: vouch only for the rows held here (the cap
    // once lost the rows beyond it).
    const EmitTag& last = held.back()->tags.back();
    *limit = std::min(*limit, std::make_pair(OrderKey(last), last.first_packet));
  }
  return took;
}

void RowMerger::MergeUpTo(std::pair<uint64_t, uint64_t> limit) {
  const size_t n = sources_.size();
  for (;;) {
    size_t best = n;
    const EmitTag* best_tag = nullptr;
    for (size_t w = 0; w < n; ++w) {
      if (held_[w].empty()) continue;
      const EmitTag& tag = held_[w].front()->tags[cursor_[w]];
      if (std::make_pair(OrderKey(tag), tag.first_packet) > limit) continue;
      if (best_tag == nullptr || tag < *best_tag) {
        best = w;
        best_tag = &tag;
      }
    }
    if (best == n) return;
    RowBlock* b = held_[best].front();
    const size_t i = cursor_[best];
    const bool interim = b->tags[i].reason == EmitReason::kInterim;
    if (consumer_->wants_messages()) consumer_->OnMessage(b->Key(i), b->Message(i), interim);
    if (consumer_->ipfix_model() != nullptr) consumer_->OnIpfix(b->Ipfix(i));
    if (consumer_->wants_text()) {
      consumer_->OnRowText(b->Row(i), interim);
    } else if (consumer_->wants_records()) {
      consumer_->OnRecord(b->records[i]);
    }
    if (++cursor_[best] == b->rows()) {
      held_[best].pop_front();
      cursor_[best] = 0;
      sources_[best]->ReturnBlock(b);
    }
  }
}

bool RowMerger::Done() const {
  if (!all_finished_) return false;
  for (size_t w = 0; w < sources_.size(); ++w) {
    if (!held_[w].empty() || sources_[w]->HasQueuedBlocks()) return false;
  }
  return true;
}

}  // namespace netflower
