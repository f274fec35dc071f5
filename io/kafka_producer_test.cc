// KafkaProducer against librdkafka's mock cluster (real Kafka protocol over
// TCP on 127.0.0.1, in this process): every message delivered or counted,
// retries seen, a lost cluster reported, never a silent loss.
#include "io/kafka_producer.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace netflower {
namespace {

using ::testing::HasSubstr;

// A 3-broker mock cluster with topic "flows" (4 partitions, 3 replicas).
class MockCluster {
 public:
  MockCluster() {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof(error));
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    cluster_ = rd_kafka_mock_cluster_new(handle_, 3);
    rd_kafka_mock_topic_create(cluster_, "flows", 4, 3);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(handle_);
  }
  std::string brokers() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  rd_kafka_mock_cluster_t* get() { return cluster_; }

 private:
  rd_kafka_t* handle_;
  rd_kafka_mock_cluster_t* cluster_;
};

KafkaOptions OptionsFor(const MockCluster& cluster) {
  KafkaOptions o;
  o.brokers = cluster.brokers();
  o.topic = "flows";
  o.connect_timeout_seconds = 5;
  return o;
}

void ProduceN(KafkaProducer* producer, int n) {
  for (int i = 0; i < n; ++i) producer->Produce(absl::StrCat("key", i % 7), absl::StrCat(i));
}

TEST(MessageKey, BothDirectionsGiveOneKey) {
  IpAddress a = IpAddress::V4(reinterpret_cast<const uint8_t*>("\x0a\x00\x00\x02"));
  IpAddress b = IpAddress::V4(reinterpret_cast<const uint8_t*>("\xc0\xa8\x01\x01"));
  char k1[kMaxMessageKeyBytes];
  char k2[kMaxMessageKeyBytes];
  const std::string ab(k1, FormatMessageKey(b, 443, a, 51000, 6, k1));
  const std::string ba(k2, FormatMessageKey(a, 51000, b, 443, 6, k2));
  EXPECT_EQ(ab, "10.0.0.2-192.168.1.1-51000-443-6");
  EXPECT_EQ(ab, ba);
  // Same address both ways (loopback): the smaller port first.
  const std::string same(k1, FormatMessageKey(a, 9000, a, 80, 17, k1));
  EXPECT_EQ(same, "10.0.0.2-10.0.0.2-80-9000-17");
}

TEST(KafkaProducer, EveryMessageIsDelivered) {
  MockCluster cluster;
  auto producer = KafkaProducer::Connect(OptionsFor(cluster));
  ASSERT_TRUE(producer.ok()) << producer.status();
  ProduceN(producer->get(), 5000);
  EXPECT_TRUE((*producer)->Flush().ok());
  const KafkaCounts c = (*producer)->counts();
  EXPECT_EQ(c.produced, 5000u);
  EXPECT_EQ(c.delivered, 5000u);
  EXPECT_EQ(c.failed + c.undelivered, 0u);
}

TEST(KafkaProducer, UnreachableClusterIsAnErrorAtConnect) {
  KafkaOptions o;
  o.brokers = "127.0.0.1:1";  // nothing listens on port 1
  o.topic = "flows";
  o.connect_timeout_seconds = 1;
  auto producer = KafkaProducer::Connect(o);
  ASSERT_FALSE(producer.ok());
  EXPECT_EQ(producer.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(producer.status().message(),
              HasSubstr("check the broker addresses and that the brokers are up"));
  EXPECT_THAT(producer.status().message(), HasSubstr("127.0.0.1:1"));
}

TEST(KafkaProducer, BadSettingNamesIt) {
  KafkaOptions o;
  o.brokers = "127.0.0.1:9092";
  o.topic = "flows";
  o.settings = {{"compression.type", "brotli"}};
  const absl::Status s = ValidateKafkaOptions(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("compression.type=brotli"));
  o.settings = {{"no.such.property", "1"}};
  EXPECT_THAT(ValidateKafkaOptions(o).message(), HasSubstr("no.such.property"));
  o.settings = {};
  o.topic = "";
  EXPECT_THAT(ValidateKafkaOptions(o).message(), HasSubstr("topic"));
}

TEST(KafkaProducer, RetriedRequestsAreCountedAndNothingIsDuplicated) {
  MockCluster cluster;
  auto producer = KafkaProducer::Connect(OptionsFor(cluster));
  ASSERT_TRUE(producer.ok()) << producer.status();
  // The next produce requests fail with a retriable error (NOT_LEADER_OR_FOLLOWER).
  for (int i = 0; i < 4; ++i) {
    rd_kafka_mock_push_request_errors(cluster.get(), 0, 1,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  }
  ProduceN(producer->get(), 2000);
  EXPECT_TRUE((*producer)->Flush().ok());  // waits for the statistics with the resends
  const KafkaCounts c = (*producer)->counts();
  EXPECT_EQ(c.delivered, 2000u);
  EXPECT_GT(c.retries, 0u);
}

TEST(KafkaProducer, ALostClusterFailsCountedMessages) {
  MockCluster cluster;
  KafkaOptions o = OptionsFor(cluster);
  o.settings = {{"message.timeout.ms", "1500"}};
  auto producer = KafkaProducer::Connect(o);
  ASSERT_TRUE(producer.ok()) << producer.status();
  ProduceN(producer->get(), 100);
  ASSERT_TRUE((*producer)->Flush().ok());
  rd_kafka_mock_broker_set_down(cluster.get(), -1);
  ProduceN(producer->get(), 300);
  const absl::Status s = (*producer)->Flush();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  const KafkaCounts c = (*producer)->counts();
  EXPECT_EQ(c.delivered, 100u);
  EXPECT_EQ(c.failed + c.undelivered, 300u);
  EXPECT_EQ(c.produced, c.delivered + c.failed + c.undelivered);
  EXPECT_THAT(s.message(), HasSubstr("of 400 flows"));
  EXPECT_FALSE(c.first_error.empty());
}

TEST(KafkaProducer, WhatTheFlushTimeoutLeavesIsUndelivered) {
  MockCluster cluster;
  KafkaOptions o = OptionsFor(cluster);
  o.flush_timeout_seconds = 0.5;  // messages themselves would wait for 5 minutes
  auto producer = KafkaProducer::Connect(o);
  ASSERT_TRUE(producer.ok()) << producer.status();
  rd_kafka_mock_broker_set_down(cluster.get(), -1);
  ProduceN(producer->get(), 250);
  const auto started = std::chrono::steady_clock::now();
  const absl::Status s = (*producer)->Flush();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  const KafkaCounts c = (*producer)->counts();
  EXPECT_EQ(c.undelivered, 250u);
  EXPECT_EQ(c.delivered + c.failed, 0u);
  EXPECT_THAT(s.message(), HasSubstr("250 were not delivered"));
}

TEST(KafkaProducer, AFullQueueWaitsAndCancelStopsTheWait) {
  MockCluster cluster;
  KafkaOptions o = OptionsFor(cluster);
  o.settings = {{"queue.buffering.max.messages", "10"}};
  o.flush_timeout_seconds = 0.2;
  auto producer = KafkaProducer::Connect(o);
  ASSERT_TRUE(producer.ok()) << producer.status();
  rd_kafka_mock_broker_set_down(cluster.get(), -1);
  std::atomic<bool> cancel{false};
  (*producer)->set_cancel(&cancel);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  ProduceN(producer->get(), 30);  // 10 fit; the 11th waits until cancelled
  canceller.join();
  (void)(*producer)->Flush();
  const KafkaCounts c = (*producer)->counts();
  EXPECT_EQ(c.produced, 30u);
  EXPECT_EQ(c.undelivered, 30u);
}

TEST(KafkaProducer, ACancelledRunFlushesForAtMostASecond) {
  MockCluster cluster;
  KafkaOptions o = OptionsFor(cluster);  // flush timeout 30 s
  auto producer = KafkaProducer::Connect(o);
  ASSERT_TRUE(producer.ok()) << producer.status();
  rd_kafka_mock_broker_set_down(cluster.get(), -1);
  std::atomic<bool> cancel{true};
  (*producer)->set_cancel(&cancel);
  ProduceN(producer->get(), 50);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE((*producer)->Flush().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ((*producer)->counts().undelivered, 50u);
}

}  // namespace
}  // namespace netflower
