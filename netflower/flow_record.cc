#include "netflower/flow_record.h"

#include <charconv>

// The public value types' functions: addresses as text, columns by name.
namespace netflower {
namespace {

char* AppendDottedQuad(const uint8_t* b, char* p) {
  for (int i = 0; i < 4; ++i) {
    if (i) *p++ = '.';
    p = std::to_chars(p, p + 3, static_cast<unsigned>(b[i])).ptr;
  }
  return p;
}

char* AppendHexGroup(unsigned group, char* p) {
  static constexpr char kHex[] = "0123456789abcdef";
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned nibble = (group >> shift) & 0xF;
    if (nibble || started || shift == 0) {
      *p++ = kHex[nibble];
      started = true;
    }
  }
  return p;
}

ColumnValue ToValue(const IpAddress& v) { return IpAddressToString(v); }
ColumnValue ToValue(int64_t v) { return v; }
ColumnValue ToValue(double v) { return v; }
ColumnValue ToValue(const IntOrZero& v) {
  if (v.has_value) return v.value;
  return 0.0;
}

}  // namespace

size_t FormatIpAddress(const IpAddress& address, char* out) {
  char* p = out;
  const uint8_t* b = address.bytes;
  if (address.family == 4) return AppendDottedQuad(b, p) - out;

  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = (b[2 * i] << 8) | b[2 * i + 1];

  // IPv4-mapped (::ffff:a.b.c.d) is the only form printed with a dotted tail.
  bool mapped = groups[5] == 0xFFFF;
  for (int i = 0; i < 5; ++i) mapped = mapped && groups[i] == 0;
  if (mapped) {
    static constexpr char kPrefix[] = "::ffff:";
    for (const char* c = kPrefix; *c; ++c) *p++ = *c;
    return AppendDottedQuad(b + 12, p) - out;
  }

  // Longest run of >= 2 zero groups; the first one wins a tie.
  int best_start = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }
  if (best_len < 2) best_start = -1;

  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      *p++ = ':';
      if (i == 0) *p++ = ':';
      i += best_len - 1;
      continue;
    }
    p = AppendHexGroup(groups[i], p);
    if (i != 7) *p++ = ':';
  }
  return p - out;
}

std::string IpAddressToString(const IpAddress& address) {
  char buf[kMaxIpTextChars];
  return std::string(buf, FormatIpAddress(address, buf));
}

std::optional<size_t> ColumnIndex(std::string_view name) {
  for (size_t i = 0; i < kColumns.size(); ++i) {
    if (kColumns[i].name == name) return i;
  }
  return std::nullopt;
}

ColumnValue GetColumn(const FlowRecord& record, size_t index) {
  size_t i = 0;
#define NETFLOWER_GET_COLUMN(name, Type) \
  if (i++ == index) return ToValue(record.name);
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_GET_COLUMN)
#undef NETFLOWER_GET_COLUMN
  return 0.0;
}

std::optional<ColumnValue> GetColumn(const FlowRecord& record, std::string_view name) {
  const std::optional<size_t> index = ColumnIndex(name);
  if (!index) return std::nullopt;
  return GetColumn(record, *index);
}

}  // namespace netflower
