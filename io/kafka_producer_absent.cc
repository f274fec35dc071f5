// KafkaProducer where netflower is built without librdkafka (the static
// benchmark kit, --config=static_kit: Debian ships no static libsasl2 for
// librdkafka.a). Every entry point says so; nothing else changes.
#include <memory>

#include "io/kafka_producer.h"

namespace netflower {
namespace {

absl::Status Absent() {
  return absl::UnimplementedError(
      "this netflower was built without Kafka (the static benchmark kit); use a regular build");
}

}  // namespace

struct KafkaProducer::Handles {};

const std::vector<std::pair<std::string, std::string>>& KafkaDefaultSettings() {
  static const auto* const kNone = new std::vector<std::pair<std::string, std::string>>();
  return *kNone;
}

absl::Status ValidateKafkaOptions(const KafkaOptions& /*options*/) { return Absent(); }

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Connect(
    const KafkaOptions& /*options*/) {
  return Absent();
}

KafkaProducer::~KafkaProducer() = default;
void KafkaProducer::Produce(std::string_view /*key*/, std::string_view /*value*/,
                            bool /*interim*/) {}
void KafkaProducer::Poll() {}
void KafkaProducer::LimitWaits() {}
absl::Status KafkaProducer::Flush() { return Absent(); }
KafkaCounts KafkaProducer::counts() const { return {}; }

}  // namespace netflower
