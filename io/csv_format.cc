#include "io/csv_format.h"

#include <array>
#include <cmath>
#include <cstring>
#include <string>

#include "io/float_repr.h"
#include "netflower/flow_record.h"

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

std::string BuildHeader(bool tunnel_columns) {
  std::string header;
  for (const ColumnInfo& column : kColumns) {
    if (!header.empty()) header += ',';
    header += column.name;
  }
  if (tunnel_columns) {
    for (std::string_view name : kTunnelColumnNames) {
      header += ',';
      header += name;
    }
  }
  return header;
}

// The tunnel columns' values, each after a comma (CSV) or as JSON members
// after a comma; a row's last column was written before.
char* PutTunnelCsv(const TunnelTag& t, char* p) {
  const std::string_view kind = TunnelKindName(t.kind);
  *p++ = ',';
  std::memcpy(p, kind.data(), kind.size());
  p += kind.size();
  *p++ = ',';
  if (t.has_id) p = Put(int64_t{t.id}, p);
  return p;
}

char* PutTunnelJson(const TunnelTag& t, char* p) {
  const std::string_view kind = TunnelKindName(t.kind);
  for (std::string_view s :
       {std::string_view(",\""), kTunnelColumnNames[0], std::string_view("\":\""), kind,
        std::string_view("\",\""), kTunnelColumnNames[1], std::string_view("\":")}) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  if (t.has_id) return Put(int64_t{t.id}, p);
  std::memcpy(p, "null", 4);
  return p + 4;
}

}  // namespace

std::string_view CsvHeader(bool tunnel_columns) {
  static const std::string* const header = new std::string(BuildHeader(false));
  static const std::string* const with_tunnel = new std::string(BuildHeader(true));
  return tunnel_columns ? *with_tunnel : *header;
}

// Every column's formatter may use its full scratch width (floats store
// fixed-length runs past their end) wherever the row has got to.
// JSON adds each key ("name": , at most 24 bytes) and two quotes per address;
// the tunnel columns at most 64 bytes (keys, the longest kind, 10 digits).
static_assert(kColumnCount * (kMaxPythonFloatChars + 1 + 24 + 2) + 4 + 64 <= kMaxCsvRowBytes,
              "kMaxCsvRowBytes too small for JSON rows");
static_assert(kColumnCount * (kMaxPythonFloatChars + 1) + 2 <= kMaxCsvRowBytes &&
                  kMaxIpTextChars <= kMaxPythonFloatChars && kMaxIntChars <= kMaxPythonFloatChars,
              "kMaxCsvRowBytes too small");

size_t FormatCsvRow(const FlowRecord& r, bool crlf, char* out, bool tunnel_columns) {
  char* p = out;
#define NETFLOWER_PUT_COLUMN(name, Type) \
  p = Put(r.name, p);                    \
  *p++ = ',';
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_PUT_COLUMN)
#undef NETFLOWER_PUT_COLUMN
  --p;  // drop the last comma
  if (tunnel_columns) p = PutTunnelCsv(r.tunnel, p);
  if (crlf) *p++ = '\r';
  *p++ = '\n';
  return static_cast<size_t>(p - out);
}

namespace {

// `"name":` for every column, in order.
const std::array<std::string, kColumnCount>& JsonKeys() {
  static const auto* const keys = [] {
    auto* k = new std::array<std::string, kColumnCount>();
    for (size_t i = 0; i < kColumnCount; ++i) {
      (*k)[i] = std::string("\"") + std::string(kColumns[i].name) + "\":";
    }
    return k;
  }();
  return *keys;
}

inline char* PutJson(const IpAddress& v, char* p) {
  *p++ = '"';
  p = Put(v, p);
  *p++ = '"';
  return p;
}
inline char* PutJson(int64_t v, char* p) { return Put(v, p); }
inline char* PutJson(double v, char* p) {
  if (std::isfinite(v)) return Put(v, p);
  std::memcpy(p, "null", 4);
  return p + 4;
}
inline char* PutJson(const IntOrZero& v, char* p) { return Put(v, p); }

}  // namespace

size_t FormatJsonRow(const FlowRecord& r, char* out, bool tunnel_columns) {
  const std::array<std::string, kColumnCount>& keys = JsonKeys();
  char* p = out;
  size_t column = 0;
  *p++ = '{';
#define NETFLOWER_PUT_JSON(name, Type)                      \
  std::memcpy(p, keys[column].data(), keys[column].size()); \
  p += keys[column++].size();                               \
  p = PutJson(r.name, p);                                   \
  *p++ = ',';
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_PUT_JSON)
#undef NETFLOWER_PUT_JSON
  --p;  // the last comma
  if (tunnel_columns) p = PutTunnelJson(r.tunnel, p);
  *p++ = '}';
  *p++ = '\n';
  return static_cast<size_t>(p - out);
}

std::string JsonRow(const FlowRecord& record) {
  char buf[kMaxCsvRowBytes];
  return std::string(buf, FormatJsonRow(record, buf));
}

std::string CsvRow(const FlowRecord& record, bool crlf) {
  char buf[kMaxCsvRowBytes];
  return std::string(buf, FormatCsvRow(record, crlf, buf));
}

}  // namespace netflower
