// Prints the definition file of netflower's enterprise IPFIX elements
// (docs/IPFIX.md) for a private enterprise number, in the XML libfixbuf
// reads (ipfixDump --element-file). The committed
// docs/ipfix/netflower-elements.xml is this with RFC 5612's documentation
// number, 32473; give your own --ipfix-pen to make yours:
//   bazel run //tools:ipfix_elements -- --pen 32473 > docs/ipfix/netflower-elements.xml
#include <cstdio>
#include <cstdlib>
#include <string>

#include "io/ipfix_model.h"

int main(int argc, char** argv) {
  unsigned long pen = 32473;  // NOLINT(google-runtime-int): strtoul's type
  if (argc == 3 && std::string(argv[1]) == "--pen") {
    char* end = nullptr;
    pen = std::strtoul(argv[2], &end, 10);
    if (*end != '\0' || pen == 0 || pen > 0xFFFFFFFFul) {
      std::fprintf(stderr, "ipfix_elements: --pen needs a number from 1 to 4294967295\n");
      return 2;
    }
  } else if (argc != 1) {
    std::fprintf(stderr, "usage: ipfix_elements [--pen N]\n");
    return 2;
  }
  std::fputs(netflower::IpfixElementsXml(static_cast<uint32_t>(pen)).c_str(), stdout);
  return 0;
}
