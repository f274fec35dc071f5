// Writes a deterministic capture of mixed web-like traffic, for throughput
// benchmarks on machines that cannot record one (boards without tcpdump or
// Python; bench/make_capture.sh records real loopback traffic where they can):
//
//   synth_capture OUT.pcap [--packets N] [--concurrent N] [--snaplen N] [--seed N]
//                 [--syn-only 1]
//
// Sessions overlap in time (about --concurrent at once) and follow the
// shapes bench/make_capture.sh records for real: short HTTP exchanges closed
// by FIN/FIN, keep-alive sessions, large downloads, DNS over UDP and RST
// teardowns. Frames are Ethernet + IPv4 with zero-filled payload; --snaplen
// cuts what is stored (the wire length is kept), so a big capture stays
// small on an SD card. --syn-only 1 makes every packet a SYN of a new flow
// (all stay open: for measuring memory per tracked flow). The same arguments
// always give the same bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <random>
#include <string>
#include <vector>

namespace {

enum Flags : uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

// One packet of a session, before it gets its addresses and time.
struct Step {
  bool from_client;
  bool udp;
  uint8_t flags;
  uint16_t payload;
  uint32_t gap_us;  // after the previous packet of the session
};

struct Session {
  uint32_t client_ip, server_ip;
  uint16_t client_port, server_port;
  std::vector<Step> steps;
  size_t next = 0;
  uint32_t client_seq = 1000, server_seq = 5000;
};

struct Pending {
  uint64_t time_us;
  uint64_t order;  // ties broken by creation order: deterministic output
  Session* session;
  bool operator>(const Pending& o) const {
    return time_us != o.time_us ? time_us > o.time_us : order > o.order;
  }
};

class Generator {
 public:
  Generator(uint64_t seed, bool syn_only) : rng_(seed), syn_only_(syn_only) {}

  // A new session's packets, in order.
  Session* NewSession() {
    auto* s = new Session;
    s->client_ip = 0x0a000000u | static_cast<uint32_t>(Uniform(1, 60000));  // 10.0.0.0/16-ish
    s->server_ip = 0xc0000200u | static_cast<uint32_t>(Uniform(1, 40));     // 192.0.2.x
    s->client_port = static_cast<uint16_t>(Uniform(32768, 60999));
    if (syn_only_) {  // distinct keys: the n-th session's client is 10.x.y.z from n
      s->client_ip = 0x0a000000u | (++syn_sessions_ & 0xffffffu);
      s->client_port = static_cast<uint16_t>(1024 + (syn_sessions_ >> 24));
      s->server_port = 80;
      Add(s, true, kSyn, 0, 0);
      return s;
    }
    const int kind = static_cast<int>(Uniform(0, 99));
    if (kind < 25) {  // DNS
      s->server_port = 53;
      s->steps.push_back({true, true, 0, static_cast<uint16_t>(Uniform(28, 60)), 0});
      s->steps.push_back({false, true, 0, static_cast<uint16_t>(Uniform(60, 400)),
                          static_cast<uint32_t>(Uniform(200, 40000))});
      return s;
    }
    s->server_port = Uniform(0, 3) == 0 ? 8443 : 80;
    Handshake(s);
    if (kind < 75) {  // short HTTP: one request, a small response
      Exchange(s, Uniform(1, 8));
      Close(s);
    } else if (kind < 93) {  // keep-alive: several exchanges with think time
      const int n = static_cast<int>(Uniform(2, 6));
      for (int i = 0; i < n; ++i) Exchange(s, Uniform(1, 4), i == 0 ? 0 : Uniform(50000, 900000));
      Close(s);
    } else if (kind < 94) {  // large download
      Exchange(s, Uniform(200, 2000));
      Close(s);
    } else {  // reset in the middle
      Exchange(s, Uniform(1, 5));
      s->steps.push_back({Uniform(0, 1) == 0, false, kRst, 0, 1000});
    }
    return s;
  }

  uint64_t Uniform(uint64_t lo, uint64_t hi) { return lo + rng_() % (hi - lo + 1); }

 private:
  static void Add(Session* s, bool from_client, uint8_t flags, uint64_t payload, uint64_t gap) {
    s->steps.push_back(
        {from_client, false, flags, static_cast<uint16_t>(payload), static_cast<uint32_t>(gap)});
  }
  void Handshake(Session* s) {
    const uint64_t rtt = Uniform(100, 30000);
    Add(s, true, kSyn, 0, 0);
    Add(s, false, kSyn | kAck, 0, rtt);
    Add(s, true, kAck, 0, rtt);
  }
  void Exchange(Session* s, uint64_t segments, uint64_t think_us = 0) {
    Add(s, true, kPsh | kAck, Uniform(200, 700), think_us + Uniform(10, 500));
    Add(s, false, kAck, 0, Uniform(50, 5000));
    for (uint64_t i = 0; i < segments; ++i) {
      const bool last = i + 1 == segments;
      Add(s, false, last ? kPsh | kAck : kAck, last ? Uniform(100, 1448) : 1448, Uniform(5, 300));
      if (i % 2 == 1 || last) Add(s, true, kAck, 0, Uniform(5, 200));  // delayed ACKs
    }
  }
  void Close(Session* s) {
    const bool client_first = Uniform(0, 1) == 0;
    Add(s, client_first, kFin | kAck, 0, Uniform(100, 50000));
    Add(s, !client_first, kFin | kAck, 0, Uniform(50, 5000));
    Add(s, client_first, kAck, 0, Uniform(50, 5000));
  }

  std::mt19937_64 rng_;
  bool syn_only_;
  uint32_t syn_sessions_ = 0;
};

void Put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void Put32(uint8_t* p, uint32_t v) {
  Put16(p, v >> 16);
  Put16(p + 2, v & 0xffff);
}

// Ethernet + IPv4 + TCP/UDP headers, then zero payload. Returns the wire length.
size_t BuildFrame(Session* s, const Step& step, uint16_t ip_id, uint8_t* frame) {
  const size_t l4 = step.udp ? 8 : 20;
  const size_t ip_len = 20 + l4 + step.payload;
  std::memset(frame, 0, 14 + ip_len);
  frame[5] = step.from_client ? 1 : 2;
  frame[11] = step.from_client ? 2 : 1;
  frame[12] = 0x08;  // IPv4
  uint8_t* ip = frame + 14;
  ip[0] = 0x45;
  Put16(ip + 2, static_cast<uint32_t>(ip_len));
  Put16(ip + 4, ip_id);
  ip[6] = 0x40;  // DF
  ip[8] = 64;
  ip[9] = step.udp ? 17 : 6;
  Put32(ip + 12, step.from_client ? s->client_ip : s->server_ip);
  Put32(ip + 16, step.from_client ? s->server_ip : s->client_ip);
  uint8_t* l = ip + 20;
  Put16(l, step.from_client ? s->client_port : s->server_port);
  Put16(l + 2, step.from_client ? s->server_port : s->client_port);
  if (step.udp) {
    Put16(l + 4, static_cast<uint32_t>(8 + step.payload));
  } else {
    uint32_t& seq = step.from_client ? s->client_seq : s->server_seq;
    Put32(l + 4, seq);
    Put32(l + 8, step.from_client ? s->server_seq : s->client_seq);
    l[12] = 0x50;
    l[13] = step.flags;
    Put16(l + 14, step.flags & kSyn ? 64240 : 502);
    seq += step.payload + ((step.flags & (kSyn | kFin)) ? 1 : 0);
  }
  return 14 + ip_len;
}

int Usage() {
  std::fprintf(stderr,
               "usage: synth_capture OUT.pcap [--packets N (2000000)] [--concurrent N (2000)]\n"
               "                     [--snaplen N (200)] [--seed N (1)] [--syn-only 1]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return Usage();
  const char* path = argv[1];
  uint64_t packets = 2000000, concurrent = 2000, snaplen = 200, seed = 1, syn_only = 0;
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) return Usage();
    const std::string flag = argv[i];
    char* end = nullptr;
    const uint64_t v = std::strtoull(argv[i + 1], &end, 10);
    if (*end != '\0') return Usage();
    if (flag == "--packets") {
      packets = v;
    } else if (flag == "--concurrent") {
      concurrent = v > 0 ? v : 1;
    } else if (flag == "--snaplen") {
      snaplen = v < 54 ? 54 : (v > 65535 ? 65535 : v);
    } else if (flag == "--seed") {
      seed = v;
    } else if (flag == "--syn-only") {
      syn_only = v;
    } else {
      return Usage();
    }
  }
  FILE* out = std::fopen(path, "wb");
  if (out == nullptr) {
    std::perror(path);
    return 1;
  }
  std::setvbuf(out, nullptr, _IOFBF, 1 << 20);
  const uint32_t header[6] = {0xA1B2C3D4, 0x00040002, 0, 0, static_cast<uint32_t>(snaplen), 1};
  std::fwrite(header, sizeof(header), 1, out);

  Generator gen(seed, syn_only != 0);
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue;
  uint64_t order = 0, now_us = 1700000000ull * 1000000, written = 0, sessions = 0;
  // Sessions last about 50 ms to a few seconds; new ones arrive often enough
  // to keep about `concurrent` open.
  const uint64_t arrival_gap_us = 1000000 / concurrent + 1;
  uint64_t next_arrival = now_us;
  std::vector<uint8_t> frame(14 + 20 + 20 + 65535);
  uint16_t ip_id = 0;
  while (written < packets) {
    if (queue.empty() || next_arrival <= queue.top().time_us) {
      Session* s = gen.NewSession();
      ++sessions;
      queue.push({next_arrival, order++, s});
      next_arrival += gen.Uniform(1, 2 * arrival_gap_us);
      continue;
    }
    Pending p = queue.top();
    queue.pop();
    Session* s = p.session;
    const Step& step = s->steps[s->next++];
    const size_t wire = BuildFrame(s, step, ip_id++, frame.data());
    const uint32_t caplen = static_cast<uint32_t>(wire < snaplen ? wire : snaplen);
    const uint32_t record[4] = {static_cast<uint32_t>(p.time_us / 1000000),
                                static_cast<uint32_t>(p.time_us % 1000000), caplen,
                                static_cast<uint32_t>(wire)};
    std::fwrite(record, sizeof(record), 1, out);
    std::fwrite(frame.data(), caplen, 1, out);
    ++written;
    if (s->next < s->steps.size()) {
      queue.push({p.time_us + s->steps[s->next].gap_us, order++, s});
    } else {
      delete s;
    }
  }
  while (!queue.empty()) {  // sessions cut by --packets; the capture simply ends
    delete queue.top().session;
    queue.pop();
  }
  if (std::fclose(out) != 0) {
    std::perror(path);
    return 1;
  }
  std::fprintf(stderr, "synth_capture: %s: %llu packets, %llu sessions started\n", path,
               static_cast<unsigned long long>(written), static_cast<unsigned long long>(sessions));
  return 0;
}
