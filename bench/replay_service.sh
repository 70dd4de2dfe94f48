#!/bin/sh
# replay_service.sh measures `debugctl replay` against examples/service,
# the order service with every reprokit layer, on its POST /orders route:
# the way a user replays production's captures against a local build.
#
#   bench/replay_service.sh                 # 10000 records, --concurrency 8
#   PIN=1 bench/replay_service.sh           # server on CPU 0, clients on CPU 1
#   N=20000 CONCURRENCY=16 bench/replay_service.sh
#   KEEP=/tmp/svc bench/replay_service.sh  # keep the capture file there
#
# It builds the service and debugctl, starts the service capturing every
# request (REPROKIT_FLAG_CAPTURE_RATE=1, with no cap on captures a second),
# sends it N requests with curl,
# stops it (the capture queue drains to the file), starts it again
# capturing only failures (its default), replays the N captures, and, when
# wrk is installed, measures the service's own capacity on the same
# request with wrk. Telemetry runs with its exporters off
# (OTEL_*_EXPORTER=none): spans are still made. The service's logs go to
# a file. Everything is on 127.0.0.1 and bounded in time.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/replay_common.sh"

(cd "$here/.." && go build -o "$work/service" ./examples/service && go build -o "$work/debugctl" ./cmd/debugctl)
token=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

# start_service RATE LOG starts the service on a free port of 127.0.0.1
# capturing requests at RATE, and sets ADDR.
start_service() {
	: >"$2"
	REPROKIT_ADMIN_TOKEN=$token REPROKIT_FLAG_CAPTURE_RATE=$1 REPROKIT_FLAG_CAPTURE_MAX_PER_SECOND=1000000 \
		OTEL_TRACES_EXPORTER=none OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none \
		$srv_cpu "$work/service" -addr 127.0.0.1:0 -captures "$work/captures" 2>"$2" &
	server=$!
	i=0
	ADDR=
	while [ -z "$ADDR" ]; do
		i=$((i + 1))
		if [ "$i" -gt 100 ]; then echo "the service did not start:" >&2; cat "$2" >&2; exit 1; fi
		sleep 0.1
		ADDR=$(grep -o '"addr":"127\.0\.0\.1:[0-9]*"' "$2" | head -n 1 | cut -d'"' -f4 || true)
	done
}

stop_service() {
	kill -TERM "$server"
	wait "$server" || true
	server=
}

echo "== capturing $N requests of POST /orders?sku=A-42"
start_service 1 "$work/capture.log"
i=0
while [ "$i" -lt "$N" ]; do
	echo "url = \"http://$ADDR/orders?sku=A-42\""
	echo 'output = "/dev/null"'
	i=$((i + 1))
done >"$work/curl.conf"
timeout 300 curl -s -X POST -H 'Content-Type: application/json' -K "$work/curl.conf"
stop_service
echo "   $(grep -c '"kind":"http"' "$work/captures/captures.jsonl") records in captures.jsonl"
if [ -n "${KEEP:-}" ]; then
	mkdir -p "$KEEP" && cp "$work/captures/captures.jsonl" "$KEEP/"
fi

start_service 0 "$work/replay.log"
echo "== debugctl replay --concurrency $CONCURRENCY --json, http://$ADDR"
replay "$work/debugctl" "$ADDR" "$work/captures/captures.jsonl" "$work/out.jsonl"

if command -v wrk >/dev/null 2>&1; then
	cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
LUA
	echo "== the service's own capacity on the same request: wrk -t$threads -c$CONCURRENCY -d10s -s post.lua http://$ADDR/orders?sku=A-42"
	timeout 60 $cli_cpu wrk -t"$threads" -c"$CONCURRENCY" -d10s -s "$work/post.lua" "http://$ADDR/orders?sku=A-42"
else
	echo "== wrk is not installed: the service's own capacity is not measured (apt-get install wrk)"
fi
stop_service
