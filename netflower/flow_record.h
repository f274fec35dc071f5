// A flow as the library hands it over: the 82 columns, typed (FlowRecord),
// and the schema they come from. NETFLOWER_FLOW_COLUMNS is the one source of
// truth for the columns' names, order and types: the CSV header and rows, the
// JSON Lines keys, FlowRecord, name lookup, the C API and Python's columns
// are all generated from it. What each column means: docs/COLUMNS.md; the
// rules that make them: docs/FLOW-RULES.md.
#ifndef NETFLOWER_NETFLOWER_FLOW_RECORD_H_
#define NETFLOWER_NETFLOWER_FLOW_RECORD_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "netflower/export.h"

namespace netflower {

// An IPv4 or IPv6 address as it appears in a flow's identity columns.
struct IpAddress {
  // 4 or 6. An IPv4 address uses bytes[0..3]; the other bytes are zero so that
  // whole-struct comparison and hashing work.
  uint8_t family = 4;
  uint8_t bytes[16] = {};

  static IpAddress V4(const uint8_t* b) {
    IpAddress a;
    a.family = 4;
    std::memcpy(a.bytes, b, 4);
    return a;
  }
  static IpAddress V6(const uint8_t* b) {
    IpAddress a;
    a.family = 6;
    std::memcpy(a.bytes, b, 16);
    return a;
  }
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    return a.family == b.family && std::memcmp(a.bytes, b.bytes, 16) == 0;
  }
};

// Longest text form ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45).
inline constexpr size_t kMaxIpTextChars = 46;

// IPv4: dotted quad without leading zeros. IPv6: RFC 5952 (lowercase, no
// leading zeros in a group, the longest run of two or more zero groups as
// "::", the first such run on a tie, "::ffff:a.b.c.d" for IPv4-mapped
// addresses). `out` must hold kMaxIpTextChars bytes; returns bytes written.
NETFLOWER_EXPORT size_t FormatIpAddress(const IpAddress& address, char* out);
NETFLOWER_EXPORT std::string IpAddressToString(const IpAddress& address);

// The kinds of encapsulation the decoder opens (docs/DECODING.md). Names in
// kTunnelKindNames, the one name table (the tunnel_type column).
enum class TunnelKind : uint8_t {
  kNone = 0,  // not tunnelled (or tunnels not opened)
  kVxlan,     // id: the VNI
  kGeneve,    // id: the VNI
  kGtpU,      // id: the TEID
  kGre,       // id: the key, when the K flag is set
  kErspan,    // id: the session ID (types II and III; type I has none)
  kPptp,      // id: the call ID (enhanced GRE, version 1)
  kIpInIp,    // IP protocol 4 or 41 (IP-in-IP, 6in4, 4in6, 6in6): no id
  kCount
};
inline constexpr std::string_view kTunnelKindNames[] = {"",    "vxlan",  "geneve", "gtpu",
                                                        "gre", "erspan", "pptp",   "ipip"};
static_assert(std::size(kTunnelKindNames) == static_cast<size_t>(TunnelKind::kCount));
inline std::string_view TunnelKindName(TunnelKind kind) {
  return kTunnelKindNames[static_cast<size_t>(kind)];
}

// The outermost encapsulation a packet arrived in: what a traffic mirror
// (VXLAN, GENEVE, ERSPAN) or a mobile core (GTP-U) put around it.
struct TunnelTag {
  TunnelKind kind = TunnelKind::kNone;
  bool has_id = false;
  uint32_t id = 0;
  friend bool operator==(const TunnelTag&, const TunnelTag&) = default;
};

// Why a row was written (the export_reason column, with --export-reason or
// --interim). Names in kExportReasonNames, the one name table.
enum class ExportReason : uint8_t {
  kFin = 0,  // TCP: the FIN exchange completed (its final ACK)
  kRst,      // TCP: a RST
  kIdle,     // no packet for longer than the idle timeout
  kActive,   // the duration cap (active timeout)
  kEvicted,  // the flow table was full (max_flows): the least recently active flow
  kEnd,      // still open at the end of the input or capture (or at 2^32-2 packets)
  kInterim,  // not an end: an interim report of an open flow (--interim)
  kCount
};
inline constexpr std::string_view kExportReasonNames[] = {"fin",     "rst", "idle",   "active",
                                                          "evicted", "end", "interim"};
static_assert(std::size(kExportReasonNames) == static_cast<size_t>(ExportReason::kCount));
inline std::string_view ExportReasonName(ExportReason reason) {
  return kExportReasonNames[static_cast<size_t>(reason)];
}

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

// One of a flow's first packets, for the SPLT columns (--splt N: sequence of
// packet lengths and times).
struct SpltPacket {
  int32_t ip_length = 0;   // the IP length as pkt_len counts it; negative: backward
  uint16_t tcp_flags = 0;  // TCP's 9 flag bits; 0 for UDP
  int64_t iat_ns = 0;      // time since the flow's previous packet (0 for the first)
  friend bool operator==(const SpltPacket&, const SpltPacket&) = default;
};
// --splt's bound: at most this many packets a flow.
inline constexpr int kMaxSpltPackets = 255;

// The columns --dpi adds (docs/COLUMNS.md, FLOW-RULES §16): what nDPI made
// of the flow's first packets. One list for the names, AppLabels' fields and
// the formatters.
#define NETFLOWER_DPI_COLUMNS(X) \
  X(application_name)            \
  X(application_category)        \
  X(application_confidence)      \
  X(requested_server_name)       \
  X(ja3_client)                  \
  X(ja3_server)

// A flow's application labels (--dpi), each "" when nDPI found none:
// printable ASCII only (any other byte is written as '?'), each at most
// kMaxDpiValueBytes.
struct AppLabels {
#define NETFLOWER_DPI_FIELD(name) std::string name;
  NETFLOWER_DPI_COLUMNS(NETFLOWER_DPI_FIELD)
#undef NETFLOWER_DPI_FIELD
  // The value of column `i` of kDpiColumnNames. REQUIRES: i < 6.
  const std::string& value(size_t i) const {
    const std::string* values[] = {
#define NETFLOWER_DPI_ADDRESS(name) &name,
        NETFLOWER_DPI_COLUMNS(NETFLOWER_DPI_ADDRESS)
#undef NETFLOWER_DPI_ADDRESS
    };
    return *values[i];
  }
  friend bool operator==(const AppLabels&, const AppLabels&) = default;
};
inline constexpr size_t kMaxDpiValueBytes = 96;

// One emitted flow: the 82 values, typed, in column order. Fields are named
// exactly like the CSV columns, so `record.flow_duration` is column 7.
struct FlowRecord {
#define NETFLOWER_DECLARE_FIELD(name, Type) Type##Column name{};
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_DECLARE_FIELD)
#undef NETFLOWER_DECLARE_FIELD
  // Not one of the 82: the outermost tunnel of the flow's first packet, set
  // only when the run keeps it (the netflower-tunnel column set; else none).
  TunnelTag tunnel;
  // Not one of the 82: the first and last packet's times in nanoseconds
  // since the epoch, exact, in the default profile (whose clock they are;
  // `timestamp`, a double, keeps about 0.24 us of them). 0 in the python
  // profile, whose clock is the double itself. kUnknownNanoseconds when
  // they do not fit (a capture read shifted, beyond 292 years of 1970).
  int64_t first_ns = 0;
  int64_t last_ns = 0;
  // Not one of the 82: why the engine wrote the row (an end, or an interim
  // report), for the export_reason column. kEnd from the CIC engine.
  ExportReason export_reason = ExportReason::kEnd;
  // Not one of the 82: the flow's first packets (at most Options::splt of
  // them), when the run asks for them (--splt); else empty.
  std::vector<SpltPacket> splt;
  // Not one of the 82: the flow's application labels when the run asks for
  // them (--dpi); else null. Shared, not copied, by a row's copies.
  std::shared_ptr<const AppLabels> app;
};
inline constexpr int64_t kUnknownNanoseconds = INT64_MIN;

// The columns the netflower-tunnel set adds after the 82 (docs/COLUMNS.md):
// FlowRecord::tunnel as the kind's name ("" when none) and its id (empty
// when the kind has none).
inline constexpr std::string_view kTunnelColumnNames[] = {"tunnel_type", "tunnel_id"};

// The columns --splt adds after those and the DPI columns (docs/COLUMNS.md): FlowRecord::splt as
// three lists (JSON arrays): signed IP lengths, inter-arrival times in
// microseconds (truncated), TCP flags.
inline constexpr std::string_view kSpltColumnNames[] = {"splt_ip_len", "splt_iat_us",
                                                        "splt_tcp_flags"};

// The columns --dpi adds after the tunnel columns (docs/COLUMNS.md):
// FlowRecord::app's fields.
inline constexpr std::string_view kDpiColumnNames[] = {
#define NETFLOWER_DPI_NAME(name) #name,
    NETFLOWER_DPI_COLUMNS(NETFLOWER_DPI_NAME)
#undef NETFLOWER_DPI_NAME
};

// The column --export-reason and --interim add after those (docs/COLUMNS.md):
// FlowRecord::export_reason's name.
inline constexpr std::string_view kExportReasonColumnName = "export_reason";

struct ColumnInfo {
  std::string_view name;
  ColumnType type;
};

#define NETFLOWER_COUNT_COLUMN(name, Type) +1
inline constexpr size_t kColumnCount = 0 NETFLOWER_FLOW_COLUMNS(NETFLOWER_COUNT_COLUMN);
#undef NETFLOWER_COUNT_COLUMN
static_assert(kColumnCount == 82, "docs/FLOW-RULES.md defines 82 columns");

// The schema, in output order.
inline constexpr std::array<ColumnInfo, kColumnCount> kColumns = {{
#define NETFLOWER_COLUMN_INFO(name, Type) {#name, ColumnType::k##Type},
    NETFLOWER_FLOW_COLUMNS(NETFLOWER_COLUMN_INFO)
#undef NETFLOWER_COLUMN_INFO
}};

// Index of a column by name, or nullopt.
NETFLOWER_EXPORT std::optional<size_t> ColumnIndex(std::string_view name);

// A column's value, for generic access. Address columns read as text.
using ColumnValue = std::variant<int64_t, double, std::string>;

// The value of column `index` (< kColumnCount) of `record`. An int-or-0.0
// column without a value reads as the double 0.0, as it prints.
NETFLOWER_EXPORT ColumnValue GetColumn(const FlowRecord& record, size_t index);

// The value of the column called `name`, or nullopt for an unknown name.
NETFLOWER_EXPORT std::optional<ColumnValue> GetColumn(const FlowRecord& record,
                                                      std::string_view name);

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_FLOW_RECORD_H_
