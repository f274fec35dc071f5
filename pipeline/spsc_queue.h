// A bounded lock-free single-producer/single-consumer queue.
//
// Fixed power-of-two capacity; the producer's and the consumer's indices live
// on separate cache lines, and each side keeps a cached copy of the other's
// index so that it touches the shared line only when its cached view says the
// queue is full (producer) or empty (consumer). Batch operations publish
// their index once per batch. Waiting is the caller's business (see
// doorbell.h); this class never blocks.
#ifndef NETFLOWER_PIPELINE_SPSC_QUEUE_H_
#define NETFLOWER_PIPELINE_SPSC_QUEUE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace netflower {

inline constexpr size_t kCacheLine = 64;

template <class T>
class SpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "items are copied as bytes");

 public:
  // `capacity` is rounded up to a power of two (at least 2).
  explicit SpscQueue(size_t capacity) {
    size_t c = 2;
    while (c < capacity) c <<= 1;
    mask_ = c - 1;
    slots_ = std::make_unique<T[]>(c);
  }

  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  size_t capacity() const { return mask_ + 1; }

  // Producer: appends up to `n` items and returns how many fit.
  [[nodiscard]] size_t TryPush(const T* items, size_t n) {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    size_t room = capacity() - (tail - head_cache_);
    if (room < n) {
      head_cache_ = head_.load(std::memory_order_acquire);
      room = capacity() - (tail - head_cache_);
    }
    if (n > room) n = room;
    for (size_t i = 0; i < n; ++i) slots_[(tail + i) & mask_] = items[i];
    if (n) tail_.store(tail + n, std::memory_order_release);
    return n;
  }

  [[nodiscard]] bool TryPush(const T& item) { return TryPush(&item, 1) == 1; }

  // Consumer: removes up to `max` items into `out` and returns how many.
  [[nodiscard]] size_t TryPop(T* out, size_t max) {
    const size_t head = head_.load(std::memory_order_relaxed);
    size_t available = tail_cache_ - head;
    if (available < max) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      available = tail_cache_ - head;
    }
    if (max > available) max = available;
    for (size_t i = 0; i < max; ++i) out[i] = slots_[(head + i) & mask_];
    if (max) head_.store(head + max, std::memory_order_release);
    return max;
  }

  [[nodiscard]] bool TryPop(T* out) { return TryPop(out, 1) == 1; }

  // Either side: how many items are queued (a snapshot).
  size_t Size() const {
    return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire);
  }

  // Either side: true if nothing is queued (a snapshot).
  bool Empty() const {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }

 private:
  // Consumer's line.
  alignas(kCacheLine) std::atomic<size_t> head_{0};
  size_t tail_cache_ = 0;
  // Producer's line.
  alignas(kCacheLine) std::atomic<size_t> tail_{0};
  size_t head_cache_ = 0;
  // Read-only after construction.
  alignas(kCacheLine) size_t mask_ = 0;
  std::unique_ptr<T[]> slots_;
};

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_SPSC_QUEUE_H_
