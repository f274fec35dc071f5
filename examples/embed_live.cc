// Embedding netflower's live capture from C++ (netflower/netflower.h):
// flows from an interface, printed as they complete, for a while.
//
//   embed_live INTERFACE SECONDS      (root or CAP_NET_RAW)
//
// Build against an installed netflower:
//   c++ -std=c++20 embed_live.cc $(pkg-config --cflags --libs netflower) -o embed_live
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

#include "netflower/netflower.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: embed_live INTERFACE SECONDS\n");
    return 2;
  }
  netflower::CaptureOptions options;
  options.idle_timeout = 1.0;  // short flows, for a demonstration
  std::mutex print;
  auto capture = netflower::CaptureLive(
      argv[1],
      [&](const netflower::FlowRecord& r) {  // one delivery thread; Stop() on ours
        std::lock_guard<std::mutex> lock(print);
        std::printf(
            "flow %s:%lld -> %s:%lld proto %lld, %lld packets\n",
            netflower::IpAddressToString(r.src_ip).c_str(), static_cast<long long>(r.src_port),
            netflower::IpAddressToString(r.dst_ip).c_str(), static_cast<long long>(r.dst_port),
            static_cast<long long>(r.protocol),
            static_cast<long long>(r.tot_fwd_pkts) + static_cast<long long>(r.tot_bwd_pkts));
        std::fflush(stdout);
      },
      options);
  if (!capture.ok()) {  // names the cause: no such interface, no permission, ...
    std::fprintf(stderr, "embed_live: %s\n", std::string(capture.status().message()).c_str());
    return 1;
  }
  if (absl::Status s = (*capture)->Start(); !s.ok()) {
    std::fprintf(stderr, "embed_live: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(argv[2])));
  const absl::Status stopped = (*capture)->Stop();  // every open flow is delivered first
  const netflower::RunStats s = (*capture)->stats();
  std::printf("%llu packets, %llu flows, %llu kernel drops\n",
              static_cast<unsigned long long>(s.packets_read),
              static_cast<unsigned long long>(s.flows_completed),
              static_cast<unsigned long long>(s.kernel_drops));
  return stopped.ok() ? 0 : 1;
}
