// Reader for classic pcap (µs, ns, modified; both byte orders) and pcapng
// (every section, every interface with its own link type, resolution and
// offset). FLOW-RULES §3.
//
// Why not libpcap: libpcap cannot serve the contract here. It converts every
// pcapng timestamp to one resolution (losing the raw tick count the exact
// timestamp formulas need), refuses pcapng files whose interfaces have
// different link types, rejects records whose caplen exceeds its snaplen
// limit instead of decoding the bytes present, and on a truncated record
// gives an error without telling how far the good data went. This reader
// streams the input through one bounded buffer (InputStream: files, pipes,
// standard input alike) and allocates nothing per packet.
#ifndef NETFLOWER_CAPTURE_CAPTURE_FILE_H_
#define NETFLOWER_CAPTURE_CAPTURE_FILE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "capture/input_stream.h"
#include "capture/profile.h"

namespace netflower {

// Timestamps in nanoseconds are kept within ±(2^62 - 1) (±146 years) so that
// differences of two of them never overflow. A pcapng whose first packet lies
// beyond (a bad if_tsoffset or tick count) is read relative to a whole-second
// epoch shift chosen at that packet (CaptureFileReader::epoch_shift_seconds),
// so that its flows' durations and gaps stay exact; only a packet more than
// 146 years away from the first is clamped (and counted, with a warning).
inline constexpr int64_t kMaxTimestampNanos = (int64_t{1} << 62) - 1;

// One packet record, its time in the profile's representation (FLOW-RULES
// §3.4: python, double seconds by each format's formula; default, int64
// nanoseconds since the epoch, less the epoch shift).
template <class P>
struct RawPacket {
  const uint8_t* data = nullptr;  // the captured bytes (valid until the next Next())
  uint32_t length = 0;            // captured bytes present
  uint16_t link_type = 0;
  typename P::Time time{};
  uint64_t file_offset = 0;  // where the record (or block) starts
};

enum class CaptureFormat : uint8_t { kPcap, kPcapng };

// Packet records the reader counted but did not hand out, by reason.
struct ReaderSkips {
  uint64_t simple_packet_blocks = 0;  // pcapng SPB: no timestamp
  uint64_t unknown_interface = 0;     // pcapng packet naming no defined IDB
  uint64_t malformed_blocks = 0;      // packet block too short for its fields
};

// P: the output profile (features/profile.h), which fixes the timestamp
// arithmetic, so the reader and the pipeline it feeds cannot disagree.
template <class P>
class CaptureFileReader {
 public:
  // Opens and validates the file header (pcap) or the first Section Header
  // Block (pcapng). Fails with InvalidArgument and a message naming the file,
  // the byte offset and the problem when the input is not a capture this
  // reader understands (too short, unknown magic, bad first SHB).
  static absl::StatusOr<std::unique_ptr<CaptureFileReader>> Open(const std::string& path);

  // Same, over an already opened input. Reads only as far as the header.
  static absl::StatusOr<std::unique_ptr<CaptureFileReader>> FromStream(
      std::unique_ptr<InputStream> input);

  // Fills `*packet` with the next packet record and returns true, or returns
  // false at the end of the input. The input ends early (with a warning) at
  // a truncated record or block, a read error or a cancellation; everything
  // before it has been returned. `packet->data` stays valid until the next
  // call.
  bool Next(RawPacket<P>* packet);

  // The input, to set its idle and cancel hooks (streams).
  InputStream& input() { return *in_; }

  // Problems met so far, one line each, naming file and byte offset.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // True once the input ended at a damaged spot rather than a clean end.
  bool ended_early() const { return ended_early_; }

  const ReaderSkips& skips() const { return skips_; }
  // Records seen: returned + skipped by the reader.
  uint64_t records_read() const {
    return packets_returned_ + skips_.simple_packet_blocks + skips_.unknown_interface +
           skips_.malformed_blocks;
  }
  uint64_t timestamps_clamped() const { return timestamps_clamped_; }
  // Whole seconds subtracted from every default-profile timestamp (0 unless
  // the first packet lies beyond ±146 years; see kMaxTimestampNanos). Fixed
  // once the first packet has been returned.
  int64_t epoch_shift_seconds() const { return epoch_shift_seconds_; }
  uint64_t bytes_consumed() const { return in_->offset(); }
  // The input's size if it is a regular file, else 0.
  uint64_t size_hint() const { return in_->size_hint(); }
  const std::string& path() const { return in_->path(); }

  ~CaptureFileReader();

 private:
  struct Interface {
    uint16_t link_type = 0;
    // python profile: t = offset_seconds + double(ticks) / tick_divisor
    double tick_divisor = 1e6;
    // default profile: ns = offset * 1e9 + floor(ticks * 1e9 / divisor)
    uint8_t resolution_code = 6;  // raw if_tsresol byte
    int64_t offset_seconds = 0;
  };

  explicit CaptureFileReader(std::unique_ptr<InputStream> input);

  absl::Status ParseHeader();
  bool NextPcap(RawPacket<P>* packet);
  bool NextPcapng(RawPacket<P>* packet);
  // An enhanced or obsolete packet block: fills `packet` and returns true,
  // or counts why it is skipped and returns false.
  bool ReadPacketBlock(uint32_t type, const uint8_t* body, size_t body_length, uint64_t block_start,
                       RawPacket<P>* packet);
  // Parses the SHB at the start of the input's window (its first 12 bytes
  // available). Returns an error description or "" on success.
  std::string ParseSectionHeader(size_t* block_length);
  // Ends the input at a failed or cancelled read (InputStream::error()).
  void EndStopped();
  void ParseInterface(const uint8_t* body, size_t body_length, size_t block_start);
  void StampPcapng(const Interface& iface, uint64_t ticks, uint64_t block_start,
                   RawPacket<P>* packet);
  // Default profile: `ns` minus the epoch shift (fixed at the first packet),
  // clamped to ±kMaxTimestampNanos.
  int64_t ShiftAndClamp(__int128 ns, uint64_t block_start);
  void EndEarly(const std::string& message);
  // Once the input has ended: one warning per kind of damaged block met,
  // with its count and the first one's offset (a damaged file gives a few
  // lines, not one per block).
  void WarnAboutDamage();
  // Reads in the file's (or section's) byte order. Hosts are little-endian
  // (x86-64, aarch64 Linux); see the static_assert in capture_file.cc.
  uint32_t U32(const uint8_t* p) const {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return big_endian_ ? __builtin_bswap32(v) : v;
  }
  uint16_t U16(const uint8_t* p) const {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return big_endian_ ? __builtin_bswap16(v) : v;
  }

  std::unique_ptr<InputStream> in_;
  CaptureFormat format_ = CaptureFormat::kPcap;
  bool big_endian_ = false;  // file/section is big-endian

  // pcap
  bool nanosecond_ = false;
  size_t record_header_size_ = 16;
  uint16_t link_type_ = 0;

  // pcapng
  std::vector<Interface> interfaces_;

  bool done_ = false;
  bool ended_early_ = false;
  uint64_t packets_returned_ = 0;
  uint64_t timestamps_clamped_ = 0;
  int64_t epoch_shift_seconds_ = 0;
  bool epoch_fixed_ = false;  // the first packet's time has been seen
  ReaderSkips skips_;
  // Damaged pcapng blocks (tshark calls them malformed): how many, and where
  // the first was. Reading goes on past them (as it always has, so the
  // flows read stay what they were); --strict fails on the warning.
  struct Damage {
    uint64_t count = 0;
    uint64_t first_offset = 0;
    void Note(uint64_t offset) {
      if (count++ == 0) first_offset = offset;
    }
  };
  Damage unknown_interface_;  // a packet block naming no defined interface
  Damage caplen_overrun_;     // a captured length past the block's end
  Damage trailer_mismatch_;   // trailing block length != leading block length
  Damage too_short_;          // a packet block too short for its fields
  std::vector<std::string> warnings_;
};

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_CAPTURE_FILE_H_
