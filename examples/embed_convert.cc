// Embedding netflower from C++ (netflower/netflower.h): a capture to CSV,
// then the same capture's flows as typed records.
//
//   embed_convert CAPTURE OUT.csv
//
// Build against an installed netflower:
//   c++ -std=c++20 embed_convert.cc $(pkg-config --cflags --libs netflower) -o embed_convert
#include <cstdio>
#include <map>
#include <string>

#include "netflower/netflower.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: embed_convert CAPTURE OUT.csv\n");
    return 2;
  }
  netflower::ConvertOptions options;  // the default profile, every default
  netflower::RunStats stats;
  options.stats = &stats;
  absl::StatusOr<uint64_t> rows = netflower::ConvertPcapToCsv(argv[1], argv[2], options);
  if (!rows.ok()) {
    std::fprintf(stderr, "embed_convert: %s\n", std::string(rows.status().message()).c_str());
    return 1;
  }
  // The same flows as records: bytes per destination port.
  std::map<int64_t, int64_t> bytes_by_port;
  absl::StatusOr<uint64_t> flows =
      netflower::ConvertPcap(argv[1], [&](const netflower::FlowRecord& r) {
        bytes_by_port[r.dst_port] += r.totlen_fwd_pkts + r.totlen_bwd_pkts;
      });
  if (!flows.ok()) {
    std::fprintf(stderr, "embed_convert: %s\n", std::string(flows.status().message()).c_str());
    return 1;
  }
  std::printf("netflower %s: %llu rows to %s (%llu packets, %.3f s); %llu flows as records\n",
              netflower::Version(), static_cast<unsigned long long>(*rows), argv[2],
              static_cast<unsigned long long>(stats.packets_read), stats.seconds,
              static_cast<unsigned long long>(*flows));
  for (const auto& [port, bytes] : bytes_by_port) {
    std::printf("  port %5lld: %lld bytes\n", static_cast<long long>(port),
                static_cast<long long>(bytes));
  }
  return 0;
}
