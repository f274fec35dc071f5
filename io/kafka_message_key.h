// A flow's Kafka message key (the messages themselves are JSON Lines rows:
// io/csv_format.h, io/cic_format.h).
#ifndef NETFLOWER_IO_KAFKA_MESSAGE_KEY_H_
#define NETFLOWER_IO_KAFKA_MESSAGE_KEY_H_

#include <cstddef>
#include <cstdint>

#include "netflower/flow_record.h"

namespace netflower {

// The message key of a flow: its endpoints in a fixed order (the smaller
// address first, by family then bytes; on equal addresses the smaller
// port), "a-b-portA-portB-protocol", so that both directions of a
// conversation give the same key and land in the same partition.
inline constexpr size_t kMaxMessageKeyBytes = 2 * kMaxIpTextChars + 3 * 6;
size_t FormatMessageKey(const IpAddress& src, uint16_t src_port, const IpAddress& dst,
                        uint16_t dst_port, uint8_t protocol, char* out);

}  // namespace netflower

#endif  // NETFLOWER_IO_KAFKA_MESSAGE_KEY_H_
