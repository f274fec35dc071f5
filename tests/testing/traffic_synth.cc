#include "tests/testing/traffic_synth.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace netflower::testing {
namespace {

struct Event {
  int64_t ns;
  uint64_t order;
  Bytes frame;
};

}  // namespace

Bytes SynthesizeCapture(const SynthOptions& options) {
  std::mt19937_64 rng(options.seed);
  auto uniform = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  std::vector<Event> events;
  uint64_t order = 0;
  auto add = [&](int64_t ns, Bytes frame) { events.push_back({ns, order++, std::move(frame)}); };
  constexpr int64_t kSecond = 1000000000;
  const int64_t base = 1700000000 * kSecond;

  for (int s = 0; s < options.sessions; ++s) {
    const int host = static_cast<int>(rng() % static_cast<uint64_t>(options.hosts));
    const bool v6 = rng() % 10 == 0;
    const std::string client =
        v6 ? "2001:db8::" + std::to_string(host + 1)
           : "10.1." + std::to_string(host / 250) + "." + std::to_string(host % 250 + 1);
    const std::string server = v6 ? "2001:db8:1::" + std::to_string(rng() % 5 + 1)
                                  : "192.0.2." + std::to_string(rng() % 5 + 1);
    // Few client ports per host, so that 5-tuples get reused.
    const uint16_t cport = static_cast<uint16_t>(40000 + rng() % 40);
    int64_t t = base + uniform(0, 600) * kSecond + uniform(0, kSecond);
    const bool vlan = rng() % 8 == 0;
    auto frame = [&](const Bytes& ip) { return vlan ? VlanEthernet(ip, 1) : Ethernet(ip); };
    auto step = [&]() {
      const int r = static_cast<int>(rng() % 100);
      if (r < 80) return uniform(1000, 50 * 1000 * 1000);        // up to 50 ms
      if (r < 95) return uniform(kSecond, 7 * kSecond);          // subflow / idle gaps
      if (r < 99) return uniform(100 * kSecond, 200 * kSecond);  // beyond the idle timeout
      return -uniform(0, 3 * kSecond);                           // a step backwards
    };
    const int kind = static_cast<int>(rng() % 10);
    if (kind < 7) {  // TCP
      const uint16_t sport = 80 + static_cast<uint16_t>(rng() % 3);
      add(t, frame(Tcp(client, cport, server, sport, 0x02, 0, 64240)));
      t += step();
      add(t, frame(Tcp(server, sport, client, cport, 0x12, 0, 65160)));
      t += step();
      add(t, frame(Tcp(client, cport, server, sport, 0x10)));
      const int exchanges = static_cast<int>(rng() % 12);
      for (int i = 0; i < exchanges; ++i) {
        t += step();
        add(t, frame(Tcp(client, cport, server, sport, 0x18, rng() % 600)));
        const int burst = static_cast<int>(rng() % 8);
        for (int b = 0; b < burst; ++b) {
          t += uniform(1000, 2000000);
          add(t, frame(Tcp(server, sport, client, cport, 0x10, 1448)));
        }
        t += uniform(1000, 2000000);
        add(t, frame(Tcp(server, sport, client, cport, 0x18, rng() % 1448)));
        t += uniform(1000, 2000000);
        add(t, frame(Tcp(client, cport, server, sport, 0x10)));
      }
      const int close = static_cast<int>(rng() % 6);
      t += step();
      if (close < 3) {  // FIN exchange, sometimes a retransmission and late ACKs
        add(t, frame(Tcp(client, cport, server, sport, 0x11)));
        t += uniform(1000, kSecond);
        add(t, frame(Tcp(server, sport, client, cport, 0x11)));
        if (close == 1) {
          t += uniform(1000, kSecond);
          add(t, frame(Tcp(server, sport, client, cport, 0x11)));
        }
        t += uniform(1000, kSecond);
        add(t, frame(Tcp(client, cport, server, sport, 0x10)));
        if (close == 2) {
          t += uniform(1000, 3 * kSecond);
          add(t, frame(Tcp(server, sport, client, cport, 0x10)));
        }
      } else if (close < 5) {  // RST, sometimes followed by a straggler
        add(t, frame(Tcp(close == 3 ? client : server, close == 3 ? cport : sport,
                         close == 3 ? server : client, close == 3 ? sport : cport, 0x14)));
        if (rng() % 2) {
          t += uniform(1000, kSecond);
          add(t, frame(Tcp(server, sport, client, cport, 0x10, 10)));
        }
      }
      // close == 5: never closed
    } else if (kind < 9) {  // UDP request/response, sometimes long-lived
      const int rounds = kind == 8 ? static_cast<int>(rng() % 30) + 2 : 1;
      const uint16_t sport = static_cast<uint16_t>(kind == 8 ? 123 : 53);
      for (int i = 0; i < rounds; ++i) {
        add(t, frame(Udp(client, cport, server, sport, rng() % 60)));
        t += uniform(1000, 5000000);
        if (rng() % 4) add(t, frame(Udp(server, sport, client, cport, rng() % 500)));
        t += step();
      }
    } else {  // noise: ARP, ICMP, fragments
      add(t, EthernetWithType(0x0806, Bytes(28, 1)));
      IpPacketSpec icmp;
      icmp.src = v6 ? "2001:db8::99" : "10.9.9.9";
      icmp.dst = server;
      icmp.protocol = v6 ? 58 : 1;
      icmp.payload = 16;
      add(t + 1000, Ethernet(IpPacket(icmp)));
      IpPacketSpec frag;
      frag.src = client;
      frag.dst = server;
      frag.protocol = 17;
      frag.payload = 100;
      frag.fragment_field = v6 ? 0x00A8 : 0x0020;
      add(t + 2000, Ethernet(IpPacket(frag)));
    }
  }
  // File order: by time, except that steps backwards stay where they were
  // generated relative to their own session (stable sort on a coarse key).
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return a.ns / 2000000000 < b.ns / 2000000000;
  });
  PcapFile file(1, options.nanosecond);
  for (const Event& e : events) {
    const uint32_t sec = static_cast<uint32_t>(e.ns / 1000000000);
    const uint32_t frac = static_cast<uint32_t>(e.ns % 1000000000);
    file.Add(sec, options.nanosecond ? frac : frac / 1000, e.frame);
  }
  return file.bytes();
}

}  // namespace netflower::testing
