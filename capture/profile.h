// The output profiles as compile-time policies (docs/FLOW-RULES.md,
// §1): the python profile, the default profile and the CIC layouts' (three,
// for files, standard input and live capture alike).
// They sit at the bottom of the build, in capture/, because the first thing
// they decide is how the reader turns a packet's time into a number; the
// flow engine and the features (features/) build on that.
//
// The reader, the decoder's rules, the flow engine, the feature accumulator
// and the CSV dialect are written once against this interface and
// instantiated three times; everything the profiles disagree on is a member here,
// or an `if constexpr (P::kPython)` at the one place it matters. A run's
// Compat becomes a profile type in one place only: WithProfile().
#ifndef NETFLOWER_CAPTURE_PROFILE_H_
#define NETFLOWER_CAPTURE_PROFILE_H_

#include <cmath>
#include <cstdint>
#include <limits>

#include "netflower/options.h"  // Compat

namespace netflower {

// --compat=python: times are double seconds and every quirk of netflower 1.0
// is kept, the 0.0-as-unset marker included.
struct PythonProfile {
  using Time = double;
  static constexpr bool kPython = true;
  static constexpr bool kCic = false;
  static constexpr bool kCrlf = true;           // CSV lines end in CRLF
  static constexpr bool kHeaderAlways = false;  // no header when there are no rows
  static constexpr Time kOneSecond = 1.0;
  static constexpr Time kFiveSeconds = 5.0;

  // A time difference in seconds (the difference is a double subtraction).
  static double Seconds(Time delta) { return delta; }
  // An absolute time in epoch seconds.
  static double EpochSeconds(Time t) { return t; }
  // A timeout given in seconds.
  static Time FromSeconds(double seconds) { return seconds; }
  // A live capture's kernel timestamp (FLOW-RULES §3.4: microseconds, as
  // netflower 1.0's capture library gives them).
  static Time LiveTime(uint32_t sec, uint32_t nsec) {
    return static_cast<double>(sec) + static_cast<double>(nsec / 1000) / 1e6;
  }
  // Sweep test: netflower 1.0 compares with >= (arrival uses >).
  static bool SweepIdleExpired(Time now, Time latest, Time timeout) {
    return now - latest >= timeout;
  }
  // Arrival test, with the "0.0 means unset" guard.
  static bool ArrivalIdleExpired(Time t, Time latest, Time timeout) {
    return latest > 0.0 && t - latest > timeout;
  }
};

// Default profile: times are int64 nanoseconds since the epoch; one strict
// expiry rule everywhere; no time value is special.
struct DefaultProfile {
  using Time = int64_t;
  static constexpr bool kPython = false;
  static constexpr bool kCic = false;
  static constexpr bool kCrlf = false;
  static constexpr bool kHeaderAlways = true;
  static constexpr Time kOneSecond = 1000000000;
  static constexpr Time kFiveSeconds = 5000000000;

  // sec(Δ) = double(Δ) / 1e9: the correctly rounded seconds of an exact
  // nanosecond difference.
  static double Seconds(Time delta) { return static_cast<double>(delta) / 1e9; }
  // abs_sec(T) = double(q) + double(r) / 1e9 with q = floor(T / 1e9),
  // 0 <= r < 1e9; equals the python formula bit for bit on µs pcap input.
  // `shift_seconds` is added to q exactly: inputs beyond ±146 years are read
  // shifted by whole seconds (CaptureFileReader::epoch_shift_seconds).
  static double EpochSeconds(Time t, int64_t shift_seconds = 0) {
    Time q = t / kOneSecond;
    Time r = t % kOneSecond;
    if (r < 0) {
      r += kOneSecond;
      --q;
    }
    return static_cast<double>(static_cast<__int128>(q) + shift_seconds) +
           static_cast<double>(r) / 1e9;
  }
  // round(x * 1e9) (ties to even), saturated so differences never overflow.
  static Time FromSeconds(double seconds) {
    const double ns = std::nearbyint(seconds * 1e9);  // ties to even, like Python
    constexpr double kLimit = 4.0e18;
    if (!(ns < kLimit)) return static_cast<Time>(kLimit);
    if (ns < -kLimit) return static_cast<Time>(-kLimit);
    return static_cast<Time>(ns);
  }
  static Time LiveTime(uint32_t sec, uint32_t nsec) { return int64_t{sec} * kOneSecond + nsec; }
  static bool SweepIdleExpired(Time now, Time latest, Time timeout) {
    return now - latest > timeout;
  }
  static bool ArrivalIdleExpired(Time t, Time latest, Time timeout) { return t - latest > timeout; }
};

// The CIC layouts (--columns cic-*): CICFlowMeter's flow rules, in their own
// engine (flow/cic_engine.h) and decoder rules (IPv4 only; other protocols
// than TCP and UDP make flows of protocol 0). The reader's times are the
// default profile's nanoseconds; the engine truncates them to microseconds.
struct CicProfile : DefaultProfile {
  static constexpr bool kCic = true;
};

// Calls f(PythonProfile{}), f(DefaultProfile{}) or f(CicProfile{}): the one
// place where a run's Compat and column set turn into a profile type.
// REQUIRES: not both a CIC column set and Compat::kPython (callers refuse).
template <class F>
decltype(auto) WithProfile(Compat compat, bool cic_columns, F&& f) {
  if (cic_columns) return f(CicProfile{});
  if (compat == Compat::kPython) return f(PythonProfile{});
  return f(DefaultProfile{});
}

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_PROFILE_H_
