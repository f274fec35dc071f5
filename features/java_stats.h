// Apache commons-math3 SummaryStatistics, as CICFlowMeter uses it for every
// statistic of a flow (docs/CIC.md, "Statistics"): the CIC layouts' digits
// depend on its exact operation order.
//
// Its mean is the incremental first moment (m1 += (x - m1) / n), not sum / n:
// 714 bytes over 192 packets gives a mean of 3.7187499999999996, where the
// "average segment size" column, computed as sum / n, gives 3.71875; both
// are in CICFlowMeter's own output for its test capture.
#ifndef NETFLOWER_FEATURES_JAVA_STATS_H_
#define NETFLOWER_FEATURES_JAVA_STATS_H_

#include <cmath>
#include <cstdint>
#include <limits>

namespace netflower {

class JavaStats {
 public:
  // SummaryStatistics.addValue: Sum, Min, Max and SecondMoment (whose
  // FirstMoment is the mean) each take the value.
  void Add(double x) {
    sum_ += x;
    if (n_ == 0 || x < min_) min_ = x;
    if (n_ == 0 || x > max_) max_ = x;
    ++n_;
    const double dev = x - m1_;
    const double n_dev = dev / static_cast<double>(n_);
    m1_ += n_dev;
    m2_ += (static_cast<double>(n_) - 1) * dev * n_dev;
  }

  int64_t n() const { return n_; }
  double sum() const { return sum_; }
  // NaN without values, as commons-math returns.
  double min() const { return n_ > 0 ? min_ : kNaN; }
  double max() const { return n_ > 0 ? max_ : kNaN; }
  double mean() const { return n_ > 0 ? m1_ : kNaN; }
  // Bias-corrected: m2 / (n - 1); 0 for one value.
  double variance() const {
    if (n_ == 0) return kNaN;
    return n_ == 1 ? 0.0 : m2_ / (static_cast<double>(n_) - 1.0);
  }
  double std() const {
    if (n_ == 0) return kNaN;
    return n_ > 1 ? std::sqrt(variance()) : 0.0;  // FastMath.sqrt is correctly rounded
  }

 private:
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int64_t n_ = 0;
  double sum_ = 0.0;
  double min_ = 0.0;
  double max_ = 0.0;
  double m1_ = 0.0;
  double m2_ = 0.0;
};

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_JAVA_STATS_H_
