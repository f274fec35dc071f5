#include "capture/capture_file.h"

#include <algorithm>
#include <cmath>
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

int64_t ClampNanos(__int128 ns, uint64_t* clamped) {
  if (ns > kMaxTimestampNanos) {
    ++*clamped;
    return kMaxTimestampNanos;
  }
  if (ns < -kMaxTimestampNanos) {
    ++*clamped;
    return -kMaxTimestampNanos;
  }
  return static_cast<int64_t>(ns);
}

}  // namespace

CaptureFileReader::CaptureFileReader(std::unique_ptr<MappedFile> file, TimestampMode mode)
    : file_(std::move(file)), data_(file_->data()), size_(file_->size()), mode_(mode) {}

CaptureFileReader::~CaptureFileReader() = default;

absl::StatusOr<std::unique_ptr<CaptureFileReader>> CaptureFileReader::Open(const std::string& path,
                                                                           TimestampMode mode) {
  absl::StatusOr<std::unique_ptr<MappedFile>> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  return FromFile(*std::move(file), mode);
}

absl::StatusOr<std::unique_ptr<CaptureFileReader>> CaptureFileReader::FromFile(
    std::unique_ptr<MappedFile> file, TimestampMode mode) {
  std::unique_ptr<CaptureFileReader> reader(new CaptureFileReader(std::move(file), mode));
  absl::Status status = reader->ParseHeader();
  if (!status.ok()) return status;
  return reader;
}

void CaptureFileReader::EndEarly(const std::string& message) {
  warnings_.push_back(absl::StrCat(path(), ": ", message));
  ended_early_ = true;
  done_ = true;
}

absl::Status CaptureFileReader::ParseHeader() {
  if (size_ < 24) {
    return absl::InvalidArgumentError(
        absl::StrCat(path(), ": not a capture file: ", size_,
                     " bytes, shorter than a pcap file header (24 bytes)"));
  }
  const uint8_t* p = data_;
  const uint32_t magic_be =
      (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  if (magic_be == kBlockSectionHeader) {
    format_ = CaptureFormat::kPcapng;
    size_t block_length = 0;
    std::string error = ParseSectionHeader(0, &block_length);
    if (!error.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path(), ": unreadable pcapng: ", error));
    }
    pos_ = block_length;
    // The first interface's link type, for callers that show it.
    for (size_t off = pos_; off + 20 <= size_;) {
      const uint32_t type = U32(data_ + off);
      const uint32_t total = U32(data_ + off + 4);
      if (type == kBlockInterface) {
        first_link_type_ = U16(data_ + off + 8);
        break;
      }
      if (type == kBlockSectionHeader || total < 12) break;
      off += total;
    }
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
                       " at byte offset 0", FormatHint(p, size_)));
  }
  // Version, thiszone, sigfigs and snaplen are neither checked nor used; the
  // upper 16 bits of the link-type field (FCS length, reserved) are ignored.
  first_link_type_ = static_cast<uint16_t>(U32(p + 20) & 0xFFFF);
  pos_ = 24;
  return absl::OkStatus();
}

bool CaptureFileReader::Next(RawPacket* packet) {
  if (done_) return false;
  const bool got = format_ == CaptureFormat::kPcap ? NextPcap(packet) : NextPcapng(packet);
  if (got) ++packets_returned_;
  return got;
}

bool CaptureFileReader::NextPcap(RawPacket* packet) {
  const size_t remaining = size_ - pos_;
  if (remaining < record_header_size_) {
    if (remaining != 0) {
      EndEarly(absl::StrCat("truncated record header at byte offset ", pos_, ": ", remaining,
                            " of ", record_header_size_, " bytes; input ends here"));
    }
    done_ = true;
    return false;
  }
  const uint8_t* h = data_ + pos_;
  // Touch the mapping a page ahead: the hardware prefetcher stops at page
  // boundaries, and the first load of each new page (TLB walk, nested under a
  // hypervisor) was the source thread's hottest instruction.
  if (remaining > 4096 + 64) __builtin_prefetch(h + 4096);
  const uint32_t ts_sec = U32(h);
  const uint32_t ts_frac = U32(h + 4);
  const uint32_t caplen = U32(h + 8);
  size_t length = caplen;
  const size_t available = remaining - record_header_size_;
  if (length > available) {
    // The bytes present are the frame (FLOW-SPEC §3.2); nothing follows.
    warnings_.push_back(absl::StrCat(path(), ": record at byte offset ", pos_, " declares ", caplen,
                                     " captured bytes but only ", available,
                                     " remain; decoded the bytes present, input ends here"));
    ended_early_ = true;
    done_ = true;
    length = available;
  }
  packet->data = h + record_header_size_;
  packet->length = static_cast<uint32_t>(length);
  packet->link_type = first_link_type_;
  packet->file_offset = pos_;
  if (mode_ == TimestampMode::kDoubleSeconds) {
    packet->seconds =
        static_cast<double>(ts_sec) + static_cast<double>(ts_frac) / (nanosecond_ ? 1e9 : 1e6);
  } else {
    packet->nanos = int64_t{ts_sec} * 1000000000 + int64_t{ts_frac} * (nanosecond_ ? 1 : 1000);
  }
  pos_ += record_header_size_ + length;
  return true;
}

std::string CaptureFileReader::ParseSectionHeader(size_t start, size_t* block_length) {
  const size_t remaining = size_ - start;
  if (remaining < 12) {
    return absl::StrCat("section header block at byte offset ", start,
                        " is cut short by the end of the file");
  }
  const uint8_t* p = data_ + start;
  const uint8_t* bom = p + 8;
  if (bom[0] == 0x1A && bom[1] == 0x2B && bom[2] == 0x3C && bom[3] == 0x4D) {
    big_endian_ = true;
  } else if (bom[0] == 0x4D && bom[1] == 0x3C && bom[2] == 0x2B && bom[3] == 0x1A) {
    big_endian_ = false;
  } else {
    return absl::StrCat("section header block at byte offset ", start,
                        ": unknown byte-order magic ", Hex4(bom));
  }
  const uint32_t total = U32(p + 4);
  if (total < 28) {
    return absl::StrCat("section header block at byte offset ", start, ": block length ", total,
                        " is below the minimum of 28");
  }
  if (total > remaining) {
    return absl::StrCat("section header block at byte offset ", start, " declares ", total,
                        " bytes but only ", remaining, " remain");
  }
  const uint16_t major = U16(p + 12);
  if (major != 1) {
    return absl::StrCat("section header block at byte offset ", start,
                        ": unsupported pcapng major version ", major, " (expected 1)");
  }
  const size_t end = start + total - 4;
  for (size_t off = start + 24; off + 4 <= end;) {
    const uint16_t code = U16(data_ + off);
    const uint16_t length = U16(data_ + off + 2);
    if (code == kOptionEnd) break;
    const size_t padded = (size_t{length} + 3) & ~size_t{3};
    if (off + 4 + padded > end) {
      return absl::StrCat("section header block at byte offset ", start, ": option ", code,
                          " at byte offset ", off, " (length ", length,
                          ") runs past the end of the block");
    }
    off += 4 + padded;
  }
  interfaces_.clear();
  *block_length = total;
  return "";
}

void CaptureFileReader::ParseInterface(const uint8_t* body, size_t body_length,
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

void CaptureFileReader::StampPcapng(const Interface& iface, uint64_t ticks, RawPacket* packet) {
  if (mode_ == TimestampMode::kDoubleSeconds) {
    packet->seconds =
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
  packet->nanos = ClampNanos(ns, &timestamps_clamped_);
}

bool CaptureFileReader::NextPcapng(RawPacket* packet) {
  for (;;) {
    const size_t remaining = size_ - pos_;
    if (remaining < 8) {  // fewer than 8 bytes at a block boundary: normal end
      done_ = true;
      return false;
    }
    const uint8_t* p = data_ + pos_;
    if (((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]) ==
        kBlockSectionHeader) {
      size_t block_length = 0;
      std::string error = ParseSectionHeader(pos_, &block_length);
      if (!error.empty()) {
        EndEarly(absl::StrCat(error, "; input ends here"));
        return false;
      }
      pos_ += block_length;
      continue;
    }
    const uint32_t type = U32(p);
    const uint32_t total = U32(p + 4);
    if (total < 12) {
      EndEarly(absl::StrCat("block at byte offset ", pos_, " (type ", type,
                            ") has an invalid length of ", total, "; input ends here"));
      return false;
    }
    if (total > remaining) {
      EndEarly(absl::StrCat("block at byte offset ", pos_, " (type ", type,
                            ") is cut short by the end of the file: it declares ", total,
                            " bytes, ", remaining,
                            " remain; the incomplete block is dropped, input ends here"));
      return false;
    }
    const uint8_t* body = p + 8;
    const size_t body_length = total - 12;
    const size_t block_start = pos_;
    pos_ += total;

    switch (type) {
      case kBlockInterface:
        ParseInterface(body, body_length, block_start);
        continue;
      case kBlockSimplePacket:
        ++skips_.simple_packet_blocks;
        continue;
      case kBlockEnhancedPacket:
      case kBlockObsoletePacket: {
        if (body_length < 20) {
          ++skips_.malformed_blocks;
          continue;
        }
        const uint32_t interface_id = type == kBlockEnhancedPacket ? U32(body) : U16(body);
        if (interface_id >= interfaces_.size()) {
          ++skips_.unknown_interface;
          continue;
        }
        const Interface& iface = interfaces_[interface_id];
        const uint64_t ticks = (uint64_t{U32(body + 4)} << 32) | U32(body + 8);
        const uint32_t caplen = U32(body + 12);
        const size_t available = body_length - 20;
        packet->data = body + 20;
        packet->length = static_cast<uint32_t>(caplen < available ? caplen : available);
        packet->link_type = iface.link_type;
        packet->file_offset = block_start;
        StampPcapng(iface, ticks, packet);
        return true;
      }
      default:
        continue;  // statistics, name resolution, custom, ...: not packets
    }
  }
}

}  // namespace netflower
