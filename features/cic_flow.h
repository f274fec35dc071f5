// One flow under CICFlowMeter's rules (its BasicFlow; docs/CIC.md names each
// rule and quirk). Times are microseconds; lengths are CICFlowMeter's payload
// bytes.
//
// Three rule sets: the code that wrote the CIC datasets and the V4 files
// (kDataset), CICFlowMeter's current master (kMaster), and the corrected
// definitions of --cic-fixes (kFixed). Each place they differ says so.
#ifndef NETFLOWER_FEATURES_CIC_FLOW_H_
#define NETFLOWER_FEATURES_CIC_FLOW_H_

#include <algorithm>
#include <cstdint>

#include "features/cic_columns.h"
#include "features/java_stats.h"
#include "netflower/flow_record.h"

namespace netflower {

// TCP flag bits as decoded (FLOW-RULES §4.11).
inline constexpr uint16_t kCicFin = 0x01, kCicSyn = 0x02, kCicRst = 0x04, kCicPsh = 0x08,
                          kCicAck = 0x10, kCicUrg = 0x20, kCicEce = 0x40, kCicCwr = 0x80;

enum class CicRules : uint8_t {
  kDataset,  // commit eaa853dd/50d668db: CIC-IDS2017, CSE-CIC-IDS2018, V4
  kMaster,   // commit 98a5ebad: CICFlowMeter's master
  kFixed,    // --cic-fixes: the quirks that change a column corrected
};

// The rules a layout's tool used; --cic-fixes replaces them.
inline CicRules CicRulesFor(ColumnSet set, bool fixes) {
  if (fixes) return CicRules::kFixed;
  return set == ColumnSet::kCicflowmeter ? CicRules::kMaster : CicRules::kDataset;
}

// What a CIC flow takes from one packet.
struct CicPacketInfo {
  int64_t time_us = 0;
  int64_t payload = 0;  // bytes after the TCP/UDP header, Ethernet padding included
  int64_t header = 0;   // TCP/UDP header bytes (0 for other protocols)
  uint16_t flags = 0;
  int32_t window = -1;  // TCP window, -1 otherwise
};

class CicFlow {
 public:
  static constexpr int64_t kActivityTimeoutUs = 5000000;  // FlowGenerator's 5 s

  // BasicFlow.firstPacket. The first packet is forward, always: the flow's
  // source has just been set from it. A flow that replaces a timed-out one
  // is given the old flow's endpoints after its first packet was counted
  // (kFixed: its own, passed here by the engine).
  void Start(const CicPacketInfo& p, const IpAddress& src, uint16_t src_port, const IpAddress& dst,
             uint16_t dst_port, uint8_t protocol, CicRules rules) {
    rules_ = rules;
    src_ = src;
    dst_ = dst;
    src_port_ = src_port;
    dst_port_ = dst_port;
    protocol_ = protocol;
    // Before the source is set the packet looks backward to the bulk code
    // (kFixed: forward, as it is).
    UpdateBulk(p, /*forward=*/rules_ == CicRules::kFixed);
    UpdateSubflows(p);
    CountFlags(p);
    start_ = last_seen_ = start_active_ = end_active_ = p.time_us;
    // Quirk: the first packet's length goes into the flow's length
    // statistics twice (once here, once in the forward branch).
    if (rules_ != CicRules::kFixed) length_.Add(static_cast<double>(p.payload));
    if (rules_ == CicRules::kMaster) init_win_bwd_ = 0;  // master's field default
    min_seg_size_fwd_ = p.header;
    init_win_fwd_ = p.window;
    length_.Add(static_cast<double>(p.payload));
    fwd_.Add(static_cast<double>(p.payload));
    fwd_header_ = p.header;
    fwd_last_seen_ = p.time_us;
    fwd_bytes_ += p.payload;
    ++fwd_count_;
    if (rules_ == CicRules::kFixed && p.payload >= 1) ++act_data_pkt_fwd_;
    if (p.flags & kCicPsh) ++fwd_psh_;
    if (p.flags & kCicUrg) ++fwd_urg_;
  }

  // FlowGenerator's step before addPacket for a packet that neither times
  // the flow out nor ends it.
  void UpdateActiveIdle(int64_t now_us) {
    if (now_us - end_active_ > kActivityTimeoutUs) {
      if (end_active_ - start_active_ > 0) {
        active_.Add(static_cast<double>(end_active_ - start_active_));
      }
      idle_.Add(static_cast<double>(now_us - end_active_));
      start_active_ = end_active_ = now_us;
    } else {
      end_active_ = now_us;
    }
  }

  // BasicFlow.addPacket (bidirectional). `forward`: the packet's source
  // address is the flow's (ports are not compared).
  void Add(const CicPacketInfo& p, bool forward) {
    // kDataset: the bulk, subflow and flag calls here are commented out.
    // kMaster: they run; the bulk code compares the sources by reference,
    // never equal (getSrc() returns a copy), so every packet counts as
    // backward there.
    if (rules_ != CicRules::kDataset) {
      UpdateBulk(p, rules_ == CicRules::kFixed && forward);
      UpdateSubflows(p);
      CountFlags(p);
    }
    const bool fixed = rules_ == CicRules::kFixed;
    length_.Add(static_cast<double>(p.payload));
    const double payload = static_cast<double>(p.payload);
    if (forward) {
      if (p.payload >= 1) ++act_data_pkt_fwd_;
      fwd_.Add(payload);
      fwd_header_ += p.header;
      ++fwd_count_;
      fwd_bytes_ += p.payload;
      if (fwd_count_ > 1) fwd_iat_.Add(static_cast<double>(p.time_us - fwd_last_seen_));
      fwd_last_seen_ = p.time_us;
      min_seg_size_fwd_ = std::min(p.header, min_seg_size_fwd_);
      // Quirk: PSH and URG per direction are counted in firstPacket only.
      if (fixed && (p.flags & kCicPsh)) ++fwd_psh_;
      if (fixed && (p.flags & kCicUrg)) ++fwd_urg_;
    } else {
      bwd_.Add(payload);
      // Quirk: every backward packet overwrites the "initial" window
      // (kFixed: the first one sets it).
      if (!fixed || bwd_count_ == 0) init_win_bwd_ = p.window;
      bwd_header_ += p.header;
      ++bwd_count_;
      bwd_bytes_ += p.payload;
      if (bwd_count_ > 1) bwd_iat_.Add(static_cast<double>(p.time_us - bwd_last_seen_));
      bwd_last_seen_ = p.time_us;
      if (fixed && (p.flags & kCicPsh)) ++bwd_psh_;
      if (fixed && (p.flags & kCicUrg)) ++bwd_urg_;
    }
    flow_iat_.Add(static_cast<double>(p.time_us - last_seen_));
    last_seen_ = p.time_us;
  }

  int64_t start_time() const { return start_; }
  int64_t packets() const { return fwd_count_ + bwd_count_; }
  const IpAddress& src() const { return src_; }
  const IpAddress& dst() const { return dst_; }
  uint16_t src_port() const { return src_port_; }
  uint16_t dst_port() const { return dst_port_; }
  uint8_t protocol() const { return protocol_; }

  // The values dumpFlowBasedFeaturesEx writes.
  void Fill(CicRecord* r) const;

 private:
  // Fill's steps, by group of columns.
  void FillIdentityAndLengths(CicRecord* r) const;
  void FillTimes(CicRecord* r) const;
  void FillFlags(CicRecord* r) const;
  void FillAverages(CicRecord* r) const;

  // Per direction bulk state (updateForwardBulk / updateBackwardBulk).
  struct Bulk {
    int64_t duration = 0, packets = 0, bytes = 0, count = 0;
    int64_t packets_helper = 0, start_helper = 0, bytes_helper = 0, last_ts = 0;

    void Update(int64_t size, int64_t ts, int64_t last_bulk_in_other) {
      if (last_bulk_in_other > start_helper) start_helper = 0;
      if (size <= 0) return;
      // A possible bulk starts here: none was under way, or too idle since.
      if (start_helper == 0 || static_cast<double>(ts - last_ts) / 1000000.0 > 1.0) {
        start_helper = last_ts = ts;
        packets_helper = 1;
        bytes_helper = size;
      } else {
        packets_helper += 1;
        bytes_helper += size;
        if (packets_helper == 4) {  // a new bulk
          count += 1;
          packets += packets_helper;
          bytes += bytes_helper;
          duration += ts - start_helper;
        } else if (packets_helper > 4) {  // the bulk goes on
          packets += 1;
          bytes += size;
          duration += ts - last_ts;
        }
        last_ts = ts;
      }
    }
    int64_t AvgBytes() const { return count != 0 ? bytes / count : 0; }
    int64_t AvgPackets() const { return count != 0 ? packets / count : 0; }
    int64_t AvgRate() const {
      return duration != 0 ? static_cast<int64_t>(static_cast<double>(bytes) /
                                                  (static_cast<double>(duration) / 1000000.0))
                           : 0;
    }
  };

  void UpdateBulk(const CicPacketInfo& p, bool forward) {
    if (forward) {
      fwd_bulk_.Update(p.payload, p.time_us, bwd_bulk_.last_ts);
    } else {
      bwd_bulk_.Update(p.payload, p.time_us, fwd_bulk_.last_ts);
    }
  }

  // detectUpdateSubflows. kDataset: the test reads ts - last / 1e6 > 1 (the
  // division binds first), true for any timestamp after 1970-01-01
  // 00:00:01, and it runs for the first packet only: one subflow, the
  // subflow columns equal the totals (its call into the active/idle
  // statistics passes a time difference as a time and changes nothing).
  // kMaster: the intended test on every packet, counting gaps of more than
  // a second from 0 (so a flow without one has 0 subflows and 0 in those
  // columns), and each gap also runs the active/idle step. kFixed: gaps + 1
  // subflows, no active/idle step.
  void UpdateSubflows(const CicPacketInfo& p) {
    if (sf_last_ts_ == -1) sf_last_ts_ = p.time_us;
    const double gap =
        rules_ == CicRules::kDataset
            ? static_cast<double>(p.time_us) - static_cast<double>(sf_last_ts_) / 1000000.0
            : static_cast<double>(p.time_us - sf_last_ts_) / 1000000.0;
    if (gap > 1.0) {
      ++sf_count_;
      if (rules_ == CicRules::kMaster) UpdateActiveIdle(p.time_us);
    }
    sf_last_ts_ = p.time_us;
  }

  // checkFlags: every packet (kMaster, kFixed) or the first only (kDataset,
  // where the call in addPacket is commented out).
  void CountFlags(const CicPacketInfo& p) {
    for (int bit = 0; bit < 8; ++bit) {
      if (p.flags & (1u << bit)) ++flag_counts_[bit];
    }
  }

  IpAddress src_, dst_;
  uint16_t src_port_ = 0, dst_port_ = 0;
  uint8_t protocol_ = 0;
  CicRules rules_ = CicRules::kDataset;
  JavaStats fwd_, bwd_, length_, flow_iat_, fwd_iat_, bwd_iat_, active_, idle_;
  int64_t fwd_count_ = 0, bwd_count_ = 0, fwd_bytes_ = 0, bwd_bytes_ = 0;
  int64_t fwd_header_ = 0, bwd_header_ = 0;
  int32_t fwd_psh_ = 0, bwd_psh_ = 0, fwd_urg_ = 0, bwd_urg_ = 0;
  int32_t flag_counts_[8] = {};  // by bit: FIN SYN RST PSH ACK URG ECE CWR
  int64_t act_data_pkt_fwd_ = 0, min_seg_size_fwd_ = 0;
  int32_t init_win_fwd_ = -1, init_win_bwd_ = -1;
  int64_t start_ = 0, last_seen_ = 0, fwd_last_seen_ = 0, bwd_last_seen_ = 0;
  int64_t start_active_ = 0, end_active_ = 0;
  int64_t sf_last_ts_ = -1, sf_count_ = 0;
  Bulk fwd_bulk_, bwd_bulk_;
};

namespace cic_internal {

// A statistic's max, min, mean and std as CICFlowMeter writes them: the
// values when `has` (its condition: values exist, or 2+ packets for gaps),
// else 0 each.
inline void PutMaxMinMeanStd(const JavaStats& s, bool has, CicStat* max, CicStat* min,
                             CicStat* mean, CicStat* std) {
  *max = CicStat{has, s.max()};
  *min = CicStat{has, s.min()};
  *mean = CicStat{has, s.mean()};
  *std = CicStat{has, s.std()};
}

}  // namespace cic_internal

inline void CicFlow::Fill(CicRecord* r) const {
  FillIdentityAndLengths(r);
  FillTimes(r);
  FillFlags(r);
  FillAverages(r);
}

inline void CicFlow::FillIdentityAndLengths(CicRecord* r) const {
  using cic_internal::PutMaxMinMeanStd;
  r->src_ip = src_;
  r->dst_ip = dst_;
  r->src_port = src_port_;
  r->dst_port = dst_port_;
  r->protocol = protocol_;
  r->timestamp = start_;
  r->tot_fwd_pkts = fwd_.n();
  r->tot_bwd_pkts = bwd_.n();
  r->totlen_fwd_pkts = fwd_.sum();
  r->totlen_bwd_pkts = bwd_.sum();
  const bool f = fwd_.n() > 0, b = bwd_.n() > 0;
  PutMaxMinMeanStd(fwd_, f, &r->fwd_pkt_len_max, &r->fwd_pkt_len_min, &r->fwd_pkt_len_mean,
                   &r->fwd_pkt_len_std);
  PutMaxMinMeanStd(bwd_, b, &r->bwd_pkt_len_max, &r->bwd_pkt_len_min, &r->bwd_pkt_len_mean,
                   &r->bwd_pkt_len_std);
  PutMaxMinMeanStd(length_, f || b, &r->pkt_len_max, &r->pkt_len_min, &r->pkt_len_mean,
                   &r->pkt_len_std);
  r->pkt_len_var = CicStat{f || b, length_.variance()};
  r->fwd_header_len = fwd_header_;
  r->bwd_header_len = bwd_header_;
  r->fwd_seg_size_min = min_seg_size_fwd_;
  r->init_fwd_win_byts = init_win_fwd_;
  r->init_bwd_win_byts = init_win_bwd_;
  r->fwd_act_data_pkts = act_data_pkt_fwd_;
}

// Duration, rates, gaps, active and idle periods (microseconds).
inline void CicFlow::FillTimes(CicRecord* r) const {
  using cic_internal::PutMaxMinMeanStd;
  const int64_t duration = last_seen_ - start_;
  r->flow_duration = duration;
  // x / (duration / 1e6) in doubles: 0 / 0 is NaN and x / 0 is Infinity,
  // which is what CICFlowMeter writes for a flow within one microsecond.
  const double seconds = static_cast<double>(duration) / 1000000.0;
  r->flow_byts_s = static_cast<double>(fwd_bytes_ + bwd_bytes_) / seconds;
  r->flow_pkts_s = static_cast<double>(packets()) / seconds;
  r->fwd_pkts_s = duration > 0 ? static_cast<double>(fwd_count_) / seconds : 0.0;
  r->bwd_pkts_s = duration > 0 ? static_cast<double>(bwd_count_) / seconds : 0.0;
  r->flow_iat_mean = flow_iat_.mean();
  r->flow_iat_std = flow_iat_.std();
  r->flow_iat_max = flow_iat_.max();
  r->flow_iat_min = flow_iat_.min();
  const bool fi = fwd_count_ > 1, bi = bwd_count_ > 1;
  r->fwd_iat_tot = CicStat{fi, fwd_iat_.sum()};
  PutMaxMinMeanStd(fwd_iat_, fi, &r->fwd_iat_max, &r->fwd_iat_min, &r->fwd_iat_mean,
                   &r->fwd_iat_std);
  r->bwd_iat_tot = CicStat{bi, bwd_iat_.sum()};
  PutMaxMinMeanStd(bwd_iat_, bi, &r->bwd_iat_max, &r->bwd_iat_min, &r->bwd_iat_mean,
                   &r->bwd_iat_std);
  PutMaxMinMeanStd(active_, active_.n() > 0, &r->active_max, &r->active_min, &r->active_mean,
                   &r->active_std);
  PutMaxMinMeanStd(idle_, idle_.n() > 0, &r->idle_max, &r->idle_min, &r->idle_mean, &r->idle_std);
}

inline void CicFlow::FillFlags(CicRecord* r) const {
  r->fwd_psh_flags = fwd_psh_;
  r->bwd_psh_flags = bwd_psh_;
  r->fwd_urg_flags = fwd_urg_;
  r->bwd_urg_flags = bwd_urg_;
  // Quirk (kDataset): the eight flag counts were written in the iteration
  // order of a Java HashMap keyed by the flag names, under headers in
  // FIN..ECE order: the "FIN" column holds the RST count, and so on.
  enum { kFinBit, kSynBit, kRstBit, kPshBit, kAckBit, kUrgBit, kEceBit, kCwrBit };
  static constexpr int kInHeaderOrder[8] = {kFinBit, kSynBit, kRstBit, kPshBit,
                                            kAckBit, kUrgBit, kCwrBit, kEceBit};
  static constexpr int kInHashMapOrder[8] = {kRstBit, kPshBit, kEceBit, kSynBit,
                                             kAckBit, kFinBit, kUrgBit, kCwrBit};
  const int* order = rules_ == CicRules::kDataset ? kInHashMapOrder : kInHeaderOrder;
  r->fin_flag_cnt = flag_counts_[order[0]];
  r->syn_flag_cnt = flag_counts_[order[1]];
  r->rst_flag_cnt = flag_counts_[order[2]];
  r->psh_flag_cnt = flag_counts_[order[3]];
  r->ack_flag_cnt = flag_counts_[order[4]];
  r->urg_flag_cnt = flag_counts_[order[5]];
  r->cwr_flag_cnt = flag_counts_[order[6]];
  r->ece_flag_cnt = flag_counts_[order[7]];
}

// Ratios, average sizes, bulks and subflows.
inline void CicFlow::FillAverages(CicRecord* r) const {
  // Quirk: integer division, then converted: 379 / 192 gives 1.0.
  if (fwd_count_ == 0) {
    r->down_up_ratio = 0.0;
  } else if (rules_ == CicRules::kFixed) {
    r->down_up_ratio = static_cast<double>(bwd_count_) / static_cast<double>(fwd_count_);
  } else {
    r->down_up_ratio =
        static_cast<double>(bwd_count_ / fwd_count_);  // NOLINT(bugprone-integer-division)
  }
  r->pkt_size_avg = packets() > 0 ? length_.sum() / static_cast<double>(packets()) : 0.0;
  r->fwd_seg_size_avg = fwd_count_ != 0 ? fwd_.sum() / static_cast<double>(fwd_count_) : 0.0;
  r->bwd_seg_size_avg = bwd_count_ != 0 ? bwd_.sum() / static_cast<double>(bwd_count_) : 0.0;
  r->fwd_byts_b_avg = fwd_bulk_.AvgBytes();
  r->fwd_pkts_b_avg = fwd_bulk_.AvgPackets();
  r->fwd_blk_rate_avg = fwd_bulk_.AvgRate();
  // Quirk (kDataset): the backward bytes-per-bulk column repeats the
  // forward value.
  r->bwd_byts_b_avg = rules_ == CicRules::kDataset ? fwd_bulk_.AvgBytes() : bwd_bulk_.AvgBytes();
  r->bwd_pkts_b_avg = bwd_bulk_.AvgPackets();
  r->bwd_blk_rate_avg = bwd_bulk_.AvgRate();
  // Subflows: totals divided by the subflow count (integer division; 0
  // without subflows). kFixed: the gaps over a second plus one.
  const int64_t subflows = rules_ == CicRules::kFixed ? sf_count_ + 1 : sf_count_;
  const bool sf = subflows > 0;
  r->subflow_fwd_pkts = sf ? fwd_count_ / subflows : 0;
  r->subflow_fwd_byts = sf ? fwd_bytes_ / subflows : 0;
  r->subflow_bwd_pkts = sf ? bwd_count_ / subflows : 0;
  r->subflow_bwd_byts = sf ? bwd_bytes_ / subflows : 0;
}

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_CIC_FLOW_H_
