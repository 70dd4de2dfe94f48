# replay_common.sh holds what replay_throughput.sh and replay_service.sh
# share; they source it. It reads N, CONCURRENCY and PIN, sets srv_cpu,
# cli_cpu and threads, and makes the work folder $work, which is removed
# on exit with the server whose process ID is $server.

N=${N:-10000}
CONCURRENCY=${CONCURRENCY:-8}
work=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# With PIN set, the server runs on CPU 0 and every client on CPU 1, so
# that they do not compete for the CPUs; wrk then gets one thread.
srv_cpu=
cli_cpu=
threads=2
if [ -n "${PIN:-}" ]; then
	srv_cpu="taskset -c 0"
	cli_cpu="taskset -c 1"
	threads=1
fi

# replay DEBUGCTL ADDR FILE OUT replays FILE against http://ADDR with
# --concurrency $CONCURRENCY --json into OUT, and reports how many
# records were reproduced and how many a second: in the replay loop (the
# summary's duration_ms) and for the whole command.
replay() {
	start=$(date +%s%N)
	code=0
	timeout 300 $cli_cpu "$1" replay --target "http://$2" --concurrency "$CONCURRENCY" --json "$3" >"$4" || code=$?
	end=$(date +%s%N)
	summary=$(tail -n 1 "$4")
	echo "   exit status $code; summary: $summary"
	echo "$summary" | awk -v wall_ns=$((end - start)) '
		{
			match($0, /"records":[0-9]+/); n = substr($0, RSTART + 10, RLENGTH - 10)
			match($0, /"duration_ms":[0-9.]+/); ms = substr($0, RSTART + 14, RLENGTH - 14)
			match($0, /"equal":[0-9]+/); eq = substr($0, RSTART + 8, RLENGTH - 8)
			printf "   %d of %d records reproduced\n", eq, n
			printf "   replay loop: %.0f records/s (%.2f s)\n", n / (ms / 1000), ms / 1000
			printf "   whole command (start, read and parse the file, replay, exit): %.0f records/s (%.2f s)\n", n / (wall_ns / 1e9), wall_ns / 1e9
		}'
}
