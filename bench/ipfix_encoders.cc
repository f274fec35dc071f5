// netflower's IPFIX encoder (io/ipfix_model) against libfixbuf's (Debian's
// libfixbuf-dev, the library YAF uses), per record, on the same flows:
// each encodes biflow records of the same elements and packs them into
// messages (ours within 1472 bytes; libfixbuf's file exporter fills up to
// 65535, fewer headers: in its favour), written to /dev/null through stdio. With
// --pen, the 72 enterprise elements too (libfixbuf reads their definitions
// from docs/ipfix/netflower-elements.xml). Encoding only: no sockets.
// Built outside Bazel (libfixbuf brings GLib, which the library does not
// take): bench/ipfix_encoders.sh.
#include <fixbuf/public.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "io/ipfix_model.h"

namespace {

using netflower::FlowRecord;
using Clock = std::chrono::steady_clock;

std::vector<FlowRecord> Flows(size_t n) {
  std::vector<FlowRecord> flows(n);
  for (size_t i = 0; i < n; ++i) {
    FlowRecord& r = flows[i];
    const uint8_t a[4] = {10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
    const uint8_t b[4] = {192, 168, 1, static_cast<uint8_t>(i % 250)};
    r.src_ip = netflower::IpAddress::V4(a);
    r.dst_ip = netflower::IpAddress::V4(b);
    r.src_port = static_cast<int64_t>(30000 + i % 30000);
    r.dst_port = 443;
    r.protocol = 6;
    r.first_ns = 1795799828000000000LL + static_cast<int64_t>(i) * 1000;
    r.last_ns = r.first_ns + 4846000;
    r.timestamp = static_cast<double>(r.first_ns) / 1e9;
    r.flow_duration = 0.004846;
    r.tot_fwd_pkts = static_cast<int64_t>(5 + i % 7);
    r.tot_bwd_pkts = 4;
    r.totlen_fwd_pkts = 600;
    r.totlen_bwd_pkts = 4000;
    r.flow_iat_mean = 0.001 * static_cast<double>(i % 100);
    r.syn_flag_cnt = 2;
    r.ack_flag_cnt = 8;
  }
  return flows;
}

// netflower: AppendFlow, then the exporter's packing (a set per template,
// messages within the MTU), each full message written out.
double Ours(const std::vector<FlowRecord>& flows, bool pen, FILE* out) {
  netflower::IpfixOptions o;
  if (pen) o.enterprise_number = 32473;
  const netflower::IpfixModel model(o, false, true);
  std::string encoded, message;
  const auto start = Clock::now();
  for (const FlowRecord& r : flows) {
    encoded.clear();
    model.AppendFlow(r, netflower::EmitReason::kFin, &encoded);
    const size_t record = encoded.size() - netflower::kIpfixRecordPrefixBytes;
    if (message.size() + record > 1472 - 20) {
      std::fwrite(message.data(), 1, message.size(), out);
      message.clear();
    }
    message.append(encoded, netflower::kIpfixRecordPrefixBytes, record);
  }
  std::fwrite(message.data(), 1, message.size(), out);
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(flows.size());
}

// libfixbuf: the same elements from a C struct (its internal template),
// transcoded by fBufAppend into the export template's messages.
struct Standard {
  uint32_t src, dst;
  uint16_t sport, dport;
  uint8_t proto, end_reason;
  uint16_t flags;
  uint64_t start_ms, end_ms, start_ns, end_ns;
  uint64_t packets, octets, rpackets, roctets;
};

double Fixbuf(const std::vector<FlowRecord>& flows, bool pen, FILE* out) {
  GError* err = nullptr;
  fbInfoModel_t* model = fbInfoModelAlloc();
  if (pen && !fbInfoModelReadXMLFile(model, "docs/ipfix/netflower-elements.xml", &err)) {
    std::fprintf(stderr, "libfixbuf: %s\n", err->message);
    return -1;
  }
  std::vector<fbInfoElementSpec_t> spec = {
      {const_cast<char*>("sourceIPv4Address"), 4, 0},
      {const_cast<char*>("destinationIPv4Address"), 4, 0},
      {const_cast<char*>("sourceTransportPort"), 2, 0},
      {const_cast<char*>("destinationTransportPort"), 2, 0},
      {const_cast<char*>("protocolIdentifier"), 1, 0},
      {const_cast<char*>("flowEndReason"), 1, 0},
      {const_cast<char*>("tcpControlBits"), 2, 0},
      {const_cast<char*>("flowStartMilliseconds"), 8, 0},
      {const_cast<char*>("flowEndMilliseconds"), 8, 0},
      {const_cast<char*>("flowStartNanoseconds"), 8, 0},
      {const_cast<char*>("flowEndNanoseconds"), 8, 0},
      {const_cast<char*>("packetDeltaCount"), 8, 0},
      {const_cast<char*>("octetDeltaCount"), 8, 0},
      {const_cast<char*>("reversePacketDeltaCount"), 8, 0},
      {const_cast<char*>("reverseOctetDeltaCount"), 8, 0},
  };
  // With a PEN: 72 more 8-byte fields after the standard ones.
  std::vector<std::string> names;
  if (pen) {
    for (size_t c = 0; c < netflower::kColumnCount; ++c) {
      if (netflower::IpfixHasStandardElement(c)) continue;
      names.push_back(netflower::IpfixElementName(netflower::kColumns[c].name));
    }
    for (const std::string& n : names) spec.push_back({const_cast<char*>(n.c_str()), 8, 0});
  }
  spec.push_back(FB_IESPEC_NULL);
  fbTemplate_t* internal = fbTemplateAlloc(model);
  fbTemplate_t* external = fbTemplateAlloc(model);
  fbSession_t* session = fbSessionAlloc(model);
  if (!fbTemplateAppendSpecArray(internal, spec.data(), UINT32_MAX, &err) ||
      !fbTemplateAppendSpecArray(external, spec.data(), UINT32_MAX, &err) ||
      !fbSessionAddTemplate(session, TRUE, 256, internal, &err) ||
      !fbSessionAddTemplate(session, FALSE, 256, external, &err)) {
    std::fprintf(stderr, "libfixbuf: %s\n", err->message);
    return -1;
  }
  fbExporter_t* exporter = fbExporterAllocFP(out);
  fBuf_t* buf = fBufAllocForExport(session, exporter);
  if (!fbSessionExportTemplates(session, &err) || !fBufSetInternalTemplate(buf, 256, &err) ||
      !fBufSetExportTemplate(buf, 256, &err)) {
    std::fprintf(stderr, "libfixbuf: %s\n", err->message);
    return -1;
  }
  const size_t size = sizeof(Standard) + 8 * names.size();
  std::vector<uint8_t> rec(size);
  const auto start = Clock::now();
  for (const FlowRecord& r : flows) {
    // The struct is filled from the record, as a caller of libfixbuf would.
    Standard s;
    std::memcpy(&s.src, r.src_ip.bytes, 4);
    std::memcpy(&s.dst, r.dst_ip.bytes, 4);
    s.src = __builtin_bswap32(s.src);  // libfixbuf takes addresses in host order
    s.dst = __builtin_bswap32(s.dst);
    s.sport = static_cast<uint16_t>(r.src_port);
    s.dport = static_cast<uint16_t>(r.dst_port);
    s.proto = static_cast<uint8_t>(r.protocol);
    s.end_reason = 3;
    s.flags = 0x12;
    s.start_ms = static_cast<uint64_t>(r.first_ns / 1000000);
    s.end_ms = static_cast<uint64_t>(r.last_ns / 1000000);
    s.start_ns = static_cast<uint64_t>(r.first_ns);
    s.end_ns = static_cast<uint64_t>(r.last_ns);
    s.packets = static_cast<uint64_t>(r.tot_fwd_pkts);
    s.octets = static_cast<uint64_t>(r.totlen_fwd_pkts);
    s.rpackets = static_cast<uint64_t>(r.tot_bwd_pkts);
    s.roctets = static_cast<uint64_t>(r.totlen_bwd_pkts);
    std::memcpy(rec.data(), &s, sizeof s);
    for (size_t k = 0; k < names.size(); ++k) {
      std::memcpy(rec.data() + sizeof s + 8 * k, &r.flow_iat_mean, 8);
    }
    if (!fBufAppend(buf, rec.data(), size, &err)) {
      std::fprintf(stderr, "libfixbuf: %s\n", err->message);
      return -1;
    }
  }
  fBufEmit(buf, &err);
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
                    static_cast<double>(flows.size());
  fBufFree(buf);
  fbInfoModelFree(model);
  return ns;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 1000000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::vector<FlowRecord> flows = Flows(n);
  FILE* out = std::fopen("/dev/null", "w");
  std::printf("%zu flows a run, %d interleaved runs, median ns per record\n", n, runs);
  std::printf("%-22s %10s %10s %8s\n", "elements", "netflower", "libfixbuf", "ratio");
  for (bool pen : {false, true}) {
    std::vector<double> ours, theirs;
    for (int r = 0; r < runs; ++r) {
      ours.push_back(Ours(flows, pen, out));
      theirs.push_back(Fixbuf(flows, pen, out));
    }
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    const double a = ours[ours.size() / 2], b = theirs[theirs.size() / 2];
    std::printf("%-22s %10.1f %10.1f %8.2f\n", pen ? "standard + 72 PEN" : "standard (15)", a, b,
                b / a);
  }
  return 0;
}
