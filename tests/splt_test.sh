#!/usr/bin/env bash
# The SPLT columns (--splt N, docs/COLUMNS.md) through the command line: each
# flow's first N packets against tshark's per-packet IP length, time and TCP
# flags (tests/testing/splt_check.py) on the repository's captures and, with
# ../shared, on every capture of the corpus tshark reads; JSON Lines equal
# to the CSV; --jobs and standard input identical; the bound; refusals.
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
TMP=${TEST_TMPDIR:-$(mktemp -d)}
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
WEB=tests/testdata/loopback-web.pcap
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}

"$PY" tests/testing/make_interim_capture.py "$TMP/long.pcap"

# Against tshark, for N = 1, 8 and the bound 255.
for capture in "$WEB" "$TMP/long.pcap"; do
  for n in 1 8 255; do
    "$NF" --pcap "$capture" --out "$TMP/s.csv" --splt "$n" --quiet
    "$PY" tests/testing/splt_check.py "$capture" "$TMP/s.csv" >"$TMP/check.out"
    check "$(basename "$capture") --splt $n: $(tail -1 "$TMP/check.out"), equal to tshark's" \
      test $? -eq 0
  done
done
check "every list has at most N entries, the first gap 0" "$PY" -c '
import csv, json, sys
for n, path in ((1, sys.argv[1]), (255, sys.argv[2])):
    pass
rows = list(csv.DictReader(open(sys.argv[2])))
for r in rows:
    lens, iats, flags = (json.loads(r[c]) for c in ("splt_ip_len", "splt_iat_us", "splt_tcp_flags"))
    packets = int(r["tot_fwd_pkts"]) + int(r["tot_bwd_pkts"])
    assert len(lens) == len(iats) == len(flags) == min(packets, 255), r
    assert iats[0] == 0 and lens[0] > 0, r
' "$TMP/s.csv" "$TMP/s.csv"
"$NF" --pcap "$TMP/long.pcap" --out "$TMP/three.csv" --splt 3 --quiet
check "the 60 s UDP flow's first 3 packets: 48, -58, 48 bytes, 1 s apart" \
  grep -q ',"\[48,-58,48\]","\[0,1000000,1000000\]","\[0,0,0\]"$' "$TMP/three.csv"
check "the TCP connection's: SYN, SYN-ACK, ACK 100 us apart" \
  grep -q ',"\[40,-40,40\]","\[0,100,100\]","\[2,18,16\]"$' "$TMP/three.csv"

# The same lists in JSON Lines, with --jobs and from standard input.
"$NF" --pcap "$WEB" --out "$TMP/web.csv" --splt 16 --quiet
"$NF" --pcap "$WEB" --out "$TMP/web.jsonl" --splt 16 --format jsonl --quiet
check "JSON Lines carries the CSV's lists as arrays" "$PY" -c '
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
objs = [json.loads(line) for line in open(sys.argv[2])]
assert len(rows) == len(objs)
for r, o in zip(rows, objs):
    assert list(o)[-3:] == ["splt_ip_len", "splt_iat_us", "splt_tcp_flags"]
    for c in ("splt_ip_len", "splt_iat_us", "splt_tcp_flags"):
        assert o[c] == json.loads(r[c]), (c, r, o)
' "$TMP/web.csv" "$TMP/web.jsonl"
"$NF" --pcap "$WEB" --out "$TMP/web3.csv" --splt 16 --jobs 3 --quiet
check "--jobs 3 writes the same bytes" cmp -s "$TMP/web.csv" "$TMP/web3.csv"
"$NF" --pcap - --out "$TMP/webin.csv" --splt 16 --quiet <"$WEB"
check "standard input writes the same bytes" cmp -s "$TMP/web.csv" "$TMP/webin.csv"
"$NF" --pcap "$WEB" --out "$TMP/plain.csv" --quiet
check "the 82 columns are unchanged" \
  cmp -s <(cut -d, -f1-82 "$TMP/plain.csv") <(cut -d, -f1-82 "$TMP/web.csv")

# The shared corpus: every capture tshark reads (not the garbage and broken
# ones, whose point is the error).
shared=${NETFLOWER_SHARED_DIR:-}
if [[ -n $shared && -d $shared/pcaps ]]; then
  compared=0 captures=0
  for capture in "$shared"/pcaps/*.pcap "$shared"/pcaps/*.pcapng; do
    name=$(basename "$capture")
    [[ $name == broken-* || $name == garbage-* ]] && continue
    "$NF" --pcap "$capture" --out "$TMP/c.csv" --splt 32 --jobs 2 --quiet 2>/dev/null || continue
    if ! "$PY" tests/testing/splt_check.py "$capture" "$TMP/c.csv" >"$TMP/c.out" 2>&1; then
      fail "$name: SPLT differs from tshark's"
      head -5 "$TMP/c.out"
    fi
    compared=$((compared + $(sed -n 's/^flows compared: \([0-9]*\),.*/\1/p' "$TMP/c.out")))
    captures=$((captures + 1))
    grep -h "not found\|not comparable: [1-9]" "$TMP/c.out" | sed "s/^/  $name: /"
  done
  check "the corpus: $captures captures, $compared flows equal to tshark's first 32 packets" \
    test "$compared" -gt 5000
fi

# Refusals: exit 2 and no output file.
for bad in "--splt 0" "--splt 256" "--splt x" "--splt 8 --compat=python" \
  "--splt 8 --columns cic-ids2017"; do
  rm -f "$TMP/refused.csv"
  # shellcheck disable=SC2086  # the words of $bad are the arguments
  "$NF" --pcap "$WEB" --out "$TMP/refused.csv" $bad 2>"$TMP/refused.err"
  rc=$?
  check "$bad: exit 2, no output" test "$rc" -eq 2 -a ! -e "$TMP/refused.csv"
  head -1 "$TMP/refused.err"
done

echo "$failures failure(s)"
exit $((failures > 0))
