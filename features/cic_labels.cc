#include "features/cic_labels.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace netflower {
namespace {

constexpr std::string_view kHeader = "src,dst,src_port,dst_port,protocol,start,end,label";
constexpr std::string_view kTimeForms =
    "a time: 2017-07-07T15:30:00Z or with an offset (-03:00), or epoch seconds (1499441400.5); "
    "at most 6 fractional digits";
// 9999-12-31T23:59:59Z: the last second either form can name.
constexpr int64_t kMaxEpochSeconds = 253402300799;

// absl::StrCat takes absl::string_view, which is not std::string_view here.
std::string S(std::string_view v) { return std::string(v); }

// A value as an error message shows it: printable ASCII as is, other bytes
// as \xNN, at most 40 bytes of it (a message never carries a whole line of
// /dev/zero or a terminal escape).
std::string Shown(std::string_view value) {
  std::string out;
  for (size_t i = 0; i < value.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  if (value.size() > 40) absl::StrAppend(&out, "... (", value.size(), " bytes)");
  return out;
}

// The next UTF-8 code point of `s` at `*pos` (advanced past it), or nullopt
// for a byte sequence that is not UTF-8 (overlong forms, surrogates and
// values past U+10FFFF included).
std::optional<uint32_t> NextCodePoint(std::string_view s, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(*pos);
  if (lead < 0x80) {
    ++*pos;
    return lead;
  }
  size_t length;
  uint32_t cp;
  uint32_t min;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (*pos + length > s.size()) return std::nullopt;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(*pos + i) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(*pos + i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  *pos += length;
  return cp;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Decimal digits only, no sign, at most `max`; no leading zero when
// `no_leading_zero` (IP octets and prefixes, where 010 means 8 to some
// readers and 10 to others).
bool ParseUint(std::string_view s, uint64_t max, uint64_t* out, bool no_leading_zero = false) {
  if (s.empty() || s.size() > 20) return false;
  if (no_leading_zero && s.size() > 1 && s[0] == '0') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return false;
  }
  *out = v;
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t begin = 0;
  for (;;) {
    const size_t end = s.find(sep, begin);
    parts.push_back(
        s.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

// One line's fields, RFC 4180: a field that starts with a quote runs to the
// next lone quote ("" inside is one quote) and must end there; an unquoted
// field may not hold a quote. nullopt for a malformed line.
std::optional<std::vector<std::string>> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields;
  size_t pos = 0;
  for (;;) {
    std::string field;
    if (pos < line.size() && line[pos] == '"') {
      for (++pos;; ++pos) {
        if (pos >= line.size()) return std::nullopt;  // no closing quote
        if (line[pos] != '"') {
          field += line[pos];
        } else if (pos + 1 < line.size() && line[pos + 1] == '"') {
          field += '"';
          ++pos;
        } else {
          ++pos;
          break;
        }
      }
      if (pos < line.size() && line[pos] != ',') return std::nullopt;  // text after the quote
    } else {
      const size_t end = std::min(line.find(',', pos), line.size());
      field = std::string(line.substr(pos, end - pos));
      if (field.find('"') != std::string::npos) return std::nullopt;
      pos = end;
    }
    fields.push_back(std::move(field));
    if (pos >= line.size()) return fields;
    ++pos;  // the comma
  }
}

bool ParseBlock(std::string_view s, LabelRule::Block* out) {
  if (s == "*") {
    *out = {};
    return true;
  }
  int prefix = 32;
  const size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    uint64_t p;
    if (!ParseUint(s.substr(slash + 1), 32, &p, /*no_leading_zero=*/true)) return false;
    prefix = static_cast<int>(p);
    s = s.substr(0, slash);
  }
  const std::vector<std::string_view> parts = Split(s, '.');
  if (parts.size() != 4) return false;
  uint32_t a = 0;
  for (std::string_view part : parts) {
    uint64_t byte;
    if (!ParseUint(part, 255, &byte, /*no_leading_zero=*/true)) return false;
    a = (a << 8) | static_cast<uint32_t>(byte);
  }
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  *out = {a & mask, prefix};
  return true;
}

bool ParsePorts(std::string_view s, LabelRule::Ports* out) {
  if (s == "*") {
    *out = {};
    return true;
  }
  const size_t dash = s.find('-');
  uint64_t low, high;
  if (dash == std::string_view::npos) {
    if (!ParseUint(s, 65535, &low)) return false;
    high = low;
  } else if (!ParseUint(s.substr(0, dash), 65535, &low) ||
             !ParseUint(s.substr(dash + 1), 65535, &high) || high < low) {
    return false;
  }
  *out = {static_cast<uint16_t>(low), static_cast<uint16_t>(high)};
  return true;
}

bool ParseProtocol(std::string_view s, int* out) {
  if (s == "*") {
    *out = -1;
  } else if (s == "tcp") {
    *out = 6;
  } else if (s == "udp") {
    *out = 17;
  } else {
    uint64_t p;
    if (!ParseUint(s, 255, &p)) return false;
    *out = static_cast<int>(p);
  }
  return true;
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970 here).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = y / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  uint64_t v;
  if (!ParseUint(s.substr(pos, n), UINT64_MAX, &v)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// ".f" with 1-6 digits at `*pos` (if there is a point there) as microseconds.
bool Fraction(std::string_view s, size_t* pos, int64_t* micros) {
  *micros = 0;
  if (*pos >= s.size() || s[*pos] != '.') return true;
  ++*pos;
  int64_t scale = 100000;
  size_t digits = 0;
  while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') {
    if (++digits > 6) return false;
    *micros += (s[*pos] - '0') * scale;
    scale /= 10;
    ++*pos;
  }
  return digits > 0;
}

// Epoch seconds: digits, optionally a point and 1-6 digits.
bool ParseEpoch(std::string_view s, int64_t* out_us) {
  const size_t dot = s.find('.');
  uint64_t seconds;
  if (!ParseUint(s.substr(0, dot), kMaxEpochSeconds, &seconds)) return false;
  size_t pos = dot == std::string_view::npos ? s.size() : dot;
  int64_t micros;
  if (!Fraction(s, &pos, &micros) || pos != s.size()) return false;
  *out_us = static_cast<int64_t>(seconds) * 1000000 + micros;
  return true;
}

// "2017-07-07T15:30:00[.ffffff](Z|±HH:MM)", RFC 3339 (no leap second).
bool ParseIsoTime(std::string_view s, int64_t* out_us) {
  int64_t y, mo, d, h, mi, sec;
  if (s.size() < 20 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || s[10] != 'T' || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &sec)) {
    return false;
  }
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 ||
      sec > 59) {
    return false;
  }
  size_t pos = 19;
  int64_t micros;
  if (!Fraction(s, &pos, &micros) || pos >= s.size()) return false;  // the offset is mandatory
  int64_t offset_s = 0;
  if (s[pos] == 'Z') {
    if (pos + 1 != s.size()) return false;
  } else {
    int64_t oh, om;
    if ((s[pos] != '+' && s[pos] != '-') || pos + 6 != s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
  }
  const int64_t seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  *out_us = seconds * 1000000 + micros;
  return true;
}

bool ParseTime(std::string_view s, int64_t* out_us) {
  return s.find('T') == std::string_view::npos ? ParseEpoch(s, out_us) : ParseIsoTime(s, out_us);
}

absl::Status LineError(std::string_view source, int line, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(S(source), ":", line, ": ", S(what)));
}

absl::Status FieldError(std::string_view source, int line, std::string_view field,
                        std::string_view value, std::string_view expected) {
  return LineError(source, line,
                   absl::StrCat(S(field), " \"", Shown(value), "\" is not ", S(expected)));
}

// One rule from its 8 fields.
absl::StatusOr<LabelRule> ParseRule(const std::vector<std::string>& f, std::string_view source,
                                    int line) {
  LabelRule r;
  constexpr std::string_view kAddress =
      "an IPv4 address (decimal, no leading zeros), a.b.c.d/n or *";
  constexpr std::string_view kPorts = "a port, low-high or *";
  if (!ParseBlock(f[0], &r.src)) return FieldError(source, line, "src", f[0], kAddress);
  if (!ParseBlock(f[1], &r.dst)) return FieldError(source, line, "dst", f[1], kAddress);
  if (!ParsePorts(f[2], &r.src_port)) return FieldError(source, line, "src_port", f[2], kPorts);
  if (!ParsePorts(f[3], &r.dst_port)) return FieldError(source, line, "dst_port", f[3], kPorts);
  if (!ParseProtocol(f[4], &r.protocol)) {
    return FieldError(source, line, "protocol", f[4], "0-255, tcp, udp or *");
  }
  if (!f[5].empty() && f[5] != "*" && !ParseTime(f[5], &r.start_us)) {
    return FieldError(source, line, "start", f[5], kTimeForms);
  }
  if (!f[6].empty() && f[6] != "*" && !ParseTime(f[6], &r.end_us)) {
    return FieldError(source, line, "end", f[6], kTimeForms);
  }
  if (r.start_us >= r.end_us) {
    return LineError(source, line,
                     absl::StrCat("start \"", Shown(f[5]), "\" is not before end \"", Shown(f[6]),
                                  "\": the window matches no flow"));
  }
  if (absl::Status s = CheckLabel(f[7]); !s.ok()) {
    return LineError(source, line, absl::StrCat("label \"", Shown(f[7]), "\": ", s.message()));
  }
  r.label = f[7];
  return r;
}

absl::Status ReadError(const std::string& path, int err) {
  const std::string message =
      absl::StrCat("cannot read the label rules ", path, ": ", std::strerror(err));
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::InvalidArgumentError(message);
}

// Reads `fd` to its end within the bounds; errors name `path`.
absl::StatusOr<std::string> ReadBounded(int fd, const std::string& path) {
  std::string text;
  size_t line_start = 0;
  int line = 1;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ReadError(path, errno);
    if (n == 0) return text;
    const size_t old_size = text.size();
    text.append(buf, static_cast<size_t>(n));
    for (size_t i = old_size; i < text.size(); ++i) {
      if (text[i] == '\n') {
        line_start = i + 1;
        ++line;
      } else if (i - line_start >= kMaxLabelRuleLineBytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ":", line, ": the line is longer than ", kMaxLabelRuleLineBytes,
            " bytes: not a label rules file (CSV with the header \"", S(kHeader), "\")"));
      }
    }
    if (text.size() > kMaxLabelRulesBytes) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": larger than ",
                                                     kMaxLabelRulesBytes >> 20,
                                                     " MiB: too large for a label rules file"));
    }
  }
}

}  // namespace

absl::Status CheckLabel(std::string_view label) {
  if (label.empty()) return absl::InvalidArgumentError("an empty label");
  if (label.size() > kMaxLabelBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("a label of ", label.size(), " bytes; at most ", kMaxLabelBytes));
  }
  if (label.find_first_not_of(' ') == std::string_view::npos) {
    return absl::InvalidArgumentError("a label of spaces only");
  }
  for (size_t pos = 0; pos < label.size();) {
    const size_t at = pos;
    const std::optional<uint32_t> cp = NextCodePoint(label, &pos);
    if (!cp) {
      return absl::InvalidArgumentError(
          absl::StrCat("not UTF-8 at byte ", at, " (labels are UTF-8 text)"));
    }
    if (IsControl(*cp)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "a control character U+%04X at byte %d (no line breaks, tabs or NULs in a label)", *cp,
          at));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckLabelRules(const std::vector<LabelRule>& rules) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (absl::Status s = CheckLabel(rules[i].label); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("label rule ", i + 1, ": ", s.message()));
    }
    if (rules[i].start_us >= rules[i].end_us) {
      return absl::InvalidArgumentError(
          absl::StrCat("label rule ", i + 1, ": start_us ", rules[i].start_us,
                       " is not before end_us ", rules[i].end_us, ": the window matches no flow"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LabelRule>> ParseLabelRules(std::string_view text,
                                                       std::string_view source) {
  std::vector<LabelRule> rules;
  int line_number = 0;
  bool header_seen = false;
  for (std::string_view line : Split(text, '\n')) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    if (!header_seen) {
      if (line != kHeader) {
        return LineError(source, line_number,
                         absl::StrCat("the first line must be the header \"", S(kHeader), "\""));
      }
      header_seen = true;
      continue;
    }
    const std::optional<std::vector<std::string>> fields = SplitCsvLine(line);
    if (!fields) {
      return LineError(source, line_number,
                       "a quote out of place (quote a whole field, \"a,b\"; \"\" inside it is "
                       "one quote)");
    }
    if (fields->size() != 8) {
      return LineError(source, line_number,
                       absl::StrCat(fields->size(), " fields; a rule has 8 (", S(kHeader), ")"));
    }
    absl::StatusOr<LabelRule> rule = ParseRule(*fields, source, line_number);
    if (!rule.ok()) return rule.status();
    rules.push_back(*std::move(rule));
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(
        absl::StrCat(S(source), ": no rules (expected the header \"", S(kHeader), "\" and rules)"));
  }
  return rules;
}

absl::StatusOr<std::vector<LabelRule>> ReadLabelRules(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ReadError(path, errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("the label rules ", path, " is a directory; name a rules file"));
  }
  absl::StatusOr<std::string> text = ReadBounded(fd, path);
  ::close(fd);
  if (!text.ok()) return text.status();
  return ParseLabelRules(*text, path);
}

int MatchRule(const std::vector<LabelRule>& rules, const IpAddress& src, uint16_t src_port,
              const IpAddress& dst, uint16_t dst_port, uint8_t protocol, int64_t start_us) {
  const auto block_matches = [](const LabelRule::Block& b, const IpAddress& a) {
    if (b.prefix == 0) return true;
    if (a.family != 4) return false;
    const uint32_t v = (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) |
                       (uint32_t{a.bytes[2]} << 8) | a.bytes[3];
    return (v & (~uint32_t{0} << (32 - b.prefix))) == b.network;
  };
  const auto ports_match = [](const LabelRule::Ports& p, uint16_t port) {
    return port >= p.low && port <= p.high;
  };
  for (size_t i = 0; i < rules.size(); ++i) {
    const LabelRule& r = rules[i];
    if (r.protocol >= 0 && r.protocol != protocol) continue;
    if (start_us < r.start_us || start_us >= r.end_us) continue;
    const bool forward = block_matches(r.src, src) && block_matches(r.dst, dst) &&
                         ports_match(r.src_port, src_port) && ports_match(r.dst_port, dst_port);
    const bool reverse = block_matches(r.src, dst) && block_matches(r.dst, src) &&
                         ports_match(r.src_port, dst_port) && ports_match(r.dst_port, src_port);
    if (forward || reverse) return static_cast<int>(i);
  }
  return -1;
}

std::string_view MatchLabel(const std::vector<LabelRule>& rules, const IpAddress& src,
                            uint16_t src_port, const IpAddress& dst, uint16_t dst_port,
                            uint8_t protocol, int64_t start_us, std::string_view fallback) {
  const int i = MatchRule(rules, src, src_port, dst, dst_port, protocol, start_us);
  return i < 0 ? fallback : std::string_view(rules[static_cast<size_t>(i)].label);
}

}  // namespace netflower
