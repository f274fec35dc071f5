// A main() for fuzz targets in ordinary (non-libFuzzer) builds: runs the
// target once on every file named on the command line or found in the
// folders named there. The test suite uses it to replay the seed corpus and
// every crash the fuzzers found.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int RunFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return 1;
}

int Run(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) return RunFile(path);
  int n = 0;
  DIR* dir = opendir(path.c_str());
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string file = path;
    file += "/";
    file += name;
    const int r = Run(file);
    if (r < 0) {
      closedir(dir);
      return r;
    }
    n += r;
  }
  closedir(dir);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int total = 0;
  for (int i = 1; i < argc; ++i) {
    const int n = Run(argv[i]);
    if (n < 0) return 1;
    total += n;
  }
  std::printf("replayed %d inputs without a failure\n", total);
  return total > 0 ? 0 : 1;
}
