// Java's number text and CICFlowMeter's timestamp (docs/CIC.md, "Numbers",
// "Timestamp"); the expected strings are Java's own (values seen in
// CICFlowMeter's output or the JDK's documentation).
#include "io/cic_format.h"

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace netflower {
namespace {

TEST(JavaDoubleTest, PlainBetweenOneThousandthAndTenMillion) {
  EXPECT_EQ(JavaDouble(714.0), "714.0");
  EXPECT_EQ(JavaDouble(0.0), "0.0");
  EXPECT_EQ(JavaDouble(-0.0), "-0.0");
  EXPECT_EQ(JavaDouble(3.7187499999999996), "3.7187499999999996");
  EXPECT_EQ(JavaDouble(110972.95227898343), "110972.95227898343");
  EXPECT_EQ(JavaDouble(4393494.0), "4393494.0");
  EXPECT_EQ(JavaDouble(0.001), "0.001");
  EXPECT_EQ(JavaDouble(9999999.0), "9999999.0");
  EXPECT_EQ(JavaDouble(0.5), "0.5");
  EXPECT_EQ(JavaDouble(-12.25), "-12.25");
}

TEST(JavaDoubleTest, ScientificOutsideThatRange) {
  EXPECT_EQ(JavaDouble(4.4964004E7), "4.4964004E7");
  EXPECT_EQ(JavaDouble(1e7), "1.0E7");
  EXPECT_EQ(JavaDouble(1.2e7), "1.2E7");
  EXPECT_EQ(JavaDouble(1600441126433346.0), "1.600441126433346E15");
  EXPECT_EQ(JavaDouble(1e-4), "1.0E-4");
  EXPECT_EQ(JavaDouble(9.99e-4), "9.99E-4");
  EXPECT_EQ(JavaDouble(-2.5e20), "-2.5E20");
  EXPECT_EQ(JavaDouble(std::numeric_limits<double>::max()), "1.7976931348623157E308");
  EXPECT_EQ(JavaDouble(4.9e-324), "4.9E-324");  // shortest would be 5E-324
  EXPECT_EQ(JavaDouble(1e23), "1.0E23");
  EXPECT_EQ(JavaDouble(2e-5), "2.0E-5");
}

TEST(JavaDoubleTest, NotANumberAndInfinities) {
  EXPECT_EQ(JavaDouble(std::nan("")), "NaN");
  EXPECT_EQ(JavaDouble(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(JavaDouble(-std::numeric_limits<double>::infinity()), "-Infinity");
}

class CicTimestampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    if (tz != nullptr) saved_ = tz;
    had_ = tz != nullptr;
    setenv("TZ", "America/Halifax", 1);
    tzset();
  }
  void TearDown() override {
    if (had_) {
      setenv("TZ", saved_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  std::string saved_;
  bool had_ = false;
};

TEST_F(CicTimestampTest, TwelveHourClockInLocalTime) {
  // 2015-03-31 11:32:22.x UTC is 08:32:22 in Halifax (UTC-3, daylight time):
  // the first row of CICFlowMeter's output for its test capture.
  CicRowFormatter v4(ColumnSet::kCicflowmeterV4, OutputFormat::kCsv, "x");
  EXPECT_EQ(v4.Timestamp(1427801542123456), "31/03/2015 08:32:22");
  // 15:30 prints as 03:30 without a marker in the dataset layouts; master
  // adds it.
  EXPECT_EQ(v4.Timestamp(1427826600000000), "31/03/2015 03:30:00");
  CicRowFormatter master(ColumnSet::kCicflowmeter, OutputFormat::kCsv, "x");
  EXPECT_EQ(master.Timestamp(1427826600000000), "31/03/2015 03:30:00 PM");
  // Midnight is 12 on a 12-hour clock.
  EXPECT_EQ(master.Timestamp(1427770800000000), "31/03/2015 12:00:00 AM");
}

CicRecord SmallRecord() {
  CicRecord r;
  r.src_ip.family = r.dst_ip.family = 4;
  r.src_ip.bytes[0] = 104;
  r.dst_ip.bytes[0] = 192;
  r.src_port = 443;
  r.dst_port = 54865;
  r.protocol = 6;
  r.timestamp = 0;
  r.flow_byts_s = std::numeric_limits<double>::infinity();
  r.flow_pkts_s = std::nan("");
  r.fwd_pkt_len_max = CicStat{true, 6.0};
  r.bwd_pkt_len_max = CicStat{false, 0.0};
  r.fwd_header_len = 40;
  return r;
}

std::string Row(ColumnSet set, OutputFormat format, const CicRecord& r) {
  CicRowFormatter f(set, format, "BENIGN");
  char out[kMaxCsvRowBytes];
  return std::string(out, f.Format(r, out));
}

TEST(CicRowTest, CsvWritesJavasTextAndZeroForAStatisticWithoutValues) {
  const std::string row = Row(ColumnSet::kCicflowmeterV4, OutputFormat::kCsv, SmallRecord());
  EXPECT_EQ(row.substr(0, row.find(',')), "192.0.0.0-104.0.0.0-54865-443-6");
  EXPECT_NE(row.find(",Infinity,NaN,"), std::string::npos);
  EXPECT_NE(row.find(",6.0,"), std::string::npos);
  EXPECT_EQ(row.back(), '\n');
  EXPECT_EQ(row.substr(row.size() - 8), ",BENIGN\n");
  size_t commas = 0;
  for (char c : row) commas += c == ',';
  EXPECT_EQ(commas, 83u);
}

TEST(CicRowTest, JsonUsesTheLayoutsNamesNullForNonFiniteAndRenamesTheDuplicate) {
  const std::string row = Row(ColumnSet::kCicIds2017, OutputFormat::kJsonl, SmallRecord());
  EXPECT_EQ(row.rfind("{\"Flow ID\":\"192.0.0.0-104.0.0.0-54865-443-6\",", 0), 0u);
  EXPECT_NE(row.find("\"Flow Bytes/s\":null,\" Flow Packets/s\":null,"), std::string::npos);
  EXPECT_NE(row.find("\" Fwd Header Length\":40,"), std::string::npos);
  EXPECT_NE(row.find("\" Fwd Header Length.1\":40,"), std::string::npos);
  EXPECT_NE(row.find("\"Bwd Packet Length Max\":0,"), std::string::npos);
  EXPECT_EQ(row.substr(row.size() - 20), ",\" Label\":\"BENIGN\"}\n");
}

// Issue 23, items 1 and 3: a label is quoted as RFC 4180 says in CSV and
// escaped in JSON, by rule as well as for the run; the longest label of
// the worst characters still fits the row buffer (checked by ASan here).
TEST(CicRowTest, Item3LabelsAreQuotedInCsvAndEscapedInJson) {
  CicRecord r = SmallRecord();
  LabelRule rule;
  rule.src_port = {443, 443};
  rule.label = "say \"hi\", \\ there";
  CicRowFormatter csv(ColumnSet::kCicIds2017, OutputFormat::kCsv, "a,b", {rule});
  CicRowFormatter json(ColumnSet::kCicIds2017, OutputFormat::kJsonl, "a,b", {rule});
  char out[kMaxCsvRowBytes];
  std::string row(out, csv.Format(r, out));
  EXPECT_TRUE(absl::EndsWith(row, ",\"say \"\"hi\"\", \\ there\"\n")) << row;
  row.assign(out, json.Format(r, out));
  EXPECT_TRUE(absl::EndsWith(row, ",\" Label\":\"say \\\"hi\\\", \\\\ there\"}\n")) << row;
  r.src_port = 1;  // no rule: the run's label
  r.dst_port = 2;
  row.assign(out, csv.Format(r, out));
  EXPECT_TRUE(absl::EndsWith(row, ",\"a,b\"\n")) << row;
  row.assign(out, json.Format(r, out));
  EXPECT_TRUE(absl::EndsWith(row, ",\" Label\":\"a,b\"}\n")) << row;
}

TEST(CicRowTest, Item1TheLongestLabelOfQuotesFitsEveryLayout) {
  const std::string quotes(kMaxLabelBytes, '"');
  ASSERT_TRUE(CheckLabel(quotes).ok());
  for (ColumnSet set : {ColumnSet::kCicIds2017, ColumnSet::kCicIds2017Ml, ColumnSet::kCseCicIds2018,
                        ColumnSet::kCicflowmeterV4, ColumnSet::kCicflowmeter}) {
    for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl}) {
      CicRecord r = SmallRecord();
      r.src_ip.bytes[1] = r.src_ip.bytes[2] = r.src_ip.bytes[3] = 255;
      r.flow_duration = std::numeric_limits<int64_t>::min();
      CicRowFormatter f(set, format, quotes);
      std::vector<char> out(kMaxCsvRowBytes);  // exactly the bound: ASan sees any overrun
      const size_t n = f.Format(r, out.data());
      EXPECT_LE(n, kMaxCsvRowBytes);
      std::string escaped;  // "" for each quote in CSV, \" in JSON
      for (size_t i = 0; i < kMaxLabelBytes; ++i) {
        escaped += format == OutputFormat::kCsv ? "\"\"" : "\\\"";
      }
      const std::string end = format == OutputFormat::kCsv ? "\"\n" : "\"}\n";
      EXPECT_TRUE(absl::EndsWith(std::string(out.data(), n), absl::StrCat("\"", escaped, end)));
    }
  }
}

}  // namespace
}  // namespace netflower
