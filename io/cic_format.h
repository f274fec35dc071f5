// Row text of the CIC layouts (docs/CIC.md, "Numbers" and "Timestamp"):
// CSV as CICFlowMeter wrote it, or JSON Lines with the layout's names as keys.
#ifndef NETFLOWER_IO_CIC_FORMAT_H_
#define NETFLOWER_IO_CIC_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "features/cic_columns.h"
#include "features/cic_labels.h"
#include "io/csv_format.h"

namespace netflower {

// Longest Java Double.toString text ("-2.2250738585072014E-308") plus room
// for the scratch the formatter uses.
inline constexpr size_t kMaxJavaDoubleChars = 32;

// Writes `value` as Java's Double.toString does: the shortest digits that
// read back to the same double; plain notation with at least one digit after
// the point when 1e-3 <= |value| < 1e7 ("714.0", "0.001"), else
// computerized scientific notation ("4.4964004E7", "1.0E-4"); "NaN",
// "Infinity", "-Infinity". (Java 8's formatter gives one digit more than
// the shortest for some rare values; docs/CIC.md.) Returns the length.
size_t FormatJavaDouble(double value, char* out);
std::string JavaDouble(double value);

// Longest Timestamp text: "dd/MM/yyyy hh:mm:ss PM" and room for a year
// past 9999 should a clock say so.
inline constexpr size_t kMaxCicTimestampChars = 32;

// A CIC row formatter for one layout, format and label (or label rules,
// first match wins, `label` for the rest). REQUIRES: the labels pass
// CheckLabel (the library's option checks see to it), which with the
// static_assert in cic_format.cc keeps every row within kMaxCsvRowBytes. Not
// thread-safe (it caches the last timestamp's text): one per worker.
class CicRowFormatter {
 public:
  CicRowFormatter(ColumnSet set, OutputFormat format, const std::string& label,
                  std::vector<LabelRule> rules = {});

  // Writes the row of `record` (line end included) into `out`, which must
  // hold kMaxCsvRowBytes. Returns the number of bytes written.
  size_t Format(const CicRecord& record, char* out);

  // The flow's start as the layout's tool printed it, in the local time
  // zone (TZ): "dd/MM/yyyy hh:mm:ss" (12-hour clock, no AM/PM marker) for
  // the 2017, 2018 and V4 layouts; master adds " AM"/" PM".
  std::string_view Timestamp(int64_t start_us);

 private:
  char* PutValue(const CicRecord& r, CicField field, bool json, char* p);
  // Numbers by the C++ type of their kind (CicRecord); the text kinds are
  // written by PutValue and never reach the bool overload.
  static char* PutNumber(int64_t v, bool json, char* p);
  static char* PutNumber(double v, bool json, char* p);
  static char* PutNumber(const CicStat& v, bool json, char* p);
  static char* PutNumber(bool, bool, char* p) { return p; }
  static char* PutNumber(const IpAddress&, bool, char* p) { return p; }

  const ColumnSet set_;
  const OutputFormat format_;
  const std::vector<LabelRule> rules_;
  // The Label column's text as this format writes it: [0] the run's label,
  // [i + 1] rule i's (EncodeLabel).
  std::vector<std::string> encoded_labels_;
  const std::vector<CicColumn>& columns_;
  std::vector<std::string> json_keys_;  // "name": for each column
  int64_t cached_second_ = INT64_MIN;
  char cached_text_[kMaxCicTimestampChars] = {};
  size_t cached_length_ = 0;
};

}  // namespace netflower

#endif  // NETFLOWER_IO_CIC_FORMAT_H_
