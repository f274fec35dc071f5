#include "io/csv_format.h"

#include "capture/ip_address.h"
#include "io/float_repr.h"

namespace netflower {
namespace {

inline char* Put(const IpAddress& v, char* p) { return p + FormatIpAddress(v, p); }
inline char* Put(int64_t v, char* p) { return p + FormatInt(v, p); }
inline char* Put(double v, char* p) { return p + FormatPythonFloat(v, p); }
inline char* Put(const IntOrZero& v, char* p) {
  if (v.has_value) return p + FormatInt(v.value, p);
  p[0] = '0';
  p[1] = '.';
  p[2] = '0';
  return p + 3;
}

std::string BuildHeader() {
  std::string header;
  for (const ColumnInfo& column : kColumns) {
    if (!header.empty()) header += ',';
    header += column.name;
  }
  return header;
}

}  // namespace

std::string_view CsvHeader() {
  static const std::string* const header = new std::string(BuildHeader());
  return *header;
}

// Every column's formatter may use its full scratch width (floats store
// fixed-length runs past their end) wherever the row has got to.
static_assert(kColumnCount * (kMaxPythonFloatChars + 1) + 2 <= kMaxCsvRowBytes &&
                  kMaxIpTextChars <= kMaxPythonFloatChars && kMaxIntChars <= kMaxPythonFloatChars,
              "kMaxCsvRowBytes too small");

size_t FormatCsvRow(const FlowRecord& r, bool crlf, char* out) {
  char* p = out;
#define NETFLOWER_PUT_COLUMN(name, Type) \
  p = Put(r.name, p);                    \
  *p++ = ',';
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_PUT_COLUMN)
#undef NETFLOWER_PUT_COLUMN
  --p;  // drop the last comma
  if (crlf) *p++ = '\r';
  *p++ = '\n';
  return static_cast<size_t>(p - out);
}

std::string CsvRow(const FlowRecord& record, bool crlf) {
  char buf[kMaxCsvRowBytes];
  return std::string(buf, FormatCsvRow(record, crlf, buf));
}

}  // namespace netflower
