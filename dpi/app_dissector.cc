// AppDissector over Debian's nDPI 4.2 (libndpi-dev). How the flow is fed
// and when it is done follow ndpiReader, nDPI's own reader (its
// reader_util.c), so that its labels are the oracle (tests/dpi_test.sh).
#include "dpi/app_dissector.h"

#include <algorithm>
#include <cstring>
#include <string>

extern "C" {
#include <ndpi/ndpi_api.h>
}

#include "absl/status/status.h"
#include "netflower/options.h"

namespace netflower {

bool DpiAvailable() { return true; }

struct AppDissector::Module {
  ndpi_detection_module_struct* ndpi = nullptr;
  ~Module() {
    if (ndpi != nullptr) ndpi_exit_detection_module(ndpi);
  }
};

// The flow's nDPI state and what netflower keeps beside it. Value-
// initialized (`new Flow()`: all zero), as nDPI requires.
class AppDissector::Flow {
 public:
  ndpi_flow_struct ndpi;
  ndpi_protocol detected;
  uint32_t fed;
};

void AppDissector::FlowDeleter::operator()(Flow* flow) const {
  ndpi_free_flow_data(&flow->ndpi);  // the buffers nDPI allocated for it
  delete flow;
}

namespace {

// A label as the columns carry it: printable ASCII (other bytes, which a
// hostile server name may hold, become '?', so that no row needs anything
// but CSV quoting), at most kMaxDpiValueBytes.
std::string Printable(const char* text, size_t max_length) {
  std::string out(text, strnlen(text, std::min(max_length, kMaxDpiValueBytes)));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7E) c = '?';
  }
  return out;
}

bool Is(const ndpi_protocol& p, uint16_t id) {
  return p.master_protocol == id || p.app_protocol == id;
}

// Whether nDPI's TLS/QUIC fields (a union with other protocols' fields)
// belong to the flow: only then are the JA3 fingerprints read.
bool HasTlsFields(const ndpi_protocol& p) {
  return Is(p, NDPI_PROTOCOL_TLS) || Is(p, NDPI_PROTOCOL_DTLS) || Is(p, NDPI_PROTOCOL_QUIC) ||
         Is(p, NDPI_PROTOCOL_MAIL_IMAPS) || Is(p, NDPI_PROTOCOL_MAIL_POPS) ||
         Is(p, NDPI_PROTOCOL_MAIL_SMTPS);
}

}  // namespace

absl::StatusOr<std::unique_ptr<AppDissector>> AppDissector::Create() {
  auto module = std::make_unique<Module>();
  module->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
  if (module->ndpi == nullptr) {
    return absl::ResourceExhaustedError("dpi: nDPI could not set up its detection module");
  }
  // Every protocol nDPI knows, as ndpiReader enables them.
  NDPI_PROTOCOL_BITMASK all;
  NDPI_BITMASK_SET_ALL(all);
  ndpi_set_protocol_detection_bitmask2(module->ndpi, &all);
  ndpi_finalize_initialization(module->ndpi);
  return std::unique_ptr<AppDissector>(new AppDissector(std::move(module)));
}

AppDissector::AppDissector(std::unique_ptr<Module> module) : module_(std::move(module)) {}
AppDissector::~AppDissector() = default;

AppDissector::FlowPtr AppDissector::NewFlow() { return FlowPtr(new Flow()); }

bool AppDissector::Feed(Flow* flow, std::string_view ip, uint64_t time_ms) {
  // nDPI takes 16-bit lengths; an IP packet is at most 65,535 bytes but for
  // segmentation offload's (total length 0), which nDPI does not read.
  const auto length = static_cast<uint16_t>(std::min<size_t>(ip.size(), UINT16_MAX));
  flow->detected = ndpi_detection_process_packet(module_->ndpi, &flow->ndpi,
                                                 reinterpret_cast<const unsigned char*>(ip.data()),
                                                 length, time_ms);
  ++flow->fed;
  // ndpiReader's rule: named, and nothing more to read (a TLS flow waits for
  // the server's hello and certificate) -- or enough packets.
  if (flow->detected.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
      !ndpi_extra_dissection_possible(module_->ndpi, &flow->ndpi)) {
    return true;
  }
  return flow->fed >= static_cast<uint32_t>(kDpiPacketBound);
}

std::shared_ptr<const AppLabels> AppDissector::Finish(Flow* flow) {
  // As ndpiReader ends a flow: a flow not yet named is guessed from its
  // ports and addresses (a flow already named keeps its name).
  if (flow->detected.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
    uint8_t guessed = 0;
    flow->detected = ndpi_detection_giveup(module_->ndpi, &flow->ndpi, 1, &guessed);
  }
  return Peek(flow);
}

std::shared_ptr<const AppLabels> AppDissector::Peek(Flow* flow) {
  ndpi_detection_module_struct* const ndpi = module_->ndpi;
  const ndpi_protocol& p = flow->detected;
  auto labels = std::make_shared<AppLabels>();
  char name[64];
  labels->application_name =
      Printable(ndpi_protocol2name(ndpi, p, name, sizeof(name)), sizeof(name));
  const char* category = ndpi_category_get_name(ndpi, p.category);
  if (category != nullptr) labels->application_category = Printable(category, kMaxDpiValueBytes);
  const char* confidence = ndpi_confidence_get_name(flow->ndpi.confidence);
  if (confidence != nullptr) {
    labels->application_confidence = Printable(confidence, kMaxDpiValueBytes);
  }
  labels->requested_server_name =
      Printable(flow->ndpi.host_server_name, sizeof(flow->ndpi.host_server_name));
  if (HasTlsFields(p)) {
    const auto& tls = flow->ndpi.protos.tls_quic;
    labels->ja3_client = Printable(tls.ja3_client, sizeof(tls.ja3_client));
    labels->ja3_server = Printable(tls.ja3_server, sizeof(tls.ja3_server));
  }
  return labels;
}

}  // namespace netflower
