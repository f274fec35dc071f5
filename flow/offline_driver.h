// Runs a capture file through the decoder and one flow engine.
#ifndef NETFLOWER_FLOW_OFFLINE_DRIVER_H_
#define NETFLOWER_FLOW_OFFLINE_DRIVER_H_

#include <chrono>
#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "capture/capture_file.h"
#include "capture/decode.h"
#include "flow/flow_engine.h"
#include "flow/flow_key.h"
#include "flow/flow_sink.h"
#include "flow/run_stats.h"

namespace netflower {

struct DriverConfig {
  double idle_timeout_seconds = 120.0;
  std::optional<double> cap_seconds;
  uint64_t gc_interval = 1000;
  uint64_t hash_seed = 0;
  std::function<void(const Progress&)> on_progress;
};

// Feeds every packet of `reader` to a FlowEngine<P> emitting into `sink`,
// sweeping after every gc_interval-th accepted packet, and flushes at the
// end. Counts into `stats`. Returns the sink's error if it failed (reading
// stops then), else OK.
template <class P>
absl::Status RunOffline(CaptureFileReader& reader, const DriverConfig& config, FlowSink* sink,
                        RunStats* stats) {
  typename FlowEngine<P>::Config engine_config;
  engine_config.idle_timeout = P::FromSeconds(config.idle_timeout_seconds);
  if (config.cap_seconds) {
    engine_config.has_cap = true;
    engine_config.cap = P::FromSeconds(*config.cap_seconds);
  }
  FlowEngine<P> engine(engine_config, config.hash_seed, sink);
  DecodeOptions decode_options;
  decode_options.default_profile = !P::kPython;

  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  const uint64_t gc_interval = config.gc_interval;
  uint64_t accepted = 0;
  uint64_t until_gc = gc_interval;
  uint64_t records = 0;
  RawPacket raw;
  DecodedPacket decoded;
  EnginePacket<P> packet;
  absl::Status sink_status;
  constexpr size_t kReleaseBytes = size_t{8} << 20;
  size_t released = 0;

  while (reader.Next(&raw)) {
    ++records;
    const DecodeStatus status =
        DecodeFrame(raw.link_type, raw.data, raw.length, decode_options, &decoded);
    if (status != DecodeStatus::kOk) {
      // DecodeStatus values 1..7 map onto SkipReason 0..6.
      ++stats->skipped[static_cast<int>(status) - 1];
    } else {
      packet.key = MakeFlowKey(decoded, &packet.src_is_a);
      packet.hash = engine.Hash(packet.key);
      if constexpr (P::kPython) {
        packet.time = raw.seconds;
      } else {
        packet.time = raw.nanos;
      }
      packet.number = ++accepted;
      packet.fields.pkt_len = decoded.pkt_len;
      packet.fields.payload_len = decoded.payload_len;
      packet.fields.header_len = decoded.header_len;
      packet.fields.flags = decoded.tcp_flags;
      packet.fields.window = decoded.window;
      engine.Process(packet);
      if (--until_gc == 0) {
        until_gc = gc_interval;
        engine.Sweep(packet.time, accepted);
      }
    }
    if ((records & 0x3FF) == 0 && reader.bytes_consumed() - released > kReleaseBytes) {
      // Keep the resident set small on multi-gigabyte inputs.
      reader.ReleaseConsumed();
      released = reader.bytes_consumed();
    }
    if ((records & 0xFFFF) == 0) {
      sink_status = sink->status();
      if (!sink_status.ok()) break;
      if (config.on_progress) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_progress > std::chrono::milliseconds(500)) {
          last_progress = now;
          Progress progress;
          progress.bytes_done = reader.bytes_consumed();
          progress.bytes_total = reader.file_size();
          progress.packets_read = reader.records_read();
          progress.flows_written = engine.counters().flows_emitted;
          progress.seconds = std::chrono::duration<double>(now - started).count();
          config.on_progress(progress);
        }
      }
    }
  }
  if (sink_status.ok()) engine.FlushAll();

  const EngineCounters& c = engine.counters();
  const ReaderSkips& rs = reader.skips();
  stats->skipped[static_cast<int>(SkipReason::kNoTimestamp)] += rs.simple_packet_blocks;
  stats->skipped[static_cast<int>(SkipReason::kUnknownInterface)] += rs.unknown_interface;
  stats->skipped[static_cast<int>(SkipReason::kMalformedBlock)] += rs.malformed_blocks;
  stats->packets_read += reader.records_read();
  stats->packets_accepted += accepted;
  stats->late_packets += c.late_packets;
  stats->flows_written += c.flows_emitted;
  stats->flows_by_reason.fin += c.emitted_by_reason[static_cast<int>(EmitReason::kFin)];
  stats->flows_by_reason.rst += c.emitted_by_reason[static_cast<int>(EmitReason::kRst)];
  stats->flows_by_reason.idle_timeout +=
      c.emitted_by_reason[static_cast<int>(EmitReason::kIdleTimeout)];
  stats->flows_by_reason.active_timeout +=
      c.emitted_by_reason[static_cast<int>(EmitReason::kActiveTimeout)];
  stats->flows_by_reason.end_of_input +=
      c.emitted_by_reason[static_cast<int>(EmitReason::kEndOfInput)];
  stats->peak_open_flows = std::max<uint64_t>(stats->peak_open_flows, c.peak_flows);
  stats->timestamps_clamped += reader.timestamps_clamped();
  stats->bytes_read += reader.bytes_consumed();
  stats->input_ended_early = stats->input_ended_early || reader.ended_early();
  for (const std::string& w : reader.warnings()) stats->warnings.push_back(w);
  if (!sink_status.ok()) return sink_status;
  return sink->status();
}

}  // namespace netflower

#endif  // NETFLOWER_FLOW_OFFLINE_DRIVER_H_
