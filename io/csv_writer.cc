#include "io/csv_writer.h"

#include <algorithm>
#include <cstring>

#include "io/csv_format.h"

namespace netflower {

CsvWriter::CsvWriter(OutputFile* out, CsvDialect dialect, size_t buffer_rows)
    : out_(out), dialect_(dialect), buffer_rows_(std::max<size_t>(buffer_rows, 1)) {
  // Room for a full batch at the worst-case row size, capped: a batch that
  // does not fit is simply written in several pieces.
  buffer_.resize(std::min<size_t>(buffer_rows_ * kMaxCsvRowBytes, size_t{8} << 20) +
                 2 * kMaxCsvRowBytes);
}

void CsvWriter::Add(const FlowRecord& record) {
  if (!status_.ok()) return;
  if (!header_written_) {
    const std::string_view header = CsvHeader();
    std::memcpy(buffer_.data() + used_, header.data(), header.size());
    used_ += header.size();
    if (dialect_.crlf) buffer_[used_++] = '\r';
    buffer_[used_++] = '\n';
    header_written_ = true;
  }
  used_ += FormatCsvRow(record, dialect_.crlf, buffer_.data() + used_);
  ++rows_;
  ++rows_in_buffer_;
  if (rows_in_buffer_ >= buffer_rows_ || buffer_.size() - used_ < kMaxCsvRowBytes) Flush();
}

void CsvWriter::Flush() {
  if (used_ > 0 && status_.ok()) status_ = out_->Write(buffer_.data(), used_);
  used_ = 0;
  rows_in_buffer_ = 0;
}

absl::Status CsvWriter::Finish() {
  if (!header_written_ && dialect_.header_always && status_.ok()) {
    const std::string_view header = CsvHeader();
    std::memcpy(buffer_.data() + used_, header.data(), header.size());
    used_ += header.size();
    if (dialect_.crlf) buffer_[used_++] = '\r';
    buffer_[used_++] = '\n';
    header_written_ = true;
  }
  Flush();
  return status_;
}

}  // namespace netflower
