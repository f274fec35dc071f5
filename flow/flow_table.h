// A hash table of flows keyed by FlowKey: values live in a slab of fixed-size
// chunks (stable addresses, no copying on growth, slots reused through a free
// list) and an open-addressing index maps keys to slots.
//
// Keys are stored compactly inside each value (16 bytes instead of 40): an
// IPv4 key holds its two addresses inline; an IPv6 key holds the index of
// its address pair in a side table.
#ifndef NETFLOWER_FLOW_FLOW_TABLE_H_
#define NETFLOWER_FLOW_FLOW_TABLE_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "flow/flow_key.h"

namespace netflower {

inline constexpr uint32_t kNoSlot = 0xFFFFFFFFu;

struct CompactKey {
  uint32_t a = 0;  // IPv4: address A; IPv6: index of the address pair
  uint32_t b = 0;  // IPv4: address B
  uint16_t port_a = 0;
  uint16_t port_b = 0;
  uint8_t protocol = 0;
  uint8_t family = 0;
};

// `Value` must be default-constructible and have a public `CompactKey key`,
// which the table manages.
template <class Value>
class FlowTable {
 public:
  explicit FlowTable(uint64_t hash_seed) : hasher_(hash_seed) { Rehash(kMinBuckets); }

  uint64_t Hash(const FlowKey& key) const { return hasher_(key); }

  // Slot of the value stored under `key`, or kNoSlot. `hash` = Hash(key).
  uint32_t Find(const FlowKey& key, uint64_t hash) const {
    const uint32_t tag = static_cast<uint32_t>(hash);
    for (size_t i = tag & mask_;; i = (i + 1) & mask_) {
      const Bucket& b = buckets_[i];
      if (b.slot == kNoSlot) return kNoSlot;
      if (b.tag == tag && Matches(At(b.slot).key, key)) return b.slot;
    }
  }

  // Stores a default-constructed value under `key` (which must be absent)
  // and returns its slot. The caller initializes the rest of the value.
  uint32_t Insert(const FlowKey& key, uint64_t hash) {
    if ((size_ + 1) * 2 > buckets_.size()) Rehash(buckets_.size() * 2);
    const uint32_t slot = AllocateSlot();
    Value& v = At(slot);
    v = Value();
    v.key = Compact(key);
    const uint32_t tag = static_cast<uint32_t>(hash);
    size_t i = tag & mask_;
    while (buckets_[i].slot != kNoSlot) i = (i + 1) & mask_;
    buckets_[i] = Bucket{slot, tag};
    ++size_;
    return slot;
  }

  // Removes the value at `slot`.
  void Erase(uint32_t slot) {
    Value& v = At(slot);
    const uint32_t tag = static_cast<uint32_t>(HashOf(slot));
    if (v.key.family == 6) free_pairs_.push_back(v.key.a);
    size_t i = tag & mask_;
    while (buckets_[i].slot != slot) i = (i + 1) & mask_;
    // Backward-shift deletion: no tombstones, probe chains stay short.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      const Bucket& b = buckets_[j];
      if (b.slot == kNoSlot) break;
      const size_t home = b.tag & mask_;
      // Move b into the hole at i unless its home lies cyclically in (i, j].
      const bool home_in_range = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!home_in_range) {
        buckets_[i] = b;
        i = j;
      }
    }
    buckets_[i] = Bucket{kNoSlot, 0};
    free_slots_.push_back(slot);
    --size_;
  }

  // The full key of the value at `slot`.
  FlowKey KeyOf(uint32_t slot) const {
    const CompactKey& c = At(slot).key;
    FlowKey key;
    std::memset(&key, 0, sizeof(key));
    if (c.family == 6) {
      std::memcpy(key.addr_a, pairs_[c.a].data(), 16);
      std::memcpy(key.addr_b, pairs_[c.a].data() + 16, 16);
    } else {
      std::memcpy(key.addr_a, &c.a, 4);
      std::memcpy(key.addr_b, &c.b, 4);
    }
    SetKeyTail(c.port_a, c.port_b, c.protocol, c.family, &key);
    return key;
  }

  Value& At(uint32_t slot) { return chunks_[slot >> kChunkBits][slot & kChunkMask]; }
  const Value& At(uint32_t slot) const { return chunks_[slot >> kChunkBits][slot & kChunkMask]; }

  // Cache hints for a lookup coming soon: the bucket `hash` starts probing
  // at, then (once that bucket is likely cached) the value it points to.
  void PrefetchBucket(uint64_t hash) const {
    __builtin_prefetch(&buckets_[static_cast<uint32_t>(hash) & mask_]);
  }
  void PrefetchValue(uint64_t hash) const {
    const Bucket& b = buckets_[static_cast<uint32_t>(hash) & mask_];
    if (b.slot == kNoSlot || b.tag != static_cast<uint32_t>(hash)) return;
    PrefetchSlot(b.slot);
  }

  // The same for the value at `slot`.
  void PrefetchSlot(uint32_t slot) const {
    const char* v = reinterpret_cast<const char*>(&At(slot));
    for (size_t line = 0; line < sizeof(Value); line += 64) __builtin_prefetch(v + line, 1);
  }

  // The bucket that Erase(slot) will start probing at.
  void PrefetchIndexOf(uint32_t slot) const { PrefetchBucket(HashOf(slot)); }

  // Hash(KeyOf(slot)). An IPv4 key's words are made in registers: read
  // back from a key just built in memory by narrower stores, they waited
  // for those stores (most of Emit's samples on many-flows.pcap).
  uint64_t HashOf(uint32_t slot) const {
    const CompactKey& c = At(slot).key;
    if (c.family == 6) return hasher_(KeyOf(slot));
    uint64_t a = 0, b = 0;  // the address's 4 bytes, then zeros, in memory order
    std::memcpy(&a, &c.a, 4);
    std::memcpy(&b, &c.b, 4);
    return hasher_.Words(a, 0, b, 0, KeyTailWord(c.port_a, c.port_b, c.protocol, c.family));
  }

  size_t size() const { return size_; }
  // Slots ever allocated (live or free); slot numbers are below this.
  uint32_t slot_limit() const { return next_slot_; }
  // Bytes held by the table's own arrays (values, index, IPv6 pairs).
  size_t MemoryBytes() const {
    return chunks_.size() * sizeof(Value) * kChunkSize + buckets_.size() * sizeof(Bucket) +
           free_slots_.capacity() * sizeof(uint32_t) + pairs_.capacity() * 32;
  }

 private:
  struct Bucket {
    uint32_t slot;  // kNoSlot: empty
    uint32_t tag;   // low 32 bits of the hash; also gives the home bucket
  };
  static constexpr size_t kMinBuckets = 1024;
  static constexpr int kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr uint32_t kChunkMask = kChunkSize - 1;

  bool Matches(const CompactKey& c, const FlowKey& key) const {
    if (c.port_a != key.port_a || c.port_b != key.port_b || c.protocol != key.protocol ||
        c.family != key.family) {
      return false;
    }
    if (c.family == 6) return std::memcmp(pairs_[c.a].data(), key.addr_a, 32) == 0;
    uint32_t a, b;
    std::memcpy(&a, key.addr_a, 4);
    std::memcpy(&b, key.addr_b, 4);
    return c.a == a && c.b == b;
  }

  CompactKey Compact(const FlowKey& key) {
    CompactKey c;
    c.port_a = key.port_a;
    c.port_b = key.port_b;
    c.protocol = key.protocol;
    c.family = key.family;
    if (key.family == 6) {
      uint32_t index;
      if (!free_pairs_.empty()) {
        index = free_pairs_.back();
        free_pairs_.pop_back();
      } else {
        index = static_cast<uint32_t>(pairs_.size());
        pairs_.emplace_back();
      }
      std::memcpy(pairs_[index].data(), key.addr_a, 32);  // addr_a, addr_b are adjacent
      c.a = index;
    } else {
      std::memcpy(&c.a, key.addr_a, 4);
      std::memcpy(&c.b, key.addr_b, 4);
    }
    return c;
  }

  uint32_t AllocateSlot() {
    if (!free_slots_.empty()) {
      const uint32_t slot = free_slots_.back();
      free_slots_.pop_back();
      return slot;
    }
    if ((next_slot_ >> kChunkBits) == chunks_.size()) {
      chunks_.push_back(std::make_unique<Value[]>(kChunkSize));
    }
    return next_slot_++;
  }

  void Rehash(size_t bucket_count) {
    std::vector<Bucket> old;
    old.swap(buckets_);
    buckets_.assign(bucket_count, Bucket{kNoSlot, 0});
    mask_ = bucket_count - 1;
    for (const Bucket& b : old) {
      if (b.slot == kNoSlot) continue;
      size_t i = b.tag & mask_;
      while (buckets_[i].slot != kNoSlot) i = (i + 1) & mask_;
      buckets_[i] = b;
    }
  }

  FlowHasher hasher_;
  std::vector<Bucket> buckets_;
  size_t mask_ = 0;
  size_t size_ = 0;
  std::vector<std::unique_ptr<Value[]>> chunks_;
  std::vector<uint32_t> free_slots_;
  uint32_t next_slot_ = 0;
  std::vector<std::array<uint8_t, 32>> pairs_;  // IPv6 address pairs (A then B)
  std::vector<uint32_t> free_pairs_;
};

}  // namespace netflower

#endif  // NETFLOWER_FLOW_FLOW_TABLE_H_
