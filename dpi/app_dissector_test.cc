// AppDissector over nDPI (FLOW-RULES §16): the labels of hand-made packets,
// the packet bound, and ending a flow that was never named.
#include "dpi/app_dissector.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "netflower/options.h"

namespace netflower {
namespace {

// An IPv4/UDP packet from 10.0.0.1:port_a to 10.0.0.2:port_b (checksums 0:
// nDPI does not check them).
std::string Udp(uint16_t src_port, uint16_t dst_port, const std::string& payload) {
  const size_t total = 20 + 8 + payload.size();
  std::string p(total, '\0');
  auto* b = reinterpret_cast<unsigned char*>(p.data());
  b[0] = 0x45;
  b[2] = static_cast<unsigned char>(total >> 8);
  b[3] = static_cast<unsigned char>(total);
  b[8] = 64;
  b[9] = 17;
  const unsigned char src[4] = {10, 0, 0, 1};
  const unsigned char dst[4] = {10, 0, 0, 2};
  std::copy(src, src + 4, b + 12);
  std::copy(dst, dst + 4, b + 16);
  b[20] = static_cast<unsigned char>(src_port >> 8);
  b[21] = static_cast<unsigned char>(src_port);
  b[22] = static_cast<unsigned char>(dst_port >> 8);
  b[23] = static_cast<unsigned char>(dst_port);
  b[24] = static_cast<unsigned char>((8 + payload.size()) >> 8);
  b[25] = static_cast<unsigned char>(8 + payload.size());
  std::copy(payload.begin(), payload.end(), p.begin() + 28);
  return p;
}

// A DNS query (id 0x1234, recursion desired) for `name`, type A.
std::string DnsQuery(const std::vector<std::string>& labels) {
  std::string q = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  for (const std::string& l : labels) {
    q += static_cast<char>(l.size());
    q += l;
  }
  q += std::string("\0\0\x01\0\x01", 5);
  return q;
}

TEST(AppDissector, NamesADnsQueryAndItsName) {
  auto dissector = AppDissector::Create();
  ASSERT_TRUE(dissector.ok()) << dissector.status();
  AppDissector::FlowPtr flow = (*dissector)->NewFlow();
  (*dissector)->Feed(flow.get(), Udp(40000, 53, DnsQuery({"www", "example", "com"})), 1000);
  const std::shared_ptr<const AppLabels> labels = (*dissector)->Finish(flow.get());
  EXPECT_EQ(labels->application_name, "DNS");
  EXPECT_EQ(labels->application_category, "Network");
  EXPECT_EQ(labels->application_confidence, "DPI");
  EXPECT_EQ(labels->requested_server_name, "www.example.com");
  EXPECT_EQ(labels->ja3_client, "");  // not TLS: the fingerprints are not read
  EXPECT_EQ(labels->ja3_server, "");
}

TEST(AppDissector, StopsAtThePacketBound) {
  auto dissector = AppDissector::Create();
  ASSERT_TRUE(dissector.ok());
  AppDissector::FlowPtr flow = (*dissector)->NewFlow();
  const std::string packet = Udp(40001, 40002, std::string(40, '\x5a'));
  int fed = 0;
  bool done = false;
  while (!done && fed < 1000) {
    done = (*dissector)->Feed(flow.get(), packet, 1000 + fed);
    ++fed;
  }
  EXPECT_EQ(fed, kDpiPacketBound);
  // Never named by its packets: ended as nDPI gives up, with no guess for
  // these ports.
  const std::shared_ptr<const AppLabels> labels = (*dissector)->Finish(flow.get());
  EXPECT_EQ(labels->application_name, "Unknown");
  EXPECT_EQ(labels->requested_server_name, "");
}

TEST(AppDissector, GuessesByPortAFlowItCouldNotRead) {
  auto dissector = AppDissector::Create();
  ASSERT_TRUE(dissector.ok());
  AppDissector::FlowPtr flow = (*dissector)->NewFlow();
  // One packet to port 53 that is not DNS: giving up guesses by the port.
  (*dissector)->Feed(flow.get(), Udp(40003, 53, std::string(3, '\x01')), 1000);
  const std::shared_ptr<const AppLabels> labels = (*dissector)->Finish(flow.get());
  EXPECT_EQ(labels->application_name, "DNS");
  EXPECT_EQ(labels->application_confidence, "Match by port");
}

TEST(AppDissector, AFlowMayEndWithoutPackets) {
  auto dissector = AppDissector::Create();
  ASSERT_TRUE(dissector.ok());
  AppDissector::FlowPtr flow = (*dissector)->NewFlow();
  const std::shared_ptr<const AppLabels> labels = (*dissector)->Finish(flow.get());
  EXPECT_EQ(labels->application_name, "Unknown");
}

}  // namespace
}  // namespace netflower
