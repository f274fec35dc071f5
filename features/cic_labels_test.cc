// Label rules (features/cic_labels.h; docs/CIC.md, "Labels").
#include "features/cic_labels.h"

#include <cstdlib>
#include <fstream>
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

std::string Error(const std::string& rule) {
  return std::string(ParseLabelRules(kHeader + rule + "\n", "r.csv").status().message());
}

// Issue 23, item 4: every time the windows take is refused with file, line
// and field unless it names one instant unambiguously.
TEST(CicLabelsTest, Item4TimesThatAreNotOneInstantAreRefused) {
  for (const char* bad : {"10000000000000",
                          "18446744073709551616",
                          "1e30",
                          "0x10",
                          "1e9",
                          "5.",
                          ".5",
                          "-5",
                          "1499441400.1234567",
                          "253402300800",
                          "2017-07-07T15:30:00",
                          "2017-07-07T15:30:00+99:99",
                          "2017-07-07T15:30:00+24:59",
                          "2017-07-07T15:30:00+05:60",
                          "2026-02-29T00:00:00Z",
                          "2026-02-31T00:00:00Z",
                          "2026-04-31T00:00:00Z",
                          "0000-01-01T00:00:00Z",
                          "1969-12-31T23:59:59Z",
                          "2017-07-07T15:30:60Z",
                          "2017-07-07T24:00:00Z",
                          "2017-07-07T15:30:00.Z",
                          "2017-07-07T15:30:00.1234567Z",
                          "2017-07-07t15:30:00Z",
                          "2017-7-7T15:30:00Z",
                          "2017-07-07T15:30:00Zjunk",
                          " 1499441400"}) {
    const std::string e = Error(std::string("*,*,*,*,*,") + bad + ",,x");
    EXPECT_EQ(e.rfind("r.csv:2: start \"", 0), 0u) << bad << ": " << e;
    EXPECT_NE(e.find("is not a time"), std::string::npos) << bad << ": " << e;
  }
  // Leap days that exist, offsets at their bounds, 6 fractional digits.
  const auto rules = Parse(
      "*,*,*,*,*,2024-02-29T00:00:00Z,2024-03-01T00:00:00+23:59,a\n"
      "*,*,*,*,*,2017-07-07T12:30:00.000001-03:00,1499441400.000002,b\n"
      "*,*,*,*,*,0,253402300799,c\n");
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[0].start_us, int64_t{1709164800} * 1000000);
  EXPECT_EQ(rules[0].end_us, (int64_t{1709251200} - 23 * 3600 - 59 * 60) * 1000000);
  EXPECT_EQ(rules[1].start_us, k1530 + 1);
  EXPECT_EQ(rules[1].end_us, k1530 + 2);
  EXPECT_EQ(rules[2].end_us, int64_t{253402300799} * 1000000);
}

TEST(CicLabelsTest, Item4AnEmptyWindowIsRefused) {
  EXPECT_EQ(Error("*,*,*,*,*,1499441460,1499441400,x"),
            "r.csv:2: start \"1499441460\" is not before end \"1499441400\": the window matches "
            "no flow");
  EXPECT_NE(Error("*,*,*,*,*,1499441400,2017-07-07T15:30:00Z,x").find("is not before end"),
            std::string::npos);
}

TEST(CicLabelsTest, Item4AddressesWithLeadingZerosAreRefused) {
  for (const char* bad : {"0177.0.0.1", "10.0.0.01", "10.0.0.0/08", "1.2.3", "1.2.3.4.5",
                          "256.0.0.1", "1.2.3.4/33", "::1"}) {
    const std::string e = Error(std::string(bad) + ",*,*,*,*,,,x");
    EXPECT_EQ(e.rfind("r.csv:2: src \"", 0), 0u) << bad << ": " << e;
  }
  EXPECT_EQ(Parse("0.0.0.0/0,10.0.0.0/8,*,*,*,,,x\n").size(), 1u);
}

// Issue 23, items 3 and 4: one rule for labels (CheckLabel), quoted fields
// as RFC 4180 has them.
TEST(CicLabelsTest, Item3LabelsFollowOneRule) {
  EXPECT_TRUE(CheckLabel("BENIGN").ok());
  EXPECT_TRUE(CheckLabel("Web Attack \xE2\x80\x93 Brute Force").ok());  // an en dash
  EXPECT_TRUE(CheckLabel("a,b \"quoted\" \\ ok").ok());
  EXPECT_TRUE(CheckLabel(std::string(kMaxLabelBytes, 'A')).ok());
  EXPECT_FALSE(CheckLabel(std::string(kMaxLabelBytes + 1, 'A')).ok());
  EXPECT_FALSE(CheckLabel("").ok());
  EXPECT_FALSE(CheckLabel("   ").ok());
  for (const char* bad : {"x\ny", "x\ry", "x\ty", "x\x7fy", "\xC2\x85", "\xE2\x80", "\xFF",
                          "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
    EXPECT_FALSE(CheckLabel(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckLabel(std::string("x\0y", 3)).ok());
  EXPECT_EQ(CheckLabel("a\x01").message(),
            "a control character U+0001 at byte 1 (no line breaks, tabs or NULs in a label)");

  const auto rules = Parse("*,*,*,*,*,,,\"Web Attack, XSS\"\n*,*,*,*,*,,,\"say \"\"hi\"\"\"\n");
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].label, "Web Attack, XSS");
  EXPECT_EQ(rules[1].label, "say \"hi\"");
  EXPECT_EQ(Error("*,*,*,*,*,,,\"open"),
            "r.csv:2: a quote out of place (quote a whole field, \"a,b\"; \"\" inside it is one "
            "quote)");
  EXPECT_NE(Error("*,*,*,*,*,,,a\"b").find("a quote out of place"), std::string::npos);
  EXPECT_EQ(Error("*,*,*,*,*,,,   "), "r.csv:2: label \"   \": a label of spaces only");
  EXPECT_EQ(Error(std::string("*,*,*,*,*,,,a\0b", 15)),
            "r.csv:2: label \"a\\x00b\": a control character U+0000 at byte 1 (no line breaks, "
            "tabs or NULs in a label)");
  EXPECT_EQ(Error("*,*,*,*,*,,,a\rb"),
            "r.csv:2: label \"a\\x0db\": a control character U+000D at byte 1 (no line breaks, "
            "tabs or NULs in a label)");
  EXPECT_NE(Error("*,*,*,*,*,,," + std::string(300, 'A')).find("a label of 300 bytes; at most 256"),
            std::string::npos);
}

// Issue 23, item 2: the rules file is bounded and named when it is wrong.
TEST(CicLabelsTest, Item2RulesFilesAreBoundedAndNamed) {
  auto message = [](const std::string& path) {
    return std::string(ReadLabelRules(path).status().message());
  };
  EXPECT_EQ(message("/dev/zero"),
            "/dev/zero:1: the line is longer than 4096 bytes: not a label rules file (CSV with the "
            "header \"src,dst,src_port,dst_port,protocol,start,end,label\")");
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  EXPECT_EQ(message(dir), "the label rules " + dir + " is a directory; name a rules file");
  EXPECT_EQ(ReadLabelRules(dir + "/missing.csv").status().code(), absl::StatusCode::kNotFound);
  // Many short lines, more than the size bound in all.
  const std::string big = dir + "/big.csv";
  {
    std::ofstream out(big);
    out << kHeader;
    const std::string line = "# " + std::string(1000, 'x') + "\n";
    for (size_t n = 0; n <= kMaxLabelRulesBytes / line.size(); ++n) out << line;
  }
  EXPECT_EQ(message(big), big + ": larger than 16 MiB: too large for a label rules file");
}

}  // namespace
}  // namespace netflower
