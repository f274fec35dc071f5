// Per-flow accumulation (FLOW-SPEC §6) and the 82 values (§7.2).
#ifndef NETFLOWER_FEATURES_FLOW_FEATURES_H_
#define NETFLOWER_FEATURES_FLOW_FEATURES_H_

#include <algorithm>
#include <cstdint>

#include "features/columns.h"
#include "features/profile.h"
#include "features/running_stats.h"

namespace netflower {

enum Direction : uint8_t { kForward = 0, kBackward = 1 };

// TCP flag bits (FLOW-SPEC §2.3).
inline constexpr uint16_t kTcpFin = 0x01;
inline constexpr uint16_t kTcpSyn = 0x02;
inline constexpr uint16_t kTcpRst = 0x04;
inline constexpr uint16_t kTcpPsh = 0x08;
inline constexpr uint16_t kTcpAck = 0x10;
inline constexpr uint16_t kTcpUrg = 0x20;
inline constexpr uint16_t kTcpEce = 0x40;
inline constexpr uint16_t kTcpCwr = 0x80;

// What one packet contributes to a flow.
struct PacketFields {
  uint32_t pkt_len = 0;
  uint32_t payload_len = 0;
  uint16_t header_len = 0;
  uint16_t flags = 0;
  int32_t window = -1;
};

// The accumulators of one flow. `P` is PythonProfile or DefaultProfile.
template <class P>
class FlowFeatures {
 public:
  using Time = typename P::Time;

  FlowFeatures() : FlowFeatures(Time(0)) {}
  // State at creation with the first packet's time t0 (§6.1).
  explicit FlowFeatures(Time t0)
      : start_time_(t0), latest_time_(t0), last_active_start_(t0), last_activity_time_(t0) {}

  // Adds one packet (§6.2), steps 1-7 in this exact order.
  void Add(Direction dir, Time t, const PacketFields& pkt) {
    const bool first_of_flow = (dir_[0].packets + dir_[1].packets) == 0;
    // 1
    latest_time_ = t;
    // 2 subflows
    if (P::kPython ? subflow_last_ts_ < Time(0) : first_of_flow) {
      subflow_last_ts_ = t;
    } else {
      if (t - subflow_last_ts_ > P::kOneSecond) ++subflow_count_;
      subflow_last_ts_ = t;
    }
    // 3 active / idle
    if (P::kPython && last_activity_time_ == Time(0)) {
      last_activity_time_ = t;
      last_active_start_ = t;
    } else {
      const Time gap = t - last_activity_time_;
      if (gap > P::kFiveSeconds) {
        const Time active = last_activity_time_ - last_active_start_;
        if (active > Time(0)) active_.Add(P::Seconds(active));
        idle_.Add(P::Seconds(gap));
        last_active_start_ = t;
      }
      last_activity_time_ = t;
    }
    // 4 flow IAT
    if (P::kPython ? last_pkt_time_ > Time(0) : !first_of_flow) {
      flow_iat_.Add(P::Seconds(t - last_pkt_time_));
    }
    last_pkt_time_ = t;
    // 5 direction
    DirectionState& d = dir_[dir];
    ++d.packets;
    d.bytes += pkt.pkt_len;
    d.length.Add(pkt.pkt_len, d.packets);
    all_length_.Add(pkt.pkt_len, dir_[0].packets + dir_[1].packets);
    d.header_bytes += pkt.header_len;
    if (dir == kForward) {
      fwd_seg_size_min_ = std::min<uint32_t>(fwd_seg_size_min_, pkt.header_len);
      if (pkt.payload_len > 0) ++fwd_act_data_pkts_;
    }
    if (P::kPython ? d.last_time > Time(0) : d.packets > 1) {
      d.iat.Add(P::Seconds(t - d.last_time));
    }
    d.last_time = t;
    if (d.init_window == -1 && pkt.window >= 0) d.init_window = pkt.window;
    if (pkt.flags & kTcpPsh) ++d.psh;
    if (pkt.flags & kTcpUrg) ++d.urg;
    if (pkt.flags & kTcpFin) ++d.fin;
    // 6 flag totals (NS alone counts nothing)
    if (pkt.flags & kTcpFin) ++flag_fin_;
    if (pkt.flags & kTcpSyn) ++flag_syn_;
    if (pkt.flags & kTcpRst) ++flag_rst_;
    if (pkt.flags & kTcpPsh) ++flag_psh_;
    if (pkt.flags & kTcpAck) ++flag_ack_;
    if (pkt.flags & kTcpUrg) ++flag_urg_;
    if (pkt.flags & kTcpEce) ++flag_ece_;
    if (pkt.flags & kTcpCwr) ++flag_cwr_;
    // 7 bulk (§6.3), this direction only
    if (pkt.payload_len == 0) {
      if (d.run_pkts > 4) {
        ++d.bulk_count;
        d.bulk_bytes += d.run_bytes;
        d.bulk_pkts += d.run_pkts;
        d.bulk_duration += d.run_last - d.run_start;
      }
      d.run_bytes = 0;
      d.run_pkts = 0;
      if constexpr (P::kPython) d.run_start = Time(0);
    } else {
      if (P::kPython ? d.run_start == Time(0) : d.run_pkts == 0) d.run_start = t;
      ++d.run_pkts;
      d.run_bytes += pkt.payload_len;
      d.run_last = t;
    }
  }

  Time start_time() const { return start_time_; }
  Time latest_time() const { return latest_time_; }
  uint64_t fin_count(Direction dir) const { return dir_[dir].fin; }

  // Fills every feature column (7-82) and the timestamp (6); the identity
  // columns 1-5 are the caller's.
  void Fill(FlowRecord* r) const {
    const DirectionState& f = dir_[kForward];
    const DirectionState& b = dir_[kBackward];
    const uint64_t n_all = f.packets + b.packets;
    const double duration = P::Seconds(latest_time_ - start_time_);

    r->timestamp = P::EpochSeconds(start_time_);
    r->flow_duration = duration;
    r->flow_byts_s = Div(static_cast<double>(f.bytes + b.bytes), duration);
    r->flow_pkts_s = Div(static_cast<double>(n_all), duration);
    r->fwd_pkts_s = Div(static_cast<double>(f.packets), duration);
    r->bwd_pkts_s = Div(static_cast<double>(b.packets), duration);
    r->tot_fwd_pkts = static_cast<int64_t>(f.packets);
    r->tot_bwd_pkts = static_cast<int64_t>(b.packets);
    r->totlen_fwd_pkts = static_cast<int64_t>(f.bytes);
    r->totlen_bwd_pkts = static_cast<int64_t>(b.bytes);
    FillLength(f, &r->fwd_pkt_len_max, &r->fwd_pkt_len_min, &r->fwd_pkt_len_mean,
               &r->fwd_pkt_len_std);
    FillLength(b, &r->bwd_pkt_len_max, &r->bwd_pkt_len_min, &r->bwd_pkt_len_mean,
               &r->bwd_pkt_len_std);
    r->pkt_len_max = n_all > 0 ? all_length_.max() : 0;
    r->pkt_len_min = n_all > 0 ? all_length_.min() : 0;
    r->pkt_len_mean = all_length_.mean(n_all);
    r->pkt_len_std = all_length_.std_dev(n_all);
    r->pkt_len_var = all_length_.variance(n_all);
    r->fwd_header_len = static_cast<int64_t>(f.header_bytes);
    r->bwd_header_len = static_cast<int64_t>(b.header_bytes);
    r->fwd_seg_size_min = f.packets > 0 ? fwd_seg_size_min_ : 0;
    r->fwd_act_data_pkts = static_cast<int64_t>(fwd_act_data_pkts_);
    r->flow_iat_mean = flow_iat_.mean();
    r->flow_iat_max = flow_iat_.safe_max();
    r->flow_iat_min = flow_iat_.safe_min();
    r->flow_iat_std = flow_iat_.std_dev();
    r->fwd_iat_tot = f.iat.total();
    r->fwd_iat_max = f.iat.safe_max();
    r->fwd_iat_min = f.iat.safe_min();
    r->fwd_iat_mean = f.iat.mean();
    r->fwd_iat_std = f.iat.std_dev();
    r->bwd_iat_tot = b.iat.total();
    r->bwd_iat_max = b.iat.safe_max();
    r->bwd_iat_min = b.iat.safe_min();
    r->bwd_iat_mean = b.iat.mean();
    r->bwd_iat_std = b.iat.std_dev();
    r->fwd_psh_flags = static_cast<int64_t>(f.psh);
    r->bwd_psh_flags = static_cast<int64_t>(b.psh);
    r->fwd_urg_flags = static_cast<int64_t>(f.urg);
    r->bwd_urg_flags = static_cast<int64_t>(b.urg);
    r->fin_flag_cnt = static_cast<int64_t>(flag_fin_);
    r->syn_flag_cnt = static_cast<int64_t>(flag_syn_);
    r->rst_flag_cnt = static_cast<int64_t>(flag_rst_);
    r->psh_flag_cnt = static_cast<int64_t>(flag_psh_);
    r->ack_flag_cnt = static_cast<int64_t>(flag_ack_);
    r->urg_flag_cnt = static_cast<int64_t>(flag_urg_);
    r->ece_flag_cnt = static_cast<int64_t>(flag_ece_);
    r->down_up_ratio = Div(static_cast<double>(b.packets), static_cast<double>(f.packets));
    r->pkt_size_avg = Div(static_cast<double>(f.bytes + b.bytes), static_cast<double>(n_all));
    r->fwd_seg_size_avg = Div(static_cast<double>(f.bytes), static_cast<double>(f.packets));
    r->bwd_seg_size_avg = Div(static_cast<double>(b.bytes), static_cast<double>(b.packets));
    FillBulk(f, &r->fwd_byts_b_avg, &r->fwd_pkts_b_avg, &r->fwd_blk_rate_avg);
    FillBulk(b, &r->bwd_byts_b_avg, &r->bwd_pkts_b_avg, &r->bwd_blk_rate_avg);
    r->subflow_fwd_pkts = static_cast<int64_t>(f.packets / subflow_count_);
    r->subflow_fwd_byts = static_cast<int64_t>(f.bytes / subflow_count_);
    r->subflow_bwd_pkts = static_cast<int64_t>(b.packets / subflow_count_);
    r->subflow_bwd_byts = static_cast<int64_t>(b.bytes / subflow_count_);
    r->init_fwd_win_byts = f.init_window;
    r->init_bwd_win_byts = b.init_window;
    r->active_max = active_.safe_max();
    r->active_min = active_.safe_min();
    r->active_mean = active_.mean();
    r->active_std = active_.std_dev();
    r->idle_max = idle_.safe_max();
    r->idle_min = idle_.safe_min();
    r->idle_mean = idle_.mean();
    r->idle_std = idle_.std_dev();
    r->cwr_flag_count = static_cast<int64_t>(flag_cwr_);
  }

 private:
  struct DirectionState {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t header_bytes = 0;
    LengthStats length;
    TimeStats iat;
    Time last_time = Time(0);
    int32_t init_window = -1;
    uint64_t psh = 0;
    uint64_t urg = 0;
    uint64_t fin = 0;
    // Bulk (§6.3).
    uint64_t run_pkts = 0;
    uint64_t run_bytes = 0;
    uint64_t bulk_count = 0;
    uint64_t bulk_bytes = 0;
    uint64_t bulk_pkts = 0;
    Time run_start = Time(0);
    Time run_last = Time(0);
    Time bulk_duration = Time(0);
  };

  // div(a, b) = a / b if b > 0, else 0.0.
  static double Div(double a, double b) { return b > 0 ? a / b : 0.0; }

  static void FillLength(const DirectionState& d, IntOrZero* max, IntOrZero* min, double* mean,
                         double* std_dev) {
    if (d.packets > 0) {
      *max = IntOrZero{true, d.length.max()};
      *min = IntOrZero{true, d.length.min()};
    } else {
      *max = IntOrZero{};
      *min = IntOrZero{};
    }
    *mean = d.length.mean(d.packets);
    *std_dev = d.length.std_dev(d.packets);
  }

  static void FillBulk(const DirectionState& d, double* bytes_avg, double* pkts_avg,
                       double* rate_avg) {
    const double count = static_cast<double>(d.bulk_count);
    *bytes_avg = Div(static_cast<double>(d.bulk_bytes), count);
    *pkts_avg = Div(static_cast<double>(d.bulk_pkts), count);
    *rate_avg = Div(static_cast<double>(d.bulk_bytes), P::Seconds(d.bulk_duration));
  }

  Time start_time_;
  Time latest_time_;
  Time last_active_start_;
  Time last_activity_time_;
  Time last_pkt_time_ = Time(0);
  // P: -1.0 means "no packet yet". D never reads it before the first packet.
  Time subflow_last_ts_ = Time(-1);
  uint64_t subflow_count_ = 1;
  uint64_t fwd_act_data_pkts_ = 0;
  uint32_t fwd_seg_size_min_ = 0xFFFF;
  uint64_t flag_fin_ = 0, flag_syn_ = 0, flag_rst_ = 0, flag_psh_ = 0;
  uint64_t flag_ack_ = 0, flag_urg_ = 0, flag_ece_ = 0, flag_cwr_ = 0;
  DirectionState dir_[2];
  LengthStats all_length_;
  TimeStats flow_iat_;
  TimeStats active_;
  TimeStats idle_;
};

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_FLOW_FEATURES_H_
