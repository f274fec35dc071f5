// Flows to an IPFIX collector (RFC 7011) over UDP or TCP: the records the
// workers encoded (IpfixModel::AppendFlow) packed into messages within the
// MTU, never a record split across two, behind the templates, with the
// sequence number and export time stamped as each message leaves.
//
// Every record is accounted for: exported (in a message the kernel took)
// or dropped (its message refused or over the buffer), never silently.
//   UDP: a send that fails drops its message. On loopback or a LAN the
//     collector's host answers a datagram to a closed port with ICMP "port
//     unreachable", which the next send (or the check at the end) reports
//     as ECONNREFUSED: the message sent before is then counted as dropped
//     too, and the templates are sent again before the next data.
//   TCP: complete messages wait in a buffer (kIpfixBufferBytes) while the
//     collector is away; the connection is retried with backoff (0.1 s,
//     doubling to 2 s), each new one starting with the templates and a
//     sequence number of 0; before each message, a connection the collector
//     closed is renewed rather than written into. A full buffer with a live but slow connection
//     waits (back-pressure, up to 5 s without progress); with none, the
//     message is dropped. At the end, what the collector has not taken
//     within flush_timeout_seconds is dropped.
//
// Threads: Add(), Poll() and Flush() may be called from several threads
// (ConvertFiles' files at once share one exporter: one transport session,
// one sequence); a mutex orders them, uncontended for a single run (one
// merge or delivery thread). counts() may be read from any thread.
#ifndef NETFLOWER_IO_IPFIX_EXPORTER_H_
#define NETFLOWER_IO_IPFIX_EXPORTER_H_

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/ipfix_model.h"
#include "netflower/options.h"
#include "netflower/stats.h"

namespace netflower {

// An IPFIX message and what is in it.
struct IpfixMessage {
  std::string bytes;     // header (stamped as it leaves) and sets
  uint32_t records = 0;  // data records
  uint32_t flows = 0;    // of those, records that count a flow
  bool templates = false;
};

// Builds messages of at most `mtu` bytes: records appended to the open set
// while their template id is the set's, a new set otherwise; a record
// never split.
class IpfixMessageBuilder {
 public:
  explicit IpfixMessageBuilder(size_t mtu) : mtu_(mtu) { Start(); }
  // Whether `record` fits the message being built (in a new set if `set_id`
  // is not the open set's).
  bool Fits(uint16_t set_id, size_t record_bytes) const {
    const size_t set_cost = set_id == set_id_ ? 0 : kIpfixSetHeaderBytes;
    return message_.bytes.size() + set_cost + record_bytes <= mtu_;
  }
  // Appends (the caller checked Fits); set id 2 is a template record.
  void Append(uint16_t set_id, std::string_view record, bool counts_a_flow);
  bool empty() const { return message_.records == 0 && !message_.templates; }
  // The message so far (its last set's length filled in); starts a new one.
  IpfixMessage Take();

 private:
  void Start();
  void CloseSet();
  const size_t mtu_;
  IpfixMessage message_;
  size_t set_start_ = 0;  // offset of the open set's header
  uint16_t set_id_ = 0;   // 0: no set open
};

// Checks the options without sending anything: the collector's host
// resolves, the numbers are in range (mtu at least what the templates and
// records need), the enterprise number is not 0 or RFC 5103's.
absl::Status ValidateIpfixOptions(const IpfixOptions& options, bool tunnel_columns);

class IpfixExporter {
 public:
  // Resolves the collector and opens the socket; UDP is connected (so that
  // the host's "port unreachable" reaches us), TCP's first connection is
  // started (a collector that is down is retried, not an error).
  // `tunnel_columns`, `nanoseconds`: as IpfixModel takes them.
  static absl::StatusOr<std::unique_ptr<IpfixExporter>> Open(const IpfixOptions& options,
                                                             bool tunnel_columns, bool nanoseconds);
  ~IpfixExporter();
  IpfixExporter(const IpfixExporter&) = delete;
  IpfixExporter& operator=(const IpfixExporter&) = delete;

  const IpfixModel& model() const { return model_; }

  // One flow's records, as IpfixModel::AppendFlow made them.
  void Add(std::string_view flow_records);
  // Nothing new for a while: sends the message being filled (rows from a
  // quiet input are not held back) and, on TCP, connects and writes.
  void Poll();
  // The end: sends what is left (TCP: waits up to flush_timeout_seconds).
  // OK when no record was dropped; else Unavailable with the counts and the
  // first error.
  absl::Status Flush();
  // Flush stops waiting once this becomes true (a cancelled run).
  void set_cancel(const std::atomic<bool>* cancel) { cancel_ = cancel; }

  IpfixCounts counts() const;  // any thread
  const std::string& collector() const { return collector_; }

 private:
  using Message = IpfixMessage;
  using Clock = std::chrono::steady_clock;

  IpfixExporter(const IpfixOptions& options, bool tunnel_columns, bool nanoseconds,
                const sockaddr_storage& address, socklen_t address_length, std::string collector);

  // Message building.
  void AppendRecord(uint16_t set_id, std::string_view record, bool counts_a_flow);
  void FinishMessage();  // hands the current message on (if it has anything)
  std::deque<Message> TemplateMessages() const;
  void StampHeader(Message* m, uint32_t sequence) const;
  void Dispatch(Message m);

  // UDP.
  void SendDatagram(Message m);
  void OnRefused();
  void CheckLastDatagram(int wait_ms);

  // TCP.
  void Enqueue(Message m);
  void Progress();
  void StartConnect();
  void FinishConnect();
  void WriteQueued();
  void Disconnect(const std::string& why);
  bool WaitWritable(int timeout_ms);
  bool PeerClosed() const;

  void CountExported(const Message& m);
  void CountDropped(const Message& m);
  void NoteError(const std::string& error);
  std::string FirstError() const;  // without the collector's name

  const IpfixOptions options_;
  const IpfixModel model_;
  const sockaddr_storage address_;
  const socklen_t address_length_;
  const std::string collector_;  // "host:port/udp", for messages
  const std::atomic<bool>* cancel_ = nullptr;
  std::mutex mutex_;  // Add, Poll, Flush
  int fd_ = -1;

  IpfixMessageBuilder builder_;  // the message being filled

  // UDP.
  uint32_t sequence_ = 0;  // data records sent so far (the session's)
  bool templates_due_ = true;
  Clock::time_point templates_sent_at_;
  Message last_sent_;  // the datagram a later ECONNREFUSED may be about (bytes unused)
  bool last_sent_unconfirmed_ = false;

  // TCP.
  std::deque<Message> queue_;
  size_t queued_bytes_ = 0;
  size_t front_written_ = 0;  // bytes of queue_.front() on the current connection
  bool connecting_ = false;
  bool connected_ = false;
  uint32_t session_sequence_ = 0;
  double backoff_seconds_ = 0.1;
  Clock::time_point next_attempt_;

  std::atomic<uint64_t> flows_exported_{0};
  std::atomic<uint64_t> records_exported_{0};
  std::atomic<uint64_t> records_dropped_{0};
  std::atomic<uint64_t> messages_sent_{0};
  std::atomic<uint64_t> messages_dropped_{0};
  std::atomic<uint64_t> send_errors_{0};
  std::atomic<uint64_t> connections_{0};
  mutable std::mutex error_mutex_;
  std::string first_error_;
};

}  // namespace netflower

#endif  // NETFLOWER_IO_IPFIX_EXPORTER_H_
