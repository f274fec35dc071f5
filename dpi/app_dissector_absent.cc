// AppDissector in a build without nDPI: the static benchmark kit, which
// links everything statically for boards and whose Debian libndpi.a would
// pull in libgcrypt's static twin as well. Settling the options refuses
// --dpi there (DpiAvailable()), so nothing below is reached in a run.
#include "absl/status/status.h"
#include "dpi/app_dissector.h"

namespace netflower {

bool DpiAvailable() { return false; }

struct AppDissector::Module {};
class AppDissector::Flow {};

void AppDissector::FlowDeleter::operator()(Flow* flow) const { delete flow; }

absl::StatusOr<std::unique_ptr<AppDissector>> AppDissector::Create() {
  return absl::FailedPreconditionError("dpi: this build of netflower has no nDPI");
}

AppDissector::AppDissector(std::unique_ptr<Module> module) : module_(std::move(module)) {}
AppDissector::~AppDissector() = default;
AppDissector::FlowPtr AppDissector::NewFlow() { return FlowPtr(new Flow()); }
bool AppDissector::Feed(Flow*, std::string_view, uint64_t) { return true; }
std::shared_ptr<const AppLabels> AppDissector::Finish(Flow*) {
  return std::make_shared<AppLabels>();
}
std::shared_ptr<const AppLabels> AppDissector::Peek(Flow*) { return std::make_shared<AppLabels>(); }

}  // namespace netflower
