// Fuzz target: the --labels rules reader (features/cic_labels.h), new input
// surface like the capture reader. Any text either parses into rules that
// keep the reader's promises (every label passes CheckLabel, every window
// is non-empty) or is refused; every accepted label is then written as a
// CIC row in both formats into a buffer of exactly kMaxCsvRowBytes (ASan
// sees any overrun), and the CSV row must have the layout's field count.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "features/cic_labels.h"
#include "io/cic_format.h"

namespace {

// Fields of one CSV row (RFC 4180 quotes), or 0 when a quote is out of place.
size_t CsvFields(std::string_view row) {
  size_t fields = 1;
  bool quoted = false;
  for (size_t i = 0; i < row.size(); ++i) {
    const char c = row[i];
    if (c == '"') {
      if (quoted && i + 1 < row.size() && row[i + 1] == '"') {
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == ',' && !quoted) {
      ++fields;
    } else if ((c == '\n' || c == '\r') && (quoted || i + 1 != row.size())) {
      return 0;
    }
  }
  return quoted ? 0 : fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace netflower;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<LabelRule>> rules = ParseLabelRules(text, "fuzz.csv");
  if (!rules.ok()) return 0;
  if (!CheckLabelRules(*rules).ok()) __builtin_trap();
  CicRecord record;
  record.src_ip.family = record.dst_ip.family = 4;
  const size_t columns = CicLayoutColumns(ColumnSet::kCicIds2017).size();
  for (const LabelRule& rule : *rules) {
    if (rule.start_us >= rule.end_us) __builtin_trap();
    const int match = MatchRule(*rules, record.src_ip, 0, record.dst_ip, 0, 6, rule.start_us);
    if (match < -1 || match >= static_cast<int>(rules->size())) __builtin_trap();
    for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl}) {
      CicRowFormatter formatter(ColumnSet::kCicIds2017, format, rule.label);
      std::vector<char> row(kMaxCsvRowBytes);
      const size_t n = formatter.Format(record, row.data());
      if (n > row.size()) __builtin_trap();
      if (format == OutputFormat::kCsv && CsvFields({row.data(), n}) != columns) __builtin_trap();
    }
  }
  return 0;
}
