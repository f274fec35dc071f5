// The CIC layouts' headers (docs/CIC.md, "Layouts"). The exact bytes are
// compared with the datasets' headers in tests/cic_test.sh; this checks the
// table's structure: counts, sizes, the duplicated and dropped columns.
#include "features/cic_columns.h"

#include <string>

#include "gtest/gtest.h"

namespace netflower {
namespace {

struct Expected {
  ColumnSet set;
  size_t columns;
  size_t bytes;  // header line with its "\n" (../shared/cic/README.md's table)
  const char* first;
  const char* last;
};

TEST(CicColumnsTest, EveryLayoutHasTheDatasetsColumnCountAndSize) {
  const Expected expected[] = {
      {ColumnSet::kCicIds2017, 85, 1442, "Flow ID", " Label"},
      {ColumnSet::kCicIds2017Ml, 79, 1373, " Destination Port", " Label"},
      {ColumnSet::kCseCicIds2018, 80, 1086, "Dst Port", "Label"},
      {ColumnSet::kCicflowmeterV4, 84, 1117, "Flow ID", "Label"},
      {ColumnSet::kCicflowmeter, 84, 1310, "Flow ID", "Label"},
  };
  for (const Expected& e : expected) {
    SCOPED_TRACE(std::string(ColumnSetName(e.set)));
    const std::vector<CicColumn>& columns = CicLayoutColumns(e.set);
    ASSERT_EQ(columns.size(), e.columns);
    EXPECT_EQ(columns.front().name, e.first);
    EXPECT_EQ(columns.back().name, e.last);
    EXPECT_EQ(CicHeader(e.set).size() + 1, e.bytes);
  }
}

TEST(CicColumnsTest, The2017LayoutsRepeatTheForwardHeaderLength) {
  for (ColumnSet set : {ColumnSet::kCicIds2017, ColumnSet::kCicIds2017Ml}) {
    int seen = 0;
    for (const CicColumn& c : CicLayoutColumns(set)) {
      if (c.field == CicField::k_fwd_header_len) {
        EXPECT_EQ(c.name, " Fwd Header Length");
        ++seen;
      }
    }
    EXPECT_EQ(seen, 2);
  }
  // Columns 41 and 62 (1-based) of TrafficLabelling.
  const std::vector<CicColumn>& c = CicLayoutColumns(ColumnSet::kCicIds2017);
  EXPECT_EQ(c[40].field, CicField::k_fwd_header_len);
  EXPECT_EQ(c[61].field, CicField::k_fwd_header_len);
  EXPECT_EQ(c[55].name, " CWE Flag Count");  // sic
}

TEST(CicColumnsTest, MasterNamesAreCopiedUncorrected) {
  const std::string header(CicHeader(ColumnSet::kCicflowmeter));
  EXPECT_NE(header.find(",Total Bwd packets,"), std::string::npos);
  EXPECT_NE(header.find(",FWD Init Win Bytes,"), std::string::npos);
  EXPECT_NE(header.find(",CWR Flag Count,"), std::string::npos);
  EXPECT_EQ(CicHeader(ColumnSet::kCicflowmeterV4).find("CWR"), std::string::npos);
}

TEST(CicColumnsTest, The2018FilesAreTheV4HeaderWithoutItsFirstFourNames) {
  const std::string v4(CicHeader(ColumnSet::kCicflowmeterV4));
  const std::string prefix = "Flow ID,Src IP,Src Port,Dst IP,";
  ASSERT_EQ(v4.substr(0, prefix.size()), prefix);
  EXPECT_EQ(v4.substr(prefix.size()), CicHeader(ColumnSet::kCseCicIds2018));
}

TEST(CicColumnsTest, NamesParseAndDefaultLabelsAreTheTools) {
  for (size_t i = 0; i < static_cast<size_t>(ColumnSet::kCount); ++i) {
    const ColumnSet set = static_cast<ColumnSet>(i);
    EXPECT_EQ(ParseColumnSet(ColumnSetName(set)), set);
  }
  EXPECT_FALSE(ParseColumnSet("cic-ids2019").has_value());
  EXPECT_EQ(DefaultCicLabel(ColumnSet::kCicIds2017), "BENIGN");
  EXPECT_EQ(DefaultCicLabel(ColumnSet::kCicflowmeterV4), "No Label");
  EXPECT_EQ(DefaultCicLabel(ColumnSet::kCicflowmeter), "NeedManualLabel");
}

IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.family = 4;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

std::string FlowId(const IpAddress& s, uint16_t sp, const IpAddress& d, uint16_t dp, uint8_t p,
                   bool canonical = true) {
  char out[kMaxCicFlowIdChars];
  return std::string(out, FormatCicFlowId(s, sp, d, dp, p, canonical, out));
}

TEST(CicColumnsTest, FlowIdOrdersAddressesAsSignedBytes) {
  // The CIC-IDS2017 Friday DDoS file's first row: the packet came from
  // 104.16.207.165:443, yet 192.x (byte -64) goes first.
  EXPECT_EQ(FlowId(V4(104, 16, 207, 165), 443, V4(192, 168, 10, 5), 54865, 6),
            "192.168.10.5-104.16.207.165-54865-443-6");
  EXPECT_EQ(FlowId(V4(192, 168, 10, 5), 54865, V4(104, 16, 207, 165), 443, 6),
            "192.168.10.5-104.16.207.165-54865-443-6");
  // Unsigned order where the first differing byte is below 128.
  EXPECT_EQ(FlowId(V4(10, 0, 0, 2), 80, V4(10, 0, 0, 1), 4000, 17), "10.0.0.1-10.0.0.2-4000-80-17");
  // Equal addresses: the source first, so the two directions differ.
  EXPECT_EQ(FlowId(V4(127, 0, 0, 1), 5000, V4(127, 0, 0, 1), 80, 6),
            "127.0.0.1-127.0.0.1-5000-80-6");
  EXPECT_EQ(FlowId(V4(127, 0, 0, 1), 80, V4(127, 0, 0, 1), 5000, 6),
            "127.0.0.1-127.0.0.1-80-5000-6");
  // Master: the flow's source first, always.
  EXPECT_EQ(FlowId(V4(104, 16, 207, 165), 443, V4(192, 168, 10, 5), 54865, 6, false),
            "104.16.207.165-192.168.10.5-443-54865-6");
}

}  // namespace
}  // namespace netflower
