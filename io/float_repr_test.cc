#include "io/float_repr.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <string>

namespace netflower {
namespace {

TEST(PythonFloatRepr, SpecExamples) {
  // FLOW-RULES §13 "Float formatting".
  EXPECT_EQ(PythonFloatRepr(60.0), "60.0");
  EXPECT_EQ(PythonFloatRepr(0.0001), "0.0001");
  EXPECT_EQ(PythonFloatRepr(0.00001), "1e-05");
  EXPECT_EQ(PythonFloatRepr(std::ldexp(1.0, -20)), "9.5367431640625e-07");
  EXPECT_EQ(PythonFloatRepr(1e15), "1000000000000000.0");
  EXPECT_EQ(PythonFloatRepr(1e16), "1e+16");
  EXPECT_EQ(PythonFloatRepr(1e17 / 3), "3.3333333333333332e+16");
  EXPECT_EQ(PythonFloatRepr(5.0 / 6.0), "0.8333333333333334");
  EXPECT_EQ(PythonFloatRepr(0.1 + 0.2), "0.30000000000000004");
}

TEST(PythonFloatRepr, ZerosSignsAndSpecials) {
  EXPECT_EQ(PythonFloatRepr(0.0), "0.0");
  EXPECT_EQ(PythonFloatRepr(-0.0), "-0.0");
  EXPECT_EQ(PythonFloatRepr(-1.5), "-1.5");
  EXPECT_EQ(PythonFloatRepr(-1e-300), "-1e-300");
  EXPECT_EQ(PythonFloatRepr(1e100), "1e+100");
  EXPECT_EQ(PythonFloatRepr(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(PythonFloatRepr(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(PythonFloatRepr(std::nan("")), "nan");
  EXPECT_EQ(PythonFloatRepr(5e-324), "5e-324");
  EXPECT_EQ(PythonFloatRepr(1.7976931348623157e308), "1.7976931348623157e+308");
}

TEST(PythonFloatRepr, FixedScientificBoundaries) {
  EXPECT_EQ(PythonFloatRepr(9999999999999998.0), "9999999999999998.0");  // p = 16
  EXPECT_EQ(PythonFloatRepr(12345678901234568.0), "1.2345678901234568e+16");
  EXPECT_EQ(PythonFloatRepr(0.001), "0.001");         // p = -2
  EXPECT_EQ(PythonFloatRepr(0.000123), "0.000123");   // p = -3
  EXPECT_EQ(PythonFloatRepr(0.0000123), "1.23e-05");  // p = -4
  EXPECT_EQ(PythonFloatRepr(123.0), "123.0");
  EXPECT_EQ(PythonFloatRepr(123.25), "123.25");
}

TEST(FormatInt, Values) {
  char buf[kMaxIntChars];
  EXPECT_EQ(std::string(buf, FormatInt(-1, buf)), "-1");
  EXPECT_EQ(std::string(buf, FormatInt(0, buf)), "0");
  EXPECT_EQ(std::string(buf, FormatInt(INT64_MIN, buf)), "-9223372036854775808");
  EXPECT_EQ(std::string(buf, FormatInt(INT64_MAX, buf)), "9223372036854775807");
}

TEST(FormatInt, AgreesWithToChars) {
  auto check = [](int64_t v) {
    char buf[kMaxIntChars];
    char ref[kMaxIntChars];
    const auto r = std::to_chars(ref, ref + sizeof(ref), v);
    ASSERT_EQ(std::string(buf, FormatInt(v, buf)), std::string(ref, r.ptr)) << v;
  };
  for (int64_t v = -1000; v < 2000000; ++v) check(v);
  int64_t power = 1;
  for (int i = 1; i <= 18; ++i) {
    power *= 10;
    for (int64_t d = -2; d <= 2; ++d) check(power + d);
  }
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000000; ++i) {
    check(static_cast<int64_t>(rng() % 100000000));
    check(static_cast<int64_t>(rng()));
  }
}

// 3000+ doubles with Python 3.11's repr(), generated once and committed.
TEST(PythonFloatRepr, MatchesPythonOnCommittedVectors) {
  std::ifstream in("tests/testdata/python_float_repr.txt");
  ASSERT_TRUE(in.good()) << "missing tests/testdata/python_float_repr.txt";
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.find(' ');
    ASSERT_NE(space, std::string::npos) << line;
    const std::string hex = line.substr(0, space);
    const std::string expected = line.substr(space + 1);
    const double value = std::strtod(hex.c_str(), nullptr);
    EXPECT_EQ(PythonFloatRepr(value), expected) << hex;
    ++checked;
  }
  EXPECT_GT(checked, 3000);
}

}  // namespace
}  // namespace netflower

namespace netflower {
namespace {

// The reference: std::to_chars' shortest digits in scientific form, laid out
// as Python does (FLOW-RULES §8.3 step 1).
std::string Reference(double v) {
  char sci[64];
  const auto r = std::to_chars(sci, sci + sizeof(sci), v, std::chars_format::scientific);
  std::string s(sci, r.ptr);
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s = s.substr(1);
  }
  const size_t e = s.find('e');
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') digits += s[i];
  }
  const int point = std::stoi(s.substr(e + 1)) + 1;
  const int n = static_cast<int>(digits.size());
  std::string out = sign;
  if (point > -4 && point <= 16) {
    if (point <= 0) {
      out += "0." + std::string(-point, '0') + digits;
    } else if (point < n) {
      out += digits.substr(0, point) + "." + digits.substr(point);
    } else {
      out += digits + std::string(point - n, '0') + ".0";
    }
  } else {
    out += digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    const int exp = point - 1;
    char buf[16];
    std::snprintf(buf, sizeof(buf), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += buf;
  }
  return out;
}

TEST(PythonFloatRepr, AgreesWithToCharsOnRandomBitPatterns) {
  std::mt19937_64 rng(20261127);
  for (int i = 0; i < 2000000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    if (!std::isfinite(v) || v == 0) continue;
    ASSERT_EQ(PythonFloatRepr(v), Reference(v)) << std::hexfloat << v;
  }
}

// Powers of two (where the gap below is half the gap above) and their
// neighbours at every exponent, and the smallest subnormals.
TEST(PythonFloatRepr, AgreesWithToCharsAtPowersOfTwoAndSubnormals) {
  for (int e = -1074; e <= 1023; ++e) {
    const double p = std::ldexp(1.0, e);
    for (double v : {p, std::nextafter(p, 0.0), std::nextafter(p, 1e308)}) {
      if (v == 0 || !std::isfinite(v)) continue;
      ASSERT_EQ(PythonFloatRepr(v), Reference(v)) << std::hexfloat << v;
    }
  }
  for (uint64_t bits = 1; bits < 100000; ++bits) {
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    ASSERT_EQ(PythonFloatRepr(v), Reference(v)) << std::hexfloat << v;
  }
}

TEST(PythonFloatRepr, AgreesWithToCharsOnTypicalFeatureValues) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000000; ++i) {
    double v;
    switch (i % 6) {
      case 0:  // nanosecond durations
        v = static_cast<double>(rng() % 100000000000ULL) / 1e9;
        break;
      case 1:  // epoch timestamps
        v = static_cast<double>(rng() % 2000000000) + static_cast<double>(rng() % 1000000000) / 1e9;
        break;
      case 2:  // ratios and means
        v = static_cast<double>(rng() % 100000) / static_cast<double>(1 + rng() % 1000);
        break;
      case 3:  // integral
        v = static_cast<double>(rng() % (uint64_t{1} << 54));
        break;
      case 4:  // powers of ten and neighbours
        v = std::nextafter(std::pow(10.0, static_cast<int>(rng() % 40) - 20),
                           (rng() & 1) ? 0.0 : 1e300);
        break;
      default:  // subnormals and huge
        v = (rng() & 1) ? std::ldexp(static_cast<double>(rng() % 1000000), -1074)
                        : std::ldexp(1.0 + static_cast<double>(rng() % 1000) / 1000, 1000);
    }
    ASSERT_EQ(PythonFloatRepr(v), Reference(v)) << std::hexfloat << v;
  }
}

// `v`, -v and the doubles one ulp either side against the reference: values
// a shortcut takes, and next to them values it must format all the same.
void CheckWithNeighbours(double v) {
  for (double w : {v, -v, std::nextafter(v, 0.0), std::nextafter(v, 1e300)}) {
    ASSERT_EQ(PythonFloatRepr(w), Reference(w)) << std::hexfloat << w;
  }
}

// The microsecond shortcut (k / 10^6 below 2^32) against the search: such
// values, their neighbours one ulp away (which must not take it), values
// with 7 decimals, and both sides of 2^32, where the shortcut stops; then
// the integral shortcut below 10^8.
TEST(PythonFloatRepr, AgreesWithToCharsOnMicrosecondValues) {
  std::mt19937_64 rng(20261129);
  auto check = [](double v) { ASSERT_NO_FATAL_FAILURE(CheckWithNeighbours(v)); };
  for (int i = 0; i < 1000000; ++i) {
    switch (i % 4) {
      case 0:  // short times in seconds
        check(static_cast<double>(rng() % 100000000) / 1e6);
        break;
      case 1:  // epoch timestamps with microseconds
        check(static_cast<double>(rng() % 4294967296ULL) +
              static_cast<double>(rng() % 1000000) / 1e6);
        break;
      case 2:  // 7 decimals: not a multiple of 10^-6
        check(static_cast<double>(rng() % 100000000000ULL) / 1e7);
        break;
      default:  // anything below 2^32 with a few decimals
        check(std::ldexp(static_cast<double>(rng() % (uint64_t{1} << 53)),
                         -static_cast<int>(rng() % 60)));
    }
  }
  for (double v : {4294967296.0, 4294967295.999999, 4294967295.5, 4294967296.5, 1e-6, 5e-7}) {
    check(v);
  }
  // Integral values below 10^8 (written as FormatInt and ".0") and the edge.
  for (int i = 0; i < 200000; ++i) check(static_cast<double>(rng() % 100000000));
  for (double v : {1.0, 9.0, 10.0, 99999999.0, 100000000.0, 100000001.0}) check(v);
}

// The nanosecond shortcut (k / 10^9 below 2^22, a live capture's times in
// the default profile, FLOW-RULES §3.4) against the search: such values and
// their neighbours, microsecond values below 2^22 (which take it with
// 1000 k), 10 decimals, and both sides of 2^22, where it gives way to the
// microsecond one.
TEST(PythonFloatRepr, AgreesWithToCharsOnNanosecondValues) {
  std::mt19937_64 rng(20261130);
  auto check = [](double v) { ASSERT_NO_FATAL_FAILURE(CheckWithNeighbours(v)); };
  constexpr uint64_t kNanosBelow2To22 = uint64_t{4194304} * 1000000000;
  for (int i = 0; i < 500000; ++i) {
    switch (i % 4) {
      case 0:  // inter-arrival times and durations below 10 s
        check(static_cast<double>(rng() % 10000000000ULL) / 1e9);
        break;
      case 1:  // any nanosecond time below 2^22 s
        check(static_cast<double>(rng() % kNanosBelow2To22) / 1e9);
        break;
      case 2:  // microsecond times up to 2^22 s
        check(static_cast<double>(rng() % (kNanosBelow2To22 / 1000)) / 1e6);
        break;
      default:  // 10 decimals: not a multiple of 10^-9
        check(static_cast<double>(rng() % 100000000000000ULL) / 1e10);
    }
  }
  for (double v : {4194304.0, 4194303.999999999, 4194303.999999, 4194304.000001, 4194304.5, 1e-9,
                   5e-10, 0.000999999999}) {
    check(v);
  }
}

}  // namespace
}  // namespace netflower
