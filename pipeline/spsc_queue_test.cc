#include "pipeline/spsc_queue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "pipeline/doorbell.h"

namespace netflower {
namespace {

TEST(SpscQueue, CapacityAndBatches) {
  SpscQueue<int> q(5);
  EXPECT_EQ(q.capacity(), 8u);
  EXPECT_TRUE(q.Empty());
  const int items[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(q.TryPush(items, 10), 8u);  // only what fits
  EXPECT_FALSE(q.TryPush(items[0]));
  EXPECT_EQ(q.Size(), 8u);
  int out[16];
  EXPECT_EQ(q.TryPop(out, 3), 3u);
  EXPECT_EQ(q.Size(), 5u);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[2], 2);
  EXPECT_EQ(q.TryPush(items + 8, 2), 2u);
  EXPECT_EQ(q.TryPop(out, 16), 7u);
  EXPECT_EQ(out[0], 3);
  EXPECT_EQ(out[6], 9);
  EXPECT_TRUE(q.Empty());
  EXPECT_EQ(q.Size(), 0u);
  EXPECT_EQ(q.TryPop(out, 16), 0u);
}

// Two threads, batches of random sizes, a small queue so that both sides
// wrap and wait often: every item arrives once, in order.
TEST(SpscQueue, TwoThreadStressKeepsOrderAndLosesNothing) {
  constexpr uint64_t kItems = 3000000;
  SpscQueue<uint64_t> q(64);
  Doorbell items_bell, space_bell;
  std::thread producer([&] {
    uint64_t next = 0;
    uint64_t batch[37];
    unsigned seed = 1;
    while (next < kItems) {
      seed = seed * 1103515245 + 12345;
      const size_t n = std::min<uint64_t>(1 + (seed >> 16) % 37, kItems - next);
      for (size_t i = 0; i < n; ++i) batch[i] = next + i;
      size_t done = 0;
      while (done < n) {
        const uint32_t seen = space_bell.Snapshot();
        const size_t pushed = q.TryPush(batch + done, n - done);
        done += pushed;
        if (pushed) items_bell.Ring();
        if (done < n && pushed == 0) space_bell.Wait(seen, 10);
      }
      next += n;
    }
  });
  uint64_t expected = 0;
  uint64_t out[53];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (expected < kItems) {
    const uint32_t seen = items_bell.Snapshot();
    const size_t n = q.TryPop(out, 1 + expected % 53);
    if (n == 0) {
      items_bell.Wait(seen, 10);
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "stalled at " << expected;
      continue;
    }
    space_bell.Ring();
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], expected++);
  }
  producer.join();
  EXPECT_TRUE(q.Empty());
}

TEST(Doorbell, WaitReturnsAfterARingAndTimesOut) {
  Doorbell bell;
  const uint32_t seen = bell.Snapshot();
  bell.Ring();
  const auto start = std::chrono::steady_clock::now();
  bell.Wait(seen, 5000);  // already rung: returns at once
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  const uint32_t now = bell.Snapshot();
  const auto t0 = std::chrono::steady_clock::now();
  bell.Wait(now, 20);  // nobody rings: times out
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(15));
  std::thread ringer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    bell.Ring();
  });
  const uint32_t before = bell.Snapshot();
  const auto t1 = std::chrono::steady_clock::now();
  while (bell.Snapshot() == before) bell.Wait(before, 5000);
  EXPECT_LT(std::chrono::steady_clock::now() - t1, std::chrono::seconds(4));
  ringer.join();
}

}  // namespace
}  // namespace netflower
