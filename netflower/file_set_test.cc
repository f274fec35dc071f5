// Several inputs in one command line: tools/file_set.h.
#include "netflower/file_set.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace netflower {
namespace {

std::string TempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string t = std::string(base != nullptr ? base : "/tmp") + "/fsXXXXXX";
  const char* made = ::mkdtemp(t.data());
  return made != nullptr ? std::string(made) : std::string("/nonexistent");
}

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string Read(const std::string& path) {
  std::ostringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

TEST(FileSetTest, AFolderExpandsToItsCapturesByName) {
  const std::string d = TempDir();
  for (const char* n : {"b.pcapng", "a.PCAP", "c.cap", "notes.txt", "d.dmp"}) {
    Write(d + "/" + n, "x");
  }
  auto files = ExpandInputs({d, d + "/notes.txt"});
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(*files, (std::vector<std::string>{d + "/a.PCAP", d + "/b.pcapng", d + "/c.cap",
                                              d + "/d.dmp", d + "/notes.txt"}));
}

TEST(FileSetTest, MistakesAreRefused) {
  const std::string d = TempDir();
  EXPECT_EQ(ExpandInputs({d + "/missing.pcap"}).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ExpandInputs({d}).status().code(), absl::StatusCode::kInvalidArgument);  // empty
  EXPECT_EQ(ExpandInputs({"-", d}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ExpandInputs({"-"}).ok());
  EXPECT_EQ(OutputsInDirectory({"x/a.pcap", "y/a.pcap"}, "out", ".csv").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto outs = OutputsInDirectory({"x/a.pcap", "b.pcap"}, "out/", ".jsonl");
  ASSERT_TRUE(outs.ok());
  EXPECT_EQ(*outs, (std::vector<std::string>{"out/a.pcap.jsonl", "out/b.pcap.jsonl"}));
}

TEST(FileSetTest, PartsJoinWithOneHeader) {
  const std::string d = TempDir();
  Write(d + "/1", "h\nr1\n");
  Write(d + "/2", "h\nr2\nr3\n");
  Write(d + "/3", "");  // no rows (python profile: no header either)
  auto header = FirstLine(d + "/1");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(*header, "h\n");
  const int fd = ::open((d + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(AppendRows(d + "/1", "", fd, "out").ok());
  EXPECT_TRUE(AppendRows(d + "/2", *header, fd, "out").ok());
  EXPECT_TRUE(AppendRows(d + "/3", *header, fd, "out").ok());
  ::close(fd);
  EXPECT_EQ(Read(d + "/out"), "h\nr1\nr2\nr3\n");
}

}  // namespace
}  // namespace netflower
