#!/usr/bin/env bash
# Flows to Kafka through the CLI, against librdkafka's mock cluster
# (tests/testing/kafka_mock: 3 brokers on 127.0.0.1, the real protocol),
# consumed by an independent client (kcat): every flow arrives exactly once,
# keyed by its endpoints, its JSON equal to its CSV row, in both profiles and
# a CIC layout; a cluster lost mid-run gives counted failures and exit 4; a
# cluster unreachable at the start is an error before any output exists;
# retried requests are counted and duplicate nothing; live capture through a
# veth pair into a network namespace created here (removed on exit).
# NETFLOWER_KAFKA_BROKERS=host:port runs the delivery checks against a real
# cluster instead (topics netflower-test-*, created by the broker's
# auto-creation or beforehand); the mock-only checks (broker failures) are
# then left out and said so. Needs root for the namespace (CI runs as root).
set -uo pipefail
source tests/testing/target_exec.sh
NF=$(target_program "${NETFLOWER_BIN:-tools/netflower}")
MOCK=$(target_program tests/testing/kafka_mock)
TMP=${TEST_TMPDIR:-$(mktemp -d)}
WEB=tests/testdata/loopback-web.pcap
S=$$
NS=nfkc$S A=nfka$S B=nfkb$S
# The veth pair's subnet, per run (10.81.1-250.0/24), so that two runs on one
# machine do not route into each other's namespace.
NET=10.81.$((S % 250 + 1))
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { local what=$1; shift; if "$@"; then echo "ok: $what"; else fail "$what"; fi; }
cleanup() {
  [[ -n ${MOCK_PID:-} ]] && kill "$MOCK_PID" 2>/dev/null
  ip link del "$A" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

real=${NETFLOWER_KAFKA_BROKERS:-}
if [[ -n $real ]]; then
  BROKERS=$real
  echo "against the cluster at $BROKERS (NETFLOWER_KAFKA_BROKERS)"
else
  # The mock stops by itself when this script's end closes its input.
  coproc MOCKP { "$MOCK" --ready "$TMP/brokers" --lifetime 600; }
  MOCK_PID=$MOCKP_PID
  for _ in $(seq 100); do [[ -s $TMP/brokers ]] && break; sleep 0.05; done
  BROKERS=$(cat "$TMP/brokers")
fi
mock() {  # mock COMMAND: one command to the mock cluster, its answer checked
  echo "$*" >&"${MOCKP[1]}"
  local answer
  read -r -t 5 answer <&"${MOCKP[0]}"
  [[ $answer == ok ]] || fail "mock cluster: '$*' answered '$answer'"
}
topic_n=0
new_topic() {  # a fresh topic with 4 partitions, its name in $topic
  topic_n=$((topic_n + 1))
  topic=netflower-test-$S-$topic_n
  [[ -z $real ]] && mock topic "$topic" 4
}
capturing() {  # capturing PID ERR: waits (up to 30 s) until the capture of PID
  # (started with --progress, stderr to ERR) reports progress: it prints only
  # once its rings are open and its threads run (Kafka's metadata request
  # comes before that, and took seconds under ASan in CI).
  local waited=0
  until grep -q "packets" "$2" 2>/dev/null; do
    kill -0 "$1" 2>/dev/null || return 1
    ((waited++ < 300)) || return 1
    sleep 0.1
  done
}
consume() {  # consume TOPIC OUT: every message, "partition<TAB>key<TAB>value"
  kcat -b "$BROKERS" -t "$1" -C -e -q -f '%p\t%k\t%s\n' >"$2" 2>"$2.err"
}

# --- Every flow exactly once, keyed, equal to its CSV row -------------------
for compat in none python; do
  new_topic
  "$NF" --pcap "$WEB" --compat=$compat --out "$TMP/w-$compat.csv" --kafka "$BROKERS" \
    --topic "$topic" 2>"$TMP/w-$compat.err"
  check "$compat: --out and --kafka exit 0" test $? -eq 0
  consume "$topic" "$TMP/w-$compat.kafka"
  check "$compat: the messages are the CSV's rows exactly once, keyed by endpoints" \
    python3 tests/testing/kafka_check.py "$TMP/w-$compat.kafka" "$TMP/w-$compat.csv"
  rows=$(($(wc -l <"$TMP/w-$compat.csv") - 1))
  check "$compat: the summary counts every delivery" \
    grep -q "kafka delivered *$rows  (of $rows sent" "$TMP/w-$compat.err"
done
check "python profile: flows of one conversation share a key (so a partition)" \
  test "$(cut -f2 "$TMP/w-python.kafka" | sort | uniq -d | wc -l)" -gt 0

new_topic
TZ=UTC "$NF" --pcap "$WEB" --columns cic-ids2017 --label WEB --out "$TMP/cic.csv" \
  --kafka "$BROKERS" --topic "$topic" 2>"$TMP/cic.err"
check "cic-ids2017 to Kafka exits 0" test $? -eq 0
consume "$topic" "$TMP/cic.kafka"
check "cic-ids2017: messages keyed by the dataset's names, equal to the CSV rows" \
  python3 tests/testing/kafka_check.py "$TMP/cic.kafka" "$TMP/cic.csv"

# Kafka only (no --out): nothing on standard output, the same flows.
new_topic
"$NF" --pcap "$WEB" --kafka "$BROKERS" --topic "$topic" --kafka-opt compression.type=zstd \
  >"$TMP/only.out" 2>"$TMP/only.err"
check "Kafka only (zstd) exits 0" test $? -eq 0
check "Kafka only writes nothing to standard output" test ! -s "$TMP/only.out"
check "the summary names the topic as the output" grep -q -- "-> kafka topic $topic" "$TMP/only.err"
consume "$topic" "$TMP/only.kafka"
check "Kafka only: the same flows as the CSV" \
  python3 tests/testing/kafka_check.py "$TMP/only.kafka" "$TMP/w-none.csv"

# Interim reports (FLOW-RULES §14): messages like the CSV's rows, interim
# rows included; they are delivered but not counted as flows written.
new_topic
"$NF" --pcap "$WEB" --out "$TMP/interim.csv" --interim 0.002 --kafka "$BROKERS" \
  --topic "$topic" 2>"$TMP/interim.err"
check "--interim to Kafka exits 0" test $? -eq 0
consume "$topic" "$TMP/interim.kafka"
check "--interim: the messages are the CSV's rows, interim rows included" \
  python3 tests/testing/kafka_check.py "$TMP/interim.kafka" "$TMP/interim.csv"
n_interim=$(grep -c ',interim$' "$TMP/interim.csv")
rows=$(($(wc -l <"$TMP/interim.csv") - 1))
check "--interim: $n_interim interim rows among the $rows messages delivered" \
  grep -q "kafka delivered *$rows  (of $rows sent" "$TMP/interim.err"
check "... counted apart" grep -q "of the delivered $n_interim interim rows" "$TMP/interim.err"
check "... and not as flows written" grep -q "flows written *$((rows - n_interim))$" "$TMP/interim.err"

# Several files into one topic.
new_topic
mkdir -p "$TMP/many"
cp "$WEB" "$TMP/web2.pcap"
"$NF" --pcap "$WEB" "$TMP/web2.pcap" --out-dir "$TMP/many" --kafka "$BROKERS" --topic "$topic" \
  2>"$TMP/many.err"
check "two files to --out-dir and Kafka exit 0" test $? -eq 0
consume "$topic" "$TMP/many.kafka"
check "two files: twice the flows in the topic" \
  test "$(wc -l <"$TMP/many.kafka")" -eq $((2 * ($(wc -l <"$TMP/w-none.csv") - 1)))

# The shared corpus, when present: a larger real capture, 2 jobs.
shared=${NETFLOWER_SHARED_DIR:-}
if [[ -n $shared && -d $shared/pcaps ]]; then
  corpus=$shared/pcaps/eth-mixed-emix-697flows.pcap  # many protocols and flows
  [[ -f $corpus ]] || corpus=$(ls -S "$shared"/pcaps/*.pcap* | sed -n 4p)
  new_topic
  "$NF" --pcap "$corpus" --jobs 2 --out "$TMP/corpus.csv" --kafka "$BROKERS" --topic "$topic" \
    2>"$TMP/corpus.err"
  check "corpus capture $(basename "$corpus") to Kafka exits 0" test $? -eq 0
  consume "$topic" "$TMP/corpus.kafka"
  check "corpus capture: every flow exactly once, keyed, equal to the CSV" \
    python3 tests/testing/kafka_check.py "$TMP/corpus.kafka" "$TMP/corpus.csv"
fi

# --- Errors before any output ------------------------------------------------
"$NF" --pcap "$WEB" --out "$TMP/never.csv" --kafka 127.0.0.1:1 --topic t 2>"$TMP/down.err"
check "an unreachable cluster at the start exits 1" test $? -eq 1
check "... saying which cluster and what to check" \
  grep -q "Kafka cluster at 127.0.0.1:1 .*check the broker addresses" "$TMP/down.err"
check "... before the output exists" test ! -e "$TMP/never.csv"
"$NF" --pcap "$WEB" --topic t 2>"$TMP/usage.err"
check "--topic without --kafka is a usage error (2)" test $? -eq 2
"$NF" --pcap "$WEB" --kafka "$BROKERS" 2>"$TMP/usage2.err"
check "--kafka without --topic is a usage error (2)" test $? -eq 2
"$NF" --pcap "$WEB" --kafka "$BROKERS" --topic t --kafka-opt compression.type=brotli \
  2>"$TMP/usage3.err"
check "a bad --kafka-opt is a usage error (2) naming it" \
  grep -q "compression.type=brotli" "$TMP/usage3.err"

if [[ -n $real ]]; then
  echo "note: broker failures and live capture need the mock cluster; not run against $BROKERS"
else
  # --- Retries: counted, nothing duplicated ----------------------------------
  new_topic
  mock errors 0 4 6 # the next 4 produce requests: NOT_LEADER_OR_FOLLOWER (retriable)
  "$NF" --pcap "$WEB" --out "$TMP/r.csv" --kafka "$BROKERS" --topic "$topic" 2>"$TMP/r.err"
  check "retried produce requests: exit 0" test $? -eq 0
  check "... the summary counts resent messages" grep -Eq "resent [1-9]" "$TMP/r.err"
  consume "$topic" "$TMP/r.kafka"
  check "... and every flow arrived exactly once (idempotence)" \
    python3 tests/testing/kafka_check.py "$TMP/r.kafka" "$TMP/r.csv"

  # --- A cluster lost mid-run: counted failures, exit 4 -----------------------
  # Two copies of the capture 1000 s apart from a pipe: the first copy's
  # flows end (idle) when the second begins and are delivered; then every
  # broker goes down; the second copy's flows, flushed at the end of input,
  # fail (message.timeout.ms) and are counted.
  new_topic
  # NETFLOWER_TEST_SLOWDOWN (the aarch64 VM, tools/arm_vm_test.sh: an
  # emulated CPU) stretches the hold and the wait for the progress report.
  slow=${NETFLOWER_TEST_SLOWDOWN:-1}
  python3 tests/testing/pcap_feeder.py repeat "$WEB" - 2 --hold $((8 * slow)) |
    "$NF" --pcap - --out "$TMP/lost.csv" --kafka "$BROKERS" --topic "$topic" \
      --kafka-opt message.timeout.ms=1500 --progress 2>"$TMP/lost.err" &
  pipeline=$!
  # Every packet read (the progress report says 1128), the first copy's
  # flows were sent; half a second for their delivery, then the cluster goes.
  waited=0
  until grep -q " 1128 packets" "$TMP/lost.err" || ((waited++ > 60 * slow)); do sleep 0.1; done
  check "... the progress report reached 1128 packets before the input ended" \
    grep -q " 1128 packets" "$TMP/lost.err"
  sleep 0.5
  mock down -1
  wait $pipeline
  check "a cluster lost mid-run: exit 4" test $? -eq 4
  tr '\r' '\n' <"$TMP/lost.err" | grep -v "packets  "
  read -r delivered produced < <(sed -n 's/.*kafka delivered *\([0-9]*\)  (of \([0-9]*\).*/\1 \2/p' "$TMP/lost.err")
  read -r failed undelivered < <(sed -n 's/.*failed \([0-9]*\), not delivered \([0-9]*\),.*/\1 \2/p' "$TMP/lost.err")
  rows=$(($(wc -l <"$TMP/lost.csv") - 1))
  check "... every flow is counted: sent = CSV rows = delivered + failed + not delivered" \
    test "$produced" -eq "$rows" -a $((delivered + failed + undelivered)) -eq "$rows"
  check "... some delivered before, some failed after" test "$delivered" -gt 0 -a "$failed" -gt 0
  check "... the error names the counts" grep -q "flows failed" "$TMP/lost.err"
  mock up -1
  consume "$topic" "$TMP/lost.kafka"
  check "... the topic holds exactly the flows counted as delivered" \
    test "$(wc -l <"$TMP/lost.kafka")" -eq "$delivered"
  check "... each a distinct CSV row" \
    python3 tests/testing/kafka_check.py "$TMP/lost.kafka" "$TMP/lost.csv" --subset

  # --- Live: a veth pair into a namespace --------------------------------------
  ip netns add "$NS" || { echo "needs root and iproute2"; exit 1; }
  ip link add "$A" type veth peer name "$B"
  ip link set "$B" netns "$NS"
  ip addr add "$NET.1/24" dev "$A"
  ip link set "$A" up
  ip netns exec "$NS" ip addr add "$NET.2/24" dev "$B"
  ip netns exec "$NS" ip link set "$B" up
  new_topic
  "$NF" --iface "$A" --out "$TMP/live.csv" --kafka "$BROKERS" --topic "$topic" \
    --idle-timeout 1 --progress 2>"$TMP/live.err" &
  live=$!
  check "live with --kafka: the capture starts" capturing $live "$TMP/live.err"
  python3 - "$NET" <<'PY'
import socket, sys
net = sys.argv[1]
for port in range(47000, 47010):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((net + ".1", port))
    for _ in range(3):
        s.sendto(b"y" * (30 + port % 5), (net + ".2", 9999))
    s.close()
PY
  sleep 1
  kill -INT $live
  wait $live
  check "live with --kafka: SIGINT stops it with exit 0" test $? -eq 0
  consume "$topic" "$TMP/live.kafka"
  arrived=$(grep -c '"dst_port":9999' "$TMP/live.kafka")
  check "live: the 10 UDP flows arrived" test "$arrived" -eq 10
  ((arrived == 10)) || cat "$TMP/live.err"
  check "live: every message is a CSV row, exactly once, keyed" \
    python3 tests/testing/kafka_check.py "$TMP/live.kafka" "$TMP/live.csv"
  check "live: the summary counts the deliveries" grep -q "kafka delivered" "$TMP/live.err"

  # Live, the cluster lost mid-capture with a tiny librdkafka queue: the
  # delivery thread waits for room (back-pressure, bounded memory); SIGINT
  # still ends the capture within the flush timeout, every flow counted.
  new_topic
  "$NF" --iface "$A" --out "$TMP/lost-live.csv" --kafka "$BROKERS" --topic "$topic" \
    --idle-timeout 0.2 --kafka-opt queue.buffering.max.messages=5 \
    --kafka-opt message.timeout.ms=60000 --kafka-flush-timeout 1 --progress \
    2>"$TMP/lost-live.err" &
  live=$!
  check "live, cluster about to be lost: the capture starts" capturing $live "$TMP/lost-live.err"
  mock down -1
  python3 - "$NET" <<'PY'
import socket, sys
net = sys.argv[1]
for port in range(48000, 48200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((net + ".1", port))
    s.sendto(b"z" * 40, (net + ".2", 9999))
    s.close()
PY
  sleep 1.5
  kill -INT $live
  waited=0
  while kill -0 $live 2>/dev/null && ((waited < 150)); do sleep 0.1; waited=$((waited + 1)); done
  check "live, cluster lost: SIGINT ends the capture within 15 s" test "$waited" -lt 150
  wait $live
  check "live, cluster lost: exit 4" test $? -eq 4
  read -r delivered produced < <(sed -n 's/.*kafka delivered *\([0-9]*\)  (of \([0-9]*\).*/\1 \2/p' "$TMP/lost-live.err")
  read -r failed undelivered < <(sed -n 's/.*failed \([0-9]*\), not delivered \([0-9]*\),.*/\1 \2/p' "$TMP/lost-live.err")
  check "live, cluster lost: the 200 flows were sent and none was delivered" \
    test "${produced:-0}" -ge 200 -a "${delivered:-1}" -eq 0
  check "live, cluster lost: every flow counted as failed or not delivered" \
    test $((failed + undelivered)) -eq "$produced"
  check "live, cluster lost: the CSV still has every flow" \
    test "$(grep -c ',9999,17,' "$TMP/lost-live.csv")" -eq 200
  mock up -1

  # Live, a cluster unreachable at the start: an error before any ring.
  "$NF" --iface "$A" --out "$TMP/live-never.csv" --kafka 127.0.0.1:1 --topic t 2>"$TMP/ld.err"
  check "live, unreachable cluster: exit 1 before the output exists" \
    test $? -eq 1 -a ! -e "$TMP/live-never.csv"
fi

echo "$failures failure(s)"
((failures == 0))
