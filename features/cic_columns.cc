#include "features/cic_columns.h"

#include <string>

namespace netflower {
namespace {

bool Dropped(ColumnSet set, CicField f) {
  const bool endpoint = f == CicField::k_flow_id || f == CicField::k_src_ip ||
                        f == CicField::k_src_port || f == CicField::k_dst_ip;
  switch (set) {
    case ColumnSet::kCicIds2017Ml:
      // MachineLearningCVE: TrafficLabelling without the flow's identity.
      return endpoint || f == CicField::k_protocol || f == CicField::k_timestamp;
    case ColumnSet::kCseCicIds2018:
      // 9 of the 10 day files: the V4 writer's columns without the first 4.
      return endpoint;
    default:
      return false;
  }
}

std::string_view NameIn(ColumnSet set, const CicFieldInfo& info) {
  switch (set) {
    case ColumnSet::kCicIds2017:
    case ColumnSet::kCicIds2017Ml:
      return info.name_2017;
    case ColumnSet::kCicflowmeter:
      return info.name_master;
    default:
      return info.name_v4;
  }
}

std::vector<CicColumn> BuildLayout(ColumnSet set) {
  std::vector<CicColumn> columns;
  for (size_t i = 0; i < kCicFieldCount; ++i) {
    const CicField f = static_cast<CicField>(i);
    if (Dropped(set, f)) continue;
    columns.push_back({f, NameIn(set, kCicFields[i])});
    // The 2017 writer printed the forward header length a second time here
    // ("this feature is duplicated"); the V4 writer dropped it.
    const bool layout_2017 = set == ColumnSet::kCicIds2017 || set == ColumnSet::kCicIds2017Ml;
    if (layout_2017 && f == CicField::k_bwd_seg_size_avg) {
      const CicField dup = CicField::k_fwd_header_len;
      columns.push_back({dup, kCicFields[static_cast<size_t>(dup)].name_2017});
    }
  }
  return columns;
}

}  // namespace

std::optional<ColumnSet> ParseColumnSet(std::string_view name) {
  for (size_t i = 0; i < std::size(kColumnSetNames); ++i) {
    if (kColumnSetNames[i] == name) return static_cast<ColumnSet>(i);
  }
  return std::nullopt;
}

std::string_view ColumnSetList() {
  static const std::string* const list = [] {
    auto* s = new std::string;
    for (std::string_view n : kColumnSetNames) {
      if (!s->empty()) *s += ", ";
      *s += n;
    }
    return s;
  }();
  return *list;
}

const std::vector<CicColumn>& CicLayoutColumns(ColumnSet set) {
  static const auto* const layouts = [] {
    auto* l = new std::vector<std::vector<CicColumn>>(static_cast<size_t>(ColumnSet::kCount));
    for (size_t s = 0; s < l->size(); ++s) {
      if (IsCic(static_cast<ColumnSet>(s))) (*l)[s] = BuildLayout(static_cast<ColumnSet>(s));
    }
    return l;
  }();
  return (*layouts)[static_cast<size_t>(set)];
}

std::string_view CicHeader(ColumnSet set) {
  static const auto* const headers = [] {
    auto* h = new std::vector<std::string>(static_cast<size_t>(ColumnSet::kCount));
    for (size_t s = 0; s < h->size(); ++s) {
      for (const CicColumn& c : CicLayoutColumns(static_cast<ColumnSet>(s))) {
        if (!(*h)[s].empty()) (*h)[s] += ',';
        (*h)[s] += c.name;
      }
    }
    return h;
  }();
  return (*headers)[static_cast<size_t>(set)];
}

namespace {

char* PutDecimal(uint32_t v, char* p) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = digits[--n];
  return p;
}

char* PutDottedQuad(const IpAddress& a, char* p) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) *p++ = '.';
    p = PutDecimal(a.bytes[i], p);
  }
  return p;
}

}  // namespace

size_t FormatCicFlowId(const IpAddress& src, uint16_t src_port, const IpAddress& dst,
                       uint16_t dst_port, uint8_t protocol, bool canonical, char* out) {
  const bool src_first = !canonical || CicSourceFirst(src.bytes, dst.bytes);
  char* p = PutDottedQuad(src_first ? src : dst, out);
  *p++ = '-';
  p = PutDottedQuad(src_first ? dst : src, p);
  *p++ = '-';
  p = PutDecimal(src_first ? src_port : dst_port, p);
  *p++ = '-';
  p = PutDecimal(src_first ? dst_port : src_port, p);
  *p++ = '-';
  p = PutDecimal(protocol, p);
  return static_cast<size_t>(p - out);
}

std::string_view DefaultCicLabel(ColumnSet set) {
  switch (set) {
    case ColumnSet::kCicIds2017:
    case ColumnSet::kCicIds2017Ml:
      return "BENIGN";  // the 2017 writer (dumpFlowBasedFeatures)
    case ColumnSet::kCicflowmeter:
      return "NeedManualLabel";  // master's getLabel()
    default:
      return "No Label";  // the V4 writer's getLabel()
  }
}

}  // namespace netflower
