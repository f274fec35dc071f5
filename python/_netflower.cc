// The Python package's native half (`netflower._netflower`): the C++ library
// (netflower/netflower.h) behind pybind11. The public API, its argument
// names and docstrings are python/netflower/__init__.py's; this module only
// moves data and the GIL.
//
// GIL: every conversion and capture runs with the GIL released. Python code
// (on_flow, the consumers of iter_flows) runs on the thread that holds the
// GIL, with flows handed over in batches (kBatch), never per packet.
// Signals: a waiting caller wakes every 100 ms to run Python's signal
// handlers, so Ctrl-C cancels a conversion promptly (ConvertOptions::cancel;
// no partial file is left) and stops an iteration.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "features/column_docs.h"
#include "netflower/flow_record.h"
#include "netflower/netflower.h"
#include "tools/build_info.h"

namespace py = pybind11;

namespace netflower {
namespace {

constexpr size_t kBatch = 256;        // flows per hand-over to Python
constexpr size_t kQueueBatches = 16;  // batches an iteration buffers at most
constexpr auto kSignalPoll = std::chrono::milliseconds(100);

// Raises the Python exception for a failed status: FileNotFoundError,
// PermissionError, ValueError, KeyboardInterrupt (cancelled), else OSError.
[[noreturn]] void Raise(const absl::Status& status) {
  const std::string message(status.message());
  PyObject* type = PyExc_OSError;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      type = PyExc_FileNotFoundError;
      break;
    case absl::StatusCode::kPermissionDenied:
      type = PyExc_PermissionError;
      break;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      type = PyExc_ValueError;
      break;
    case absl::StatusCode::kCancelled:
      type = PyExc_KeyboardInterrupt;
      break;
    case absl::StatusCode::kUnavailable:  // Kafka: unreachable, or flows not delivered
      type = PyExc_ConnectionError;
      break;
    default:
      break;
  }
  PyErr_SetString(type, message.c_str());
  throw py::error_already_set();
}

Compat CompatFrom(const std::string& name) {
  if (name == "python") return Compat::kPython;
  if (name == "none") return Compat::kNone;
  throw py::value_error("compat must be \"python\" or \"none\", got \"" + name + "\"");
}

OutputFormat FormatFrom(const std::string& name) {
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "jsonl") return OutputFormat::kJsonl;
  throw py::value_error("format must be \"csv\" or \"jsonl\", got \"" + name + "\"");
}

ColumnSet ColumnsFrom(const std::string& name) {
  const std::optional<ColumnSet> set = ParseColumnSet(name);
  if (!set) {
    throw py::value_error("columns must be one of " + std::string(ColumnSetList()) + ", got \"" +
                          name + "\"");
  }
  return *set;
}

// netflower.Kafka as the Python layer passes it: a dict with brokers,
// topic, settings (str -> str), flush_timeout_seconds.
std::optional<KafkaOptions> KafkaFrom(py::handle v) {
  if (v.is_none()) return std::nullopt;
  const py::dict d = py::cast<py::dict>(v);
  KafkaOptions k;
  k.brokers = py::cast<std::string>(d["brokers"]);
  k.topic = py::cast<std::string>(d["topic"]);
  for (auto item : py::cast<py::dict>(d["settings"])) {
    k.settings.emplace_back(py::cast<std::string>(item.first), py::cast<std::string>(item.second));
  }
  k.flush_timeout_seconds = py::cast<double>(d["flush_timeout_seconds"]);
  return k;
}

// netflower.Ipfix as the Python layer passes it: a dict with collector,
// uniflow, pen, domain, mtu, template_interval, flush_timeout.
std::optional<IpfixOptions> IpfixFrom(py::handle v) {
  if (v.is_none()) return std::nullopt;
  const py::dict d = py::cast<py::dict>(v);
  IpfixOptions x;
  const std::string collector = py::cast<std::string>(d["collector"]);
  if (absl::Status s = ParseIpfixCollector(collector, &x); !s.ok()) {
    throw py::value_error("Ipfix collector \"" + collector + "\": " + std::string(s.message()));
  }
  x.uniflow = py::cast<bool>(d["uniflow"]);
  if (!d["pen"].is_none()) {
    const int64_t pen = py::cast<int64_t>(d["pen"]);
    if (pen < 1 || pen > UINT32_MAX) throw py::value_error("Ipfix pen: expected 1 to 4294967295");
    x.enterprise_number = static_cast<uint32_t>(pen);
  }
  const int64_t domain = py::cast<int64_t>(d["domain"]);
  if (domain < 0 || domain > UINT32_MAX) {
    throw py::value_error("Ipfix domain: expected 0 to 4294967295");
  }
  x.observation_domain = static_cast<uint32_t>(domain);
  const int64_t mtu = py::cast<int64_t>(d["mtu"]);
  x.mtu = static_cast<int>(std::clamp<int64_t>(mtu, 0, INT32_MAX));  // the library checks it
  x.template_interval_seconds = py::cast<double>(d["template_interval"]);
  x.flush_timeout_seconds = py::cast<double>(d["flush_timeout"]);
  return x;
}

template <class T>
std::optional<T> Optional(py::handle v) {
  if (v.is_none()) return std::nullopt;
  return py::cast<T>(v);
}

// The keys of Options (what conversions and captures share), named as the
// C++ API names them (the 1.0 names are mapped in __init__.py); None leaves
// an optional unset. Returns false for another key.
bool ApplySharedOption(const std::string& key, py::handle v, Options* o) {
  if (key == "idle_timeout") {
    o->idle_timeout = Optional<double>(v);
  } else if (key == "active_timeout") {
    o->active_timeout = Optional<double>(v);
  } else if (key == "jobs") {
    o->jobs = py::cast<int>(v);
  } else if (key == "compat") {
    o->compat = CompatFrom(py::cast<std::string>(v));
  } else if (key == "columns") {
    o->columns = ColumnsFrom(py::cast<std::string>(v));
  } else if (key == "label") {
    o->label = Optional<std::string>(v);
  } else if (key == "labels") {
    if (!v.is_none()) {
      absl::StatusOr<std::vector<LabelRule>> rules = ReadLabelRules(py::cast<std::string>(v));
      if (!rules.ok()) Raise(rules.status());
      o->label_rules = *std::move(rules);
    }
  } else if (key == "cic_fixes") {
    o->cic_fixes = py::cast<bool>(v);
  } else if (key == "format") {
    o->format = FormatFrom(py::cast<std::string>(v));
  } else if (key == "kafka") {
    o->kafka = KafkaFrom(v);
  } else if (key == "ipfix") {
    o->ipfix = IpfixFrom(v);
  } else if (key == "max_flows") {
    o->max_flows = Optional<uint64_t>(v);
  } else if (key == "export_reason") {
    o->export_reason = py::cast<bool>(v);
  } else if (key == "interim") {
    o->interim = Optional<double>(v);
  } else if (key == "splt") {
    o->splt = py::cast<int>(v);
  } else if (key == "tunnels") {
    if (v.is_none()) return true;
    const std::string t = py::cast<std::string>(v);
    if (t != "inner" && t != "outer") {
      throw py::value_error("tunnels must be \"inner\" or \"outer\", got \"" + t + "\"");
    }
    o->tunnels = t == "inner" ? Tunnels::kInner : Tunnels::kOuter;
  } else {
    return false;
  }
  return true;
}

// The conversion options the Python layer passes.
ConvertOptions ConvertOptionsFrom(const py::dict& kw) {
  ConvertOptions o;
  for (auto item : kw) {
    const std::string key = py::cast<std::string>(item.first);
    const py::handle v = item.second;
    if (ApplySharedOption(key, v, &o)) continue;
    if (key == "gc_interval") {
      o.gc_interval = Optional<int64_t>(v);
    } else if (key == "buffer_rows") {
      o.buffer_rows = py::cast<int64_t>(v);
    } else {
      throw py::type_error("unexpected option " + key);
    }
  }
  return o;
}

// The capture options capture_live passes.
CaptureOptions CaptureOptionsFrom(const py::dict& kw) {
  CaptureOptions o;
  for (auto item : kw) {
    const std::string key = py::cast<std::string>(item.first);
    const py::handle v = item.second;
    if (ApplySharedOption(key, v, &o)) continue;
    if (key == "save_pcap") {
      o.save_pcap = py::cast<bool>(v);
    } else if (key == "pcap_dir") {
      if (!v.is_none()) o.pcap_dir = py::cast<std::string>(v);
    } else if (key == "filter") {
      if (!v.is_none()) o.filter = py::cast<std::string>(v);
    } else if (key == "promiscuous") {
      o.promiscuous = py::cast<bool>(v);
    } else if (key == "csv_path") {
      if (!v.is_none()) o.csv_path = py::cast<std::string>(v);
    } else if (key == "packet_limit") {
      o.packet_limit = py::cast<uint64_t>(v);
    } else {
      throw py::type_error("unexpected option " + key);
    }
  }
  return o;
}

// A run's summary (netflower/stats.h) as a dict: what the CLI prints.
py::dict StatsDict(const RunStats& s) {
  py::dict skipped;
  for (int r = 0; r < static_cast<int>(SkipReason::kCount); ++r) {
    if (s.skipped[r] != 0) {
      skipped[py::str(std::string(SkipReasonName(static_cast<SkipReason>(r))))] = s.skipped[r];
    }
  }
  py::dict by_reason;
  by_reason["fin"] = s.flows_by_reason.fin;
  by_reason["rst"] = s.flows_by_reason.rst;
  by_reason["idle_timeout"] = s.flows_by_reason.idle_timeout;
  by_reason["active_timeout"] = s.flows_by_reason.active_timeout;
  by_reason["end_of_input"] = s.flows_by_reason.end_of_input;
  by_reason["evicted"] = s.flows_by_reason.evicted;
  py::dict d;
  d["packets_read"] = s.packets_read;
  d["packets_accepted"] = s.packets_accepted;
  d["late_packets"] = s.late_packets;
  d["packets_skipped"] = s.packets_skipped();
  d["skipped"] = skipped;
  d["flows_completed"] = s.flows_completed;
  d["flows_written"] = s.flows_written;
  d["csv_written_with"] = s.csv_written_with;
  d["flows_by_reason"] = by_reason;
  d["interim_rows"] = s.interim_rows;
  d["one_packet_flows"] = s.one_packet_flows;
  d["peak_open_flows"] = s.peak_open_flows;
  d["bytes_read"] = s.bytes_read;
  d["seconds"] = s.seconds;
  d["idle_timeout"] = s.idle_timeout;
  d["active_timeout"] = s.active_timeout ? py::object(py::float_(*s.active_timeout)) : py::none();
  d["jobs"] = s.jobs;
  d["input_ended_early"] = s.input_ended_early;
  d["warnings"] = s.warnings;
  d["kernel_received"] = s.kernel_received;
  d["kernel_drops"] = s.kernel_drops;
  d["callback_exceptions"] = s.callback_exceptions;
  d["pcap_files_written"] = s.pcap_files_written;
  d["pcap_write_errors"] = s.pcap_write_errors;
  py::dict kafka;
  kafka["produced"] = s.kafka.produced;
  kafka["delivered"] = s.kafka.delivered;
  kafka["interim_delivered"] = s.kafka.interim_delivered;
  kafka["failed"] = s.kafka.failed;
  kafka["undelivered"] = s.kafka.undelivered;
  kafka["resent"] = s.kafka.retries;
  kafka["first_error"] = s.kafka.first_error;
  d["kafka"] = kafka;
  py::dict ipfix;
  ipfix["flows_exported"] = s.ipfix.flows_exported;
  ipfix["records_exported"] = s.ipfix.records_exported;
  ipfix["records_dropped"] = s.ipfix.records_dropped;
  ipfix["messages_sent"] = s.ipfix.messages_sent;
  ipfix["messages_dropped"] = s.ipfix.messages_dropped;
  ipfix["send_errors"] = s.ipfix.send_errors;
  ipfix["connections"] = s.ipfix.connections;
  ipfix["first_error"] = s.ipfix.first_error;
  d["ipfix"] = ipfix;
  return d;
}

// One column of a record as a Python value: int, float (the CSV's text is
// its repr) or str.
py::object ColumnObject(const FlowRecord& r, size_t i) {
  const ColumnValue v = GetColumn(r, i);
  if (const auto* n = std::get_if<int64_t>(&v)) return py::int_(*n);
  if (const auto* d = std::get_if<double>(&v)) return py::float_(*d);
  return py::str(std::get<std::string>(v));
}

// The tunnel columns' values (features/columns.h): the kind's name ("" when
// none) and the id (None when the kind has none).
py::str TunnelTypeObject(const TunnelTag& t) {
  return py::str(std::string(TunnelKindName(t.kind)));
}
py::object TunnelIdObject(const TunnelTag& t) {
  return t.has_id ? py::object(py::int_(t.id)) : py::object(py::none());
}

// A SPLT column's value for one packet (kSpltColumnNames order), as the
// CSV writes it: the signed length, microseconds (truncated), the flags.
int64_t SpltValue(const SpltPacket& p, size_t which) {
  if (which == 0) return p.ip_length;
  if (which == 1) return p.iat_ns / 1000;
  return p.tcp_flags;
}

py::str ExportReasonObject(const FlowRecord& r) {
  return py::str(std::string(ExportReasonName(r.export_reason)));
}

// The record as a dict with the 82 keys in CSV order, then the `extras`
// (the tunnel columns, export_reason) in theirs.
py::dict RecordDict(const FlowRecord& r, const std::vector<py::str>& keys, ExtraColumns extras) {
  py::dict d;
  for (size_t i = 0; i < kColumnCount; ++i) d[keys[i]] = ColumnObject(r, i);
  if (extras.tunnel) {
    d[py::str(std::string(kTunnelColumnNames[0]))] = TunnelTypeObject(r.tunnel);
    d[py::str(std::string(kTunnelColumnNames[1]))] = TunnelIdObject(r.tunnel);
  }
  if (extras.splt) {
    for (size_t which = 0; which < std::size(kSpltColumnNames); ++which) {
      py::list values(r.splt.size());
      for (size_t k = 0; k < r.splt.size(); ++k) values[k] = py::int_(SpltValue(r.splt[k], which));
      d[py::str(std::string(kSpltColumnNames[which]))] = values;
    }
  }
  if (extras.export_reason) {
    d[py::str(std::string(kExportReasonColumnName))] = ExportReasonObject(r);
  }
  return d;
}

const std::vector<py::str>& Keys() {
  static const auto* keys = [] {
    auto* k = new std::vector<py::str>;
    for (const ColumnInfo& c : kColumns) k->emplace_back(std::string(c.name));
    return k;
  }();
  return *keys;
}

// Runs `work` on a new thread and waits for it with the GIL released, waking
// every 100 ms to run Python's signal handlers. A handler that raises
// (KeyboardInterrupt) sets `cancel`, the wait goes on until `work` returns,
// and the exception propagates.
template <class Work>
void RunReleased(Work work, std::atomic<bool>* cancel) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread worker([&] {
    work();
    std::lock_guard<std::mutex> lock(mu);
    done = true;
    cv.notify_all();
  });
  bool interrupted = false;
  for (;;) {
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(mu);
      if (cv.wait_for(lock, kSignalPoll, [&] { return done; })) break;
    }
    if (!interrupted && PyErr_CheckSignals() != 0) {
      interrupted = true;
      cancel->store(true);
    }
  }
  {
    py::gil_scoped_release release;
    worker.join();
  }
  if (interrupted) throw py::error_already_set();
}

// Returns (rows written, the run's summary).
py::tuple Convert(const std::string& input, const std::string& output, const py::dict& kw) {
  ConvertOptions options = ConvertOptionsFrom(kw);
  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  RunStats stats;
  options.stats = &stats;
  absl::StatusOr<uint64_t> result = absl::InternalError("not run");
  RunReleased([&] { result = ConvertPcapToCsv(input, output, options); }, &cancel);
  if (!result.ok()) Raise(result.status());
  return py::make_tuple(*result, StatsDict(stats));
}

// A conversion feeding Python in batches (iter_flows, read_flows): the
// conversion runs on its own thread into a bounded queue; Python takes
// batches. close() (or the end of the iteration) cancels the conversion.
class FlowStream {
 public:
  FlowStream(std::string input, const py::dict& kw) : options_(ConvertOptionsFrom(kw)) {
    if (IsCic(options_.columns)) {
      throw py::value_error(
          "iter_flows and read_flows give netflower-layout flows (columns netflower or "
          "netflower-tunnel); write a CIC layout with "
          "convert_pcap_to_csv(..., columns=...)");
    }
    if (absl::Status s = ValidateOptions(options_); !s.ok()) Raise(s);
    options_.cancel = &cancel_;
    thread_ = std::thread([this, input = std::move(input)] { Produce(input); });
  }
  ~FlowStream() {
    try {
      Close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  }

  // The next batch of records (empty at the end). Waits with the GIL
  // released; raises the conversion's error at the end, or the signal
  // handler's exception.
  std::vector<FlowRecord> NextRecords() {
    std::vector<FlowRecord> batch;
    for (;;) {
      {
        py::gil_scoped_release release;
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_for(lock, kSignalPoll, [&] { return !queue_.empty() || finished_; })) {
          if (!queue_.empty()) {
            batch = std::move(queue_.front());
            queue_.pop_front();
            cv_.notify_all();
            return batch;
          }
          break;  // finished, nothing left
        }
      }
      if (PyErr_CheckSignals() != 0) {
        Close();
        throw py::error_already_set();
      }
    }
    Close();
    if (!status_.ok()) Raise(status_);
    return batch;
  }

  py::list NextBatch() {
    py::list out;
    const ExtraColumns extras = ExtraColumnsOf(options_);
    for (const FlowRecord& r : NextRecords()) out.append(RecordDict(r, Keys(), extras));
    return out;
  }

  // Every remaining flow, column by column: int64 and float64 arrays,
  // addresses as lists of str. numpy is imported here.
  py::dict Columns() {
    std::vector<FlowRecord> all;
    for (;;) {
      std::vector<FlowRecord> batch = NextRecords();
      if (batch.empty()) break;
      all.insert(all.end(), batch.begin(), batch.end());
    }
    py::dict out;
    const size_t n = all.size();
    for (size_t i = 0; i < kColumnCount; ++i) {
      const std::string name(kColumns[i].name);
      switch (kColumns[i].type) {
        case ColumnType::kAddress: {
          py::list values(n);
          for (size_t k = 0; k < n; ++k) values[k] = ColumnObject(all[k], i);
          out[py::str(name)] = values;
          break;
        }
        case ColumnType::kFloat: {
          py::array_t<double> values(static_cast<py::ssize_t>(n));
          auto w = values.mutable_unchecked<1>();
          for (size_t k = 0; k < n; ++k) w(k) = std::get<double>(GetColumn(all[k], i));
          out[py::str(name)] = values;
          break;
        }
        case ColumnType::kInt:
        case ColumnType::kIntOrZero: {
          // An empty int-or-0.0 statistic is 0 here (the CSV writes 0.0).
          py::array_t<int64_t> values(static_cast<py::ssize_t>(n));
          auto w = values.mutable_unchecked<1>();
          for (size_t k = 0; k < n; ++k) {
            const ColumnValue v = GetColumn(all[k], i);
            w(k) = std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : 0;
          }
          out[py::str(name)] = values;
          break;
        }
      }
    }
    if (HasTunnelColumns(options_.columns)) {
      py::list types(n), ids(n);
      for (size_t k = 0; k < n; ++k) {
        types[k] = TunnelTypeObject(all[k].tunnel);
        ids[k] = TunnelIdObject(all[k].tunnel);
      }
      out[py::str(std::string(kTunnelColumnNames[0]))] = types;
      out[py::str(std::string(kTunnelColumnNames[1]))] = ids;
    }
    if (ExtraColumnsOf(options_).splt) {
      for (size_t which = 0; which < std::size(kSpltColumnNames); ++which) {
        py::list arrays(n);  // an int64 array a flow
        for (size_t k = 0; k < n; ++k) {
          const std::vector<SpltPacket>& packets = all[k].splt;
          py::array_t<int64_t> values(static_cast<py::ssize_t>(packets.size()));
          auto w = values.mutable_unchecked<1>();
          for (size_t j = 0; j < packets.size(); ++j) w(j) = SpltValue(packets[j], which);
          arrays[k] = values;
        }
        out[py::str(std::string(kSpltColumnNames[which]))] = arrays;
      }
    }
    if (ExtraColumnsOf(options_).export_reason) {
      py::list reasons(n);
      for (size_t k = 0; k < n; ++k) reasons[k] = ExportReasonObject(all[k]);
      out[py::str(std::string(kExportReasonColumnName))] = reasons;
    }
    return out;
  }

  void Close() {
    cancel_.store(true);
    {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
    if (thread_.joinable()) {
      if (PyGILState_Check()) {
        py::gil_scoped_release release;
        thread_.join();
      } else {
        thread_.join();
      }
    }
  }

  // The run's summary, complete once the stream has ended.
  py::dict Stats() const { return StatsDict(stats_); }

 private:
  void Produce(const std::string& input) {
    std::vector<FlowRecord> batch;
    auto push = [&](bool last) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return queue_.size() < kQueueBatches || cancel_.load(); });
      if (cancel_.load()) throw Cancelled();
      if (!batch.empty()) queue_.push_back(std::move(batch));
      batch.clear();
      cv_.notify_all();
      (void)last;
    };
    options_.stats = &stats_;
    absl::Status status;
    try {
      absl::StatusOr<uint64_t> rows = ConvertPcap(
          input,
          [&](const FlowRecord& r) {
            batch.push_back(r);
            if (batch.size() >= kBatch) push(false);
          },
          options_);
      status = rows.status();
      if (status.ok()) push(true);
    } catch (const Cancelled&) {
      status = absl::CancelledError("the iteration was closed");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancel_.load() || !status.ok()) status_ = status;
    if (status.code() == absl::StatusCode::kCancelled) status_ = absl::OkStatus();
    finished_ = true;
    cv_.notify_all();
  }

  struct Cancelled {};

  ConvertOptions options_;
  std::atomic<bool> cancel_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<FlowRecord>> queue_;
  bool finished_ = false;
  absl::Status status_;
  RunStats stats_;
  std::thread thread_;
};

// A live capture whose flows go to a Python callable, in batches, with the
// GIL taken once per batch: a batch goes when it is full or, from a flusher
// thread, within 50 ms of its first flow. An exception from the callable
// stops the capture (on a helper thread: the delivery thread cannot stop
// itself) and is raised again by stop().
class Capture {
 public:
  Capture(const std::string& interface, py::object on_flow, const py::dict& kw)
      : on_flow_(std::move(on_flow)) {
    const CaptureOptions o = CaptureOptionsFrom(kw);
    extras_ = ExtraColumnsOf(o);
    std::function<void(const FlowRecord&)> deliver;
    if (!on_flow_.is_none()) deliver = [this](const FlowRecord& r) { Deliver(r); };
    absl::StatusOr<std::unique_ptr<LiveCapture>> capture;
    {
      py::gil_scoped_release release;
      capture = CaptureLive(interface, deliver, o);
    }
    if (!capture.ok()) Raise(capture.status());
    capture_ = *std::move(capture);
  }

  ~Capture() {
    try {
      py::gil_scoped_release release;
      StopNative().IgnoreError();  // stop() reported it, if it was called
      if (stopper_.joinable()) stopper_.join();
      StopFlusher();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  }

  void Start() {
    absl::Status s = capture_->Start();
    if (!s.ok()) Raise(s);
    flusher_ = std::thread([this] { FlushLoop(); });
  }

  // Stops (idempotent), delivers the last flows, and raises what on_flow
  // raised, if anything (once). Called from inside on_flow (the delivery
  // thread, which the stop would wait for), it asks a helper thread to stop
  // the capture and returns.
  void Stop() {
    if (tls_in_on_flow) {
      std::lock_guard<std::mutex> lock(batch_mu_);
      if (!stopper_.joinable()) stopper_ = std::thread([this] { StopNative().IgnoreError(); });
      return;
    }
    absl::Status s;
    {
      py::gil_scoped_release release;
      s = StopNative();
      if (stopper_.joinable()) stopper_.join();
      StopFlusher();
      Flush();
    }
    if (error_) {
      py::error_already_set e = std::move(*error_);
      error_.reset();
      e.restore();
      throw py::error_already_set();
    }
    if (!s.ok()) Raise(s);
  }

  py::dict Stats() const { return StatsDict(capture_->stats()); }

  bool limit_reached() const { return capture_->limit_reached(); }

 private:
  absl::Status StopNative() {
    std::lock_guard<std::mutex> lock(stop_mu_);
    if (stopped_) return stop_status_;
    stopped_ = true;
    stop_status_ = capture_->Stop();
    return stop_status_;
  }

  // On the delivery thread (or the stopping one): collect; a full batch goes
  // to Python at once.
  void Deliver(const FlowRecord& r) {
    if (failed_.load()) return;
    bool full;
    {
      std::lock_guard<std::mutex> lock(batch_mu_);
      batch_.push_back(r);
      full = batch_.size() >= kBatch;
    }
    if (full) Flush();
  }

  // Hands what is collected to Python, in order (one caller at a time).
  // REQUIRES: the GIL not held by this thread.
  void Flush() {
    std::lock_guard<std::mutex> call(call_mu_);
    std::vector<FlowRecord> flows;
    {
      std::lock_guard<std::mutex> lock(batch_mu_);
      flows.swap(batch_);
    }
    if (!flows.empty() && !failed_.load()) CallPython(flows);
  }

  void FlushLoop() {
    std::unique_lock<std::mutex> lock(flusher_mu_);
    while (!flusher_stop_) {
      flusher_cv_.wait_for(lock, std::chrono::milliseconds(50));
      lock.unlock();
      Flush();
      lock.lock();
    }
  }

  void StopFlusher() {
    {
      std::lock_guard<std::mutex> lock(flusher_mu_);
      flusher_stop_ = true;
      flusher_cv_.notify_all();
    }
    if (flusher_.joinable()) flusher_.join();
  }

  void CallPython(const std::vector<FlowRecord>& flows) {
    py::gil_scoped_acquire gil;
    tls_in_on_flow = true;
    for (const FlowRecord& r : flows) {
      try {
        on_flow_(RecordDict(r, Keys(), extras_));
      } catch (py::error_already_set& e) {
        error_ = std::move(e);
        failed_.store(true);
        // The delivery thread cannot stop its own capture: a helper does.
        std::lock_guard<std::mutex> lock(batch_mu_);
        if (!stopper_.joinable()) stopper_ = std::thread([this] { StopNative().IgnoreError(); });
        break;
      }
    }
    tls_in_on_flow = false;
  }

  static thread_local bool tls_in_on_flow;

  py::object on_flow_;
  ExtraColumns extras_;  // what the dicts carry after the 82
  std::unique_ptr<LiveCapture> capture_;
  std::mutex call_mu_;  // one Flush at a time: on_flow sees flows in order
  std::mutex batch_mu_;
  std::vector<FlowRecord> batch_;
  std::atomic<bool> failed_{false};
  std::optional<py::error_already_set> error_;
  std::mutex stop_mu_;
  bool stopped_ = false;
  absl::Status stop_status_;
  std::thread stopper_;
  std::thread flusher_;
  std::mutex flusher_mu_;
  std::condition_variable flusher_cv_;
  bool flusher_stop_ = false;
};

thread_local bool Capture::tls_in_on_flow = false;

// (name, Python type, unit, meaning) of each column (features/column_docs.h).
py::list ColumnList() {
  py::list out;
  for (size_t i = 0; i < kColumnCount; ++i) {
    const ColumnInfo& c = kColumns[i];
    const char* type = "float";
    if (c.type == ColumnType::kAddress) type = "str";
    if (c.type == ColumnType::kInt) type = "int";
    if (c.type == ColumnType::kIntOrZero) type = "int|float";
    out.append(py::make_tuple(std::string(c.name), type, std::string(kColumnDocs[i].unit),
                              std::string(kColumnDocs[i].meaning)));
  }
  return out;
}

// The same for the netflower-tunnel set's two columns.
py::list TunnelColumnList() {
  py::list out;
  const char* const types[] = {"str", "int|None"};
  static_assert(std::size(types) == std::size(kTunnelColumnDocs));
  for (size_t i = 0; i < std::size(kTunnelColumnDocs); ++i) {
    const ColumnDoc& d = kTunnelColumnDocs[i];
    out.append(
        py::make_tuple(std::string(d.name), types[i], std::string(d.unit), std::string(d.meaning)));
  }
  return out;
}

}  // namespace
}  // namespace netflower

PYBIND11_MODULE(_netflower, m) {
  using namespace netflower;  // NOLINT: the module's own names
  m.doc() = "netflower's C++ engine; use the netflower package, not this module.";
  m.def("version", [] { return std::string(kVersion); });
  m.def("commit", [] { return std::string(kBuildCommit); });
  m.def("column_list", &ColumnList);
  m.def("tunnel_column_list", &TunnelColumnList);
  m.def("splt_column_list", [] {
    py::list out;
    for (const ColumnDoc& d : kSpltColumnDocs) {
      out.append(py::make_tuple(std::string(d.name), "list[int]", std::string(d.unit),
                                std::string(d.meaning)));
    }
    return out;
  });
  m.def("export_reason_column", [] {
    const ColumnDoc& d = kExportReasonColumnDoc;
    return py::make_tuple(std::string(d.name), "str", std::string(d.unit), std::string(d.meaning));
  });
  m.def("column_set_names", [] {
    std::vector<std::string> names;
    for (std::string_view n : kColumnSetNames) names.emplace_back(n);
    return names;
  });
  m.def("convert", &Convert, py::arg("input"), py::arg("output"), py::arg("options"));
  // Where ConvertFiles (and netflower.dask) writes an input, and the clean-up
  // of a killed conversion's temporary files: the library's rules, once.
  m.def(
      "output_path_for",
      [](const std::string& input, const std::string& out_dir, const std::string& format) {
        return OutputPathFor(input, out_dir, FormatFrom(format));
      },
      py::arg("input"), py::arg("out_dir"), py::arg("format"));
  m.def(
      "remove_abandoned_temporary_files",
      [](const std::string& output) {
        if (absl::Status s = RemoveAbandonedTemporaryFiles(output); !s.ok()) Raise(s);
      },
      py::arg("output"));
  py::class_<FlowStream>(m, "FlowStream")
      .def(py::init<std::string, const py::dict&>())
      .def("next_batch", &FlowStream::NextBatch)
      .def("columns", &FlowStream::Columns)
      .def("close", &FlowStream::Close)
      .def("stats", &FlowStream::Stats);
  py::class_<Capture>(m, "Capture")
      .def(py::init<const std::string&, py::object, const py::dict&>())
      .def("start", &Capture::Start)
      .def("stop", &Capture::Stop)
      .def("stats", &Capture::Stats)
      .def("limit_reached", &Capture::limit_reached);
}
