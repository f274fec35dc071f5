// The C API (netflower_c.h) over the C++ one: handles own C++ objects, no
// exception crosses into C, options go through the command line's table.
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "netflower/command_line.h"
#include "netflower/netflower.h"
#include "netflower/netflower_c.h"

struct netflower_options {
  netflower::cli::CommandLine cl;
  std::vector<const netflower::cli::Flag*> seen;
};

struct netflower_flow {
  const netflower::FlowRecord* record;
};

struct netflower_capture {
  std::unique_ptr<netflower::LiveCapture> capture;
};

namespace {

using netflower::ConvertOptions;
using netflower::RunStats;

thread_local std::string g_last_error;

// The options of the command line that are not options of a run.
constexpr const char* kCommandLineOnly[] = {
    "pcap",     "iface",       "out",      "out-dir", "parallel-files", "strict", "quiet",
    "progress", "no-progress", "duration", "user",    "help",           "version"};

netflower_status Fail(const absl::Status& s) {
  g_last_error = std::string(s.message());
  switch (s.code()) {
    case absl::StatusCode::kOk:
      g_last_error.clear();
      return NETFLOWER_OK;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return NETFLOWER_ERR_INVALID_ARGUMENT;
    case absl::StatusCode::kNotFound:
      return NETFLOWER_ERR_NOT_FOUND;
    case absl::StatusCode::kPermissionDenied:
      return NETFLOWER_ERR_PERMISSION;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return NETFLOWER_ERR_FAILED_PRECONDITION;
    case absl::StatusCode::kResourceExhausted:
      return NETFLOWER_ERR_RESOURCE;
    case absl::StatusCode::kUnavailable:
      return NETFLOWER_ERR_UNAVAILABLE;
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kAborted:
      return NETFLOWER_ERR_CANCELLED;
    default:
      return NETFLOWER_ERR_INTERNAL;
  }
}

netflower_status Ok() { return Fail(absl::OkStatus()); }

// Runs `f` (returning a netflower_status) so that no exception leaves.
template <class F>
netflower_status Guard(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Fail(absl::ResourceExhaustedError("out of memory"));
  } catch (const std::exception& e) {
    return Fail(absl::InternalError(e.what()));
  } catch (...) {
    return Fail(absl::InternalError("an unknown exception"));
  }
}

// The run's options: the command line's for the mode, checked as the
// command line checks them.
template <class O>
absl::StatusOr<O> OptionsFor(const netflower_options* options, bool live) {
  netflower_options copy;
  if (options != nullptr) copy = *options;
  if (absl::Status s = netflower::cli::FinishCommandLine(live, copy.seen, &copy.cl); !s.ok()) {
    return s;
  }
  if constexpr (std::is_same_v<O, ConvertOptions>) {
    return copy.cl.FileOptions();
  } else {
    return copy.cl.LiveOptions();
  }
}

void FillStats(const RunStats& s, netflower_stats* out) {
  if (out == nullptr || out->size == 0) return;
  netflower_stats all{};
  all.size = out->size;
  all.packets_read = s.packets_read;
  all.packets_accepted = s.packets_accepted;
  all.packets_skipped = s.packets_skipped();
  all.flows_completed = s.flows_completed;
  all.flows_written = s.flows_written;
  all.flows_fin = s.flows_by_reason.fin;
  all.flows_rst = s.flows_by_reason.rst;
  all.flows_idle = s.flows_by_reason.idle_timeout;
  all.flows_active = s.flows_by_reason.active_timeout;
  all.flows_end = s.flows_by_reason.end_of_input;
  all.flows_evicted = s.flows_by_reason.evicted;
  all.peak_open_flows = s.peak_open_flows;
  all.warnings = s.warnings.size();
  all.kernel_received = s.kernel_received;
  all.kernel_drops = s.kernel_drops;
  all.kafka_delivered = s.kafka.delivered;
  all.kafka_failed = s.kafka.failed;
  all.kafka_undelivered = s.kafka.undelivered;
  all.seconds = s.seconds;
  all.ipfix_flows_exported = s.ipfix.flows_exported;
  all.ipfix_records_exported = s.ipfix.records_exported;
  all.ipfix_records_dropped = s.ipfix.records_dropped;
  all.interim_rows = s.interim_rows;
  std::memcpy(out, &all, std::min(out->size, sizeof(all)));
}

// Thrown out of on_flow when the C callback asks to stop.
struct StopRequested {};

}  // namespace

extern "C" {

const char* netflower_last_error(void) { return g_last_error.c_str(); }

const char* netflower_version(void) { return netflower::Version(); }

netflower_options* netflower_options_new(void) { return new (std::nothrow) netflower_options(); }

void netflower_options_free(netflower_options* options) { delete options; }

netflower_status netflower_options_set(netflower_options* options, const char* name,
                                       const char* value) {
  return Guard([&] {
    if (options == nullptr || name == nullptr) {
      return Fail(
          absl::InvalidArgumentError("netflower_options_set: options and name are required"));
    }
    std::string n = name;
    if (n.rfind("--", 0) == 0) n = n.substr(2);
    for (const char* only : kCommandLineOnly) {
      if (n == only) {
        return Fail(absl::InvalidArgumentError(
            absl::StrCat("'", n,
                         "' is the command line's, not an option of a run: pass the input and "
                         "output to the function")));
      }
    }
    return Fail(netflower::cli::ApplyOption(n, value != nullptr ? value : "", &options->cl,
                                            &options->seen));
  });
}

size_t netflower_column_count(void) { return netflower::kColumnCount; }

const char* netflower_column_name(size_t column) {
  // The names are string_views into string literals: NUL-terminated.
  return column < netflower::kColumnCount ? netflower::kColumns[column].name.data() : nullptr;
}

int netflower_column_index(const char* name) {
  if (name == nullptr) return -1;
  const std::optional<size_t> i = netflower::ColumnIndex(name);
  return i ? static_cast<int>(*i) : -1;
}

netflower_status netflower_flow_get(const netflower_flow* flow, size_t column,
                                    netflower_value* value) {
  if (flow == nullptr || value == nullptr || column >= netflower::kColumnCount) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "netflower_flow_get: no column ", column, " (there are ", netflower::kColumnCount, ")")));
  }
  const netflower::ColumnValue v = netflower::GetColumn(*flow->record, column);
  *value = netflower_value{};
  if (const int64_t* i = std::get_if<int64_t>(&v)) {
    value->type = NETFLOWER_INT;
    value->i = *i;
  } else if (const double* f = std::get_if<double>(&v)) {
    value->type = NETFLOWER_FLOAT;
    value->f = *f;
  } else {
    const std::string& text = std::get<std::string>(v);
    value->type = NETFLOWER_TEXT;
    std::memcpy(value->text, text.data(), std::min(text.size(), sizeof(value->text) - 1));
  }
  return Ok();
}

netflower_status netflower_flow_get_by_name(const netflower_flow* flow, const char* name,
                                            netflower_value* value) {
  const int column = netflower_column_index(name);
  if (column < 0) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("no column named '", name != nullptr ? name : "(null)", "'")));
  }
  return netflower_flow_get(flow, static_cast<size_t>(column), value);
}

const char* netflower_flow_export_reason(const netflower_flow* flow) {
  if (flow == nullptr) return "";
  // The names are string_views of literals: NUL-terminated.
  return netflower::ExportReasonName(flow->record->export_reason).data();
}

size_t netflower_flow_splt(const netflower_flow* flow, netflower_splt_packet* out, size_t max) {
  if (flow == nullptr) return 0;
  const std::vector<netflower::SpltPacket>& packets = flow->record->splt;
  for (size_t i = 0; i < packets.size() && i < max && out != nullptr; ++i) {
    out[i] =
        netflower_splt_packet{packets[i].ip_length, packets[i].tcp_flags, packets[i].iat_ns / 1000};
  }
  return packets.size();
}

const char* netflower_flow_dpi(const netflower_flow* flow, const char* column) {
  if (column == nullptr) return nullptr;
  for (size_t i = 0; i < std::size(netflower::kDpiColumnNames); ++i) {
    if (netflower::kDpiColumnNames[i] != column) continue;
    if (flow == nullptr || flow->record->app == nullptr) return "";
    return flow->record->app->value(i).c_str();
  }
  return nullptr;
}

netflower_status netflower_convert_file(const char* input, const char* output,
                                        const netflower_options* options, netflower_stats* stats) {
  return Guard([&] {
    if (input == nullptr) return Fail(absl::InvalidArgumentError("no input"));
    absl::StatusOr<ConvertOptions> o = OptionsFor<ConvertOptions>(options, /*live=*/false);
    if (!o.ok()) return Fail(o.status());
    RunStats s;
    o->stats = &s;
    const absl::StatusOr<uint64_t> rows =
        netflower::ConvertPcapToCsv(input, output != nullptr ? output : "", *o);
    FillStats(s, stats);
    return Fail(rows.status());
  });
}

netflower_status netflower_convert(const char* input, netflower_flow_fn on_flow, void* user,
                                   const netflower_options* options, netflower_stats* stats) {
  return Guard([&] {
    if (input == nullptr || on_flow == nullptr) {
      return Fail(absl::InvalidArgumentError("netflower_convert: input and on_flow are required"));
    }
    absl::StatusOr<ConvertOptions> o = OptionsFor<ConvertOptions>(options, /*live=*/false);
    if (!o.ok()) return Fail(o.status());
    RunStats s;
    o->stats = &s;
    absl::StatusOr<uint64_t> flows;
    try {
      flows = netflower::ConvertPcap(
          input,
          [&](const netflower::FlowRecord& r) {
            const netflower_flow flow{&r};
            if (on_flow(&flow, user) != 0) throw StopRequested{};
          },
          *o);
    } catch (const StopRequested&) {
      flows = absl::CancelledError("the callback asked to stop");
    }
    FillStats(s, stats);
    return Fail(flows.status());
  });
}

netflower_status netflower_capture_open(netflower_capture** capture, const char* interface,
                                        const char* output, netflower_flow_fn on_flow, void* user,
                                        const netflower_options* options) {
  return Guard([&] {
    if (capture == nullptr || interface == nullptr) {
      return Fail(
          absl::InvalidArgumentError("netflower_capture_open: capture and interface are required"));
    }
    *capture = nullptr;
    absl::StatusOr<netflower::CaptureOptions> o =
        OptionsFor<netflower::CaptureOptions>(options, /*live=*/true);
    if (!o.ok()) return Fail(o.status());
    o->csv_path = output != nullptr ? output : "";
    std::function<void(const netflower::FlowRecord&)> deliver;
    if (on_flow != nullptr) {
      deliver = [on_flow, user](const netflower::FlowRecord& r) {
        const netflower_flow flow{&r};
        if (on_flow(&flow, user) != 0) throw StopRequested{};  // counted by the capture
      };
    }
    absl::StatusOr<std::unique_ptr<netflower::LiveCapture>> live =
        netflower::CaptureLive(interface, std::move(deliver), *o);
    if (!live.ok()) return Fail(live.status());
    *capture = new netflower_capture{*std::move(live)};
    return Ok();
  });
}

netflower_status netflower_capture_start(netflower_capture* capture) {
  return Guard([&] {
    if (capture == nullptr) return Fail(absl::InvalidArgumentError("no capture"));
    return Fail(capture->capture->Start());
  });
}

netflower_status netflower_capture_stop(netflower_capture* capture) {
  return Guard([&] {
    if (capture == nullptr) return Fail(absl::InvalidArgumentError("no capture"));
    return Fail(capture->capture->Stop());
  });
}

netflower_status netflower_capture_stats(const netflower_capture* capture, netflower_stats* stats) {
  return Guard([&] {
    if (capture == nullptr) return Fail(absl::InvalidArgumentError("no capture"));
    FillStats(capture->capture->stats(), stats);
    return Ok();
  });
}

void netflower_capture_free(netflower_capture* capture) {
  if (capture == nullptr) return;
  try {
    (void)capture->capture->Stop();
  } catch (...) {  // nothing may leave into C
  }
  delete capture;
}

}  // extern "C"
