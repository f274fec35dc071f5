// Sends the frames of a pcap file out of an interface at a fixed rate (or as
// fast as it can), looping over the file: a traffic source for the live
// capture benchmark, faster than tcpreplay on small machines.
//
//   packet_blaster --iface IF --pcap FILE --rate PPS --count N
//
// AF_PACKET raw socket with PACKET_QDISC_BYPASS, frames sent with sendmmsg
// in batches; the rate is kept with a token bucket on the monotonic clock.
// Prints the packets sent and the achieved rate.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  std::string iface, pcap_path;
  double rate = 0;  // 0: as fast as possible
  uint64_t count = 1000000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--iface") {
      iface = argv[i + 1];
    } else if (a == "--pcap") {
      pcap_path = argv[i + 1];
    } else if (a == "--rate") {
      rate = std::atof(argv[i + 1]);
    } else if (a == "--count") {
      count = std::strtoull(argv[i + 1], nullptr, 10);
    }
  }
  if (iface.empty() || pcap_path.empty()) {
    std::fprintf(stderr, "usage: packet_blaster --iface IF --pcap FILE [--rate PPS] [--count N]\n");
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(pcap_path.c_str(), err);
  if (p == nullptr) {
    std::fprintf(stderr, "%s\n", err);
    return 1;
  }
  std::vector<std::string> frames;
  struct pcap_pkthdr* h;
  const u_char* data;
  while (pcap_next_ex(p, &h, &data) == 1 && frames.size() < 200000) {
    if (h->caplen >= 14 && h->caplen <= 1514) {
      frames.emplace_back(reinterpret_cast<const char*>(data), h->caplen);
    }
  }
  pcap_close(p);
  if (frames.empty()) {
    std::fprintf(stderr, "no usable frames in %s\n", pcap_path.c_str());
    return 1;
  }
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) {
    std::perror("socket");
    return 1;
  }
  int one = 1;
  setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
  sockaddr_ll addr{};
  addr.sll_family = AF_PACKET;
  addr.sll_ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
  addr.sll_protocol = htons(ETH_P_ALL);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::perror("bind");
    return 1;
  }
  constexpr int kBatch = 64;
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  const auto start = std::chrono::steady_clock::now();
  uint64_t sent = 0;
  size_t next = 0;
  while (sent < count) {
    int n = static_cast<int>(std::min<uint64_t>(kBatch, count - sent));
    if (rate > 0) {
      // Token bucket: do not get ahead of rate * elapsed.
      for (;;) {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double allowed = rate * elapsed - static_cast<double>(sent);
        if (allowed >= n) break;
        if (allowed >= 1) {
          n = static_cast<int>(allowed);
          break;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    for (int i = 0; i < n; ++i) {
      const std::string& f = frames[next];
      next = (next + 1) % frames.size();
      iov[i].iov_base = const_cast<char*>(f.data());
      iov[i].iov_len = f.size();
      std::memset(&msgs[i], 0, sizeof(msgs[i]));
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int r = sendmmsg(fd, msgs, static_cast<unsigned>(n), 0);
    if (r < 0) {
      if (errno == ENOBUFS || errno == EAGAIN) continue;
      std::perror("sendmmsg");
      return 1;
    }
    sent += static_cast<uint64_t>(r);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("sent %llu packets in %.3f s: %.0f packets/s\n",
              static_cast<unsigned long long>(sent), seconds, static_cast<double>(sent) / seconds);
  close(fd);
  return 0;
}
