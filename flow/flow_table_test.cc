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
      ASSERT_EQ(table.HashOf(slot), hash);  // both families (Key: every seventh IPv6)
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

// The key's tail is stored as one word (SetKeyTail): it must hold the same
// bytes as the fields set one by one, padding zero, in both key builders and
// in FlowTable::KeyOf; the hash reads the 40 bytes as five words in order,
// and HashOf gives the same hash without the key.
TEST(FlowKey, TailWordEqualsTheFieldsOneByOne) {
  DecodedPacket p;
  const uint8_t src[4] = {10, 0, 0, 2}, dst[4] = {10, 0, 0, 1};
  p.src = IpAddress::V4(src);
  p.dst = IpAddress::V4(dst);
  p.src_port = 0xBEEF;
  p.dst_port = 443;
  p.protocol = 6;
  bool src_is_a = true;
  const FlowKey key = MakeFlowKey(p, &src_is_a);
  EXPECT_FALSE(src_is_a);  // 10.0.0.1 < 10.0.0.2
  FlowKey expected;
  std::memset(&expected, 0, sizeof(expected));
  std::memcpy(expected.addr_a, p.dst.bytes, 16);
  std::memcpy(expected.addr_b, p.src.bytes, 16);
  expected.port_a = 443;
  expected.port_b = 0xBEEF;
  expected.protocol = 6;
  expected.family = 4;
  EXPECT_EQ(std::memcmp(&key, &expected, sizeof(key)), 0);
  const FlowKey cic = MakeCicFlowKey(p, &src_is_a);
  EXPECT_EQ(std::memcmp(&cic, &expected, sizeof(cic)), 0);

  FlowTable<Value> table(7);
  const uint32_t slot = table.Insert(key, table.Hash(key));
  const FlowKey back = table.KeyOf(slot);
  EXPECT_EQ(std::memcmp(&back, &expected, sizeof(back)), 0);
  EXPECT_EQ(table.HashOf(slot), table.Hash(key));

  uint64_t w[5];
  std::memcpy(w, &expected, sizeof(w));
  EXPECT_EQ(table.Hash(key), FlowHasher(7).Words(w[0], w[1], w[2], w[3], w[4]));
}

}  // namespace
}  // namespace netflower
