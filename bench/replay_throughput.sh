#!/bin/sh
# replay_throughput.sh measures how many records a second `debugctl replay`
# replays against a local server, and, when wrk is installed, how many
# requests a second the same server answers on the same route, so that the
# two can be compared. Everything runs on 127.0.0.1 and is bounded in time.
#
#   bench/replay_throughput.sh            # 10000 records, --concurrency 8
#   N=50000 CONCURRENCY=16 bench/replay_throughput.sh
#   PIN=1 bench/replay_throughput.sh      # server on CPU 0, clients on CPU 1
#
# The server listens on a free port of 127.0.0.1. For the server's own
# capacity it needs wrk (apt-get install wrk).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/replay_common.sh"

(cd "$here" && go build -o "$work/replayserver" ./replayserver)
(cd "$here/.." && go build -o "$work/debugctl" ./cmd/debugctl)
"$work/replayserver" -gen "$N" -out "$work/replay.jsonl"

$srv_cpu "$work/replayserver" -addr 127.0.0.1:0 -ready "$work/addr" 2>/dev/null &
server=$!
i=0
until [ -s "$work/addr" ]; do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then echo "replayserver did not start" >&2; exit 1; fi
	sleep 0.1
done
ADDR=$(cat "$work/addr")

echo "== debugctl replay --concurrency $CONCURRENCY, $N records of GET /orders/{id}, http://$ADDR"
echo "   $work/debugctl replay --target http://$ADDR --concurrency $CONCURRENCY --json replay.jsonl"
replay "$work/debugctl" "$ADDR" "$work/replay.jsonl" "$work/out.jsonl"

if command -v wrk >/dev/null 2>&1; then
	echo "== the server's own capacity on the same route: wrk -t$threads -c$CONCURRENCY -d10s http://$ADDR/orders/42"
	timeout 60 $cli_cpu wrk -t"$threads" -c"$CONCURRENCY" -d10s "http://$ADDR/orders/42"
else
	echo "== wrk is not installed: the server's own capacity is not measured (apt-get install wrk)"
fi
