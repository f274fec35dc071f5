#include "io/kafka_producer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace netflower {

struct KafkaProducer::Handles {
  rd_kafka_t* kafka = nullptr;
  rd_kafka_topic_t* topic = nullptr;
  std::mutex log_mutex;
  std::string last_log;  // librdkafka's last warning or error (for Connect's message)
  ~Handles() {
    if (topic != nullptr) rd_kafka_topic_destroy(topic);
    if (kafka != nullptr) rd_kafka_destroy(kafka);
  }
};

namespace {
// A message's own opaque pointer (librdkafka hands it back in the delivery
// report): this address marks an interim row, null a flow.
const char kInterimMark = 0;
void* const kInterimMessage = const_cast<char*>(&kInterimMark);
}  // namespace

// librdkafka's C callbacks; the opaque pointer is the KafkaProducer.
struct KafkaCallbacks {
  static void Delivery(rd_kafka_t* /*kafka*/, const rd_kafka_message_t* message, void* opaque) {
    static_cast<KafkaProducer*>(opaque)->OnDelivery(
        message->err, message->err ? rd_kafka_err2str(message->err) : "",
        message->_private == kInterimMessage);
  }
  static int Statistics(rd_kafka_t* /*kafka*/, char* json, size_t json_len, void* opaque) {
    static_cast<KafkaProducer*>(opaque)->OnStatistics(std::string_view(json, json_len));
    return 0;  // librdkafka frees the text
  }
  // librdkafka logs on its own threads; the last warning says why a
  // connection failed. Nothing is printed: the run's summary and errors say
  // what matters.
  static void Log(const rd_kafka_t* kafka, int level, const char* facility, const char* text) {
    if (level > 4) return;  // above LOG_WARNING
    auto* self = static_cast<KafkaProducer*>(rd_kafka_opaque(kafka));
    std::lock_guard<std::mutex> lock(self->handles_->log_mutex);
    self->handles_->last_log = absl::StrCat(facility, ": ", text);
  }
};

namespace {

// librdkafka's statistics (a few kB of JSON, parsed for one counter) every
// 100 ms: the end waits for one more report, so this bounds that wait.
// (librdkafka's documentation speaks of a 1000 ms granularity; 2.0.2 keeps
// 100 ms: 12 reports in 1.5 s, measured against the mock cluster.)
constexpr int kStatisticsIntervalMs = 100;

// How much longer Flush waits once the run is cancelled.
constexpr double kCancelledFlushSeconds = 1.0;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int Milliseconds(double seconds) {
  return static_cast<int>(std::min(seconds * 1000.0, 2147483647.0));
}

// Applies one property; InvalidArgument names it and librdkafka's reason.
absl::Status Set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("Kafka setting ", key, "=", value, ": ", error,
                     " (the properties are librdkafka's: CONFIGURATION.md of librdkafka-dev)"));
  }
  return absl::OkStatus();
}

// The producer's configuration: defaults, the caller's settings, the
// brokers. Takes ownership of nothing on failure (the conf is destroyed).
absl::StatusOr<rd_kafka_conf_t*> MakeConf(const KafkaOptions& options) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> all = KafkaDefaultSettings();
  all.emplace_back("statistics.interval.ms", std::to_string(kStatisticsIntervalMs));
  all.insert(all.end(), options.settings.begin(), options.settings.end());
  all.emplace_back("bootstrap.servers", options.brokers);
  for (const auto& [key, value] : all) {
    if (absl::Status s = Set(conf, key, value); !s.ok()) {
      rd_kafka_conf_destroy(conf);
      return s;
    }
  }
  return conf;
}

// The value of the top-level counter `"name":N` in librdkafka's statistics
// text (brokers, topics and partitions repeat some names one level down).
uint64_t TopLevelCounter(std::string_view json, std::string_view name) {
  int depth = 0;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      const size_t end = json.find('"', i + 1);
      if (end == std::string_view::npos) break;
      if (depth == 1 && json.substr(i + 1, end - i - 1) == name && end + 1 < json.size() &&
          json[end + 1] == ':') {
        return std::strtoull(std::string(json.substr(end + 2, 20)).c_str(), nullptr, 10);
      }
      i = end;
    }
  }
  return 0;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& KafkaDefaultSettings() {
  static const auto* const kDefaults = new std::vector<std::pair<std::string, std::string>>{
      {"acks", "all"},
      {"enable.idempotence", "true"},
      {"compression.type", "lz4"},
      {"linger.ms", "20"},
  };
  return *kDefaults;
}

absl::Status ValidateKafkaOptions(const KafkaOptions& options) {
  if (options.brokers.empty()) {
    return absl::InvalidArgumentError("Kafka needs brokers (host:port[,host:port...])");
  }
  if (options.topic.empty()) return absl::InvalidArgumentError("Kafka needs a topic");
  for (const auto& [name, value] : {std::pair{"flush", options.flush_timeout_seconds},
                                    std::pair{"connect", options.connect_timeout_seconds}}) {
    if (!(value >= 0 && value <= kMaxKafkaTimeoutSeconds)) {
      return absl::InvalidArgumentError(
          absl::StrCat("the Kafka ", name, " timeout must be from 0 to ", kMaxKafkaTimeoutSeconds,
                       " seconds (a day), got ", value));
    }
  }
  absl::StatusOr<rd_kafka_conf_t*> conf = MakeConf(options);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_destroy(*conf);
  return absl::OkStatus();
}

KafkaProducer::KafkaProducer(const KafkaOptions& options)
    : handles_(std::make_unique<Handles>()),
      topic_(options.topic),
      flush_timeout_seconds_(options.flush_timeout_seconds) {}

KafkaProducer::~KafkaProducer() {
  if (handles_->kafka != nullptr) {
    // Whatever is still queued is let go now, not retried for minutes.
    rd_kafka_purge(handles_->kafka, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(handles_->kafka, 0);
  }
}

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Connect(const KafkaOptions& options) {
  if (absl::Status s = ValidateKafkaOptions(options); !s.ok()) return s;
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer(options));
  absl::StatusOr<rd_kafka_conf_t*> conf = MakeConf(options);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(*conf, producer.get());
  rd_kafka_conf_set_dr_msg_cb(*conf, &KafkaCallbacks::Delivery);
  rd_kafka_conf_set_stats_cb(*conf, &KafkaCallbacks::Statistics);
  rd_kafka_conf_set_log_cb(*conf, &KafkaCallbacks::Log);
  char error[512];
  Handles& h = *producer->handles_;
  h.kafka = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, error, sizeof(error));
  if (h.kafka == nullptr) {
    rd_kafka_conf_destroy(*conf);
    return absl::InvalidArgumentError(absl::StrCat("Kafka producer: ", error));
  }
  h.topic = rd_kafka_topic_new(h.kafka, options.topic.c_str(), nullptr);
  if (h.topic == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("Kafka topic '", options.topic,
                                                   "': ", rd_kafka_err2str(rd_kafka_last_error())));
  }
  const struct rd_kafka_metadata* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(h.kafka, 0, h.topic, &metadata,
                                                    Milliseconds(options.connect_timeout_seconds));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::lock_guard<std::mutex> lock(h.log_mutex);
    const std::string how =
        err == RD_KAFKA_RESP_ERR__TIMED_OUT
            ? absl::StrCat("did not answer within ", options.connect_timeout_seconds, " s")
            : "could not be reached";
    return absl::UnavailableError(
        absl::StrCat("Kafka cluster at ", options.brokers, " ", how, " (", rd_kafka_err2str(err),
                     h.last_log.empty() ? "" : "; ", h.last_log,
                     "): check the broker addresses and that the brokers are up"));
  }
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  int partitions = 0;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (options.topic == metadata->topics[i].topic) {
      topic_err = metadata->topics[i].err;
      partitions = metadata->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(metadata);
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR || partitions == 0) {
    return absl::NotFoundError(
        absl::StrCat("Kafka topic '", options.topic, "' is not available on ", options.brokers,
                     " (", rd_kafka_err2str(topic_err), "): create it, or check the name"));
  }
  return producer;
}

void KafkaProducer::Produce(std::string_view key, std::string_view value, bool interim) {
  produced_.fetch_add(1, std::memory_order_relaxed);
  for (;;) {
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(handles_->kafka, RD_KAFKA_V_RKT(handles_->topic),
                          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_OPAQUE(interim ? kInterimMessage : nullptr), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      failed_.fetch_add(1, std::memory_order_relaxed);
      NoteError(rd_kafka_err2str(err));
      break;
    }
    if ((cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) ||
        NowNs() > give_up_at_ns_.load(std::memory_order_relaxed)) {
      undelivered_.fetch_add(1, std::memory_order_relaxed);
      NoteError("not queued: the run stopped while librdkafka's queue was full");
      break;
    }
    rd_kafka_poll(handles_->kafka, 100);  // the queue is full: wait for deliveries
  }
  // Delivery reports are served on this thread; every few messages is often
  // enough to keep their queue short.
  if ((produced_.load(std::memory_order_relaxed) & 63) == 0) rd_kafka_poll(handles_->kafka, 0);
}

void KafkaProducer::Poll() { rd_kafka_poll(handles_->kafka, 0); }

void KafkaProducer::LimitWaits() {
  give_up_at_ns_.store(NowNs() + static_cast<int64_t>(flush_timeout_seconds_ * 1e9),
                       std::memory_order_relaxed);
}

absl::Status KafkaProducer::Flush() {
  // In slices, so that a cancelled run (Ctrl-C) waits at most
  // kCancelledFlushSeconds more, not the whole flush timeout.
  const int64_t start = NowNs();
  const int64_t deadline = start + static_cast<int64_t>(flush_timeout_seconds_ * 1e9);
  int64_t cancelled_end = INT64_MAX;
  for (int64_t now = start; now < std::min(deadline, cancelled_end); now = NowNs()) {
    if (cancelled_end == INT64_MAX && cancel_ != nullptr &&
        cancel_->load(std::memory_order_relaxed)) {
      cancelled_end = now + static_cast<int64_t>(kCancelledFlushSeconds * 1e9);
    }
    const int slice_ms = static_cast<int>(std::min<int64_t>(100, (deadline - now) / 1000000 + 1));
    if (rd_kafka_flush(handles_->kafka, slice_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) break;
  }
  // Whatever did not make it in time is purged; its reports (errors
  // __PURGE_QUEUE / __PURGE_INFLIGHT) count as undelivered, not failed.
  rd_kafka_purge(handles_->kafka, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_flush(handles_->kafka, 1000);
  // The resend count comes with librdkafka's statistics
  // (kStatisticsIntervalMs): one more report after the last delivery makes
  // it final.
  const uint64_t reports = statistics_.load(std::memory_order_relaxed);
  for (int i = 0; i < 5 && statistics_.load(std::memory_order_relaxed) == reports &&
                  produced_.load(std::memory_order_relaxed) > 0;
       ++i) {
    rd_kafka_poll(handles_->kafka, 100);
  }
  const KafkaCounts c = counts();
  const uint64_t accounted = c.delivered + c.failed + c.undelivered;
  if (c.produced > accounted) {
    undelivered_.fetch_add(c.produced - accounted, std::memory_order_relaxed);
    NoteError(
        absl::StrCat("not delivered within the flush timeout (", flush_timeout_seconds_, " s)"));
  }
  const KafkaCounts end = counts();
  if (end.failed == 0 && end.undelivered == 0) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(
      "Kafka topic '", topic_, "': ", end.failed, " of ", end.produced, " flows failed and ",
      end.undelivered, " were not delivered (first error: ", end.first_error, ")"));
}

void KafkaProducer::OnDelivery(int error, const char* reason, bool interim) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    if (interim) interim_delivered_.fetch_add(1, std::memory_order_relaxed);
  } else if (error == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
             error == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
    undelivered_.fetch_add(1, std::memory_order_relaxed);
    NoteError(
        absl::StrCat("not delivered within the flush timeout (", flush_timeout_seconds_, " s)"));
  } else {
    failed_.fetch_add(1, std::memory_order_relaxed);
    NoteError(reason);
  }
}

void KafkaProducer::OnStatistics(std::string_view json) {
  transmitted_.store(TopLevelCounter(json, "txmsgs"), std::memory_order_relaxed);
  statistics_.fetch_add(1, std::memory_order_relaxed);
}

void KafkaProducer::NoteError(const std::string& error) {
  if (error_set_.load(std::memory_order_relaxed)) return;  // the first one only
  first_error_ = error;
  error_set_.store(true, std::memory_order_release);
}

KafkaCounts KafkaProducer::counts() const {
  KafkaCounts c;
  c.produced = produced_.load(std::memory_order_relaxed);
  c.delivered = delivered_.load(std::memory_order_relaxed);
  c.interim_delivered = interim_delivered_.load(std::memory_order_relaxed);
  c.failed = failed_.load(std::memory_order_relaxed);
  c.undelivered = undelivered_.load(std::memory_order_relaxed);
  // Sent more than once: librdkafka resends a batch after a retriable error
  // (leader moved, timeout, lost connection) and counts every transmission.
  const uint64_t sent = transmitted_.load(std::memory_order_relaxed);
  c.retries = sent > c.delivered + c.failed ? sent - c.delivered - c.failed : 0;
  if (error_set_.load(std::memory_order_acquire)) c.first_error = first_error_;
  return c;
}

}  // namespace netflower
