// CSV text of the 82 columns (FLOW-SPEC §7.1, §8.3, §9.1).
#ifndef NETFLOWER_IO_CSV_FORMAT_H_
#define NETFLOWER_IO_CSV_FORMAT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "features/columns.h"

namespace netflower {

// Upper bound of one formatted row, line end included.
inline constexpr size_t kMaxCsvRowBytes = 4096;

// The header line without its line end, generated from the schema.
std::string_view CsvHeader();

// Writes one row of `record` followed by "\r\n" (crlf) or "\n" into `out`,
// which must hold kMaxCsvRowBytes. Returns the number of bytes written.
size_t FormatCsvRow(const FlowRecord& record, bool crlf, char* out);

// Convenience form for tests.
std::string CsvRow(const FlowRecord& record, bool crlf);

}  // namespace netflower

#endif  // NETFLOWER_IO_CSV_FORMAT_H_
