// The Python package's arguments and results (python/_netflower.cc): the
// dicts python/netflower/__init__.py passes, turned into the library's
// options, a run's statistics turned into a dict, and a failed status into
// the Python exception that names its cause.
#ifndef NETFLOWER_PYTHON_PY_OPTIONS_H_
#define NETFLOWER_PYTHON_PY_OPTIONS_H_

#include <pybind11/pybind11.h>

#include <string>

#include "absl/status/status.h"
#include "netflower/netflower.h"

namespace netflower::python {

namespace py = pybind11;

// Raises the Python exception for a failed status: FileNotFoundError,
// PermissionError, ValueError, KeyboardInterrupt (cancelled),
// ConnectionError (unavailable), else OSError.
[[noreturn]] void Raise(const absl::Status& status);

// "csv" or "jsonl"; ValueError otherwise.
OutputFormat FormatFrom(const std::string& name);

// The conversion's and the capture's options from the keyword dict the
// Python layer passes (the C++ API's names); ValueError or TypeError for a
// bad value or an unknown key.
ConvertOptions ConvertOptionsFrom(const py::dict& kw);
CaptureOptions CaptureOptionsFrom(const py::dict& kw);

// A run's statistics as the dict stats and return_stats give.
py::dict StatsDict(const RunStats& s);

}  // namespace netflower::python

#endif  // NETFLOWER_PYTHON_PY_OPTIONS_H_
