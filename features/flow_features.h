// Per-flow accumulation (FLOW-RULES §6) and the 82 values (§7.2).
//
// Memory: the state every flow needs per packet ("hot") is kept small; the
// parts only some flows ever use — active/idle statistics (gaps over 5 s) and
// completed-bulk totals — live in a ColdStore block allocated the first time
// they are needed. Times the spec keeps separately but that always equal the
// previous packet's time (last_activity_time, last_pkt_time,
// subflow_last_ts, a bulk's run_last) are derived instead of stored.
//
// Counters are 32-bit: a flow never exceeds kMaxFlowPackets packets (the
// engine ends it there), so no per-flow count can overflow.
#ifndef NETFLOWER_FEATURES_FLOW_FEATURES_H_
#define NETFLOWER_FEATURES_FLOW_FEATURES_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "capture/profile.h"
#include "features/running_stats.h"
#include "netflower/flow_record.h"

namespace netflower {

enum Direction : uint8_t { kForward = 0, kBackward = 1 };

// TCP flag bits (FLOW-RULES §2.3).
inline constexpr uint16_t kTcpFin = 0x01;
inline constexpr uint16_t kTcpSyn = 0x02;
inline constexpr uint16_t kTcpRst = 0x04;
inline constexpr uint16_t kTcpPsh = 0x08;
inline constexpr uint16_t kTcpAck = 0x10;
inline constexpr uint16_t kTcpUrg = 0x20;
inline constexpr uint16_t kTcpEce = 0x40;
inline constexpr uint16_t kTcpCwr = 0x80;

// The engine ends a flow when it reaches this many packets, so that 32-bit
// counters suffice (a flow that long needs a capture of hundreds of GB).
inline constexpr uint64_t kMaxFlowPackets = 0xFFFFFFFEu;

// What one packet contributes to a flow.
struct PacketFields {
  uint32_t pkt_len = 0;
  uint32_t payload_len = 0;
  uint16_t header_len = 0;
  uint16_t flags = 0;
  int32_t window = -1;
};

// The rarely used part of a flow's state.
template <class P>
struct ColdFeatures {
  using Time = typename P::Time;
  struct Bulk {
    uint32_t count = 0;
    uint32_t packets = 0;
    uint64_t bytes = 0;
    Time duration = Time(0);
  };
  TimeStats active;
  TimeStats idle;
  uint32_t active_n = 0;
  uint32_t idle_n = 0;
  Bulk bulk[2];
};

// A slab of ColdFeatures blocks, addressed by 1-based index (0 = none).
template <class P>
class ColdStore {
 public:
  ColdFeatures<P>& Get(uint32_t* index) {
    if (*index == 0) {
      if (!free_.empty()) {
        *index = free_.back();
        free_.pop_back();
      } else {
        if (next_ % kChunk == 0) chunks_.push_back(std::make_unique<ColdFeatures<P>[]>(kChunk));
        *index = ++next_;
      }
      At(*index) = ColdFeatures<P>();
    }
    return At(*index);
  }
  const ColdFeatures<P>* Find(uint32_t index) const {
    return index == 0 ? nullptr : &chunks_[(index - 1) / kChunk][(index - 1) % kChunk];
  }
  void Release(uint32_t* index) {
    if (*index != 0) free_.push_back(*index);
    *index = 0;
  }
  size_t MemoryBytes() const {
    return chunks_.size() * kChunk * sizeof(ColdFeatures<P>) + free_.capacity() * 4;
  }

 private:
  static constexpr uint32_t kChunk = 4096;
  ColdFeatures<P>& At(uint32_t index) {
    return chunks_[(index - 1) / kChunk][(index - 1) % kChunk];
  }
  std::vector<std::unique_ptr<ColdFeatures<P>[]>> chunks_;
  std::vector<uint32_t> free_;
  uint32_t next_ = 0;
};

// The accumulators of one flow. `P` is PythonProfile or DefaultProfile.
template <class P>
class FlowFeatures {
 public:
  using Time = typename P::Time;

  FlowFeatures() = default;
  // State at creation with the first packet's time t0 (§6.1).
  explicit FlowFeatures(Time t0) : start_time_(t0), latest_time_(t0), last_active_start_(t0) {}

  // Adds one packet (§6.2), steps 1-7 in this exact order.
  void Add(Direction dir, Time t, const PacketFields& pkt, ColdStore<P>& cold) {
    const uint64_t before = packets();
    const bool first = before == 0;
    // The previous packet's time; for the first packet, t0 (= t).
    const Time prev = latest_time_;
    // 1
    latest_time_ = t;
    // 2 subflows: subflow_last_ts is the previous packet's time (P: -1.0
    // before the first packet, and a negative time counts as unset).
    if (!(P::kPython ? (first || prev < Time(0)) : first)) {
      if (t - prev > P::kOneSecond) ++subflow_count_;
    }
    // 3 active / idle: last_activity_time is the previous packet's time.
    if (P::kPython && prev == Time(0)) {
      last_active_start_ = t;
    } else {
      const Time gap = t - prev;
      if (gap > P::kFiveSeconds) {
        ColdFeatures<P>& c = cold.Get(&cold_index_);
        const Time active = prev - last_active_start_;
        if (active > Time(0)) c.active.Add(P::Seconds(active), ++c.active_n);
        c.idle.Add(P::Seconds(gap), ++c.idle_n);
        last_active_start_ = t;
      }
    }
    // 4 flow IAT: last_pkt_time is the previous packet's time (P: 0.0 before
    // the first packet, and 0.0 counts as unset).
    if (P::kPython ? (!first && prev > Time(0)) : !first) {
      flow_iat_.Add(P::Seconds(t - prev), NextCount(flow_iat_n_, before));
    }
    // 5 direction
    DirectionState& d = dir_[dir];
    const Time prev_in_dir = d.last_time;  // 0 before this direction's first packet
    const uint32_t before_in_dir = d.packets;
    ++d.packets;
    d.bytes += pkt.pkt_len;
    d.length.Add(pkt.pkt_len, d.packets);
    all_length_.Add(pkt.pkt_len, before + 1);
    d.header_bytes += pkt.header_len;
    if (dir == kForward) {
      fwd_seg_size_min_ = std::min<uint32_t>(fwd_seg_size_min_, pkt.header_len);
      if (pkt.payload_len > 0) ++fwd_act_data_pkts_;
    }
    if (P::kPython ? prev_in_dir > Time(0) : before_in_dir > 0) {
      const double iat = P::Seconds(t - prev_in_dir);
      d.iat_total += iat;  // the running double sum (fwd_iat_tot), in packet order
      d.iat.Add(iat, NextCount(d.iat_n, before_in_dir));
    }
    d.last_time = t;
    if (d.init_window == -1 && pkt.window >= 0) d.init_window = pkt.window;
    if (pkt.flags & kTcpPsh) ++d.psh;
    if (pkt.flags & kTcpUrg) ++d.urg;
    if (pkt.flags & kTcpFin) ++d.fin;
    // 6 flag totals (FIN, PSH and URG are the directions' sums; NS alone
    // counts nothing)
    if (pkt.flags & kTcpSyn) ++flag_syn_;
    if (pkt.flags & kTcpRst) ++flag_rst_;
    if (pkt.flags & kTcpAck) ++flag_ack_;
    if (pkt.flags & kTcpEce) ++flag_ece_;
    if (pkt.flags & kTcpCwr) ++flag_cwr_;
    // 7 bulk (§6.3), this direction only. While a run is open, the previous
    // packet of this direction carried payload, so run_last is prev_in_dir.
    if (pkt.payload_len == 0) {
      if (d.run_pkts > 4) {
        typename ColdFeatures<P>::Bulk& b = cold.Get(&cold_index_).bulk[dir];
        ++b.count;
        b.bytes += d.run_bytes;
        b.packets += d.run_pkts;
        b.duration += prev_in_dir - d.run_start;
      }
      d.run_bytes = 0;
      d.run_pkts = 0;
      if constexpr (P::kPython) d.run_start = Time(0);
    } else {
      if (P::kPython ? d.run_start == Time(0) : d.run_pkts == 0) d.run_start = t;
      ++d.run_pkts;
      d.run_bytes += pkt.payload_len;
    }
  }

  Time start_time() const { return start_time_; }
  Time latest_time() const { return latest_time_; }
  uint64_t packets() const { return uint64_t{dir_[0].packets} + dir_[1].packets; }
  uint32_t fin_count(Direction dir) const { return dir_[dir].fin; }

  // Returns the cold block, if any, to `cold`. Call when the flow ends.
  void ReleaseCold(ColdStore<P>& cold) { cold.Release(&cold_index_); }

  // Fills every feature column (7-82) and the timestamp (6); the identity
  // columns 1-5 are the caller's.
  void Fill(FlowRecord* r, const ColdStore<P>& cold) const {
    const DirectionState& f = dir_[kForward];
    const DirectionState& b = dir_[kBackward];
    const uint64_t n_all = packets();
    const double duration = P::Seconds(latest_time_ - start_time_);

    r->timestamp = P::EpochSeconds(start_time_);
    r->flow_duration = duration;
    if constexpr (!P::kPython) {
      r->first_ns = start_time_;
      r->last_ns = latest_time_;
    }
    r->flow_byts_s = Div(static_cast<double>(f.bytes + b.bytes), duration);
    r->flow_pkts_s = Div(static_cast<double>(n_all), duration);
    r->fwd_pkts_s = Div(static_cast<double>(f.packets), duration);
    r->bwd_pkts_s = Div(static_cast<double>(b.packets), duration);
    r->tot_fwd_pkts = f.packets;
    r->tot_bwd_pkts = b.packets;
    r->totlen_fwd_pkts = static_cast<int64_t>(f.bytes);
    r->totlen_bwd_pkts = static_cast<int64_t>(b.bytes);
    FillLength(f, &r->fwd_pkt_len_max, &r->fwd_pkt_len_min, &r->fwd_pkt_len_mean,
               &r->fwd_pkt_len_std);
    FillLength(b, &r->bwd_pkt_len_max, &r->bwd_pkt_len_min, &r->bwd_pkt_len_mean,
               &r->bwd_pkt_len_std);
    r->pkt_len_max = all_length_.max;
    r->pkt_len_min = all_length_.min;
    r->pkt_len_mean = all_length_.w.Mean(n_all);
    r->pkt_len_std = all_length_.w.Std(n_all);
    r->pkt_len_var = all_length_.w.Variance(n_all);
    r->fwd_header_len = static_cast<int64_t>(f.header_bytes);
    r->bwd_header_len = static_cast<int64_t>(b.header_bytes);
    r->fwd_seg_size_min = f.packets > 0 ? fwd_seg_size_min_ : 0;
    r->fwd_act_data_pkts = fwd_act_data_pkts_;
    const uint64_t flow_iat_n = P::kPython ? flow_iat_n_.value : (n_all > 0 ? n_all - 1 : 0);
    r->flow_iat_mean = flow_iat_.w.Mean(flow_iat_n);
    r->flow_iat_max = flow_iat_.SafeMax(flow_iat_n);
    r->flow_iat_min = flow_iat_.SafeMin(flow_iat_n);
    r->flow_iat_std = flow_iat_.w.Std(flow_iat_n);
    FillIat(f, &r->fwd_iat_tot, &r->fwd_iat_max, &r->fwd_iat_min, &r->fwd_iat_mean,
            &r->fwd_iat_std);
    FillIat(b, &r->bwd_iat_tot, &r->bwd_iat_max, &r->bwd_iat_min, &r->bwd_iat_mean,
            &r->bwd_iat_std);
    r->fwd_psh_flags = f.psh;
    r->bwd_psh_flags = b.psh;
    r->fwd_urg_flags = f.urg;
    r->bwd_urg_flags = b.urg;
    r->fin_flag_cnt = int64_t{f.fin} + b.fin;
    r->syn_flag_cnt = flag_syn_;
    r->rst_flag_cnt = flag_rst_;
    r->psh_flag_cnt = int64_t{f.psh} + b.psh;
    r->ack_flag_cnt = flag_ack_;
    r->urg_flag_cnt = int64_t{f.urg} + b.urg;
    r->ece_flag_cnt = flag_ece_;
    r->down_up_ratio = Div(static_cast<double>(b.packets), static_cast<double>(f.packets));
    r->pkt_size_avg = Div(static_cast<double>(f.bytes + b.bytes), static_cast<double>(n_all));
    r->fwd_seg_size_avg = Div(static_cast<double>(f.bytes), static_cast<double>(f.packets));
    r->bwd_seg_size_avg = Div(static_cast<double>(b.bytes), static_cast<double>(b.packets));
    const ColdFeatures<P>* c = cold.Find(cold_index_);
    const ColdFeatures<P> none;
    if (c == nullptr) c = &none;
    FillBulk(c->bulk[kForward], &r->fwd_byts_b_avg, &r->fwd_pkts_b_avg, &r->fwd_blk_rate_avg);
    FillBulk(c->bulk[kBackward], &r->bwd_byts_b_avg, &r->bwd_pkts_b_avg, &r->bwd_blk_rate_avg);
    r->subflow_fwd_pkts = f.packets / subflow_count_;
    r->subflow_fwd_byts = static_cast<int64_t>(f.bytes / subflow_count_);
    r->subflow_bwd_pkts = b.packets / subflow_count_;
    r->subflow_bwd_byts = static_cast<int64_t>(b.bytes / subflow_count_);
    r->init_fwd_win_byts = f.init_window;
    r->init_bwd_win_byts = b.init_window;
    r->active_max = c->active.SafeMax(c->active_n);
    r->active_min = c->active.SafeMin(c->active_n);
    r->active_mean = c->active.w.Mean(c->active_n);
    r->active_std = c->active.w.Std(c->active_n);
    r->idle_max = c->idle.SafeMax(c->idle_n);
    r->idle_min = c->idle.SafeMin(c->idle_n);
    r->idle_mean = c->idle.w.Mean(c->idle_n);
    r->idle_std = c->idle.w.Std(c->idle_n);
    r->cwr_flag_count = flag_cwr_;
  }

 private:
  // A count only the python profile needs (0.0 timestamps skip IATs there);
  // in the default profile it is derived from packet counts.
  struct NoCount {
    static constexpr uint32_t value = 0;
  };
  struct Count {
    uint32_t value = 0;
  };
  using PythonCount = std::conditional_t<P::kPython, Count, NoCount>;
  // The count including a new value: the stored one (python) or `derived`.
  static uint64_t NextCount(PythonCount& count, uint64_t derived) {
    if constexpr (P::kPython) {
      return ++count.value;
    } else {
      return derived;
    }
  }

  struct DirectionState {
    uint32_t packets = 0;
    uint32_t psh = 0;
    uint32_t urg = 0;
    uint32_t fin = 0;
    uint64_t bytes = 0;
    uint64_t header_bytes = 0;
    LengthStats length;
    TimeStats iat;
    double iat_total = 0.0;
    Time last_time = Time(0);
    int32_t init_window = -1;
    uint32_t run_pkts = 0;
    uint64_t run_bytes = 0;
    Time run_start = Time(0);
    [[no_unique_address]] PythonCount iat_n;

    uint64_t IatCount() const {
      if constexpr (P::kPython) return iat_n.value;
      return packets > 0 ? packets - 1 : 0;
    }
  };

  // div(a, b) = a / b if b > 0, else 0.0.
  static double Div(double a, double b) { return b > 0 ? a / b : 0.0; }

  static void FillLength(const DirectionState& d, IntOrZero* max, IntOrZero* min, double* mean,
                         double* std_dev) {
    if (d.packets > 0) {
      *max = IntOrZero{true, d.length.max};
      *min = IntOrZero{true, d.length.min};
    } else {
      *max = IntOrZero{};
      *min = IntOrZero{};
    }
    *mean = d.length.w.Mean(d.packets);
    *std_dev = d.length.w.Std(d.packets);
  }

  static void FillIat(const DirectionState& d, double* total, double* max, double* min,
                      double* mean, double* std_dev) {
    const uint64_t n = d.IatCount();
    *total = d.iat_total;
    *max = d.iat.SafeMax(n);
    *min = d.iat.SafeMin(n);
    *mean = d.iat.w.Mean(n);
    *std_dev = d.iat.w.Std(n);
  }

  static void FillBulk(const typename ColdFeatures<P>::Bulk& bulk, double* bytes_avg,
                       double* pkts_avg, double* rate_avg) {
    const double count = static_cast<double>(bulk.count);
    *bytes_avg = Div(static_cast<double>(bulk.bytes), count);
    *pkts_avg = Div(static_cast<double>(bulk.packets), count);
    *rate_avg = Div(static_cast<double>(bulk.bytes), P::Seconds(bulk.duration));
  }

  Time start_time_ = Time(0);
  Time latest_time_ = Time(0);
  Time last_active_start_ = Time(0);
  LengthStats all_length_;
  TimeStats flow_iat_;
  uint32_t subflow_count_ = 1;
  uint32_t fwd_act_data_pkts_ = 0;
  uint32_t flag_syn_ = 0, flag_rst_ = 0, flag_ack_ = 0, flag_ece_ = 0, flag_cwr_ = 0;
  uint32_t cold_index_ = 0;
  uint8_t fwd_seg_size_min_ = 0xFF;  // header lengths are at most 60
  [[no_unique_address]] PythonCount flow_iat_n_;
  DirectionState dir_[2];
};

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_FLOW_FEATURES_H_
