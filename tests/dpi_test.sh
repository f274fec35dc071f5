#!/usr/bin/env bash
# Application labels (--dpi, FLOW-RULES §16) through the command line,
# against independent readers (tests/testing/dpi_check.py): nDPI's own
# ndpiReader for the application name, tshark for the server name (TLS SNI,
# HTTP Host, DNS query) and the JA3 fingerprints; on a generated capture and
# the repository's, and with ../shared on every capture of the corpus. Also:
# a hostile name cannot break a row; --jobs, standard input and JSON Lines
# agree; the other columns are unchanged; refusals.
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
# dpi_check CAPTURE CSV [--no-ndpi]: the checker's verdict, its output kept.
dpi_check() {
  "$PY" tests/testing/dpi_check.py "$@" >"$TMP/check.out" 2>&1
  local rc=$?
  grep -v "^totals:" "$TMP/check.out" | sed 's/^/  /'
  return $rc
}

"$PY" tests/testing/make_dpi_capture.py "$TMP/dpi.pcap"
"$NF" --pcap "$TMP/dpi.pcap" --out "$TMP/dpi.csv" --dpi --quiet
check "the generated capture: equal to ndpiReader and tshark" dpi_check "$TMP/dpi.pcap" "$TMP/dpi.csv"
check "DNS: named, its query name" \
  grep -q ',41000,53,17,.*,DNS,Network,DPI,netflower.example.net,,$' "$TMP/dpi.csv"
check "HTTP: named, its Host" grep -q ',80,6,.*,HTTP,Web,DPI,www.example.org,,$' "$TMP/dpi.csv"
# The JA3 string of the generated hello with GREASE left out (JA3's
# definition; tshark's tls.handshake.ja3 agrees, above):
# 771,49195-49199-49171-156,0-10-11-65281,29-23,0 -> its MD5.
ja3=$(printf '771,49195-49199-49171-156,0-10-11-65281,29-23,0' | md5sum | cut -d' ' -f1)
check "TLS: named, its SNI, JA3 without the GREASE values ($ja3)" \
  grep -q ",443,6,.*,TLS,Web,DPI,tls.example.com,$ja3,[0-9a-f]\{32\}\$" "$TMP/dpi.csv"
check "a flow nobody can name: Unknown after its 30 packets" \
  grep -q ',40000,40000,17,.*,Unknown,Unspecified,Unknown,,,$' "$TMP/dpi.csv"
# A query name with a comma, a quote, a backslash and a byte above 127: the
# row still has every field, and the name is what ndpiReader shows.
"$NF" --pcap "$TMP/dpi.pcap" --out "$TMP/dpi.jsonl" --dpi --format jsonl --quiet
check "a hostile name: every CSV row and JSON line parses, with nDPI's sanitized name" "$PY" -c '
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert all(len(r) == len(rows[0]) == 88 for r in rows), [len(r) for r in rows]
header = rows[0]
objs = [json.loads(line) for line in open(sys.argv[2])]
assert len(objs) == len(rows) - 1
for r, o in zip(rows[1:], objs):
    assert list(o)[-6:] == header[-6:]
    assert [o[c] for c in header[-6:]] == r[-6:], (r, o)
names = [o["requested_server_name"] for o in objs]
assert "a_b_c.d_e?.example.com" in names, names
' "$TMP/dpi.csv" "$TMP/dpi.jsonl"

# The repository's captures (tunnels: ndpiReader reads the outer packets).
"$NF" --pcap "$WEB" --out "$TMP/web.csv" --dpi --quiet
check "loopback-web.pcap: equal to ndpiReader and tshark" dpi_check "$WEB" "$TMP/web.csv"
for capture in tests/testdata/tunnels/*.pcap; do
  "$NF" --pcap "$capture" --out "$TMP/t.csv" --dpi --quiet
  check "$(basename "$capture"): equal to tshark (inner packets)" \
    dpi_check "$capture" "$TMP/t.csv" --no-ndpi
done

# Every worker count, standard input and the other columns.
"$NF" --pcap "$WEB" --out "$TMP/web3.csv" --dpi --jobs 3 --quiet
check "--jobs 3 writes the same bytes" cmp -s "$TMP/web.csv" "$TMP/web3.csv"
"$NF" --pcap - --out "$TMP/webin.csv" --dpi --quiet <"$WEB"
check "standard input writes the same bytes" cmp -s "$TMP/web.csv" "$TMP/webin.csv"
"$NF" --pcap "$WEB" --out "$TMP/plain.csv" --quiet
check "the 82 columns are unchanged" \
  cmp -s <(cut -d, -f1-82 "$TMP/plain.csv") <(cut -d, -f1-82 "$TMP/web.csv")
"$NF" --pcap "$TMP/dpi.pcap" --out "$TMP/all.csv" --dpi --splt 2 --export-reason \
  --columns netflower-tunnel --quiet
check "column order: the 82, tunnel, DPI, SPLT, export_reason" "$PY" -c '
import sys
h = open(sys.argv[1]).readline().strip().split(",")
assert h[82:] == ["tunnel_type", "tunnel_id", "application_name", "application_category",
                  "application_confidence", "requested_server_name", "ja3_client", "ja3_server",
                  "splt_ip_len", "splt_iat_us", "splt_tcp_flags", "export_reason"], h[82:]
' "$TMP/all.csv"
# Interim rows carry the labels so far; final rows are the plain --dpi run's.
"$NF" --pcap "$TMP/dpi.pcap" --out "$TMP/interim.csv" --dpi --interim 0.005 --quiet
"$NF" --pcap "$TMP/dpi.pcap" --out "$TMP/final.csv" --dpi --export-reason --quiet
check "with --interim: the final rows are the --dpi run's, interim rows came" "$PY" -c '
import sys
rows = open(sys.argv[1]).read().splitlines()
final = open(sys.argv[2]).read().splitlines()
assert [r for r in rows if not r.endswith(",interim")] == final
assert sum(r.endswith(",interim") for r in rows) > 0
' "$TMP/interim.csv" "$TMP/final.csv"

# The shared corpus: every capture the tools read.
shared=${NETFLOWER_SHARED_DIR:-}
if [[ -n $shared && -d $shared/pcaps ]]; then
  captures=0
  : >"$TMP/totals"
  for capture in "$shared"/pcaps/*.pcap "$shared"/pcaps/*.pcapng; do
    name=$(basename "$capture")
    [[ $name == broken-* || $name == garbage-* ]] && continue
    "$NF" --pcap "$capture" --out "$TMP/c.csv" --dpi --jobs 2 --quiet 2>/dev/null || continue
    no_ndpi=()
    [[ $name =~ gre|geneve|vxlan|erspan|gtpu|6in4|pptp ]] && no_ndpi=(--no-ndpi)
    if ! "$PY" tests/testing/dpi_check.py "$capture" "$TMP/c.csv" "${no_ndpi[@]}" \
      >"$TMP/c.out" 2>&1; then
      fail "$name: labels differ"
      head -8 "$TMP/c.out"
    fi
    grep -h "differs\|left empty" "$TMP/c.out" | sed "s/^/  $name: /"
    grep "^totals:" "$TMP/c.out" | cut -d' ' -f2- | tr ' ' '\n' >>"$TMP/totals"
    captures=$((captures + 1))
  done
  sum() { awk -F= -v k="$1" '$1 == k { s += $2 } END { print s + 0 }' "$TMP/totals"; }
  compared=$(sum ndpi_compared) equal=$(sum ndpi_equal)
  echo "  corpus totals:"
  grep = "$TMP/totals" | sort | awk -F= '{ s[$1] += $2 } END { for (k in s) print "    " k " " s[k] }' | sort
  check "the corpus: $captures captures, application name equal to ndpiReader's on $equal of $compared flows (>= 99 %)" \
    test "$compared" -gt 800 -a $((equal * 100)) -ge $((compared * 99))
  check "the corpus: server names and JA3 equal to tshark's on $(($(sum name_equal) + $(sum dns_name_equal))) names and $(sum ja3_equal) fingerprints, none different" \
    test "$(sum name_equal)" -gt 500 -a "$(sum ja3_equal)" -gt 900 -a \
    "$(($(sum name_DIFFERENT) + $(sum dns_name_DIFFERENT) + $(sum ja3_DIFFERENT)))" -eq 0
fi

# Refusals: exit 2 and no output file.
for bad in "--dpi --compat=python" "--dpi --columns cic-ids2017"; do
  rm -f "$TMP/refused.csv"
  # shellcheck disable=SC2086  # the words of $bad are the arguments
  "$NF" --pcap "$WEB" --out "$TMP/refused.csv" $bad 2>"$TMP/refused.err"
  rc=$?
  check "$bad: exit 2, no output" test "$rc" -eq 2 -a ! -e "$TMP/refused.csv"
  head -1 "$TMP/refused.err"
done

echo "$failures failure(s)"
exit $((failures > 0))
