// The 82 output columns: the one source of truth for name, order and type
// (FLOW-SPEC §7). The CSV header and row formatter, the typed FlowRecord
// handed to callbacks, name lookup and the tests are all generated from
// NETFLOWER_FLOW_COLUMNS.
#ifndef NETFLOWER_FEATURES_COLUMNS_H_
#define NETFLOWER_FEATURES_COLUMNS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "capture/ip_address.h"
#include "capture/tunnel.h"

namespace netflower {

// How a column's value is typed and printed.
enum class ColumnType : uint8_t {
  kAddress,    // text: dotted quad or RFC 5952 IPv6
  kInt,        // decimal integer
  kFloat,      // Python repr of a double
  kIntOrZero,  // integer when the statistic has values, else the float 0.0
};

// An int-or-0.0 value (packet-length max/min of a direction).
struct IntOrZero {
  bool has_value = false;
  int64_t value = 0;
  friend bool operator==(const IntOrZero& a, const IntOrZero& b) {
    return a.has_value == b.has_value && (!a.has_value || a.value == b.value);
  }
};

// C++ type of each ColumnType.
using AddressColumn = IpAddress;
using IntColumn = int64_t;
using FloatColumn = double;
using IntOrZeroColumn = IntOrZero;

// X(name, Type): Type is one of Address, Int, Float, IntOrZero.
#define NETFLOWER_FLOW_COLUMNS(X) \
  X(src_ip, Address)              \
  X(dst_ip, Address)              \
  X(src_port, Int)                \
  X(dst_port, Int)                \
  X(protocol, Int)                \
  X(timestamp, Float)             \
  X(flow_duration, Float)         \
  X(flow_byts_s, Float)           \
  X(flow_pkts_s, Float)           \
  X(fwd_pkts_s, Float)            \
  X(bwd_pkts_s, Float)            \
  X(tot_fwd_pkts, Int)            \
  X(tot_bwd_pkts, Int)            \
  X(totlen_fwd_pkts, Int)         \
  X(totlen_bwd_pkts, Int)         \
  X(fwd_pkt_len_max, IntOrZero)   \
  X(fwd_pkt_len_min, IntOrZero)   \
  X(fwd_pkt_len_mean, Float)      \
  X(fwd_pkt_len_std, Float)       \
  X(bwd_pkt_len_max, IntOrZero)   \
  X(bwd_pkt_len_min, IntOrZero)   \
  X(bwd_pkt_len_mean, Float)      \
  X(bwd_pkt_len_std, Float)       \
  X(pkt_len_max, Int)             \
  X(pkt_len_min, Int)             \
  X(pkt_len_mean, Float)          \
  X(pkt_len_std, Float)           \
  X(pkt_len_var, Float)           \
  X(fwd_header_len, Int)          \
  X(bwd_header_len, Int)          \
  X(fwd_seg_size_min, Int)        \
  X(fwd_act_data_pkts, Int)       \
  X(flow_iat_mean, Float)         \
  X(flow_iat_max, Float)          \
  X(flow_iat_min, Float)          \
  X(flow_iat_std, Float)          \
  X(fwd_iat_tot, Float)           \
  X(fwd_iat_max, Float)           \
  X(fwd_iat_min, Float)           \
  X(fwd_iat_mean, Float)          \
  X(fwd_iat_std, Float)           \
  X(bwd_iat_tot, Float)           \
  X(bwd_iat_max, Float)           \
  X(bwd_iat_min, Float)           \
  X(bwd_iat_mean, Float)          \
  X(bwd_iat_std, Float)           \
  X(fwd_psh_flags, Int)           \
  X(bwd_psh_flags, Int)           \
  X(fwd_urg_flags, Int)           \
  X(bwd_urg_flags, Int)           \
  X(fin_flag_cnt, Int)            \
  X(syn_flag_cnt, Int)            \
  X(rst_flag_cnt, Int)            \
  X(psh_flag_cnt, Int)            \
  X(ack_flag_cnt, Int)            \
  X(urg_flag_cnt, Int)            \
  X(ece_flag_cnt, Int)            \
  X(down_up_ratio, Float)         \
  X(pkt_size_avg, Float)          \
  X(fwd_seg_size_avg, Float)      \
  X(bwd_seg_size_avg, Float)      \
  X(fwd_byts_b_avg, Float)        \
  X(fwd_pkts_b_avg, Float)        \
  X(fwd_blk_rate_avg, Float)      \
  X(bwd_byts_b_avg, Float)        \
  X(bwd_pkts_b_avg, Float)        \
  X(bwd_blk_rate_avg, Float)      \
  X(subflow_fwd_pkts, Int)        \
  X(subflow_fwd_byts, Int)        \
  X(subflow_bwd_pkts, Int)        \
  X(subflow_bwd_byts, Int)        \
  X(init_fwd_win_byts, Int)       \
  X(init_bwd_win_byts, Int)       \
  X(active_max, Float)            \
  X(active_min, Float)            \
  X(active_mean, Float)           \
  X(active_std, Float)            \
  X(idle_max, Float)              \
  X(idle_min, Float)              \
  X(idle_mean, Float)             \
  X(idle_std, Float)              \
  X(cwr_flag_count, Int)

// One emitted flow: the 82 values, typed, in column order. Fields are named
// exactly like the CSV columns, so `record.flow_duration` is column 7.
struct FlowRecord {
#define NETFLOWER_DECLARE_FIELD(name, Type) Type##Column name{};
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_DECLARE_FIELD)
#undef NETFLOWER_DECLARE_FIELD
  // Not one of the 82: the outermost tunnel of the flow's first packet, set
  // only when the run keeps it (the netflower-tunnel column set; else none).
  TunnelTag tunnel;
};

// The columns the netflower-tunnel set adds after the 82 (docs/COLUMNS.md):
// FlowRecord::tunnel as the kind's name ("" when none) and its id (empty
// when the kind has none).
inline constexpr std::string_view kTunnelColumnNames[] = {"tunnel_type", "tunnel_id"};

struct ColumnInfo {
  std::string_view name;
  ColumnType type;
};

#define NETFLOWER_COUNT_COLUMN(name, Type) +1
inline constexpr size_t kColumnCount = 0 NETFLOWER_FLOW_COLUMNS(NETFLOWER_COUNT_COLUMN);
#undef NETFLOWER_COUNT_COLUMN
static_assert(kColumnCount == 82, "FLOW-SPEC §7 defines 82 columns");

// The schema, in output order.
inline constexpr std::array<ColumnInfo, kColumnCount> kColumns = {{
#define NETFLOWER_COLUMN_INFO(name, Type) {#name, ColumnType::k##Type},
    NETFLOWER_FLOW_COLUMNS(NETFLOWER_COLUMN_INFO)
#undef NETFLOWER_COLUMN_INFO
}};

// Index of a column by name, or nullopt.
std::optional<size_t> ColumnIndex(std::string_view name);

// A column's value, for generic access. Address columns read as text.
using ColumnValue = std::variant<int64_t, double, std::string>;

// The value of column `index` (< kColumnCount) of `record`. An int-or-0.0
// column without a value reads as the double 0.0, as it prints.
ColumnValue GetColumn(const FlowRecord& record, size_t index);

// The value of the column called `name`, or nullopt for an unknown name.
std::optional<ColumnValue> GetColumn(const FlowRecord& record, std::string_view name);

}  // namespace netflower

#endif  // NETFLOWER_FEATURES_COLUMNS_H_
