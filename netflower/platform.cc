#include "netflower/platform.h"

#include "capture/packet_ring.h"
#include "io/chunk_writer.h"

namespace netflower {

PlatformSupport ProbePlatform() { return PlatformSupport{ProbeIoUring(), ProbeTpacketV3()}; }

}  // namespace netflower
