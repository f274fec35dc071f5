// Python-`repr` formatting of doubles and plain integer formatting
// (FLOW-RULES §8.3). These are the only number formatters the CSV uses.
#ifndef NETFLOWER_IO_FLOAT_REPR_H_
#define NETFLOWER_IO_FLOAT_REPR_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace netflower {

// Room FormatPythonFloat needs at `out`: its longest output is 24 bytes
// ("-2.2250738585072014e-308"), but it stores fixed-length runs of digits
// that may reach up to 48 bytes past `out`.
inline constexpr size_t kMaxPythonFloatChars = 48;
// Longest output of FormatInt ("-9223372036854775808").
inline constexpr size_t kMaxIntChars = 21;

// Writes `value` the way Python's repr() does: the shortest digit string that
// reads back to the same double; fixed notation (with at least one digit after
// the point) when the decimal exponent p of 0.d1d2...dn x 10^p satisfies
// -4 < p <= 16, scientific ("1e-05", "1e+16") otherwise. `out` must hold
// kMaxPythonFloatChars bytes; those past the returned length are scratch.
// Returns the length of the text (no NUL).
size_t FormatPythonFloat(double value, char* out);

// Writes `value` in decimal. `out` must hold kMaxIntChars bytes; those past
// the returned length are scratch. Returns the length of the text (no NUL).
size_t FormatInt(int64_t value, char* out);

// Convenience wrapper for tests and messages.
std::string PythonFloatRepr(double value);

}  // namespace netflower

#endif  // NETFLOWER_IO_FLOAT_REPR_H_
