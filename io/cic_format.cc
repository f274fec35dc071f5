#include "io/cic_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <string>

#include "io/float_repr.h"
#include "netflower/flow_record.h"

namespace netflower {

size_t FormatJavaDouble(double value, char* out) {
  if (std::isnan(value)) {
    std::memcpy(out, "NaN", 3);
    return 3;
  }
  if (std::isinf(value)) {
    const char* text = value > 0 ? "Infinity" : "-Infinity";
    const size_t n = std::strlen(text);
    std::memcpy(out, text, n);
    return n;
  }
  char* p = out;
  if (std::signbit(value)) {
    *p++ = '-';
    value = -value;
  }
  if (value == 0.0) {
    std::memcpy(p, "0.0", 3);
    return static_cast<size_t>(p + 3 - out);
  }
  // Shortest round-trip digits d1.d2d3...e±x from the standard library.
  char sci[32] = {};
  const auto res = std::to_chars(sci, sci + sizeof(sci) - 1, value, std::chars_format::scientific);

  char digits[20] = {};
  int n_digits = 0;
  const char* q = sci;
  for (; q < res.ptr && *q != 'e'; ++q) {
    if (*q != '.') digits[n_digits++] = *q;
  }
  // value = d1.d2... x 10^exponent; to_chars writes "e+07", "e-05", "e+308".
  int exponent = 0;
  for (const char* e = q + 2; e < res.ptr; ++e) exponent = exponent * 10 + (*e - '0');
  if (q[1] == '-') exponent = -exponent;
  if (value >= 1e-3 && value < 1e7) {
    if (exponent >= 0) {
      for (int i = 0; i <= exponent; ++i) *p++ = i < n_digits ? digits[i] : '0';
      *p++ = '.';
      if (n_digits > exponent + 1) {
        for (int i = exponent + 1; i < n_digits; ++i) *p++ = digits[i];
      } else {
        *p++ = '0';
      }
    } else {
      *p++ = '0';
      *p++ = '.';
      for (int i = -1; i > exponent; --i) *p++ = '0';
      for (int i = 0; i < n_digits; ++i) *p++ = digits[i];
    }
  } else {
    if (n_digits == 1) {
      // Java writes at least one digit after the point and picks, among the
      // two-digit decimals, the closest: 4.9E-324 for the smallest double,
      // whose shortest form would be 5E-324.
      const auto two =
          std::to_chars(sci, sci + sizeof(sci) - 1, value, std::chars_format::scientific, 1);
      *two.ptr = '\0';
      digits[0] = sci[0];
      digits[1] = sci[2];
      n_digits = digits[1] == '0' ? 1 : 2;
    }
    *p++ = digits[0];
    *p++ = '.';
    if (n_digits > 1) {
      for (int i = 1; i < n_digits; ++i) *p++ = digits[i];
    } else {
      *p++ = '0';
    }
    *p++ = 'E';
    p += FormatInt(exponent, p);
  }
  return static_cast<size_t>(p - out);
}

std::string JavaDouble(double value) {
  char buf[kMaxJavaDoubleChars];
  return std::string(buf, FormatJavaDouble(value, buf));
}

namespace {

// The longest text of a value of each kind, JSON's quotes and escapes
// included.
constexpr size_t MaxValueChars(CicKind kind) {
  switch (kind) {
    case CicKind::kFlowId:
      return kMaxCicFlowIdChars + 2;
    case CicKind::kAddress:
      return kMaxIpTextChars + 2;
    case CicKind::kInt:
      return 20;  // "-9223372036854775808"
    case CicKind::kDouble:
    case CicKind::kStat:
      return kMaxJavaDoubleChars;
    case CicKind::kTimestamp:
      return kMaxCicTimestampChars + 2;
    case CicKind::kLabel:
      // CheckLabel leaves only quotes and backslashes to escape: at worst
      // every byte doubled (CSV's "" or JSON's \"), and the quotes around.
      return 2 * kMaxLabelBytes + 2;
  }
  return 0;
}

// The longest row of any layout in either format: every field, under its
// longest name as a JSON key ("name.1": with quotes), its longest value and
// a separator, then the braces and the line end. Every field is counted,
// so each layout (a selection of them) fits.
constexpr size_t MaxCicRowBytes() {
  size_t n = 3;
  for (const CicFieldInfo& f : kCicFields) {
    const size_t name =
        std::max({f.name_2017.size(), f.name_v4.size(), f.name_master.size()}) + 2 + 5;
    n += name + MaxValueChars(f.kind) + 1;
  }
  return n;
}
static_assert(MaxCicRowBytes() <= kMaxCsvRowBytes,
              "a CIC row with the longest label could outgrow the row buffer");

// `label` as a CSV field (RFC 4180: quoted, its quotes doubled, when it
// holds a comma or a quote; CheckLabel has refused line breaks) or as a JSON
// string (quotes and backslashes escaped; it is valid UTF-8).
std::string EncodeLabel(std::string_view label, bool json) {
  const bool quote = json || label.find_first_of(",\"") != std::string_view::npos;
  std::string out = quote ? "\"" : "";
  for (char c : label) {
    if (c == '"') {
      out += json ? "\\\"" : "\"\"";
    } else if (json && c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  if (quote) out += '"';
  return out;
}

}  // namespace

CicRowFormatter::CicRowFormatter(ColumnSet set, OutputFormat format, const std::string& label,
                                 std::vector<LabelRule> rules)
    : set_(set), format_(format), rules_(std::move(rules)), columns_(CicLayoutColumns(set)) {
  const bool json = format == OutputFormat::kJsonl;
  encoded_labels_.push_back(EncodeLabel(label, json));
  for (const LabelRule& r : rules_) encoded_labels_.push_back(EncodeLabel(r.label, json));
  // JSON keys are the header's names; the 2017 layouts' second
  // " Fwd Header Length" becomes " Fwd Header Length.1", as pandas names it,
  // so that no key repeats.
  for (const CicColumn& c : columns_) {
    std::string name(c.name);
    for (const std::string& earlier : json_keys_) {
      if (earlier == "\"" + name + "\":") name += ".1";
    }
    json_keys_.push_back("\"" + name + "\":");
  }
}

std::string_view CicRowFormatter::Timestamp(int64_t start_us) {
  // flowStartTime / 1000 as a Java long (toward zero), then the calendar
  // second of that millisecond.
  const int64_t ms = start_us / 1000;
  const int64_t second = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  if (second != cached_second_) {
    const time_t t = static_cast<time_t>(second);
    struct tm local;
    if (localtime_r(&t, &local) == nullptr) std::memset(&local, 0, sizeof(local));
    const int hour12 = local.tm_hour % 12 == 0 ? 12 : local.tm_hour % 12;
    const bool master = set_ == ColumnSet::kCicflowmeter;
    const int n =
        std::snprintf(cached_text_, sizeof(cached_text_), "%02d/%02d/%04d %02d:%02d:%02d%s",
                      local.tm_mday, local.tm_mon + 1, local.tm_year + 1900, hour12, local.tm_min,
                      local.tm_sec, master ? (local.tm_hour < 12 ? " AM" : " PM") : "");
    cached_length_ = n > 0 ? std::min(static_cast<size_t>(n), sizeof(cached_text_) - 1) : 0;
    cached_second_ = second;
  }
  return std::string_view(cached_text_, cached_length_);
}

namespace {

char* PutText(std::string_view s, bool json, char* p) {
  if (json) *p++ = '"';
  for (char c : s) {
    if (json && (c == '"' || c == '\\')) *p++ = '\\';
    if (json && static_cast<unsigned char>(c) < 0x20) {
      p += std::snprintf(p, 7, "\\u%04x", static_cast<unsigned char>(c));
      continue;
    }
    *p++ = c;
  }
  if (json) *p++ = '"';
  return p;
}

// A double: JSON has no NaN or Infinity, so those are null there.
char* PutDouble(double v, bool json, char* p) {
  if (json && !std::isfinite(v)) {
    std::memcpy(p, "null", 4);
    return p + 4;
  }
  return p + FormatJavaDouble(v, p);
}

}  // namespace

char* CicRowFormatter::PutValue(const CicRecord& r, CicField field, bool json, char* p) {
  switch (field) {
    case CicField::k_flow_id: {
      char id[kMaxCicFlowIdChars];
      const size_t n =
          FormatCicFlowId(r.src_ip, static_cast<uint16_t>(r.src_port), r.dst_ip,
                          static_cast<uint16_t>(r.dst_port), static_cast<uint8_t>(r.protocol),
                          /*canonical=*/set_ != ColumnSet::kCicflowmeter, id);
      return PutText({id, n}, json, p);
    }
    case CicField::k_src_ip:
    case CicField::k_dst_ip: {
      char ip[kMaxIpTextChars];
      const IpAddress& a = field == CicField::k_src_ip ? r.src_ip : r.dst_ip;
      return PutText({ip, FormatIpAddress(a, ip)}, json, p);
    }
    case CicField::k_timestamp:
      return PutText(Timestamp(r.timestamp), json, p);
    case CicField::k_label: {
      // Encoded once, at construction: [0] the run's label, [i + 1] rule i's.
      const size_t rule =
          rules_.empty()
              ? 0
              : static_cast<size_t>(MatchRule(rules_, r.src_ip, static_cast<uint16_t>(r.src_port),
                                              r.dst_ip, static_cast<uint16_t>(r.dst_port),
                                              static_cast<uint8_t>(r.protocol), r.timestamp) +
                                    1);
      const std::string& text = encoded_labels_[rule];
      std::memcpy(p, text.data(), text.size());
      return p + text.size();
    }
    default:
      break;
  }
    // The numeric columns, by kind.
#define NETFLOWER_CIC_NUMBER(name, Kind, n2017, nv4, nmaster) \
  case CicField::k_##name:                                    \
    return PutNumber(r.name, json, p);
  switch (field) { NETFLOWER_CIC_COLUMNS(NETFLOWER_CIC_NUMBER) }
#undef NETFLOWER_CIC_NUMBER
  return p;
}

char* CicRowFormatter::PutNumber(int64_t v, bool, char* p) { return p + FormatInt(v, p); }
char* CicRowFormatter::PutNumber(double v, bool json, char* p) { return PutDouble(v, json, p); }
// A statistic without values is the int 0 ("0", not "0.0").
char* CicRowFormatter::PutNumber(const CicStat& v, bool json, char* p) {
  if (!v.has) {
    *p++ = '0';
    return p;
  }
  return PutDouble(v.value, json, p);
}

size_t CicRowFormatter::Format(const CicRecord& record, char* out) {
  const bool json = format_ == OutputFormat::kJsonl;
  char* p = out;
  if (json) *p++ = '{';
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) *p++ = ',';
    if (json) {
      std::memcpy(p, json_keys_[i].data(), json_keys_[i].size());
      p += json_keys_[i].size();
    }
    p = PutValue(record, columns_[i].field, json, p);
  }
  if (json) *p++ = '}';
  *p++ = '\n';
  return static_cast<size_t>(p - out);
}

}  // namespace netflower
