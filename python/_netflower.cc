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
#include "python/py_options.h"
#include "tools/build_info.h"

namespace py = pybind11;

namespace netflower {
namespace {

using python::CaptureOptionsFrom;
using python::ConvertOptionsFrom;
using python::FormatFrom;
using python::Raise;
using python::StatsDict;

constexpr size_t kBatch = 256;        // flows per hand-over to Python
constexpr size_t kQueueBatches = 16;  // batches an iteration buffers at most
constexpr auto kSignalPoll = std::chrono::milliseconds(100);

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

// A DPI column's value (kDpiColumnNames order): "" without labels.
py::str DpiObject(const FlowRecord& r, size_t which) {
  return py::str(r.app == nullptr ? std::string() : r.app->value(which));
}

py::str ExportReasonObject(const FlowRecord& r) {
  return py::str(std::string(ExportReasonName(r.export_reason)));
}

// The record as a dict with the 82 keys in CSV order, then the `extras`
// (the tunnel columns, DPI labels, SPLT lists, export_reason) in theirs.
py::dict RecordDict(const FlowRecord& r, const std::vector<py::str>& keys, ExtraColumns extras) {
  py::dict d;
  for (size_t i = 0; i < kColumnCount; ++i) d[keys[i]] = ColumnObject(r, i);
  if (extras.tunnel) {
    d[py::str(std::string(kTunnelColumnNames[0]))] = TunnelTypeObject(r.tunnel);
    d[py::str(std::string(kTunnelColumnNames[1]))] = TunnelIdObject(r.tunnel);
  }
  if (extras.dpi) {
    for (size_t which = 0; which < std::size(kDpiColumnNames); ++which) {
      d[py::str(std::string(kDpiColumnNames[which]))] = DpiObject(r, which);
    }
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
    if (ExtraColumnsOf(options_).dpi) {
      for (size_t which = 0; which < std::size(kDpiColumnNames); ++which) {
        py::list values(n);
        for (size_t k = 0; k < n; ++k) values[k] = DpiObject(all[k], which);
        out[py::str(std::string(kDpiColumnNames[which]))] = values;
      }
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
  m.def("dpi_column_list", [] {
    py::list out;
    for (const ColumnDoc& d : kDpiColumnDocs) {
      out.append(
          py::make_tuple(std::string(d.name), "str", std::string(d.unit), std::string(d.meaning)));
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
