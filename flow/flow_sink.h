// Where emitted flows go.
#ifndef NETFLOWER_FLOW_FLOW_SINK_H_
#define NETFLOWER_FLOW_FLOW_SINK_H_

#include <cstdint>
#include <limits>

#include "netflower/flow_record.h"

namespace netflower {

// The event that emitted a flow. Rows sorted by (event_packet, kind,
// first_packet) are in single-job emission order (FLOW-RULES §9.3, §10.2).
enum class EmitKind : uint8_t {
  kPacket = 0,  // expiry on arrival or termination at packet `event_packet`
  kSweep = 1,   // the sweep after packet `event_packet`
  kEnd = 2,     // end of input (event_packet is kEndOfInput)
};

inline constexpr uint64_t kEndOfInput = std::numeric_limits<uint64_t>::max();

// Why a flow was emitted (for the run summary, and IPFIX's flowEndReason).
enum class EmitReason : uint8_t {
  kFin = 0,        // TCP FIN exchange completed
  kRst,            // TCP RST
  kIdleTimeout,    // idle, found on arrival or in a sweep
  kActiveTimeout,  // duration cap reached
  kEndOfInput,     // still open when the input ended (or capture stopped)
  kPacketLimit,    // reached kMaxFlowPackets packets
  kEvicted,        // the table was full (max_flows): least recently active flow
  kInterim,        // not an end: an interim report of an open flow (Config::interim)
  kCount
};

// The export_reason column's value of a row emitted for `reason`.
inline ExportReason ExportReasonOf(EmitReason reason) {
  switch (reason) {
    case EmitReason::kFin:
      return ExportReason::kFin;
    case EmitReason::kRst:
      return ExportReason::kRst;
    case EmitReason::kIdleTimeout:
      return ExportReason::kIdle;
    case EmitReason::kActiveTimeout:
      return ExportReason::kActive;
    case EmitReason::kEvicted:
      return ExportReason::kEvicted;
    case EmitReason::kInterim:
      return ExportReason::kInterim;
    case EmitReason::kEndOfInput:
    case EmitReason::kPacketLimit:
    case EmitReason::kCount:
      break;
  }
  return ExportReason::kEnd;
}

struct EmitTag {
  uint64_t event_packet = 0;
  EmitKind kind = EmitKind::kPacket;
  uint64_t first_packet = 0;  // number of the flow's first packet
  // Not part of the order: why the flow ended (set by the engine as it emits).
  EmitReason reason = EmitReason::kEndOfInput;

  friend bool operator<(const EmitTag& a, const EmitTag& b) {
    if (a.event_packet != b.event_packet) return a.event_packet < b.event_packet;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.first_packet < b.first_packet;
  }
};

class FlowSink {
 public:
  virtual ~FlowSink() = default;
  // Called once per emitted flow, in emission order, on the engine's thread.
  virtual void OnFlow(const FlowRecord& record, const EmitTag& tag) = 0;
};

// Told which flow each packet joined (save_pcap keeps frames per flow). Only
// set when needed: the engine skips the call when there is no observer.
class PacketObserver {
 public:
  virtual ~PacketObserver() = default;
  // The packet just processed was added to the flow whose first packet is
  // `first_packet`; called before a termination the packet causes emits it.
  virtual void OnPacketAdded(uint64_t first_packet) = 0;
  // CIC engine: the flow `first_packet` ends without a row (one packet).
  virtual void OnFlowDropped(uint64_t first_packet) { (void)first_packet; }
  // CIC engine: the flow `first_packet` is written under the tag number
  // `renumbered` (its rank in the end flush's order).
  virtual void OnFlowRenumbered(uint64_t first_packet, uint64_t renumbered) {
    (void)first_packet;
    (void)renumbered;
  }
};

}  // namespace netflower

#endif  // NETFLOWER_FLOW_FLOW_SINK_H_
