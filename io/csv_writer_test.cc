#include "io/csv_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>

#include "io/csv_format.h"
#include "io/output_file.h"
#include "tests/testing/capture_builder.h"

namespace netflower {
namespace {

FlowRecord Row(int port) {
  FlowRecord r;
  const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
  r.src_ip = IpAddress::V4(a);
  r.dst_ip = IpAddress::V4(b);
  r.src_port = port;
  r.dst_port = 53;
  r.protocol = 17;
  r.timestamp = 1.5;
  r.init_fwd_win_byts = -1;
  return r;
}

TEST(CsvFormat, HeaderIsTheSchema) {
  const std::string_view header = CsvHeader();
  EXPECT_EQ(header.substr(0, 41), "src_ip,dst_ip,src_port,dst_port,protocol,");
  EXPECT_EQ(header.substr(header.size() - 33), "idle_mean,idle_std,cwr_flag_count");
  EXPECT_EQ(std::count(header.begin(), header.end(), ','), 81);
  EXPECT_EQ(header.find(' '), std::string_view::npos);
}

TEST(CsvFormat, IntOrZeroAndIpv6) {
  FlowRecord r = Row(1);
  r.fwd_pkt_len_max = IntOrZero{true, 1500};
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 1;
  r.src_ip = IpAddress::V6(v6);
  const std::string row = CsvRow(r, false);
  EXPECT_EQ(row.substr(0, 14), "2001:db8::1,10");
  EXPECT_NE(row.find(",1500,0.0,"), std::string::npos);  // fwd max int, fwd min 0.0
  EXPECT_EQ(row.back(), '\n');
  EXPECT_EQ(CsvRow(r, true).substr(row.size() - 1), "\r\n");
}

std::string WriteRows(int rows, CsvDialect dialect, size_t buffer_rows) {
  const std::string path = testing::TempPath("out.csv");
  auto out = OutputFile::Create(path);
  EXPECT_TRUE(out.ok());
  CsvWriter w(out->get(), dialect, buffer_rows);
  for (int i = 0; i < rows; ++i) w.Add(Row(i));
  EXPECT_TRUE(w.Finish().ok());
  EXPECT_TRUE((*out)->Commit().ok());
  return testing::ReadFile(path);
}

TEST(CsvWriter, PythonDialectNoRowsIsAnEmptyFile) {
  EXPECT_EQ(WriteRows(0, CsvDialect{true, false}, 500), "");
}

TEST(CsvWriter, DefaultDialectAlwaysHasTheHeader) {
  EXPECT_EQ(WriteRows(0, CsvDialect{false, true}, 500), std::string(CsvHeader()) + "\n");
}

TEST(CsvWriter, BufferRowsDoNotChangeTheContent) {
  const std::string a = WriteRows(1234, CsvDialect{true, false}, 1);
  EXPECT_EQ(a, WriteRows(1234, CsvDialect{true, false}, 500));
  EXPECT_EQ(a, WriteRows(1234, CsvDialect{true, false}, 100000));
  EXPECT_EQ(a.substr(0, CsvHeader().size() + 2), std::string(CsvHeader()) + "\r\n");
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 1235);
}

TEST(OutputFile, NothingUnderTheFinalNameUntilCommit) {
  const std::string path = testing::TempPath("atomic.csv");
  auto out = OutputFile::Create(path);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE((*out)->Write("abc", 3).ok());
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0);
  ASSERT_TRUE((*out)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), "abc");
}

TEST(OutputFile, AbortLeavesNothing) {
  const std::string path = testing::TempPath("aborted.csv");
  {
    auto out = OutputFile::Create(path);
    ASSERT_TRUE(out.ok());
    ASSERT_TRUE((*out)->Write("abc", 3).ok());
  }  // destroyed without Commit
  struct stat st;
  EXPECT_NE(::stat(path.c_str(), &st), 0);
}

TEST(OutputFile, ErrorsNameThePath) {
  auto dir = OutputFile::Create("/");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);
  auto missing = OutputFile::Create("/nonexistent-dir-for-netflower/x.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent-dir-for-netflower/x.csv"),
            std::string::npos);
}

TEST(OutputFile, DiskFullIsAClearError) {
  // /dev/full fails every write with ENOSPC.
  auto out = OutputFile::Create("/dev/full");
  ASSERT_TRUE(out.ok());
  const absl::Status s = (*out)->Write("abc", 3);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("/dev/full"), std::string::npos);
}

}  // namespace
}  // namespace netflower
