// A Kafka cluster for tests: librdkafka's mock cluster (rdkafka_mock.h), the
// real Kafka wire protocol over TCP on 127.0.0.1, several brokers. Any Kafka
// client (kcat, confluent-kafka, netflower) can produce to it and consume
// from it.
//
//   kafka_mock --brokers 3 --topic flows --partitions 4 --ready FILE
//              [--lifetime SECONDS]
//
// Writes the bootstrap servers to FILE once the topic exists, then reads
// commands on standard input, one per line, and answers "ok" or "error ...":
//   down ID | up ID          a broker (-1: all) stops / resumes taking
//                            connections (its clients are disconnected)
//   errors API N CODE        the next N requests of Kafka API key API
//                            (0: Produce) fail with error CODE
//   rtt ID MS                a broker answers MS milliseconds late
//   topic NAME PARTITIONS    creates a topic (3 replicas where 3 brokers)
// It stops by itself at the end of standard input or after the lifetime
// (default 600 s), whichever comes first, so that no test leaves it behind.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

struct Args {
  int brokers = 3;
  std::string topic = "flows";
  int partitions = 4;
  std::string ready;
  int lifetime_s = 600;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--brokers") {
      args->brokers = std::atoi(value);
    } else if (flag == "--topic") {
      args->topic = value;
    } else if (flag == "--partitions") {
      args->partitions = std::atoi(value);
    } else if (flag == "--ready") {
      args->ready = value;
    } else if (flag == "--lifetime") {
      args->lifetime_s = std::atoi(value);
    } else {
      return false;
    }
  }
  return (argc % 2) == 1 && !args->ready.empty() && args->brokers > 0 && args->partitions > 0;
}

std::string Run(rd_kafka_mock_cluster_t* cluster, int replicas, const std::string& line) {
  std::istringstream in(line);
  std::string verb;
  in >> verb;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (verb == "down" || verb == "up") {
    int id = 0;
    if (!(in >> id)) return "error: " + verb + " needs a broker id";
    err = verb == "down" ? rd_kafka_mock_broker_set_down(cluster, id)
                         : rd_kafka_mock_broker_set_up(cluster, id);
  } else if (verb == "errors") {
    int api = 0;
    int n = 0;
    int code = 0;
    if (!(in >> api >> n >> code)) return "error: errors API N CODE";
    for (int i = 0; i < n; ++i) {
      rd_kafka_mock_push_request_errors(cluster, static_cast<int16_t>(api), 1,
                                        static_cast<rd_kafka_resp_err_t>(code));
    }
  } else if (verb == "topic") {
    std::string name;
    int partitions = 0;
    if (!(in >> name >> partitions)) return "error: topic NAME PARTITIONS";
    err = rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, replicas);
  } else if (verb == "rtt") {
    int id = 0;
    int ms = 0;
    if (!(in >> id >> ms)) return "error: rtt ID MS";
    err = rd_kafka_mock_broker_set_rtt(cluster, id, ms);
  } else {
    return "error: unknown command '" + verb + "'";
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return std::string("error: ") + rd_kafka_err2str(err);
  return "ok";
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::cerr << "usage: kafka_mock --ready FILE [--brokers N] [--topic T] [--partitions P] "
                 "[--lifetime SECONDS]\n";
    return 2;
  }
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error));
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (handle == nullptr) {
    std::cerr << "kafka_mock: " << error << "\n";
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, args.brokers);
  if (cluster == nullptr ||
      rd_kafka_mock_topic_create(cluster, args.topic.c_str(), args.partitions,
                                 std::min(args.brokers, 3)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::cerr << "kafka_mock: could not start the mock cluster\n";
    return 1;
  }
  {
    const std::string tmp = args.ready + ".tmp";
    std::ofstream(tmp) << rd_kafka_mock_cluster_bootstraps(cluster) << "\n";
    std::rename(tmp.c_str(), args.ready.c_str());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args.lifetime_s);
  std::string pending;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (poll(&in, 1, 200) <= 0) continue;
    char buf[512];
    const ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n <= 0) break;  // end of input: the test is done
    pending.append(buf, static_cast<size_t>(n));
    for (size_t eol; (eol = pending.find('\n')) != std::string::npos;) {
      std::cout << Run(cluster, std::min(args.brokers, 3), pending.substr(0, eol)) << std::endl;
      pending.erase(0, eol + 1);
    }
  }
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}
