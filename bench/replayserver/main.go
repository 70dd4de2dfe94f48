// Command replayserver is the server and the capture file of the replay
// throughput measurement (bench/replay_throughput.sh): it serves the
// route that BenchmarkReplay replays, and writes a capture file of
// records of that route for `debugctl replay` to replay against it.
//
//	replayserver -addr 127.0.0.1:0 -ready addr.txt      # serve until killed
//	replayserver -gen 10000 -out /tmp/replay.jsonl      # write 10000 records and exit
//
// With -ready, the address it listens on is written to that file once it
// listens, so that a script can pick a free port and wait for it.
//
// Records are written as a file sink writes them: the environment
// snapshot of this process first, then the records that refer to it, so
// that debugctl compares one environment, once, as it would in a real
// file.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// body is what GET /orders/{id} answers; the same as BenchmarkReplay's.
const body = `{"id":42,"status":"paid","total":{"amount":1999,"currency":"EUR"},"items":[{"sku":"BK-1","qty":1},{"sku":"PEN-7","qty":3}],"customer":{"id":"cus_0042","email":"[REDACTED]"}}`

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "serve on this address, loopback only (port 0: a free one)")
	ready := flag.String("ready", "", "write the address served on to this file once listening")
	gen := flag.Int("gen", 0, "write this many records to -out and exit, rather than serve")
	out := flag.String("out", "replay.jsonl", "the capture file -gen writes")
	flag.Parse()
	if *gen > 0 {
		if err := generate(*out, *gen); err != nil {
			log.Fatal(err)
		}
		return
	}
	if !loopback(*addr) {
		log.Fatalf("replayserver: -addr %q is not a loopback address: a load test stays on this machine", *addr)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	})
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte(l.Addr().String()), 0o600); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("replayserver: serving GET /orders/{id} on http://%s", l.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(l))
}

// loopback reports whether addr is a host:port on a loopback address.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// generate writes n records of GET /orders/{id}, ids 1 to n, each
// answered as the server answers, its JSON body embedded as the
// middleware embeds a whole JSON body.
func generate(path string, n int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	env := capture.TakeEnv(nil)
	line, err := capture.AppendEnv(nil, env)
	if err != nil {
		return err
	}
	w.Write(line)
	start := time.Now().UTC()
	for i := range n {
		rec := &capture.Record{
			Schema: capture.Schema, Kind: capture.KindHTTP, ID: fmt.Sprintf("%032x", i+1),
			Start: start.Add(time.Duration(i) * time.Millisecond), Duration: 3 * time.Millisecond,
			CorrelationID: fmt.Sprintf("req-%08d", i+1), Reason: capture.ReasonRate,
			Request: capture.Request{
				Method: "GET", URL: fmt.Sprintf("/orders/%d", i+1), Host: "orders.internal", Proto: "HTTP/1.1",
				Route:  "GET /orders/{id}",
				Header: map[string][]string{"Accept": {"application/json"}, "User-Agent": {"checkout/2.3"}},
			},
			Response: capture.Response{
				Status: 200,
				Header: map[string][]string{"Content-Type": {"application/json"}},
				Body:   capture.Body{ContentType: "application/json", Size: int64(len(body)), JSON: json.RawMessage(body)},
			},
			EnvID: env.ID,
		}
		if line, err = capture.AppendRecord(line[:0], rec); err != nil {
			return err
		}
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
