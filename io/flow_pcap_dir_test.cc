// --save-pcap against a hostile local user (issue: root followed links
// planted in a shared directory). Needs root, as CI runs: it plants the links
// as user nobody with setpriv.
#include "io/flow_pcap_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace netflower {
namespace {

// Under /tmp, not TEST_TMPDIR: user nobody must be able to reach it.
const std::string& Base() {
  static const std::string base = [] {
    char name[] = "/tmp/nf-pcapdir-test-XXXXXX";
    std::string dir = ::mkdtemp(name) ? name : "/tmp";
    ::chmod(dir.c_str(), 0755);
    return dir;
  }();
  return base;
}

std::string MakeDir(const std::string& name, mode_t mode) {
  std::string dir = Base() + "/" + name;
  ::mkdir(dir.c_str(), 0700);
  EXPECT_EQ(::chmod(dir.c_str(), mode), 0);
  return dir;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FlowPcapDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::geteuid(), 0u) << "run as root (CI does)"; }
  static void TearDownTestSuite() { ASSERT_EQ(std::system(("rm -rf " + Base()).c_str()), 0); }
};

TEST_F(FlowPcapDirectoryTest, NeverFollowsALinkPlantedByAnotherUser) {
  const std::string secret_dir = MakeDir("secret", 0700);
  const std::string secret = secret_dir + "/shadow";
  { std::ofstream(secret) << "root only"; }
  ::chmod(secret.c_str(), 0600);
  const std::string shared = MakeDir("shared1777", 01777);
  const std::string name = "10.0.0.1-1234-10.0.0.2-80-6-1795799828894394.pcap";
  // The hostile user plants a link named like the next flow file.
  const std::string plant = "setpriv --reuid=nobody --regid=nogroup --clear-groups ln -s " +
                            secret + " " + shared + "/" + name;
  ASSERT_EQ(std::system(plant.c_str()), 0) << plant;

  auto dir = FlowPcapDirectory::Open(shared);
  ASSERT_TRUE(dir.ok()) << dir.status();
  absl::StatusOr<std::string> used = (*dir)->Write(name, 1, std::string(16, 'x'));
  ASSERT_TRUE(used.ok()) << used.status();
  EXPECT_EQ(*used, "10.0.0.1-1234-10.0.0.2-80-6-1795799828894394-1.pcap");
  EXPECT_EQ(Slurp(secret), "root only");
  struct stat st;
  ASSERT_EQ(::lstat((shared + "/" + name).c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));  // the link is left as it was
  ASSERT_EQ(::lstat((shared + "/" + *used).c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_size, 24 + 16);
}

TEST_F(FlowPcapDirectoryTest, GivesUpAfterEverySuffixIsTaken) {
  const std::string dir_path = MakeDir("taken", 0755);
  auto dir = FlowPcapDirectory::Open(dir_path);
  ASSERT_TRUE(dir.ok()) << dir.status();
  for (int i = 0; i <= FlowPcapDirectory::kMaxSuffix; ++i) {
    ASSERT_TRUE((*dir)->Write("f.pcap", 1, "").ok());
  }
  absl::StatusOr<std::string> more = (*dir)->Write("f.pcap", 1, "");
  EXPECT_FALSE(more.ok());
  EXPECT_NE(more.status().message().find("never overwritten"), std::string::npos);
}

TEST_F(FlowPcapDirectoryTest, RefusesUnsafeDirectories) {
  auto open = FlowPcapDirectory::Open(MakeDir("open0777", 0777));
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("writable by every user and not sticky"),
            std::string::npos)
      << open.status();

  const std::string theirs = MakeDir("theirs", 0755);
  ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);  // nobody
  auto other = FlowPcapDirectory::Open(theirs);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("another user"), std::string::npos) << other.status();
  // ... unless that user is the one the capture switches to.
  EXPECT_TRUE(FlowPcapDirectory::Open(theirs, uid_t{65534}).ok());

  auto missing = FlowPcapDirectory::Open(theirs + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("mkdir -p"), std::string::npos);
}

TEST_F(FlowPcapDirectoryTest, WritableByTheTargetUser) {
  const std::string mine = MakeDir("rootonly", 0755);
  EXPECT_TRUE(CheckWritableBy(mine, "folder", "root", 0, 0).ok());
  absl::Status s = CheckWritableBy(mine, "folder", "nobody", 65534, 65534);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not writable by user nobody"), std::string::npos) << s;
  EXPECT_TRUE(CheckWritableBy(MakeDir("sticky", 01777), "folder", "nobody", 65534, 65534).ok());
}

}  // namespace
}  // namespace netflower
