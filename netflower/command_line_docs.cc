// --help, the man page and the bash completion: text generated from the
// option table (command_line.cc) and the library's defaults, never written
// twice.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "netflower/command_line.h"

namespace netflower::cli {
namespace {

constexpr char kUsageHead[] = R"(usage: netflower --pcap FILE|- [--out FILE.csv|-] [options]
       netflower --pcap FILE|DIR [FILE ...] [--out FILE.csv|- | --out-dir DIR] [options]
       netflower --iface IF [--out FILE.csv|-] [options]
       netflower --pcap ...|--iface IF --kafka BROKERS --topic T [--out ...] [options]
       netflower --pcap ...|--iface IF --ipfix HOST:PORT[/udp|/tcp] [--out ...] [options]
       netflower --help | --version

Turns packets into bidirectional flows, one CSV row per flow with 82
CICFlowMeter-style columns, by the rules in docs/FLOW-RULES.md (or a CIC
dataset's layout, --columns): from a capture file (pcap or pcapng, detected
from its first bytes, not its name) or live from a
network interface (flows are written the moment they complete); also, or
only, to Kafka, one JSON message per flow (--kafka), and to an IPFIX
collector (--ipfix).
)";

constexpr char kUsageTail[] =
    R"(Numbers are decimal (seconds may have a fraction: 0.5); an option is given at
most once; options of the other mode (--ring-mb with --pcap, --strict live)
are errors.

Signals: SIGINT or SIGTERM during a file conversion stops it within 0.1 s: the
temporary file is removed, the summary printed, exit 128 + the signal; with
several files, the summary names the ones not converted.

Environment: NETFLOWER_IO_URING=0 writes the CSV with write(2) instead of
io_uring (which is also the fallback when io_uring is unavailable).

Exit status: 0 success; 1 the run could not finish (unreadable input, write
error, no permission to capture; from a file, no CSV is left under the output
name); 2 bad command line, missing interface or user, bad filter, unsafe or
missing --save-pcap folder (all checked before any output is created); 3
with --strict, the input was damaged (warnings name the byte offset); 4
the run finished but some flows did not reach Kafka (failed, or not
delivered within --kafka-flush-timeout) or the IPFIX collector (dropped;
the summary counts them; a CSV written alongside is complete); 130 / 143 interrupted by SIGINT / SIGTERM.
)";

// The sections of --help, in order.

constexpr const char* kSectionTitles[] = {
    "Input and output", "Kafka", "IPFIX", "Flow rules", "Live capture", "Performance", "Reporting"};

// "acks=all, enable.idempotence=true, ..." (KafkaDefaultSettings).
std::string KafkaDefaultsText() {
  std::string text;
  size_t n = 0;
  for (const auto& [key, value] : KafkaDefaultSettings()) {
    absl::StrAppend(&text, n == 0 ? "" : (n % 2 == 0 ? ",\n" : ", "), key, "=", value);
    ++n;
  }
  return text;
}

// The defaults the help names, from the library (one place per fact).
std::string FillDefaults(const std::string& text) {
  const CaptureOptions live;
  return absl::StrReplaceAll(
      text,
      {{"{idle_file}", absl::StrFormat("%g", kDefaultFileIdleTimeout)},
       {"{idle_live}", absl::StrFormat("%g", kDefaultLiveIdleTimeout)},
       {"{cap_live}", absl::StrFormat("%g", kDefaultLiveActiveTimeout)},
       {"{gc}", absl::StrCat(kDefaultGcInterval)},
       {"{jobs}", absl::StrCat(Options().jobs)},
       {"{buffer_rows}", absl::StrCat(ConvertOptions().buffer_rows)},
       {"{kafka_flush}", absl::StrFormat("%g s", KafkaOptions().flush_timeout_seconds)},
       {"{kafka_defaults}", KafkaDefaultsText()},
       {"{ipfix_port}", absl::StrCat(kIpfixDefaultPort)},
       {"{ipfix_mtu}", absl::StrCat(IpfixOptions().mtu)},
       {"{ipfix_templates}", absl::StrFormat("%g s", IpfixOptions().template_interval_seconds)},
       {"{ipfix_flush}", absl::StrFormat("%g s", IpfixOptions().flush_timeout_seconds)},
       {"{ipfix_buffer_mb}", absl::StrCat(kIpfixBufferBytes >> 20)},
       {"{ring_mb}",
        absl::StrCat((uint64_t{live.ring_block_size} * live.ring_block_count) >> 20)}});
}

// roff: backslashes doubled, a line starting with . or ' protected, minus
// signs of options as \-.
std::string Roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

}  // namespace

std::string HelpText() {
  std::string out = kUsageHead;
  for (int section = kInputOutput; section <= kReporting; ++section) {
    absl::StrAppend(&out, "\n", kSectionTitles[section], ":\n");
    for (const Flag& f : Flags()) {
      if (f.section != section || f.help == nullptr) continue;
      const std::string option = absl::StrCat(f.name, f.value);
      // An option too long for its column gets a line of its own.
      const std::string body =
          absl::StrReplaceAll(FillDefaults(f.help), {{"\n", "\n                         "}});
      if (option.size() > 22) {
        absl::StrAppendFormat(&out, "  %s\n%25s%s\n", option, "", body);
      } else {
        absl::StrAppendFormat(&out, "  %-22s %s\n", option, body);
      }
    }
  }
  absl::StrAppend(&out, "\n", kUsageTail);
  return out;
}

std::string ManPage() {
  std::string out = absl::StrCat(
      ".TH NETFLOWER 1 \"\" \"netflower ", kVersion,
      "\" \"User Commands\"\n.SH NAME\nnetflower \\- packets to bidirectional flows with "
      "CICFlowMeter\\-style features\n.SH SYNOPSIS\n.nf\n");
  const std::string head = kUsageHead;
  const size_t blank = head.find("\n\n");
  // The usage lines, without "usage: " and their alignment.
  std::string synopsis = head.substr(7, blank - 7);
  synopsis = absl::StrReplaceAll(synopsis, {{"\n       ", "\n"}});
  absl::StrAppend(&out, Roff(synopsis), "\n.fi\n.SH DESCRIPTION\n", Roff(head.substr(blank + 2)),
                  ".SH OPTIONS\n");
  for (int section = kInputOutput; section <= kReporting; ++section) {
    absl::StrAppend(&out, ".SS ", kSectionTitles[section], "\n");
    for (const Flag& f : Flags()) {
      if (f.section != section) continue;
      absl::StrAppend(&out, ".TP\n\\fB", Roff(f.name), "\\fR", Roff(f.value), "\n");
      if (f.help != nullptr) absl::StrAppend(&out, Roff(FillDefaults(f.help)), "\n");
    }
  }
  // The tail's paragraphs: "Title: text" ones become sections, the rest notes.
  const std::string tail = kUsageTail;
  for (size_t start = 0; start < tail.size();) {
    size_t end = tail.find("\n\n", start);
    if (end == std::string::npos) end = tail.size();
    const std::string part = tail.substr(start, end - start);
    start = end + 2;
    const size_t colon = part.find(": ");
    if (colon == std::string::npos || colon > 20 ||
        part.substr(0, colon).find('\n') != std::string::npos) {
      absl::StrAppend(&out, ".SH NOTES\n", Roff(part), "\n");
      continue;
    }
    std::string title = part.substr(0, colon);
    std::transform(title.begin(), title.end(), title.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    absl::StrAppend(&out, ".SH ", title, "\n", Roff(part.substr(colon + 2)), "\n");
  }
  absl::StrAppend(&out,
                  ".SH SEE ALSO\ntcpdump(1), tshark(1); the README and docs/ of netflower's "
                  "source (docs/FLOW-RULES.md: the rules every column follows).\n");
  return out;
}

std::string BashCompletion() {
  std::string flags;
  std::string cases;
  for (const Flag& f : Flags()) {
    absl::StrAppend(&flags, flags.empty() ? "" : " ", f.name);
    if (!f.takes_value()) continue;
    const std::string value = std::string(f.value).substr(1);  // without its ' ' or '='
    std::string words;
    if (std::string(f.name) == "--columns") {
      for (std::string_view name : kColumnSetNames) {
        absl::StrAppend(&words, words.empty() ? "" : " ", std::string(name));
      }
    } else if (value.find('|') != std::string::npos && value.find("FILE") == std::string::npos) {
      words = absl::StrReplaceAll(value, {{"|", " "}});
    }
    std::string action;
    if (!words.empty()) {
      action = absl::StrCat("COMPREPLY=($(compgen -W \"", words, "\" -- \"$cur\"))");
    } else if (value.find("FILE") != std::string::npos) {
      action = "COMPREPLY=($(compgen -f -- \"$cur\"))";
    } else if (value == "DIR") {
      action = "COMPREPLY=($(compgen -d -- \"$cur\"))";
    } else if (value == "IF") {
      action = "COMPREPLY=($(compgen -W \"$(ls /sys/class/net 2>/dev/null)\" -- \"$cur\"))";
    } else if (std::string(f.name) == "--user") {
      action = "COMPREPLY=($(compgen -u -- \"$cur\"))";
    } else {
      action = "COMPREPLY=()";
    }
    absl::StrAppend(&cases, "    ", f.name, ") ", action, "; return ;;\n");
  }
  return absl::StrCat(
      "# bash completion for netflower (generated from its option table)\n"
      "_netflower() {\n"
      "  local cur prev\n"
      "  cur=${COMP_WORDS[COMP_CWORD]}\n"
      "  prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      "  if [[ $cur == --*=* ]]; then prev=${cur%%=*}; cur=${cur#*=}; fi\n"
      "  case $prev in\n",
      cases,
      "  esac\n"
      "  if [[ $cur == -* ]]; then\n"
      "    COMPREPLY=($(compgen -W \"",
      flags,
      "\" -- \"$cur\"))\n"
      "  else\n"
      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
      "  fi\n"
      "}\n"
      "complete -F _netflower netflower\n");
}
}  // namespace netflower::cli
