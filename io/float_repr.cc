// Shortest round-trip digits by Ulf Adams' Ryu algorithm ("Ryū: fast
// float-to-string conversion", PLDI 2018), laid out the way Python's repr()
// lays them out. libstdc++'s std::to_chars gives the same digits (and is the
// reference in the tests) but costs two to three times as much here, and
// every flow row holds about forty doubles.
#include "io/float_repr.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace netflower {
namespace {

using uint128 = unsigned __int128;

constexpr int kMantissaBits = 52;
constexpr int kExponentBits = 11;
constexpr int kBias = 1023;
constexpr int kPow5InvBitCount = 125;
constexpr int kPow5BitCount = 125;
constexpr int kPow5InvTableSize = 342;
constexpr int kPow5TableSize = 326;

// e == 0 ? 1 : ceil(log2(5^e)), i.e. the bit length of 5^e; 0 <= e <= 3528.
inline int Pow5Bits(int e) {
  return static_cast<int>((static_cast<uint32_t>(e) * 1217359) >> 19) + 1;
}
// floor(log10(2^e)); 0 <= e <= 1650.
inline uint32_t Log10Pow2(int e) { return (static_cast<uint32_t>(e) * 78913) >> 18; }
// floor(log10(5^e)); 0 <= e <= 2620.
inline uint32_t Log10Pow5(int e) { return (static_cast<uint32_t>(e) * 732923) >> 20; }

inline uint32_t Pow5Factor(uint64_t v) {
  uint32_t count = 0;
  while (v % 5 == 0) {
    v /= 5;
    ++count;
  }
  return count;
}
inline bool MultipleOfPowerOf5(uint64_t v, uint32_t p) { return Pow5Factor(v) >= p; }
inline bool MultipleOfPowerOf2(uint64_t v, uint32_t p) {
  return (v & ((uint64_t{1} << p) - 1)) == 0;
}

// The 125-bit multipliers, computed once with a small big-integer helper:
//   split[i]     = 5^i shifted to 125 significant bits (truncated),
//   inv_split[q] = floor(2^(bitlen(5^q) - 1 + 125) / 5^q) + 1.
struct Tables {
  uint64_t split[kPow5TableSize][2];  // [low, high]
  uint64_t inv_split[kPow5InvTableSize][2];

  Tables() {
    // Little-endian 32-bit limbs. x = floor(2^kTop / 5^i), kept by dividing
    // by 5 once per step; then floor(2^n / 5^i) = floor(x / 2^(kTop - n)),
    // since nested floors of integer divisions compose.
    constexpr int kTop = 960;  // above every n = bitlen(5^i) - 1 + 125 needed
    std::vector<uint32_t> pow5 = {1};
    std::vector<uint32_t> x(kTop / 32 + 1, 0);
    x[kTop / 32] = uint32_t{1} << (kTop % 32);
    for (int i = 0; i < kPow5InvTableSize; ++i) {
      const int bits = BitLength(pow5);
      if (i < kPow5TableSize) ShiftToTop(pow5, bits - kPow5BitCount, split[i]);
      const int n = bits - 1 + kPow5InvBitCount;
      uint64_t v[2];
      ShiftToTop(x, kTop - n, v);
      uint128 inv = (static_cast<uint128>(v[1]) << 64) | v[0];
      inv += 1;
      inv_split[i][0] = static_cast<uint64_t>(inv);
      inv_split[i][1] = static_cast<uint64_t>(inv >> 64);
      MultiplySmall(pow5, 5);
      DivideSmall(x, 5);
    }
  }

  static int BitLength(const std::vector<uint32_t>& x) {
    for (size_t k = x.size(); k-- > 0;) {
      if (x[k] != 0) return static_cast<int>(k) * 32 + (32 - __builtin_clz(x[k]));
    }
    return 0;
  }
  static void MultiplySmall(std::vector<uint32_t>& x, uint32_t m) {
    uint64_t carry = 0;
    for (uint32_t& limb : x) {
      const uint64_t t = uint64_t{limb} * m + carry;
      limb = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    if (carry) x.push_back(static_cast<uint32_t>(carry));
  }
  static void DivideSmall(std::vector<uint32_t>& x, uint32_t d) {
    uint64_t rem = 0;
    for (size_t k = x.size(); k-- > 0;) {
      const uint64_t cur = (rem << 32) | x[k];
      x[k] = static_cast<uint32_t>(cur / d);
      rem = cur % d;
    }
  }
  // out = (x >> shift) mod 2^128 (x << -shift if shift is negative).
  static void ShiftToTop(const std::vector<uint32_t>& x, int shift, uint64_t out[2]) {
    uint128 v = 0;
    for (int bit = 127; bit >= 0; --bit) {
      const int src = bit + shift;
      bool set = false;
      if (src >= 0 && src / 32 < static_cast<int>(x.size())) {
        set = (x[static_cast<size_t>(src / 32)] >> (src % 32)) & 1;
      }
      v = (v << 1) | (set ? 1 : 0);
    }
    out[0] = static_cast<uint64_t>(v);
    out[1] = static_cast<uint64_t>(v >> 64);
  }
};

const Tables& GetTables() {
  static const Tables* const tables = new Tables();
  return *tables;
}

inline uint64_t MulShift64(uint64_t m, const uint64_t* mul, int j) {
  const uint128 b0 = static_cast<uint128>(m) * mul[0];
  const uint128 b2 = static_cast<uint128>(m) * mul[1];
  return static_cast<uint64_t>(((b0 >> 64) + b2) >> (j - 64));
}

// value = mantissa * 10^exponent, mantissa with the fewest digits that
// reads back to the same double (ties resolved like Ryu / to_chars).
struct Decimal {
  uint64_t mantissa;
  int exponent;
};

Decimal ShortestDecimal(uint64_t ieee_mantissa, uint32_t ieee_exponent) {
  const Tables& t = GetTables();
  int e2;
  uint64_t m2;
  if (ieee_exponent == 0) {
    e2 = 1 - kBias - kMantissaBits - 2;
    m2 = ieee_mantissa;
  } else {
    e2 = static_cast<int>(ieee_exponent) - kBias - kMantissaBits - 2;
    m2 = (uint64_t{1} << kMantissaBits) | ieee_mantissa;
  }
  const bool accept_bounds = (m2 & 1) == 0;
  const uint64_t mv = 4 * m2;
  const uint32_t mm_shift = ieee_mantissa != 0 || ieee_exponent <= 1;

  uint64_t vr, vp, vm;
  int e10;
  bool vm_trailing_zeros = false;
  bool vr_trailing_zeros = false;
  if (e2 >= 0) {
    const uint32_t q = Log10Pow2(e2) - (e2 > 3);
    e10 = static_cast<int>(q);
    const int k = kPow5InvBitCount + Pow5Bits(static_cast<int>(q)) - 1;
    const int i = -e2 + static_cast<int>(q) + k;
    vr = MulShift64(4 * m2, t.inv_split[q], i);
    vp = MulShift64(4 * m2 + 2, t.inv_split[q], i);
    vm = MulShift64(4 * m2 - 1 - mm_shift, t.inv_split[q], i);
    if (q <= 21) {
      if (mv % 5 == 0) {
        vr_trailing_zeros = MultipleOfPowerOf5(mv, q);
      } else if (accept_bounds) {
        vm_trailing_zeros = MultipleOfPowerOf5(mv - 1 - mm_shift, q);
      } else {
        vp -= MultipleOfPowerOf5(mv + 2, q);
      }
    }
  } else {
    const uint32_t q = Log10Pow5(-e2) - (-e2 > 1);
    e10 = static_cast<int>(q) + e2;
    const int i = -e2 - static_cast<int>(q);
    const int k = Pow5Bits(i) - kPow5BitCount;
    const int j = static_cast<int>(q) - k;
    vr = MulShift64(4 * m2, t.split[i], j);
    vp = MulShift64(4 * m2 + 2, t.split[i], j);
    vm = MulShift64(4 * m2 - 1 - mm_shift, t.split[i], j);
    if (q <= 1) {
      vr_trailing_zeros = true;
      if (accept_bounds) {
        vm_trailing_zeros = mm_shift == 1;
      } else {
        --vp;
      }
    } else if (q < 63) {
      vr_trailing_zeros = MultipleOfPowerOf2(mv, q);
    }
  }

  int removed = 0;
  uint8_t last_removed_digit = 0;
  uint64_t output;
  if (vm_trailing_zeros || vr_trailing_zeros) {
    // Rare general case.
    for (;;) {
      const uint64_t vp10 = vp / 10, vm10 = vm / 10;
      if (vp10 <= vm10) break;
      const uint32_t vm_mod = static_cast<uint32_t>(vm - 10 * vm10);
      const uint64_t vr10 = vr / 10;
      const uint32_t vr_mod = static_cast<uint32_t>(vr - 10 * vr10);
      vm_trailing_zeros &= vm_mod == 0;
      vr_trailing_zeros &= last_removed_digit == 0;
      last_removed_digit = static_cast<uint8_t>(vr_mod);
      vr = vr10;
      vp = vp10;
      vm = vm10;
      ++removed;
    }
    if (vm_trailing_zeros) {
      for (;;) {
        const uint64_t vm10 = vm / 10;
        if (vm - 10 * vm10 != 0) break;
        const uint64_t vp10 = vp / 10, vr10 = vr / 10;
        const uint32_t vr_mod = static_cast<uint32_t>(vr - 10 * vr10);
        vr_trailing_zeros &= last_removed_digit == 0;
        last_removed_digit = static_cast<uint8_t>(vr_mod);
        vr = vr10;
        vp = vp10;
        vm = vm10;
        ++removed;
      }
    }
    if (vr_trailing_zeros && last_removed_digit == 5 && vr % 2 == 0) last_removed_digit = 4;
    output = vr + ((vr == vm && (!accept_bounds || !vm_trailing_zeros)) || last_removed_digit >= 5);
  } else {
    bool round_up = false;
    const uint64_t vp100 = vp / 100, vm100 = vm / 100;
    if (vp100 > vm100) {
      const uint64_t vr100 = vr / 100;
      round_up = vr - 100 * vr100 >= 50;
      vr = vr100;
      vp = vp100;
      vm = vm100;
      removed += 2;
    }
    for (;;) {
      const uint64_t vp10 = vp / 10, vm10 = vm / 10;
      if (vp10 <= vm10) break;
      const uint64_t vr10 = vr / 10;
      round_up = vr - 10 * vr10 >= 5;
      vr = vr10;
      vp = vp10;
      vm = vm10;
      ++removed;
    }
    output = vr + (vr == vm || round_up);
  }
  return Decimal{output, e10 + removed};
}

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

constexpr uint64_t kPow10[20] = {1ULL,
                                 1ULL * 10,
                                 1ULL * 100,
                                 1ULL * 1000,
                                 1ULL * 10000,
                                 1ULL * 100000,
                                 1ULL * 1000000,
                                 1ULL * 10000000,
                                 1ULL * 100000000,
                                 1ULL * 1000000000,
                                 1ULL * 10000000000,
                                 1ULL * 100000000000,
                                 1ULL * 1000000000000,
                                 1ULL * 10000000000000,
                                 1ULL * 100000000000000,
                                 1ULL * 1000000000000000,
                                 1ULL * 10000000000000000,
                                 1ULL * 100000000000000000,
                                 1ULL * 1000000000000000000,
                                 1ULL * 10000000000000000000ULL};

// Number of decimal digits of m (> 0).
inline int DigitCount(uint64_t m) {
  const int bits = 64 - __builtin_clzll(m);
  const int guess = (bits * 1233) >> 12;  // floor(bits * log10(2))
  return guess + (m >= kPow10[guess]);
}

// Writes exactly eight decimal digits of v (< 10^8), leading zeros included.
inline void Write8(uint32_t v, char* out) {
  const uint32_t hi = v / 10000, lo = v - hi * 10000;
  const uint32_t a = hi / 100, b = hi - a * 100, c = lo / 100, d = lo - c * 100;
  std::memcpy(out, kDigitPairs + 2 * a, 2);
  std::memcpy(out + 2, kDigitPairs + 2 * b, 2);
  std::memcpy(out + 4, kDigitPairs + 2 * c, 2);
  std::memcpy(out + 6, kDigitPairs + 2 * d, 2);
}

// Writes the n (= DigitCount(m)) decimal digits of m to out[0..n).
inline void WriteDigits(uint64_t m, int n, char* out) {
  char* end = out + n;
  while (m >= 100000000) {
    const uint64_t q = m / 100000000;
    end -= 8;
    Write8(static_cast<uint32_t>(m - q * 100000000), end);
    m = q;
  }
  uint32_t v = static_cast<uint32_t>(m);
  while (v >= 100) {
    const uint32_t q = v / 100;
    end -= 2;
    std::memcpy(end, kDigitPairs + 2 * (v - q * 100), 2);
    v = q;
  }
  if (v >= 10) {
    std::memcpy(end - 2, kDigitPairs + 2 * v, 2);
  } else {
    end[-1] = static_cast<char>('0' + v);
  }
}

// Removes trailing decimal zeros of m (> 0), adding them to *exponent.
inline uint64_t StripZeros(uint64_t m, int* exponent) {
  if (m % 100000000 == 0) {
    m /= 100000000;
    *exponent += 8;
  }
  if (m % 10000 == 0) {
    m /= 10000;
    *exponent += 4;
  }
  if (m % 100 == 0) {
    m /= 100;
    *exponent += 2;
  }
  if (m % 10 == 0) {
    m /= 10;
    *exponent += 1;
  }
  return m;
}

// Exact powers of ten as doubles (all of 10^0..10^22 are representable).
constexpr double kExactPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// A fast path for doubles that a decimal of at most 15 significant digits
// reads back to (durations and IATs from nanosecond times, many ratios of
// small numbers). With e = floor(log10(v)), k = round(v * 10^(14 - e)) is a
// 15-digit candidate (one double multiplication: possibly one off, which
// only means a miss). If k * 10^(e - 14) reads back to v, it is the only
// decimal of 15 or fewer digits in that decade that does (two 15-digit
// decimals of one decade are more than one unit in the last place of v
// apart), so with its trailing zeros removed it is the shortest. Every miss
// falls back to Ryu. Only normal values in [1e-3, 1e15) are tried, which
// keeps the exact check within 128-bit integers.
bool ShortDecimal(double v, uint64_t ieee_mantissa, uint32_t ieee_exponent, uint64_t* mantissa,
                  int* exponent) {
  if (!(v >= 1e-3 && v < 1e15)) return false;
  // floor(log10(2^(e2-1))) with v in [2^(e2-1), 2^e2): one low at most. The
  // doubles 1e-3..1e-1 lie above the decimals they stand for, so comparing
  // with them is exact.
  const int e2 = static_cast<int>(ieee_exponent) - kBias + 1;
  int e10 = ((e2 - 1) * 1233) >> 12;
  static constexpr double kUpper[] = {1e-3, 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                      1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16};
  if (e10 + 1 < -3 || e10 + 1 > 16) return false;
  if (v >= kUpper[e10 + 1 + 3]) ++e10;
  const int j = 14 - e10;  // scale to 15 digits
  if (j < 0 || j > 17) return false;
  // Round half up; a k off by one fails the exact check below (then Ryu).
  const uint64_t k =
      static_cast<uint64_t>(v * kExactPow10[j] + 0.5);  // NOLINT(bugprone-incorrect-roundings)
  if (k < kPow10[14] || k >= kPow10[15]) return false;
  // Does k * 10^-j read back to v = m / 2^shift? Scaled by 4 * 2^shift * 10^j,
  // d = 4k * 2^shift - 4m * 10^j must lie in the rounding interval: 2 * 10^j
  // above, 2 * 10^j below (10^j when m is a power of two: the gap below it
  // is half as wide); the ends count when m is even (ties go to even). No
  // 15-digit decimal is ever exactly at an end, but the test is exact anyway.
  using int128 = __int128;
  const uint64_t m = (uint64_t{1} << kMantissaBits) | ieee_mantissa;
  const int shift = kBias + kMantissaBits - static_cast<int>(ieee_exponent);  // 3..62 here
  const int128 d = static_cast<int128>(static_cast<uint128>(k) << (shift + 2)) -
                   static_cast<int128>(static_cast<uint128>(4 * m) * kPow10[j]);
  const int128 above = 2 * static_cast<int128>(kPow10[j]);
  const int128 below = ieee_mantissa == 0 ? static_cast<int128>(kPow10[j]) : above;
  const bool even = (m & 1) == 0;
  if (even ? (d > above || d < -below) : (d >= above || d <= -below)) return false;
  int exp = -j;
  *mantissa = StripZeros(k, &exp);
  *exponent = exp;
  return true;
}

}  // namespace

size_t FormatPythonFloat(double value, char* out) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  char* p = out;
  if (bits >> 63) *p++ = '-';
  const uint64_t ieee_mantissa = bits & ((uint64_t{1} << kMantissaBits) - 1);
  const uint32_t ieee_exponent =
      static_cast<uint32_t>((bits >> kMantissaBits) & ((1u << kExponentBits) - 1));
  if (ieee_exponent == (1u << kExponentBits) - 1) {
    if (ieee_mantissa != 0) {
      std::memcpy(out, "nan", 3);  // Python prints no sign on NaN
      return 3;
    }
    std::memcpy(p, "inf", 3);
    return static_cast<size_t>(p - out) + 3;
  }
  if (ieee_exponent == 0 && ieee_mantissa == 0) {
    std::memcpy(p, "0.0", 3);
    return static_cast<size_t>(p - out) + 3;
  }

  uint64_t mantissa;
  int exponent;  // value = mantissa * 10^exponent
  const double magnitude = std::fabs(value);
  if (magnitude < 9007199254740992.0 &&
      static_cast<double>(static_cast<uint64_t>(magnitude)) == magnitude) {
    // Integral and exact: its own digits, without trailing zeros.
    exponent = 0;
    mantissa = StripZeros(static_cast<uint64_t>(magnitude), &exponent);
  } else if (!ShortDecimal(magnitude, ieee_mantissa, ieee_exponent, &mantissa, &exponent)) {
    const Decimal d = ShortestDecimal(ieee_mantissa, ieee_exponent);
    mantissa = d.mantissa;
    exponent = d.exponent;
  }

  const int n = DigitCount(mantissa);
  const int point = n + exponent;  // value = 0.d1...dn x 10^point

  if (point > -4 && point <= 16) {
    if (point <= 0) {  // 0.000ddd
      *p++ = '0';
      *p++ = '.';
      for (int i = 0; i < -point; ++i) *p++ = '0';
      WriteDigits(mantissa, n, p);
      p += n;
    } else if (point < n) {  // ddd.ddd: the digits, then open the gap
      WriteDigits(mantissa, n, p);
      for (int i = n; i > point; --i) p[i] = p[i - 1];
      p[point] = '.';
      p += n + 1;
    } else {  // ddd000.0
      WriteDigits(mantissa, n, p);
      p += n;
      for (int i = 0; i < point - n; ++i) *p++ = '0';
      *p++ = '.';
      *p++ = '0';
    }
  } else {  // d.ddde+XX
    WriteDigits(mantissa, n, p + 1);
    p[0] = p[1];  // NOLINT(clang-analyzer-core.uninitialized.Assign): written just above
    if (n > 1) {
      p[1] = '.';
      p += n + 1;
    } else {
      p += 1;
    }
    *p++ = 'e';
    int e = point - 1;
    if (e < 0) {
      *p++ = '-';
      e = -e;
    } else {
      *p++ = '+';
    }
    if (e < 10) {
      *p++ = '0';
      *p++ = static_cast<char>('0' + e);
    } else if (e < 100) {
      *p++ = kDigitPairs[2 * e];
      *p++ = kDigitPairs[2 * e + 1];
    } else {
      *p++ = static_cast<char>('0' + e / 100);
      *p++ = kDigitPairs[2 * (e % 100)];
      *p++ = kDigitPairs[2 * (e % 100) + 1];
    }
  }
  return static_cast<size_t>(p - out);
}

size_t FormatInt(int64_t value, char* out) {
  return static_cast<size_t>(std::to_chars(out, out + kMaxIntChars, value).ptr - out);
}

std::string PythonFloatRepr(double value) {
  char buf[kMaxPythonFloatChars];
  return std::string(buf, FormatPythonFloat(value, buf));
}

}  // namespace netflower
