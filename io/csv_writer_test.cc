#include "io/csv_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <liburing.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "io/chunk_writer.h"
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

// Whether this kernel (or emulator: qemu-user has no io_uring) lets us set up
// a ring. NETFLOWER_REQUIRE_IO_URING=1 (.bazelrc, native builds) turns "no"
// into a test failure, so native CI cannot quietly test only the fallback.
bool IoUringAvailable() {
  io_uring ring{};
  if (io_uring_queue_init(2, &ring, 0) != 0) return false;
  io_uring_queue_exit(&ring);
  return true;
}

std::vector<WriteMethod> MethodsHere() {
  if (IoUringAvailable()) return {WriteMethod::kIoUring, WriteMethod::kSyscall};
  return {WriteMethod::kSyscall};
}

constexpr ExtraColumns kTunnel{.tunnel = true, .export_reason = false};

// The netflower-tunnel column set (docs/COLUMNS.md): the 82, then the tunnel.
TEST(CsvFormat, TunnelColumnsFollowThe82) {
  EXPECT_EQ(CsvHeader(kTunnel), std::string(CsvHeader()) + ",tunnel_type,tunnel_id");
  FlowRecord r = Row(1);
  const std::string plain = CsvRow(r, false);
  const std::string base = plain.substr(0, plain.size() - 1);  // without "\n"
  char buf[kMaxCsvRowBytes];
  auto csv = [&](const TunnelTag& t) {
    r.tunnel = t;
    return std::string(buf, FormatCsvRow(r, false, buf, kTunnel));
  };
  EXPECT_EQ(csv(TunnelTag{}), base + ",,\n");
  EXPECT_EQ(csv(TunnelTag{TunnelKind::kVxlan, true, 16777215}), base + ",vxlan,16777215\n");
  EXPECT_EQ(csv(TunnelTag{TunnelKind::kGre, true, 0}), base + ",gre,0\n");
  EXPECT_EQ(csv(TunnelTag{TunnelKind::kIpInIp, false, 0}), base + ",ipip,\n");
  r.tunnel = TunnelTag{TunnelKind::kGtpU, true, 4294967295u};
  EXPECT_EQ(std::string(buf, FormatCsvRow(r, true, buf, kTunnel)), base + ",gtpu,4294967295\r\n");
  EXPECT_EQ(CsvRow(r, false), plain);  // the 82 alone never carry it

  const std::string json = JsonRow(r);
  const std::string json_base = json.substr(0, json.size() - 2);  // without "}\n"
  r.tunnel = TunnelTag{TunnelKind::kGtpU, true, 4294967295u};
  EXPECT_EQ(std::string(buf, FormatJsonRow(r, buf, kTunnel)),
            json_base + ",\"tunnel_type\":\"gtpu\",\"tunnel_id\":4294967295}\n");
  r.tunnel = TunnelTag{};
  EXPECT_EQ(std::string(buf, FormatJsonRow(r, buf, kTunnel)),
            json_base + ",\"tunnel_type\":\"\",\"tunnel_id\":null}\n");
}

// export_reason (docs/COLUMNS.md) follows the 82 and the tunnel columns, in
// CSV and JSON Lines, with the names of kExportReasonNames.
TEST(CsvFormat, ExportReasonFollowsTheOtherColumns) {
  const ExtraColumns both{.tunnel = true, .export_reason = true};
  EXPECT_EQ(CsvHeader(both), std::string(CsvHeader()) + ",tunnel_type,tunnel_id,export_reason");
  EXPECT_EQ(CsvHeader({.tunnel = false, .export_reason = true}),
            std::string(CsvHeader()) + ",export_reason");
  FlowRecord r = Row(1);
  const std::string plain = CsvRow(r, false);
  const std::string base = plain.substr(0, plain.size() - 1);
  const std::string json = JsonRow(r);
  const std::string json_base = json.substr(0, json.size() - 2);
  char buf[kMaxCsvRowBytes];
  const std::pair<ExportReason, const char*> cases[] = {
      {ExportReason::kFin, "fin"},         {ExportReason::kRst, "rst"},
      {ExportReason::kIdle, "idle"},       {ExportReason::kActive, "active"},
      {ExportReason::kEvicted, "evicted"}, {ExportReason::kEnd, "end"},
      {ExportReason::kInterim, "interim"}};
  for (const auto& [reason, name] : cases) {
    r.export_reason = reason;
    EXPECT_EQ(
        std::string(buf, FormatCsvRow(r, false, buf, {.tunnel = false, .export_reason = true})),
        base + "," + name + "\n");
    EXPECT_EQ(std::string(buf, FormatCsvRow(r, false, buf, both)), base + ",,," + name + "\n");
    EXPECT_EQ(std::string(buf, FormatJsonRow(r, buf, {.tunnel = false, .export_reason = true})),
              json_base + ",\"export_reason\":\"" + name + "\"}\n");
  }
  EXPECT_EQ(CsvRow(r, false), plain);  // the 82 alone never carry it
}

// The SPLT columns (docs/COLUMNS.md): JSON arrays, quoted in CSV; between
// the tunnel columns and export_reason.
TEST(CsvFormat, SpltListsAreJsonArrays) {
  const ExtraColumns all{.tunnel = true, .export_reason = true, .splt = true};
  EXPECT_EQ(CsvHeader(all), std::string(CsvHeader()) +
                                ",tunnel_type,tunnel_id,splt_ip_len,splt_iat_us,splt_tcp_flags,"
                                "export_reason");
  FlowRecord r = Row(1);
  const std::string plain = CsvRow(r, false);
  const std::string base = plain.substr(0, plain.size() - 1);
  const std::string json = JsonRow(r);
  const std::string json_base = json.substr(0, json.size() - 2);
  char buf[kMaxCsvRowBytes];
  const ExtraColumns splt{.tunnel = false, .export_reason = false, .splt = true};
  EXPECT_EQ(std::string(buf, FormatCsvRow(r, false, buf, splt)), base + ",\"[]\",\"[]\",\"[]\"\n");
  r.splt = {{60, 2, 0}, {-60, 18, 1999}, {52, 16, -3500}};  // -3.5 us: time went backwards
  EXPECT_EQ(std::string(buf, FormatCsvRow(r, false, buf, splt)),
            base + ",\"[60,-60,52]\",\"[0,1,-3]\",\"[2,18,16]\"\n");
  EXPECT_EQ(
      std::string(buf, FormatJsonRow(r, buf, splt)),
      json_base +
          ",\"splt_ip_len\":[60,-60,52],\"splt_iat_us\":[0,1,-3],\"splt_tcp_flags\":[2,18,16]}\n");
  EXPECT_EQ(CsvRow(r, false), plain);  // the 82 alone never carry them
}

// The longest row there can be (every value at its widest, 255 packets of
// the widest SPLT values, all extra columns) fits kMaxCsvRowBytes: written
// into a buffer of exactly that size, ASan sees any overrun.
TEST(CsvFormat, TheWidestRowFitsTheBound) {
  FlowRecord r;
  r.src_ip = r.dst_ip =
      IpAddress::V6(std::array<uint8_t, 16>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}
                        .data());
  r.tunnel = TunnelTag{TunnelKind::kErspan, true, 4294967295u};
  r.export_reason = ExportReason::kEvicted;
  r.splt.assign(kMaxSpltPackets, SpltPacket{-65575, 511, INT64_MIN});
  r.flow_duration = r.timestamp = -1.2345678901234567e-300;
  const ExtraColumns all{.tunnel = true, .export_reason = true, .splt = true};
  std::vector<char> out(kMaxCsvRowBytes);
  EXPECT_LE(FormatJsonRow(r, out.data(), all), kMaxCsvRowBytes);
  EXPECT_LE(FormatCsvRow(r, true, out.data(), all), kMaxCsvRowBytes);
}

TEST(ChunkWriter, IoUringIsAvailableOrRefusedClearly) {
  const char* require = std::getenv("NETFLOWER_REQUIRE_IO_URING");
  if (require != nullptr && std::strcmp(require, "1") == 0) {
    EXPECT_TRUE(IoUringAvailable()) << "NETFLOWER_REQUIRE_IO_URING=1 but io_uring is unavailable";
  }
  auto w = MakeChunkWriter(STDERR_FILENO, "stderr", WriteMethod::kIoUring);
  if (IoUringAvailable()) {
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_STREQ((*w)->method(), "io_uring");
  } else {
    EXPECT_EQ(w.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_NE(w.status().message().find("io_uring unavailable"), std::string::npos);
  }
}

std::string WriteRows(int rows, CsvDialect dialect, size_t buffer_rows,
                      WriteMethod method = WriteMethod::kAuto) {
  const std::string path = testing::TempPath("out.csv");
  auto out = OutputFile::Create(path);
  EXPECT_TRUE(out.ok());
  auto chunks = MakeChunkWriter((*out)->fd(), path, method);
  EXPECT_TRUE(chunks.ok()) << chunks.status();
  CsvWriter w(chunks->get(), dialect, buffer_rows);
  for (int i = 0; i < rows; ++i) w.Add(Row(i));
  EXPECT_TRUE(w.Finish().ok());
  chunks->reset();
  EXPECT_TRUE((*out)->Commit().ok());
  return testing::ReadFile(path);
}

TEST(CsvWriter, PythonDialectNoRowsIsAnEmptyFile) {
  EXPECT_EQ(WriteRows(0, CsvDialect{true, false}, 500), "");
}

TEST(CsvWriter, DefaultDialectAlwaysHasTheHeader) {
  EXPECT_EQ(WriteRows(0, CsvDialect{false, true}, 500), std::string(CsvHeader()) + "\n");
}

TEST(CsvWriter, TunnelColumnSetWritesItsHeader) {
  CsvDialect dialect{false, true, OutputFormat::kCsv, ColumnSet::kNetflowerTunnel, kTunnel};
  char buf[kMaxCsvRowBytes];
  FlowRecord r = Row(1);
  r.tunnel = TunnelTag{TunnelKind::kErspan, true, 5};
  const std::string row(buf, FormatRow(r, dialect, buf));
  EXPECT_EQ(row.substr(row.size() - 10), ",erspan,5\n");
  EXPECT_EQ(WriteRows(0, dialect, 500), std::string(CsvHeader(kTunnel)) + "\n");
}

TEST(CsvWriter, BufferRowsAndWriteMethodDoNotChangeTheContent) {
  const std::string a = WriteRows(12345, CsvDialect{true, false}, 1, WriteMethod::kSyscall);
  for (WriteMethod method : MethodsHere()) {
    EXPECT_EQ(a, WriteRows(12345, CsvDialect{true, false}, 1, method));
    EXPECT_EQ(a, WriteRows(12345, CsvDialect{true, false}, 500, method));
    EXPECT_EQ(a, WriteRows(12345, CsvDialect{true, false}, 100000, method));
  }
  EXPECT_EQ(a, WriteRows(12345, CsvDialect{true, false}, 7, WriteMethod::kAuto));
  EXPECT_EQ(a.substr(0, CsvHeader().size() + 2), std::string(CsvHeader()) + "\r\n");
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 12346);
}

// Interim rows (Options::interim) are written but are not flows: rows() and
// rows_written() count the others only.
TEST(CsvWriter, UncountedRowsAreWrittenNotCounted) {
  const std::string path = testing::TempPath("interim.csv");
  auto out = OutputFile::Create(path);
  ASSERT_TRUE(out.ok());
  auto chunks = MakeChunkWriter((*out)->fd(), path, WriteMethod::kSyscall);
  ASSERT_TRUE(chunks.ok());
  CsvWriter w(chunks->get(), CsvDialect{false, true}, 2);
  w.AddRow("a\n");
  w.AddRow("b\n", false);
  w.AddRow("c\n");
  w.AddRow("d\n", false);
  ASSERT_TRUE(w.Finish().ok());
  EXPECT_EQ(w.rows(), 2u);
  EXPECT_EQ(w.rows_written(), 2u);
  chunks->reset();
  ASSERT_TRUE((*out)->Commit().ok());
  EXPECT_EQ(testing::ReadFile(path), std::string(CsvHeader()) + "\na\nb\nc\nd\n");
}

// A pipe gets one write in flight at a time, so order holds on a stream too.
TEST(ChunkWriter, OrderedOnAPipe) {
  for (WriteMethod method : MethodsHere()) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    std::string expected;
    std::string got;
    std::thread reader([&] {
      char buf[65536];
      ssize_t n;
      while ((n = read(fds[0], buf, sizeof(buf))) > 0) got.append(buf, n);
    });
    {
      auto w = MakeChunkWriter(fds[1], "pipe", method);
      ASSERT_TRUE(w.ok());
      for (int i = 0; i < 200; ++i) {
        std::string chunk(1000 + i * 997 % 70000, static_cast<char>('a' + i % 26));
        expected += chunk;
        ASSERT_TRUE((*w)->Write(std::move(chunk), {}).ok());
      }
      ASSERT_TRUE((*w)->Flush().ok());
      EXPECT_STREQ((*w)->method(), method == WriteMethod::kIoUring ? "io_uring" : "write(2)");
    }
    close(fds[1]);
    reader.join();
    close(fds[0]);
    EXPECT_EQ(got, expected);
  }
}

TEST(ChunkWriter, EnvironmentForcesTheFallback) {
  setenv("NETFLOWER_IO_URING", "0", 1);
  auto w = MakeChunkWriter(STDERR_FILENO, "stderr", WriteMethod::kAuto);
  unsetenv("NETFLOWER_IO_URING");
  ASSERT_TRUE(w.ok());
  EXPECT_STREQ((*w)->method(), "write(2)");
  auto u = MakeChunkWriter(STDERR_FILENO, "stderr", WriteMethod::kAuto);
  ASSERT_TRUE(u.ok());
  EXPECT_STREQ((*u)->method(), IoUringAvailable() ? "io_uring" : "write(2)");
}

// Where io_uring_setup is refused (seccomp, as in Docker's default profile;
// io_uring_disabled; qemu-user), kAuto falls back to write(2) and the output
// file stays intact. A failed ring set-up once closed fd 0 on its way out.
// The child process refuses io_uring_setup with a seccomp filter; qemu-user
// ignores seccomp, but there io_uring is missing anyway.
TEST(ChunkWriter, FallsBackWhereIoUringSetupIsRefused) {
  const bool available_before = IoUringAvailable();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (fcntl(STDIN_FILENO, F_GETFD) < 0) open("/dev/null", O_RDONLY);  // make sure fd 0 exists
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program = {static_cast<uint16_t>(std::size(filter)), filter};
    const bool filtered = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
                          prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
    if (!filtered && available_before) _exit(2);  // could not exercise the fallback
    if (IoUringAvailable()) _exit(3);
    const std::string path = testing::TempPath("refused.csv");
    auto out = OutputFile::Create(path);
    if (!out.ok()) _exit(4);
    auto chunks = MakeChunkWriter((*out)->fd(), path, WriteMethod::kAuto);
    if (!chunks.ok() || std::strcmp((*chunks)->method(), "write(2)") != 0) _exit(5);
    if (!(*chunks)->Write("a,b\n", {4}).ok() || !(*chunks)->Flush().ok()) _exit(6);
    chunks->reset();
    if (fcntl(STDIN_FILENO, F_GETFD) < 0 && errno == EBADF) _exit(7);  // fd 0 closed
    if (!(*out)->Commit().ok()) _exit(8);
    _exit(testing::ReadFile(path) == "a,b\n" ? 0 : 9);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "child step failed (see the exit codes in the test)";
}

TEST(ChunkWriter, DiskFullIsAClearErrorOnBothPaths) {
  for (WriteMethod method : MethodsHere()) {
    const int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto w = MakeChunkWriter(fd, "/dev/full", method);
    ASSERT_TRUE(w.ok());
    absl::Status s = (*w)->Write(std::string(100000, 'x'), {});
    if (s.ok()) s = (*w)->Flush();
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    EXPECT_NE(s.message().find("/dev/full: write failed: No space left on device"),
              std::string::npos)
        << s;
    w->reset();
    close(fd);
  }
}

TEST(OutputFile, NothingUnderTheFinalNameUntilCommit) {
  const std::string path = testing::TempPath("atomic.csv");
  auto out = OutputFile::Create(path);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(write((*out)->fd(), "abc", 3), 3);
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
    ASSERT_EQ(write((*out)->fd(), "abc", 3), 3);
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

// JSON Lines (issue 13's --format jsonl): keys in column order, the CSV's
// digits, addresses quoted, non-finite floats as null, one line per flow.
TEST(JsonRow, KeysValuesAndNonFiniteFloats) {
  FlowRecord r;
  uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 1;
  r.src_ip = IpAddress::V6(v6);
  const uint8_t v4[4] = {10, 0, 0, 2};
  r.dst_ip = IpAddress::V4(v4);
  r.src_port = 443;
  r.timestamp = 1795799828.894394;
  r.flow_duration = 0.1;
  r.flow_byts_s = std::numeric_limits<double>::infinity();
  r.flow_pkts_s = -std::numeric_limits<double>::infinity();
  r.fwd_pkts_s = std::numeric_limits<double>::quiet_NaN();
  const std::string row = JsonRow(r);
  EXPECT_EQ(row.rfind("{\"src_ip\":\"2001:db8::1\",\"dst_ip\":\"10.0.0.2\",\"src_port\":443,", 0),
            0u)
      << row;
  EXPECT_NE(row.find("\"timestamp\":1795799828.894394,\"flow_duration\":0.1,"), std::string::npos);
  EXPECT_NE(row.find("\"flow_byts_s\":null,\"flow_pkts_s\":null,\"fwd_pkts_s\":null,"),
            std::string::npos)
      << row;
  EXPECT_EQ(row.substr(row.size() - 2), "}\n");
  EXPECT_EQ(std::count(row.begin(), row.end(), '\n'), 1);
  // Every column once, in order, as a key.
  size_t at = 0;
  for (const ColumnInfo& c : kColumns) {
    const size_t found = row.find("\"" + std::string(c.name) + "\":", at);
    ASSERT_NE(found, std::string::npos) << c.name;
    at = found + 1;
  }
  // The CSV's text for the same values.
  const std::string csv = CsvRow(r, false);
  EXPECT_NE(csv.find(",inf,-inf,nan,"), std::string::npos) << csv;
}

TEST(JsonRow, WriterWritesNoHeader) {
  const std::string path = ::testing::TempDir() + "/rows.jsonl";
  auto out = OutputFile::Create(path);
  ASSERT_TRUE(out.ok()) << out.status();
  auto chunks = MakeChunkWriter((*out)->fd(), path, WriteMethod::kSyscall);
  ASSERT_TRUE(chunks.ok());
  CsvDialect dialect;
  dialect.format = OutputFormat::kJsonl;
  CsvWriter writer(chunks->get(), dialect, 2);
  FlowRecord r;
  writer.Add(r);
  writer.Add(r);
  writer.Add(r);
  ASSERT_TRUE(writer.Finish().ok());
  EXPECT_EQ(writer.rows_written(), 3u);
  ASSERT_TRUE((*out)->Commit().ok());
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    EXPECT_EQ(line.front(), '{');
    ++lines;
  }
  EXPECT_EQ(lines, 3);
}

}  // namespace
}  // namespace netflower
