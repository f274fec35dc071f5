#include "flow/flow_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace netflower {
namespace {

// MulFold's reference: the schoolbook product from 32-bit halves, folded the
// same way, on every architecture.
inline uint64_t MulFoldPortable(uint64_t a, uint64_t b) {
  const uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32;
  const uint64_t b_lo = b & 0xffffffffu, b_hi = b >> 32;
  const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo;
  const uint64_t lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  // At most (2^32-1)^2 + 2(2^32-1) = 2^64-1: no overflow.
  const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
  const uint64_t low = (cross << 32) | (lo_lo & 0xffffffffu);
  const uint64_t high = (hi_lo >> 32) + (cross >> 32) + hi_hi;
  return low ^ high;
}

struct Value {
  CompactKey key;
  int payload = 0;
};

// Every seventh key is IPv6, so both key layouts are exercised.
FlowKey Key(uint32_t i) {
  FlowKey k;
  std::memset(&k, 0, sizeof(k));
  std::memcpy(k.addr_a, &i, 4);
  k.port_a = static_cast<uint16_t>(i);
  k.protocol = 17;
  k.family = 4;
  if (i % 7 == 0) {
    k.family = 6;
    k.addr_b[15] = static_cast<uint8_t>(i);
    k.addr_a[12] = 0x20;
  }
  return k;
}

TEST(FlowTable, MatchesAReferenceMapUnderRandomOperations) {
  FlowTable<Value> table(42);
  std::map<uint32_t, std::pair<uint32_t, int>> reference;  // id -> (slot, payload)
  std::mt19937 rng(7);
  for (int step = 0; step < 200000; ++step) {
    const uint32_t id = rng() % 5000;
    const FlowKey key = Key(id);
    const uint64_t hash = table.Hash(key);
    const uint32_t slot = table.Find(key, hash);
    auto it = reference.find(id);
    ASSERT_EQ(slot == kNoSlot, it == reference.end()) << step;
    if (slot == kNoSlot) {
      const uint32_t s = table.Insert(key, hash);
      table.At(s).payload = step;
      reference[id] = {s, step};
    } else {
      ASSERT_EQ(table.At(slot).payload, it->second.second);
      ASSERT_EQ(table.KeyOf(slot), key);
      if (rng() % 2) {
        table.Erase(slot);
        reference.erase(it);
      }
    }
    ASSERT_EQ(table.size(), reference.size());
  }
}

TEST(FlowTable, SeedChangesTheHash) {
  FlowTable<Value> a(1), b(2);
  EXPECT_NE(a.Hash(Key(1)), b.Hash(Key(1)));
  EXPECT_EQ(a.Hash(Key(1)), FlowTable<Value>(1).Hash(Key(1)));
}

// The hash's widening multiply has a fast path (__int128) and a portable one;
// both must agree bit for bit, on x86-64 and on aarch64 (--config=aarch64).
TEST(FlowHasher, FastAndPortableMultiplyAgree) {
  const uint64_t edges[] = {0,
                            1,
                            2,
                            0xffffffffu,
                            0x100000000u,
                            0xffffffffffffffffu,
                            0x8000000000000000u,
                            0xa0761d6478bd642fu};
  for (uint64_t a : edges) {
    for (uint64_t b : edges) EXPECT_EQ(MulFold(a, b), MulFoldPortable(a, b)) << a << " " << b;
  }
  EXPECT_EQ(MulFoldPortable(0xffffffffffffffffu, 0xffffffffffffffffu),
            uint64_t{0xfffffffffffffffe} ^ uint64_t{1});  // (2^64-1)^2 = 2^128 - 2^65 + 1
  std::mt19937_64 rng(6);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t a = rng(), b = rng();
    ASSERT_EQ(MulFold(a, b), MulFoldPortable(a, b)) << a << " " << b;
  }
}

}  // namespace
}  // namespace netflower
