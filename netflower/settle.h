// The one place that checks a run's options and settles what they leave
// open (netflower.h's ValidateOptions are its public face): the same answer
// for the CLI, Python, the C API and C++ programs.
#ifndef NETFLOWER_NETFLOWER_SETTLE_H_
#define NETFLOWER_NETFLOWER_SETTLE_H_

#include "absl/status/statusor.h"
#include "netflower/options.h"
#include "pipeline/run_settings.h"

namespace netflower {

// Checks `options` and works out what they leave to the mode and the
// machine (RunSettings). InvalidArgument names the option and the rule.
absl::StatusOr<RunSettings> Settle(const ConvertOptions& options);
absl::StatusOr<RunSettings> Settle(const CaptureOptions& options);

// The worker count a jobs value resolves to on this machine: n >= 1 as is,
// -1 all CPUs, below -1 max(1, CPUs + n + 1); an error for 0.
absl::StatusOr<int> ResolveJobs(int jobs);

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_SETTLE_H_
