#include "flow/flow_key.h"

#include <sys/random.h>

#include <chrono>

namespace netflower {

uint64_t RandomHashSeed() {
  uint64_t seed = 0;
  if (::getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed)) return seed;
  const uint64_t clock =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return clock ^ (reinterpret_cast<uintptr_t>(&seed) * 0x9E3779B97F4A7C15ull);
}

}  // namespace netflower
