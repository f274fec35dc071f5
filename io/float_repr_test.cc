#include "io/float_repr.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>

namespace netflower {
namespace {

TEST(PythonFloatRepr, SpecExamples) {
  // FLOW-SPEC §13 "Float formatting".
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
