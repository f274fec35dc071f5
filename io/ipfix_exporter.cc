#include "io/ipfix_exporter.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace netflower {
namespace {

constexpr double kMaxBackoffSeconds = 2.0;
// A live TCP connection that takes nothing for this long while the buffer
// is full: the message is dropped rather than the run held.
constexpr int kStallMilliseconds = 5000;
// UDP, at the end: how long to wait for the collector host's "port
// unreachable" about the last datagram. On loopback it is there at once.
constexpr int kLastDatagramWaitMs = 20;

void PutU16(uint16_t v, char* p) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
void PutU32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (24 - 8 * i));
}
uint16_t GetU16(const char* p) {
  return static_cast<uint16_t>((static_cast<uint8_t>(p[0]) << 8) | static_cast<uint8_t>(p[1]));
}

std::string TransportName(IpfixTransport t) { return t == IpfixTransport::kTcp ? "tcp" : "udp"; }

struct Resolved {
  sockaddr_storage address{};
  socklen_t length = 0;
};

absl::StatusOr<Resolved> Resolve(const IpfixOptions& o) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = o.transport == IpfixTransport::kTcp ? SOCK_STREAM : SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = absl::StrCat(o.port);
  const int rc = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0 || found == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--ipfix: cannot resolve the collector host \"", o.host,
                     "\": ", rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc),
                     " (give an address, e.g. 127.0.0.1:4739, or a name this machine resolves)"));
  }
  Resolved r;
  std::memcpy(&r.address, found->ai_addr, found->ai_addrlen);
  r.length = found->ai_addrlen;
  freeaddrinfo(found);
  return r;
}

}  // namespace

absl::Status ParseIpfixCollector(std::string_view text, IpfixOptions* options) {
  const auto bad = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(why),
                     "; expected HOST:PORT[/udp|/tcp], e.g. 127.0.0.1:4739 or [::1]:4739/tcp"));
  };
  std::string_view rest = text;
  IpfixTransport transport = IpfixTransport::kUdp;
  if (const size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
    const std::string_view t = rest.substr(slash + 1);
    if (t == "tcp") {
      transport = IpfixTransport::kTcp;
    } else if (t != "udp") {
      return bad("the transport is udp or tcp");
    }
    rest = rest.substr(0, slash);
  }
  const size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = rest.substr(0, colon);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad("an IPv6 address ends with ]");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return bad("an IPv6 address goes in brackets");
  }
  if (host.empty()) return bad("no host");
  uint32_t port = 0;
  const std::string_view port_text = rest.substr(colon + 1);
  if (port_text.empty() || port_text.find_first_not_of("0123456789") != std::string_view::npos ||
      port_text.size() > 5 ||
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec !=
          std::errc() ||
      port == 0 || port > 65535) {
    return bad("the port is a number from 1 to 65535");
  }
  options->host = std::string(host);
  options->port = static_cast<uint16_t>(port);
  options->transport = transport;
  return absl::OkStatus();
}

std::string IpfixCollectorText(const IpfixOptions& o) {
  const bool v6 = o.host.find(':') != std::string::npos;
  return absl::StrCat(v6 ? "[" : "", o.host, v6 ? "]" : "", ":", o.port, "/",
                      TransportName(o.transport));
}

absl::Status ValidateIpfixOptions(const IpfixOptions& o, bool tunnel_columns) {
  const auto invalid = [](auto&&... parts) {
    return absl::InvalidArgumentError(absl::StrCat(parts...));
  };
  if (o.host.empty()) return invalid("ipfix: no collector host");
  if (o.port == 0) return invalid("ipfix: the collector's port is from 1 to 65535");
  if (!(o.template_interval_seconds >= 0 &&
        o.template_interval_seconds <= kMaxKafkaTimeoutSeconds)) {
    return invalid("--ipfix-template-interval: expected seconds from 0 to ",
                   kMaxKafkaTimeoutSeconds);
  }
  if (!(o.flush_timeout_seconds >= 0 && o.flush_timeout_seconds <= kMaxKafkaTimeoutSeconds)) {
    return invalid("--ipfix-flush-timeout: expected seconds from 0 to ", kMaxKafkaTimeoutSeconds);
  }
  if (o.enterprise_number &&
      (*o.enterprise_number == 0 || *o.enterprise_number == kIpfixReversePen)) {
    return invalid("--ipfix-pen ", *o.enterprise_number,
                   ": 0 is reserved and 29305 is RFC 5103's reverse elements; give your "
                   "organisation's private enterprise number (IANA), or 32473 (RFC 5612, for "
                   "documentation and tests)");
  }
  const IpfixModel model(o, tunnel_columns, true);  // the same sizes either way
  // A UDP datagram over IPv4 carries at most 65507 bytes.
  const int most = o.transport == IpfixTransport::kUdp ? 65507 : kIpfixMaxMessageBytes;
  if (o.mtu < static_cast<int>(model.min_message_bytes()) || o.mtu > most) {
    return invalid("--ipfix-mtu ", o.mtu, ": expected ", model.min_message_bytes(), " to ", most,
                   " bytes over ", TransportName(o.transport),
                   " (the lower bound is what the largest template or record of these options "
                   "needs)");
  }
  absl::StatusOr<Resolved> r = Resolve(o);
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::unique_ptr<IpfixExporter>> IpfixExporter::Open(const IpfixOptions& options,
                                                                   bool tunnel_columns,
                                                                   bool nanoseconds) {
  if (absl::Status s = ValidateIpfixOptions(options, tunnel_columns); !s.ok()) return s;
  absl::StatusOr<Resolved> r = Resolve(options);
  if (!r.ok()) return r.status();
  std::string collector = IpfixCollectorText(options);
  std::unique_ptr<IpfixExporter> e(new IpfixExporter(options, tunnel_columns, nanoseconds,
                                                     r->address, r->length, std::move(collector)));
  if (options.transport == IpfixTransport::kUdp) {
    e->fd_ = socket(r->address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (e->fd_ < 0 ||
        connect(e->fd_, reinterpret_cast<const sockaddr*>(&r->address), r->length) != 0) {
      return absl::UnavailableError(
          absl::StrCat("IPFIX collector ", e->collector_,
                       ": cannot open a UDP socket to it: ", std::strerror(errno)));
    }
  } else {
    e->Progress();  // the first connection attempt
  }
  return e;
}

IpfixExporter::IpfixExporter(const IpfixOptions& options, bool tunnel_columns, bool nanoseconds,
                             const sockaddr_storage& address, socklen_t address_length,
                             std::string collector)
    : options_(options),
      model_(options, tunnel_columns, nanoseconds),
      address_(address),
      address_length_(address_length),
      collector_(std::move(collector)),
      builder_(static_cast<size_t>(options.mtu)) {}

IpfixExporter::~IpfixExporter() {
  if (fd_ >= 0) close(fd_);
}

// ---- IpfixMessageBuilder ----

void IpfixMessageBuilder::Start() {
  message_ = IpfixMessage();
  message_.bytes.assign(kIpfixMessageHeaderBytes, '\0');
  set_id_ = 0;
}

void IpfixMessageBuilder::CloseSet() {
  if (set_id_ == 0) return;
  PutU16(static_cast<uint16_t>(message_.bytes.size() - set_start_),
         message_.bytes.data() + set_start_ + 2);
}

void IpfixMessageBuilder::Append(uint16_t set_id, std::string_view record, bool counts_a_flow) {
  if (set_id != set_id_) {
    CloseSet();
    set_start_ = message_.bytes.size();
    set_id_ = set_id;
    char header[kIpfixSetHeaderBytes] = {};
    PutU16(set_id, header);
    message_.bytes.append(header, sizeof(header));
  }
  message_.bytes.append(record);
  if (set_id == kIpfixTemplateSetId) {
    message_.templates = true;
  } else {
    ++message_.records;
    if (counts_a_flow) ++message_.flows;
  }
}

IpfixMessage IpfixMessageBuilder::Take() {
  CloseSet();
  IpfixMessage m = std::move(message_);
  Start();
  return m;
}

// ---- Message building ----

void IpfixExporter::AppendRecord(uint16_t set_id, std::string_view record, bool counts_a_flow) {
  // A full message leaves first; then the record fits (mtu >= min_message_bytes).
  if (!builder_.Fits(set_id, record.size())) FinishMessage();
  builder_.Append(set_id, record, counts_a_flow);
}

void IpfixExporter::FinishMessage() {
  if (!builder_.empty()) Dispatch(builder_.Take());
}

// The templates, as few messages as the MTU allows.
std::deque<IpfixExporter::Message> IpfixExporter::TemplateMessages() const {
  IpfixMessageBuilder builder(static_cast<size_t>(options_.mtu));
  std::deque<Message> messages;
  for (const std::string& t : model_.template_records()) {
    if (!builder.Fits(kIpfixTemplateSetId, t.size())) messages.push_back(builder.Take());
    builder.Append(kIpfixTemplateSetId, t, false);
  }
  messages.push_back(builder.Take());
  return messages;
}

// Version 10, length, export time, sequence number, observation domain.
void IpfixExporter::StampHeader(Message* m, uint32_t sequence) const {
  char* h = m->bytes.data();
  PutU16(10, h);
  PutU16(static_cast<uint16_t>(m->bytes.size()), h + 2);
  PutU32(static_cast<uint32_t>(std::time(nullptr)), h + 4);
  PutU32(sequence, h + 8);
  PutU32(options_.observation_domain, h + 12);
}

void IpfixExporter::Add(std::string_view flow_records) {
  std::lock_guard<std::mutex> lock(mutex_);
  while (flow_records.size() >= kIpfixRecordPrefixBytes) {
    const uint16_t id = GetU16(flow_records.data());
    const uint16_t length = GetU16(flow_records.data() + 2);
    AppendRecord(id, flow_records.substr(kIpfixRecordPrefixBytes, length),
                 IpfixModel::CountsAFlow(id));
    flow_records.remove_prefix(kIpfixRecordPrefixBytes + length);
  }
}

void IpfixExporter::Poll() {
  std::lock_guard<std::mutex> lock(mutex_);
  FinishMessage();
  if (options_.transport == IpfixTransport::kTcp) Progress();
}

void IpfixExporter::Dispatch(Message m) {
  if (options_.transport == IpfixTransport::kUdp) {
    SendDatagram(std::move(m));
  } else {
    Enqueue(std::move(m));
  }
}

absl::Status IpfixExporter::Flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  FinishMessage();
  if (options_.transport == IpfixTransport::kUdp) {
    CheckLastDatagram(kLastDatagramWaitMs);
  } else {
    const auto deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(options_.flush_timeout_seconds));
    Progress();
    while (!queue_.empty() && Clock::now() < deadline &&
           !(cancel_ != nullptr && cancel_->load(std::memory_order_relaxed))) {
      if (connected_) {
        WaitWritable(10);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      Progress();
    }
    for (const Message& m : queue_) CountDropped(m);
    queue_.clear();
    queued_bytes_ = 0;
    if (fd_ >= 0) shutdown(fd_, SHUT_WR);  // what the kernel holds still goes
  }
  const IpfixCounts c = counts();
  if (c.records_dropped == 0) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("IPFIX collector ", collector_, ": ", c.records_dropped, " of ",
                   c.records_dropped + c.records_exported, " records dropped (", c.messages_dropped,
                   " messages); first error: ", FirstError()));
}

// ---- UDP ----

void IpfixExporter::SendDatagram(Message m) {
  const auto now = Clock::now();
  if (!m.templates &&
      (templates_due_ || now - templates_sent_at_ >=
                             std::chrono::duration<double>(options_.template_interval_seconds))) {
    templates_due_ = false;
    templates_sent_at_ = now;
    for (Message& t : TemplateMessages()) SendDatagram(std::move(t));
  }
  StampHeader(&m, sequence_);
  if (send(fd_, m.bytes.data(), m.bytes.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(m.bytes.size())) {
    sequence_ += m.records;
    CountExported(m);
    last_sent_ = Message{std::string(), m.records, m.flows, m.templates};
    last_sent_unconfirmed_ = true;
    return;
  }
  const int error = errno;
  ++send_errors_;
  NoteError(absl::StrCat("send: ", std::strerror(error)));
  if (error == ECONNREFUSED) OnRefused();
  CountDropped(m);
}

// The collector's host said its port is closed: about the datagram sent
// last (on loopback, at once; elsewhere the datagram before may already
// have been lost unseen). The templates go again before the next data.
void IpfixExporter::OnRefused() {
  templates_due_ = true;
  if (!last_sent_unconfirmed_) return;
  last_sent_unconfirmed_ = false;
  if (last_sent_.records == 0) return;
  records_exported_ -= last_sent_.records;
  flows_exported_ -= last_sent_.flows;
  CountDropped(last_sent_);
}

void IpfixExporter::CheckLastDatagram(int wait_ms) {
  if (fd_ < 0 || !last_sent_unconfirmed_) return;
  pollfd p{fd_, 0, 0};  // POLLERR is reported whatever the events
  if (poll(&p, 1, wait_ms) <= 0 || (p.revents & POLLERR) == 0) return;
  int error = 0;
  socklen_t length = sizeof(error);
  if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == ECONNREFUSED) {
    ++send_errors_;
    NoteError(absl::StrCat("send: ", std::strerror(error)));
    OnRefused();
  }
}

// ---- TCP ----

void IpfixExporter::Enqueue(Message m) {
  Progress();
  int waited_ms = 0;
  while (connected_ && queued_bytes_ + m.bytes.size() > kIpfixBufferBytes &&
         waited_ms < kStallMilliseconds) {
    const size_t before = queued_bytes_;
    WaitWritable(100);
    Progress();
    waited_ms = queued_bytes_ < before ? 0 : waited_ms + 100;
  }
  if (queued_bytes_ + m.bytes.size() > kIpfixBufferBytes) {
    CountDropped(m);
    return;
  }
  queued_bytes_ += m.bytes.size();
  queue_.push_back(std::move(m));
  WriteQueued();
}

// One step of the connection's life: connect when due, finish a pending
// connect, write what is queued.
void IpfixExporter::Progress() {
  if (fd_ < 0 && Clock::now() >= next_attempt_) StartConnect();
  if (connecting_) FinishConnect();
  if (connected_) WriteQueued();
}

void IpfixExporter::StartConnect() {
  fd_ = socket(address_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return Disconnect(absl::StrCat("socket: ", std::strerror(errno)));
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&address_), address_length_) == 0 ||
      errno == EINPROGRESS) {
    connecting_ = true;
    return;
  }
  Disconnect(absl::StrCat("connect: ", std::strerror(errno)));
}

void IpfixExporter::FinishConnect() {
  pollfd p{fd_, POLLOUT, 0};
  if (poll(&p, 1, 0) <= 0) return;  // still connecting
  int error = 0;
  socklen_t length = sizeof(error);
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
  connecting_ = false;
  if (error != 0) return Disconnect(absl::StrCat("connect: ", std::strerror(error)));
  connected_ = true;
  ++connections_;
  backoff_seconds_ = 0.1;
  session_sequence_ = 0;
  front_written_ = 0;  // a message cut short by the last connection goes again, whole
  std::deque<Message> templates = TemplateMessages();
  for (auto it = templates.rbegin(); it != templates.rend(); ++it) {
    queued_bytes_ += it->bytes.size();
    queue_.push_front(std::move(*it));
  }
}

void IpfixExporter::WriteQueued() {
  while (connected_ && !queue_.empty()) {
    Message& m = queue_.front();
    if (front_written_ == 0) {
      // A collector never sends on an IPFIX connection: something to read
      // is its close (or an error). Writing into it would be "accepted"
      // by our kernel and lost, so the connection is renewed first.
      if (PeerClosed()) return Disconnect("the collector closed the connection");
      StampHeader(&m, session_sequence_);
    }
    const ssize_t n = send(fd_, m.bytes.data() + front_written_, m.bytes.size() - front_written_,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      ++send_errors_;
      return Disconnect(absl::StrCat("send: ", std::strerror(errno)));
    }
    front_written_ += static_cast<size_t>(n);
    if (front_written_ < m.bytes.size()) continue;
    session_sequence_ += m.records;
    CountExported(m);
    queued_bytes_ -= m.bytes.size();
    queue_.pop_front();
    front_written_ = 0;
  }
}

// Closes the socket and schedules the next attempt. Template messages at
// the queue's front are let go: a new connection sends its own.
void IpfixExporter::Disconnect(const std::string& why) {
  NoteError(why);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  connecting_ = connected_ = false;
  front_written_ = 0;
  while (!queue_.empty() && queue_.front().templates && queue_.front().records == 0) {
    queued_bytes_ -= queue_.front().bytes.size();
    queue_.pop_front();
  }
  next_attempt_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(backoff_seconds_));
  backoff_seconds_ = std::min(kMaxBackoffSeconds, backoff_seconds_ * 2);
}

bool IpfixExporter::PeerClosed() const {
  pollfd p{fd_, POLLIN | POLLRDHUP, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

bool IpfixExporter::WaitWritable(int timeout_ms) {
  pollfd p{fd_, POLLOUT, 0};
  return poll(&p, 1, timeout_ms) > 0;
}

// ---- Counts ----

void IpfixExporter::CountExported(const Message& m) {
  ++messages_sent_;
  records_exported_ += m.records;
  flows_exported_ += m.flows;
}

void IpfixExporter::CountDropped(const Message& m) {
  if (m.records == 0) return;  // templates only: sent again
  ++messages_dropped_;
  records_dropped_ += m.records;
}

std::string IpfixExporter::FirstError() const {
  std::lock_guard<std::mutex> lock(error_mutex_);
  return first_error_.empty() ? "none" : first_error_;
}

void IpfixExporter::NoteError(const std::string& error) {
  std::lock_guard<std::mutex> lock(error_mutex_);
  if (first_error_.empty()) first_error_ = error;
}

IpfixCounts IpfixExporter::counts() const {
  IpfixCounts c;
  c.flows_exported = flows_exported_.load();
  c.records_exported = records_exported_.load();
  c.records_dropped = records_dropped_.load();
  c.messages_sent = messages_sent_.load();
  c.messages_dropped = messages_dropped_.load();
  c.send_errors = send_errors_.load();
  c.connections = connections_.load();
  std::lock_guard<std::mutex> lock(error_mutex_);
  c.first_error = first_error_.empty() ? "" : absl::StrCat(collector_, ": ", first_error_);
  return c;
}

}  // namespace netflower
