// A deterministic synthetic capture with the situations the flow rules care
// about: TCP sessions closed by FIN/FIN (with retransmitted FINs and late
// ACKs), by RST, or never; UDP exchanges and long-lived UDP with idle gaps;
// 5-tuple reuse; IPv6, VLAN, ARP and ICMP frames; timestamps with jitter,
// long gaps and occasional steps backwards.
#ifndef NETFLOWER_TESTS_TESTING_TRAFFIC_SYNTH_H_
#define NETFLOWER_TESTS_TESTING_TRAFFIC_SYNTH_H_

#include <cstdint>

#include "tests/testing/capture_builder.h"

namespace netflower::testing {

struct SynthOptions {
  uint64_t seed = 1;
  int sessions = 2000;      // conversations started
  int hosts = 300;          // client addresses
  bool nanosecond = false;  // nanosecond pcap instead of microsecond
};

// A classic Ethernet pcap.
Bytes SynthesizeCapture(const SynthOptions& options);

}  // namespace netflower::testing

#endif  // NETFLOWER_TESTS_TESTING_TRAFFIC_SYNTH_H_
