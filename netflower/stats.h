// What a run did: the counters of a file conversion or a live capture
// (RunStats, the same type for both), and the progress of a conversion.
#ifndef NETFLOWER_NETFLOWER_STATS_H_
#define NETFLOWER_NETFLOWER_STATS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "netflower/export.h"

namespace netflower {

// Why a packet record was not handed to the flow engine.
enum class SkipReason : uint8_t {
  kUnsupportedLinkType = 0,  // link type netflower does not decode
  kNotIp,                    // ARP, LLC, unknown ethertype, ...
  kDefaultProfileOnly,       // IPv6 or PPPoE under --compat=python
  kTruncated,                // a header runs past the captured bytes
  kMalformed,                // IPv4 IHL < 5, TCP data offset < 5
  kIpFragment,               // non-first fragment (no ports)
  kNotTcpUdp,                // ICMP, GRE, ESP, IGMP, ...
  kNotIpv4Cic,               // IPv6 under a CIC layout (CICFlowMeter read IPv4 only)
  kWifiNotData,              // 802.11 management, control or null frame
  kWifiProtected,            // 802.11 protected (encrypted) data frame
  kBadFcs,                   // radiotap / PPI: the frame failed its FCS check
  kNoTimestamp,              // pcapng simple packet block
  kUnknownInterface,         // pcapng packet naming an undefined interface
  kMalformedBlock,           // pcapng packet block too short for its fields
  kCount
};

// Short name of a reason, as printed in the run summary ("not_tcp_udp").
NETFLOWER_EXPORT std::string_view SkipReasonName(SkipReason reason);

// Why flows were emitted.
struct EmitCounts {
  uint64_t fin = 0;             // TCP FIN exchange
  uint64_t rst = 0;             // TCP RST
  uint64_t idle_timeout = 0;    // idle, on arrival or in a sweep
  uint64_t active_timeout = 0;  // duration cap
  uint64_t end_of_input = 0;    // open when the input ended
  uint64_t evicted = 0;         // the flow table was full (max_flows)
};

// Flows sent to Kafka (Options::kafka). produced = delivered + failed + undelivered + queued
// (queued: in librdkafka's queue or on the wire, before the end).
struct KafkaCounts {
  uint64_t produced = 0;           // messages handed to librdkafka
  uint64_t delivered = 0;          // acknowledged by the cluster (acks=all: every in-sync replica)
  uint64_t interim_delivered = 0;  // of delivered: interim rows (Options::interim), not flows
  uint64_t failed = 0;             // delivery reports with an error (after librdkafka's retries)
  uint64_t undelivered = 0;        // still queued when the flush timeout ran out
  // Message transmissions beyond one per message delivered or failed:
  // resends after retriable errors (librdkafka's txmsgs statistic, updated
  // every 100 ms: final after the end's flush, lagging during a run).
  uint64_t retries = 0;
  std::string first_error;  // of the failed or undelivered, with the topic
};

// Flows exported over IPFIX (Options::ipfix). Every record is exported
// (in a message the kernel accepted: UDP sent, TCP written) or dropped
// (its message refused, or over the buffer), none silently.
struct IpfixCounts {
  uint64_t flows_exported = 0;    // flows whose (forward) record was exported
  uint64_t records_exported = 0;  // data records (uniflow: up to two a flow)
  uint64_t records_dropped = 0;   // in messages that were not sent or were refused
  uint64_t messages_sent = 0;     // messages the kernel accepted, templates included
  uint64_t messages_dropped = 0;  // messages with data records that never reached the collector
  uint64_t send_errors = 0;       // failed sends (UDP) and lost connections (TCP)
  uint64_t connections = 0;       // TCP connections made (1 without a reconnect)
  std::string first_error;        // the first send or connect error, with the collector
};

// What a run did, a file conversion or a live capture (the same type for
// both). read = accepted + sum(skipped).
struct RunStats {
  uint64_t packets_read = 0;      // packet records in the input (live: taken from the rings)
  uint64_t packets_accepted = 0;  // TCP/UDP packets given to the flow engine
  uint64_t late_packets =
      0;  // of those: default profile, dropped after a FIN/RST close (FLOW-RULES §5.4)
  // CIC layouts: flows that ended with one packet, which CICFlowMeter never
  // writes (docs/CIC.md); not among flows_completed.
  uint64_t one_packet_flows = 0;
  uint64_t skipped[static_cast<int>(SkipReason::kCount)] = {};
  // Flows the engine completed (by reason below), and of those the ones that
  // reached the output: rows the kernel accepted (a failed or cancelled run
  // to a file leaves none: the temporary file is removed), or calls of
  // on_flow.
  uint64_t flows_completed = 0;
  uint64_t flows_written = 0;
  // How the CSV reached the kernel: "io_uring" or "write(2)" (the fallback
  // where io_uring cannot be set up, or Options::use_io_uring false); empty
  // when no CSV was written.
  std::string csv_written_with;
  EmitCounts flows_by_reason;
  // Options::interim: interim rows the engine made (not flows: neither in
  // flows_completed nor in flows_written).
  uint64_t interim_rows = 0;
  uint64_t peak_open_flows = 0;
  uint64_t timestamps_clamped =
      0;  // default profile: pcapng times clamped (more than 146 years from the first)
  // What the run settled on: its options with the defaults filled in.
  double idle_timeout = 0.0;             // seconds (not used by the CIC layouts)
  std::optional<double> active_timeout;  // seconds; unset: no duration cap
  int jobs = 0;                          // flow workers
  uint64_t bytes_read = 0;               // input bytes consumed
  double seconds = 0.0;                  // wall time of the conversion
  bool input_ended_early = false;        // truncated or damaged input
  std::vector<std::string> warnings;     // one line each: file, offset, problem

  // Live capture only.
  uint64_t kernel_received = 0;      // PACKET_STATISTICS: seen by the sockets, drops included
  uint64_t kernel_drops = 0;         // dropped by the kernel: no room in a ring
  uint64_t kernel_freezes = 0;       // ring queue freezes
  uint64_t callback_exceptions = 0;  // thrown by on_flow (caught, counted)
  std::string first_callback_error;
  uint64_t pcap_files_written = 0;  // save_pcap
  uint64_t pcap_write_errors = 0;
  std::string first_pcap_error;
  uint64_t frames_not_saved = 0;  // save_pcap memory limit reached
  // Kafka (ConvertOptions::kafka, CaptureOptions::kafka); all zero without.
  KafkaCounts kafka;
  // IPFIX (Options::ipfix); all zero without.
  IpfixCounts ipfix;

  uint64_t packets_skipped() const {
    uint64_t n = 0;
    for (uint64_t s : skipped) n += s;
    return n;
  }
};

// Progress of a long conversion.
struct Progress {
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  uint64_t packets_read = 0;
  uint64_t flows_written = 0;
  double seconds = 0.0;
};

}  // namespace netflower

#endif  // NETFLOWER_NETFLOWER_STATS_H_
