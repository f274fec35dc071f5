// Labelling CIC flows by rules (--labels FILE; docs/CIC.md, "Labels"), the
// way dataset builders label CICFlowMeter's output: a flow gets the label of
// the first rule that matches it, else the run's label.
//
// A rules file is CSV (RFC 4180: a field may be quoted, "" inside quotes is
// one quote) with this header line and one rule per line:
//
//   src,dst,src_port,dst_port,protocol,start,end,label
//   192.168.10.50,205.174.165.73,*,8080,6,2017-07-07T15:30:00-03:00,,Bot
//
// - src, dst: an IPv4 address (decimal octets without leading zeros: 0177.0.0.1
//   is refused, not read as 177 or 127), a CIDR block (10.0.0.0/8) or * (any).
// - src_port, dst_port: a port, a range (1024-65535) or *.
// - protocol: a number (6, 17, 0 for CICFlowMeter's other-protocol flows) or
//   *; tcp and udp are accepted too.
// - start, end: the flow's first packet must be at or after start and
//   before end; empty or * leaves that side open; start must be before end.
//   Either RFC 3339 date and time with a mandatory offset, Z or ±HH:MM
//   (2017-07-07T15:30:00Z, 2017-07-07T12:30:00.25-03:00; the CIC Timestamp
//   column is local time, so a time without an offset would be ambiguous), a
//   real calendar date in the years 1970-9999, seconds 00-59; or seconds
//   since the epoch, decimal digits with at most 6 after a point
//   (1499441400, 1499441400.5), up to 9999-12-31T23:59:59Z. At most 6
//   fractional digits either way: rules match to the microsecond.
// - label: any label CheckLabel accepts (quote it if it has a comma or a quote).
// A rule matches a flow in either direction: src/src_port against the
// flow's source and dst/dst_port against its destination, or the other way
// round, so one rule covers a conversation's flows whichever side opened
// them. Blank lines and lines starting with # are ignored.
//
// The file is bounded: at most kMaxLabelRulesBytes in all and
// kMaxLabelRuleLineBytes a line, so a wrong path (/dev/zero, a capture)
// fails at once instead of filling memory.
#ifndef NETFLOWER_FEATURES_CIC_LABELS_H_
#define NETFLOWER_FEATURES_CIC_LABELS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "capture/ip_address.h"

namespace netflower {

// The longest label, in bytes of UTF-8. The CIC datasets' labels are under
// 30 characters; the bound is what keeps a row's text within its fixed
// buffer (io/cic_format.cc checks the sum at compile time).
inline constexpr size_t kMaxLabelBytes = 256;
inline constexpr size_t kMaxLabelRulesBytes = size_t{16} << 20;
inline constexpr size_t kMaxLabelRuleLineBytes = 4096;

// The one rule for a label, wherever it comes from (--label, --labels, the
// library, Python): 1 to kMaxLabelBytes bytes of valid UTF-8, not only
// spaces, and no control character (U+0000-U+001F, U+007F-U+009F: a line
// break or a NUL would split or end the CSV row). Commas and quotes are
// allowed: the CSV writer quotes such a label as RFC 4180 says, and JSON
// escapes it. InvalidArgument names what is wrong (not the caller's name
// for the label: callers add it).
absl::Status CheckLabel(std::string_view label);

struct LabelRule {
  struct Block {  // an IPv4 CIDR block; prefix 0 matches every address
    uint32_t network = 0;
    int prefix = 0;
  };
  struct Ports {
    uint16_t low = 0, high = 65535;
  };
  Block src, dst;
  Ports src_port, dst_port;
  int protocol = -1;  // -1: any
  int64_t start_us = std::numeric_limits<int64_t>::min();
  int64_t end_us = std::numeric_limits<int64_t>::max();
  std::string label;
};

// What the library checks of rules it is given (ParseLabelRules' rules pass):
// each label passes CheckLabel, each window is non-empty (start < end).
absl::Status CheckLabelRules(const std::vector<LabelRule>& rules);

// Parses a rules file's text. Errors name `source`, the line, the field and
// what is expected there.
absl::StatusOr<std::vector<LabelRule>> ParseLabelRules(std::string_view text,
                                                       std::string_view source);

// Reads (within the bounds above) and parses the rules file at `path`.
// Errors name the path and the cause: NotFound, PermissionDenied,
// InvalidArgument (a directory, too large, a line too long, a bad rule).
absl::StatusOr<std::vector<LabelRule>> ReadLabelRules(const std::string& path);

// The index of the first rule matching the flow, or -1.
int MatchRule(const std::vector<LabelRule>& rules, const IpAddress& src, uint16_t src_port,
              const IpAddress& dst, uint16_t dst_port, uint8_t protocol, int64_t start_us);

// The label of the first rule matching the flow, or `fallback`.
std::string_view MatchLabel(const std::vector<LabelRule>& rules, const IpAddress& src,
                            uint16_t src_port, const IpAddress& dst, uint16_t dst_port,
                            uint8_t protocol, int64_t start_us, std::string_view fallback);

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_CIC_LABELS_H_
