#!/usr/bin/env bash
# Interim reports and the export_reason column (FLOW-RULES §14, docs/COLUMNS.md)
# through the command line: a 60 s flow reported every 10 s; final rows equal
# to the run without --interim; interim counts checked against tshark's
# packets (tests/testing/interim_check.py) on the repository's captures and,
# with ../shared, on real captures with long flows; --jobs, stdin and JSON
# Lines identical; the summary; refusals.
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
TMP=${TEST_TMPDIR:-$(mktemp -d)}
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}
column() {  # column NAME FILE: the values of column NAME, one a line
  awk -F, -v want="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next }
    { print $c }' "$2"
}

"$PY" tests/testing/make_interim_capture.py "$TMP/long.pcap"

# The 60 s UDP flow (a packet a second) with --interim 10: reported at 11,
# 22, 33, 44 and 55 s, its counts growing, then its final row, the one the
# run without --interim writes.
"$NF" --pcap "$TMP/long.pcap" --out "$TMP/plain.csv" --quiet
"$NF" --pcap "$TMP/long.pcap" --out "$TMP/reason.csv" --export-reason --quiet
"$NF" --pcap "$TMP/long.pcap" --out "$TMP/interim.csv" --interim 10 2>"$TMP/interim.err"
check "--interim 10: exit 0" test $? -eq 0
check "the header ends with export_reason" \
  test "$(head -1 "$TMP/interim.csv")" = "$(head -1 "$TMP/plain.csv"),export_reason"
grep ',5000,6000,17,' "$TMP/interim.csv" >"$TMP/udp.rows"
check "the 60 s flow: 5 interim rows, then its final row" \
  test "$(cut -d, -f83 "$TMP/udp.rows" | tr '\n' ' ')" = "interim interim interim interim interim end "
check "... reported at 11, 22, 33, 44, 55 s with 12, 23, 34, 45, 56 packets" \
  test "$(awk -F, '$83 == "interim" { printf "%s/%d ", $7, $12 + $13 }' "$TMP/udp.rows")" \
  = "11.0/12 22.0/23 33.0/34 44.0/45 55.0/56 "
check "... its final row is the plain run's, byte for byte" \
  test "$(grep ',5000,6000,17,' "$TMP/plain.csv"),end" = "$(tail -1 "$TMP/udp.rows")"
check "the 30 s TCP connection: 2 interim rows, then fin" \
  test "$(grep ',40000,80,6,' "$TMP/interim.csv" | cut -d, -f83 | tr '\n' ' ')" = "interim interim fin "
check "the 1 s flow is never reported" \
  test "$(grep -c ',53000,53,17,.*,interim$' "$TMP/interim.csv")" -eq 0
check "the summary counts 7 interim rows apart from the 3 flows" \
  grep -q "interim rows                 7  (every 10 s; not counted as flows)" "$TMP/interim.err"
check "... flows written 3" grep -q "flows written                3$" "$TMP/interim.err"
check "final rows unchanged, interim counts equal tshark's" \
  "$PY" tests/testing/interim_check.py "$TMP/reason.csv" "$TMP/interim.csv" "$TMP/long.pcap"
check "--export-reason: the plain rows with their reasons" \
  test "$(cut -d, -f83 "$TMP/reason.csv" | tail -n +2 | sort | tr '\n' ' ')" = "end end fin "

# Identical across --jobs, standard input and JSON Lines.
for capture in "$TMP/long.pcap" tests/testdata/loopback-web.pcap; do
  name=$(basename "$capture")
  "$NF" --pcap "$capture" --out "$TMP/j1.csv" --interim 0.002 --quiet
  "$NF" --pcap "$capture" --out "$TMP/j3.csv" --interim 0.002 --jobs 3 --quiet
  check "$name: --jobs 3 writes the same bytes" cmp -s "$TMP/j1.csv" "$TMP/j3.csv"
  "$NF" --pcap - --out "$TMP/stdin.csv" --interim 0.002 --quiet <"$capture"
  check "$name: standard input writes the same bytes" cmp -s "$TMP/j1.csv" "$TMP/stdin.csv"
  "$NF" --pcap "$capture" --out "$TMP/j1.jsonl" --interim 0.002 --format jsonl --quiet
  check "$name: JSON Lines has the same export reasons" test \
    "$("$PY" -c 'import json, sys; print(" ".join(json.loads(l)["export_reason"] for l in open(sys.argv[1])))' "$TMP/j1.jsonl")" \
    = "$(column export_reason "$TMP/j1.csv" | tr '\n' ' ' | sed 's/ $//')"
  "$NF" --pcap "$capture" --out "$TMP/r.csv" --export-reason --quiet
  check "$name: final rows unchanged, counts equal tshark's (--interim 0.002)" \
    "$PY" tests/testing/interim_check.py "$TMP/r.csv" "$TMP/j1.csv" "$capture"
done
check "loopback-web.pcap has interim rows at 2 ms" grep -q ',interim$' "$TMP/j1.csv"

# Real captures with long flows (../shared): every interim row against tshark.
# (Not the tunnel captures: the check takes tshark's innermost addresses and
# ports field by field, which a tunnel of another IP version mixes up.)
shared=${NETFLOWER_SHARED_DIR:-}
if [[ -n $shared && -d $shared/pcaps ]]; then
  for name in eth-ipv4-tcp-keepalive-1h.pcap eth-mixed-emix-697flows.pcap \
    eth-mixed-gnutella-759flows.pcap sll-ipv4-kakaotalk.pcap eth-dns-219flows.pcap \
    pcapng-22if-sites.pcapng raw101-ipv4-mobile.pcap eth-ipv4-synscan-1994flows.pcap; do
    capture=$shared/pcaps/$name
    "$NF" --pcap "$capture" --out "$TMP/r.csv" --export-reason --quiet
    "$NF" --pcap "$capture" --out "$TMP/i.csv" --interim 5 --jobs 2 --quiet
    "$PY" tests/testing/interim_check.py "$TMP/r.csv" "$TMP/i.csv" "$capture" >"$TMP/check.out"
    check "$name: final rows unchanged, $(tail -1 "$TMP/check.out"), counts equal tshark's" \
      test $? -eq 0
    grep -v '^interim rows' "$TMP/check.out" | head -5
  done
fi

# Refusals: exit 2 and no output file.
refused() {  # refused "what" ARGS...
  local what=$1; shift
  rm -f "$TMP/refused.csv"
  "$NF" --pcap tests/testdata/loopback-web.pcap --out "$TMP/refused.csv" "$@" 2>"$TMP/refused.err"
  local rc=$?
  check "$what: exit 2, no output" test "$rc" -eq 2 -a ! -e "$TMP/refused.csv"
  grep -m1 -i "interim\|export_reason\|expected" "$TMP/refused.err"
}
refused "--interim 0" --interim 0
refused "--interim -1" --interim -1
refused "--interim soon" --interim soon
refused "--interim with --compat=python" --interim 10 --compat=python
refused "--export-reason with --compat=python" --export-reason --compat=python
refused "--interim with a CIC layout" --interim 10 --columns cic-ids2017
refused "--interim with --ipfix" --interim 10 --ipfix 127.0.0.1:4739

echo "$failures failure(s)"
exit $((failures > 0))
