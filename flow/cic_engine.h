// The flow engine of the CIC layouts: CICFlowMeter's FlowGenerator rules
// (docs/CIC.md, "Flows"), with the same interface as FlowEngine so that the
// pipeline runs either.
//
// - A packet whose key has a flow joins it, unless the flow started more
//   than the flow timeout ago (120 s by default; measured from the first
//   packet, not the last): then the flow ends and the packet starts a new
//   one. There is no idle timeout and, reading files, no sweep: a flow waits
//   for its next packet or the end of the input.
// - The dataset layouts' generator: a packet with FIN, from either side,
//   joins its flow and ends it; the packets after it (the other FIN, the
//   last ACK) start a new flow. Flows are keyed by the canonical Flow ID, so
//   the two directions between one address and itself are two flows.
// - Master's generator (the cicflowmeter layout): a flow is found by either
//   direction of the packet; a backward FIN ends it; a forward FIN does not
//   (its test reads the backward FIN count twice), and a second forward FIN
//   is dropped; a RST ends the flow. Dropped packets count as late.
// - Flows of one packet are never written (counted: one_packet_flows).
// - At the end, the open flows are written in the iteration order of the
//   Java HashMap that held them, keyed by the Flow ID text (master: the
//   first packet's source-first id): by bucket of the String hash at the
//   map's final capacity, then by insertion. That order needs the whole
//   table, which is why a CIC run has one flow worker.
#ifndef NETFLOWER_FLOW_CIC_ENGINE_H_
#define NETFLOWER_FLOW_CIC_ENGINE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "capture/profile.h"
#include "features/cic_columns.h"
#include "features/cic_flow.h"
#include "flow/flow_engine.h"
#include "flow/flow_key.h"
#include "flow/flow_sink.h"
#include "flow/flow_table.h"

namespace netflower {

// Where a CIC engine's flows go.
class CicFlowSink {
 public:
  virtual ~CicFlowSink() = default;
  // Called once per written flow, in output order, on the engine's thread.
  virtual void OnCicFlow(const CicRecord& record, const EmitTag& tag) = 0;
};

// Java's String.hashCode of `text` (ASCII): s[0]*31^(n-1) + ... in int32.
inline int32_t JavaStringHash(std::string_view text) {
  uint32_t h = 0;
  for (char c : text) h = 31 * h + static_cast<uint8_t>(c);
  return static_cast<int32_t>(h);
}

// The bucket java.util.HashMap files a key with hash `h` under, at `capacity`
// (a power of two): the hash's high half is folded into its low half first.
inline uint32_t JavaHashMapBucket(int32_t h, uint32_t capacity) {
  const uint32_t u = static_cast<uint32_t>(h);
  return (u ^ (u >> 16)) & (capacity - 1);
}

// The capacity of a java.util.HashMap (default 16, load factor 0.75) that
// has held at most `peak` entries: it doubles when an insertion makes the
// size exceed three quarters of it, and never shrinks.
inline uint32_t JavaHashMapCapacity(uint64_t peak) {
  uint64_t capacity = 16;
  while (peak > capacity / 4 * 3 && capacity < (uint64_t{1} << 30)) capacity *= 2;
  return static_cast<uint32_t>(capacity);
}

// Tags of the end flush carry the flow's rank in the HashMap order with this
// bit set (never a packet number), so that they sort in that order.
inline constexpr uint64_t kCicRankBit = uint64_t{1} << 63;

class CicFlowEngine {
 public:
  using P = CicProfile;
  using Time = P::Time;

  struct Config {
    Time idle_timeout{};     // not used: CICFlowMeter has no idle timeout
    bool has_cap = false;    // the flow timeout, from the first packet
    Time cap{};              // default (has_cap false): 120 s
    uint64_t max_flows = 0;  // 0: no limit; else the oldest flow is ended first
    const std::atomic<int64_t>* epoch_shift_seconds = nullptr;  // not used
    // The layout (kCicflowmeter: master's generator and BasicFlow) and
    // --cic-fixes (docs/CIC.md, "Fixes").
    ColumnSet columns = ColumnSet::kCicIds2017;
    bool fixes = false;
    bool sweeps_expire = false;  // live: a sweep ends flows past the timeout
  };

  CicFlowEngine(const Config& config, uint64_t hash_seed, CicFlowSink* sink)
      : config_(config),
        timeout_us_(config.has_cap ? config.cap / 1000
                                   : static_cast<int64_t>(kCicFlowTimeoutSeconds * 1e6)),
        rules_(CicRulesFor(config.columns, config.fixes)),
        master_(config.columns == ColumnSet::kCicflowmeter),
        flows_(hash_seed),
        sink_(sink) {}

  uint64_t Hash(const FlowKey& key) const { return flows_.Hash(key); }
  void PrefetchBucket(uint64_t hash) const { flows_.PrefetchBucket(hash); }
  void PrefetchFlow(uint64_t hash) const { flows_.PrefetchValue(hash); }
  void set_packet_observer(PacketObserver* observer) { observer_ = observer; }

  void Process(const EnginePacket<P>& pkt) {
    ++counters_.packets;
    const CicPacketInfo info = InfoOf(pkt);
    uint32_t slot = flows_.Find(pkt.key, pkt.hash);
    if (slot == kNoSlot && master_) slot = FindReverseOfSameAddressKey(pkt.key);
    if (slot == kNoSlot) {
      slot = Create(pkt, info);
      Observe(slot);
      return;
    }
    Flow& flow = flows_.At(slot);
    if (FlowIsTimedOut(flow, info.time_us)) {
      // The packet starts a new flow under the same key (the old one is
      // written if it has two packets or more).
      const IpAddress src = flow.cic.src(), dst = flow.cic.dst();
      const uint16_t sport = flow.cic.src_port(), dport = flow.cic.dst_port();
      End(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet},
          EmitReason::kActiveTimeout, /*erase=*/false);
      Restart(slot, pkt, info, src, sport, dst, dport);
      Observe(slot);
      return;
    }
    const bool forward = IsForward(flow, pkt);
    if (master_) {
      MasterTcpRules(slot, flow, pkt, info, forward);
      return;
    }
    if (info.flags & kCicFin) {
      flow.cic.Add(info, forward);
      Observe(slot);
      End(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet}, EmitReason::kFin,
          /*erase=*/true);
      return;
    }
    flow.cic.UpdateActiveIdle(info.time_us);
    flow.cic.Add(info, forward);
    Observe(slot);
  }

  // Reading files: nothing (CICFlowMeter has no sweep). Live
  // (sweeps_expire): ends the flows that started more than the flow timeout
  // before `now`, oldest first.
  void Sweep(Time now, uint64_t packet_number) {
    if (!config_.sweeps_expire) return;
    const int64_t now_us = ToMicros(now);
    while (!by_age_.empty()) {
      const AgeEntry e = by_age_.front();
      const Flow& flow = flows_.At(e.slot);
      if (!flow.in_use || flow.seq != e.seq) {
        by_age_.pop_front();
        continue;
      }
      if (!FlowIsTimedOut(flow, now_us)) break;
      by_age_.pop_front();
      End(e.slot, EmitTag{packet_number, EmitKind::kSweep, flow.first_packet},
          EmitReason::kActiveTimeout, /*erase=*/true);
    }
  }

  // End of input: every open flow of two packets or more, in HashMap order;
  // once `stop` is set (a cancelled run) the rest are let go, as
  // FlowEngine::FlushAll does.
  void FlushAll(const std::atomic<bool>* stop = nullptr) {
    const uint32_t capacity = JavaHashMapCapacity(counters_.peak_flows);
    struct Open {
      uint32_t bucket;
      uint64_t seq;
      uint32_t slot;
    };
    std::vector<Open> open;
    open.reserve(flows_.size());
    char id[kMaxCicFlowIdChars];
    for (uint32_t slot = 0; slot < flows_.slot_limit(); ++slot) {
      const Flow& flow = flows_.At(slot);
      if (!flow.in_use) continue;
      const size_t n = FormatCicFlowId(flow.cic.src(), flow.cic.src_port(), flow.cic.dst(),
                                       flow.cic.dst_port(), flow.cic.protocol(),
                                       /*canonical=*/!master_, id);
      open.push_back({JavaHashMapBucket(JavaStringHash({id, n}), capacity), flow.seq, slot});
    }
    std::sort(open.begin(), open.end(), [](const Open& a, const Open& b) {
      return a.bucket != b.bucket ? a.bucket < b.bucket : a.seq < b.seq;
    });
    uint64_t rank = 0;
    for (const Open& o : open) {
      if (stop != nullptr && (rank & 255) == 0 && stop->load(std::memory_order_relaxed)) break;
      const uint64_t tag_rank = kCicRankBit | ++rank;
      if (observer_ != nullptr)
        observer_->OnFlowRenumbered(flows_.At(o.slot).first_packet, tag_rank);
      End(o.slot, EmitTag{kEndOfInput, EmitKind::kEnd, tag_rank}, EmitReason::kEndOfInput,
          /*erase=*/true);
    }
    by_age_.clear();
  }

  size_t open_flows() const { return flows_.size(); }
  const EngineCounters& counters() const { return counters_; }
  size_t MemoryBytes() const { return flows_.MemoryBytes() + by_age_.size() * sizeof(AgeEntry); }

 private:
  struct Flow {
    CompactKey key;  // managed by the table
    uint64_t first_packet = 0;
    uint64_t seq = 0;  // insertion into CICFlowMeter's map: 1, 2, ...
    bool in_use = false;
    uint8_t fwd_fins = 0, bwd_fins = 0;  // master's FIN counts (saturating)
    CicFlow cic;
  };
  struct AgeEntry {
    uint32_t slot;
    uint64_t seq;
  };

  static int64_t ToMicros(Time t) {
    // CICFlowMeter reads microsecond timestamps: truncate toward the past.
    return t >= 0 ? t / 1000 : -((-t + 999) / 1000);
  }

  CicPacketInfo InfoOf(const EnginePacket<P>& pkt) const {
    CicPacketInfo info;
    info.time_us = ToMicros(pkt.time);
    info.payload = pkt.fields.payload_len;
    info.header = pkt.fields.header_len;
    info.flags = pkt.fields.flags;
    info.window = pkt.fields.window;
    // Master's BasicPacketInfo starts the window at 0, the dataset code's
    // at -1: a UDP packet's "window".
    if (rules_ == CicRules::kMaster && info.window < 0) info.window = 0;
    return info;
  }

  // FlowGenerator: a flow ends when a packet comes more than the flow
  // timeout after its first packet.
  bool FlowIsTimedOut(const Flow& flow, int64_t now_us) const {
    return now_us - flow.cic.start_time() > timeout_us_;
  }

  // A packet is forward when its source address is the flow's source
  // address (ports are not compared).
  static bool IsForward(const Flow& flow, const EnginePacket<P>& pkt) {
    const IpAddress src = KeyAddress(pkt.key, pkt.src_is_a);
    return std::memcmp(src.bytes, flow.cic.src().bytes, 16) == 0;
  }

  uint32_t Create(const EnginePacket<P>& pkt, const CicPacketInfo& info) {
    if (config_.max_flows != 0 && flows_.size() >= config_.max_flows) EndOldest(pkt.number);
    const uint32_t slot = flows_.Insert(pkt.key, pkt.hash);
    ++counters_.flows_created;
    counters_.peak_flows = std::max<uint64_t>(counters_.peak_flows, flows_.size());
    const FlowKey& k = pkt.key;
    const bool a = pkt.src_is_a;
    Restart(slot, pkt, info, KeyAddress(k, a), a ? k.port_a : k.port_b, KeyAddress(k, !a),
            a ? k.port_b : k.port_a);
    return slot;
  }

  // (Re)starts the flow at `slot` with `pkt` as its first packet: a new
  // entry of the map (CICFlowMeter removes and puts the key again). The
  // endpoints are the packet's for a new key, the old flow's after a
  // timeout (with fixes, the packet's).
  void Restart(uint32_t slot, const EnginePacket<P>& pkt, const CicPacketInfo& info,
               const IpAddress& src, uint16_t sport, const IpAddress& dst, uint16_t dport) {
    Flow& flow = flows_.At(slot);
    flow.in_use = true;
    flow.first_packet = pkt.number;
    flow.seq = ++seq_;
    flow.fwd_fins = flow.bwd_fins = 0;
    flow.cic = CicFlow();
    if (rules_ == CicRules::kFixed) {
      const FlowKey& k = pkt.key;
      const bool a = pkt.src_is_a;
      flow.cic.Start(info, KeyAddress(k, a), a ? k.port_a : k.port_b, KeyAddress(k, !a),
                     a ? k.port_b : k.port_a, pkt.key.protocol, rules_);
    } else {
      flow.cic.Start(info, src, sport, dst, dport, pkt.key.protocol, rules_);
    }
    by_age_.push_back({slot, flow.seq});
  }

  // Master finds a flow by the packet's own id or the reverse one: the same
  // unordered pair, which the key already is, except between an address and
  // itself, where the key keeps the packet's direction.
  uint32_t FindReverseOfSameAddressKey(const FlowKey& key) const {
    if (std::memcmp(key.addr_a, key.addr_b, 16) != 0 || key.port_a == key.port_b) return kNoSlot;
    FlowKey reverse = key;
    std::swap(reverse.port_a, reverse.port_b);
    return flows_.Find(reverse, flows_.Hash(reverse));
  }

  // Master's FlowGenerator after the timeout test, literally: its FIN test
  // reads (bwd FINs + bwd FINs) == 2, so a backward FIN always ends the
  // flow, a forward one never does, and a repeated forward FIN is dropped;
  // RST ends the flow; other packets join unless the backward side has sent
  // a FIN (which never happens to a flow still in the map).
  void MasterTcpRules(uint32_t slot, Flow& flow, const EnginePacket<P>& pkt,
                      const CicPacketInfo& info, bool forward) {
    const EmitTag tag{pkt.number, EmitKind::kPacket, flow.first_packet};
    if (info.flags & kCicFin) {
      uint8_t& fins = forward ? flow.fwd_fins : flow.bwd_fins;
      if (fins < 255) ++fins;
      if (fins != 1) {
        ++counters_.late_packets;  // "received N FIN packets": dropped
        return;
      }
      if (flow.bwd_fins + flow.bwd_fins == 2) {
        flow.cic.Add(info, forward);
        Observe(slot);
        End(slot, tag, EmitReason::kFin, /*erase=*/true);
      } else {
        flow.cic.UpdateActiveIdle(info.time_us);
        flow.cic.Add(info, forward);
        Observe(slot);
      }
      return;
    }
    if (info.flags & kCicRst) {
      flow.cic.Add(info, forward);
      Observe(slot);
      End(slot, tag, EmitReason::kRst, /*erase=*/true);
      return;
    }
    if ((forward && flow.fwd_fins == 0) || flow.bwd_fins == 0) {
      flow.cic.UpdateActiveIdle(info.time_us);
      flow.cic.Add(info, forward);
      Observe(slot);
    } else {
      ++counters_.late_packets;  // "FLOW already closed": dropped
    }
  }

  void Observe(uint32_t slot) {
    if (observer_ != nullptr) observer_->OnPacketAdded(flows_.At(slot).first_packet);
  }

  // max_flows: ends the flow that started first (it is written like a
  // timed-out one, counted as evicted).
  void EndOldest(uint64_t packet_number) {
    while (!by_age_.empty()) {
      const AgeEntry e = by_age_.front();
      by_age_.pop_front();
      const Flow& flow = flows_.At(e.slot);
      if (!flow.in_use || flow.seq != e.seq) continue;
      End(e.slot, EmitTag{packet_number, EmitKind::kPacket, flow.first_packet},
          EmitReason::kEvicted, /*erase=*/true);
      return;
    }
  }

  // Writes the flow (two packets or more; else counts it) and, if `erase`,
  // removes it from the table.
  void End(uint32_t slot, const EmitTag& tag, EmitReason reason, bool erase) {
    Flow& flow = flows_.At(slot);
    if (flow.cic.packets() > 1) {
      CicRecord record;
      flow.cic.Fill(&record);
      ++counters_.flows_emitted;
      ++counters_.emitted_by_reason[static_cast<int>(reason)];
      EmitTag told = tag;
      told.reason = reason;
      sink_->OnCicFlow(record, told);
    } else {
      ++counters_.one_packet_flows;
      if (observer_ != nullptr) observer_->OnFlowDropped(tag.first_packet);
    }
    if (erase) {
      flow.in_use = false;
      flows_.Erase(slot);
    }
  }

  const Config config_;
  const int64_t timeout_us_;
  const CicRules rules_;
  const bool master_;  // master's generator (the cicflowmeter layout)
  FlowTable<Flow> flows_;
  std::deque<AgeEntry> by_age_;  // flows in creation order (stale entries skipped)
  uint64_t seq_ = 0;
  CicFlowSink* const sink_;
  PacketObserver* observer_ = nullptr;
  EngineCounters counters_;
};

// The engine a profile's pipeline runs.
template <class P>
using EngineFor = std::conditional_t<P::kCic, CicFlowEngine, FlowEngine<P>>;

}  // namespace netflower

#endif  // NETFLOWER_FLOW_CIC_ENGINE_H_
