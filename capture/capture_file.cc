#include "capture/capture_file.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace netflower {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "CaptureFileReader::U32/U16 assume a little-endian host");

constexpr uint32_t kBlockSectionHeader = 0x0A0D0D0A;
constexpr uint32_t kBlockInterface = 1;
constexpr uint32_t kBlockObsoletePacket = 2;
constexpr uint32_t kBlockSimplePacket = 3;
constexpr uint32_t kBlockEnhancedPacket = 6;
constexpr uint16_t kOptionEnd = 0;
constexpr uint16_t kOptionTsResol = 9;
constexpr uint16_t kOptionTsOffset = 14;
// Link type given to an interface whose description block is unusable, so
// that the numbering of later interfaces stays right; its frames are skipped.
constexpr uint16_t kUnusableLinkType = 0xFFFF;

std::string Hex4(const uint8_t* p) {
  return absl::StrFormat("%02x %02x %02x %02x", p[0], p[1], p[2], p[3]);
}

// Correctly rounded 10^v as a double (v up to 127).
double PowerOfTen(int v) {
  char text[8];
  std::snprintf(text, sizeof(text), "1e%d", v);
  return std::strtod(text, nullptr);
}

// A hint for the unknown-magic error, naming what the file looks like.
std::string FormatHint(const uint8_t* p, size_t size) {
  auto starts_with = [&](std::string_view prefix) {
    return size >= prefix.size() && std::memcmp(p, prefix.data(), prefix.size()) == 0;
  };
  if (starts_with("snoop")) return " (a Solaris snoop file; convert it with 'editcap -F pcap')";
  if (starts_with("version https://git-lfs")) {
    return " (a Git LFS pointer, not the capture itself; fetch it with 'git lfs pull')";
  }
  if (size >= 2 && p[0] == 0x1F && p[1] == 0x8B) return " (gzip data; decompress it first)";
  if (size >= 3 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h') {
    return " (bzip2 data; decompress it first)";
  }
  if (size >= 4 && p[0] == 0x28 && p[1] == 0xB5 && p[2] == 0x2F && p[3] == 0xFD) {
    return " (zstd data; decompress it first)";
  }
  const size_t n = std::min<size_t>(size, 64);
  bool text = true;
  for (size_t i = 0; i < n && text; ++i) {
    text = (p[i] >= 0x20 && p[i] < 0x7F) || p[i] == '\n' || p[i] == '\r' || p[i] == '\t';
  }
  if (text) return " (the file looks like text)";
  return "";
}

}  // namespace

template <class P>
CaptureFileReader<P>::CaptureFileReader(std::unique_ptr<InputStream> input)
    : in_(std::move(input)) {}

template <class P>
CaptureFileReader<P>::~CaptureFileReader() = default;

template <class P>
absl::StatusOr<std::unique_ptr<CaptureFileReader<P>>> CaptureFileReader<P>::Open(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<InputStream>> input = InputStream::Open(path);
  if (!input.ok()) return input.status();
  return FromStream(*std::move(input));
}

template <class P>
absl::StatusOr<std::unique_ptr<CaptureFileReader<P>>> CaptureFileReader<P>::FromStream(
    std::unique_ptr<InputStream> input) {
  std::unique_ptr<CaptureFileReader<P>> reader(new CaptureFileReader<P>(std::move(input)));
  absl::Status status = reader->ParseHeader();
  if (!status.ok()) return status;
  return reader;
}

template <class P>
void CaptureFileReader<P>::EndEarly(const std::string& message) {
  warnings_.push_back(absl::StrCat(path(), ": ", message));
  ended_early_ = true;
  done_ = true;
}

template <class P>
void CaptureFileReader<P>::EndStopped() {
  if (in_->cancelled()) {  // the run is being stopped on purpose: nothing to warn about
    done_ = true;
    return;
  }
  EndEarly(absl::StrCat("input stopped at byte offset ", in_->offset(), ": ", in_->error(),
                        "; input ends here"));
}

template <class P>
absl::Status CaptureFileReader<P>::ParseHeader() {
  // The magic comes from the first bytes: nothing more is read from an input
  // that is not a capture (/dev/zero, a text file, a terminal).
  if (!in_->Ensure(24)) {
    if (!in_->error().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path(), ": ", in_->error()));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path(), ": not a capture file: ", in_->available(),
                     " bytes, shorter than a pcap file header (24 bytes)"));
  }
  const uint8_t* p = in_->data();
  const uint32_t magic_be =
      (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  if (magic_be == kBlockSectionHeader) {
    format_ = CaptureFormat::kPcapng;
    size_t block_length = 0;
    std::string error = ParseSectionHeader(&block_length);
    if (!error.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path(), ": unreadable pcapng: ", error));
    }
    in_->Consume(block_length);
    return absl::OkStatus();
  }

  format_ = CaptureFormat::kPcap;
  switch (magic_be) {
    case 0xD4C3B2A1:  // little-endian, microseconds
      break;
    case 0xA1B2C3D4:
      big_endian_ = true;
      break;
    case 0x4D3CB2A1:  // nanoseconds
      nanosecond_ = true;
      break;
    case 0xA1B23C4D:
      big_endian_ = true;
      nanosecond_ = true;
      break;
    case 0x34CDB2A1:  // "modified pcap" (Alexey Kuznetsov's patches)
      record_header_size_ = 24;
      break;
    case 0xA1B2CD34:
      big_endian_ = true;
      record_header_size_ = 24;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(path(), ": not a pcap or pcapng file: unknown magic ", Hex4(p),
                       " at byte offset 0", FormatHint(p, in_->available())));
  }
  // Version, thiszone, sigfigs and snaplen are neither checked nor used; the
  // upper 16 bits of the link-type field (FCS length, reserved) are ignored.
  link_type_ = static_cast<uint16_t>(U32(p + 20) & 0xFFFF);
  in_->Consume(24);
  return absl::OkStatus();
}

template <class P>
bool CaptureFileReader<P>::Next(RawPacket<P>* packet) {
  if (done_) return false;
  const bool got = format_ == CaptureFormat::kPcap ? NextPcap(packet) : NextPcapng(packet);
  if (got) {
    ++packets_returned_;
    return true;
  }
  if (in_->shrank()) {
    EndEarly(absl::StrCat("the file was cut while it was read: ", in_->size_hint(),
                          " bytes when opened, it ended at byte offset ",
                          in_->offset() + in_->available()));
  }
  WarnAboutDamage();
  return false;
}

template <class P>
void CaptureFileReader<P>::WarnAboutDamage() {
  const auto warn = [&](Damage& d, std::string_view what, std::string_view outcome) {
    if (d.count == 0) return;
    warnings_.push_back(absl::StrCat(path(), ": ", d.count, " damaged packet block",
                                     d.count == 1 ? "" : "s", " (", std::string(what),
                                     "), the first at byte offset ", d.first_offset, "; ",
                                     std::string(outcome)));
    d = {};  // said once
  };
  warn(unknown_interface_, "naming an interface that no interface description block defined",
       "skipped");
  warn(too_short_, "too short for the fields of a packet block", "skipped");
  warn(caplen_overrun_, "a captured length larger than the block holds",
       "read from the bytes the block holds");
  warn(trailer_mismatch_, "a trailing block length that differs from the leading one",
       "read by the leading length");
}

template <class P>
bool CaptureFileReader<P>::NextPcap(RawPacket<P>* packet) {
  const uint64_t start = in_->offset();
  if (!in_->Ensure(record_header_size_)) {
    if (!in_->error().empty()) {
      EndStopped();
    } else if (in_->available() != 0) {
      EndEarly(absl::StrCat("truncated record header at byte offset ", start, ": ",
                            in_->available(), " of ", record_header_size_,
                            " bytes; input ends here"));
    }
    done_ = true;
    return false;
  }
  const uint8_t* h = in_->data();
  const uint32_t ts_sec = U32(h);
  const uint32_t ts_frac = U32(h + 4);
  const uint32_t caplen = U32(h + 8);
  const size_t wanted =
      record_header_size_ + std::min<size_t>(caplen, InputStream::kMaxWindowBytes - 24);
  size_t length = caplen;
  const bool whole = in_->Ensure(wanted);
  if (!whole && !in_->error().empty()) {
    EndStopped();
    return false;
  }
  if (!whole || wanted - record_header_size_ < caplen) {
    // The bytes present are the frame (FLOW-RULES §3.2); nothing follows.
    length = std::min(in_->available(), wanted) - record_header_size_;
    EndEarly(absl::StrCat(
        "record at byte offset ", start, " declares ", caplen, " captured bytes but only ", length,
        whole ? " are read (the most this reader accepts for one record)" : " remain",
        "; decoded the bytes present, input ends here"));
  }
  h = in_->data();
  packet->data = h + record_header_size_;
  packet->length = static_cast<uint32_t>(length);
  packet->link_type = link_type_;
  packet->file_offset = start;
  if constexpr (P::kPython) {
    packet->time =
        static_cast<double>(ts_sec) + static_cast<double>(ts_frac) / (nanosecond_ ? 1e9 : 1e6);
  } else {
    packet->time = int64_t{ts_sec} * 1000000000 + int64_t{ts_frac} * (nanosecond_ ? 1 : 1000);
  }
  in_->Consume(record_header_size_ + length);
  return true;
}

template <class P>
std::string CaptureFileReader<P>::ParseSectionHeader(size_t* block_length) {
  const uint64_t start = in_->offset();
  if (!in_->Ensure(12)) {
    return absl::StrCat("section header block at byte offset ", start,
                        " is cut short by the end of the file");
  }
  const uint8_t* bom = in_->data() + 8;
  if (bom[0] == 0x1A && bom[1] == 0x2B && bom[2] == 0x3C && bom[3] == 0x4D) {
    big_endian_ = true;
  } else if (bom[0] == 0x4D && bom[1] == 0x3C && bom[2] == 0x2B && bom[3] == 0x1A) {
    big_endian_ = false;
  } else {
    return absl::StrCat("section header block at byte offset ", start,
                        ": unknown byte-order magic ", Hex4(bom));
  }
  const uint32_t total = U32(in_->data() + 4);
  if (total < 28) {
    return absl::StrCat("section header block at byte offset ", start, ": block length ", total,
                        " is below the minimum of 28");
  }
  if (total > InputStream::kMaxWindowBytes) {
    return absl::StrCat("section header block at byte offset ", start, " declares ", total,
                        " bytes, more than the ", InputStream::kMaxWindowBytes,
                        " this reader accepts for one block");
  }
  if (!in_->Ensure(total)) {
    return absl::StrCat("section header block at byte offset ", start, " declares ", total,
                        " bytes but only ", in_->available(), " remain");
  }
  const uint8_t* p = in_->data();
  const uint16_t major = U16(p + 12);
  if (major != 1) {
    return absl::StrCat("section header block at byte offset ", start,
                        ": unsupported pcapng major version ", major, " (expected 1)");
  }
  const size_t end = total - 4;
  for (size_t off = 24; off + 4 <= end;) {
    const uint16_t code = U16(p + off);
    const uint16_t length = U16(p + off + 2);
    if (code == kOptionEnd) break;
    const size_t padded = (size_t{length} + 3) & ~size_t{3};
    if (off + 4 + padded > end) {
      return absl::StrCat("section header block at byte offset ", start, ": option ", code,
                          " at byte offset ", start + off, " (length ", length,
                          ") runs past the end of the block");
    }
    off += 4 + padded;
  }
  interfaces_.clear();
  *block_length = total;
  return "";
}

template <class P>
void CaptureFileReader<P>::ParseInterface(const uint8_t* body, size_t body_length,
                                          size_t block_start) {
  Interface iface;
  if (body_length < 8) {
    warnings_.push_back(absl::StrCat(path(), ": interface description block at byte offset ",
                                     block_start, " is too short; its packets are skipped"));
    iface.link_type = kUnusableLinkType;
    interfaces_.push_back(iface);
    return;
  }
  iface.link_type = U16(body);
  for (size_t off = 8; off + 4 <= body_length;) {
    const uint16_t code = U16(body + off);
    const uint16_t length = U16(body + off + 2);
    if (code == kOptionEnd) break;
    const size_t padded = (size_t{length} + 3) & ~size_t{3};
    if (off + 4 + padded > body_length) {
      warnings_.push_back(absl::StrCat(path(), ": interface description block at byte offset ",
                                       block_start, ": option ", code,
                                       " runs past the block; later options ignored"));
      break;
    }
    const uint8_t* value = body + off + 4;
    if (code == kOptionTsResol && length >= 1) {
      iface.resolution_code = value[0];
    } else if (code == kOptionTsOffset && length >= 8) {
      const uint64_t lo = U32(value), hi = U32(value + 4);
      const uint64_t raw = big_endian_ ? (lo << 32) | hi : (hi << 32) | lo;
      iface.offset_seconds = static_cast<int64_t>(raw);
    }
    off += 4 + padded;
  }
  const uint8_t v = iface.resolution_code;
  iface.tick_divisor = (v & 0x80) ? std::ldexp(1.0, v & 0x7F) : PowerOfTen(v);
  interfaces_.push_back(iface);
}

template <class P>
void CaptureFileReader<P>::StampPcapng(const Interface& iface, uint64_t ticks, uint64_t block_start,
                                       RawPacket<P>* packet) {
  if constexpr (P::kPython) {
    packet->time =
        static_cast<double>(iface.offset_seconds) + static_cast<double>(ticks) / iface.tick_divisor;
    return;
  }
  // floor(ticks * 10^9 / divisor), exactly: the product needs up to 94 bits.
  const uint8_t v = iface.resolution_code;
  unsigned __int128 q;
  if (v == 6) {
    q = static_cast<unsigned __int128>(ticks) * 1000;
  } else if (v == 9) {
    q = ticks;
  } else {
    const unsigned __int128 scaled = static_cast<unsigned __int128>(ticks) * 1000000000u;
    if (v & 0x80) {
      q = scaled >> (v & 0x7F);  // shift < 128
    } else if (v > 38) {
      q = 0;  // 10^v exceeds every possible product
    } else {
      unsigned __int128 divisor = 1;
      for (int i = 0; i < v; ++i) divisor *= 10;
      q = scaled / divisor;
    }
  }
  const __int128 ns =
      static_cast<__int128>(iface.offset_seconds) * 1000000000 + static_cast<__int128>(q);
  if constexpr (!P::kPython) packet->time = ShiftAndClamp(ns, block_start);
}

template <class P>
int64_t CaptureFileReader<P>::ShiftAndClamp(__int128 ns, uint64_t block_start) {
  constexpr __int128 kBillion = 1000000000;
  if (!epoch_fixed_) {
    epoch_fixed_ = true;
    constexpr __int128 kMaxShift = INT64_MAX / 2;
    if ((ns > kMaxTimestampNanos || ns < -kMaxTimestampNanos) && ns / kBillion < kMaxShift &&
        ns / kBillion > -kMaxShift) {
      // Whole seconds, so the fraction of each timestamp is unchanged; the
      // first packet lands within the first second of the shifted epoch.
      __int128 seconds = ns / kBillion;
      if (ns % kBillion < 0) --seconds;
      epoch_shift_seconds_ = static_cast<int64_t>(seconds);
      warnings_.push_back(absl::StrCat(
          path(), ": packet ", records_read() + 1, " at byte offset ", block_start, ": timestamp ",
          static_cast<int64_t>(seconds),
          " s lies more than 146 years from 1970 (check the interface's if_tsoffset and "
          "if_tsresol); flow times are kept exact relative to it, the timestamp column "
          "adds the difference back"));
    }
  }
  const __int128 shifted = ns - static_cast<__int128>(epoch_shift_seconds_) * kBillion;
  if (shifted > kMaxTimestampNanos || shifted < -kMaxTimestampNanos) {
    if (timestamps_clamped_++ == 0) {
      warnings_.push_back(absl::StrCat(
          path(), ": packet ", records_read() + 1, " at byte offset ", block_start,
          ": timestamp more than 146 years away from the first packet's; it and any such later "
          "ones are clamped, so durations involving them are wrong"));
    }
    return shifted > 0 ? kMaxTimestampNanos : -kMaxTimestampNanos;
  }
  return static_cast<int64_t>(shifted);
}

template <class P>
bool CaptureFileReader<P>::ReadPacketBlock(uint32_t type, const uint8_t* body, size_t body_length,
                                           uint64_t block_start, RawPacket<P>* packet) {
  if (body_length < 20) {
    ++skips_.malformed_blocks;
    too_short_.Note(block_start);
    return false;
  }
  const uint32_t interface_id = type == kBlockEnhancedPacket ? U32(body) : U16(body);
  if (interface_id >= interfaces_.size()) {
    ++skips_.unknown_interface;
    unknown_interface_.Note(block_start);
    return false;
  }
  const Interface& iface = interfaces_[interface_id];
  const uint64_t ticks = (uint64_t{U32(body + 4)} << 32) | U32(body + 8);
  const uint32_t caplen = U32(body + 12);
  const size_t available = body_length - 20;
  if (caplen > available) caplen_overrun_.Note(block_start);
  packet->data = body + 20;
  packet->length = static_cast<uint32_t>(caplen < available ? caplen : available);
  packet->link_type = iface.link_type;
  packet->file_offset = block_start;
  StampPcapng(iface, ticks, block_start, packet);
  return true;
}

template <class P>
bool CaptureFileReader<P>::NextPcapng(RawPacket<P>* packet) {
  for (;;) {
    const uint64_t block_start = in_->offset();
    if (!in_->Ensure(8)) {  // fewer than 8 bytes at a block boundary: normal end
      if (!in_->error().empty()) EndStopped();
      done_ = true;
      return false;
    }
    const uint8_t* p = in_->data();
    if (((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]) ==
        kBlockSectionHeader) {
      size_t block_length = 0;
      std::string error = ParseSectionHeader(&block_length);
      if (!error.empty()) {
        EndEarly(absl::StrCat(error, "; input ends here"));
        return false;
      }
      in_->Consume(block_length);
      continue;
    }
    const uint32_t type = U32(p);
    const uint32_t total = U32(p + 4);
    if (total < 12) {
      EndEarly(absl::StrCat("block at byte offset ", block_start, " (type ", type,
                            ") has an invalid length of ", total, "; input ends here"));
      return false;
    }
    const size_t wanted = std::min<size_t>(total, InputStream::kMaxWindowBytes);
    if (!in_->Ensure(wanted)) {
      if (!in_->error().empty()) {
        EndStopped();
      } else {
        EndEarly(absl::StrCat("block at byte offset ", block_start, " (type ", type,
                              ") is cut short by the end of the file: it declares ", total,
                              " bytes, ", in_->available(),
                              " remain; the incomplete block is dropped, input ends here"));
      }
      return false;
    }
    if (wanted < total) {
      EndEarly(absl::StrCat("block at byte offset ", block_start, " (type ", type, ") declares ",
                            total, " bytes, more than the ", InputStream::kMaxWindowBytes,
                            " this reader accepts for one block; input ends here"));
      return false;
    }
    p = in_->data();
    if (U32(p + total - 4) != total) trailer_mismatch_.Note(block_start);
    const uint8_t* body = p + 8;
    const size_t body_length = total - 12;
    in_->Consume(total);

    switch (type) {
      case kBlockInterface:
        ParseInterface(body, body_length, block_start);
        continue;
      case kBlockSimplePacket:
        ++skips_.simple_packet_blocks;
        continue;
      case kBlockEnhancedPacket:
      case kBlockObsoletePacket:
        if (ReadPacketBlock(type, body, body_length, block_start, packet)) return true;
        continue;
      default:
        continue;  // statistics, name resolution, custom, ...: not packets
    }
  }
}

template class CaptureFileReader<PythonProfile>;
template class CaptureFileReader<DefaultProfile>;
template class CaptureFileReader<CicProfile>;

}  // namespace netflower
