// What a run's public options settle into: the values that depend on the
// mode (file or live), the column set or the machine, worked out once by the
// library (netflower/settle.cc) when it checks the options. The pipelines
// read everything else from the options themselves, through `options`:
// nothing is copied field by field on the way in.
#ifndef NETFLOWER_PIPELINE_RUN_SETTINGS_H_
#define NETFLOWER_PIPELINE_RUN_SETTINGS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "netflower/options.h"

namespace netflower {

struct RunSettings {
  // The run's options; they outlive the run.
  const Options* options = nullptr;
  double idle_timeout_seconds = 120.0;
  // Files: none unless asked for; live: always (120 s unless asked); CIC:
  // the flow timeout, 120 s unless asked.
  std::optional<double> cap_seconds;
  // Flow workers: the options' jobs resolved on this machine (1 for a CIC
  // layout, whose end flush needs the whole table).
  int jobs = 1;
  // Open flows in all workers together (0: no limit): the options' limit or
  // the default for this machine, never below one a worker.
  uint64_t max_flows = 0;
  bool tunnels = true;  // tunnels opened (default profile, not outer)
  // Files: an idle sweep after every this many accepted packets.
  uint64_t gc_interval = static_cast<uint64_t>(kDefaultGcInterval);
  // The CIC Label column's text for flows no rule labels.
  std::string label;
};

}  // namespace netflower

#endif  // NETFLOWER_PIPELINE_RUN_SETTINGS_H_
