// Writes a pcap of N TCP SYNs with N distinct flow keys (a SYN flood), for
// the bounded-memory measurement:
//   bazel run -c opt //bench:synflood_gen -- /tmp/flood.pcap 5000000
//   bazel run -c opt //bench:throughput -- --pcap /tmp/flood.pcap --runs 1 --max-flows 100000
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: synflood_gen OUT.pcap N\n");
    return 2;
  }
  FILE* out = std::fopen(argv[1], "wb");
  if (out == nullptr) {
    std::perror(argv[1]);
    return 1;
  }
  const uint64_t n = std::strtoull(argv[2], nullptr, 10);
  const uint32_t header[6] = {0xA1B2C3D4, 0x00040002, 0, 0, 65535, 1};
  std::fwrite(header, sizeof(header), 1, out);
  uint8_t frame[54] = {};
  // Ethernet
  frame[12] = 0x08;
  // IPv4, 40 bytes, TCP
  frame[14] = 0x45;
  frame[17] = 40;
  frame[22] = 64;
  frame[23] = 6;
  frame[30] = 192;
  frame[31] = 0;
  frame[32] = 2;
  frame[33] = 80;
  // TCP: destination port 80, data offset 5, SYN, window 1024
  frame[36] = 0;
  frame[37] = 80;
  frame[46] = 0x50;
  frame[47] = 0x02;
  frame[48] = 0x04;
  for (uint64_t i = 0; i < n; ++i) {
    // Source 10.x.y.z and port: distinct for every i below 2^24 * 60000.
    const uint32_t host = static_cast<uint32_t>(i / 60000);
    const uint16_t port = static_cast<uint16_t>(1024 + i % 60000);
    frame[26] = 10;
    frame[27] = static_cast<uint8_t>(host >> 16);
    frame[28] = static_cast<uint8_t>(host >> 8);
    frame[29] = static_cast<uint8_t>(host);
    frame[34] = static_cast<uint8_t>(port >> 8);
    frame[35] = static_cast<uint8_t>(port);
    const uint32_t record[4] = {static_cast<uint32_t>(1700000000 + i / 1000000),
                                static_cast<uint32_t>(i % 1000000), sizeof(frame), sizeof(frame)};
    std::fwrite(record, sizeof(record), 1, out);
    std::fwrite(frame, sizeof(frame), 1, out);
  }
  std::fclose(out);
  std::printf("wrote %llu SYNs to %s\n", static_cast<unsigned long long>(n), argv[1]);
  return 0;
}
