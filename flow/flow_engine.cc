#include "flow/flow_engine.h"

#include <unistd.h>

#include <algorithm>

namespace netflower {

uint64_t DefaultMaxFlows() {
  const int64_t pages = ::sysconf(_SC_PHYS_PAGES);
  const int64_t page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 1000000;
  const uint64_t memory = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
  return std::max<uint64_t>(100000, memory / 4 / 512);
}

}  // namespace netflower
