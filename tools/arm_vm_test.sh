#!/usr/bin/env bash
# The live path on a real aarch64 Linux kernel: Debian's arm64 kernel booted
# under qemu-system-aarch64 (2 vCPUs, software emulation), a small Debian
# arm64 userland, and the aarch64 builds of the tests qemu-user cannot run
# (AF_PACKET rings, fanout, veth and network namespaces, io_uring on an ARM
# kernel). Run by tools/run_tests.sh.
#
#   tools/arm_vm_test.sh [--timeout S] [--keep DIR] [--no-kit] [TEST...]
#
# 1. the kernel (linux-image-<abi>-arm64) and the userland packages (bash,
#    coreutils, iproute2, python3, tcpdump, kcat, the libraries netflower
#    links) are fetched from Debian's archive with apt-get download, like any
#    package, and unpacked into a root tree (kept in $NETFLOWER_VM_CACHE,
#    default /var/cache/netflower-vm; nothing else is downloaded);
# 2. the tests are cross-built (--config=aarch64) and copied in with their
#    runfiles, veth.ko from the kernel package beside them;
# 3. the tree becomes an initramfs; the VM boots it, runs each test under a
#    time limit, prints each one's output between markers on the serial
#    console, and powers off;
# 4. this script reads the console: every test must pass, io_uring must have
#    written, and the VM must come back within --timeout (default 900 s).
# TEST names Bazel test targets (default: every test tagged af_packet, which
# qemu-user cannot run, and the io_uring writer test). The benchmark kit
# (bench/kit) runs after them, unless --no-kit: its tables, and netflower
# beside tcpdump on the same replay (tools/arm_vm/live_vs_tcpdump.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
timeout_s=900
keep=""
kit=1
tests=()
while (($#)); do
  case $1 in
    --timeout) timeout_s=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --no-kit) kit=0; shift ;;
    -*) echo "arm_vm_test: unknown option $1" >&2; exit 2 ;;
    *) tests+=("$1"); shift ;;
  esac
done
# The rest of the suite runs under qemu-user in run_tests.sh's aarch64 step
# (cli_test here would add about 5 minutes and nothing that step lacks).
((${#tests[@]})) || tests=(//tests:live_capture_test //tests:live_cli_test //tests:kafka_test
                           //io:csv_writer_test)
cache=${NETFLOWER_VM_CACHE:-/var/cache/netflower-vm}
work=${keep:-$(mktemp -d /tmp/netflower-vm.XXXXXX)}
mkdir -p "$cache" "$work"
[[ -n $keep ]] || trap 'rm -rf "$work"' EXIT

tools/install_deps.sh --aarch64
need=()
for p in qemu-system-arm cpio; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
fi

# --- 1. kernel and userland ---------------------------------------------------
# The userland: what the tests run (bash, dash as /bin/sh, coreutils, ip, python3, tcpdump,
# kcat, setpriv) and what netflower links, with their dependencies; the
# packages only a package manager needs (perl, debconf, dpkg, PAM) are left
# out: nothing is configured, files are only unpacked.
userland=(bash dash coreutils grep sed mawk findutils diffutils procps util-linux iproute2 tcpdump
          python3 libpython3.11-stdlib kcat libabsl20220623 libpcap0.8 liburing2 librdkafka1 libndpi4.2
          libstdc++6 libc-bin busybox-static)
kernel=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/.*Depends: \(linux-image-6[^ :]*\).*/\1/p' | head -1)
[[ -n $kernel ]] || { echo "arm_vm_test: no linux-image-arm64 in the archive (apt-get update?)" >&2; exit 1; }
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances "${userland[@]/%/:arm64}" 2>/dev/null | grep -v '^ ' | grep ':arm64$' |
  sed 's/:arm64$//' | grep -vE '^(perl|perl-base|perl-modules-.*|libperl.*|debconf|cdebconf|dpkg|adduser|install-info|init-system-helpers|usrmerge|libdebian-installer4|libnewt0.52|libslang2|libtextwrap1|passwd|libsemanage2|libsemanage-common|libpam.*|libaudit.*|libgdbm.*|libdb5.3|tar)$' |
  sort -u)
key=$(printf '%s\n' "$kernel" "$closure" | md5sum | cut -c1-12)
root=$cache/root-$key
if [[ ! -d $root ]]; then
  echo "arm_vm_test: unpacking $kernel and $(wc -w <<<"$closure") userland packages" >&2
  debs=$cache/debs-$key
  mkdir -p "$debs"
  mapfile -t packages <<<"$closure"
  (cd "$debs" && apt-get download "$kernel:arm64" "${packages[@]/%/:arm64}" >/dev/null 2>&1) ||
    { echo "arm_vm_test: apt-get download failed (Debian's archive unreachable?)" >&2; exit 1; }
  staging=$cache/.staging-$key
  rm -rf "$staging"
  mkdir -p "$staging/root" "$staging/kernel"
  for d in "$debs"/*.deb; do
    case $(basename "$d") in
      linux-image-*) dpkg-deb -x "$d" "$staging/kernel" ;;
      *) dpkg-deb -x "$d" "$staging/root" ;;
    esac
  done
  kver=$(ls "$staging/kernel/lib/modules")
  cp "$staging/kernel/boot/vmlinuz-$kver" "$staging/vmlinuz"
  install -D -m 0644 "$staging/kernel/lib/modules/$kver/kernel/drivers/net/veth.ko" \
    "$staging/root/lib/modules/$kver/veth.ko"
  rm -rf "$staging/kernel" "$debs"
  # What the maintainer scripts would have made: the alternatives' links.
  ln -s mawk "$staging/root/usr/bin/awk"
  # The users the tests and tcpdump (which drops to "tcpdump") switch to.
  printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' \
    'tcpdump:x:104:104::/nonexistent:/usr/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$staging/root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'tcpdump:x:104:' 'nogroup:x:65534:' >"$staging/root/etc/group"
  mv "$staging" "$root"
fi

# --- 2. the tests ---------------------------------------------------------------
bazel build --config=aarch64 "${tests[@]}" //tools:netflower >&2
bin=$(bazel info --config=aarch64 bazel-bin 2>/dev/null)
image=$work/image
rm -rf "$image"
cp -a "$root/root" "$image"
mkdir -p "$image/nftests"
: >"$image/nftests/list"
for t in "${tests[@]}"; do
  pkg=${t#//}; pkg=${pkg%%:*}; name=${t##*:}
  cp -rL "$bin/$pkg/$name.runfiles" "$image/nftests/$name"
  echo "$name $pkg/$name" >>"$image/nftests/list"
done
install -m 0755 "$bin/tools/netflower" "$image/usr/bin/netflower"
install -m 0644 tests/testdata/loopback-web.pcap "$image/nftests/loopback-web.pcap"
install -m 0755 tools/arm_vm/init.sh "$image/init"
install -m 0644 tools/arm_vm/udp_replay.py tools/arm_vm/live_vs_tcpdump.sh "$image/nftests/"
if ((kit)); then
  kit_tar=$(bench/make_kit.sh --arch aarch64 | tail -1)
  mkdir -p "$image/nfkit"
  tar -C "$image/nfkit" --strip-components=1 -xzf "$kit_tar"
fi
(cd "$image" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
echo "arm_vm_test: initramfs $(($(stat -c %s "$work/initrd.gz") >> 20)) MiB, ${#tests[@]} tests" >&2

# --- 3. boot -----------------------------------------------------------------------
started=$(date +%s)
set +e
timeout --foreground "$timeout_s" qemu-system-aarch64 -M virt -cpu max -smp 2 -m 2048 -nographic -nic none \
  -no-reboot -kernel "$root/vmlinuz" -initrd "$work/initrd.gz" \
  -append "console=ttyAMA0 panic=-1 quiet rdinit=/init" </dev/null >"$work/console.log" 2>&1
qemu=$?
set -e
elapsed=$(($(date +%s) - started))

# --- 4. results -----------------------------------------------------------------------
tr -d '\r' <"$work/console.log" >"$work/console.txt"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
grep '^NFVM ' "$work/console.txt" | sed 's/^NFVM /  /' || true
for t in "${tests[@]}"; do
  name=${t##*:}
  result=$(sed -n "s/^NFVM-END $name \\([0-9]*\\) \\([0-9]*\\)s$/\\1 \\2/p" "$work/console.txt")
  if [[ -z $result ]]; then
    fail "$name: no result (the VM did not get there)"
  elif [[ ${result%% *} != 0 ]]; then
    sed -n "/^NFVM-BEGIN $name\$/,/^NFVM-END $name /p" "$work/console.txt" | tail -60
    fail "$name: exit ${result%% *} in the VM"
  else
    echo "ok: $name (${result#* } s in the VM)"
  fi
done
if ((kit)); then
  sed -n '/^NFVM-BEGIN kit$/,/^NFVM-END kit /p' "$work/console.txt" | sed '1d;$d'
  kit_rc=$(sed -n 's/^NFVM-END kit \([0-9]*\) .*/\1/p' "$work/console.txt")
  [[ $kit_rc == 0 ]] || fail "the benchmark kit in the VM: exit ${kit_rc:-missing}"
fi
grep -q '^NFVM io_uring: available' "$work/console.txt" || fail "netflower --version in the VM does not report io_uring"
grep -q '^NFVM csv written with: io_uring' "$work/console.txt" ||
  fail "the conversion in the VM did not write its CSV with io_uring"
grep -q '^NFVM-DONE' "$work/console.txt" || fail "the VM did not finish (qemu exit $qemu after ${elapsed} s; timeout ${timeout_s} s)"
echo "arm_vm_test: boot to power-off ${elapsed} s; $failures failure(s); console log: $work/console.txt"
[[ -n $keep || $failures == 0 ]] || cp "$work/console.txt" /tmp/netflower-vm-console.txt
exit $((failures > 0))
