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

#include "netflower/flow_record.h"
#include "netflower/options.h"

namespace netflower {

// LabelRule, CheckLabel, CheckLabelRules, ParseLabelRules, ReadLabelRules
// and the bounds are public (netflower/options.h); matching is the
// formatter's.

// The index of the first rule matching the flow, or -1.
int MatchRule(const std::vector<LabelRule>& rules, const IpAddress& src, uint16_t src_port,
              const IpAddress& dst, uint16_t dst_port, uint8_t protocol, int64_t start_us);

// The label of the first rule matching the flow, or `fallback`.
std::string_view MatchLabel(const std::vector<LabelRule>& rules, const IpAddress& src,
                            uint16_t src_port, const IpAddress& dst, uint16_t dst_port,
                            uint8_t protocol, int64_t start_us, std::string_view fallback);

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_CIC_LABELS_H_
