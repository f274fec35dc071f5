#include "python/py_options.h"

#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace netflower::python {
namespace {

Compat CompatFrom(const std::string& name) {
  if (name == "python") return Compat::kPython;
  if (name == "none") return Compat::kNone;
  throw py::value_error("compat must be \"python\" or \"none\", got \"" + name + "\"");
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
  } else if (key == "dpi") {
    o->dpi = py::cast<bool>(v);
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

}  // namespace

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

OutputFormat FormatFrom(const std::string& name) {
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "jsonl") return OutputFormat::kJsonl;
  throw py::value_error("format must be \"csv\" or \"jsonl\", got \"" + name + "\"");
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

}  // namespace netflower::python
