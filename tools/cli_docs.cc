// Prints what the command line's option table generates:
//   cli_docs --flags        every flag, one a line (for the tests)
//   cli_docs --man          the man page, netflower(1), in roff
//   cli_docs --completion   the bash completion script
// tools/install.sh installs the last two.
#include <cstdio>
#include <cstring>
#include <string>

#include "netflower/command_line.h"

int main(int argc, char** argv) {
  const std::string what = argc == 2 ? argv[1] : "";
  std::string out;
  if (what == "--flags") {
    for (const netflower::cli::Flag& f : netflower::cli::Flags()) out += std::string(f.name) + "\n";
  } else if (what == "--man") {
    out = netflower::cli::ManPage();
  } else if (what == "--completion") {
    out = netflower::cli::BashCompletion();
  } else {
    std::fputs("usage: cli_docs --flags | --man | --completion\n", stderr);
    return 2;
  }
  std::fputs(out.c_str(), stdout);
  return 0;
}
