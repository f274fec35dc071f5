// Label rules (features/cic_labels.h; docs/CIC.md, "Labels").
#include "features/cic_labels.h"

#include <string>

#include "gtest/gtest.h"

namespace netflower {
namespace {

constexpr char kHeader[] = "src,dst,src_port,dst_port,protocol,start,end,label\n";

IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.family = 4;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

std::vector<LabelRule> Parse(const std::string& rules) {
  absl::StatusOr<std::vector<LabelRule>> r = ParseLabelRules(kHeader + rules, "rules.csv");
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::vector<LabelRule>{};
}

// 2017-07-07 15:30:00 UTC in µs.
constexpr int64_t k1530 = int64_t{1499441400} * 1000000;

TEST(CicLabelsTest, FirstMatchWinsInEitherDirection) {
  const auto rules = Parse(
      "192.168.10.50,205.174.165.73,*,8080,tcp,,,Bot\n"
      "192.168.10.0/24,*,*,*,*,*,*,Internal\n");
  const IpAddress victim = V4(192, 168, 10, 50), c2 = V4(205, 174, 165, 73);
  EXPECT_EQ(MatchLabel(rules, victim, 50000, c2, 8080, 6, k1530, "BENIGN"), "Bot");
  // The reply direction (the flow's source is the server) matches too.
  EXPECT_EQ(MatchLabel(rules, c2, 8080, victim, 50000, 6, k1530, "BENIGN"), "Bot");
  // Another port: the second rule.
  EXPECT_EQ(MatchLabel(rules, victim, 50000, c2, 443, 6, k1530, "BENIGN"), "Internal");
  EXPECT_EQ(MatchLabel(rules, V4(10, 0, 0, 1), 1, c2, 80, 6, k1530, "BENIGN"), "BENIGN");
  // UDP is not tcp.
  EXPECT_EQ(MatchLabel(rules, victim, 50000, c2, 8080, 17, k1530, "BENIGN"), "Internal");
}

TEST(CicLabelsTest, TimeWindowsTakeOffsetsAndEpochSeconds) {
  const auto rules = Parse(
      "*,*,*,*,*,2017-07-07T12:30:00-03:00,2017-07-07T15:31:00Z,DDoS\n"
      "*,*,*,*,*,1499441460,,Later\n");
  const IpAddress a = V4(1, 2, 3, 4), b = V4(5, 6, 7, 8);
  EXPECT_EQ(MatchLabel(rules, a, 1, b, 2, 6, k1530, "x"), "DDoS");              // at start
  EXPECT_EQ(MatchLabel(rules, a, 1, b, 2, 6, k1530 - 1, "x"), "x");             // before
  EXPECT_EQ(MatchLabel(rules, a, 1, b, 2, 6, k1530 + 60000000, "x"), "Later");  // end is open
}

TEST(CicLabelsTest, ErrorsNameTheLineAndTheField) {
  auto error = [](const std::string& text) {
    return std::string(ParseLabelRules(text, "r.csv").status().message());
  };
  EXPECT_EQ(error("src,dst\n"),
            "r.csv:1: the first line must be the header "
            "\"src,dst,src_port,dst_port,protocol,start,end,label\"");
  EXPECT_EQ(error(std::string(kHeader) + "# a comment\n1.2.3.4,*,70000,*,*,,,x\n"),
            "r.csv:3: src_port \"70000\" is not a port, low-high or *");
  EXPECT_EQ(error(std::string(kHeader) + "*,*,*,*,*,yesterday,,x\n").substr(0, 26),
            "r.csv:2: start \"yesterday\"");
  EXPECT_EQ(error(std::string(kHeader) + "*,*,*,*\n"),
            "r.csv:2: 4 fields; a rule has 8 (src,dst,src_port,dst_port,protocol,start,end,label)");
  EXPECT_FALSE(ParseLabelRules("", "r.csv").ok());
}

}  // namespace
}  // namespace netflower
