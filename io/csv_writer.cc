#include "io/csv_writer.h"

#include <algorithm>

#include "io/csv_format.h"

namespace netflower {
namespace {
constexpr size_t kMaxChunkBytes = size_t{4} << 20;
}  // namespace

CsvWriter::CsvWriter(ChunkWriter* out, CsvDialect dialect, size_t buffer_rows)
    : out_(out), dialect_(dialect), buffer_rows_(std::max<size_t>(buffer_rows, 1)) {}

void CsvWriter::AppendHeader() {
  header_written_ = true;
  if (dialect_.format != OutputFormat::kCsv) return;  // JSON Lines has no header
  chunk_.append(IsCic(dialect_.columns) ? CicHeader(dialect_.columns) : CsvHeader(dialect_.extras));
  if (dialect_.crlf) chunk_.push_back('\r');
  chunk_.push_back('\n');
}

void CsvWriter::AddRow(std::string_view row, bool counted) {
  if (!status_.ok()) return;
  if (!header_written_) AppendHeader();  // (JSON Lines: marks it done, writes nothing)
  chunk_.append(row);
  // An uncounted row's bytes belong to no item: the chunk writer counts
  // only the rows that end somewhere.
  if (counted) {
    row_ends_.push_back(static_cast<uint32_t>(chunk_.size()));
    ++rows_;
  }
  if (++rows_in_chunk_ >= buffer_rows_ || chunk_.size() >= kMaxChunkBytes) Flush();
}

void CsvWriter::Add(const FlowRecord& record) {
  char row[kMaxCsvRowBytes];
  AddRow(std::string_view(row, FormatRow(record, dialect_, row)),
         record.export_reason != ExportReason::kInterim);
}

void CsvWriter::Flush() {
  if (!chunk_.empty() && status_.ok()) {
    status_ = out_->Write(std::move(chunk_), std::move(row_ends_));
  }
  row_ends_.clear();  // moved from, or the rows of a chunk dropped after an error
  chunk_ = out_->TakeSpare();
  chunk_.clear();
  rows_in_chunk_ = 0;
}

void CsvWriter::FlushPending() {
  if (rows_in_chunk_ > 0) Flush();
  if (status_.ok()) status_ = out_->Poll();
}

absl::Status CsvWriter::Finish() {
  if (!header_written_ && dialect_.header_always && status_.ok()) AppendHeader();  // (CSV)
  Flush();
  const absl::Status flushed = out_->Flush();
  if (status_.ok()) status_ = flushed;
  return status_;
}

}  // namespace netflower
