#!/usr/bin/env bash
# Corpus tests over ../shared (run by tools/run_tests.sh when it exists):
#  1. --compat=python output is byte-identical to every golden CSV;
#  2. every capture in pcaps/ converts (exit 0) or fails with a clear
#     message naming the file (exit 1) in both profiles, within a time limit,
#     never crashing; converted runs account for every packet, and --jobs 2
#     and 3 write the same bytes as --jobs 1, and (default profile)
#     --format jsonl with --jobs 2 holds the CSV's rows field by field;
#  3. every capture in the CIC layouts (dataset rules and master's): exit 0
#     or a clear failure, the header first, every row with its fields,
#     packets accounted for, --jobs 2 the same bytes.
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
SHARED=${NETFLOWER_SHARED_DIR:?set NETFLOWER_SHARED_DIR to the shared corpus folder}
TMP=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
checked=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

for golden in "$SHARED"/golden/python/*.csv; do
  name=$(basename "$golden" .csv)
  "$NF" --pcap "$SHARED/pcaps/$name" --out "$TMP/g.csv" --compat=python --quiet 2>"$TMP/g.err" ||
    fail "$name: exit $? ($(head -c 300 "$TMP/g.err"))"
  if cmp -s "$golden" "$TMP/g.csv"; then
    echo "ok: golden $name"
  else
    fail "golden $name differs: $(cmp "$golden" "$TMP/g.csv" 2>&1 | head -1)"
  fi
  checked=$((checked + 1))
done
((checked > 0)) || fail "no golden files under $SHARED/golden/python"

for capture in "$SHARED"/pcaps/*; do
  name=$(basename "$capture")
  [[ $name == *.md ]] && continue
  for compat in python none; do
    rm -f "$TMP/c.csv"
    timeout 120 "$NF" --pcap "$capture" --out "$TMP/c.csv" --compat=$compat 2>"$TMP/c.err"
    rc=$?
    case $rc in
      0)
        [[ -f $TMP/c.csv ]] || fail "$name ($compat): exit 0 but no CSV"
        read_n=$(awk '/packets read/ {print $3}' "$TMP/c.err")
        acc_n=$(awk '/^  accepted/ {print $2}' "$TMP/c.err")
        skip_n=$(awk '/^  skipped/ {print $2}' "$TMP/c.err")
        if [[ -z $read_n || $((acc_n + skip_n)) -ne $read_n ]]; then
          fail "$name ($compat): read $read_n != accepted $acc_n + skipped $skip_n"
        fi
        # Parallel conversion gives the same bytes.
        for jobs in 2 3; do
          "$NF" --pcap "$capture" --out "$TMP/j.csv" --compat=$compat --jobs $jobs --quiet 2>/dev/null
          cmp -s "$TMP/c.csv" "$TMP/j.csv" || fail "$name ($compat): --jobs $jobs differs from --jobs 1"
        done
        if [[ $compat == none ]]; then
          "$NF" --pcap "$capture" --out "$TMP/j.jsonl" --jobs 2 --format jsonl --quiet 2>/dev/null
          python3 tests/testing/jsonl_matches_csv.py "$TMP/j.jsonl" "$TMP/c.csv" >"$TMP/j.log" 2>&1 ||
            fail "$name: JSON Lines differ from the CSV: $(tail -1 "$TMP/j.log")"
        fi
        echo "ok: $name ($compat) converted, --jobs 1/2/3 identical"
        ;;
      1)
        grep -q "netflower: error: .*$name" "$TMP/c.err" || fail "$name ($compat): exit 1 without a clear message: $(cat "$TMP/c.err")"
        [[ -e $TMP/c.csv ]] && fail "$name ($compat): failed but left a CSV"
        echo "ok: $name ($compat) rejected: $(head -1 "$TMP/c.err")"
        ;;
      124) fail "$name ($compat): hung (killed after 120 s)" ;;
      *) fail "$name ($compat): exit $rc (crash?) $(head -c 300 "$TMP/c.err")" ;;
    esac
  done
done

for capture in "$SHARED"/pcaps/*; do
  name=$(basename "$capture")
  [[ $name == *.md ]] && continue
  for layout in cic-ids2017 cicflowmeter; do
    rm -f "$TMP/cic.csv"
    TZ=UTC timeout 120 "$NF" --pcap "$capture" --columns $layout --out "$TMP/cic.csv" 2>"$TMP/cic.err"
    rc=$?
    case $rc in
      0)
        fields=$(head -1 "$TMP/cic.csv" | awk -F, '{print NF}')
        bad=$(awk -F, -v n="$fields" 'NF != n' "$TMP/cic.csv" | wc -l)
        ((bad == 0)) || fail "$name ($layout): $bad rows without $fields fields"
        read_n=$(awk '/packets read/ {print $3}' "$TMP/cic.err")
        acc_n=$(awk '/^  accepted/ {print $2}' "$TMP/cic.err")
        skip_n=$(awk '/^  skipped/ {print $2}' "$TMP/cic.err")
        if [[ -z $read_n || $((acc_n + skip_n)) -ne $read_n ]]; then
          fail "$name ($layout): read $read_n != accepted $acc_n + skipped $skip_n"
        fi
        TZ=UTC "$NF" --pcap "$capture" --columns $layout --jobs 2 --out "$TMP/cic2.csv" --quiet 2>/dev/null
        cmp -s "$TMP/cic.csv" "$TMP/cic2.csv" || fail "$name ($layout): --jobs 2 differs"
        echo "ok: $name ($layout) $(($(wc -l <"$TMP/cic.csv") - 1)) rows"
        ;;
      1)
        grep -q "netflower: error: .*$name" "$TMP/cic.err" ||
          fail "$name ($layout): exit 1 without a clear message: $(cat "$TMP/cic.err")"
        echo "ok: $name ($layout) rejected: $(head -1 "$TMP/cic.err")"
        ;;
      124) fail "$name ($layout): hung (killed after 120 s)" ;;
      *) fail "$name ($layout): exit $rc (crash?) $(head -c 300 "$TMP/cic.err")" ;;
    esac
  done
done

if ((failures)); then
  echo "$failures corpus check(s) failed"
  exit 1
fi
echo "corpus checks passed"
