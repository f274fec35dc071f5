// The flow engine: lookup, expiry, termination and sweeps (FLOW-RULES §5),
// written once and instantiated for both profiles.
//
// Expiry bookkeeping is lazy so that the per-packet cost does not depend on
// the number of open flows: every flow has an entry in a min-heap keyed by a
// time that is never later than its last packet's time. A sweep pops only
// entries old enough to be expired, checks the flow's real last time, emits
// it or re-queues it at that time, and emits the expired flows in insertion
// order (= order of their first packet numbers).
#ifndef NETFLOWER_FLOW_FLOW_ENGINE_H_
#define NETFLOWER_FLOW_FLOW_ENGINE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "capture/decode.h"
#include "capture/profile.h"
#include "dpi/app_dissector.h"
#include "features/flow_features.h"
#include "flow/flow_key.h"
#include "flow/flow_sink.h"
#include "flow/flow_table.h"
#include "netflower/flow_record.h"
#include "netflower/stats.h"

namespace netflower {

// A decoded, keyed packet as the engine consumes it.
// The members are ordered so that the tunnel tag fills what was padding:
// 88 bytes with or without it (the queues carry millions a second).
template <class P>
struct EnginePacket {
  FlowKey key;
  PacketFields fields;
  uint32_t tunnel_id = 0;  // DecodedPacket::tunnel, kept apart to pack
  TunnelKind tunnel_kind = TunnelKind::kNone;
  bool tunnel_has_id = false;
  bool src_is_a = true;  // see MakeFlowKey
  uint64_t hash = 0;     // FlowHasher(seed)(key), computed once upstream
  typename P::Time time{};
  uint64_t number = 0;  // 1, 2, ... over accepted packets

  TunnelTag tunnel() const { return TunnelTag{tunnel_kind, tunnel_has_id, tunnel_id}; }
};
static_assert(sizeof(EnginePacket<DefaultProfile>) == 88);

// The one path from a decoded frame to the engine, for file sources, live
// rings and the test harness alike: key and direction, the seeded hash, the
// fields. The caller sets the time and the packet number.
template <class P>
inline void FillEnginePacket(const DecodedPacket& d, const FlowHasher& hasher,
                             EnginePacket<P>* out) {
  if constexpr (P::kCic) {
    out->key = MakeCicFlowKey(d, &out->src_is_a);
  } else {
    out->key = MakeFlowKey(d, &out->src_is_a);
  }
  out->hash = hasher(out->key);
  out->fields = PacketFields{.pkt_len = d.pkt_len,
                             .payload_len = d.payload_len,
                             .header_len = d.header_len,
                             .flags = d.tcp_flags,
                             .window = d.window};
  out->tunnel_id = d.tunnel.id;
  out->tunnel_kind = d.tunnel.kind;
  out->tunnel_has_id = d.tunnel.has_id;
}

// The summary's reason for a frame the decoder did not accept.
// REQUIRES: status != DecodeStatus::kOk.
inline SkipReason SkipReasonOf(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::kUnsupportedLinkType:
      return SkipReason::kUnsupportedLinkType;
    case DecodeStatus::kNotIp:
      return SkipReason::kNotIp;
    case DecodeStatus::kDefaultProfileOnly:
      return SkipReason::kDefaultProfileOnly;
    case DecodeStatus::kTruncated:
      return SkipReason::kTruncated;
    case DecodeStatus::kMalformed:
      return SkipReason::kMalformed;
    case DecodeStatus::kIpFragment:
      return SkipReason::kIpFragment;
    case DecodeStatus::kNotIpv4Cic:
      return SkipReason::kNotIpv4Cic;
    case DecodeStatus::kWifiNotData:
      return SkipReason::kWifiNotData;
    case DecodeStatus::kWifiProtected:
      return SkipReason::kWifiProtected;
    case DecodeStatus::kBadFcs:
      return SkipReason::kBadFcs;
    case DecodeStatus::kNotTcpUdp:
    case DecodeStatus::kOk:
    case DecodeStatus::kCount:
      break;
  }
  return SkipReason::kNotTcpUdp;
}

struct EngineCounters {
  uint64_t packets = 0;       // handed to Process()
  uint64_t late_packets = 0;  // D: dropped after a FIN/RST close (§5.4)
  uint64_t flows_created = 0;
  uint64_t flows_emitted = 0;
  uint64_t emitted_by_reason[static_cast<int>(EmitReason::kCount)] = {};
  uint64_t peak_flows = 0;
  uint64_t one_packet_flows = 0;  // CIC engine: ended with one packet, not written
};

// Adds an engine's emission counts to a run's.
inline void AddEmitCounts(const EngineCounters& c, EmitCounts* e) {
  auto n = [&](EmitReason r) { return c.emitted_by_reason[static_cast<int>(r)]; };
  e->fin += n(EmitReason::kFin);
  e->rst += n(EmitReason::kRst);
  e->idle_timeout += n(EmitReason::kIdleTimeout);
  e->active_timeout += n(EmitReason::kActiveTimeout);
  e->end_of_input += n(EmitReason::kEndOfInput) + n(EmitReason::kPacketLimit);
  e->evicted += n(EmitReason::kEvicted);
}

// A default flow-table limit: a quarter of physical memory at 512 bytes a
// flow (at least 100,000).
uint64_t DefaultMaxFlows();

template <class P>
class FlowEngine {
 public:
  using Time = typename P::Time;

  struct Config {
    Time idle_timeout{};   // > : expired (P sweeps: >=)
    bool has_cap = false;  // duration cap (active_timeout, --active-timeout)
    Time cap{};
    // At most this many open flows (0: no limit). A new flow in a full table
    // first evicts the least recently active flow (emitted, counted).
    uint64_t max_flows = 0;
    // Default profile: whole seconds the input's timestamps were shifted by
    // (CaptureFileReader::epoch_shift_seconds), added back to the timestamp
    // column. Null or 0: none.
    const std::atomic<int64_t>* epoch_shift_seconds = nullptr;
    // Keep each flow's first-packet tunnel for FlowRecord::tunnel (the
    // netflower-tunnel column set): 8 bytes a flow, in a side table, so that
    // runs without it pay nothing.
    bool keep_tunnel = false;
    // Interim reports (FLOW-RULES §14): an open flow whose last report is
    // older than `interim` is emitted again, still open (EmitReason::
    // kInterim), when one of its packets or a sweep finds it so.
    bool has_interim = false;
    Time interim{};
    // SPLT (Options::splt): keep each flow's first `splt` packets (0: none;
    // at most kMaxSpltPackets) for FlowRecord::splt, in a list a slot.
    uint32_t splt = 0;
    // Application labels (FLOW-RULES §16): feed each flow's packets to this
    // dissector (not owned; one a worker) until it is done with the flow,
    // for FlowRecord::app. Null: none. Process() is then given each
    // packet's IP bytes. Default profile only.
    AppDissector* dpi = nullptr;
  };

  FlowEngine(const Config& config, uint64_t hash_seed, FlowSink* sink)
      : config_(config), flows_(hash_seed), late_(hash_seed), sink_(sink) {}

  uint64_t Hash(const FlowKey& key) const { return flows_.Hash(key); }

  // Cache hints for a packet a few places ahead in a batch: first the table
  // bucket, later the flow itself. Never change results.
  void PrefetchBucket(uint64_t hash) const { flows_.PrefetchBucket(hash); }
  void PrefetchFlow(uint64_t hash) const { flows_.PrefetchValue(hash); }

  // Steps 1-4 of FLOW-RULES §5.2 for one packet. The caller counts packets and
  // calls Sweep() after every gc_interval-th one. `ip`: the packet's IP bytes
  // (DecodedPacket::ip_offset on), for Config::dpi only.
  void Process(const EnginePacket<P>& pkt, std::string_view ip = {}) {
    ++counters_.packets;
    const Time t = pkt.time;
    uint32_t slot = flows_.Find(pkt.key, pkt.hash);
    Direction dir = kForward;
    if (slot != kNoSlot) {
      Flow& flow = flows_.At(slot);
      dir = pkt.src_is_a == flow.fwd_is_a ? kForward : kBackward;
      const Time latest = flow.features.latest_time();
      const bool idle = P::ArrivalIdleExpired(t, latest, config_.idle_timeout);
      const bool capped = config_.has_cap && t - flow.features.start_time() > config_.cap;
      if (idle || capped) {
        // The arriving packet starts a new flow under its own key, FORWARD.
        Emit(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet},
             idle ? EmitReason::kIdleTimeout : EmitReason::kActiveTimeout);
        slot = Create(pkt);
        dir = kForward;
      }
    } else {
      if constexpr (!P::kPython) {
        if (IsLatePacket(pkt)) {
          ++counters_.late_packets;
          return;
        }
      }
      slot = Create(pkt);
    }

    Flow& flow = flows_.At(slot);
    const Time previous = flow.features.latest_time();
    flow.features.Add(dir, t, pkt.fields, cold_);
    if (config_.splt != 0) NoteSplt(slot, dir, t - previous, pkt.fields);
    if constexpr (!P::kPython) {
      if (config_.dpi != nullptr) Dissect(slot, t, ip);
    }
    // The heap entry's time must not exceed the last packet's time: file the
    // flow again when time went backwards.
    if (t < previous) QueueIdle(slot, flow, t);
    if (observer_ != nullptr) observer_->OnPacketAdded(flow.first_packet);
    if (flow.features.packets() >= kMaxFlowPackets) {
      Emit(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet},
           EmitReason::kPacketLimit);
      return;
    }

    if constexpr (P::kPython) {
      PythonTcpClose(slot, flow, pkt);
    } else {
      DefaultTcpClose(slot, flow, pkt, dir);
    }
    if (config_.has_interim && flow.in_use && t - reports_[slot] > config_.interim) {
      EmitInterim(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet}, t);
    }
  }

  // A sweep at time `now` after packet `packet_number` (§5.5): emits every
  // expired flow, in insertion order.
  void Sweep(Time now, uint64_t packet_number) {
    expired_.clear();
    while (!idle_heap_.empty() &&
           P::SweepIdleExpired(now, idle_heap_.front().time, config_.idle_timeout)) {
      const HeapEntry e = PopHeap(&idle_heap_);
      if (!IsLiveIdleEntry(e)) continue;
      Flow& flow = flows_.At(e.slot);
      if (P::SweepIdleExpired(now, flow.features.latest_time(), config_.idle_timeout)) {
        expired_.push_back({flow.first_packet, e.slot, EmitReason::kIdleTimeout});
      } else {
        QueueIdle(e.slot, flow, flow.features.latest_time());
      }
    }
    if (config_.has_cap) {
      while (!cap_heap_.empty() && now - cap_heap_.front().time > config_.cap) {
        const HeapEntry e = PopHeap(&cap_heap_);
        if (!IsLiveCapEntry(e)) continue;
        const Flow& flow = flows_.At(e.slot);
        if (now - flow.features.start_time() > config_.cap) {
          expired_.push_back({flow.first_packet, e.slot, EmitReason::kActiveTimeout});
        }
      }
    }
    if (config_.has_interim) FindInterimDue(now);
    EmitExpired(packet_number, EmitKind::kSweep, nullptr, now);
    if constexpr (!P::kPython) ForgetOldCloses(now);
  }

  // End of input: emits every open flow in insertion order. Once `stop` is
  // set (a cancelled run) the rest are let go: 400 k open flows took
  // 0.4-0.8 s to emit under ASan, past the 0.1 s a cancel promises.
  void FlushAll(const std::atomic<bool>* stop = nullptr) {
    expired_.clear();
    for (uint32_t slot = 0; slot < flows_.slot_limit(); ++slot) {
      const Flow& flow = flows_.At(slot);
      if (flow.in_use) expired_.push_back({flow.first_packet, slot, EmitReason::kEndOfInput});
    }
    EmitExpired(kEndOfInput, EmitKind::kEnd, stop);
    idle_heap_.clear();
    cap_heap_.clear();
    report_heap_.clear();
  }

  // save_pcap: tells `observer` (or nobody, if null) which flow each packet
  // joins.
  void set_packet_observer(PacketObserver* observer) { observer_ = observer; }

  size_t open_flows() const { return flows_.size(); }
  const EngineCounters& counters() const { return counters_; }
  size_t MemoryBytes() const {
    return flows_.MemoryBytes() + cold_.MemoryBytes() + late_.MemoryBytes() +
           (idle_heap_.capacity() + cap_heap_.capacity()) * sizeof(HeapEntry) +
           late_fifo_.size() * sizeof(LateFifoEntry) + tunnels_.capacity() * sizeof(TunnelTag) +
           reports_.capacity() * sizeof(Time) + report_heap_.capacity() * sizeof(HeapEntry) +
           dpi_.capacity() * sizeof(DpiSlot) + splt_.capacity() * sizeof(std::vector<SpltPacket>) +
           splt_packets_ * sizeof(SpltPacket);
  }

 private:
  static constexpr uint8_t kNotClosing = 0xFF;
  static constexpr size_t kEmitPrefetchAhead = 4;
  // SPLT: a flow's list starts with room for this many packets (most flows
  // are short), then doubles up to Config::splt.
  static constexpr uint32_t kFirstSpltCapacity = 4;
  // A stopping flush looks at its flag every this many flows (well under a
  // millisecond of emitting).
  static constexpr size_t kFlowsPerStopCheck = 256;

  struct Flow {
    CompactKey key;  // managed by the table
    uint64_t first_packet = 0;
    uint32_t heap_generation = 0;  // matches the flow's live idle-heap entry
    bool in_use = false;
    bool fwd_is_a = true;               // forward endpoint is key endpoint A
    uint8_t closing_dir = kNotClosing;  // D: direction of the FIN that completed the exchange
    FlowFeatures<P> features;
  };

  // An idle-heap entry is live while its generation equals the flow's; a
  // cap-heap entry while the flow slot holds the same first packet; a
  // report-heap entry while, in addition, its time is the flow's last report.
  struct HeapEntry {
    Time time;
    uint32_t slot;
    uint32_t tag;  // idle heap: generation; cap heap: low bits of first_packet
  };

  struct Expired {
    uint64_t first_packet;
    uint32_t slot;
    EmitReason reason;
  };

  // D: a TCP endpoint pair whose flow ended by FIN or RST (§5.4).
  struct LateEntry {
    CompactKey key;  // managed by the table
    Time end{};
    uint64_t serial = 0;
  };
  struct LateFifoEntry {
    uint64_t serial;
    uint32_t slot;
  };

  static uint32_t Tag(uint64_t first_packet) { return static_cast<uint32_t>(first_packet); }

  static bool HeapLater(const HeapEntry& a, const HeapEntry& b) { return a.time > b.time; }
  static void PushHeap(std::vector<HeapEntry>* heap, const HeapEntry& e) {
    heap->push_back(e);
    std::push_heap(heap->begin(), heap->end(), HeapLater);
  }
  static HeapEntry PopHeap(std::vector<HeapEntry>* heap) {
    std::pop_heap(heap->begin(), heap->end(), HeapLater);
    const HeapEntry e = heap->back();
    heap->pop_back();
    return e;
  }

  bool IsLiveIdleEntry(const HeapEntry& e) const {
    const Flow& flow = flows_.At(e.slot);
    return flow.in_use && flow.heap_generation == e.tag;
  }
  bool IsLiveCapEntry(const HeapEntry& e) const {
    const Flow& flow = flows_.At(e.slot);
    return flow.in_use && Tag(flow.first_packet) == e.tag;
  }

  // Files the flow in the idle heap at time `t` (<= its last packet's time);
  // its earlier entry, if any, stops being live.
  void QueueIdle(uint32_t slot, Flow& flow, Time t) {
    flow.heap_generation = ++heap_generation_;
    PushHeap(&idle_heap_, HeapEntry{t, slot, flow.heap_generation});
  }

  bool IsLiveReportEntry(const HeapEntry& e) const {
    return IsLiveCapEntry(e) && reports_[e.slot] == e.time;
  }

  uint32_t Create(const EnginePacket<P>& pkt) {
    if (config_.max_flows != 0 && flows_.size() >= config_.max_flows) EvictOldest(pkt.number);
    const uint32_t slot = flows_.Insert(pkt.key, pkt.hash);
    Flow& flow = flows_.At(slot);
    flow.in_use = true;
    flow.fwd_is_a = pkt.src_is_a;
    flow.closing_dir = kNotClosing;
    flow.first_packet = pkt.number;
    flow.features = FlowFeatures<P>(pkt.time);
    if (config_.keep_tunnel) KeepTunnel(slot, pkt.tunnel());
    if (config_.has_interim) NoteReport(slot, pkt.number, pkt.time);
    if (config_.splt != 0) StartSplt(slot);
    if (config_.dpi != nullptr) StartDissection(slot);
    QueueIdle(slot, flow, pkt.time);
    if (config_.has_cap) PushHeap(&cap_heap_, HeapEntry{pkt.time, slot, Tag(pkt.number)});
    ++counters_.flows_created;
    counters_.peak_flows = std::max<uint64_t>(counters_.peak_flows, flows_.size());
    return slot;
  }

  // Slots are stable and reused, so the side table is indexed by slot and
  // only grows.
  void KeepTunnel(uint32_t slot, const TunnelTag& tag) {
    if (slot >= tunnels_.size()) tunnels_.resize(std::max<size_t>(slot + 1, tunnels_.size() * 2));
    tunnels_[slot] = tag;
  }

  // SPLT: a new flow in `slot` has kept no packets yet. The lists grow with
  // the packets kept: a table of N entries a slot, zeroed, was measured at
  // 1.40x the plain run's CPU per packet on many-flows.pcap with N = 32 (its
  // system time doubled: 40 MB more touched for flows of 5 packets).
  void StartSplt(uint32_t slot) {
    if (slot >= splt_.size()) splt_.resize(std::max<size_t>(slot + 1, splt_.size() * 2));
    splt_packets_ -= splt_[slot].size();
    splt_[slot].clear();
  }

  // SPLT: keeps the packet just added while the flow has fewer than
  // Config::splt (the first packet's gap is 0: `previous` is its own time).
  void NoteSplt(uint32_t slot, Direction dir, Time gap, const PacketFields& fields) {
    std::vector<SpltPacket>& kept = splt_[slot];
    if (kept.size() >= config_.splt) return;
    if (kept.capacity() == 0) kept.reserve(std::min<uint32_t>(config_.splt, kFirstSpltCapacity));
    const int32_t length = static_cast<int32_t>(fields.pkt_len);
    int64_t gap_ns = 0;  // (the library gives SPLT to the default profile only)
    if constexpr (!P::kPython) gap_ns = gap;
    kept.push_back(SpltPacket{dir == kForward ? length : -length, fields.flags, gap_ns});
    ++splt_packets_;
  }

  // Application labels: a new flow in `slot` starts its dissection (nDPI's
  // state, 688 bytes, allocated here and freed when nDPI is done with the
  // flow, most often within its first packets: FLOW-RULES §16).
  void StartDissection(uint32_t slot) {
    if (slot >= dpi_.size()) dpi_.resize(std::max<size_t>(slot + 1, dpi_.size() * 2));
    dpi_[slot] = DpiSlot{config_.dpi->NewFlow(), nullptr};
  }

  // Application labels: the packet at `t` just added to the flow in `slot`
  // goes to the dissector while it wants packets; once it is done the flow
  // keeps only its labels.
  void Dissect(uint32_t slot, Time t, std::string_view ip) {
    DpiSlot& d = dpi_[slot];
    if (d.flow == nullptr || ip.empty()) return;
    if (config_.dpi->Feed(d.flow.get(), ip, static_cast<uint64_t>(t / 1000000))) {
      d.labels = config_.dpi->Finish(d.flow.get());
      d.flow.reset();
    }
  }

  // The flow's labels for a row: final (`end`: the dissection ends with the
  // flow, whose slot Emit then clears) or so far (an interim row).
  std::shared_ptr<const AppLabels> Labels(uint32_t slot, bool end) {
    DpiSlot& d = dpi_[slot];
    if (d.flow == nullptr) return d.labels;
    return end ? config_.dpi->Finish(d.flow.get()) : config_.dpi->Peek(d.flow.get());
  }

  // Interim reports: the flow's last report is at `t` (its first packet, or
  // an interim row); filed in the report heap at that time. Side tables by
  // slot, like the tunnels, so that runs without --interim pay nothing.
  void NoteReport(uint32_t slot, uint64_t first_packet, Time t) {
    if (slot >= reports_.size()) reports_.resize(std::max<size_t>(slot + 1, reports_.size() * 2));
    reports_[slot] = t;
    PushHeap(&report_heap_, HeapEntry{t, slot, Tag(first_packet)});
  }

  // A sweep at `now`: adds the open flows whose last report is older than
  // the interim period to expired_, as kInterim (EmitExpired emits a flow
  // that also expires now only once, as expired).
  void FindInterimDue(Time now) {
    while (!report_heap_.empty() && now - report_heap_.front().time > config_.interim) {
      const HeapEntry e = PopHeap(&report_heap_);
      if (!IsLiveReportEntry(e)) continue;
      expired_.push_back({flows_.At(e.slot).first_packet, e.slot, EmitReason::kInterim});
    }
  }

  // Emits the open flow in `slot` as an interim row at time `now`, and makes
  // that its last report. The flow stays open, its state untouched.
  void EmitInterim(uint32_t slot, const EmitTag& tag, Time now) {
    Flow& flow = flows_.At(slot);
    FlowRecord record = Record(slot, flow);
    record.export_reason = ExportReason::kInterim;
    if (config_.splt != 0) record.splt = splt_[slot];  // a copy: the flow goes on
    if (config_.dpi != nullptr) record.app = Labels(slot, /*end=*/false);
    ++counters_.emitted_by_reason[static_cast<int>(EmitReason::kInterim)];
    EmitTag told = tag;
    told.reason = EmitReason::kInterim;
    sink_->OnFlow(record, told);
    NoteReport(slot, flow.first_packet, now);
  }

  // Emits the flow whose last packet is the oldest. Idle-heap entries come
  // out in time order and are never later than their flow's last packet, so
  // the first live entry whose time equals its flow's last-packet time
  // belongs to the least recently active flow; stale entries met on the way
  // are filed again at their flow's last time.
  void EvictOldest(uint64_t packet_number) {
    while (!idle_heap_.empty()) {
      const HeapEntry e = PopHeap(&idle_heap_);
      if (!IsLiveIdleEntry(e)) continue;
      Flow& flow = flows_.At(e.slot);
      const Time latest = flow.features.latest_time();
      if (e.time == latest) {
        Emit(e.slot, EmitTag{packet_number, EmitKind::kPacket, flow.first_packet},
             EmitReason::kEvicted);
        return;
      }
      QueueIdle(e.slot, flow, latest);
    }
  }

  // The flow's row as it stands (identity, values, tunnel, times).
  FlowRecord Record(uint32_t slot, const Flow& flow) const {
    FlowRecord record;
    const bool a = flow.fwd_is_a;
    const FlowKey key = flows_.KeyOf(slot);
    record.src_ip = KeyAddress(key, a);
    record.dst_ip = KeyAddress(key, !a);
    record.src_port = a ? key.port_a : key.port_b;
    record.dst_port = a ? key.port_b : key.port_a;
    record.protocol = key.protocol;
    flow.features.Fill(&record, cold_);
    if (config_.keep_tunnel) record.tunnel = tunnels_[slot];
    if constexpr (!P::kPython) {
      if (config_.epoch_shift_seconds != nullptr) {
        const int64_t shift = config_.epoch_shift_seconds->load(std::memory_order_relaxed);
        if (shift != 0) {
          record.timestamp = P::EpochSeconds(flow.features.start_time(), shift);
          record.first_ns = record.last_ns = kUnknownNanoseconds;  // int64 ns cannot hold them
        }
      }
    }
    return record;
  }

  void Emit(uint32_t slot, const EmitTag& tag, EmitReason reason) {
    Flow& flow = flows_.At(slot);
    FlowRecord record = Record(slot, flow);
    record.export_reason = ExportReasonOf(reason);
    if (config_.splt != 0) {  // the list goes with the row; the slot starts a new one
      splt_packets_ -= splt_[slot].size();
      record.splt = std::move(splt_[slot]);
      splt_[slot] = {};
    }
    if (config_.dpi != nullptr) {
      record.app = Labels(slot, /*end=*/true);
      dpi_[slot] = DpiSlot{};
    }
    flow.features.ReleaseCold(cold_);
    ++counters_.flows_emitted;
    ++counters_.emitted_by_reason[static_cast<int>(reason)];
    EmitTag told = tag;
    told.reason = reason;
    sink_->OnFlow(record, told);
    flow.in_use = false;
    flows_.Erase(slot);
  }

  // Emits the flows of expired_ in the order of their first packets, once
  // each (a flow can be both idle and capped). Erasing a flow probes the
  // index from its key's hash, and for flows that have not been looked up
  // lately (a sweep's, FlushAll's) that bucket is a cache miss: 64 % of
  // Emit's samples on many-flows.pcap. So the loop runs ahead: the flow
  // state two strides ahead is requested, then, once its key is likely
  // cached, the index bucket one stride ahead. Emit's share of the run's
  // samples 6.3 % -> 3.5 % (with this loop's hashing; 2.4 % since HashOf);
  // prefetching the state alone changed nothing.
  // Interim reports among them (a sweep's, at `now`) leave their flows open;
  // a flow both due and expired sorts its end first and is emitted once.
  void EmitExpired(uint64_t packet_number, EmitKind kind, const std::atomic<bool>* stop = nullptr,
                   Time now = Time{}) {
    std::sort(expired_.begin(), expired_.end(), [](const Expired& a, const Expired& b) {
      if (a.first_packet != b.first_packet) return a.first_packet < b.first_packet;
      return a.reason != EmitReason::kInterim && b.reason == EmitReason::kInterim;
    });
    uint64_t last = 0;
    const size_t n = expired_.size();
    for (size_t i = 0; i < n; ++i) {
      if (stop != nullptr && (i & (kFlowsPerStopCheck - 1)) == 0 &&
          stop->load(std::memory_order_relaxed)) {
        return;
      }
      if (i + 2 * kEmitPrefetchAhead < n)
        flows_.PrefetchSlot(expired_[i + 2 * kEmitPrefetchAhead].slot);
      if (i + kEmitPrefetchAhead < n) flows_.PrefetchIndexOf(expired_[i + kEmitPrefetchAhead].slot);
      const Expired& x = expired_[i];
      if (x.first_packet == last) continue;
      last = x.first_packet;
      if (x.reason == EmitReason::kInterim) {
        EmitInterim(x.slot, EmitTag{packet_number, kind, x.first_packet}, now);
      } else {
        Emit(x.slot, EmitTag{packet_number, kind, x.first_packet}, x.reason);
      }
    }
  }

  // FLOW-RULES §5.3, python profile: a RST, or a FIN once both directions
  // have sent one, ends the flow with this packet (the final ACK then starts
  // a one-packet flow of its own, as in netflower 1.0).
  void PythonTcpClose(uint32_t slot, Flow& flow, const EnginePacket<P>& pkt) {
    const uint16_t flags = pkt.fields.flags;
    if (flags & kTcpRst) {
      Emit(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet}, EmitReason::kRst);
    } else if ((flags & kTcpFin) && FinExchanged(flow)) {
      Emit(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet}, EmitReason::kFin);
    }
  }

  // FLOW-RULES §5.4, default profile: a RST ends the flow at once; after the
  // FIN exchange, the first packet from the side that did not send the last
  // FIN (the final ACK) ends it, and later packets of the pair are late.
  void DefaultTcpClose(uint32_t slot, Flow& flow, const EnginePacket<P>& pkt, Direction dir) {
    const uint16_t flags = pkt.fields.flags;
    if (flags & kTcpRst) {
      EndTcp(slot, flow, pkt, EmitReason::kRst);
    } else if (flow.closing_dir != kNotClosing) {
      if (dir != flow.closing_dir) EndTcp(slot, flow, pkt, EmitReason::kFin);
    } else if ((flags & kTcpFin) && FinExchanged(flow)) {
      flow.closing_dir = dir;
    }
  }

  // Both directions have sent a FIN.
  static bool FinExchanged(const Flow& flow) {
    return flow.features.fin_count(kForward) >= 1 && flow.features.fin_count(kBackward) >= 1;
  }

  // D: ends a TCP flow by FIN or RST and remembers the pair.
  void EndTcp(uint32_t slot, Flow& flow, const EnginePacket<P>& pkt, EmitReason reason) {
    Emit(slot, EmitTag{pkt.number, EmitKind::kPacket, flow.first_packet}, reason);
    uint32_t late_slot = late_.Find(pkt.key, pkt.hash);
    if (late_slot == kNoSlot) late_slot = late_.Insert(pkt.key, pkt.hash);
    LateEntry& entry = late_.At(late_slot);
    entry.end = pkt.time;
    entry.serial = ++late_serial_;
    late_fifo_.push_back({entry.serial, late_slot});
  }

  // D: true if `pkt` (which found no flow) is a late packet of a closed TCP
  // connection. A new connection on the same pair (TcpReuseStartsNewFlow)
  // clears the memory instead.
  bool IsLatePacket(const EnginePacket<P>& pkt) {
    if (pkt.key.protocol != 6 || late_.size() == 0) return false;
    const uint32_t slot = late_.Find(pkt.key, pkt.hash);
    if (slot == kNoSlot) return false;
    if (!TcpReuseStartsNewFlow(pkt, late_.At(slot).end)) return true;
    late_.At(slot).serial = 0;
    late_.Erase(slot);
    return false;
  }

  // D: after a close at `closed_at`, a SYN on the same pair, or any packet an
  // idle timeout or more later, is a new connection (port reuse), not a late
  // packet of the old one.
  bool TcpReuseStartsNewFlow(const EnginePacket<P>& pkt, Time closed_at) const {
    return (pkt.fields.flags & kTcpSyn) != 0 || pkt.time - closed_at >= config_.idle_timeout;
  }

  // D: discards close records that can no longer make a packet late.
  void ForgetOldCloses(Time now) {
    while (!late_fifo_.empty()) {
      const LateFifoEntry& front = late_fifo_.front();
      LateEntry& entry = late_.At(front.slot);
      if (entry.serial == front.serial) {
        if (now - entry.end < config_.idle_timeout) break;
        entry.serial = 0;
        late_.Erase(front.slot);
      }
      late_fifo_.pop_front();
    }
  }

  const Config config_;
  FlowTable<Flow> flows_;
  ColdStore<P> cold_;
  std::vector<TunnelTag> tunnels_;  // by slot; Config::keep_tunnel only
  std::vector<Time> reports_;       // by slot: last report; Config::has_interim only
  std::vector<HeapEntry> report_heap_;
  std::vector<std::vector<SpltPacket>> splt_;  // by slot; Config::splt only
  size_t splt_packets_ = 0;                    // kept in splt_, for MemoryBytes
  // Application labels by slot (Config::dpi only): the dissection while it
  // runs, then the labels it left.
  struct DpiSlot {
    AppDissector::FlowPtr flow;
    std::shared_ptr<const AppLabels> labels;
  };
  std::vector<DpiSlot> dpi_;
  uint32_t heap_generation_ = 0;
  FlowTable<LateEntry> late_;
  std::deque<LateFifoEntry> late_fifo_;
  uint64_t late_serial_ = 0;
  std::vector<HeapEntry> idle_heap_;
  std::vector<HeapEntry> cap_heap_;
  std::vector<Expired> expired_;
  FlowSink* const sink_;
  PacketObserver* observer_ = nullptr;
  EngineCounters counters_;
};

}  // namespace netflower

#endif  // NETFLOWER_FLOW_FLOW_ENGINE_H_
