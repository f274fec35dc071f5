// Flows to Kafka: one message per flow (a JSON object, the JSON Lines
// dialect without its line end), keyed by the flow's endpoints, through
// librdkafka's producer. Every message is accounted for: delivered, failed
// (a delivery report with an error) or undelivered (still queued when the
// flush timeout ran out); nothing is dropped without being counted.
//
// Threads: Produce(), Poll() and Flush() are called on one thread (the
// merge or delivery thread), which is also where delivery reports are
// served; counts() may be read from any thread.
#ifndef NETFLOWER_IO_KAFKA_PRODUCER_H_
#define NETFLOWER_IO_KAFKA_PRODUCER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/kafka_message_key.h"
#include "netflower/options.h"  // KafkaOptions
#include "netflower/stats.h"    // KafkaCounts

namespace netflower {

// Checks the options without connecting: brokers and topic given, timeouts
// from 0 to kMaxKafkaTimeoutSeconds, every setting a known librdkafka property with a valid value.
absl::Status ValidateKafkaOptions(const KafkaOptions& options);

class KafkaProducer {
 public:
  // Creates the producer and asks the cluster for the topic (bounded by
  // connect_timeout_seconds): an unreachable cluster or a missing topic is
  // an error here, before anything is read or captured.
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Connect(const KafkaOptions& options);
  ~KafkaProducer();  // what is still queued is dropped (call Flush first)
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Queues one message (copied). While librdkafka's queue is full (a slow
  // or lost cluster; its size is queue.buffering.max.messages / .kbytes)
  // this waits, serving delivery reports: back-pressure into the pipeline,
  // never unbounded memory. A message refused outright (too large, say) is
  // counted as failed. Returns early, the message counted as undelivered,
  // once `cancel` (if set) becomes true.
  // `interim`: the message is an interim row (Options::interim), counted
  // among KafkaCounts::interim_delivered as well once delivered.
  void Produce(std::string_view key, std::string_view value, bool interim = false);

  // Serves delivery reports that have arrived, without waiting.
  void Poll();

  // Waits up to flush_timeout_seconds for everything queued; what is left
  // then is counted as undelivered. Then waits for librdkafka's next
  // statistics report (at most about 100 ms) so that the resend count
  // is final. OK when every message produced was
  // delivered; else Unavailable naming the counts and the first error.
  absl::Status Flush();

  // Produce stops waiting once this becomes true (a cancelled run), and
  // Flush waits at most a second more.
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }
  // From now on Produce waits for room at most until flush_timeout_seconds
  // from now (a capture that is stopping: the flows it flushes get the
  // flush timeout, not librdkafka's message timeout of minutes). Any thread.
  void LimitWaits();

  KafkaCounts counts() const;  // any thread
  const std::string& topic() const { return topic_; }

 private:
  struct Handles;  // librdkafka's handles (kafka_producer.cc)
  explicit KafkaProducer(const KafkaOptions& options);

  // Delivery report and statistics callbacks (librdkafka's C callbacks
  // forward here).
  void OnDelivery(int error, const char* reason, bool interim);
  void OnStatistics(std::string_view json);
  void NoteError(const std::string& error);

  std::unique_ptr<Handles> handles_;
  const std::string topic_;
  const double flush_timeout_seconds_;
  const std::atomic<bool>* cancel_ = nullptr;
  std::atomic<int64_t> give_up_at_ns_{INT64_MAX};  // steady clock; LimitWaits()
  std::atomic<uint64_t> produced_{0};
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> interim_delivered_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> undelivered_{0};
  std::atomic<uint64_t> transmitted_{0};  // librdkafka's txmsgs
  std::atomic<uint64_t> statistics_{0};   // statistics reports so far
  mutable std::atomic<bool> error_set_{false};
  std::string first_error_;  // written once, before error_set_ (release)

  friend struct KafkaCallbacks;
};

}  // namespace netflower

#endif  // NETFLOWER_IO_KAFKA_PRODUCER_H_
