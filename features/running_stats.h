// Welford running statistics, bit-exact with netflower 1.0 (FLOW-RULES §6.4).
//
// The operation order below is part of the output contract: do not "simplify"
// it, reorder it, or let the compiler contract it into FMAs (the build uses
// -ffp-contract=off everywhere).
//
// The count n of values is not stored here: every statistic of a flow is
// counted by a counter the flow keeps anyway (its packets, a direction's
// packets, ...), so callers pass n, which keeps the per-flow state small.
// In FLOW-RULES §6.4's order "n += 1; total += x; min; max; delta; mean; M2" the
// count, total and min/max steps are independent of mean and M2.
#ifndef NETFLOWER_FEATURES_RUNNING_STATS_H_
#define NETFLOWER_FEATURES_RUNNING_STATS_H_

#include <cmath>
#include <cstdint>
#include <limits>

namespace netflower {

// Sample variance M2 / (n - 1) if n > 1, else 0.0.
inline double SampleVariance(double m2, uint64_t n) {
  return n > 1 ? m2 / static_cast<double>(n - 1) : 0.0;
}

// std = pow(variance, 0.5): the C library's pow, not sqrt, which differs in
// the last bit for about 0.08% of inputs on glibc (FLOW-RULES §8.1). A zero
// variance (every statistic of a flow of 0 or 1 values, most of them on
// short flows) skips the call: pow(±0, 0.5) is +0 by C's definition. That
// was 2% of the worker's samples on many-flows.pcap (8 stds a flow).
inline double StdFromVariance(double variance) {
  return variance == 0.0 ? 0.0 : std::pow(variance, 0.5);
}

// Welford's mean and M2.
struct Welford {
  double mean = 0.0;
  double m2 = 0.0;

  // `n` counts the values including x.
  void Add(double x, uint64_t n) {
    const double delta = x - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (x - mean);
  }
  double Mean(uint64_t n) const { return n > 0 ? mean : 0.0; }
  double Variance(uint64_t n) const { return SampleVariance(m2, n); }
  double Std(uint64_t n) const { return StdFromVariance(Variance(n)); }
};

// Statistics over time values (IATs, active and idle periods), in seconds.
struct TimeStats {
  Welford w;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();

  void Add(double x, uint64_t n) {
    if (x < min) min = x;
    if (x > max) max = x;
    w.Add(x, n);
  }
  double SafeMin(uint64_t n) const { return n > 0 ? min : 0.0; }
  double SafeMax(uint64_t n) const { return n > 0 ? max : 0.0; }
};

// Statistics over packet lengths: min and max keep the integer value.
struct LengthStats {
  Welford w;
  uint32_t min = std::numeric_limits<uint32_t>::max();
  uint32_t max = 0;

  void Add(uint32_t x, uint64_t n) {
    if (x < min) min = x;
    if (x > max) max = x;
    w.Add(static_cast<double>(x), n);
  }
};

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_RUNNING_STATS_H_
