#include "features/columns.h"

namespace netflower {
namespace {

ColumnValue ToValue(const IpAddress& v) { return IpAddressToString(v); }
ColumnValue ToValue(int64_t v) { return v; }
ColumnValue ToValue(double v) { return v; }
ColumnValue ToValue(const IntOrZero& v) {
  if (v.has_value) return v.value;
  return 0.0;
}

}  // namespace

std::optional<size_t> ColumnIndex(std::string_view name) {
  for (size_t i = 0; i < kColumns.size(); ++i) {
    if (kColumns[i].name == name) return i;
  }
  return std::nullopt;
}

ColumnValue GetColumn(const FlowRecord& record, size_t index) {
  size_t i = 0;
#define NETFLOWER_GET_COLUMN(name, Type) \
  if (i++ == index) return ToValue(record.name);
  NETFLOWER_FLOW_COLUMNS(NETFLOWER_GET_COLUMN)
#undef NETFLOWER_GET_COLUMN
  return 0.0;
}

std::optional<ColumnValue> GetColumn(const FlowRecord& record, std::string_view name) {
  const std::optional<size_t> index = ColumnIndex(name);
  if (!index) return std::nullopt;
  return GetColumn(record, *index);
}

}  // namespace netflower
