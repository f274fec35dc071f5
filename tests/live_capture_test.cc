// Live capture across a veth pair into a network namespace this test creates
// (and removes, also on failure). Needs root; tagged no-sandbox.
//
//  * flows from CaptureLive equal, in every column that does not depend on
//    timing, the offline conversion of a tcpdump capture of the same traffic;
//  * an idle flow is emitted within idle_timeout + 1 s without more traffic;
//  * Stop() emits every open flow exactly once;
//  * with 2 jobs (fanout), both directions of each flow meet in one worker;
//  * set-up errors name their cause.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "io/csv_format.h"
#include "netflower/netflower.h"
#include "tests/testing/capture_builder.h"

namespace netflower {
namespace {

const std::string kSuffix = std::to_string(::getpid() % 100000);
const std::string kNs = "nflt" + kSuffix;
const std::string kHostIf = "nfa" + kSuffix;
const std::string kNsIf = "nfb" + kSuffix;
constexpr char kHostIp[] = "10.77.0.1";
constexpr char kNsIp[] = "10.77.0.2";

int Sh(const std::string& command) {
  const int r = std::system(command.c_str());
  return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

pid_t Spawn(const std::vector<std::string>& argv) {
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the test
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void StopChild(pid_t pid, int signo = SIGTERM) {
  if (pid <= 0) return;
  kill(pid, signo);
  int status;
  waitpid(pid, &status, 0);
}

// A capture on the test's interface that appends every TCP flow to *flows
// (under *mutex: with several jobs the callback and Stop() may race).
absl::StatusOr<std::unique_ptr<LiveCapture>> CaptureTcpFlows(const CaptureOptions& options,
                                                             std::mutex* mutex,
                                                             std::vector<FlowRecord>* flows) {
  return CaptureLive(
      kHostIf,
      [mutex, flows](const FlowRecord& r) {
        std::lock_guard<std::mutex> lock(*mutex);
        if (r.protocol == 6) flows->push_back(r);
      },
      options);
}

class LiveCaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Leftovers of an interrupted run of this test (its own name prefixes).
    Sh("for ns in $(ip netns list | awk '{print $1}' | grep '^nflt'); do ip netns del $ns; done");
    Sh("for l in $(ip -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^nf[abde][0-9]'); "
       "do ip link del $l; done");
    ASSERT_EQ(Sh("ip netns add " + kNs), 0) << "needs root and iproute2";
    ASSERT_EQ(Sh("ip link add " + kHostIf + " type veth peer name " + kNsIf), 0);
    ASSERT_EQ(Sh("ip link set " + kNsIf + " netns " + kNs), 0);
    ASSERT_EQ(Sh("ip addr add " + std::string(kHostIp) + "/24 dev " + kHostIf), 0);
    ASSERT_EQ(Sh("ip link set " + kHostIf + " up"), 0);
    ASSERT_EQ(Sh("ip netns exec " + kNs + " ip addr add " + kNsIp + "/24 dev " + kNsIf), 0);
    ASSERT_EQ(Sh("ip netns exec " + kNs + " ip link set " + kNsIf + " up"), 0);
    ASSERT_EQ(Sh("ip netns exec " + kNs + " ip link set lo up"), 0);
    // A small HTTP server on the far side.
    server_ = Spawn(
        {"ip", "netns", "exec", kNs, "python3", "-m", "http.server", "8080", "--bind", kNsIp});
    for (int i = 0;
         i < 100 && Sh(std::string("python3 -c \"import socket; socket.create_connection(('") +
                       kNsIp + "', 8080), 1).close()\" 2>/dev/null") != 0;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static void TearDownTestSuite() {
    StopChild(server_);
    server_ = -1;
    Sh("ip link del " + kHostIf + " 2>/dev/null");
    Sh("ip netns del " + kNs + " 2>/dev/null");
  }

  // One HTTP request over a fresh TCP connection (FIN close).
  static void HttpGet() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(8080);
    inet_pton(AF_INET, kNsIp, &addr.sin_addr);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const char request[] = "GET / HTTP/1.0\r\nHost: test\r\n\r\n";
    ASSERT_EQ(send(fd, request, sizeof(request) - 1, 0), static_cast<ssize_t>(sizeof(request) - 1));
    char buf[4096];
    while (recv(fd, buf, sizeof(buf), 0) > 0) {
    }
    close(fd);
  }

  // One UDP datagram from a given source port (nobody listens: the flow is
  // one-way).
  static void UdpSend(uint16_t sport, uint16_t dport, size_t bytes) {
    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_port = htons(sport);
    inet_pton(AF_INET, kHostIp, &local.sin_addr);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)), 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(dport);
    inet_pton(AF_INET, kNsIp, &to.sin_addr);
    std::string payload(bytes, 'u');
    sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    close(fd);
  }

  static pid_t server_;
};
pid_t LiveCaptureTest::server_ = -1;

// The columns that do not depend on timing.
const std::vector<std::string> kStableColumns = {"src_ip",
                                                 "dst_ip",
                                                 "src_port",
                                                 "dst_port",
                                                 "protocol",
                                                 "tot_fwd_pkts",
                                                 "tot_bwd_pkts",
                                                 "totlen_fwd_pkts",
                                                 "totlen_bwd_pkts",
                                                 "fwd_pkt_len_max",
                                                 "fwd_pkt_len_min",
                                                 "fwd_pkt_len_mean",
                                                 "fwd_pkt_len_std",
                                                 "bwd_pkt_len_max",
                                                 "bwd_pkt_len_min",
                                                 "bwd_pkt_len_mean",
                                                 "bwd_pkt_len_std",
                                                 "pkt_len_max",
                                                 "pkt_len_min",
                                                 "pkt_len_mean",
                                                 "pkt_len_std",
                                                 "pkt_len_var",
                                                 "fwd_header_len",
                                                 "bwd_header_len",
                                                 "fwd_seg_size_min",
                                                 "fwd_act_data_pkts",
                                                 "fwd_psh_flags",
                                                 "bwd_psh_flags",
                                                 "fin_flag_cnt",
                                                 "syn_flag_cnt",
                                                 "rst_flag_cnt",
                                                 "psh_flag_cnt",
                                                 "ack_flag_cnt",
                                                 "urg_flag_cnt",
                                                 "ece_flag_cnt",
                                                 "down_up_ratio",
                                                 "pkt_size_avg",
                                                 "fwd_seg_size_avg",
                                                 "bwd_seg_size_avg",
                                                 "fwd_byts_b_avg",
                                                 "fwd_pkts_b_avg",
                                                 "bwd_byts_b_avg",
                                                 "bwd_pkts_b_avg",
                                                 "init_fwd_win_byts",
                                                 "init_bwd_win_byts",
                                                 "cwr_flag_count"};

std::string StableKey(const FlowRecord& r) {
  std::string key;
  for (const std::string& name : kStableColumns) {
    const ColumnValue v = *GetColumn(r, name);
    if (const auto* i = std::get_if<int64_t>(&v)) {
      key += std::to_string(*i);
    } else if (const auto* d = std::get_if<double>(&v)) {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", *d);
      key += buf;
    } else {
      key += std::get<std::string>(v);
    }
    key += ',';
  }
  return key;
}

TEST_F(LiveCaptureTest, FlowsEqualTheOfflineConversionOfATcpdumpCapture) {
  const std::string ref = testing::TempPath("ref.pcap");
  std::mutex mutex;
  std::vector<FlowRecord> live;
  CaptureOptions options;
  auto capture = CaptureLive(
      kHostIf,
      [&](const FlowRecord& r) {
        std::lock_guard<std::mutex> lock(mutex);
        live.push_back(r);
      },
      options);
  ASSERT_TRUE(capture.ok()) << capture.status();
  const pid_t tcpdump = Spawn({"tcpdump", "-q", "-U", "-i", kHostIf, "-w", ref, "-s", "65535"});
  ASSERT_TRUE((*capture)->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // tcpdump is listening
  for (int i = 0; i < 6; ++i) HttpGet();
  for (uint16_t p = 0; p < 5; ++p) UdpSend(static_cast<uint16_t>(41000 + p), 9999, 100 + p);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ASSERT_TRUE((*capture)->Stop().ok());
  StopChild(tcpdump, SIGINT);

  std::vector<FlowRecord> offline;
  ConvertOptions convert;
  convert.idle_timeout = options.idle_timeout;
  convert.active_timeout = options.active_timeout;
  auto n = ConvertPcap(
      ref, [&](const FlowRecord& r) { offline.push_back(r); }, convert);
  ASSERT_TRUE(n.ok()) << n.status();

  std::vector<std::string> a, b;
  for (const FlowRecord& r : live) a.push_back(StableKey(r));
  for (const FlowRecord& r : offline) b.push_back(StableKey(r));
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_GE(a.size(), 11u);  // 6 TCP connections + 5 UDP flows (+ any background)
  EXPECT_EQ(a, b);
  const RunStats stats = (*capture)->stats();
  EXPECT_EQ(stats.kernel_drops, 0u);
  EXPECT_EQ(stats.flows_completed, live.size());
  EXPECT_EQ(stats.packets_read, stats.packets_accepted + stats.packets_skipped());
}

TEST_F(LiveCaptureTest, IdleFlowLeavesWithinIdleTimeoutPlusOneSecond) {
  std::atomic<bool> seen{false};
  std::chrono::steady_clock::time_point emitted;
  CaptureOptions options;
  options.idle_timeout = 1.0;
  auto capture = CaptureLive(
      kHostIf,
      [&](const FlowRecord& r) {
        if (r.src_port == 42424) {
          emitted = std::chrono::steady_clock::now();
          seen.store(true);
        }
      },
      options);
  ASSERT_TRUE(capture.ok()) << capture.status();
  ASSERT_TRUE((*capture)->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto sent = std::chrono::steady_clock::now();
  UdpSend(42424, 9998, 20);
  while (!seen.load() && std::chrono::steady_clock::now() - sent < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(seen.load()) << "the idle flow was never emitted";
  const double after = std::chrono::duration<double>(emitted - sent).count();
  EXPECT_GT(after, 1.0);
  // Sweeps run every 0.5 s, so 1.5 s is the bound; 0.5 s more for a
  // loaded machine still proves "without further traffic, within
  // idle_timeout + 1 s".
  EXPECT_LE(after, 2.0);
  ASSERT_TRUE((*capture)->Stop().ok());
}

TEST_F(LiveCaptureTest, StopEmitsEveryOpenFlowExactlyOnce) {
  std::map<int64_t, int> calls;  // by source port
  std::thread::id stop_thread;
  std::thread::id delivery_thread_of_last;
  CaptureOptions options;
  auto capture = CaptureLive(
      kHostIf,
      [&](const FlowRecord& r) {
        if (r.protocol == 17 && r.src_port >= 43000 && r.src_port < 43020) {
          ++calls[r.src_port];
          delivery_thread_of_last = std::this_thread::get_id();
        }
      },
      options);
  ASSERT_TRUE(capture.ok());
  ASSERT_TRUE((*capture)->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (uint16_t p = 0; p < 20; ++p) {
    UdpSend(static_cast<uint16_t>(43000 + p), 9997, 10);
    UdpSend(static_cast<uint16_t>(43000 + p), 9997, 11);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_TRUE(calls.empty());  // open flows: idle timeout 30 s
  // stats() may be read from another thread while Stop() runs (the CLI
  // does, to report a stalled output); under TSan this checks it is safe.
  std::atomic<bool> stopping{true};
  uint64_t last_seen = 0;
  bool monotonic = true;
  std::thread monitor([&] {
    while (stopping.load()) {
      const uint64_t n = (*capture)->stats().flows_completed;
      monotonic = monotonic && n >= last_seen;
      last_seen = n;
    }
  });
  const absl::Status stopped = (*capture)->Stop();
  stopping.store(false);
  monitor.join();
  ASSERT_TRUE(stopped.ok()) << stopped;
  EXPECT_TRUE(monotonic);
  EXPECT_GE((*capture)->stats().flows_completed, 20u);
  EXPECT_EQ(calls.size(), 20u);
  for (const auto& [port, n] : calls) EXPECT_EQ(n, 1) << port;
  // The final flush runs on the thread that called Stop().
  EXPECT_EQ(delivery_thread_of_last, std::this_thread::get_id());
  ASSERT_TRUE((*capture)->Stop().ok());  // idempotent, no more calls
  EXPECT_EQ(calls.size(), 20u);
}

TEST_F(LiveCaptureTest, FanoutKeepsBothDirectionsOfAFlowTogether) {
  std::mutex mutex;
  std::vector<FlowRecord> flows;
  CaptureOptions options;
  options.jobs = 2;
  auto capture = CaptureTcpFlows(options, &mutex, &flows);
  ASSERT_TRUE(capture.ok()) << capture.status();
  ASSERT_TRUE((*capture)->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 20; ++i) HttpGet();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_TRUE((*capture)->Stop().ok());
  ASSERT_GE(flows.size(), 20u);
  std::map<std::string, int> seen;
  for (const FlowRecord& r : flows) {
    // Each connection is one flow with packets both ways and a full close.
    EXPECT_GT(r.tot_fwd_pkts, 2);
    EXPECT_GT(r.tot_bwd_pkts, 2);
    EXPECT_EQ(r.syn_flag_cnt, 2);
    EXPECT_GE(r.fin_flag_cnt, 2);
    ++seen[IpAddressToString(r.src_ip) + ":" + std::to_string(r.src_port)];
  }
  for (const auto& [key, n] : seen) EXPECT_EQ(n, 1) << key;
}

TEST_F(LiveCaptureTest, SavePcapWritesEachFlowAndItConvertsBack) {
  const std::string dir = testing::TempPath("flows");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  std::vector<FlowRecord> flows;
  std::mutex mutex;
  CaptureOptions options;
  options.save_pcap = true;
  options.pcap_dir = dir;
  auto capture = CaptureTcpFlows(options, &mutex, &flows);
  ASSERT_TRUE(capture.ok()) << capture.status();
  ASSERT_TRUE((*capture)->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  HttpGet();
  HttpGet();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE((*capture)->Stop().ok());
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_GE((*capture)->stats().pcap_files_written, 2u);
  for (const FlowRecord& r : flows) {
    // The saved file holds exactly this flow's packets.
    const std::string prefix = IpAddressToString(r.src_ip) + "-" + std::to_string(r.src_port) +
                               "-" + IpAddressToString(r.dst_ip) + "-8080-6-";
    std::string found;
    const std::string listing = dir + "/listing";
    Sh(absl::StrCat("ls ", dir, " > ", listing));
    std::string all = testing::ReadFile(listing);
    const size_t at = all.find(prefix);
    ASSERT_NE(at, std::string::npos) << prefix << " in " << all;
    found = all.substr(at, all.find('\n', at) - at);
    std::vector<FlowRecord> back;
    ConvertOptions convert;
    convert.idle_timeout = 30;
    ASSERT_TRUE(
        ConvertPcap(
            absl::StrCat(dir, "/", found), [&](const FlowRecord& x) { back.push_back(x); }, convert)
            .ok());
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(StableKey(back[0]), StableKey(r));
  }
}

TEST_F(LiveCaptureTest, CallbackExceptionsAreCountedAndCaptureContinues) {
  int calls = 0;
  auto capture = CaptureLive(kHostIf, [&](const FlowRecord& r) {
    if (r.protocol == 17 && r.src_port >= 44000 && r.src_port < 44005) {
      ++calls;
      throw std::runtime_error("boom");
    }
  });
  ASSERT_TRUE(capture.ok());
  ASSERT_TRUE((*capture)->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (uint16_t p = 0; p < 5; ++p) UdpSend(static_cast<uint16_t>(44000 + p), 9996, 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE((*capture)->Stop().ok());
  EXPECT_EQ(calls, 5);
  EXPECT_GE((*capture)->stats().callback_exceptions, 5u);
  EXPECT_EQ((*capture)->stats().first_callback_error, "boom");
}

int64_t RssKb() {
  const std::string status = testing::ReadFile("/proc/self/status");
  const size_t at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::atoll(status.c_str() + at + 6);
}

// A callback that stalls: rows back up into the workers, the workers into
// the readers, the readers into the ring, and the kernel drops and counts.
// Memory stays bounded and Stop() still returns.
TEST_F(LiveCaptureTest, SlowCallbackShowsUpAsCountedKernelDrops) {
  std::atomic<int> calls{0};
  // The first call stalls until every datagram is sent, not for a fixed
  // time: on the emulated arm64 VM (tools/arm_vm_test.sh) sending takes far
  // longer than the 2.5 s stall that stood here, the rows drained meanwhile
  // and the kernel dropped nothing.
  std::atomic<bool> sent{false};
  CaptureOptions options;
  options.idle_timeout = 0;  // every flow ends at the next sweep: many rows
  options.ring_block_size = 64 << 10;
  options.ring_block_count = 4;  // a 256 KiB ring fills fast
  auto capture = CaptureLive(
      kHostIf,
      [&](const FlowRecord&) {
        if (calls++ != 0) return;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (!sent.load() && std::chrono::steady_clock::now() < deadline) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      },
      options);
  ASSERT_TRUE(capture.ok()) << capture.status();
  ASSERT_TRUE((*capture)->Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int64_t rss_before = RssKb();
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  inet_pton(AF_INET, kNsIp, &to.sin_addr);
  const char payload[32] = {};
  for (int i = 0; i < 150000; ++i) {
    to.sin_port = htons(static_cast<uint16_t>(20000 + i % 30000));
    sendto(fd, payload, sizeof(payload), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to));
  }
  close(fd);
  const int64_t rss_after = RssKb();  // at the peak: everything queued behind the stall
  sent.store(true);
  const auto stop_started = std::chrono::steady_clock::now();
  ASSERT_TRUE((*capture)->Stop().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::seconds(60));
  const RunStats stats = (*capture)->stats();
  EXPECT_GT(stats.kernel_drops, 0u) << "received " << stats.kernel_received;
  EXPECT_EQ(stats.packets_read, stats.packets_accepted + stats.packets_skipped());
  EXPECT_EQ(stats.flows_completed, static_cast<uint64_t>(calls.load()));
  // Bounded: queues and blocks are fixed-size (tens of MB at most).
  EXPECT_LT(rss_after - rss_before, 200 * 1024) << rss_before << " -> " << rss_after << " kB";
}

TEST_F(LiveCaptureTest, SetUpErrorsNameTheirCause) {
  auto missing = CaptureLive("nf-no-such-if", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("ip link"), std::string::npos);

  const std::string down = "nfd" + kSuffix;
  ASSERT_EQ(Sh("ip link add " + down + " type veth peer name nfe" + kSuffix), 0);  // left down
  auto is_down = CaptureLive(down, nullptr);
  Sh("ip link del " + down);
  ASSERT_FALSE(is_down.ok());
  EXPECT_EQ(is_down.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(is_down.status().message().find("is down"), std::string::npos);

  CaptureOptions no_dir;
  no_dir.save_pcap = true;
  no_dir.pcap_dir = "/nonexistent-netflower-dir";
  auto dir = CaptureLive(kHostIf, nullptr, no_dir);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("does not exist"), std::string::npos);

  CaptureOptions huge;
  huge.ring_block_count = 1u << 22;  // 4 TiB: refused before the kernel is asked
  auto ring = CaptureLive(kHostIf, nullptr, huge);
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(ring.status().message().find("too large"), std::string::npos) << ring.status();

  CaptureOptions bad_filter;
  bad_filter.filter = "tcp port banana";
  auto filter = CaptureLive(kHostIf, nullptr, bad_filter);
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(filter.status().message().find("banana"), std::string::npos);
}

TEST_F(LiveCaptureTest, FilterAndStartTwice) {
  int udp = 0, tcp = 0;
  CaptureOptions options;
  options.filter = "udp";
  auto capture = CaptureLive(
      kHostIf, [&](const FlowRecord& r) { (r.protocol == 17 ? udp : tcp)++; }, options);
  ASSERT_TRUE(capture.ok()) << capture.status();
  ASSERT_TRUE((*capture)->Start().ok());
  EXPECT_EQ((*capture)->Start().code(), absl::StatusCode::kFailedPrecondition);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  HttpGet();
  UdpSend(45000, 9995, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE((*capture)->Stop().ok());
  EXPECT_GE(udp, 1);
  EXPECT_EQ(tcp, 0);
}

}  // namespace
}  // namespace netflower
