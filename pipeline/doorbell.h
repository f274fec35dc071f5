// Sleep until another thread rings, without a syscall on the fast path.
//
// A waiter calls Wait(seen) with the ring count it last observed; it returns
// at once if the bell has been rung since, else it sleeps (futex) until a
// ring or a timeout. Ring() costs one atomic increment, plus a futex wake
// only when someone is asleep.
#ifndef NETFLOWER_PIPELINE_DOORBELL_H_
#define NETFLOWER_PIPELINE_DOORBELL_H_

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace netflower {

class Doorbell {
 public:
  // The current ring count; pass it to Wait() after re-checking the
  // condition you wait for.
  uint32_t Snapshot() const { return rings_.load(std::memory_order_seq_cst); }

  // Sleeps while the ring count still equals `seen`, at most `timeout_ms`.
  void Wait(uint32_t seen, int timeout_ms = 100) {
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    if (rings_.load(std::memory_order_seq_cst) == seen) {
      struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};
      ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&rings_), FUTEX_WAIT_PRIVATE, seen, &ts,
                nullptr, 0);
    }
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
  }

  void Ring() {
    rings_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) != 0) {
      ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&rings_), FUTEX_WAKE_PRIVATE, INT32_MAX,
                nullptr, nullptr, 0);
    }
  }

 private:
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  alignas(64) std::atomic<uint32_t> rings_{0};
  std::atomic<uint32_t> sleepers_{0};
};

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_DOORBELL_H_
