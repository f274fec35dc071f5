// The CIC column sets: the layouts of the CIC-IDS2017 and CSE-CIC-IDS2018
// datasets and of CICFlowMeter's writers (docs/CIC.md). One table gives
// every value's field and kind and its name in each naming; the five layouts
// are selections from it (CicLayoutColumns), so a name, a position or a kind
// is written once.
#ifndef NETFLOWER_FEATURES_CIC_COLUMNS_H_
#define NETFLOWER_FEATURES_CIC_COLUMNS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "netflower/flow_record.h"
#include "netflower/options.h"

namespace netflower {

// ColumnSet, its names and kCicFlowTimeoutSeconds are public
// (netflower/options.h): a run's options name them.

// How a CIC value is printed (docs/CIC.md, "Numbers").
enum class CicKind : uint8_t {
  kFlowId,     // "ipA-ipB-portA-portB-protocol", CICFlowMeter's canonical order
  kAddress,    // dotted quad
  kInt,        // a Java int or long
  kDouble,     // Java Double.toString: "714.0", "4.4964004E7", "NaN", "Infinity"
  kStat,       // a statistic: a double, or the int 0 when it has no values
  kTimestamp,  // the flow's first packet, local time, per layout
  kLabel,      // the run's label
};

// A statistic as CICFlowMeter writes it: a double when its condition holds
// (values exist), else the literal 0.
struct CicStat {
  bool has = false;
  double value = 0.0;
};

// X(field, Kind, 2017 name, V4 / 2018 name, master name), in the V4 order.
// The 2017 names keep the datasets' leading spaces.
// clang-format off
#define NETFLOWER_CIC_COLUMNS(X) \
  X(flow_id, FlowId, "Flow ID", "Flow ID", "Flow ID")                                                         \
  X(src_ip, Address, " Source IP", "Src IP", "Src IP")                                                        \
  X(src_port, Int, " Source Port", "Src Port", "Src Port")                                                    \
  X(dst_ip, Address, " Destination IP", "Dst IP", "Dst IP")                                                   \
  X(dst_port, Int, " Destination Port", "Dst Port", "Dst Port")                                               \
  X(protocol, Int, " Protocol", "Protocol", "Protocol")                                                       \
  X(timestamp, Timestamp, " Timestamp", "Timestamp", "Timestamp")                                             \
  X(flow_duration, Int, " Flow Duration", "Flow Duration", "Flow Duration")                                   \
  X(tot_fwd_pkts, Int, " Total Fwd Packets", "Tot Fwd Pkts", "Total Fwd Packet")                              \
  X(tot_bwd_pkts, Int, " Total Backward Packets", "Tot Bwd Pkts", "Total Bwd packets")                        \
  X(totlen_fwd_pkts, Double, "Total Length of Fwd Packets", "TotLen Fwd Pkts", "Total Length of Fwd Packet")  \
  X(totlen_bwd_pkts, Double, " Total Length of Bwd Packets", "TotLen Bwd Pkts", "Total Length of Bwd Packet") \
  X(fwd_pkt_len_max, Stat, " Fwd Packet Length Max", "Fwd Pkt Len Max", "Fwd Packet Length Max")              \
  X(fwd_pkt_len_min, Stat, " Fwd Packet Length Min", "Fwd Pkt Len Min", "Fwd Packet Length Min")              \
  X(fwd_pkt_len_mean, Stat, " Fwd Packet Length Mean", "Fwd Pkt Len Mean", "Fwd Packet Length Mean")          \
  X(fwd_pkt_len_std, Stat, " Fwd Packet Length Std", "Fwd Pkt Len Std", "Fwd Packet Length Std")              \
  X(bwd_pkt_len_max, Stat, "Bwd Packet Length Max", "Bwd Pkt Len Max", "Bwd Packet Length Max")               \
  X(bwd_pkt_len_min, Stat, " Bwd Packet Length Min", "Bwd Pkt Len Min", "Bwd Packet Length Min")              \
  X(bwd_pkt_len_mean, Stat, " Bwd Packet Length Mean", "Bwd Pkt Len Mean", "Bwd Packet Length Mean")          \
  X(bwd_pkt_len_std, Stat, " Bwd Packet Length Std", "Bwd Pkt Len Std", "Bwd Packet Length Std")              \
  X(flow_byts_s, Double, "Flow Bytes/s", "Flow Byts/s", "Flow Bytes/s")                                       \
  X(flow_pkts_s, Double, " Flow Packets/s", "Flow Pkts/s", "Flow Packets/s")                                  \
  X(flow_iat_mean, Double, " Flow IAT Mean", "Flow IAT Mean", "Flow IAT Mean")                                \
  X(flow_iat_std, Double, " Flow IAT Std", "Flow IAT Std", "Flow IAT Std")                                    \
  X(flow_iat_max, Double, " Flow IAT Max", "Flow IAT Max", "Flow IAT Max")                                    \
  X(flow_iat_min, Double, " Flow IAT Min", "Flow IAT Min", "Flow IAT Min")                                    \
  X(fwd_iat_tot, Stat, "Fwd IAT Total", "Fwd IAT Tot", "Fwd IAT Total")                                       \
  X(fwd_iat_mean, Stat, " Fwd IAT Mean", "Fwd IAT Mean", "Fwd IAT Mean")                                      \
  X(fwd_iat_std, Stat, " Fwd IAT Std", "Fwd IAT Std", "Fwd IAT Std")                                          \
  X(fwd_iat_max, Stat, " Fwd IAT Max", "Fwd IAT Max", "Fwd IAT Max")                                          \
  X(fwd_iat_min, Stat, " Fwd IAT Min", "Fwd IAT Min", "Fwd IAT Min")                                          \
  X(bwd_iat_tot, Stat, "Bwd IAT Total", "Bwd IAT Tot", "Bwd IAT Total")                                       \
  X(bwd_iat_mean, Stat, " Bwd IAT Mean", "Bwd IAT Mean", "Bwd IAT Mean")                                      \
  X(bwd_iat_std, Stat, " Bwd IAT Std", "Bwd IAT Std", "Bwd IAT Std")                                          \
  X(bwd_iat_max, Stat, " Bwd IAT Max", "Bwd IAT Max", "Bwd IAT Max")                                          \
  X(bwd_iat_min, Stat, " Bwd IAT Min", "Bwd IAT Min", "Bwd IAT Min")                                          \
  X(fwd_psh_flags, Int, "Fwd PSH Flags", "Fwd PSH Flags", "Fwd PSH Flags")                                    \
  X(bwd_psh_flags, Int, " Bwd PSH Flags", "Bwd PSH Flags", "Bwd PSH Flags")                                   \
  X(fwd_urg_flags, Int, " Fwd URG Flags", "Fwd URG Flags", "Fwd URG Flags")                                   \
  X(bwd_urg_flags, Int, " Bwd URG Flags", "Bwd URG Flags", "Bwd URG Flags")                                   \
  X(fwd_header_len, Int, " Fwd Header Length", "Fwd Header Len", "Fwd Header Length")                         \
  X(bwd_header_len, Int, " Bwd Header Length", "Bwd Header Len", "Bwd Header Length")                         \
  X(fwd_pkts_s, Double, "Fwd Packets/s", "Fwd Pkts/s", "Fwd Packets/s")                                       \
  X(bwd_pkts_s, Double, " Bwd Packets/s", "Bwd Pkts/s", "Bwd Packets/s")                                      \
  X(pkt_len_min, Stat, " Min Packet Length", "Pkt Len Min", "Packet Length Min")                              \
  X(pkt_len_max, Stat, " Max Packet Length", "Pkt Len Max", "Packet Length Max")                              \
  X(pkt_len_mean, Stat, " Packet Length Mean", "Pkt Len Mean", "Packet Length Mean")                          \
  X(pkt_len_std, Stat, " Packet Length Std", "Pkt Len Std", "Packet Length Std")                              \
  X(pkt_len_var, Stat, " Packet Length Variance", "Pkt Len Var", "Packet Length Variance")                    \
  X(fin_flag_cnt, Int, "FIN Flag Count", "FIN Flag Cnt", "FIN Flag Count")                                    \
  X(syn_flag_cnt, Int, " SYN Flag Count", "SYN Flag Cnt", "SYN Flag Count")                                   \
  X(rst_flag_cnt, Int, " RST Flag Count", "RST Flag Cnt", "RST Flag Count")                                   \
  X(psh_flag_cnt, Int, " PSH Flag Count", "PSH Flag Cnt", "PSH Flag Count")                                   \
  X(ack_flag_cnt, Int, " ACK Flag Count", "ACK Flag Cnt", "ACK Flag Count")                                   \
  X(urg_flag_cnt, Int, " URG Flag Count", "URG Flag Cnt", "URG Flag Count")                                   \
  X(cwr_flag_cnt, Int, " CWE Flag Count", "CWE Flag Count", "CWR Flag Count")                                 \
  X(ece_flag_cnt, Int, " ECE Flag Count", "ECE Flag Cnt", "ECE Flag Count")                                   \
  X(down_up_ratio, Double, " Down/Up Ratio", "Down/Up Ratio", "Down/Up Ratio")                                \
  X(pkt_size_avg, Double, " Average Packet Size", "Pkt Size Avg", "Average Packet Size")                      \
  X(fwd_seg_size_avg, Double, " Avg Fwd Segment Size", "Fwd Seg Size Avg", "Fwd Segment Size Avg")            \
  X(bwd_seg_size_avg, Double, " Avg Bwd Segment Size", "Bwd Seg Size Avg", "Bwd Segment Size Avg")            \
  X(fwd_byts_b_avg, Int, "Fwd Avg Bytes/Bulk", "Fwd Byts/b Avg", "Fwd Bytes/Bulk Avg")                        \
  X(fwd_pkts_b_avg, Int, " Fwd Avg Packets/Bulk", "Fwd Pkts/b Avg", "Fwd Packet/Bulk Avg")                    \
  X(fwd_blk_rate_avg, Int, " Fwd Avg Bulk Rate", "Fwd Blk Rate Avg", "Fwd Bulk Rate Avg")                     \
  X(bwd_byts_b_avg, Int, " Bwd Avg Bytes/Bulk", "Bwd Byts/b Avg", "Bwd Bytes/Bulk Avg")                       \
  X(bwd_pkts_b_avg, Int, " Bwd Avg Packets/Bulk", "Bwd Pkts/b Avg", "Bwd Packet/Bulk Avg")                    \
  X(bwd_blk_rate_avg, Int, "Bwd Avg Bulk Rate", "Bwd Blk Rate Avg", "Bwd Bulk Rate Avg")                      \
  X(subflow_fwd_pkts, Int, "Subflow Fwd Packets", "Subflow Fwd Pkts", "Subflow Fwd Packets")                  \
  X(subflow_fwd_byts, Int, " Subflow Fwd Bytes", "Subflow Fwd Byts", "Subflow Fwd Bytes")                     \
  X(subflow_bwd_pkts, Int, " Subflow Bwd Packets", "Subflow Bwd Pkts", "Subflow Bwd Packets")                 \
  X(subflow_bwd_byts, Int, " Subflow Bwd Bytes", "Subflow Bwd Byts", "Subflow Bwd Bytes")                     \
  X(init_fwd_win_byts, Int, "Init_Win_bytes_forward", "Init Fwd Win Byts", "FWD Init Win Bytes")              \
  X(init_bwd_win_byts, Int, " Init_Win_bytes_backward", "Init Bwd Win Byts", "Bwd Init Win Bytes")            \
  X(fwd_act_data_pkts, Int, " act_data_pkt_fwd", "Fwd Act Data Pkts", "Fwd Act Data Pkts")                    \
  X(fwd_seg_size_min, Int, " min_seg_size_forward", "Fwd Seg Size Min", "Fwd Seg Size Min")                   \
  X(active_mean, Stat, "Active Mean", "Active Mean", "Active Mean")                                           \
  X(active_std, Stat, " Active Std", "Active Std", "Active Std")                                              \
  X(active_max, Stat, " Active Max", "Active Max", "Active Max")                                              \
  X(active_min, Stat, " Active Min", "Active Min", "Active Min")                                              \
  X(idle_mean, Stat, "Idle Mean", "Idle Mean", "Idle Mean")                                                   \
  X(idle_std, Stat, " Idle Std", "Idle Std", "Idle Std")                                                      \
  X(idle_max, Stat, " Idle Max", "Idle Max", "Idle Max")                                                      \
  X(idle_min, Stat, " Idle Min", "Idle Min", "Idle Min")                                                      \
  X(label, Label, " Label", "Label", "Label")
// clang-format on

// C++ type of each CicKind's value in a CicRecord.
using CicFlowIdValue = bool;  // unused: the id is made from the endpoints
using CicAddressValue = IpAddress;
using CicIntValue = int64_t;
using CicDoubleValue = double;
using CicStatValue = CicStat;
using CicTimestampValue = int64_t;  // microseconds since the epoch
using CicLabelValue = bool;         // unused: the label is the run's

// One CIC flow's values, named like the fields of the table.
struct CicRecord {
#define NETFLOWER_CIC_FIELD(field, Kind, n2017, nv4, nmaster) Cic##Kind##Value field{};
  NETFLOWER_CIC_COLUMNS(NETFLOWER_CIC_FIELD)
#undef NETFLOWER_CIC_FIELD
};

#define NETFLOWER_CIC_COUNT(field, Kind, n2017, nv4, nmaster) +1
inline constexpr size_t kCicFieldCount = 0 NETFLOWER_CIC_COLUMNS(NETFLOWER_CIC_COUNT);
#undef NETFLOWER_CIC_COUNT
static_assert(kCicFieldCount == 84, "CICFlowMeter-V4 writes 84 columns");

enum class CicField : uint8_t {
#define NETFLOWER_CIC_ENUM(field, Kind, n2017, nv4, nmaster) k_##field,
  NETFLOWER_CIC_COLUMNS(NETFLOWER_CIC_ENUM)
#undef NETFLOWER_CIC_ENUM
};

struct CicFieldInfo {
  std::string_view field;
  CicKind kind;
  std::string_view name_2017;
  std::string_view name_v4;
  std::string_view name_master;
};

inline constexpr CicFieldInfo kCicFields[kCicFieldCount] = {
#define NETFLOWER_CIC_INFO(field, Kind, n2017, nv4, nmaster) \
  {#field, CicKind::k##Kind, n2017, nv4, nmaster},
    NETFLOWER_CIC_COLUMNS(NETFLOWER_CIC_INFO)
#undef NETFLOWER_CIC_INFO
};

// One column of a layout: which field, under which name.
struct CicColumn {
  CicField field;
  std::string_view name;
};

// The columns of a CIC layout, in output order. REQUIRES: IsCic(set).
const std::vector<CicColumn>& CicLayoutColumns(ColumnSet set);

// The layout's header line, without a line end. REQUIRES: IsCic(set).
std::string_view CicHeader(ColumnSet set);

// Longest Flow ID text: two dotted quads, two ports, a protocol, 4 dashes.
inline constexpr size_t kMaxCicFlowIdChars = 2 * 15 + 2 * 5 + 3 + 4;

// The Flow ID of a flow from `src` to `dst` (IPv4):
// "ipA-ipB-portA-portB-protocol". `canonical` (the dataset layouts): A is the
// endpoint whose address is smaller comparing bytes as Java's signed bytes
// (so 192.x, whose first byte is -64, comes before 104.x), the source when
// the addresses are equal. Otherwise (master) A is the source.
// Writes at most kMaxCicFlowIdChars bytes to `out`; returns the length.
size_t FormatCicFlowId(const IpAddress& src, uint16_t src_port, const IpAddress& dst,
                       uint16_t dst_port, uint8_t protocol, bool canonical, char* out);

// True when a packet from `src` to `dst` (IPv4 bytes) is in Flow ID order:
// its source is endpoint A.
inline bool CicSourceFirst(const uint8_t* src, const uint8_t* dst) {
  for (int i = 0; i < 4; ++i) {
    const auto s = static_cast<int8_t>(src[i]), d = static_cast<int8_t>(dst[i]);
    if (s != d) return s < d;
  }
  return true;
}

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_CIC_COLUMNS_H_
