// The unit of rows between a flow worker and the merger (or the live
// delivery thread), and the order rows are merged in.
#ifndef NETFLOWER_PIPELINE_ROW_BLOCK_H_
#define NETFLOWER_PIPELINE_ROW_BLOCK_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "flow/flow_sink.h"
#include "netflower/flow_record.h"

namespace netflower {

// Rows a worker hands to the merger, in the worker's emission order (which is
// ascending EmitTag order).
struct RowBlock {
  std::vector<EmitTag> tags;
  std::vector<uint32_t> row_end;  // text mode: end offset of each row in `text`
  std::string text;
  std::vector<FlowRecord> records;
  std::vector<std::string> frames;  // save_pcap: each row's frames as pcap records
  // Kafka (WorkerOptions::messages): each row also as a JSON object without
  // its line end, and its message key (FormatMessageKey).
  std::string messages;
  std::vector<uint32_t> message_end;
  std::string keys;
  std::vector<uint32_t> key_end;
  // IPFIX (WorkerOptions::ipfix): each row's data records
  // (IpfixModel::AppendFlow).
  std::string ipfix;
  std::vector<uint32_t> ipfix_end;
  // Rows left as `records` for a RowFormatter to turn into text and
  // messages (WorkerOptions::hand_over_rows).
  bool unformatted = false;

  size_t rows() const { return tags.size(); }
  // The text of row i (text mode).
  std::string_view Row(size_t i) const { return Slice(text, row_end, i); }
  std::string_view Message(size_t i) const { return Slice(messages, message_end, i); }
  std::string_view Key(size_t i) const { return Slice(keys, key_end, i); }
  std::string_view Ipfix(size_t i) const { return Slice(ipfix, ipfix_end, i); }
  void Clear() {
    tags.clear();
    row_end.clear();
    text.clear();
    records.clear();
    frames.clear();
    messages.clear();
    message_end.clear();
    keys.clear();
    key_end.clear();
    ipfix.clear();
    ipfix_end.clear();
    unformatted = false;
  }

 private:
  // Item i of texts laid end to end, `ends` the offset just past each.
  static std::string_view Slice(const std::string& all, const std::vector<uint32_t>& ends,
                                size_t i) {
    const uint32_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(all.data() + begin, ends[i] - begin);
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
