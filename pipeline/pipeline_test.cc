#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <vector>

namespace netflower {
namespace {

TEST(DefaultWorkerCpus, PinsAfterTheFirstCpuWhenTwoAreLeftOver) {
  const std::vector<int> allowed = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(DefaultWorkerCpus(1, allowed), (std::vector<int>{1}));
  EXPECT_EQ(DefaultWorkerCpus(4, allowed), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(DefaultWorkerCpus(6, allowed), (std::vector<int>{1, 2, 3, 4, 5, 6}));
  // An affinity mask that skips CPUs: positions in it, not CPU numbers.
  EXPECT_EQ(DefaultWorkerCpus(2, {3, 5, 9, 12}), (std::vector<int>{5, 9}));
}

TEST(DefaultWorkerCpus, LeavesWorkersUnpinnedOnSmallerMachines) {
  EXPECT_TRUE(DefaultWorkerCpus(7, {0, 1, 2, 3, 4, 5, 6, 7}).empty());
  EXPECT_TRUE(DefaultWorkerCpus(1, {0, 1}).empty());
  EXPECT_TRUE(DefaultWorkerCpus(2, {0, 1}).empty());
  EXPECT_TRUE(DefaultWorkerCpus(3, {0, 1}).empty());
  EXPECT_TRUE(DefaultWorkerCpus(1, {0}).empty());
  EXPECT_TRUE(DefaultWorkerCpus(1, {}).empty());
}

TEST(UseRowFormatters, WhenThereAreTwoCpusAJob) {
  EXPECT_TRUE(UseRowFormatters(1, 2));
  EXPECT_FALSE(UseRowFormatters(2, 2));
  EXPECT_FALSE(UseRowFormatters(1, 1));
  EXPECT_TRUE(UseRowFormatters(8, 16));
  EXPECT_FALSE(UseRowFormatters(9, 16));
  EXPECT_TRUE(UseRowFormatters(0, 2));  // (at least one job)
}

}  // namespace
}  // namespace netflower
