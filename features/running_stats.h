// Welford running statistics, bit-exact with netflower 1.0 (FLOW-SPEC §6.4).
//
// The operation order below is part of the output contract: do not "simplify"
// it, reorder it, or let the compiler contract it into FMAs (the build uses
// -ffp-contract=off everywhere).
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
// the last bit for about 0.08% of inputs on glibc (FLOW-SPEC §8.1).
inline double StdFromVariance(double variance) { return std::pow(variance, 0.5); }

// Statistics over time values (IATs, active and idle periods), in seconds.
class TimeStats {
 public:
  void Add(double x) {
    ++n_;
    total_ += x;
    if (x < min_) min_ = x;
    if (x > max_) max_ = x;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }

  uint64_t count() const { return n_; }
  double total() const { return total_; }
  double mean() const { return n_ > 0 ? mean_ : 0.0; }
  double variance() const { return SampleVariance(m2_, n_); }
  double std_dev() const { return StdFromVariance(variance()); }
  double safe_min() const { return n_ > 0 ? min_ : 0.0; }
  double safe_max() const { return n_ > 0 ? max_ : 0.0; }

 private:
  double total_ = 0.0;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  uint64_t n_ = 0;
};

// Statistics over packet lengths (integers). Min and max keep the integer
// value; the running mean and M2 are doubles. The count is not stored: it is
// always the owning direction's packet count, passed in by the caller, which
// keeps the per-flow state small. The running total is never an output.
class LengthStats {
 public:
  // `n` is the number of values including this one.
  void Add(uint32_t x, uint64_t n) {
    if (x < min_) min_ = x;
    if (x > max_) max_ = x;
    const double xd = static_cast<double>(x);
    const double delta = xd - mean_;
    mean_ += delta / static_cast<double>(n);
    m2_ += delta * (xd - mean_);
  }

  // All accessors take the value count `n` the caller tracks.
  double mean(uint64_t n) const { return n > 0 ? mean_ : 0.0; }
  double variance(uint64_t n) const { return SampleVariance(m2_, n); }
  double std_dev(uint64_t n) const { return StdFromVariance(variance(n)); }
  uint32_t min() const { return min_; }  // meaningful when n > 0
  uint32_t max() const { return max_; }  // meaningful when n > 0

 private:
  double mean_ = 0.0;
  double m2_ = 0.0;
  uint32_t min_ = std::numeric_limits<uint32_t>::max();
  uint32_t max_ = 0;
};

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_RUNNING_STATS_H_
