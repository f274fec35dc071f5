// The command line of netflower: the option table that drives parsing, the
// mode checks, --help, the man page and the bash completion, and the
// CommandLine it parses into; also the C API's option names
// (netflower_options_set). The CLI (tools/netflower.cc) is a thin client
// of the library: every flag lands in the library's own options
// (netflower/options.h) and the library checks them (ValidateOptions); this
// file decides only what is the command line's: spelling, numbers, modes.
#ifndef NETFLOWER_NETFLOWER_COMMAND_LINE_H_
#define NETFLOWER_NETFLOWER_COMMAND_LINE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "netflower/netflower.h"

namespace netflower::cli {

// Which mode an option belongs to.
enum Modes : uint8_t { kFile = 1, kLive = 2, kBoth = 3 };

// The sections of --help and of the man page, in order.
enum Section : uint8_t {
  kInputOutput,
  kKafka,
  kIpfix,
  kFlowRules,
  kLiveCapture,
  kPerformance,
  kReporting
};

struct CommandLine {  // NOLINT(clang-analyzer-optin.performance.Padding): one, read once
  std::vector<std::string> pcaps;  // --pcap a b c
  std::string iface;               // --iface
  std::string out = "-";           // --out; "" with Kafka only
  bool out_given = false;
  FilesOutput files;                 // --out-dir, --parallel-files (several inputs)
  Options options;                   // what files and live capture share
  ConvertOptions convert;            // the file-only fields (gc_interval, buffer_rows)
  CaptureOptions capture;            // the live-only fields (ring, filter, save_pcap, count)
  bool active_timeout_none = false;  // --active-timeout none (files: no cap, the default)
  std::optional<double> duration;    // --duration (live)
  std::string user;                  // --user (live)
  std::string labels_path;           // --labels: an input too, never overwritten
  bool strict = false;
  bool quiet = false;
  std::optional<bool> progress;
  // --kafka and its companions, into options.kafka once the line is read.
  std::string kafka_brokers;
  KafkaOptions kafka;
  // --ipfix and its companions, into options.ipfix once the line is read.
  bool ipfix_given = false;
  IpfixOptions ipfix;

  bool live() const { return !iface.empty(); }
  // The run's whole options: the mode's own fields with the shared ones in
  // place (assigned as one Options, never field by field).
  ConvertOptions FileOptions() const;
  CaptureOptions LiveOptions() const;
};

// One option: its name, its value as --help shows it ("" for none; the
// option takes a value exactly when it has one), its section and text
// ({name} marks a default, filled in from the library), the modes it
// applies to, and what it does to the command line (an error message, or ""
// if fine).
struct Flag {  // NOLINT(clang-analyzer-optin.performance.Padding): a table, read once
  const char* name;
  const char* value;
  Section section;
  const char* help;  // null: described with the option before it
  Modes modes;
  std::string (*apply)(const std::string& value, CommandLine* cl);
  bool repeatable = false;  // may be given more than once (--kafka-opt)
  bool takes_value() const { return value[0] != '\0'; }
};

// The option table, in --help order within each section.
std::span<const Flag> Flags();

// Applies one option, by its name with or without the leading "--" and
// its value ("" for a flag without one), as the command line would: the C
// API's netflower_options_set. `seen` collects the flags given (for the
// repeat and mode checks).
absl::Status ApplyOption(std::string name, const std::string& value, CommandLine* cl,
                         std::vector<const Flag*>* seen);

// The checks that need the whole command line: Kafka's and IPFIX's companions, the
// flags of the other mode (`live`), a duration cap live, --out with
// --out-dir.
absl::Status FinishCommandLine(bool live, const std::vector<const Flag*>& seen, CommandLine* cl);

// Parses argv (without --help and --version, which main handles first).
// InvalidArgument with a message for the user: an unknown option, a bad
// value, an option of the other mode or given twice, a missing value.
absl::StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv);

// --help, the man page (roff, man(7)) and the bash completion script, all
// generated from the table.
std::string HelpText();
std::string ManPage();
std::string BashCompletion();

}  // namespace netflower::cli

#endif  // NETFLOWER_NETFLOWER_COMMAND_LINE_H_
