// Shortest round-trip digits by Junekey Jeon's Dragonbox (Giulietti's
// Schubfach for powers of two), laid out the way Python's repr() lays them
// out. libstdc++'s std::to_chars (Ryu) gives the same digits and is the
// reference in the tests, but costs several times as much here, and every
// flow row holds about forty doubles.
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

// Decimal exponents E of the table of 10^E below: every power that
// Schubfach or Dragonbox asks for with a finite, non-zero double.
constexpr int kMinPow10 = -292;
constexpr int kMaxPow10 = 326;

// floor(log10(2^e)) and floor(log10(3/4 * 2^e)); -1500 <= e <= 1500.
inline int FloorLog10Pow2(int e) { return (e * 1262611) >> 22; }
inline int FloorLog10ThreeQuartersPow2(int e) { return (e * 1262611 - 524031) >> 22; }
// floor(log2(10^e)); -1233 <= e <= 1233.
inline int FloorLog2Pow10(int e) { return (e * 1741647) >> 19; }

// g(E) = ceil(10^E * 2^(127 - floor(log2(10^E)))) for kMinPow10 <= E <=
// kMaxPow10: 10^E scaled into [2^127, 2^128) and rounded up, exact for
// 0 <= E <= 55 (Dragonbox needs those exact; Schubfach wants 1 more, see
// SchubfachG). Computed once at start-up with a small big-integer helper
// instead of being pasted in as 619 constants.
struct Pow10Table {
  uint64_t hi[kMaxPow10 - kMinPow10 + 1];
  uint64_t lo[kMaxPow10 - kMinPow10 + 1];

  Pow10Table() {
    // E >= 0: 10^E = 5^E * 2^E, so g(E) = 5^E shifted to 128 significant
    // bits, + 1 if any bit was cut off (always, once 5^E is longer).
    std::vector<uint32_t> pow5 = {1};
    for (int e = 0; e <= kMaxPow10; ++e) {
      const int cut = BitLength(pow5) - 128;
      Set(e, Top128(pow5, cut) + (cut > 0 ? 1 : 0));
      MultiplySmall(pow5, 5);
    }
    // E = -n < 0: 10^-n = 2^-n / 5^n, so g(-n) = floor(2^(127 + bitlen(5^n))
    // / 5^n) + 1 (never exact). x = floor(2^kTop / 5^n) is kept by dividing by 5 once per
    // step; floor(2^t / 5^n) = floor(x / 2^(kTop - t)) as nested floors of
    // integer divisions compose.
    constexpr int kTop = 960;  // above every t needed (t <= 127 + 679)
    pow5 = {1};
    std::vector<uint32_t> x(kTop / 32 + 1, 0);
    x[kTop / 32] = uint32_t{1} << (kTop % 32);
    for (int n = 1; n <= -kMinPow10; ++n) {
      MultiplySmall(pow5, 5);
      DivideSmall(x, 5);
      Set(-n, Top128(x, kTop - (127 + BitLength(pow5))) + 1);
    }
  }

  void Set(int e, uint128 g) {
    hi[e - kMinPow10] = static_cast<uint64_t>(g >> 64);
    lo[e - kMinPow10] = static_cast<uint64_t>(g);
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
  // (x >> shift) mod 2^128 (x << -shift if shift is negative).
  static uint128 Top128(const std::vector<uint32_t>& x, int shift) {
    uint128 v = 0;
    for (int bit = 127; bit >= 0; --bit) {
      const int src = bit + shift;
      bool set = false;
      if (src >= 0 && src / 32 < static_cast<int>(x.size())) {
        set = (x[static_cast<size_t>(src / 32)] >> (src % 32)) & 1;
      }
      v = (v << 1) | (set ? 1 : 0);
    }
    return v;
  }
};

const Pow10Table& GetPow10Table() {
  static const Pow10Table* const table = new Pow10Table();
  return *table;
}

// Schubfach's multiplier: floor(10^E * 2^(127 - floor(log2(10^E)))) + 1, one
// more than the table where that is exact.
inline uint128 SchubfachG(int e) {
  const Pow10Table& table = GetPow10Table();
  const uint128 g = (static_cast<uint128>(table.hi[e - kMinPow10]) << 64) | table.lo[e - kMinPow10];
  return g + (e >= 0 && e <= 55 ? 1 : 0);
}

// floor(cp * g / 2^127), its lowest bit set when the division is inexact
// ("round to odd"), which keeps the comparisons below exact.
inline uint64_t RoundToOdd(uint64_t g_hi, uint64_t g_lo, uint64_t cp) {
  const uint128 x = static_cast<uint128>(cp) * g_lo;
  const uint128 y = static_cast<uint128>(cp) * g_hi + static_cast<uint64_t>(x >> 64);
  return static_cast<uint64_t>(y >> 63) | (static_cast<uint64_t>(y) != 0 ? 1 : 0);
}

// value = mantissa * 10^exponent, mantissa with the fewest digits that
// reads back to the same double, the closest such to it, ties to even (as
// Python's repr and std::to_chars choose).
struct Decimal {
  uint64_t mantissa;
  int exponent;
};

// Raffaello Giulietti's Schubfach ("The Schubfach way to render doubles",
// 2020): with k chosen so that the rounding interval of v scaled by 10^-k is
// at least 4 wide in units of 1/4, three multiplications give its ends and
// v itself exactly enough to pick the shortest decimal inside it: one digit
// fewer (u' or w') when one of those lies inside, else the closest of the
// two neighbours u, w. Any finite value > 0; used for powers of two, whose
// rounding interval is lopsided (Dragonbox below handles the others).
Decimal SchubfachDecimal(uint64_t ieee_mantissa, uint32_t ieee_exponent) {
  uint64_t c;
  int q;
  if (ieee_exponent != 0) {
    c = (uint64_t{1} << kMantissaBits) | ieee_mantissa;
    q = static_cast<int>(ieee_exponent) - kBias - kMantissaBits;
  } else {
    c = ieee_mantissa;
    q = 1 - kBias - kMantissaBits;
  }
  const bool accept_bounds = (c & 1) == 0;  // the ends round to v (to even)
  // At a power of two the gap below is half the gap above.
  const bool lower_is_closer = ieee_mantissa == 0 && ieee_exponent > 1;
  const uint64_t cbl = 4 * c - 2 + (lower_is_closer ? 1 : 0);
  const uint64_t cb = 4 * c;
  const uint64_t cbr = 4 * c + 2;
  const int k = lower_is_closer ? FloorLog10ThreeQuartersPow2(q) : FloorLog10Pow2(q);
  const int h = q + FloorLog2Pow10(-k);  // 0..3
  const uint128 g = SchubfachG(-k);
  const uint64_t g_hi = static_cast<uint64_t>(g >> 64);
  const uint64_t g_lo = static_cast<uint64_t>(g);
  const uint64_t vbl = RoundToOdd(g_hi, g_lo, cbl << h);
  const uint64_t vb = RoundToOdd(g_hi, g_lo, cb << h);
  const uint64_t vbr = RoundToOdd(g_hi, g_lo, cbr << h);
  const uint64_t lower = vbl + (accept_bounds ? 0 : 1);
  const uint64_t upper = vbr - (accept_bounds ? 0 : 1);

  const uint64_t s = vb / 4;
  if (s >= 10) {
    // One digit fewer: at most one of u' = 10 sp and w' = 10 (sp + 1) is
    // inside; it may end in zeros itself, which the caller drops.
    const uint64_t sp = s / 10;
    const bool up_inside = lower <= 40 * sp;
    const bool wp_inside = 40 * sp + 40 <= upper;
    if (up_inside != wp_inside) return Decimal{sp + (wp_inside ? 1 : 0), k + 1};
  }
  // The neighbour u = s or w = s + 1 inside, or the closer one when both
  // are (ties to even).
  const bool u_inside = lower <= 4 * s;
  const bool w_inside = 4 * s + 4 <= upper;
  if (u_inside != w_inside) return Decimal{s + (w_inside ? 1 : 0), k};
  const uint64_t mid = 4 * s + 2;
  const bool round_up = vb > mid || (vb == mid && (s & 1) != 0);
  return Decimal{s + (round_up ? 1 : 0), k};
}

// Junekey Jeon's Dragonbox ("Dragonbox: A New Floating-Point Binary-to-
// Decimal Conversion Algorithm", 2020), round to nearest, ties to even, for
// values whose rounding interval is symmetric (every finite value > 0 but
// the powers of two). One 64x128-bit multiplication gives z, the interval's
// upper end scaled by 10^(kappa - k), and delta, its width; dividing z by
// 10^(kappa + 1) finds the shortest candidate, and only near the interval's
// ends does a second, cheaper multiplication (a parity) decide.
Decimal DragonboxDecimal(uint64_t ieee_mantissa, uint32_t ieee_exponent) {
  constexpr int kKappa = 2;
  constexpr uint64_t kBigDivisor = 1000;   // 10^(kappa + 1)
  constexpr uint64_t kSmallDivisor = 100;  // 10^kappa
  uint64_t two_fc = ieee_mantissa << 1;
  int e;
  if (ieee_exponent != 0) {
    two_fc |= uint64_t{1} << (kMantissaBits + 1);
    e = static_cast<int>(ieee_exponent) - kBias - kMantissaBits;
  } else {
    e = 1 - kBias - kMantissaBits;
  }
  const bool include_ends = (ieee_mantissa & 1) == 0;  // ties go to even
  const int minus_k = FloorLog10Pow2(e) - kKappa;
  const int beta = e + FloorLog2Pow10(-minus_k);  // 1..3
  const Pow10Table& table = GetPow10Table();
  const uint64_t g_hi = table.hi[-minus_k - kMinPow10];
  const uint64_t g_lo = table.lo[-minus_k - kMinPow10];

  // 10^kappa <= delta < 10^(kappa + 1).
  const uint64_t delta = g_hi >> (63 - beta);
  // z = upper 128 bits of the 192-bit ((2 fc + 1) << beta) * g; its integer
  // part zi, and whether it is an integer.
  const uint64_t u = (two_fc | 1) << beta;
  const uint128 z = static_cast<uint128>(u) * g_hi +
                    static_cast<uint64_t>((static_cast<uint128>(u) * g_lo) >> 64);
  const uint64_t zi = static_cast<uint64_t>(z >> 64);
  const bool z_is_integer = static_cast<uint64_t>(z) == 0;
  // Parity and integrality of the fraction of x * g (x = 2 fc - 1 or 2 fc)
  // at the binary point beta bits down.
  struct Parity {
    bool odd;
    bool is_integer;
  };
  auto parity = [&](uint64_t x) {
    const uint64_t high = x * g_hi + static_cast<uint64_t>((static_cast<uint128>(x) * g_lo) >> 64);
    const uint64_t low = x * g_lo;
    return Parity{((high >> (64 - beta)) & 1) != 0, ((high << beta) | (low >> (64 - beta))) == 0};
  };

  // Step 2: the larger divisor (one digit fewer than the candidates below).
  uint64_t significand = zi / kBigDivisor;
  uint64_t r = zi - kBigDivisor * significand;
  bool small = false;
  if (r < delta) {
    // The upper end itself, when not to be included.
    if (r == 0 && z_is_integer && !include_ends) {
      --significand;
      r = kBigDivisor;
      small = true;
    }
  } else if (r > delta) {
    small = true;
  } else {
    // r == delta: compare the fractional parts with the lower end's.
    const Parity x = parity(two_fc - 1);
    if (!(x.odd || (x.is_integer && include_ends))) small = true;
  }
  if (!small) return Decimal{significand, minus_k + kKappa + 1};

  // Step 3: the smaller divisor; the candidate closest to the value.
  significand *= 10;
  uint32_t dist = static_cast<uint32_t>(r - (delta / 2) + (kSmallDivisor / 2));
  const bool approx_y_odd = ((dist ^ (kSmallDivisor / 2)) & 1) != 0;
  // dist <= 1000: divide by 100 and learn whether it divided exactly.
  const uint32_t product = dist * 656;
  const bool divisible = (product & 0xffff) < 656;
  dist = product >> 16;
  significand += dist;
  if (divisible) {
    // The value's own position decides between two candidates (the lower
    // one when the parity disagrees), and a tie goes to the even one.
    const Parity y = parity(two_fc);
    const bool tie_to_even = y.is_integer && (significand & 1) != 0;
    if (y.odd != approx_y_odd || tie_to_even) --significand;
  }
  return Decimal{significand, minus_k + kKappa};
}

// value = mantissa * 10^exponent (see Decimal), for finite values > 0.
inline Decimal ShortestDecimal(uint64_t ieee_mantissa, uint32_t ieee_exponent) {
  if (ieee_mantissa == 0 && ieee_exponent != 0) {
    return SchubfachDecimal(ieee_mantissa, ieee_exponent);
  }
  return DragonboxDecimal(ieee_mantissa, ieee_exponent);
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

// The eight decimal digits of v (< 10^8), leading zeros included, as ASCII
// bytes in memory order (the first digit in the lowest byte): without
// branches or tables, in 16-bit and 8-bit lanes of one 64-bit word.
inline uint64_t EightDigits(uint32_t v) {
  const uint64_t high4 = v / 10000;  // digits 1-4, in the low lane
  const uint64_t low4 = v - high4 * 10000;
  const uint64_t fours = high4 | (low4 << 32);
  const uint64_t tens_hundreds = ((fours * 10486) >> 20) & ((uint64_t{0x7f} << 32) | 0x7f);
  const uint64_t pairs = ((fours - 100 * tens_hundreds) << 16) + tens_hundreds;  // 4 x 00..99
  uint64_t tens = ((pairs * 103) >> 10) & ((uint64_t{0xf} << 48) | (uint64_t{0xf} << 32) |
                                           (uint64_t{0xf} << 16) | uint64_t{0xf});
  tens += (pairs - 10 * tens) << 8;
  return tens + 0x3030303030303030;
}

// The 17 digits of m (< 10^17), leading zeros included: the first as a
// number, the other sixteen as ASCII bytes of a 128-bit word in memory order
// (digit 2 in the lowest byte). Kept in registers: the layout below shifts
// and stores them, and never reloads bytes just stored (a load that spans
// several recent stores cannot be forwarded and stalls).
struct Digits17 {
  uint32_t first;
  uint128 rest;
  int trailing_zeros;  // of all 17 digits
};

inline Digits17 SeventeenDigits(uint64_t m) {
  const uint64_t high9 = m / 100000000;
  const uint32_t low8 = static_cast<uint32_t>(m - high9 * 100000000);
  const uint32_t first = static_cast<uint32_t>(high9 / 100000000);
  const uint64_t middle = EightDigits(static_cast<uint32_t>(high9 - uint64_t{first} * 100000000));
  const uint64_t last = EightDigits(low8);
  // Trailing '0' characters are the highest bytes of a word that are 0
  // after subtracting '0' from every byte (no borrows: every byte is a digit).
  constexpr uint64_t kZeros = 0x3030303030303030;
  int zeros;
  if (last != kZeros) {
    zeros = __builtin_clzll(last - kZeros) / 8;
  } else if (middle != kZeros) {
    zeros = 8 + __builtin_clzll(middle - kZeros) / 8;
  } else {
    zeros = first != 0 ? 16 : 17;
  }
  // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): 128-bit shift
  return Digits17{first, (static_cast<uint128>(last) << 64) | middle, zeros};
}

// Stores the 8 bytes of `bytes` (memory order as above: the lowest byte
// first) at out[0..8).
inline void Store8(uint64_t bytes, char* out) {
  if constexpr (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__) bytes = __builtin_bswap64(bytes);
  std::memcpy(out, &bytes, 8);
}

// The same for 16 bytes at out[0..16).
inline void Store16(uint128 bytes, char* out) {
  Store8(static_cast<uint64_t>(bytes), out);
  Store8(static_cast<uint64_t>(bytes >> 64), out + 8);
}

// Python's exponent: "e", the sign, at least two digits. Returns the end.
inline char* PutExponent(int e, char* p) {
  *p++ = 'e';
  if (e < 0) {
    *p++ = '-';
    e = -e;
  } else {
    *p++ = '+';
  }
  if (e >= 100) *p++ = static_cast<char>('0' + e / 100);
  std::memcpy(p, kDigitPairs + 2 * (e % 100), 2);
  return p + 2;
}

// Times are k / 10^6 seconds for an integer k at a pcap's microsecond
// resolution, k / 10^9 at a live capture's or a nanosecond pcapng's
// (durations, inter-arrival times, timestamps), and so are means of a few
// integers (69.5, 111.75): half of a many-flows.pcap row's non-integral
// floats; 10.2 of 30.1 in mix.pcap's rows with nanosecond times.
//
// When `magnitude` (positive) is the double nearest k / 10^d, and the
// doubles around it lie less than 10^-d / 2 apart, k's digits are its
// shortest round-trip digits: no other multiple of 10^-d (a shorter one
// included) reads back as the same double, and a decimal that is no such
// multiple has a digit further right than k's last at the same leading
// position: more digits. Doubles below 2^22 lie at most 4.7e-10 apart
// (nanoseconds up to 48 days), below 2^32 at most 4.8e-7 (microseconds up
// to 136 years, epoch timestamps included). The test is exact: k / 10^d is
// correctly rounded, as reading "k e-d" is; a k off by one (the +0.5
// rounding's edge cases) only fails it, and below 2^22 a microsecond
// value's k * 1000 is found too (|magnitude * 1e9 - 1000 k| < 0.49).
// Sets *mantissa = k, *exponent = -d.
//
// Cheaper than the search when it applies (BM_FormatCsvRowsOfCapture,
// bench/README.md: many-flows rows 739-761 -> 685 ns with microseconds;
// nanosecond loopback-web rows 622 -> 564 ns); the same decision in 128-bit
// integers instead of the divide was slower (762 ns).
inline bool TimeDecimal(double magnitude, uint64_t* mantissa, int* exponent) {
  double scale;
  if (magnitude < 4194304.0) {
    scale = 1e9;
    *exponent = -9;
  } else if (magnitude < 4294967296.0) {
    scale = 1e6;
    *exponent = -6;
  } else {
    return false;
  }
  // lround would be a library call per float; see above for the rounding.
  // NOLINTNEXTLINE(bugprone-incorrect-roundings)
  const uint64_t k = static_cast<uint64_t>(magnitude * scale + 0.5);
  if (static_cast<double>(k) / scale != magnitude) return false;
  *mantissa = k;
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

  // value = mantissa * 10^exponent, mantissa < 10^17 (maybe ending in zeros).
  uint64_t mantissa;
  int exponent;
  const double magnitude = std::fabs(value);
  if (magnitude < 9007199254740992.0 &&
      static_cast<double>(static_cast<uint64_t>(magnitude)) == magnitude) {
    mantissa = static_cast<uint64_t>(magnitude);  // integral and exact
    if (mantissa < 100000000) {
      // Lengths, counts, window sizes: their digits and ".0", as FormatInt
      // writes them (a third of a many-flows row's nonzero floats).
      p += FormatInt(static_cast<int64_t>(mantissa), p);
      std::memcpy(p, ".0", 2);
      return static_cast<size_t>(p - out) + 2;
    }
    exponent = 0;
  } else if (!TimeDecimal(magnitude, &mantissa, &exponent)) {
    const Decimal d = ShortestDecimal(ieee_mantissa, ieee_exponent);
    mantissa = d.mantissa;
    exponent = d.exponent;
  }

  // The digits d1...dn of the shortest decimal, value = 0.d1...dn x 10^point,
  // taken from the mantissa's 17-digit form. Stores have fixed
  // lengths: bytes past the output's end are scratch (kMaxPythonFloatChars
  // leaves room for them).
  const int length = DigitCount(mantissa);
  const int point = length + exponent;
  const Digits17 d = SeventeenDigits(mantissa);
  const int n = length - d.trailing_zeros;
  // Drop the 17 - length leading zeros: digit 1 and digits 2... (`rest`).
  // Selected, not branched on: 16 and 17 digits are about equally common.
  const bool all17 = length == 17;
  const uint128 shifted = d.rest >> (all17 ? 0 : 8 * (16 - length));
  const char first = all17 ? static_cast<char>('0' + d.first) : static_cast<char>(shifted);
  const uint128 rest = all17 ? d.rest : shifted >> 8;
  // d1...dn at `at`, and scratch up to at[17).
  auto put_digits = [first, rest](char* at) {
    at[0] = first;
    Store16(rest, at + 1);
  };

  if (point > -4 && point <= 16) {
    if (point <= 0) {  // 0.000ddd
      std::memcpy(p, "0.000000", 8);
      p += 2 - point;
      put_digits(p);
      p += n;
    } else if (point < n) {  // ddd.ddd
      put_digits(p);
      p[point] = '.';
      Store16(rest >> (8 * (point - 1)), p + point + 1);  // d(point+1)...
      p += n + 1;
    } else {  // ddd000.0
      put_digits(p);
      std::memset(p + n, '0', 16);
      p[point] = '.';
      p[point + 1] = '0';
      p += point + 2;
    }
  } else {  // d.ddde+XX
    p[0] = first;
    if (n > 1) {
      p[1] = '.';
      Store16(rest, p + 2);
      p += n + 1;
    } else {
      p += 1;
    }
    p = PutExponent(point - 1, p);
  }
  return static_cast<size_t>(p - out);
}

size_t FormatInt(int64_t value, char* out) {
  // Most of a row's integers are flag counts, small packet counts and
  // header bytes: one or two digits come straight from the table
  // (BM_FormatCsvRowsOfCapture, many-flows: 689 -> 631 ns a row for one
  // digit, -> 608 ns for two).
  if (static_cast<uint64_t>(value) < 10) {
    out[0] = static_cast<char>('0' + value);
    return 1;
  }
  if (static_cast<uint64_t>(value) < 100) {
    std::memcpy(out, kDigitPairs + 2 * value, 2);
    return 2;
  }
  if (static_cast<uint64_t>(value) < 100000000) {
    // Counts, lengths, ports: eight digits at once, leading zeros dropped.
    const uint32_t v = static_cast<uint32_t>(value);
    const int n = v == 0 ? 1 : DigitCount(v);
    Store8(EightDigits(v) >> (8 * (8 - n)), out);
    return static_cast<size_t>(n);
  }
  return static_cast<size_t>(std::to_chars(out, out + kMaxIntChars, value).ptr - out);
}

std::string PythonFloatRepr(double value) {
  char buf[kMaxPythonFloatChars];
  return std::string(buf, FormatPythonFloat(value, buf));
}

}  // namespace netflower
