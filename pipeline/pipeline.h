// The packet pipeline: a source thread reads and decodes packets and routes
// them, by a symmetric hash of the flow key, through lock-free SPSC queues
// to N flow-worker threads (pinned to CPUs when there are enough, see
// DefaultWorkerCpus); each worker runs a FlowEngine
// and formats its rows; the calling thread merges the workers' rows into the
// single-job order (FLOW-RULES §10.2) and hands them to a RowConsumer.
//
// Determinism: packets are numbered in input order; every worker sweeps
// after the same global packet numbers with the same time; rows carry their
// emitting event, and a row is merged only once every worker has published
// all rows up to that event. The output never depends on N.
#ifndef NETFLOWER_PIPELINE_PIPELINE_H_
#define NETFLOWER_PIPELINE_PIPELINE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "capture/capture_file.h"
#include "features/cic_columns.h"
#include "features/cic_labels.h"
#include "io/csv_format.h"
#include "io/ipfix_model.h"
#include "netflower/flow_record.h"
#include "netflower/options.h"
#include "netflower/stats.h"
#include "pipeline/run_settings.h"

namespace netflower {

// Receives the rows, in order, on the thread that called RunFilePipeline().
class RowConsumer {
 public:
  virtual ~RowConsumer() = default;
  // True: rows arrive as CSV text via OnRowText (formatted by the workers,
  // in parallel). False: as records via OnRecord, unless the consumer
  // wants messages or IPFIX (then only those: Kafka or IPFIX without a
  // file).
  virtual bool wants_text() const = 0;
  // One CSV row, line end included; `interim`: an interim report
  // (Options::interim), not a flow. (OnRecord's record says so itself.)
  virtual void OnRowText(std::string_view row, bool interim) {
    (void)row;
    (void)interim;
  }
  virtual void OnRecord(const FlowRecord& record) { (void)record; }
  // True: each row also arrives, before its text or record, as a JSON
  // object and its message key via OnMessage (Kafka; formatted by the
  // workers, in parallel).
  virtual bool wants_messages() const { return false; }
  virtual void OnMessage(std::string_view key, std::string_view message, bool interim) {
    (void)key;
    (void)message;
    (void)interim;
  }
  // Non-null: each row also arrives, before its text or record, as IPFIX
  // data records of this model via OnIpfix (encoded by the workers).
  virtual const IpfixModel* ipfix_model() const { return nullptr; }
  virtual void OnIpfix(std::string_view records) { (void)records; }
  // Whether rows arrive as records (OnRecord): when nothing else is wanted.
  bool wants_records() const {
    return !wants_text() && !wants_messages() && ipfix_model() == nullptr;
  }
  // Not OK once the consumer failed (disk full): the pipeline stops.
  virtual absl::Status status() const { return absl::OkStatus(); }
  // No row came for about 100 ms (a quiet pipe): pass on what is buffered.
  virtual void OnIdle() {}
};

// A file run: its settled options (RunSettings::options is `options`) and
// the seed of its flow hash.
struct PipelineConfig {
  const ConvertOptions* options = nullptr;  // gc_interval, format_threads, on_progress, cancel
  RunSettings run;
  uint64_t hash_seed = 0;
};

// Runs `reader` to its end through the pipeline. Counts into `stats`.
// Returns the consumer's error if it failed, Cancelled once config.cancel was
// set, an Internal error if a worker failed, else OK. Never hangs on a failure: every wait is
// interruptible.
// P, the profile, is the reader's: the timestamps it computes are the ones
// the engine expects (instantiated for PythonProfile and DefaultProfile).
template <class P>
absl::Status RunFilePipeline(CaptureFileReader<P>& reader, const PipelineConfig& config,
                             RowConsumer* consumer, RunStats* stats);

// The flow-table limit of a run with `jobs` workers: the one asked for (0: no
// limit), else DefaultMaxFlows(); never below one flow per worker (the
// default can be smaller on a tiny machine; an explicit smaller value is
// refused by the option checks).
uint64_t MaxFlowsFor(std::optional<uint64_t> requested, int jobs);

// The CPUs this process may run on (sched_getaffinity), ascending.
std::vector<int> AllowedCpus();

// InvalidArgument naming the first CPU of `cpus` this process may not run
// on, and the ones it may.
absl::Status CheckCpuList(const std::vector<int>& cpus);

// The CPUs the workers of a `jobs`-worker pipeline are pinned to when no CPU
// list is given: with at least jobs + 2 allowed CPUs, the 2nd to the
// (jobs + 1)-th (the first is left to the packet source, and one more to
// the merge and output); with fewer, none (empty: unpinned). Pinning a
// machine's every CPU only stops the scheduler from moving a worker off the
// CPU where the source or the merger wants to run: on 2 CPUs, 2 pinned
// workers converted mix.pcap in a median 0.56-0.61 s, unpinned in 0.49 s.
std::vector<int> DefaultWorkerCpus(int jobs, const std::vector<int>& allowed);

// Whether a `jobs`-worker pipeline on `cpus` allowed CPUs gives each worker
// a formatting thread (pipeline/row_formatter.h): when there are at least
// two CPUs a job. Formatting is about half a worker's time on flow-dense
// traffic, so a worker alone on 2 CPUs leaves one idle: many-flows.pcap
// (1.13 M flows), 1 job on 2 CPUs, medians of 5: 1.89 s without, 1.57 s
// with. With more workers than CPUs / 2 the threads only compete (2 jobs on
// 2 CPUs: 1.36 and 1.37 s) and each holds its blocks (up to ~20 MB a
// worker at the end flush).
bool UseRowFormatters(int jobs, size_t cpus);

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_PIPELINE_H_
