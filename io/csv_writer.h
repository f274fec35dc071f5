// Formats flow records into large buffers and writes them to an OutputFile.
#ifndef NETFLOWER_IO_CSV_WRITER_H_
#define NETFLOWER_IO_CSV_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "features/columns.h"
#include "io/output_file.h"

namespace netflower {

struct CsvDialect {
  bool crlf = false;          // python: "\r\n"; default: "\n"
  bool header_always = true;  // python: header only with the first row
};

class CsvWriter {
 public:
  // `buffer_rows` rows are formatted before each write (>= 1). `out` must
  // outlive the writer.
  CsvWriter(OutputFile* out, CsvDialect dialect, size_t buffer_rows);

  // Formats one row (the header first, before the first row). Write errors
  // are kept in status(); after one, rows are dropped.
  void Add(const FlowRecord& record);

  // Writes the header if the dialect wants one and none was written yet,
  // then everything buffered. Returns the first error of the whole run.
  absl::Status Finish();

  const absl::Status& status() const { return status_; }
  uint64_t rows() const { return rows_; }

 private:
  void Flush();

  OutputFile* const out_;
  const CsvDialect dialect_;
  const size_t buffer_rows_;
  std::vector<char> buffer_;
  size_t used_ = 0;
  size_t rows_in_buffer_ = 0;
  uint64_t rows_ = 0;
  bool header_written_ = false;
  absl::Status status_;
};

}  // namespace netflower

#endif  // NETFLOWER_IO_CSV_WRITER_H_
