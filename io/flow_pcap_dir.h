// The --save-pcap directory: one classic pcap file per completed flow,
// created so that nobody else who can write to the directory can make
// netflower (often root) write anywhere else.
#ifndef NETFLOWER_IO_FLOW_PCAP_DIR_H_
#define NETFLOWER_IO_FLOW_PCAP_DIR_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace netflower {

class FlowPcapDirectory {
 public:
  // Flow files that already exist (or a link planted under their name) are
  // never reused: the name gets a suffix "-1" ... "-<kMaxSuffix>", then the
  // write fails.
  static constexpr int kMaxSuffix = 16;

  // Opens `path`, which must be an existing directory that only trusted
  // users can change: not writable by everyone unless sticky (like /tmp),
  // and owned by root, by this process's user, or by `also_trusted` (the
  // user a capture switches to with --user). Errors name the path, the
  // problem and the fix: FailedPrecondition (missing, not a directory,
  // unsafe), PermissionDenied (cannot be opened).
  static absl::StatusOr<std::unique_ptr<FlowPcapDirectory>> Open(
      const std::string& path, std::optional<uid_t> also_trusted = std::nullopt);

  ~FlowPcapDirectory();
  FlowPcapDirectory(const FlowPcapDirectory&) = delete;
  FlowPcapDirectory& operator=(const FlowPcapDirectory&) = delete;

  // Writes a microsecond pcap (link type `link_type`, then `records`, each a
  // pcap record header and its bytes) as a new file `name` in the directory:
  // created with O_EXCL | O_NOFOLLOW relative to the directory opened above,
  // so an existing file or symbolic link is never followed or truncated.
  // Returns the name used (`name` or `name` with a suffix before ".pcap").
  absl::StatusOr<std::string> Write(const std::string& name, uint16_t link_type,
                                    const std::string& records);

  const std::string& path() const { return path_; }

 private:
  FlowPcapDirectory(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  // Creates the file exclusively, trying suffixed names; -1 and errno on failure.
  int CreateExclusive(const std::string& name, std::string* used);

  const std::string path_;
  const int fd_;
};

// Whether user `uid` (primary group `gid`, supplementary groups as listed for
// `user` in the group database) may create files in `dir`, judged from its
// permission bits (root always may). For checking a --user before switching.
// `what` names the folder in errors ("--save-pcap folder").
absl::Status CheckWritableBy(const std::string& dir, const std::string& what,
                             const std::string& user, uid_t uid, gid_t gid);

}  // namespace netflower

#endif  // NETFLOWER_IO_FLOW_PCAP_DIR_H_
