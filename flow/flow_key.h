// Bidirectional flow keys and their seeded hash.
#ifndef NETFLOWER_FLOW_FLOW_KEY_H_
#define NETFLOWER_FLOW_FLOW_KEY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "capture/decode.h"
#include "features/cic_columns.h"
#include "netflower/flow_record.h"

namespace netflower {

// The unordered endpoint pair of a flow plus protocol and address family:
// endpoint A is the smaller (address bytes, then port) of the two, so both
// directions of a conversation have the same key. At most one flow per key
// is in a table at any time (FLOW-RULES §5.2), which is why one lookup of the
// unordered key replaces netflower 1.0's "own key, else reverse key".
struct FlowKey {
  uint8_t addr_a[16];
  uint8_t addr_b[16];  // directly after addr_a (FlowTable copies both at once)
  uint16_t port_a;
  uint16_t port_b;
  uint8_t protocol;
  uint8_t family;  // 4 or 6: part of the key in the default profile
  uint8_t padding[2];

  friend bool operator==(const FlowKey& x, const FlowKey& y) {
    return std::memcmp(&x, &y, sizeof(FlowKey)) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40, "FlowKey must have no implicit padding");

// The key's last 8 bytes (ports, protocol, family, zero padding) as one
// word, in memory order, and SetKeyTail stores it with one store. The hash
// reads them as one 8-byte word right after the key is built, and a load
// that spans several narrower pending stores cannot take its data from
// them: it waits for them to reach the cache (the hash's share of the live
// ring thread was a quarter, mostly on that load).
inline uint64_t KeyTailWord(uint16_t port_a, uint16_t port_b, uint8_t protocol, uint8_t family) {
  struct Tail {
    uint16_t port_a, port_b;
    uint8_t protocol, family, padding[2];
  } tail = {port_a, port_b, protocol, family, {0, 0}};
  static_assert(sizeof(Tail) == 8 && offsetof(FlowKey, port_a) == 32, "the key's tail");
  uint64_t word;
  std::memcpy(&word, &tail, 8);
  return word;
}

inline void SetKeyTail(uint16_t port_a, uint16_t port_b, uint8_t protocol, uint8_t family,
                       FlowKey* key) {
  const uint64_t word = KeyTailWord(port_a, port_b, protocol, family);
  std::memcpy(&key->port_a, &word, 8);
}

// Builds the key of a decoded packet. Sets *src_is_a when the packet's source
// is endpoint A (always true when source equals destination).
inline FlowKey MakeFlowKey(const DecodedPacket& p, bool* src_is_a) {
  // Compare (address, port) as big-endian integers: the same order as
  // memcmp, without a library call.
  uint64_t s[2], d[2];
  std::memcpy(s, p.src.bytes, 16);
  std::memcpy(d, p.dst.bytes, 16);
  const uint64_t s0 = __builtin_bswap64(s[0]), d0 = __builtin_bswap64(d[0]);
  const uint64_t s1 = __builtin_bswap64(s[1]), d1 = __builtin_bswap64(d[1]);
  bool less_or_equal;
  if (s0 != d0) {
    less_or_equal = s0 < d0;
  } else if (s1 != d1) {
    less_or_equal = s1 < d1;
  } else {
    less_or_equal = p.src_port <= p.dst_port;
  }
  *src_is_a = less_or_equal;
  FlowKey key;
  std::memcpy(key.addr_a, less_or_equal ? s : d, 16);
  std::memcpy(key.addr_b, less_or_equal ? d : s, 16);
  SetKeyTail(less_or_equal ? p.src_port : p.dst_port, less_or_equal ? p.dst_port : p.src_port,
             p.protocol, p.src.family, &key);
  return key;
}

// The key of a packet under CICFlowMeter's rules: its Flow ID (docs/CIC.md).
// Endpoint A is the one whose IPv4 address is smaller as Java's signed bytes,
// ports following their addresses; with equal addresses the source is A, so
// the two directions of such a conversation have different keys, as their
// Flow IDs differ. REQUIRES: an IPv4 packet.
inline FlowKey MakeCicFlowKey(const DecodedPacket& p, bool* src_is_a) {
  const bool src_first = CicSourceFirst(p.src.bytes, p.dst.bytes);
  *src_is_a = src_first;
  FlowKey key;
  std::memcpy(key.addr_a, (src_first ? p.src : p.dst).bytes, 16);
  std::memcpy(key.addr_b, (src_first ? p.dst : p.src).bytes, 16);
  SetKeyTail(src_first ? p.src_port : p.dst_port, src_first ? p.dst_port : p.src_port, p.protocol,
             4, &key);
  return key;
}

inline IpAddress KeyAddress(const FlowKey& key, bool endpoint_a) {
  IpAddress address;
  address.family = key.family;
  std::memcpy(address.bytes, endpoint_a ? key.addr_a : key.addr_b, 16);
  return address;
}

// The 128-bit product of a and b, folded to 64 bits by xor of its halves:
// one widening multiply (x86-64 MUL, aarch64 MUL+UMULH). Only 64-bit targets
// with __int128 are supported (README, "ARM"); flow_table_test checks it
// against a schoolbook version from 32-bit halves.
static_assert(sizeof(unsigned __int128) == 16, "netflower needs a 64-bit target with __int128");
inline uint64_t MulFold(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// Keyed 64-bit hash of a FlowKey. The seed is drawn per run so that crafted
// traffic cannot aim many keys at one bucket; the mixing is the 128-bit
// multiply-fold used by wyhash. Symmetric by construction (the key is).
class FlowHasher {
 public:
  explicit FlowHasher(uint64_t seed) : seed_(seed) {}

  uint64_t operator()(const FlowKey& key) const {
    // Word by word, straight from the key (a copy to a local array first
    // compiled to stores and reloads).
    const auto* bytes = reinterpret_cast<const uint8_t*>(&key);
    auto word = [bytes](int i) {
      uint64_t w;
      std::memcpy(&w, bytes + 8 * i, 8);
      return w;
    };
    return Words(word(0), word(1), word(2), word(3), word(4));
  }

  // The same from the key's five 8-byte words (memory order), for a caller
  // that has them in registers (FlowTable::HashOf).
  uint64_t Words(uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4) const {
    uint64_t h = MulFold(w0 ^ seed_, w1 ^ kP1);
    h = MulFold(h ^ w2, w3 ^ kP2);
    h = MulFold(h ^ w4, seed_ ^ kP3);
    return h;
  }

 private:
  static constexpr uint64_t kP1 = 0xa0761d6478bd642full;
  static constexpr uint64_t kP2 = 0xe7037ed1a0b428dbull;
  static constexpr uint64_t kP3 = 0x8ebc6af09c88c6e3ull;

  uint64_t seed_;
};

// A fresh seed from the kernel's random source (getrandom), falling back to
// clock and address entropy if that fails.
uint64_t RandomHashSeed();

}  // namespace netflower

#endif  // NETFLOWER_FLOW_FLOW_KEY_H_
