#include "features/cic_labels.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

constexpr std::string_view kHeader = "src,dst,src_port,dst_port,protocol,start,end,label";

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

// absl::StrCat takes absl::string_view, which is not std::string_view here.
std::string S(std::string_view v) { return std::string(v); }

bool ParseUint(std::string_view s, uint64_t max, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > max) return false;
  }
  *out = v;
  return true;
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
    if (!ParseUint(s.substr(slash + 1), 32, &p)) return false;
    prefix = static_cast<int>(p);
    s = s.substr(0, slash);
  }
  const std::vector<std::string_view> parts = Split(s, '.');
  if (parts.size() != 4) return false;
  uint32_t a = 0;
  for (std::string_view part : parts) {
    uint64_t byte;
    if (!ParseUint(part, 255, &byte)) return false;
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

// Days from 1970-01-01 to y-m-d (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  uint64_t v;
  if (!ParseUint(s.substr(pos, n), UINT64_MAX, &v)) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// "2017-07-07T15:30:00[.ffffff][Z|±HH:MM]" or epoch seconds ("1499455800.5").
bool ParseTime(std::string_view s, int64_t* out_us) {
  if (s.find('-') == std::string_view::npos || s.find('T') == std::string_view::npos) {
    // Epoch seconds, possibly with a fraction.
    const std::string text(s);
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (errno != 0 || end != text.c_str() + text.size() || text.empty() || !std::isfinite(v)) {
      return false;
    }
    *out_us = static_cast<int64_t>(std::llround(v * 1e6));
    return true;
  }
  int64_t y, mo, d, h, mi, sec;
  if (!Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || s.size() < 19 || s[10] != 'T' || !Digits(s, 11, 2, &h) ||
      s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &sec)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  int64_t offset_s = 0;
  if (pos < s.size()) {
    const bool zulu = s[pos] == 'Z' && pos + 1 == s.size();
    if (!zulu) {
      if ((s[pos] != '+' && s[pos] != '-') || pos + 6 != s.size() || s[pos + 3] != ':') {
        return false;
      }
      int64_t oh, om;
      if (!Digits(s, pos + 1, 2, &oh) || !Digits(s, pos + 4, 2, &om)) return false;
      offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    }
  }
  const int64_t seconds = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  *out_us = seconds * 1000000 + micros;
  return true;
}

absl::Status FieldError(std::string_view source, int line, std::string_view field,
                        std::string_view value, std::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(S(source), ":", line, ": ", S(field), " \"",
                                                 S(value), "\" is not ", S(expected)));
}

bool BlockMatches(const LabelRule::Block& b, const IpAddress& a) {
  if (b.prefix == 0) return true;
  if (a.family != 4) return false;
  const uint32_t v = (uint32_t{a.bytes[0]} << 24) | (uint32_t{a.bytes[1]} << 16) |
                     (uint32_t{a.bytes[2]} << 8) | a.bytes[3];
  const uint32_t mask = ~uint32_t{0} << (32 - b.prefix);
  return (v & mask) == b.network;
}

bool PortsMatch(const LabelRule::Ports& p, uint16_t port) {
  return port >= p.low && port <= p.high;
}

}  // namespace

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
        return absl::InvalidArgumentError(absl::StrCat(S(source), ":", line_number,
                                                       ": the first line must be the header \"",
                                                       S(kHeader), "\""));
      }
      header_seen = true;
      continue;
    }
    const std::vector<std::string_view> f = Split(line, ',');
    if (f.size() != 8) {
      return absl::InvalidArgumentError(absl::StrCat(S(source), ":", line_number, ": ", f.size(),
                                                     " fields; a rule has 8 (", S(kHeader), ")"));
    }
    LabelRule r;
    constexpr std::string_view kAddress = "an IPv4 address, a.b.c.d/n or *";
    constexpr std::string_view kPorts = "a port, low-high or *";
    if (!ParseBlock(f[0], &r.src)) return FieldError(source, line_number, "src", f[0], kAddress);
    if (!ParseBlock(f[1], &r.dst)) return FieldError(source, line_number, "dst", f[1], kAddress);
    if (!ParsePorts(f[2], &r.src_port)) {
      return FieldError(source, line_number, "src_port", f[2], kPorts);
    }
    if (!ParsePorts(f[3], &r.dst_port)) {
      return FieldError(source, line_number, "dst_port", f[3], kPorts);
    }
    if (!ParseProtocol(f[4], &r.protocol)) {
      return FieldError(source, line_number, "protocol", f[4], "0-255, tcp, udp or *");
    }
    if (!f[5].empty() && f[5] != "*" && !ParseTime(f[5], &r.start_us)) {
      return FieldError(source, line_number, "start", f[5],
                        "a time (2017-07-07T15:30:00Z, with Z or ±HH:MM, or epoch seconds)");
    }
    if (!f[6].empty() && f[6] != "*" && !ParseTime(f[6], &r.end_us)) {
      return FieldError(source, line_number, "end", f[6],
                        "a time (2017-07-07T15:30:00Z, with Z or ±HH:MM, or epoch seconds)");
    }
    if (f[7].empty() || f[7].find('"') != std::string_view::npos) {
      return FieldError(source, line_number, "label", f[7], "a non-empty text without quotes");
    }
    r.label = std::string(f[7]);
    rules.push_back(std::move(r));
  }
  if (!header_seen) {
    return absl::InvalidArgumentError(
        absl::StrCat(S(source), ": no rules (expected the header \"", S(kHeader), "\" and rules)"));
  }
  return rules;
}

absl::StatusOr<std::vector<LabelRule>> ReadLabelRules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the label rules ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseLabelRules(text.str(), path);
}

std::string_view MatchLabel(const std::vector<LabelRule>& rules, const IpAddress& src,
                            uint16_t src_port, const IpAddress& dst, uint16_t dst_port,
                            uint8_t protocol, int64_t start_us, std::string_view fallback) {
  for (const LabelRule& r : rules) {
    if (r.protocol >= 0 && r.protocol != protocol) continue;
    if (start_us < r.start_us || start_us >= r.end_us) continue;
    const bool forward = BlockMatches(r.src, src) && BlockMatches(r.dst, dst) &&
                         PortsMatch(r.src_port, src_port) && PortsMatch(r.dst_port, dst_port);
    const bool reverse = BlockMatches(r.src, dst) && BlockMatches(r.dst, src) &&
                         PortsMatch(r.src_port, dst_port) && PortsMatch(r.dst_port, src_port);
    if (forward || reverse) return r.label;
  }
  return fallback;
}

}  // namespace netflower
