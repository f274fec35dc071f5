// The command line's option table (netflower/command_line.h): every flag parses
// into the library option it names and refuses a bad value; the command
// line's own rules (modes, repeats, values that are options) refuse what they
// should. A flag added to the table without a case here fails
// EveryFlagHasACase.
#include "netflower/command_line.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace netflower::cli {
namespace {

absl::StatusOr<CommandLine> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "netflower");
  std::vector<const char*> argv;
  argv.reserve(args.size());
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

std::string TempFile(const std::string& name, const std::string& text) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << text;
  return path;
}

struct Case {
  std::vector<std::string> good;  // a command line using the flag
  std::function<bool(const CommandLine&)> holds;
  std::vector<std::string> bad;  // the flag with a value it refuses ({} if none can be bad)
};

std::map<std::string, Case> Cases() {
  const std::string rules =
      TempFile("rules.csv", "src,dst,src_port,dst_port,protocol,start,end,label\n*,*,*,*,*,,,x\n");
  const std::string cpus = std::to_string(std::max(1u, std::thread::hardware_concurrency()) + 1);
  return {
      {"--pcap",
       {{"--pcap", "a.pcap", "b.pcap"},
        [](const CommandLine& c) {
          return c.pcaps == std::vector<std::string>{"a.pcap", "b.pcap"};
        },
        {"--pcap="}}},
      {"--iface",
       {{"--iface", "lo"}, [](const CommandLine& c) { return c.iface == "lo"; }, {"--iface="}}},
      {"--out",
       {{"--pcap", "a", "--out", "x.csv"},
        [](const CommandLine& c) { return c.out == "x.csv" && c.out_given; },
        {"--pcap", "a", "--out="}}},
      {"--out-dir",
       {{"--pcap", "a", "--out-dir", "d"},
        [](const CommandLine& c) { return c.files.out_dir == "d"; },
        {"--pcap", "a", "--out-dir", "d", "--out", "x"}}},
      {"--parallel-files",
       {{"--pcap", "a", "--parallel-files", "3"},
        [](const CommandLine& c) { return c.files.parallel_files == 3; },
        {"--pcap", "a", "--parallel-files", "0"}}},
      {"--format",
       {{"--pcap", "a", "--format", "jsonl"},
        [](const CommandLine& c) { return c.options.format == OutputFormat::kJsonl; },
        {"--pcap", "a", "--format", "xml"}}},
      {"--columns",
       {{"--pcap", "a", "--columns", "cic-ids2017"},
        [](const CommandLine& c) { return c.options.columns == ColumnSet::kCicIds2017; },
        {"--pcap", "a", "--columns", "cic"}}},
      {"--label",
       {{"--pcap", "a", "--label", "Bot"},
        [](const CommandLine& c) { return c.options.label == "Bot"; },
        {}}},  // the label's rule is the library's (settle_test, trust_test)
      {"--labels",
       {{"--pcap", "a", "--labels", rules},
        [rules](const CommandLine& c) {
          return c.options.label_rules.size() == 1 && c.labels_path == rules;
        },
        {"--pcap", "a", "--labels", "/nonexistent/rules.csv"}}},
      {"--cic-fixes",
       {{"--pcap", "a", "--cic-fixes"},
        [](const CommandLine& c) { return c.options.cic_fixes; },
        {"--pcap", "a", "--cic-fixes=yes"}}},
      {"--export-reason",
       {{"--pcap", "a", "--export-reason"},
        [](const CommandLine& c) { return c.options.export_reason && !c.options.interim; },
        {"--pcap", "a", "--export-reason=yes"}}},
      {"--dpi",
       {{"--pcap", "a", "--dpi"},
        [](const CommandLine& c) { return c.options.dpi && ExtraColumnsOf(c.options).dpi; },
        {"--pcap", "a", "--dpi=yes"}}},
      {"--splt",
       {{"--pcap", "a", "--splt", "32"},
        [](const CommandLine& c) { return c.options.splt == 32 && ExtraColumnsOf(c.options).splt; },
        {"--pcap", "a", "--splt", "256"}}},
      {"--interim",
       {{"--pcap", "a", "--interim", "2.5"},
        [](const CommandLine& c) {
          return c.options.interim == 2.5 && ExtraColumnsOf(c.options).export_reason;
        },
        {"--pcap", "a", "--interim", "0"}}},
      {"--kafka",
       {{"--pcap", "a", "--kafka", "k:9092", "--topic", "t"},
        [](const CommandLine& c) {
          return c.options.kafka && c.options.kafka->brokers == "k:9092" && c.out.empty();
        },
        {"--pcap", "a", "--kafka", "k:9092"}}},
      {"--topic",
       {{"--pcap", "a", "--kafka", "k:1", "--topic", "flows"},
        [](const CommandLine& c) { return c.options.kafka->topic == "flows"; },
        {"--pcap", "a", "--topic", "flows"}}},
      {"--kafka-opt",
       {{"--pcap", "a", "--kafka", "k:1", "--topic", "t", "--kafka-opt", "acks=1", "--kafka-opt",
         "linger.ms=5"},
        [](const CommandLine& c) { return c.options.kafka->settings.size() == 2; },
        {"--pcap", "a", "--kafka", "k:1", "--topic", "t", "--kafka-opt", "acks"}}},
      {"--kafka-flush-timeout",
       {{"--pcap", "a", "--kafka", "k:1", "--topic", "t", "--kafka-flush-timeout", "2.5"},
        [](const CommandLine& c) { return c.options.kafka->flush_timeout_seconds == 2.5; },
        {"--pcap", "a", "--kafka", "k:1", "--topic", "t", "--kafka-flush-timeout", "1e3"}}},
      {"--ipfix",
       {{"--pcap", "a", "--ipfix", "[::1]:9995/tcp"},
        [](const CommandLine& c) {
          return c.options.ipfix && c.options.ipfix->host == "::1" &&
                 c.options.ipfix->port == 9995 &&
                 c.options.ipfix->transport == IpfixTransport::kTcp && c.out.empty();
        },
        {"--pcap", "a", "--ipfix", "127.0.0.1"}}},
      {"--ipfix-uniflow",
       {{"--pcap", "a", "--ipfix", "h:1", "--ipfix-uniflow"},
        [](const CommandLine& c) { return c.options.ipfix->uniflow; },
        {"--pcap", "a", "--ipfix-uniflow"}}},  // needs --ipfix
      {"--ipfix-pen",
       {{"--pcap", "a", "--ipfix", "h:1", "--ipfix-pen", "32473"},
        [](const CommandLine& c) { return c.options.ipfix->enterprise_number == 32473u; },
        {"--pcap", "a", "--ipfix", "h:1", "--ipfix-pen", "0"}}},
      {"--ipfix-domain",
       {{"--pcap", "a", "--ipfix", "h:1", "--ipfix-domain", "7"},
        [](const CommandLine& c) { return c.options.ipfix->observation_domain == 7u; },
        {"--pcap", "a", "--ipfix", "h:1", "--ipfix-domain", "-1"}}},
      {"--ipfix-mtu",
       {{"--pcap", "a", "--ipfix", "h:1", "--ipfix-mtu", "9000"},
        [](const CommandLine& c) { return c.options.ipfix->mtu == 9000; },
        {"--pcap", "a", "--ipfix", "h:1", "--ipfix-mtu", "70000"}}},
      {"--ipfix-template-interval",
       {{"--pcap", "a", "--ipfix", "h:1", "--ipfix-template-interval", "0"},
        [](const CommandLine& c) { return c.options.ipfix->template_interval_seconds == 0; },
        {"--pcap", "a", "--ipfix", "h:1", "--ipfix-template-interval", "1e3"}}},
      {"--ipfix-flush-timeout",
       {{"--pcap", "a", "--ipfix", "h:1", "--ipfix-flush-timeout", "0.5"},
        [](const CommandLine& c) { return c.options.ipfix->flush_timeout_seconds == 0.5; },
        {"--pcap", "a", "--ipfix", "h:1", "--ipfix-flush-timeout", "-1"}}},
      {"--tunnels",
       {{"--pcap", "a", "--tunnels=outer"},
        [](const CommandLine& c) { return c.options.tunnels == Tunnels::kOuter; },
        {"--pcap", "a", "--tunnels=middle"}}},
      {"--compat",
       {{"--pcap", "a", "--compat=python"},
        [](const CommandLine& c) { return c.FileOptions().compat == Compat::kPython; },
        {"--pcap", "a", "--compat=perl"}}},
      {"--idle-timeout",
       {{"--pcap", "a", "--idle-timeout", "0.5"},
        [](const CommandLine& c) { return c.options.idle_timeout == 0.5; },
        {"--pcap", "a", "--idle-timeout", "-1"}}},
      {"--active-timeout",
       {{"--pcap", "a", "--active-timeout", "none"},
        [](const CommandLine& c) { return !c.options.active_timeout && c.active_timeout_none; },
        {"--iface", "lo", "--active-timeout", "none"}}},
      {"--gc-interval",
       {{"--pcap", "a", "--gc-interval", "10"},
        [](const CommandLine& c) { return c.FileOptions().gc_interval == 10; },
        {"--pcap", "a", "--gc-interval", "0"}}},
      {"--max-flows",
       {{"--pcap", "a", "--max-flows", "none"},
        [](const CommandLine& c) { return c.options.max_flows == 0u; },
        {"--pcap", "a", "--max-flows", "-0"}}},
      {"--jobs",
       {{"--pcap", "a", "--jobs", "-1"},
        [](const CommandLine& c) { return c.options.jobs == -1; },
        {"--pcap", "a", "--jobs", "-" + cpus}}},
      {"--cpus",
       {{"--pcap", "a", "--cpus", "0,2-3"},
        [](const CommandLine& c) {
          return c.options.cpus == std::vector<int>{0, 2, 3};
        },
        {"--pcap", "a", "--cpus", "3-1"}}},
      {"--buffer-rows",
       {{"--pcap", "a", "--buffer-rows", "7"},
        [](const CommandLine& c) { return c.FileOptions().buffer_rows == 7; },
        {"--pcap", "a", "--buffer-rows", "0"}}},
      {"--save-pcap",
       {{"--iface", "lo", "--save-pcap", "d"},
        [](const CommandLine& c) {
          return c.LiveOptions().save_pcap && c.LiveOptions().pcap_dir == "d";
        },
        {"--pcap", "a", "--save-pcap", "d"}}},
      {"--duration",
       {{"--iface", "lo", "--duration", "2"},
        [](const CommandLine& c) { return c.duration == 2.0; },
        {"--iface", "lo", "--duration", "0"}}},
      {"--count",
       {{"--iface", "lo", "--count", "5"},
        [](const CommandLine& c) { return c.LiveOptions().packet_limit == 5u; },
        {"--iface", "lo", "--count", "0"}}},
      {"--filter",
       {{"--iface", "lo", "--filter", "udp"},
        [](const CommandLine& c) { return c.LiveOptions().filter == "udp"; },
        {"--pcap", "a", "--filter", "udp"}}},
      {"--promisc",
       {{"--iface", "lo", "--promisc"},
        [](const CommandLine& c) { return c.LiveOptions().promiscuous; },
        {"--pcap", "a", "--promisc"}}},
      {"--ring-mb",
       {{"--iface", "lo", "--ring-mb", "8"},
        [](const CommandLine& c) {
          return c.LiveOptions().ring_block_count == 8u &&
                 c.LiveOptions().ring_block_size == (1u << 20);
        },
        {"--iface", "lo", "--ring-mb", "0"}}},
      {"--user",
       {{"--iface", "lo", "--user", "nobody"},
        [](const CommandLine& c) { return c.user == "nobody"; },
        {"--pcap", "a", "--user", "nobody"}}},
      {"--strict",
       {{"--pcap", "a", "--strict"},
        [](const CommandLine& c) { return c.strict; },
        {"--iface", "lo", "--strict"}}},
      {"--quiet",
       {{"--pcap", "a", "--quiet"},
        [](const CommandLine& c) { return c.quiet; },
        {"--pcap", "a", "--quiet", "--quiet"}}},
      {"--progress",
       {{"--pcap", "a", "--progress"},
        [](const CommandLine& c) { return c.progress == true; },
        {"--pcap", "a", "--progress", "--no-progress"}}},
      {"--no-progress",
       {{"--pcap", "a", "--no-progress"},
        [](const CommandLine& c) { return c.progress == false; },
        {"--pcap", "a", "--no-progress=1"}}},
      // main answers these before parsing; the parser lets them pass.
      {"--version", {{"--pcap", "a", "--version"}, [](const CommandLine&) { return true; }, {}}},
      {"--help", {{"--pcap", "a", "--help"}, [](const CommandLine&) { return true; }, {}}},
  };
}

TEST(CliOptions, EveryFlagHasACase) {
  const std::map<std::string, Case> cases = Cases();
  for (const Flag& f : Flags()) EXPECT_EQ(cases.count(f.name), 1u) << f.name << " has no case";
  EXPECT_EQ(cases.size(), Flags().size());
}

TEST(CliOptions, EachFlagLandsInItsOption) {
  for (const auto& [flag, c] : Cases()) {
    absl::StatusOr<CommandLine> cl = Parse(c.good);
    ASSERT_TRUE(cl.ok()) << flag << ": " << cl.status();
    EXPECT_TRUE(c.holds(*cl)) << flag;
  }
}

TEST(CliOptions, EachFlagRefusesABadValueOrMode) {
  for (const auto& [flag, c] : Cases()) {
    if (c.bad.empty()) continue;
    absl::StatusOr<CommandLine> cl = Parse(c.bad);
    EXPECT_EQ(cl.status().code(), absl::StatusCode::kInvalidArgument) << flag;
  }
}

TEST(CliOptions, TheCommandLinesOwnRules) {
  const auto message = [](std::vector<std::string> args) {
    return std::string(Parse(std::move(args)).status().message());
  };
  EXPECT_EQ(message({"--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(message({}), "give either --pcap FILE or --iface IF");
  EXPECT_EQ(message({"--pcap", "a", "--iface", "lo"}), "give either --pcap FILE or --iface IF");
  EXPECT_EQ(message({"--pcap", "a", "--out"}), "--out needs a value");
  EXPECT_EQ(message({"--pcap", "a", "--out", "--quiet"}),
            "--out needs a value, but '--quiet' is an option (write --out=--quiet if that is "
            "really the value)");
  EXPECT_EQ(message({"--pcap", "a", "--jobs", "2", "--jobs", "3"}),
            "--jobs is given more than once");
  EXPECT_EQ(message({"--pcap", "a", "--quiet=1"}), "--quiet takes no value");
  EXPECT_EQ(message({"--pcap", "a", "--count", "5"}),
            "--count applies to --iface only, not to capture files");
  EXPECT_EQ(message({"--iface", "lo", "--buffer-rows", "5"}),
            "--buffer-rows applies to --pcap only, not to live capture");
  EXPECT_EQ(message({"--pcap", "a", "--jobs", "0x10"}).rfind("bad value '0x10' for --jobs", 0), 0u);
  EXPECT_EQ(message({"x.pcap"}), "unexpected argument 'x.pcap': did you mean --pcap x.pcap?");
  EXPECT_EQ(message({"--pcap", "a", "--topic", "t"}),
            "--topic, --kafka-opt and --kafka-flush-timeout need --kafka BROKERS");
  // --out=--quiet is a file name when written so.
  absl::StatusOr<CommandLine> cl = Parse({"--pcap", "a", "--out=--quiet"});
  ASSERT_TRUE(cl.ok());
  EXPECT_EQ(cl->out, "--quiet");
}

// The shared options reach both modes whole: the mode's struct gets them
// as one Options.
TEST(CliOptions, SharedOptionsReachEachMode) {
  absl::StatusOr<CommandLine> file =
      Parse({"--pcap", "a", "--compat=python", "--jobs", "2", "--max-flows", "9", "--gc-interval",
             "3", "--format", "jsonl"});
  ASSERT_TRUE(file.ok());
  const ConvertOptions c = file->FileOptions();
  EXPECT_EQ(c.compat, Compat::kPython);
  EXPECT_EQ(c.jobs, 2);
  EXPECT_EQ(c.max_flows, 9u);
  EXPECT_EQ(c.gc_interval, 3);
  EXPECT_EQ(c.format, OutputFormat::kJsonl);
  absl::StatusOr<CommandLine> live =
      Parse({"--iface", "lo", "--idle-timeout", "5", "--columns", "cic-ids2017", "--count", "4"});
  ASSERT_TRUE(live.ok());
  const CaptureOptions l = live->LiveOptions();
  EXPECT_EQ(l.idle_timeout, 5.0);
  EXPECT_EQ(l.columns, ColumnSet::kCicIds2017);
  EXPECT_EQ(l.packet_limit, 4u);
}

TEST(CliOptions, HelpManPageAndCompletionNameEveryFlag) {
  const std::string help = HelpText();
  const std::string man = ManPage();
  const std::string completion = BashCompletion();
  EXPECT_EQ(man.rfind(".TH NETFLOWER 1 ", 0), 0u);
  EXPECT_EQ(help.find('{'), std::string::npos) << "a default left unfilled";
  for (const Flag& f : Flags()) {
    std::string roff;
    for (char ch : std::string(f.name)) roff += ch == '-' ? "\\-" : std::string(1, ch);
    EXPECT_NE(help.find(f.name), std::string::npos) << f.name;
    EXPECT_NE(man.find("\\fB" + roff + "\\fR"), std::string::npos) << f.name;
    EXPECT_NE(completion.find(std::string(" ") + f.name), std::string::npos) << f.name;
  }
  EXPECT_NE(completion.find("complete -F _netflower netflower"), std::string::npos);
  EXPECT_NE(completion.find("cic-ids2017"), std::string::npos);
}

}  // namespace
}  // namespace netflower::cli
