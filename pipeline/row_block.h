// The unit of rows between a flow worker and the merger (or the live
// delivery thread), and the order rows are merged in.
#ifndef NETFLOWER_PIPELINE_ROW_BLOCK_H_
#define NETFLOWER_PIPELINE_ROW_BLOCK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "features/columns.h"
#include "flow/flow_sink.h"

namespace netflower {

// Rows a worker hands to the merger, in the worker's emission order (which is
// ascending EmitTag order).
struct RowBlock {
  std::vector<EmitTag> tags;
  std::vector<uint32_t> row_end;  // text mode: end offset of each row in `text`
  std::string text;
  std::vector<FlowRecord> records;
  std::vector<std::string> frames;  // save_pcap: each row's frames as pcap records

  size_t rows() const { return tags.size(); }
  // The text of row i (text mode).
  std::string_view Row(size_t i) const {
    const uint32_t begin = i == 0 ? 0 : row_end[i - 1];
    return std::string_view(text.data() + begin, row_end[i] - begin);
  }
  void Clear() {
    tags.clear();
    row_end.clear();
    text.clear();
    records.clear();
    frames.clear();
  }
};

// Rows compare by (OrderKey(tag), first_packet), the same order as EmitTag:
// the one place the order formula is written.
inline constexpr uint64_t kEndOrderKey = UINT64_MAX;  // every row of the end flush
inline uint64_t OrderKey(uint64_t event_packet, EmitKind kind) {
  if (kind == EmitKind::kEnd) return kEndOrderKey;
  return event_packet * 4 + static_cast<uint64_t>(kind);  // numbers < 2^62
}
inline uint64_t OrderKey(const EmitTag& tag) { return OrderKey(tag.event_packet, tag.kind); }

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_ROW_BLOCK_H_
