// A hash table of flows keyed by FlowKey: values live in a slab of fixed-size
// chunks (stable addresses, no copying on growth, slots reused through a free
// list) and an open-addressing index maps keys to slots.
#ifndef NETFLOWER_FLOW_FLOW_TABLE_H_
#define NETFLOWER_FLOW_FLOW_TABLE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "flow/flow_key.h"

namespace netflower {

inline constexpr uint32_t kNoSlot = 0xFFFFFFFFu;

// `Value` must be default-constructible and have a public `FlowKey key`.
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
      if (b.tag == tag && At(b.slot).key == key) return b.slot;
    }
  }

  // Stores a default-constructed value under `key` (which must be absent)
  // and returns its slot. The caller initializes the value.
  uint32_t Insert(const FlowKey& key, uint64_t hash) {
    if ((size_ + 1) * 2 > buckets_.size()) Rehash(buckets_.size() * 2);
    const uint32_t slot = AllocateSlot();
    Value& v = At(slot);
    v = Value();
    v.key = key;
    const uint32_t tag = static_cast<uint32_t>(hash);
    size_t i = tag & mask_;
    while (buckets_[i].slot != kNoSlot) i = (i + 1) & mask_;
    buckets_[i] = Bucket{slot, tag};
    ++size_;
    return slot;
  }

  // Removes the value at `slot` (stored under key with hash `hash`).
  void Erase(uint32_t slot, uint64_t hash) {
    const uint32_t tag = static_cast<uint32_t>(hash);
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

  Value& At(uint32_t slot) { return chunks_[slot >> kChunkBits][slot & kChunkMask]; }
  const Value& At(uint32_t slot) const { return chunks_[slot >> kChunkBits][slot & kChunkMask]; }

  size_t size() const { return size_; }
  // Slots ever allocated (live or free); slot numbers are below this.
  uint32_t slot_limit() const { return next_slot_; }
  // Bytes held by the table's own arrays (values and index).
  size_t MemoryBytes() const {
    return chunks_.size() * sizeof(Value) * kChunkSize + buckets_.size() * sizeof(Bucket) +
           free_slots_.capacity() * sizeof(uint32_t);
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
};

}  // namespace netflower

#endif  // NETFLOWER_FLOW_FLOW_TABLE_H_
