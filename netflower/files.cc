// Several captures in one run (netflower.h, ConvertFiles): the rules the
// CLI's --pcap a b DIR, --out-dir and netflower.dask share.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "io/ipfix_exporter.h"
#include "io/output_file.h"
#include "netflower/convert_one.h"
#include "netflower/file_set.h"
#include "netflower/netflower.h"
#include "netflower/settle.h"
#include "pipeline/pipeline.h"

namespace netflower {
namespace {

size_t Cpus() { return std::max(1u, std::thread::hardware_concurrency()); }

// Files converted at once: as asked, else the CPUs / jobs (at least 1).
size_t ParallelFiles(const FilesOutput& output, int jobs, size_t files) {
  size_t n = output.parallel_files > 0 ? static_cast<size_t>(output.parallel_files) : 0;
  if (n == 0) n = std::max<size_t>(1, Cpus() / static_cast<size_t>(std::max(1, jobs)));
  return std::min(n, files);
}

// The identity of what `path` names ("-": the standard descriptor `std_fd`).
bool Identity(const std::string& path, int std_fd, std::pair<dev_t, ino_t>* id) {
  struct stat st;
  const bool ok = path == "-" ? ::fstat(std_fd, &st) == 0 : ::stat(path.c_str(), &st) == 0;
  if (!ok || !S_ISREG(st.st_mode)) return false;
  *id = {st.st_dev, st.st_ino};
  return true;
}

// No output may be one of the inputs: each input's identity once, then each
// output looked up (linear in the files, where comparing every pair was
// quadratic).
absl::Status RefuseOutputsThatAreInputs(const std::vector<std::string>& inputs,
                                        const std::vector<std::string>& outputs) {
  std::set<std::pair<dev_t, ino_t>> ids;
  for (const std::string& input : inputs) {
    std::pair<dev_t, ino_t> id;
    if (Identity(input, STDIN_FILENO, &id)) ids.insert(id);
  }
  for (const std::string& output : outputs) {
    std::pair<dev_t, ino_t> id;
    if (output.empty() || !Identity(output, STDOUT_FILENO, &id) || ids.count(id) == 0) continue;
    for (const std::string& input : inputs) {  // name it: the one error path
      if (absl::Status s = RefuseSameFile(input, output); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

// A private folder for part files: next to `out`, or in TMPDIR for "-".
absl::StatusOr<std::string> MakePartsFolder(const std::string& out) {
  std::string base = out == "-" ? "" : DirectoryOf(out);
  if (base.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::string tmpl = absl::StrCat(base, "/.netflower-parts.XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot create a folder for parts in ", base, ": ", std::strerror(errno)));
  }
  return tmpl;
}

// Converts every file, `parallel` at a time; stops starting new ones once
// cancelled (the ones running stop too: they share the cancel flag).
void ConvertAll(const ConvertOptions& options, std::vector<FileResult>* files,
                const std::vector<std::string>& writes, bool named, size_t parallel,
                IpfixExporter* ipfix) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k = next++; k < files->size(); k = next++) {
      FileResult& f = (*files)[k];
      if (options.cancel != nullptr && options.cancel->load()) {
        f.status = absl::CancelledError("the conversion was cancelled before it started");
        continue;
      }
      f.started = true;
      ConvertOptions one = options;
      one.stats = nullptr;
      one.on_progress = nullptr;
      // Files at once already share the CPUs out: each gets its own
      // formatting threads only if its share leaves room for them.
      if (!one.format_threads) {
        one.format_threads = UseRowFormatters(ResolveJobs(one.jobs).value_or(1), Cpus() / parallel);
      }
      f.status = ConvertOne(f.input, writes[k], one, named, &f.stats, ipfix).status();
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 0; t < parallel; ++t) threads.emplace_back(work);
  for (std::thread& t : threads) t.join();
}

// One `out` for several inputs: the converted parts, in input order, the
// header once.
absl::Status JoinParts(const std::string& out, const ConvertOptions& options,
                       const std::vector<FileResult>& files,
                       const std::vector<std::string>& parts) {
  std::unique_ptr<OutputFile> file;
  int fd = STDOUT_FILENO;
  const std::string name = out == "-" ? "standard output" : out;
  if (out != "-") {
    OutputFile::CreateOptions create;
    create.cancel = options.cancel;
    absl::StatusOr<std::unique_ptr<OutputFile>> created = OutputFile::Create(out, create);
    if (!created.ok()) return created.status();
    file = *std::move(created);
    fd = file->fd();
  }
  const bool csv = options.format == OutputFormat::kCsv;
  std::string header;
  for (size_t k = 0; k < files.size(); ++k) {
    if (!files[k].status.ok()) continue;
    if (csv && header.empty()) {
      absl::StatusOr<std::string> first = FirstLine(parts[k]);
      if (!first.ok()) return first.status();
      header = *first;
      if (absl::Status s = AppendRows(parts[k], "", fd, name); !s.ok()) return s;
      continue;
    }
    if (absl::Status s = AppendRows(parts[k], header, fd, name); !s.ok()) return s;
  }
  return file != nullptr ? file->Commit() : absl::OkStatus();
}

}  // namespace

std::string OutputPathFor(const std::string& input, const std::string& out_dir,
                          OutputFormat format) {
  return OutputsInDirectory({input}, out_dir, format == OutputFormat::kJsonl ? ".jsonl" : ".csv")
      .value_or(std::vector<std::string>{""})
      .front();
}

absl::Status RemoveAbandonedTemporaryFiles(const std::string& output) {
  return RemoveTemporaryFilesOf(output);
}

absl::StatusOr<FilesResult> ConvertFiles(const std::vector<std::string>& inputs,
                                         const FilesOutput& output, const ConvertOptions& options) {
  // Everything that can fail runs before anything is written.
  absl::StatusOr<RunSettings> run = Settle(options);
  if (!run.ok()) return run.status();
  if (!output.out_dir.empty() && !output.out.empty()) {
    return absl::InvalidArgumentError("give out or out_dir, not both");
  }
  if (output.out_dir.empty() && output.out.empty() && !options.kafka && !options.ipfix) {
    return absl::InvalidArgumentError("no output: name out, out_dir, Kafka, IPFIX, or several");
  }
  if (output.parallel_files < 0) {
    return absl::InvalidArgumentError("parallel_files must be >= 0 (0: the CPUs / jobs)");
  }
  absl::StatusOr<std::vector<std::string>> files = ExpandInputs(inputs);
  if (!files.ok()) return files.status();
  std::vector<std::string> outputs;  // where each file's rows end up
  OutputFile::CreateOptions check;
  if (!output.out_dir.empty()) {
    struct stat st;
    if (::stat(output.out_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return absl::NotFoundError(absl::StrCat("out_dir ", output.out_dir, ": not a directory"));
    }
    absl::StatusOr<std::vector<std::string>> named = OutputsInDirectory(
        *files, output.out_dir, options.format == OutputFormat::kJsonl ? ".jsonl" : ".csv");
    if (!named.ok()) return named.status();
    outputs = *std::move(named);
    check.named = false;
  } else {
    outputs.assign(files->size(), output.out);
  }
  if (absl::Status s = RefuseOutputsThatAreInputs(*files, outputs); !s.ok()) return s;
  for (const std::string& out : std::set<std::string>(outputs.begin(), outputs.end())) {
    if (out.empty()) continue;  // exports only
    if (absl::Status s = CheckOutputPath(out, check); !s.ok()) return s;
  }

  FilesResult result;
  for (size_t k = 0; k < files->size(); ++k) {
    FileResult f;
    f.input = (*files)[k];
    f.output = outputs[k];
    result.files.push_back(std::move(f));
  }
  // One IPFIX exporter for every file: one session for the collector.
  std::unique_ptr<IpfixExporter> ipfix;
  if (options.ipfix) {
    absl::StatusOr<std::unique_ptr<IpfixExporter>> opened = IpfixExporter::Open(
        *options.ipfix, HasTunnelColumns(options.columns), options.compat != Compat::kPython);
    if (!opened.ok()) return opened.status();
    ipfix = *std::move(opened);
    ipfix->set_cancel(options.cancel);
  }
  // With one `out` each file is written to a part first; otherwise
  // straight to its own output.
  const bool joined = output.out_dir.empty() && !output.out.empty();
  std::string parts_folder;
  std::vector<std::string> writes = outputs;
  if (joined) {
    absl::StatusOr<std::string> folder = MakePartsFolder(output.out);
    if (!folder.ok()) return folder.status();
    parts_folder = *folder;
    for (size_t k = 0; k < writes.size(); ++k) {
      writes[k] = absl::StrCat(parts_folder, "/", k, ".part");
    }
  }
  ConvertAll(options, &result.files, writes, /*named=*/output.out_dir.empty(),
             ParallelFiles(output, run->jobs, result.files.size()), ipfix.get());
  result.cancelled = options.cancel != nullptr && options.cancel->load();
  if (ipfix != nullptr) {
    result.ipfix_status = ipfix->Flush();
    result.ipfix = ipfix->counts();
  }
  if (joined) {
    if (!result.cancelled) result.joined = JoinParts(output.out, options, result.files, writes);
    for (const std::string& part : writes) ::unlink(part.c_str());
    ::rmdir(parts_folder.c_str());
    if (result.cancelled || !result.joined.ok()) {
      for (FileResult& f : result.files) f.stats.flows_written = 0;  // nothing reached `out`
    }
  }
  return result;
}

}  // namespace netflower
