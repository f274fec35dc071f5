// What netflower exports over IPFIX (docs/IPFIX.md): the templates, and a
// flow as data records in them. The templates and the encoder are made
// from the same two tables, the standard fields (ipfix_model.cc) and the
// column schema (NETFLOWER_FLOW_COLUMNS: the enterprise fields), so a
// record always has the layout its template announces.
//
// Templates (ids fixed, so a collector's view survives a restart of ours):
//   256/257  biflow, IPv4/IPv6 (RFC 5103: reverse counts under PEN 29305)
//   258/259  uniflow forward record (the initiator's side), IPv4/IPv6
//   260/261  uniflow reverse record (the responder's side), IPv4/IPv6
// A mode uses only its own: biflow 256-257, uniflow 258-261.
#ifndef NETFLOWER_IO_IPFIX_MODEL_H_
#define NETFLOWER_IO_IPFIX_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flow/flow_sink.h"
#include "netflower/flow_record.h"
#include "netflower/options.h"

namespace netflower {

inline constexpr size_t kIpfixMessageHeaderBytes = 16;
inline constexpr size_t kIpfixSetHeaderBytes = 4;
inline constexpr uint16_t kIpfixTemplateSetId = 2;
// Each data record of AppendFlow's output is preceded by its template id
// and length (2 bytes each, big-endian), for the exporter to put it in the
// right set.
inline constexpr size_t kIpfixRecordPrefixBytes = 4;

// IANA's flowEndReason (element 136) for why the engine ended a flow:
// 1 idle timeout, 2 active timeout, 3 end of flow detected (FIN, RST),
// 4 forced end (end of input, the per-flow packet limit), 5 lack of
// resources (evicted from a full table).
uint8_t FlowEndReasonOf(EmitReason reason);

// One field of a template: an element (enterprise number 0: IANA's), its
// length in bytes, and, for the documentation and the definition file,
// its name and IANA data type.
struct IpfixField {
  uint16_t id = 0;
  uint16_t length = 0;
  uint32_t enterprise = 0;
  std::string_view name;
  std::string_view type;
};

class IpfixModel {
 public:
  // `tunnel_columns`: the run's column set has tunnel_type and tunnel_id
  // (exported as enterprise elements 83 and 84 when there is a PEN).
  // `nanoseconds`: the records carry exact nanosecond times
  // (FlowRecord::first_ns, the default profile), exported as
  // flowStart/EndNanoseconds; else the microseconds of `timestamp` and
  // `flow_duration` as flowStart/EndMicroseconds.
  IpfixModel(const IpfixOptions& options, bool tunnel_columns, bool nanoseconds);

  // The template records of this mode, each as it goes in a template set
  // (template id, field count, field specifiers).
  const std::vector<std::string>& template_records() const { return template_records_; }
  // Appends the flow's data records, each behind its prefix (above): one
  // biflow record, or a forward record and, when the flow has backward
  // packets, a reverse one.
  void AppendFlow(const FlowRecord& record, EmitReason reason, std::string* out) const;
  // Whether records of template `id` each stand for one flow (biflow and
  // forward templates; a reverse record is a flow's second).
  static bool CountsAFlow(uint16_t id) { return id < 260; }
  // The shortest message that holds every template and every record: the
  // lower bound of IpfixOptions::mtu.
  size_t min_message_bytes() const { return min_message_bytes_; }
  // The fields of template `id` (for tests and docs).
  const std::vector<IpfixField>& fields(uint16_t id) const;
  std::vector<uint16_t> template_ids() const;

 private:
  struct Template {
    uint16_t id = 0;
    std::vector<IpfixField> fields;
    std::vector<uint8_t> sources;  // what fills each field (ipfix_model.cc)
    size_t record_bytes = 0;
  };
  void AddTemplate(uint16_t id, bool v6, bool reverse);
  void Encode(const Template& t, const FlowRecord& record, uint8_t end_reason, bool reverse,
              std::string* out) const;

  const bool uniflow_;
  const bool enterprise_;
  const uint32_t pen_;
  const bool tunnel_columns_;
  const bool nanoseconds_;
  std::vector<Template> templates_;
  std::vector<std::string> template_records_;
  size_t min_message_bytes_ = 0;
};

// The definition file of netflower's enterprise elements under `pen`, in
// the XML that libfixbuf reads (ipfixDump --element-file, YAF's
// cert_ipfix.xml): names, ids, data types, and the column each comes from.
std::string IpfixElementsXml(uint32_t pen);

// Whether column `column` (an index of kColumns) goes as a standard element
// (addresses, ports, protocol, timestamp, packet and byte counts), not as
// an enterprise one.
bool IpfixHasStandardElement(size_t column);

// A column name as an IPFIX element name (RFC 7013's lowerCamelCase):
// flow_iat_mean -> flowIatMean.
std::string IpfixElementName(std::string_view column);

}  // namespace netflower

#endif  // NETFLOWER_IO_IPFIX_MODEL_H_
