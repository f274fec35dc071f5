// Read-only view of a whole input file.
#ifndef NETFLOWER_CAPTURE_MAPPED_FILE_H_
#define NETFLOWER_CAPTURE_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace netflower {

// A regular file is mapped with mmap (no copy; the kernel's read-ahead streams
// it). Anything else that can be read (a pipe, /dev/stdin) is read into
// memory once, since the readers need random access within a record.
class MappedFile {
 public:
  // Fails with NotFound / PermissionDenied / InvalidArgument (a directory)
  // and a message naming the path and the cause.
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path);

  // An in-memory "file" (a copy of `bytes`), for fuzzing and tests.
  static std::unique_ptr<MappedFile> FromBytes(const uint8_t* bytes, size_t size,
                                               const std::string& name);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Tells the kernel the bytes before `offset` will not be read again, so
  // their pages stop counting towards this process's memory (they stay in
  // the page cache). Pointers into that range become invalid. No-op for
  // inputs read into memory.
  void ReleaseBefore(size_t offset);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;

  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;      // non-null when mmap'ed
  size_t released_ = 0;          // bytes before this are released
  std::vector<uint8_t> buffer_;  // used when the input is not a regular file
};

}  // namespace netflower

#endif  // NETFLOWER_CAPTURE_MAPPED_FILE_H_
