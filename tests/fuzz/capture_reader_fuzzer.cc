// Fuzz target: the pcap / pcapng reader on arbitrary bytes, in both timestamp
// modes. Every returned packet must lie inside the input.
#include <cstddef>
#include <cstdint>

#include "capture/capture_file.h"
#include "capture/input_stream.h"

namespace {

template <class P>
void ReadAll(const uint8_t* data, size_t size) {
  auto file = netflower::InputStream::FromBytes(data, size, "fuzz");
  const uint8_t* begin = file->data();
  const size_t length = file->available();
  auto reader = netflower::CaptureFileReader<P>::FromStream(std::move(file));
  if (!reader.ok()) return;
  netflower::RawPacket<P> packet;
  uint64_t n = 0;
  while ((*reader)->Next(&packet)) {
    if (packet.length > 0 &&
        (packet.data < begin || packet.data + packet.length > begin + length)) {
      __builtin_trap();  // a packet outside the input
    }
    ++n;
  }
  if ((*reader)->records_read() < n) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReadAll<netflower::PythonProfile>(data, size);
  ReadAll<netflower::DefaultProfile>(data, size);
  return 0;
}
