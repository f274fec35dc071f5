#include "pipeline/live_pipeline.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "capture/decode.h"
#include "capture/profile.h"
#include "io/flow_pcap_dir.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_worker.h"

namespace netflower {
namespace {

using namespace pipeline_internal;  // NOLINT: the pipeline's own parts

// The spec's live sweep interval (FLOW-RULES §2.3): accepted packets between
// sweeps, per ring.
constexpr uint64_t kLiveSweepInterval = 1000;
// Default profile: sweep at least this often while the wire is silent.
constexpr auto kTimerSweepPeriod = std::chrono::milliseconds(500);
constexpr int kPollMs = 100;

int64_t RealTimeNanos() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

// Counters a reader publishes for stats() while it runs.
struct ReaderCounters {
  std::atomic<uint64_t> read{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> skipped[static_cast<int>(SkipReason::kCount)] = {};
};

template <class P>
class RingReader {
 public:
  RingReader(int index, PacketRing* ring, Worker<P>* worker, const LiveConfig& config,
             uint64_t seed, Shared* shared, std::atomic<bool>* stop, std::atomic<uint64_t>* taken,
             std::atomic<bool>* limit_hit)
      : index_(index),
        ring_(ring),
        worker_(worker),
        packet_limit_(config.options->packet_limit),
        tunnels_(config.run.tunnels),
        save_pcap_(config.options->save_pcap),
        dpi_(!P::kCic && config.options->dpi),
        hasher_(seed),
        shared_(shared),
        stop_(stop),
        taken_(taken),
        limit_hit_(limit_hit) {}

  void Run() {
    pthread_setname_np(pthread_self(), absl::StrCat("nf-ring-", index_).c_str());
    try {
      Loop();
    } catch (const std::exception& e) {
      shared_->Fail(absl::StrCat("capture reader failed: ", e.what()));
    }
    Publish();
  }

  ReaderCounters counters;

 private:
  void Loop() {
    last_timer_sweep_ = std::chrono::steady_clock::now();
    RingPacket rp;
    while (!stop_->load(std::memory_order_relaxed)) {
      if (!ring_->Next(&rp, 0)) {
        // Nothing ready: hand over what we have, do the chores, then wait.
        Flush();
        TimerSweep();
        if (stop_->load(std::memory_order_relaxed)) break;
        if (!ring_->Next(&rp, kPollMs)) {
          TimerSweep();
          continue;
        }
      }
      if (!Handle(rp)) break;
    }
    // Stop(): take what is still in the ring, then end the worker's input.
    while (!limit_reached_ && ring_->Next(&rp, 0)) {
      if (!Handle(rp)) break;
    }
    Flush();
    WorkItem<P> end;
    end.kind = ItemKind::kEnd;
    end.packet.number = kEndOfInput;
    Push(end);
    Flush();
  }

  // Returns false once the packet limit is reached.
  bool Handle(const RingPacket& rp) {
    if (packet_limit_ != 0 && taken_->fetch_add(1, std::memory_order_relaxed) >= packet_limit_) {
      limit_reached_ = true;
      limit_hit_->store(true);
      return false;
    }
    ++read_;
    DecodedPacket decoded;
    const DecodeStatus status =
        DecodeFrame<P>(ring_->link_type(), rp.data, rp.length, tunnels_, &decoded);
    if (status != DecodeStatus::kOk) {
      ++skipped_[static_cast<int>(SkipReasonOf(status))];
    } else {
      WorkItem<P> item;
      item.kind = ItemKind::kPacket;
      EnginePacket<P>& packet = item.packet;
      FillEnginePacket(decoded, hasher_, &packet);
      const uint32_t usec = rp.nsec / 1000;
      packet.time = P::LiveTime(rp.sec, rp.nsec);
      packet.number = ++accepted_;
      if (save_pcap_ || dpi_) AddFrame(rp, usec, decoded);
      Push(item);
      if (accepted_ % kLiveSweepInterval == 0) {
        WorkItem<P> sweep;
        sweep.kind = ItemKind::kSweep;
        sweep.packet.number = accepted_;
        sweep.packet.time = packet.time;
        Push(sweep);
      }
    }
    if ((read_ & 0xFF) == 0) Publish();
    return true;
  }

  // Default profile: sweep with the real-time clock so idle flows leave
  // without further traffic (FLOW-RULES §1 correction 8).
  void TimerSweep() {
    if constexpr (!P::kPython) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_timer_sweep_ < kTimerSweepPeriod) return;
      last_timer_sweep_ = now;
      WorkItem<P> sweep;
      sweep.kind = ItemKind::kSweep;
      sweep.packet.number = accepted_;
      sweep.packet.time = RealTimeNanos();
      Push(sweep);
      Flush();
    }
    Publish();
  }

  // The packet's record for the worker: save_pcap's pcap record (header and
  // frame), else (--dpi only) its IP bytes.
  void AddFrame(const RingPacket& rp, uint32_t usec, const DecodedPacket& decoded) {
    if (frames_ == nullptr) frames_ = worker_->SpareFrameBatch();
    if (!save_pcap_) {
      frames_->AddIpPacket(rp.data + decoded.ip_offset, decoded.pkt_len);
      return;
    }
    const uint32_t header[4] = {rp.sec, usec, rp.length, rp.wire_length};
    frames_->ip_begin.push_back(static_cast<uint32_t>(sizeof(header)) + decoded.ip_offset);
    frames_->bytes.append(reinterpret_cast<const char*>(header), sizeof(header));
    frames_->bytes.append(reinterpret_cast<const char*>(rp.data), rp.length);
    frames_->ends.push_back(static_cast<uint32_t>(frames_->bytes.size()));
  }

  void Push(const WorkItem<P>& item) {
    batch_[batch_size_++] = item;
    if (batch_size_ == kBatch) Flush();
  }

  // Frames go first: the worker needs a packet's frame when it takes the
  // packet.
  void Flush() {
    if (frames_ != nullptr) {
      if (!worker_->PushFrames(frames_)) return;
      frames_ = nullptr;
    }
    // A full queue waits; the ring keeps filling meanwhile, and when it is
    // full the kernel drops (and counts) — never unbounded memory.
    if (!worker_->Push(batch_, batch_size_)) return;
    batch_size_ = 0;
  }

  void Publish() {
    counters.read.store(read_, std::memory_order_relaxed);
    counters.accepted.store(accepted_, std::memory_order_relaxed);
    for (int r = 0; r < static_cast<int>(SkipReason::kCount); ++r) {
      counters.skipped[r].store(skipped_[r], std::memory_order_relaxed);
    }
  }

  static constexpr size_t kBatch = 64;
  const int index_;
  PacketRing* const ring_;
  Worker<P>* const worker_;
  // Read for every packet: the run's settings held by value, next to the
  // reader's other hot fields.
  const uint64_t packet_limit_;
  const bool tunnels_;
  const bool save_pcap_;
  const bool dpi_;  // Options::dpi: the worker gets each packet's IP bytes
  FlowHasher hasher_;
  Shared* const shared_;
  std::atomic<bool>* const stop_;
  std::atomic<uint64_t>* const taken_;
  std::atomic<bool>* const limit_hit_;
  WorkItem<P> batch_[kBatch];
  size_t batch_size_ = 0;
  FrameBatch* frames_ = nullptr;
  uint64_t read_ = 0;
  uint64_t accepted_ = 0;
  uint64_t skipped_[static_cast<int>(SkipReason::kCount)] = {};
  bool limit_reached_ = false;
  std::chrono::steady_clock::time_point last_timer_sweep_;
};

}  // namespace

std::string SavedFlowFileName(const FlowRecord& r, int64_t start_us) {
  return absl::StrCat(IpAddressToString(r.src_ip), "-", r.src_port, "-",
                      IpAddressToString(r.dst_ip), "-", r.dst_port, "-", r.protocol, "-", start_us,
                      ".pcap");
}

struct LivePipeline::Impl {
  virtual ~Impl() = default;
  virtual absl::Status Start() = 0;
  virtual void Stop() = 0;
  virtual RunStats counters() const = 0;
  virtual uint16_t link_type() const = 0;
  std::atomic<bool> limit_hit{false};
};

namespace {

template <class P>
class LiveImpl final : public LivePipeline::Impl {
 public:
  LiveImpl(const LiveConfig& config, LiveOutputs outputs)
      : config_(config), outputs_(std::move(outputs)) {}

  ~LiveImpl() override { Stop(); }

  absl::Status Init(const std::string& interface) {
    const CaptureOptions& options = *config_.options;
    const int jobs = std::max(1, config_.run.jobs);
    if (options.save_pcap) {
      std::optional<uid_t> also_trusted;
      if (options.switch_to) also_trusted = options.switch_to->uid;
      absl::StatusOr<std::unique_ptr<FlowPcapDirectory>> dir =
          FlowPcapDirectory::Open(options.pcap_dir, also_trusted);
      if (!dir.ok()) return dir.status();
      pcap_dir_ = *std::move(dir);
    }
    RingOptions ring_options;
    ring_options.capture = &options;
    if (jobs > 1) {
      // One fanout group per capture; the kernel's flow hash keeps both
      // directions of a flow on one ring.
      ring_options.fanout_group = static_cast<uint16_t>(
          (static_cast<uintptr_t>(::getpid()) ^ (reinterpret_cast<uintptr_t>(this) >> 6)) & 0xFFFF);
      if (ring_options.fanout_group == 0) ring_options.fanout_group = 1;
    }
    for (int i = 0; i < jobs; ++i) {
      absl::StatusOr<std::unique_ptr<PacketRing>> ring = PacketRing::Open(interface, ring_options);
      if (!ring.ok()) return ring.status();
      rings_.push_back(*std::move(ring));
    }
    typename EngineFor<P>::Config engine_config;
    engine_config.idle_timeout = P::FromSeconds(config_.run.idle_timeout_seconds);
    engine_config.has_cap = true;
    engine_config.cap = P::FromSeconds(config_.run.cap_seconds.value_or(0));
    if constexpr (P::kCic) {
      if (jobs != 1 || options.save_pcap) {
        return absl::InvalidArgumentError(
            "a CIC layout captures with one worker, without save_pcap");
      }
      engine_config.columns = options.columns;
      engine_config.fixes = options.cic_fixes;
      engine_config.sweeps_expire = true;  // flows past the timeout leave without traffic
    } else {
      SetRowOptions<P>(options, &engine_config);
    }

    const std::vector<int> cpus =
        options.cpus.empty() ? DefaultWorkerCpus(jobs, AllowedCpus()) : options.cpus;
    const uint64_t seed = RandomHashSeed();
    WorkerOptions worker;
    worker.run = &config_.run;
    worker.text = P::kCic;  // CIC rows are text only
    worker.messages = options.kafka.has_value();
    worker.ipfix = outputs_.ipfix_model;
    worker.push_each_batch = true;
    worker.keep_frames = options.save_pcap;
    worker.dpi = !P::kCic && options.dpi;
    worker.frame_budget_bytes = options.save_pcap_memory_bytes;
    workers_ = MakeWorkers<P>(static_cast<size_t>(jobs), engine_config, config_.run.max_flows, seed,
                              worker, cpus, &shared_);
    for (int i = 0; i < jobs; ++i) {
      readers_.push_back(std::make_unique<RingReader<P>>(
          i, rings_[static_cast<size_t>(i)].get(), workers_[static_cast<size_t>(i)].get(), config_,
          seed, &shared_, &stop_, &taken_, &limit_hit));
    }
    return absl::OkStatus();
  }

  absl::Status Start() override {
    std::lock_guard<std::mutex> lock(control_);
    if (started_) return absl::FailedPreconditionError("the capture was already started");
    started_ = true;
    for (size_t i = 0; i < workers_.size(); ++i) {
      threads_.emplace_back([this, i] { workers_[i]->Run(static_cast<int>(i)); });
    }
    for (auto& r : readers_) threads_.emplace_back([&r] { r->Run(); });
    delivery_ = std::thread([this] { DeliveryLoop(); });
    return absl::OkStatus();
  }

  void Stop() override {
    std::lock_guard<std::mutex> lock(control_);
    if (!started_ || stopped_) return;
    stopped_ = true;
    // From here on, rows are delivered on this (the caller's) thread.
    delivery_stop_.store(true);
    shared_.merge_bell.Ring();
    delivery_.join();
    stop_.store(true);
    for (auto& ring : rings_) ring->Interrupt();
    for (;;) {
      const uint32_t seen = shared_.merge_bell.Snapshot();
      bool all_done = true;
      for (auto& w : workers_) {
        all_done = all_done && w->Finished() && !w->HasQueuedBlocks();
      }
      const bool delivered = Deliver();
      if (all_done && !delivered) break;
      if (!delivered) shared_.merge_bell.Wait(seen, 20);
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    workers_joined_.store(true, std::memory_order_release);
    Deliver();
  }

  RunStats counters() const override {
    RunStats c;
    for (const auto& r : readers_) {
      c.packets_read += r->counters.read.load(std::memory_order_relaxed);
      c.packets_accepted += r->counters.accepted.load(std::memory_order_relaxed);
      for (int i = 0; i < static_cast<int>(SkipReason::kCount); ++i) {
        c.skipped[i] += r->counters.skipped[i].load(std::memory_order_relaxed);
      }
    }
    {
      std::lock_guard<std::mutex> lock(stats_mutex_);
      for (const auto& ring : rings_) {
        const RingStats s = ring->ReadStats();
        c.kernel_received += s.packets;
        c.kernel_drops += s.drops;
        c.kernel_freezes += s.freeze_count;
      }
      c.flows_completed = delivered_;
      c.interim_rows = interim_delivered_;
      c.callback_exceptions = callback_exceptions_;
      c.first_callback_error = first_callback_error_;
      c.pcap_files_written = pcap_written_;
      c.pcap_write_errors = pcap_errors_;
      c.first_pcap_error = first_pcap_error_;
    }
    // counters() may run on another thread while Stop() is under way, so it
    // reads the workers' own counters only once Stop() has joined them.
    if (workers_joined_.load(std::memory_order_acquire)) {
      // Workers have finished: their counters are stable.
      for (const auto& w : workers_) {
        const EngineCounters& e = w->counters();
        c.late_packets += e.late_packets;
        c.one_packet_flows += e.one_packet_flows;
        AddEmitCounts(e, &c.flows_by_reason);
        c.frames_not_saved += w->frames_not_kept();
      }
    }
    return c;
  }

  uint16_t link_type() const override { return rings_.front()->link_type(); }

 private:
  void DeliveryLoop() {
    pthread_setname_np(pthread_self(), "nf-deliver");
    while (!delivery_stop_.load()) {
      const uint32_t seen = shared_.merge_bell.Snapshot();
      if (!Deliver()) shared_.merge_bell.Wait(seen, 100);
    }
  }

  // Hands every row the workers have pushed to the callback; true if any.
  bool Deliver() {
    bool any = false;
    for (auto& w : workers_) {
      RowBlock* b;
      while (w->TakeBlock(&b)) {
        any = true;
        for (size_t i = 0; i < b->rows(); ++i) {
          if (config_.options->kafka) {
            outputs_.on_message(b->Key(i), b->Message(i),
                                b->tags[i].reason == EmitReason::kInterim);
          }
          if (outputs_.on_ipfix) outputs_.on_ipfix(b->Ipfix(i));
          if constexpr (P::kCic) {
            DeliverText(b->Row(i));
          } else {
            const bool frames =
                config_.options->save_pcap && b->records[i].export_reason != ExportReason::kInterim;
            DeliverOne(b->records[i], frames ? &b->frames[i] : nullptr);
          }
        }
        w->ReturnBlock(b);
      }
    }
    if (!any && outputs_.on_idle) outputs_.on_idle();
    return any;
  }

  // CIC layouts: a row of text for the output.
  void DeliverText(std::string_view row) {
    if (outputs_.on_text) outputs_.on_text(row);
    std::lock_guard<std::mutex> lock(stats_mutex_);
    ++delivered_;
  }

  void DeliverOne(const FlowRecord& record, const std::string* frames) {
    std::string error;
    try {
      outputs_.on_flow(record);
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "exception";
    } catch (...) {
      error = "unknown exception";
    }
    std::string pcap_error;
    bool pcap_written = false;
    if (frames != nullptr) {
      int64_t start_us;
      if constexpr (P::kPython) {
        start_us = static_cast<int64_t>(record.timestamp * 1e6);  // netflower 1.0's int()
      } else if (frames->size() >= 8) {
        uint32_t sec, usec;
        std::memcpy(&sec, frames->data(), 4);
        std::memcpy(&usec, frames->data() + 4, 4);
        start_us = int64_t{sec} * 1000000 + usec;  // floor(start_ns / 1000)
      } else {
        start_us = static_cast<int64_t>(std::floor(record.timestamp * 1e6));
      }
      absl::StatusOr<std::string> written = pcap_dir_->Write(SavedFlowFileName(record, start_us),
                                                             rings_.front()->link_type(), *frames);
      if (written.ok()) {
        pcap_written = true;
      } else {
        pcap_error = std::string(written.status().message());
      }
    }
    std::lock_guard<std::mutex> lock(stats_mutex_);
    // An interim row is not a flow (RunStats::interim_rows).
    ++(record.export_reason == ExportReason::kInterim ? interim_delivered_ : delivered_);
    if (!error.empty()) {
      if (callback_exceptions_++ == 0) first_callback_error_ = error;
    }
    if (pcap_written) ++pcap_written_;
    if (!pcap_error.empty()) {
      if (pcap_errors_++ == 0) first_pcap_error_ = pcap_error;
    }
  }

 private:
  const LiveConfig config_;
  const LiveOutputs outputs_;
  Shared shared_;
  std::unique_ptr<FlowPcapDirectory> pcap_dir_;  // save_pcap
  std::vector<std::unique_ptr<PacketRing>> rings_;
  std::vector<std::unique_ptr<Worker<P>>> workers_;
  std::vector<std::unique_ptr<RingReader<P>>> readers_;
  std::vector<std::thread> threads_;
  std::thread delivery_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> delivery_stop_{false};
  std::atomic<uint64_t> taken_{0};
  std::mutex control_;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> workers_joined_{false};
  mutable std::mutex stats_mutex_;
  uint64_t delivered_ = 0;
  uint64_t interim_delivered_ = 0;  // interim rows (Options::interim)
  uint64_t callback_exceptions_ = 0;
  std::string first_callback_error_;
  uint64_t pcap_written_ = 0;
  uint64_t pcap_errors_ = 0;
  std::string first_pcap_error_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<LivePipeline>> LivePipeline::Create(const std::string& interface,
                                                                   const LiveConfig& config,
                                                                   LiveOutputs outputs) {
  std::unique_ptr<LivePipeline> pipeline(new LivePipeline());
  const Options& options = *config.options;
  absl::Status status = WithProfile(options.compat, IsCic(options.columns), [&](auto profile) {
    using P = decltype(profile);
    auto impl = std::make_unique<LiveImpl<P>>(config, std::move(outputs));
    absl::Status s = impl->Init(interface);
    pipeline->impl_ = std::move(impl);
    return s;
  });
  if (!status.ok()) return status;
  return pipeline;
}

LivePipeline::~LivePipeline() {
  if (impl_) impl_->Stop();
}
absl::Status LivePipeline::Start() { return impl_->Start(); }
void LivePipeline::Stop() { impl_->Stop(); }
bool LivePipeline::limit_reached() const { return impl_->limit_hit.load(); }
RunStats LivePipeline::counters() const { return impl_->counters(); }
uint16_t LivePipeline::link_type() const { return impl_->link_type(); }

}  // namespace netflower
