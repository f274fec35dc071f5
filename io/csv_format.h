// Row text of the 82 columns: CSV (FLOW-RULES §7.1, §8.3, §9.1) or JSON Lines.
#ifndef NETFLOWER_IO_CSV_FORMAT_H_
#define NETFLOWER_IO_CSV_FORMAT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "netflower/flow_record.h"
#include "netflower/options.h"  // OutputFormat

namespace netflower {

// Upper bound of one formatted row, line end included, in either format:
// the 82 and the short extra columns fit in 8 KiB, the SPLT lists of 255
// packets in 8 KiB more (csv_format.cc's static_asserts).
inline constexpr size_t kMaxCsvRowBytes = 16384 + 512;

// The header line without its line end, generated from the schema; the
// `extras` follow the 82: kTunnelColumnNames (netflower-tunnel),
// kDpiColumnNames, kSpltColumnNames, then kExportReasonColumnName.
std::string_view CsvHeader(ExtraColumns extras = {});

// Writes one row of `record` followed by "\r\n" (crlf) or "\n" into `out`,
// which must hold kMaxCsvRowBytes. Returns the number of bytes written.
// With `extras.tunnel`, record.tunnel follows as two more fields: its
// kind's name and its id (both empty when not tunnelled; the id empty when
// the kind has none); with `extras.dpi`, the six labels of record.app (empty
// without them), quoted as RFC 4180 says when they hold a comma or a quote;
// with `extras.splt`, the three SPLT lists as quoted JSON arrays
// ("[60,-52]"); with `extras.export_reason`, the reason's name.
size_t FormatCsvRow(const FlowRecord& record, bool crlf, char* out, ExtraColumns extras = {});

// Writes one JSON Lines row of `record` into `out` (kMaxCsvRowBytes):
// {"src_ip":"10.0.0.1",...,"cwr_flag_count":0} and "\n". Keys are the column
// names in column order; addresses are strings; integers and floats are JSON
// numbers with the CSV's digits (the same Python repr text), except that a
// float that is not finite (inf, -inf, nan: JSON has no such number) is
// null. With `extras.tunnel`, "tunnel_type" (a string, "" when not
// tunnelled) and "tunnel_id" (a number, or null) follow; with `extras.dpi`
// the six labels (strings); with `extras.splt` the three SPLT lists (arrays
// of numbers); with `extras.export_reason`,
// "export_reason" (a string). Returns the number of bytes written.
size_t FormatJsonRow(const FlowRecord& record, char* out, ExtraColumns extras = {});

// Convenience forms for tests.
std::string CsvRow(const FlowRecord& record, bool crlf);
std::string JsonRow(const FlowRecord& record);

}  // namespace netflower

#endif  // NETFLOWER_IO_CSV_FORMAT_H_
