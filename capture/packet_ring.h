// An AF_PACKET TPACKET_V3 receive ring on one network interface.
//
// Set-up follows libpcap's pcap-linux.c: socket(AF_PACKET, SOCK_RAW), the
// TPACKET_V3 version, a PACKET_RX_RING of blocks that the kernel fills and
// retires (when full or after `block_timeout_ms`), mmap of the whole ring,
// bind to the interface. Blocks are walked by their status word and handed
// back to the kernel as soon as their packets are read. Several rings can
// join one PACKET_FANOUT_HASH group, so the kernel's flow hash spreads flows
// (both directions of each on the same ring) over them.
#ifndef NETFLOWER_CAPTURE_PACKET_RING_H_
#define NETFLOWER_CAPTURE_PACKET_RING_H_

#include <linux/if_packet.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "netflower/options.h"

namespace netflower {

// How a ring is set up: the capture's options (ring geometry, filter,
// promiscuous mode: CaptureOptions' ring_*, filter, promiscuous), and what
// the live pipeline adds.
struct RingOptions {
  const CaptureOptions* capture = nullptr;
  // Frames hold the largest packet (MTU + headers) and are only a sizing
  // hint for V3; 0: from the interface MTU.
  uint32_t frame_size = 0;
  // > 0: join this PACKET_FANOUT_HASH group (rings of one capture share it).
  uint16_t fanout_group = 0;
};

struct RingStats {
  uint64_t packets = 0;       // received by the socket (kernel count)
  uint64_t drops = 0;         // dropped for lack of ring space
  uint64_t freeze_count = 0;  // times the queue was frozen (TPACKET_V3)
};

// One received packet. `data` points into the ring; it stays valid until the
// next call of Next() that moves to another block, or ReleaseBlock().
struct RingPacket {
  const uint8_t* data = nullptr;
  uint32_t length = 0;       // captured bytes
  uint32_t wire_length = 0;  // original length
  uint32_t sec = 0;
  uint32_t nsec = 0;
};

// Whether this process can open a TPACKET_V3 capture socket: OK, or why not
// (PermissionDenied without root or CAP_NET_RAW; Unimplemented on a kernel
// or emulator without it). Opens and closes one socket; no ring.
absl::Status ProbeTpacketV3();

class PacketRing {
 public:
  // Opens the ring. Errors, each naming the cause and the fix:
  // NotFound (no such interface), FailedPrecondition (interface down),
  // PermissionDenied (needs root or CAP_NET_RAW), ResourceExhausted (ring
  // too large), InvalidArgument (bad filter). Nothing is left open on error.
  static absl::StatusOr<std::unique_ptr<PacketRing>> Open(const std::string& interface,
                                                          const RingOptions& options);
  ~PacketRing();
  PacketRing(const PacketRing&) = delete;
  PacketRing& operator=(const PacketRing&) = delete;

  // Next packet, or false if none is ready within `timeout_ms` (poll).
  // Returns false at once (after handing the current block back) if
  // Interrupt() was called.
  bool Next(RingPacket* packet, int timeout_ms);

  // Makes a Next() blocked in poll return soon (from any thread).
  void Interrupt();

  // Kernel counters since the last call, accumulated (reading resets them
  // in the kernel).
  RingStats ReadStats();

  // LINKTYPE_* of the interface's frames (Ethernet for most; raw IP for
  // tunnels).
  uint16_t link_type() const { return link_type_; }

 private:
  PacketRing() = default;
  // The current block if the kernel has handed it over, else null.
  tpacket_block_desc* AcquireBlock();
  // Hands the current block back to the kernel and moves to the next.
  void ReleaseBlock();

  int fd_ = -1;
  int wake_fd_ = -1;  // eventfd for Interrupt()
  uint8_t* ring_ = nullptr;
  size_t ring_size_ = 0;
  uint32_t block_size_ = 0;
  uint32_t block_count_ = 0;
  uint16_t link_type_ = 1;
  bool loopback_ = false;  // skip the outgoing copy of each packet
  // Walking state.
  uint32_t block_ = 0;     // current block index
  bool in_block_ = false;  // current block is ours (TP_STATUS_USER)
  uint32_t left_in_block_ = 0;
  const uint8_t* next_packet_ = nullptr;
  RingStats totals_;
};

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_PACKET_RING_H_
