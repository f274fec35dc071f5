#include "netflower/file_set.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

bool HasCaptureExtension(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* ext : {".pcap", ".pcapng", ".cap", ".dmp"}) {
    const size_t n = std::strlen(ext);
    if (name.size() > n && name.compare(name.size() - n, n, ext) == 0) return true;
  }
  return false;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::Status WriteAll(int fd, const char* data, size_t n, const std::string& output_name) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("cannot write ", output_name, ": ", std::strerror(errno)));
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ExpandInputs(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    if (path == "-") {
      if (paths.size() > 1) {
        return absl::InvalidArgumentError(
            "--pcap -: standard input is one capture; it cannot be read with other inputs");
      }
      files.push_back(path);
      continue;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
    }
    if (!S_ISDIR(st.st_mode)) {
      files.push_back(path);
      continue;
    }
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot list ", path, ": ", std::strerror(errno)));
    }
    std::vector<std::string> found;
    while (const dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (!HasCaptureExtension(name)) continue;
      const std::string full = absl::StrCat(path, path.back() == '/' ? "" : "/", name);
      struct stat fs;
      if (::stat(full.c_str(), &fs) == 0 && S_ISREG(fs.st_mode)) found.push_back(full);
    }
    ::closedir(dir);
    if (found.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " holds no capture files (names ending .pcap, .pcapng, .cap or .dmp)"));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

absl::StatusOr<std::vector<std::string>> OutputsInDirectory(const std::vector<std::string>& inputs,
                                                            const std::string& dir,
                                                            std::string_view extension) {
  std::vector<std::string> outputs;
  std::set<std::string> seen;
  for (const std::string& input : inputs) {
    const std::string name = absl::StrCat(BaseName(input), std::string(extension));
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("two inputs would both write ", dir, "/", name, " (", input,
                       " and an earlier one): give them different file names, or use --out"));
    }
    outputs.push_back(absl::StrCat(dir, dir.back() == '/' ? "" : "/", name));
  }
  return outputs;
}

absl::StatusOr<std::string> FirstLine(const std::string& path) {
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    return absl::InternalError(absl::StrCat("cannot read back ", path, ": ", std::strerror(errno)));
  }
  std::string line;
  char c;
  for (;;) {
    const ssize_t n = ::read(in, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.push_back(c);
    if (c == '\n' || line.size() > (size_t{1} << 16)) break;
  }
  ::close(in);
  return line;
}

absl::Status AppendRows(const std::string& part, std::string_view header, int fd,
                        const std::string& output_name) {
  const int in = ::open(part.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    return absl::InternalError(absl::StrCat("cannot read back ", part, ": ", std::strerror(errno)));
  }
  std::string buffer(size_t{1} << 20, '\0');
  bool first_chunk = true;
  absl::Status status;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status =
          absl::InternalError(absl::StrCat("cannot read back ", part, ": ", std::strerror(errno)));
      break;
    }
    if (n == 0) break;
    size_t skip = 0;
    if (first_chunk && !header.empty() && static_cast<size_t>(n) >= header.size() &&
        std::string_view(buffer.data(), header.size()) == header) {
      skip = header.size();
    }
    first_chunk = false;
    status = WriteAll(fd, buffer.data() + skip, static_cast<size_t>(n) - skip, output_name);
    if (!status.ok()) break;
  }
  ::close(in);
  return status;
}

}  // namespace netflower
