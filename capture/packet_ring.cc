#include "capture/packet_ring.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capture/link_type.h"

namespace netflower {
namespace {

std::string Errno(int err) { return std::strerror(err); }

// Closes what a failed Open() had opened.
struct Cleanup {
  int fd = -1;
  int wake_fd = -1;
  void* ring = nullptr;
  size_t ring_size = 0;
  ~Cleanup() {
    if (ring != nullptr) ::munmap(ring, ring_size);
    if (fd >= 0) ::close(fd);
    if (wake_fd >= 0) ::close(wake_fd);
  }
};

absl::Status AttachFilter(int fd, const std::string& interface, const std::string& expression,
                          uint16_t link_type) {
  pcap_t* dead = pcap_open_dead(link_type, 65535);
  if (dead == nullptr) return absl::InternalError("pcap_open_dead failed");
  struct bpf_program program;
  if (pcap_compile(dead, &program, expression.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string message = pcap_geterr(dead);
    pcap_close(dead);
    return absl::InvalidArgumentError(
        absl::StrCat("bad capture filter '", expression, "': ", message));
  }
  struct sock_fprog fprog;
  fprog.len = static_cast<uint16_t>(program.bf_len);
  fprog.filter = reinterpret_cast<struct sock_filter*>(program.bf_insns);
  const int r = ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog));
  const int err = errno;
  pcap_freecode(&program);
  pcap_close(dead);
  if (r != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(interface, ": cannot attach the capture filter: ", Errno(err)));
  }
  return absl::OkStatus();
}

// --- Ring set-up, one named step each (as netsniff-ng's ring_rx_setup) ---

// What the set-up learns about the interface.
struct InterfaceInfo {
  unsigned ifindex = 0;
  uint16_t link_type = 0;
  bool loopback = false;
  uint32_t mtu = 65535;
};

absl::StatusOr<unsigned> LookUpInterface(const std::string& interface) {
  if (interface.empty() || interface.size() >= IFNAMSIZ) {
    return absl::InvalidArgumentError(absl::StrCat("bad interface name '", interface, "'"));
  }
  if (interface == "any") {
    return absl::InvalidArgumentError(
        "capturing on 'any' is not supported: name one interface (list them with 'ip link')");
  }
  const unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) {
    return absl::NotFoundError(
        absl::StrCat("no network interface named '", interface, "' (list them with 'ip link')"));
  }
  return ifindex;
}

// Protocol 0: the socket receives nothing until BindAndJoin(), so no packet
// of another interface slips in while the ring is set up.
absl::StatusOr<int> OpenPacketSocket(const std::string& interface) {
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd >= 0) return fd;
  const int err = errno;
  if (err == EPERM || err == EACCES) {
    return absl::PermissionDeniedError(
        absl::StrCat("capturing on ", interface,
                     " needs root or the CAP_NET_RAW capability (run as root, or grant it: "
                     "setcap cap_net_raw,cap_net_admin=eip <path to netflower>)"));
  }
  return absl::UnavailableError(absl::StrCat("cannot open a packet socket: ", Errno(err)));
}

// Up, of a link type the decoder knows, and its MTU (for the frame size).
absl::Status InspectInterface(int fd, const std::string& interface, InterfaceInfo* info) {
  struct ifreq ifr;
  std::memset(&ifr, 0, sizeof(ifr));
  std::memcpy(ifr.ifr_name, interface.c_str(), interface.size());
  if (::ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    return absl::UnavailableError(
        absl::StrCat(interface, ": cannot read its flags: ", Errno(errno)));
  }
  if (!(ifr.ifr_flags & IFF_UP)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "interface ", interface, " is down (bring it up: ip link set ", interface, " up)"));
  }
  if (::ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
    return absl::UnavailableError(
        absl::StrCat(interface, ": cannot read its type: ", Errno(errno)));
  }
  info->loopback = ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK;
  switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:  // Linux loopback frames carry an Ethernet header
      info->link_type = kLinkEthernet;
      break;
    case ARPHRD_NONE:  // tun and other IP-only devices
    case 519:          // ARPHRD_RAWIP
      info->link_type = kLinkRaw;
      break;
    default:
      return absl::UnimplementedError(
          absl::StrCat(interface,
                       ": live capture supports Ethernet, loopback and raw-IP "
                       "interfaces; this one has ARPHRD type ",
                       ifr.ifr_hwaddr.sa_family));
  }
  if (::ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0) {
    info->mtu = static_cast<uint32_t>(ifr.ifr_mtu);
  }
  return absl::OkStatus();
}

// The ring's geometry, checked against the page size, the MTU and memory.
absl::StatusOr<tpacket_req3> PlanRing(const RingOptions& options, uint32_t mtu,
                                      const std::string& interface) {
  const int64_t page = ::sysconf(_SC_PAGESIZE);
  const uint32_t block_size = options.capture->ring_block_size;
  if (block_size < static_cast<uint32_t>(page) || block_size % page != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ring block size ", block_size, " must be a multiple of the page size (", page, ")"));
  }
  // Room for one maximum-size packet: header, link header, MTU, aligned.
  const uint32_t frame_size =
      TPACKET_ALIGN(options.frame_size != 0 ? options.frame_size : TPACKET3_HDRLEN + 64 + mtu);
  if (frame_size > block_size) {
    return absl::InvalidArgumentError(absl::StrCat("ring block size ", block_size,
                                                   " is smaller than one frame (", frame_size,
                                                   " bytes for MTU ", mtu, ")"));
  }
  // The kernel allocates the whole ring up front; a ring near the size of
  // memory would push the machine into the OOM killer, so refuse it here.
  const size_t ring_size = size_t{block_size} * options.capture->ring_block_count;
  const size_t memory = static_cast<size_t>(::sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(page);
  if (options.capture->ring_block_count == 0 || ring_size > memory / 4) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a ", ring_size >> 20, " MiB capture ring on ", interface,
                     " is too large for this machine's ", memory >> 20,
                     " MiB of memory (use at most a quarter: fewer or smaller ring blocks)"));
  }
  struct tpacket_req3 req;
  std::memset(&req, 0, sizeof(req));
  req.tp_block_size = block_size;
  req.tp_block_nr = options.capture->ring_block_count;
  req.tp_frame_size = frame_size;
  req.tp_frame_nr = (block_size / frame_size) * options.capture->ring_block_count;
  req.tp_retire_blk_tov = options.capture->ring_block_timeout_ms;
  return req;
}

// TPACKET_V3, the RX ring, and its mapping into this process.
absl::StatusOr<void*> CreateRing(int fd, const tpacket_req3& req, const std::string& interface) {
  const int version = TPACKET_V3;
  if (::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0) {
    return absl::UnimplementedError(
        absl::StrCat("this kernel has no TPACKET_V3 packet rings: ", Errno(errno)));
  }
  const size_t ring_size = size_t{req.tp_block_size} * req.tp_block_nr;
  if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) {
    const int err = errno;
    if (err == ENOMEM) {
      return absl::ResourceExhaustedError(
          absl::StrCat("a ", ring_size >> 20, " MiB capture ring on ", interface,
                       " does not fit in memory (use fewer or smaller ring blocks)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(interface, ": cannot set up the capture ring: ", Errno(err)));
  }
  void* ring = ::mmap(nullptr, ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring != MAP_FAILED) return ring;
  const int err = errno;
  if (err == ENOMEM || err == EAGAIN) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a ", ring_size >> 20, " MiB capture ring on ", interface,
                     " cannot be mapped (use fewer or smaller ring blocks)"));
  }
  return absl::UnavailableError(absl::StrCat(interface, ": cannot map the ring: ", Errno(err)));
}

// Starts the flow of packets: bind to the interface (after the filter is
// attached), then promiscuous mode and the fanout group if asked.
absl::Status BindAndJoin(int fd, const InterfaceInfo& info, const RingOptions& options,
                         const std::string& interface) {
  struct sockaddr_ll addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(info.ifindex);
  if (::bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot bind to ", interface, ": ", Errno(errno)));
  }
  if (options.capture->promiscuous) {
    struct packet_mreq mreq;
    std::memset(&mreq, 0, sizeof(mreq));
    mreq.mr_ifindex = static_cast<int>(info.ifindex);
    mreq.mr_type = PACKET_MR_PROMISC;
    if (::setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) != 0) {
      return absl::UnavailableError(
          absl::StrCat(interface, ": cannot enter promiscuous mode: ", Errno(errno)));
    }
  }
  if (options.fanout_group != 0) {
    const int fanout = options.fanout_group | (PACKET_FANOUT_HASH << 16);
    if (::setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof(fanout)) != 0) {
      return absl::UnavailableError(
          absl::StrCat(interface, ": cannot join fanout group: ", Errno(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<PacketRing>> PacketRing::Open(const std::string& interface,
                                                             const RingOptions& options) {
  InterfaceInfo info;
  absl::StatusOr<unsigned> ifindex = LookUpInterface(interface);
  if (!ifindex.ok()) return ifindex.status();
  info.ifindex = *ifindex;
  Cleanup c;  // closes and unmaps whatever is set up if a later step fails
  absl::StatusOr<int> fd = OpenPacketSocket(interface);
  if (!fd.ok()) return fd.status();
  c.fd = *fd;
  if (absl::Status s = InspectInterface(c.fd, interface, &info); !s.ok()) return s;
  absl::StatusOr<tpacket_req3> req = PlanRing(options, info.mtu, interface);
  if (!req.ok()) return req.status();
  absl::StatusOr<void*> ring = CreateRing(c.fd, *req, interface);
  if (!ring.ok()) return ring.status();
  c.ring = *ring;
  c.ring_size = size_t{req->tp_block_size} * req->tp_block_nr;
  if (!options.capture->filter.empty()) {
    if (absl::Status s = AttachFilter(c.fd, interface, options.capture->filter, info.link_type);
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = BindAndJoin(c.fd, info, options, interface); !s.ok()) return s;
  c.wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (c.wake_fd < 0) return absl::UnavailableError(absl::StrCat("eventfd: ", Errno(errno)));

  std::unique_ptr<PacketRing> r(new PacketRing());
  r->fd_ = c.fd;
  r->wake_fd_ = c.wake_fd;
  r->ring_ = static_cast<uint8_t*>(c.ring);
  r->ring_size_ = c.ring_size;
  r->block_size_ = req->tp_block_size;
  r->block_count_ = req->tp_block_nr;
  r->link_type_ = info.link_type;
  r->loopback_ = info.loopback;
  c.fd = c.wake_fd = -1;
  c.ring = nullptr;
  return r;
}

PacketRing::~PacketRing() {
  if (ring_ != nullptr) ::munmap(ring_, ring_size_);
  if (fd_ >= 0) ::close(fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

// The block hand-off between kernel and program, named once (libpcap's
// acquire/release): a block belongs to this program while its status word
// has TP_STATUS_USER (read with acquire, so its packets are visible), and
// goes back when the word is set to TP_STATUS_KERNEL (stored with release,
// after the last read of its packets).
tpacket_block_desc* PacketRing::AcquireBlock() {
  auto* desc = reinterpret_cast<tpacket_block_desc*>(ring_ + size_t{block_} * block_size_);
  if ((__atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
    return nullptr;
  }
  return desc;
}

void PacketRing::ReleaseBlock() {
  auto* desc = reinterpret_cast<tpacket_block_desc*>(ring_ + size_t{block_} * block_size_);
  __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
  in_block_ = false;
  block_ = (block_ + 1) % block_count_;
}

bool PacketRing::Next(RingPacket* packet, int timeout_ms) {
  for (;;) {
    if (in_block_ && left_in_block_ > 0) {
      const auto* hdr = reinterpret_cast<const tpacket3_hdr*>(next_packet_);
      const uint8_t* const this_packet = next_packet_;
      next_packet_ += hdr->tp_next_offset;
      --left_in_block_;
      if (loopback_) {
        // The loopback device shows every packet twice, leaving and
        // arriving; keep the arrival (as libpcap does).
        const auto* ll =
            reinterpret_cast<const sockaddr_ll*>(this_packet + TPACKET_ALIGN(sizeof(tpacket3_hdr)));
        if (ll->sll_pkttype == PACKET_OUTGOING) continue;
      }
      packet->data = this_packet + hdr->tp_mac;
      packet->length = hdr->tp_snaplen;
      packet->wire_length = hdr->tp_len;
      packet->sec = hdr->tp_sec;
      packet->nsec = hdr->tp_nsec;
      return true;
    }
    if (in_block_) ReleaseBlock();
    if (const tpacket_block_desc* desc = AcquireBlock()) {
      in_block_ = true;
      left_in_block_ = desc->hdr.bh1.num_pkts;
      next_packet_ = reinterpret_cast<const uint8_t*>(desc) + desc->hdr.bh1.offset_to_first_pkt;
      continue;
    }
    struct pollfd fds[2] = {{fd_, POLLIN | POLLERR, 0}, {wake_fd_, POLLIN, 0}};
    const int r = ::poll(fds, 2, timeout_ms);
    if (r <= 0) return false;  // timeout (or EINTR): let the caller do its chores
    if (fds[1].revents & POLLIN) {
      uint64_t drain;
      (void)!::read(wake_fd_, &drain, sizeof(drain));
      return false;
    }
  }
}

void PacketRing::Interrupt() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
}

RingStats PacketRing::ReadStats() {
  struct tpacket_stats_v3 st;
  std::memset(&st, 0, sizeof(st));
  socklen_t len = sizeof(st);
  if (::getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
    totals_.packets += st.tp_packets;  // includes drops
    totals_.drops += st.tp_drops;
    totals_.freeze_count += st.tp_freeze_q_cnt;
  }
  return totals_;
}

absl::Status ProbeTpacketV3() {
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    const int err = errno;
    if (err == EPERM || err == EACCES) {
      return absl::PermissionDeniedError("needs root or CAP_NET_RAW");
    }
    return absl::UnimplementedError(absl::StrCat("AF_PACKET sockets: ", std::strerror(err)));
  }
  const int version = TPACKET_V3;
  absl::Status status;
  if (::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0) {
    status = absl::UnimplementedError(absl::StrCat("TPACKET_V3: ", std::strerror(errno)));
  }
  ::close(fd);
  return status;
}

}  // namespace netflower
