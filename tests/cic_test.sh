#!/usr/bin/env bash
# End-to-end tests of the CIC layouts (docs/CIC.md) through the command line:
# the datasets' exact headers, rows derived by hand (tests/testdata/cic/
# handmade.md), the layouts agreeing with each other, JSON Lines, stdin,
# --jobs, --label, --cic-fixes, refusals, a pandas read shaped like the
# published CIC-IDS2017 pipelines, and, with ../shared, CICFlowMeter's own
# output on its own test capture (byte for byte).
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
CIC=tests/testdata/cic
TMP=${TEST_TMPDIR:-$(mktemp -d)}
# Debian's python3 (pandas comes from python3-pandas), else the PATH's.
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else fail "$what"; fi
}

"$PY" tests/testing/make_cic_capture.py "$TMP/hand.pcap"
declare -A header_of=(
  [cic-ids2017]=cic-ids2017-trafficlabelling [cic-ids2017-ml]=cic-ids2017-mlcve
  [cse-cic-ids2018]=cse-cic-ids2018 [cicflowmeter-v4]=cicflowmeter-v4
  [cicflowmeter]=cicflowmeter-master)
shared=${NETFLOWER_SHARED_DIR:-}

# Every layout: the dataset's header byte for byte, then rows of as many
# fields (no field of these rows contains a comma).
for layout in "${!header_of[@]}"; do
  TZ=UTC "$NF" --pcap "$TMP/hand.pcap" --columns "$layout" --out "$TMP/$layout.csv" \
    2>"$TMP/$layout.err"
  check "$layout: exit 0" test $? -eq 0
  head -1 "$TMP/$layout.csv" >"$TMP/$layout.header"
  check "$layout: header byte-identical to the dataset's" \
    cmp -s "$TMP/$layout.header" "$CIC/${header_of[$layout]}.csv-header"
  if [[ -n $shared ]]; then
    check "$layout: header byte-identical to ../shared/cic" \
      cmp -s "$TMP/$layout.header" "$shared/cic/${header_of[$layout]}.csv-header"
  fi
  n=$(head -1 "$TMP/$layout.csv" | awk -F, '{print NF}')
  check "$layout: every row has the header's $n fields" \
    test "$(awk -F, -v n="$n" 'NF != n' "$TMP/$layout.csv" | wc -l)" -eq 0
  check "$layout: 2 rows (the one-packet flow is not written)" \
    test "$(wc -l <"$TMP/$layout.csv")" -eq 3
  check "$layout: the summary counts the one-packet flow" \
    grep -q "one-packet flows *1 " "$TMP/$layout.err"
done
check "cicflowmeter-v4 is the 2018 file-with-IPs header" \
  cmp -s "$TMP/cicflowmeter-v4.header" "$CIC/cse-cic-ids2018-with-ips.csv-header"

# The rows worked out by hand (tests/testdata/cic/handmade.md).
check "cic-ids2017: the rows derived by hand" \
  cmp -s "$TMP/cic-ids2017.csv" "$CIC/handmade.cic-ids2017.csv"

# The layouts are one set of values: V4 = 2017 without the duplicated column
# 62 and with its label; 2018 = V4 without the first 4 columns; ML = 2017
# without Flow ID, Source IP/Port, Destination IP, Protocol, Timestamp.
body() { tail -n +2 "$1" | cut -d, -f"$2"; }
check "V4 rows = 2017 rows without column 62" \
  cmp -s <(body "$TMP/cicflowmeter-v4.csv" 1-83) <(body "$TMP/cic-ids2017.csv" 1-61,63-84)
check "2018 rows = V4 rows without the first 4 columns" \
  cmp -s <(body "$TMP/cse-cic-ids2018.csv" 1-) <(body "$TMP/cicflowmeter-v4.csv" 5-)
check "ML rows = 2017 rows without the flow's identity" \
  cmp -s <(body "$TMP/cic-ids2017-ml.csv" 1-) <(body "$TMP/cic-ids2017.csv" 5,8-)
check "labels: BENIGN (2017), No Label (V4), NeedManualLabel (master)" \
  test "$(tail -1 "$TMP/cic-ids2017.csv" | cut -d, -f85)/$(tail -1 "$TMP/cicflowmeter-v4.csv" | cut -d, -f84)/$(tail -1 "$TMP/cicflowmeter.csv" | cut -d, -f84)" = "BENIGN/No Label/NeedManualLabel"
check "master's timestamp has AM/PM" grep -q ',31/03/2015 11:32:22 AM,' "$TMP/cicflowmeter.csv"

# The local time zone decides the Timestamp text, as in CICFlowMeter.
TZ=America/Halifax "$NF" --pcap "$TMP/hand.pcap" --columns cicflowmeter-v4 --quiet >"$TMP/hfx.csv"
check "TZ=America/Halifax prints 08:32:22" grep -q ',31/03/2015 08:32:22,' "$TMP/hfx.csv"

# Same rows from stdin, with --jobs 3, and through JSON Lines.
TZ=UTC "$NF" --pcap - --columns cic-ids2017 --quiet <"$TMP/hand.pcap" >"$TMP/stdin.csv"
check "stdin gives the same bytes" cmp -s "$TMP/stdin.csv" "$TMP/cic-ids2017.csv"
TZ=UTC "$NF" --pcap tests/testdata/loopback-web.pcap --columns cic-ids2017 --quiet >"$TMP/lw1.csv"
TZ=UTC "$NF" --pcap tests/testdata/loopback-web.pcap --columns cic-ids2017 --jobs 3 --quiet \
  >"$TMP/lw3.csv"
check "--jobs 3 gives the same bytes" cmp -s "$TMP/lw1.csv" "$TMP/lw3.csv"
check "loopback-web: 65 CIC flows" test "$(wc -l <"$TMP/lw1.csv")" -eq 66
TZ=UTC "$NF" --pcap "$TMP/hand.pcap" --columns cic-ids2017 --format jsonl --quiet >"$TMP/hand.jsonl"
check "JSON Lines: same values, keys = the layout's names (2nd Fwd Header Length .1)" \
  "$PY" - "$TMP/hand.jsonl" "$TMP/cic-ids2017.csv" <<'PYEOF'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
lines = open(sys.argv[2]).read().splitlines()
names = lines[0].split(",")
names[61] += ".1"
ok = len(rows) == len(lines) - 1
for obj, line in zip(rows, lines[1:]):
    ok &= list(obj) == names
    for (k, v), text in zip(obj.items(), line.split(",")):
        if v is None:
            ok &= text in ("NaN", "Infinity", "-Infinity")
        elif isinstance(v, str):
            ok &= v == text
        else:
            ok &= float(text) == v
sys.exit(0 if ok else 1)
PYEOF

# --label and --cic-fixes.
TZ=UTC "$NF" --pcap "$TMP/hand.pcap" --columns cse-cic-ids2018 --label "DoS Hulk" --quiet \
  >"$TMP/label.csv"
check "--label sets the Label column" test "$(tail -1 "$TMP/label.csv" | cut -d, -f80)" = "DoS Hulk"
cat >"$TMP/rules.csv" <<'RULES'
# the answer comes from 10.0.0.4:53: the rule matches either direction
src,dst,src_port,dst_port,protocol,start,end,label
10.0.0.4,10.0.0.3/32,53,*,udp,2015-03-31T08:32:23-03:00,2015-03-31T11:32:24Z,DNS exfil
10.0.0.0/8,*,*,*,*,*,1427801542.000001,Early
RULES
TZ=UTC "$NF" --pcap "$TMP/hand.pcap" --columns cic-ids2017 --labels "$TMP/rules.csv" --label Other \
  --quiet >"$TMP/labels.csv"
check "--labels: first matching rule, in either direction, by time window" \
  test "$(tail -n +2 "$TMP/labels.csv" | cut -d, -f85 | paste -sd/)" = "Early/DNS exfil"
printf 'src,dst\n' >"$TMP/badrules.csv"
"$NF" --pcap "$TMP/hand.pcap" --columns cic-ids2017 --labels "$TMP/badrules.csv" \
  --out "$TMP/no.csv" 2>"$TMP/e4"
check "--labels with a bad file: exit 2 naming the file and line" \
  bash -c "test $? -eq 2 && grep -q 'badrules.csv:1: the first line must be the header' '$TMP/e4'"
TZ=UTC "$NF" --pcap "$TMP/hand.pcap" --columns cic-ids2017 --cic-fixes --quiet >"$TMP/fix.csv"
# Flow 1's flags with fixes, FIN..ECE: FIN 1 (the server's), SYN 2, PSH 1,
# ACK 3; the backward window is the SYN-ACK's; Average Packet Size 16/4.
check "--cic-fixes: every packet's flags in header order" \
  test "$(sed -n 2p "$TMP/fix.csv" | cut -d, -f50-57)" = "1,2,0,1,3,0,0,0"
check "--cic-fixes: the first backward window" test "$(sed -n 2p "$TMP/fix.csv" | cut -d, -f74)" = 29200
check "--cic-fixes: the first packet counted once" \
  test "$(sed -n 3p "$TMP/fix.csv" | cut -d, -f59)" = 16.0

# Refusals: exit 2 and a message naming the cause, nothing written.
"$NF" --pcap "$TMP/hand.pcap" --columns cic-ids2019 --out "$TMP/no.csv" 2>"$TMP/e1"
check "unknown layout: exit 2" test $? -eq 2
check "unknown layout: the message lists the layouts" grep -q "cicflowmeter-v4" "$TMP/e1"
"$NF" --pcap "$TMP/hand.pcap" --columns cic-ids2017 --compat=python --out "$TMP/no.csv" 2>"$TMP/e2"
check "CIC layout with --compat=python: exit 2" test $? -eq 2
check "the message says why" grep -q "does not apply" "$TMP/e2"
"$NF" --pcap "$TMP/hand.pcap" --label x --out "$TMP/no.csv" 2>"$TMP/e3"
check "--label without a CIC layout: exit 2" test $? -eq 2
check "no output file after a refusal" test ! -e "$TMP/no.csv"

# pandas, as published CIC-IDS2017 pipelines read the dataset.
for layout in cic-ids2017 cic-ids2017-ml; do
  TZ=UTC "$NF" --pcap tests/testdata/loopback-web.pcap --columns "$layout" --quiet \
    >"$TMP/pd-$layout.csv"
  check "pandas reads $layout's 78 features as floats" "$PY" tests/testing/cic_pandas_check.py \
    "$TMP/pd-$layout.csv" "$CIC/cic-ids2017-mlcve.csv-header" 65
done

# CICFlowMeter's own output on its own capture (../shared/cic/cicflowmeter-test).
if [[ -n $shared ]]; then
  oracle=$shared/cic/cicflowmeter-test
  for pair in "cic-ids2017 test.pcap_CIC.csv" "cicflowmeter-v4 out-test.csv"; do
    set -- $pair
    TZ=America/Halifax "$NF" --pcap "$oracle/test.pcap" --columns "$1" --quiet >"$TMP/oracle-$1.csv"
    "$PY" - "$TMP/oracle-$1.csv" "$oracle/$2" <<'PYEOF'
import sys
ours = open(sys.argv[1]).read().splitlines()
theirs = open(sys.argv[2]).read().splitlines()
rows = fields = equal = 0
for a, b in zip(ours[1:], theirs[1:]):
    rows += 1
    for x, y in zip(a.split(","), b.split(",")):
        fields += 1
        equal += x == y
print(f"oracle {sys.argv[2].split('/')[-1]}: {rows} rows of {len(theirs) - 1}, "
      f"{equal} of {fields} fields equal")
PYEOF
    check "oracle: $1 reproduces $2 byte for byte" cmp -s "$TMP/oracle-$1.csv" "$oracle/$2"
  done
else
  echo "note: NETFLOWER_SHARED_DIR not set; CICFlowMeter's own output not compared"
fi

echo "$failures failure(s)"
((failures == 0))
