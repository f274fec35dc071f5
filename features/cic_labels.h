// Labelling CIC flows by rules (--labels FILE; docs/CIC.md, "Labels"), the
// way dataset builders label CICFlowMeter's output: a flow gets the label of
// the first rule that matches it, else the run's label.
//
// A rules file is CSV with this header line and one rule per line:
//
//   src,dst,src_port,dst_port,protocol,start,end,label
//   192.168.10.50,205.174.165.73,*,8080,6,2017-07-07T15:30:00-03:00,,Bot
//
// - src, dst: an IPv4 address, a CIDR block (10.0.0.0/8) or * (any).
// - src_port, dst_port: a port, a range (1024-65535) or *.
// - protocol: a number (6, 17, 0 for CICFlowMeter's other-protocol flows) or
//   *; tcp and udp are accepted too.
// - start, end: the flow's first packet must be at or after start and
//   before end; empty or * leaves that side open. ISO 8601 date and time,
//   with Z or a ±HH:MM offset (no offset: UTC), or seconds since the epoch.
// - label: the text (no comma, quote or line break).
// A rule matches a flow in either direction: src/src_port against the
// flow's source and dst/dst_port against its destination, or the other way
// round, so one rule covers a conversation's flows whichever side opened
// them. Blank lines and lines starting with # are ignored.
#ifndef NETFLOWER_FEATURES_CIC_LABELS_H_
#define NETFLOWER_FEATURES_CIC_LABELS_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "capture/ip_address.h"

namespace netflower {

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

// Parses a rules file's text. Errors name `source`, the line, the field and
// what is expected there.
absl::StatusOr<std::vector<LabelRule>> ParseLabelRules(std::string_view text,
                                                       std::string_view source);

// Reads and parses the rules file at `path`.
absl::StatusOr<std::vector<LabelRule>> ReadLabelRules(const std::string& path);

// The label of the first rule matching the flow, or `fallback`.
std::string_view MatchLabel(const std::vector<LabelRule>& rules, const IpAddress& src,
                            uint16_t src_port, const IpAddress& dst, uint16_t dst_port,
                            uint8_t protocol, int64_t start_us, std::string_view fallback);

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_CIC_LABELS_H_
