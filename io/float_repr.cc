#include "io/float_repr.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace netflower {

size_t FormatPythonFloat(double value, char* out) {
  char* p = out;
  if (std::isnan(value)) {
    std::memcpy(p, "nan", 3);
    return 3;
  }
  if (std::signbit(value)) {
    *p++ = '-';
    value = -value;
  }
  if (std::isinf(value)) {
    std::memcpy(p, "inf", 3);
    return static_cast<size_t>(p - out) + 3;
  }
  if (value == 0.0) {
    std::memcpy(p, "0.0", 3);
    return static_cast<size_t>(p - out) + 3;
  }
  // std::to_chars in scientific form yields the shortest round-trip digits
  // ("d.ddde+XX"); only the layout is Python's own, so re-lay them out.
  char sci[kMaxPythonFloatChars];
  const std::to_chars_result r =
      std::to_chars(sci, sci + sizeof(sci), value, std::chars_format::scientific);
  char digits[20] = {'0'};
  int n = 0;
  const char* s = sci;
  for (; s < r.ptr && *s != 'e'; ++s) {
    if (*s != '.') digits[n++] = *s;
  }
  // s points at 'e'.
  ++s;
  bool negative_exp = (*s == '-');
  ++s;
  int exp10 = 0;
  for (; s < r.ptr; ++s) exp10 = exp10 * 10 + (*s - '0');
  if (negative_exp) exp10 = -exp10;
  const int point = exp10 + 1;  // value = 0.d1...dn x 10^point

  if (point > -4 && point <= 16) {
    if (point <= 0) {
      *p++ = '0';
      *p++ = '.';
      for (int i = 0; i < -point; ++i) *p++ = '0';
      std::memcpy(p, digits, n);
      p += n;
    } else if (point < n) {
      std::memcpy(p, digits, point);
      p += point;
      *p++ = '.';
      std::memcpy(p, digits + point, n - point);
      p += n - point;
    } else {
      std::memcpy(p, digits, n);
      p += n;
      for (int i = 0; i < point - n; ++i) *p++ = '0';
      *p++ = '.';
      *p++ = '0';
    }
  } else {
    *p++ = digits[0];
    if (n > 1) {
      *p++ = '.';
      std::memcpy(p, digits + 1, n - 1);
      p += n - 1;
    }
    *p++ = 'e';
    int e = point - 1;
    if (e < 0) {
      *p++ = '-';
      e = -e;
    } else {
      *p++ = '+';
    }
    if (e < 10) *p++ = '0';
    p = std::to_chars(p, p + 4, e).ptr;
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
