// RowMerger driven by scripted workers (FLOW-RULES §10.2: the merged order is
// the single-job order, whatever the timing of the workers).
#include "pipeline/row_merger.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

// A worker whose pushes and watermarks the test writes by hand.
class ScriptedSource : public RowSource {
 public:
  ~ScriptedSource() override {
    for (RowBlock* b : queue_) delete b;
  }
  // Pushes one block of text rows "<event>/<first>" with these tags.
  void Push(const std::vector<EmitTag>& tags) {
    auto* b = new RowBlock();
    for (const EmitTag& t : tags) {
      b->tags.push_back(t);
      b->text += absl::StrCat(Name(t), "\n");
      b->row_end.push_back(static_cast<uint32_t>(b->text.size()));
    }
    queue_.push_back(b);
  }
  void Vouch(uint64_t key, uint64_t first) { vouched_ = {key, first}; }
  void Finish() { finished_ = true; }
  static std::string Name(const EmitTag& t) {
    return t.kind == EmitKind::kEnd ? absl::StrCat("end/", t.first_packet)
                                    : absl::StrCat(t.event_packet, "/", t.first_packet);
  }
  int returned() const { return returned_; }

  std::pair<uint64_t, uint64_t> Vouched() const override { return vouched_; }
  bool Finished() const override { return finished_; }
  bool TakeBlock(RowBlock** block) override {
    if (queue_.empty()) return false;
    *block = queue_.front();
    queue_.pop_front();
    return true;
  }
  bool HasQueuedBlocks() const override { return !queue_.empty(); }
  void ReturnBlock(RowBlock* block) override {
    ++returned_;
    delete block;
  }

 private:
  std::deque<RowBlock*> queue_;
  std::pair<uint64_t, uint64_t> vouched_{0, 0};
  bool finished_ = false;
  int returned_ = 0;
};

class Collector : public RowConsumer {
 public:
  bool wants_text() const override { return true; }
  void OnRowText(std::string_view row, bool /*interim*/) override {
    rows.emplace_back(row.substr(0, row.size() - 1));
  }
  std::vector<std::string> rows;
};

EmitTag At(uint64_t event, EmitKind kind, uint64_t first) { return EmitTag{event, kind, first}; }
EmitTag End(uint64_t first) { return EmitTag{kEndOfInput, EmitKind::kEnd, first}; }

TEST(RowMerger, ARowLeavesOnlyOnceEveryWorkerHasVouchedForIt) {
  ScriptedSource a, b;
  Collector out;
  RowMerger merger({&a, &b}, &out);
  a.Push({At(5, EmitKind::kPacket, 1), At(9, EmitKind::kPacket, 2)});
  a.Vouch(OrderKey(9, EmitKind::kPacket), 2);
  b.Vouch(OrderKey(6, EmitKind::kSweep), UINT64_MAX);  // b knows events up to 6
  EXPECT_TRUE(merger.Round());
  EXPECT_EQ(out.rows, (std::vector<std::string>{"5/1"}));  // 9/2 could still follow b's rows
  b.Push({At(8, EmitKind::kSweep, 3)});
  b.Vouch(OrderKey(12, EmitKind::kSweep), UINT64_MAX);
  EXPECT_TRUE(merger.Round());
  EXPECT_EQ(out.rows, (std::vector<std::string>{"5/1", "8/3", "9/2"}));
  EXPECT_FALSE(merger.Round());  // nothing new to take
  EXPECT_FALSE(merger.Done());   // nobody has finished
}

TEST(RowMerger, TiesAtOneEventGoByKindThenFirstPacket) {
  ScriptedSource a, b;
  Collector out;
  RowMerger merger({&a, &b}, &out);
  a.Push({At(7, EmitKind::kPacket, 4), At(7, EmitKind::kSweep, 2), At(7, EmitKind::kSweep, 6)});
  b.Push({At(7, EmitKind::kPacket, 1), At(7, EmitKind::kSweep, 3), At(7, EmitKind::kSweep, 5)});
  a.Vouch(OrderKey(7, EmitKind::kSweep), UINT64_MAX);
  b.Vouch(OrderKey(7, EmitKind::kSweep), UINT64_MAX);
  merger.Round();
  EXPECT_EQ(out.rows, (std::vector<std::string>{"7/1", "7/4", "7/2", "7/3", "7/5", "7/6"}));
}

TEST(RowMerger, AWorkerWithoutRowsStillReleasesTheOthers) {
  ScriptedSource a, b, c;
  Collector out;
  RowMerger merger({&a, &b, &c}, &out);
  a.Push({At(3, EmitKind::kPacket, 1)});
  a.Vouch(OrderKey(3, EmitKind::kPacket), 1);
  b.Vouch(OrderKey(100, EmitKind::kSweep), UINT64_MAX);  // progress marks only
  c.Vouch(0, 0);                                         // has not started
  merger.Round();
  EXPECT_TRUE(out.rows.empty());
  c.Vouch(OrderKey(4, EmitKind::kSweep), UINT64_MAX);
  merger.Round();
  EXPECT_EQ(out.rows, (std::vector<std::string>{"3/1"}));
}

// The end of input: every worker flushes its flows in first-packet order,
// many blocks each. The merger holds at most kMaxHeldBlocksAtEnd blocks of a
// worker and vouches only for what it holds; a cap that trusted the
// worker's watermark instead once released rows ahead of queued ones.
TEST(RowMerger, EndOfInputCapKeepsEveryRowInOrder) {
  ScriptedSource a, b;
  Collector out;
  RowMerger merger({&a, &b}, &out);
  constexpr int kBlocks = 3 * RowMerger::kMaxHeldBlocksAtEnd;
  for (int i = 0; i < kBlocks; ++i) {
    a.Push({End(4 * i + 1), End(4 * i + 3)});
    b.Push({End(4 * i + 2), End(4 * i + 4)});
  }
  a.Vouch(kEndOrderKey, UINT64_MAX);  // both have pushed everything
  b.Vouch(kEndOrderKey, UINT64_MAX);
  a.Finish();
  b.Finish();
  int rounds = 0;
  while (!merger.Done() && rounds < 100) {
    merger.Round();
    ++rounds;
  }
  ASSERT_TRUE(merger.Done());
  EXPECT_GT(rounds, 2);  // the cap was in force
  ASSERT_EQ(out.rows.size(), size_t{4} * kBlocks);
  for (size_t i = 0; i < out.rows.size(); ++i) {
    EXPECT_EQ(out.rows[i], absl::StrCat("end/", i + 1)) << i;
  }
  EXPECT_EQ(a.returned() + b.returned(), 2 * kBlocks);
}

TEST(RowMerger, DoneOnlyWhenEveryWorkerFinishedAndNothingIsLeft) {
  ScriptedSource a, b;
  Collector out;
  {
    RowMerger merger({&a, &b}, &out);
    a.Finish();
    merger.Round();
    EXPECT_FALSE(merger.Done());  // b runs on
    b.Push({At(2, EmitKind::kPacket, 1)});
    b.Finish();                   // finished, but its block was not taken yet
    EXPECT_FALSE(merger.Done());  // (the last round saw b running)
    merger.Round();               // takes the block; a's watermark (0, 0) holds it back
    EXPECT_FALSE(merger.Done());  // a row is held
    a.Vouch(kEndOrderKey, UINT64_MAX);
    b.Vouch(kEndOrderKey, UINT64_MAX);
    merger.Round();
    EXPECT_TRUE(merger.Done());
    EXPECT_EQ(out.rows, (std::vector<std::string>{"2/1"}));
    b.Push({At(3, EmitKind::kPacket, 2)});  // held when the merger goes
    a.Vouch(0, 0);
    merger.Round();
  }
  EXPECT_EQ(b.returned(), 2);  // the destructor hands held blocks back
}

}  // namespace
}  // namespace netflower
