#!/bin/bash
# PID 1 of the aarch64 test VM (tools/arm_vm_test.sh): mounts the kernel's
# file systems, loads veth, runs each test of /nftests/list from its
# runfiles folder under a time limit, and prints on the serial console what
# the host reads: "NFVM ..." facts, "NFVM-BEGIN name" / "NFVM-END name rc
# seconds" around each test's output, "NFVM-DONE" at the end. Then powers
# off.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
# mount, insmod and the other commands no package of the image provides:
# busybox's, as links (the packages' own programs are kept).
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run /tmp /var/tmp /root
mount -t devpts devpts /dev/pts
# What udev and systemd would have made: the shells' process substitution
# needs /dev/fd.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
[[ -e /dev/full ]] || echo "NFVM no /dev/full"
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
ldconfig
ip link set lo up
insmod /lib/modules/*/veth.ko
echo "NFVM uname -m: $(uname -m), kernel $(uname -r), $(nproc) CPUs"
netflower --version | sed 's/^/NFVM /'
# io_uring on this kernel, not the fallback: the run summary names the method
# that wrote the CSV.
netflower --pcap /nftests/loopback-web.pcap --out /tmp/conversion.csv \
  2>/tmp/conversion.err
echo "NFVM conversion exit $?, $(($(wc -l </tmp/conversion.csv) - 1)) flows"
sed -n 's/^  csv written with *\(.*\)$/NFVM csv written with: \1/p' /tmp/conversion.err
while read -r name path; do
  echo "NFVM-BEGIN $name"
  dir=/nftests/$name/netflower  # the runfiles tree, as bazel test lays it out
  tmp=$(mktemp -d /tmp/test.XXXXXX)
  start=$(date +%s)
  (cd "$dir" && TEST_TMPDIR=$tmp TEST_SRCDIR=/nftests/$name TEST_WORKSPACE=netflower \
    NETFLOWER_REQUIRE_IO_URING=1 NETFLOWER_TEST_SLOWDOWN=4 timeout -k 10 600 "./$path" 2>&1)
  rc=$?
  echo "NFVM-END $name $rc $(($(date +%s) - start))s"
  rm -rf "$tmp"
done </nftests/list
# The board kit (bench/kit): its tables, with UDP on lo for the live part,
# then netflower and tcpdump side by side on the same replay.
if [[ -d /nfkit ]]; then
  echo "NFVM-BEGIN kit"
  start=$(date +%s)
  python3 /nftests/udp_replay.py 0 &
  sender=$!
  /nfkit/run_bench.sh --packets 100000 --runs 1 --jobs-max 2 --iface lo --seconds 5 \
    --workdir /tmp/kit 2>&1
  rc=$?
  kill "$sender"
  echo
  echo "== netflower and tcpdump on the same replay (lo)"
  bash /nftests/live_vs_tcpdump.sh 20000 2>&1 || rc=1
  echo "NFVM-END kit $rc $(($(date +%s) - start))s"
fi
echo "NFVM-DONE"
echo o >/proc/sysrq-trigger
sleep 10
