// End-to-end throughput of file conversion, next to a bare libpcap read loop
// over the same file, measured in the same run.
//
//   bazel run -c opt //bench:throughput -- --pcap FILE [--runs 5]
//       [--jobs 1,2] [--compat none,python] [--columns netflower,cic-ids2017]
//       [--out /dev/null]
//
// A CIC layout runs once per run (it has one flow worker and no profile).
//
// Every measurement runs in a fresh child process (fork), so its peak RSS is
// its own and one run's heap does not help the next. Runs of the different
// configurations are interleaved; the median is reported.
#include <pcap/pcap.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "netflower/netflower.h"

namespace {

struct Result {
  double seconds = 0;
  uint64_t packets = 0;
  int64_t peak_rss_kb = 0;
  uint64_t flows = 0;
  uint64_t peak_flows = 0;
  uint64_t evicted = 0;
  double cpu_seconds = 0;  // user + system, all threads (from wait4)
};

// Runs `body` in a child; the child writes a Result into a pipe.
template <class Body>
Result InChild(Body body) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    Result r = body();
    if (write(fds[1], &r, sizeof(r)) != sizeof(r)) _exit(2);
    _exit(0);
  }
  close(fds[1]);
  Result r;
  if (read(fds[0], &r, sizeof(r)) != sizeof(r)) {
    std::fprintf(stderr, "benchmark child failed\n");
    std::exit(1);
  }
  close(fds[0]);
  int status = 0;
  struct rusage usage;
  wait4(pid, &status, 0, &usage);
  r.peak_rss_kb = usage.ru_maxrss;
  r.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  return r;
}

Result LibpcapLoop(const std::string& path) {
  return InChild([&] {
    char err[PCAP_ERRBUF_SIZE];
    const auto start = std::chrono::steady_clock::now();
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (p == nullptr) {
      std::fprintf(stderr, "libpcap: %s\n", err);
      _exit(1);
    }
    struct pcap_pkthdr* h;
    const u_char* data;
    Result r;
    uint64_t bytes = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
      ++r.packets;
      bytes += h->caplen;
    }
    pcap_close(p);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.flows = bytes;  // keeps the loop honest
    return r;
  });
}

std::optional<uint64_t> g_max_flows;

Result Netflower(const std::string& path, const std::string& out, int jobs,
                 netflower::Compat compat, netflower::ColumnSet columns) {
  return InChild([&] {
    netflower::ConvertOptions options;
    options.max_flows = g_max_flows;
    options.jobs = jobs;
    options.compat = compat;
    options.columns = columns;
    netflower::RunStats stats;
    options.stats = &stats;
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<uint64_t> rows = netflower::ConvertPcapToCsv(path, out, options);
    if (!rows.ok()) {
      std::fprintf(stderr, "netflower: %s\n", std::string(rows.status().message()).c_str());
      _exit(1);
    }
    Result r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.packets = stats.packets_read;
    r.flows = *rows;
    r.peak_flows = stats.peak_open_flows;
    r.evicted = stats.flows_by_reason.evicted;
    return r;
  });
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string pcap, out = "/dev/null";
  int runs = 5;
  std::vector<int> jobs = {1};
  std::vector<std::string> compats = {"none"};
  std::vector<netflower::ColumnSet> column_sets = {netflower::ColumnSet::kNetflower};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--pcap") {
      pcap = value();
    } else if (a == "--runs") {
      runs = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--max-flows") {
      g_max_flows = std::strtoull(value().c_str(), nullptr, 10);
    } else if (a == "--out") {
      out = value();
    } else if (a == "--jobs") {
      jobs.clear();
      for (auto s : absl::StrSplit(value(), ',')) jobs.push_back(std::atoi(std::string(s).c_str()));
    } else if (a == "--compat") {
      compats.clear();
      for (auto s : absl::StrSplit(value(), ',')) compats.emplace_back(s);
    } else if (a == "--columns") {
      column_sets.clear();
      for (auto s : absl::StrSplit(value(), ',')) {
        const auto set = netflower::ParseColumnSet(std::string(s));
        if (!set) {
          std::fprintf(stderr, "--columns: one of %s\n",
                       std::string(netflower::ColumnSetList()).c_str());
          return 2;
        }
        column_sets.push_back(*set);
      }
    } else {
      std::fprintf(stderr,
                   "usage: throughput --pcap FILE [--runs N] [--jobs 1,2] "
                   "[--compat none,python] [--columns netflower,cic-ids2017] [--max-flows N] "
                   "[--out /dev/null]\n");
      return 2;
    }
  }
  if (pcap.empty()) {
    std::fprintf(stderr, "--pcap FILE is required\n");
    return 2;
  }

  struct Config {
    std::string name;
    int jobs;
    netflower::Compat compat;
    netflower::ColumnSet columns;
    std::vector<double> rates;
    std::vector<double> ratios;  // to the read loop run just before
    Result last;
  };
  std::vector<Config> configs;
  for (netflower::ColumnSet set : column_sets) {
    if (netflower::IsCic(set)) {
      configs.push_back(
          {absl::StrFormat("netflower --columns %s", std::string(netflower::ColumnSetName(set))),
           1,
           netflower::Compat::kNone,
           set,
           {},
           {},
           {}});
      continue;
    }
    for (const std::string& c : compats) {
      for (int j : jobs) {
        configs.push_back({absl::StrFormat("netflower --compat=%s --jobs %d", c, j),
                           j,
                           c == "python" ? netflower::Compat::kPython : netflower::Compat::kNone,
                           set,
                           {},
                           {},
                           {}});
      }
    }
  }
  std::vector<double> baseline;
  Result base_last;
  LibpcapLoop(pcap);  // warm the page cache
  for (int run = 0; run < runs; ++run) {
    base_last = LibpcapLoop(pcap);
    baseline.push_back(base_last.packets / base_last.seconds);
    const double base_rate = base_last.packets / base_last.seconds;
    for (Config& c : configs) {
      c.last = Netflower(pcap, out, c.jobs, c.compat, c.columns);
      c.rates.push_back(c.last.packets / c.last.seconds);
      c.ratios.push_back(c.rates.back() / base_rate);
    }
  }
  const double base = Median(baseline);
  std::printf(
      "capture: %s (%llu packets)\nruns: %d, each in its own process; medians of packets/s and "
      "of each run's ratio to the read-loop run just before it\n\n",
      pcap.c_str(), static_cast<unsigned long long>(base_last.packets), runs);
  // CPU %: the last run's user + system time over its wall time (100 = one
  // core busy; several jobs can exceed it).
  auto cpu_percent = [](const Result& r) { return 100.0 * r.cpu_seconds / r.seconds; };
  std::printf("%-40s %14s %8s %7s %12s %12s %12s %10s\n", "what", "packets/s", "ratio", "CPU %",
              "peak RSS MB", "flows", "peak open", "evicted");
  std::printf("%-40s %14.0f %8.2f %7.0f %12.1f %12s\n", "libpcap read loop (pcap_next_ex)", base,
              1.0, cpu_percent(base_last), base_last.peak_rss_kb / 1024.0, "-");
  for (const Config& c : configs) {
    const double m = Median(c.rates);
    std::printf("%-40s %14.0f %8.2f %7.0f %12.1f %12llu %12llu %10llu\n", c.name.c_str(), m,
                Median(c.ratios), cpu_percent(c.last), c.last.peak_rss_kb / 1024.0,
                static_cast<unsigned long long>(c.last.flows),
                static_cast<unsigned long long>(c.last.peak_flows),
                static_cast<unsigned long long>(c.last.evicted));
  }
  return 0;
}
