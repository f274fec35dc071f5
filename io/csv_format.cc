#include "io/csv_format.h"

#include <algorithm>
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

// Appends ",name" for each of `names`.
template <size_t N>
void AppendNames(const std::string_view (&names)[N], std::string* header) {
  for (std::string_view name : names) {
    *header += ',';
    *header += name;
  }
}

std::string BuildHeader(ExtraColumns extras) {
  std::string header;
  for (const ColumnInfo& column : kColumns) {
    if (!header.empty()) header += ',';
    header += column.name;
  }
  if (extras.tunnel) AppendNames(kTunnelColumnNames, &header);
  if (extras.dpi) AppendNames(kDpiColumnNames, &header);
  if (extras.splt) AppendNames(kSpltColumnNames, &header);
  if (extras.export_reason) {
    header += ',';
    header += kExportReasonColumnName;
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

// The SPLT lists, each "[a,b,...]": the signed lengths, the inter-arrival
// times in microseconds (truncated toward zero), the TCP flags.
// (At most kMaxSpltPackets, the bound the row's size is made for.)
char* PutSpltList(const std::vector<SpltPacket>& packets, size_t which, char* p) {
  *p++ = '[';
  const size_t n = std::min<size_t>(packets.size(), kMaxSpltPackets);
  for (size_t i = 0; i < n; ++i) {
    const SpltPacket& packet = packets[i];
    const int64_t v = which == 0   ? int64_t{packet.ip_length}
                      : which == 1 ? packet.iat_ns / 1000
                                   : int64_t{packet.tcp_flags};
    p = Put(v, p);
    *p++ = ',';
  }
  if (n > 0) --p;
  *p++ = ']';
  return p;
}

// In CSV, each list is a quoted field (its commas would split it).
char* PutSpltCsv(const std::vector<SpltPacket>& packets, char* p) {
  for (size_t which = 0; which < std::size(kSpltColumnNames); ++which) {
    *p++ = ',';
    *p++ = '"';
    p = PutSpltList(packets, which, p);
    *p++ = '"';
  }
  return p;
}

// `,"name":`, a JSON member's start after the row's previous member.
char* PutJsonKey(std::string_view name, char* p) {
  *p++ = ',';
  *p++ = '"';
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = '"';
  *p++ = ':';
  return p;
}

char* PutSpltJson(const std::vector<SpltPacket>& packets, char* p) {
  for (size_t which = 0; which < std::size(kSpltColumnNames); ++which) {
    p = PutJsonKey(kSpltColumnNames[which], p);
    p = PutSpltList(packets, which, p);
  }
  return p;
}

// The DPI labels (printable ASCII, AppLabels), each after a comma: as CSV
// fields, quoted (quotes doubled) when they hold a comma or a quote; as
// JSON members, strings with quotes and backslashes escaped. A row without
// labels (none were kept) has empty values.
char* PutDpiCsv(const AppLabels* labels, char* p) {
  for (size_t i = 0; i < std::size(kDpiColumnNames); ++i) {
    *p++ = ',';
    if (labels == nullptr) continue;
    const std::string_view v = std::string_view(labels->value(i)).substr(0, kMaxDpiValueBytes);
    const bool quote = v.find_first_of(",\"") != std::string_view::npos;
    if (quote) *p++ = '"';
    for (char c : v) {
      if (c == '"') *p++ = '"';
      *p++ = c;
    }
    if (quote) *p++ = '"';
  }
  return p;
}

char* PutDpiJson(const AppLabels* labels, char* p) {
  for (size_t i = 0; i < std::size(kDpiColumnNames); ++i) {
    p = PutJsonKey(kDpiColumnNames[i], p);
    *p++ = '"';
    if (labels != nullptr) {
      for (char c : std::string_view(labels->value(i)).substr(0, kMaxDpiValueBytes)) {
        if (c == '"' || c == '\\') *p++ = '\\';
        *p++ = c;
      }
    }
    *p++ = '"';
  }
  return p;
}

// The export_reason column's value, after a comma (CSV) or as a JSON member
// after a comma.
char* PutExportReasonCsv(ExportReason reason, char* p) {
  const std::string_view name = ExportReasonName(reason);
  *p++ = ',';
  std::memcpy(p, name.data(), name.size());
  return p + name.size();
}

char* PutExportReasonJson(ExportReason reason, char* p) {
  for (std::string_view s : {std::string_view(",\""), kExportReasonColumnName,
                             std::string_view("\":\""), ExportReasonName(reason)}) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
  }
  *p++ = '"';
  return p;
}

}  // namespace

std::string_view CsvHeader(ExtraColumns extras) {
  // One header per combination of the extra columns, built once.
  static const auto* const headers = [] {
    auto* h = new std::array<std::string, 16>();
    for (int i = 0; i < 16; ++i) {
      (*h)[i] = BuildHeader(ExtraColumns{(i & 1) != 0, (i & 2) != 0, (i & 4) != 0, (i & 8) != 0});
    }
    return h;
  }();
  return (*headers)[(extras.tunnel ? 1 : 0) + (extras.export_reason ? 2 : 0) +
                    (extras.splt ? 4 : 0) + (extras.dpi ? 8 : 0)];
}

// Every column's formatter may use its full scratch width (floats store
// fixed-length runs past their end) wherever the row has got to.
// JSON adds each key ("name": , at most 24 bytes) and two quotes per address;
// the tunnel columns at most 64 bytes (keys, the longest kind, 10 digits),
// export_reason at most 32 (key, quotes, the longest name); the SPLT lists
// (keys and brackets within 64 bytes) a signed length (6 digits, a sign)
// a time (kMaxIntChars) and flags (3 digits) a packet, each with a comma.
// The DPI labels at most twice their bytes (every one a quote) with two
// quotes, a comma and a key (within 32 bytes) each.
inline constexpr size_t kMaxSpltBytes = 64 + kMaxSpltPackets * (7 + kMaxIntChars + 3 + 3);
inline constexpr size_t kMaxDpiBytes = std::size(kDpiColumnNames) * (2 * kMaxDpiValueBytes + 32);
static_assert(kColumnCount * (kMaxPythonFloatChars + 1 + 24 + 2) + 4 + 64 + 32 + kMaxSpltBytes +
                      kMaxDpiBytes <=
                  kMaxCsvRowBytes,
              "kMaxCsvRowBytes too small for JSON rows");
static_assert(kColumnCount * (kMaxPythonFloatChars + 1) + 2 <= kMaxCsvRowBytes &&
                  kMaxIpTextChars <= kMaxPythonFloatChars && kMaxIntChars <= kMaxPythonFloatChars,
              "kMaxCsvRowBytes too small");

size_t FormatCsvRow(const FlowRecord& r, bool crlf, char* out, ExtraColumns extras) {
  char* p = out;
#define NETFLOWER_PUT_COLUMN(name, Type) \
  p = Put(r.name, p);                    \
  *p++ = ',';
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_PUT_COLUMN)
#undef NETFLOWER_PUT_COLUMN
  --p;  // drop the last comma
  if (extras.tunnel) p = PutTunnelCsv(r.tunnel, p);
  if (extras.dpi) p = PutDpiCsv(r.app.get(), p);
  if (extras.splt) p = PutSpltCsv(r.splt, p);
  if (extras.export_reason) p = PutExportReasonCsv(r.export_reason, p);
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

size_t FormatJsonRow(const FlowRecord& r, char* out, ExtraColumns extras) {
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
  if (extras.tunnel) p = PutTunnelJson(r.tunnel, p);
  if (extras.dpi) p = PutDpiJson(r.app.get(), p);
  if (extras.splt) p = PutSpltJson(r.splt, p);
  if (extras.export_reason) p = PutExportReasonJson(r.export_reason, p);
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
