#include "io/ipfix_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

// What fills a field (or, kEnterpriseColumns, the run of the 82's
// enterprise fields).
enum Source : uint8_t {
  kSrcAddress,
  kDstAddress,
  kSrcPort,
  kDstPort,
  kProtocol,
  kStartMs,
  kEndMs,
  kStartUs,
  kEndUs,
  kStartNs,
  kEndNs,
  kPackets,
  kOctets,
  kReversePackets,
  kReverseOctets,
  kTcpFlags,
  kEndReason,
  kBiflowDirection,
  kEnterpriseColumns,  // every column of the 82 without a standard element
  kTunnelType,         // netflower-tunnel's two columns
  kTunnelId,
};

// The column indexes, by name (the schema's order).
enum ColumnIndex : uint8_t {
#define NETFLOWER_COLUMN_INDEX(name, Type) kColumn_##name,
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_COLUMN_INDEX)
#undef NETFLOWER_COLUMN_INDEX
      kColumnTunnelType,  // netflower-tunnel's two columns after the 82
  kColumnTunnelId,
};

// The columns a standard element carries (so no enterprise element has them).
constexpr bool HasStandardElement(size_t column) {
  switch (column) {
    case kColumn_src_ip:
    case kColumn_dst_ip:
    case kColumn_src_port:
    case kColumn_dst_port:
    case kColumn_protocol:
    case kColumn_timestamp:
    case kColumn_tot_fwd_pkts:
    case kColumn_tot_bwd_pkts:
    case kColumn_totlen_fwd_pkts:
    case kColumn_totlen_bwd_pkts:
      return true;
    default:
      return false;
  }
}

// IANA's elements (https://www.iana.org/assignments/ipfix), as netflower
// uses them. `enterprise` 29305: RFC 5103's reverse of the same element.
struct StandardElement {
  Source source;
  IpfixField field;
};
constexpr StandardElement kStandard[] = {
    {kSrcAddress, {8, 4, 0, "sourceIPv4Address", "ipv4Address"}},
    {kDstAddress, {12, 4, 0, "destinationIPv4Address", "ipv4Address"}},
    {kSrcPort, {7, 2, 0, "sourceTransportPort", "unsigned16"}},
    {kDstPort, {11, 2, 0, "destinationTransportPort", "unsigned16"}},
    {kProtocol, {4, 1, 0, "protocolIdentifier", "unsigned8"}},
    {kStartMs, {152, 8, 0, "flowStartMilliseconds", "dateTimeMilliseconds"}},
    {kEndMs, {153, 8, 0, "flowEndMilliseconds", "dateTimeMilliseconds"}},
    {kStartUs, {154, 8, 0, "flowStartMicroseconds", "dateTimeMicroseconds"}},
    {kEndUs, {155, 8, 0, "flowEndMicroseconds", "dateTimeMicroseconds"}},
    {kStartNs, {156, 8, 0, "flowStartNanoseconds", "dateTimeNanoseconds"}},
    {kEndNs, {157, 8, 0, "flowEndNanoseconds", "dateTimeNanoseconds"}},
    {kPackets, {2, 8, 0, "packetDeltaCount", "unsigned64"}},
    {kOctets, {1, 8, 0, "octetDeltaCount", "unsigned64"}},
    {kReversePackets, {2, 8, kIpfixReversePen, "reversePacketDeltaCount", "unsigned64"}},
    {kReverseOctets, {1, 8, kIpfixReversePen, "reverseOctetDeltaCount", "unsigned64"}},
    {kTcpFlags, {6, 2, 0, "tcpControlBits", "unsigned16"}},
    {kEndReason, {136, 1, 0, "flowEndReason", "unsigned8"}},
    {kBiflowDirection, {239, 1, 0, "biflowDirection", "unsigned8"}},
};
constexpr IpfixField kSrcV6 = {27, 16, 0, "sourceIPv6Address", "ipv6Address"};
constexpr IpfixField kDstV6 = {28, 16, 0, "destinationIPv6Address", "ipv6Address"};

const IpfixField& StandardField(Source s, bool v6) {
  if (v6 && s == kSrcAddress) return kSrcV6;
  if (v6 && s == kDstAddress) return kDstV6;
  for (const StandardElement& e : kStandard) {
    if (e.source == s) return e.field;
  }
  return kStandard[0].field;  // not reached: every Source above is in the table
}

// The type an enterprise element of a column has: counts and int-or-0.0
// values as signed64 (0 where an int-or-0.0 column has no value, as it
// reads), floats as float64 (their exact double).
std::string_view EnterpriseType(size_t column) {
  if (column == kColumnTunnelType) return "unsigned8";
  if (column == kColumnTunnelId) return "unsigned32";
  return kColumns[column].type == ColumnType::kFloat ? "float64" : "signed64";
}
uint16_t EnterpriseLength(size_t column) {
  if (column == kColumnTunnelType) return 1;
  if (column == kColumnTunnelId) return 4;
  return 8;
}
std::string_view ColumnName(size_t column) {
  if (column >= kColumnCount) return kTunnelColumnNames[column - kColumnCount];
  return kColumns[column].name;
}

// Big-endian stores (network order), as one swap and one copy each.
uint8_t* Put8(uint64_t v, uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
  return p + 8;
}
uint8_t* Put4(uint32_t v, uint8_t* p) {
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
  return p + 4;
}
uint8_t* Put2(uint16_t v, uint8_t* p) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
  return p + 2;
}

uint8_t* PutValue(int64_t v, uint8_t* p) { return Put8(static_cast<uint64_t>(v), p); }
uint8_t* PutValue(double v, uint8_t* p) { return Put8(std::bit_cast<uint64_t>(v), p); }
uint8_t* PutValue(const IntOrZero& v, uint8_t* p) {
  return Put8(static_cast<uint64_t>(v.has_value ? v.value : 0), p);
}
uint8_t* PutValue(const IpAddress&, uint8_t* p) { return p; }  // never: addresses are standard

// Every column without a standard element, in column order: the
// enterprise fields of the biflow and forward templates, one straight run
// (a switch per field cost about 1 us a record with the 72 of them;
// bench/ipfix_encoders.sh).
uint8_t* PutEnterpriseColumns(const FlowRecord& r, uint8_t* p) {
#define NETFLOWER_PUT_ENTERPRISE(name, Type) \
  if constexpr (!HasStandardElement(kColumn_##name)) p = PutValue(r.name, p);
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_PUT_ENTERPRISE)
#undef NETFLOWER_PUT_ENTERPRISE
  return p;
}

// dateTimeMicroseconds is NTP's format (RFC 7011, 6.1.9): seconds since
// 1900 (modulo 2^32: the era wraps in 2036) and a binary fraction whose 11
// lowest bits are zero. The fraction is the first such value above the exact
// one (at most 0.48 us above), so that a reader that truncates or rounds
// it to microseconds gets `us` back even if its own arithmetic falls a hair
// short (tshark 4.0 read an exact .500000 as .499999).
uint64_t NtpMicroseconds(int64_t us) {
  constexpr int64_t kMillion = 1000000;
  constexpr uint64_t kNtpEpochOffset = 2208988800;  // 1900-01-01 to 1970-01-01
  int64_t seconds = us / kMillion;
  int64_t micros = us % kMillion;
  if (micros < 0) {
    micros += kMillion;
    --seconds;
  }
  const uint64_t below = (static_cast<uint64_t>(micros) << 32) / kMillion;  // floor
  const uint64_t fraction = (below / 2048 + 1) * 2048;  // < 2^32 for micros <= 999999
  const uint64_t ntp_seconds = static_cast<uint64_t>(seconds) + kNtpEpochOffset;
  return (ntp_seconds << 32) | fraction;
}

// dateTimeNanoseconds: the same format with every fraction bit used; the
// fraction is one unit (0.23 ns) above the exact value's floor, so that
// truncating readers get `ns` back.
uint64_t NtpNanoseconds(int64_t ns) {
  constexpr int64_t kBillion = 1000000000;
  constexpr uint64_t kNtpEpochOffset = 2208988800;
  int64_t seconds = ns / kBillion;
  int64_t nanos = ns % kBillion;
  if (nanos < 0) {
    nanos += kBillion;
    --seconds;
  }
  const uint64_t fraction = ((static_cast<uint64_t>(nanos) << 32) / kBillion) + 1;  // < 2^32
  return ((static_cast<uint64_t>(seconds) + kNtpEpochOffset) << 32) | fraction;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The union of the flow's TCP flags, from its per-flag packet counts.
uint16_t TcpFlagsOf(const FlowRecord& r) {
  uint16_t f = 0;
  if (r.fin_flag_cnt > 0) f |= 0x01;
  if (r.syn_flag_cnt > 0) f |= 0x02;
  if (r.rst_flag_cnt > 0) f |= 0x04;
  if (r.psh_flag_cnt > 0) f |= 0x08;
  if (r.ack_flag_cnt > 0) f |= 0x10;
  if (r.urg_flag_cnt > 0) f |= 0x20;
  if (r.ece_flag_cnt > 0) f |= 0x40;
  if (r.cwr_flag_count > 0) f |= 0x80;
  return f;
}

uint8_t* PutAddress(const IpAddress& a, bool v6, uint8_t* p) {
  const size_t n = v6 ? 16 : 4;
  std::copy(a.bytes, a.bytes + n, p);
  return p + n;
}

}  // namespace

bool IpfixHasStandardElement(size_t column) { return HasStandardElement(column); }

uint8_t FlowEndReasonOf(EmitReason reason) {
  switch (reason) {
    case EmitReason::kIdleTimeout:
      return 1;
    case EmitReason::kActiveTimeout:
    case EmitReason::kInterim:  // (not exported: --interim and --ipfix are refused together)
      return 2;
    case EmitReason::kFin:
    case EmitReason::kRst:
      return 3;
    case EmitReason::kEvicted:
      return 5;
    case EmitReason::kEndOfInput:
    case EmitReason::kPacketLimit:
    case EmitReason::kCount:
      return 4;
  }
  return 4;
}

std::string IpfixElementName(std::string_view column) {
  std::string name;
  bool upper = false;
  for (char c : column) {
    if (c == '_') {
      upper = true;
      continue;
    }
    name += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return name;
}

IpfixModel::IpfixModel(const IpfixOptions& options, bool tunnel_columns, bool nanoseconds)
    : uniflow_(options.uniflow),
      enterprise_(options.enterprise_number.has_value()),
      pen_(options.enterprise_number.value_or(0)),
      tunnel_columns_(tunnel_columns),
      nanoseconds_(nanoseconds) {
  for (bool v6 : {false, true}) {
    if (uniflow_) {
      AddTemplate(v6 ? 259 : 258, v6, false);
      AddTemplate(v6 ? 261 : 260, v6, true);
    } else {
      AddTemplate(v6 ? 257 : 256, v6, false);
    }
  }
  std::sort(templates_.begin(), templates_.end(),
            [](const Template& a, const Template& b) { return a.id < b.id; });
  size_t largest = 0;
  for (const Template& t : templates_) {
    std::string rec(4, '\0');
    Put2(t.id, reinterpret_cast<uint8_t*>(rec.data()));
    Put2(static_cast<uint16_t>(t.fields.size()), reinterpret_cast<uint8_t*>(rec.data()) + 2);
    for (const IpfixField& f : t.fields) {
      uint8_t spec[8];
      const bool e = f.enterprise != 0;
      Put2(static_cast<uint16_t>(f.id | (e ? 0x8000 : 0)), spec);
      Put2(f.length, spec + 2);
      if (e) Put4(f.enterprise, spec + 4);
      rec.append(reinterpret_cast<const char*>(spec), e ? 8 : 4);
    }
    largest = std::max({largest, rec.size(), t.record_bytes});
    template_records_.push_back(std::move(rec));
  }
  min_message_bytes_ = kIpfixMessageHeaderBytes + kIpfixSetHeaderBytes + largest;
}

void IpfixModel::AddTemplate(uint16_t id, bool v6, bool reverse) {
  Template t;
  t.id = id;
  auto add = [&t](uint8_t source, const IpfixField& field) {
    t.sources.push_back(source);
    t.fields.push_back(field);
    t.record_bytes += field.length;
  };
  // Milliseconds for collectors that read no finer (nfdump 1.7), then the
  // profile's own precision.
  for (Source s :
       {kSrcAddress, kDstAddress, kSrcPort, kDstPort, kProtocol, kStartMs, kEndMs,
        nanoseconds_ ? kStartNs : kStartUs, nanoseconds_ ? kEndNs : kEndUs, kPackets, kOctets}) {
    add(s, StandardField(s, v6));
  }
  if (!uniflow_) {
    add(kReversePackets, StandardField(kReversePackets, v6));
    add(kReverseOctets, StandardField(kReverseOctets, v6));
  }
  // A flow's TCP flags are known for the flow, not per direction: on the
  // biflow record and the forward one.
  if (!reverse) add(kTcpFlags, StandardField(kTcpFlags, v6));
  add(kEndReason, StandardField(kEndReason, v6));
  if (uniflow_) add(kBiflowDirection, StandardField(kBiflowDirection, v6));
  if (enterprise_ && !reverse) {
    // Element ids are the column numbers of docs/COLUMNS.md (1-based); the
    // names are kept alive by the schema's string literals. The 82's go
    // as one source (PutEnterpriseColumns, the same order), the tunnel
    // columns one each.
    const size_t columns = kColumnCount + (tunnel_columns_ ? 2 : 0);
    bool first = true;
    for (size_t c = 0; c < columns; ++c) {
      if (HasStandardElement(c)) continue;
      const IpfixField f{static_cast<uint16_t>(c + 1), EnterpriseLength(c), pen_, ColumnName(c),
                         EnterpriseType(c)};
      if (c >= kColumnCount) {
        add(c == kColumnTunnelType ? kTunnelType : kTunnelId, f);
      } else {
        t.fields.push_back(f);
        t.record_bytes += f.length;
        if (first) t.sources.push_back(kEnterpriseColumns);
        first = false;
      }
    }
  }
  templates_.push_back(std::move(t));
}

const std::vector<IpfixField>& IpfixModel::fields(uint16_t id) const {
  for (const Template& t : templates_) {
    if (t.id == id) return t.fields;
  }
  static const std::vector<IpfixField> kNone;
  return kNone;
}

std::vector<uint16_t> IpfixModel::template_ids() const {
  std::vector<uint16_t> ids;
  for (const Template& t : templates_) ids.push_back(t.id);
  return ids;
}

void IpfixModel::AppendFlow(const FlowRecord& record, EmitReason reason, std::string* out) const {
  const bool v6 = record.src_ip.family == 6;
  const uint8_t end_reason = FlowEndReasonOf(reason);
  // templates_ is sorted by id: biflow 256, 257; uniflow 258, 259, 260, 261.
  if (!uniflow_) {
    Encode(templates_[v6 ? 1 : 0], record, end_reason, false, out);
    return;
  }
  Encode(templates_[v6 ? 1 : 0], record, end_reason, false, out);
  if (record.tot_bwd_pkts > 0) Encode(templates_[v6 ? 3 : 2], record, end_reason, true, out);
}

void IpfixModel::Encode(const Template& t, const FlowRecord& r, uint8_t end_reason, bool reverse,
                        std::string* out) const {
  const size_t at = out->size();
  out->resize(at + kIpfixRecordPrefixBytes + t.record_bytes);
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data()) + at;
  p = Put2(t.id, p);
  p = Put2(static_cast<uint16_t>(t.record_bytes), p);
  const bool v6 = r.src_ip.family == 6;
  // The flow's times: exact nanoseconds in the default profile; else (and
  // where they are unknown) the CSV row's timestamp and duration rounded to
  // the microsecond.
  const bool exact = nanoseconds_ && r.first_ns != kUnknownNanoseconds;
  const int64_t start_us = exact ? FloorDiv(r.first_ns, 1000) : std::llround(r.timestamp * 1e6);
  const int64_t end_us =
      exact ? FloorDiv(r.last_ns, 1000) : start_us + std::llround(r.flow_duration * 1e6);
  const uint64_t start_ns = exact ? NtpNanoseconds(r.first_ns) : NtpMicroseconds(start_us);
  const uint64_t end_ns = exact ? NtpNanoseconds(r.last_ns) : NtpMicroseconds(end_us);
  const IpAddress& src = reverse ? r.dst_ip : r.src_ip;
  const IpAddress& dst = reverse ? r.src_ip : r.dst_ip;
  for (uint8_t s : t.sources) {
    switch (s) {
      case kSrcAddress:
        p = PutAddress(src, v6, p);
        break;
      case kDstAddress:
        p = PutAddress(dst, v6, p);
        break;
      case kSrcPort:
        p = Put2(static_cast<uint16_t>(reverse ? r.dst_port : r.src_port), p);
        break;
      case kDstPort:
        p = Put2(static_cast<uint16_t>(reverse ? r.src_port : r.dst_port), p);
        break;
      case kProtocol:
        *p++ = static_cast<uint8_t>(r.protocol);
        break;
      case kStartMs:
        p = Put8(static_cast<uint64_t>(FloorDiv(start_us, 1000)), p);
        break;
      case kEndMs:
        p = Put8(static_cast<uint64_t>(FloorDiv(end_us, 1000)), p);
        break;
      case kStartUs:
        p = Put8(NtpMicroseconds(start_us), p);
        break;
      case kEndUs:
        p = Put8(NtpMicroseconds(end_us), p);
        break;
      case kStartNs:
        p = Put8(start_ns, p);
        break;
      case kEndNs:
        p = Put8(end_ns, p);
        break;
      case kPackets:
        p = PutValue(reverse ? r.tot_bwd_pkts : r.tot_fwd_pkts, p);
        break;
      case kOctets:
        p = PutValue(reverse ? r.totlen_bwd_pkts : r.totlen_fwd_pkts, p);
        break;
      case kReversePackets:
        p = PutValue(r.tot_bwd_pkts, p);
        break;
      case kReverseOctets:
        p = PutValue(r.totlen_bwd_pkts, p);
        break;
      case kTcpFlags:
        p = Put2(TcpFlagsOf(r), p);
        break;
      case kEndReason:
        *p++ = end_reason;
        break;
      case kBiflowDirection:
        *p++ = reverse ? 2 : 1;
        break;
      case kEnterpriseColumns:
        p = PutEnterpriseColumns(r, p);
        break;  // reverseInitiator : initiator
      case kTunnelType:
        *p++ = static_cast<uint8_t>(r.tunnel.kind);
        break;
      case kTunnelId:
        p = Put4(r.tunnel.has_id ? r.tunnel.id : 0, p);
        break;
      default:
        break;
    }
  }
}

std::string IpfixElementsXml(uint32_t pen) {
  std::string xml = absl::StrCat(
      "<?xml version='1.0' encoding='UTF-8'?>\n"
      "<!-- netflower's enterprise IPFIX elements under PEN ",
      pen,
      " (docs/IPFIX.md).\n"
      "     Generated from the column schema: bazel run //tools:ipfix_elements -- --pen ",
      pen,
      "\n     ipfixDump --element-file=THIS reads it. -->\n"
      "<registry id=\"netflower_ipfix\"\n"
      "          xmlns=\"http://www.iana.org/assignments\"\n"
      "          xmlns:cert=\"http://www.cert.org/ipfix\">\n"
      "  <title>netflower IPFIX elements</title>\n"
      "  <registry id=\"netflower-information-elements\">\n");
  for (size_t c = 0; c < kColumnCount + 2; ++c) {
    if (HasStandardElement(c)) continue;
    absl::StrAppend(&xml, "    <record>\n      <name>", IpfixElementName(ColumnName(c)),
                    "</name>\n      <dataType>", std::string(EnterpriseType(c)),
                    "</dataType>\n      <cert:enterpriseId>", pen,
                    "</cert:enterpriseId>\n      <elementId>", c + 1,
                    "</elementId>\n      <description><paragraph>netflower column ", c + 1, ", ",
                    std::string(ColumnName(c)), "</paragraph></description>\n    </record>\n");
  }
  xml += "  </registry>\n</registry>\n";
  return xml;
}

}  // namespace netflower
