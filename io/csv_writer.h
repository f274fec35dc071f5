// Assembles CSV text (header, rows) into chunks of `buffer_rows` rows and
// hands them to a ChunkWriter.
#ifndef NETFLOWER_IO_CSV_WRITER_H_
#define NETFLOWER_IO_CSV_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "features/cic_columns.h"
#include "io/chunk_writer.h"
#include "io/csv_format.h"
#include "netflower/flow_record.h"

namespace netflower {

struct CsvDialect {
  bool crlf = false;                          // python: "\r\n"; default: "\n" (CSV only)
  bool header_always = true;                  // python: header only with the first row (CSV only)
  OutputFormat format = OutputFormat::kCsv;   // JSON Lines: no header, "\n" lines
  ColumnSet columns = ColumnSet::kNetflower;  // whose header (CIC rows: CicRowFormatter)
  ExtraColumns extras{};                      // after the netflower columns
};

// The dialect of profile P (features/profile.h) for the run's options.
template <class P>
CsvDialect CsvDialectOf(const Options& options) {
  return CsvDialect{P::kCrlf, P::kHeaderAlways, options.format, options.columns,
                    ExtraColumnsOf(options)};
}
// The plain dialect of profile P in `format` (tests, benchmarks).
template <class P>
constexpr CsvDialect CsvDialectOf(OutputFormat format = OutputFormat::kCsv) {
  return CsvDialect{P::kCrlf, P::kHeaderAlways, format, ColumnSet::kNetflower, {}};
}

// Formats `record` as one row of `dialect` into `out` (kMaxCsvRowBytes).
inline size_t FormatRow(const FlowRecord& record, const CsvDialect& dialect, char* out) {
  return dialect.format == OutputFormat::kJsonl
             ? FormatJsonRow(record, out, dialect.extras)
             : FormatCsvRow(record, dialect.crlf, out, dialect.extras);
}

class CsvWriter {
 public:
  // `buffer_rows` rows go into each chunk (>= 1; chunks are also cut at a
  // few MiB). `out` must outlive the writer.
  CsvWriter(ChunkWriter* out, CsvDialect dialect, size_t buffer_rows);

  // Appends one formatted row (line end included), the header first. After
  // a write error rows are dropped; status() tells. A row not `counted` (an
  // interim report) is written but not among rows() and rows_written().
  void AddRow(std::string_view row, bool counted = true);
  // Formats `record` in the writer's dialect and appends it.
  void Add(const FlowRecord& record);

  // Writes the header if the dialect wants one and none was written yet,
  // then everything pending, and waits for the writes. Returns the first
  // error of the whole run.
  absl::Status Finish();

  // Hands everything formatted so far to the writer now (live capture:
  // rows should not wait for a full batch), and takes note of completed
  // writes, so that status() shows a failed write without waiting for the
  // next one.
  void FlushPending();

  const absl::Status& status() const { return status_; }
  // Counted rows added (queued).
  uint64_t rows() const { return rows_; }
  // Rows the kernel has accepted whole (ChunkWriter::items_written). Any
  // thread.
  uint64_t rows_written() const { return out_->items_written(); }

 private:
  void AppendHeader();
  void Flush();

  ChunkWriter* const out_;
  const CsvDialect dialect_;
  const size_t buffer_rows_;
  std::string chunk_;
  std::vector<uint32_t> row_ends_;  // in chunk_, for rows_written()
  size_t rows_in_chunk_ = 0;
  uint64_t rows_ = 0;
  bool header_written_ = false;
  absl::Status status_;
};

}  // namespace netflower

#endif  // NETFLOWER_IO_CSV_WRITER_H_
