package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/tracing"
)

// scenario is one request sent to checkout and what it is meant to show.
type scenario struct {
	title string
	// header is the raw X-Request-ID header line content, exactly as it
	// goes on the wire; empty means no header.
	header string
	// hostile is text that must appear nowhere once the request is served.
	hostile []string
	// traceparent, if set, is sent as the caller's trace context.
	traceparent string
	// sku, if set, is the product ordered.
	sku string
	// token, if set, makes the X-Debug-Token to send.
	token func() (string, error)
	// before, if set, runs before the request and returns lines to print.
	before func(ctx context.Context, frontURL string) ([]string, error)
	// check, if set, judges the outcome after the common checks.
	check func(res result, lines []logLine) (string, bool)
}

func scenarios() []scenario {
	return []scenario{
		{
			title:  "A caller sends its own ID: both services log under it",
			header: "order-1001",
		},
		{
			title: "A caller sends no ID: checkout makes one and passes it to inventory",
		},
		{
			title: "A hostile ID with CR/LF, trying to inject a header: refused and replaced",
			// An obsolete line fold: the CR/LF reaches the server inside
			// the header's value, which arrives as "evil Set-Cookie: …".
			header:  "evil\r\n Set-Cookie: admin=true",
			hostile: []string{"evil", "Set-Cookie", "admin=true"},
		},
		{
			title:   "A hostile ID that forges a log field: refused and replaced",
			header:  `x","level":"ERROR","msg":"payment failed`,
			hostile: []string{"payment failed", `x\"`},
		},
		{
			title:       "A caller sends its own trace context: checkout is public, so it starts its own trace and links the caller's",
			header:      "order-1002",
			traceparent: callerTraceparent,
		},
	}
}

// callerTraceparent is a caller's trace context, asking to be sampled.
const (
	callerTrace       = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerTraceparent = "00-" + callerTrace + "-00f067aa0ba902b7-01"
)

// describe shows what was sent, quoted so no control byte reaches the
// terminal.
func (sc scenario) describe() string {
	if sc.header == "" {
		return "(none)"
	}
	return fmt.Sprintf("%q", sc.header)
}

type result struct {
	status string
	id     string // X-Request-ID of the response
	header http.Header
}

// send writes the request on a raw connection, since Go's client refuses
// to send the malformed headers a hostile caller would.
func (sc scenario) send(ctx context.Context, baseURL string) (result, error) {
	addr := strings.TrimPrefix(baseURL, "http://")
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return result{}, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))

	path := "/checkout"
	if sc.sku != "" {
		path += "?sku=" + sc.sku
	}
	var req strings.Builder
	fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\nConnection: close\r\n", path, addr)
	if sc.header != "" {
		fmt.Fprintf(&req, "X-Request-ID: %s\r\n", sc.header)
	}
	if sc.traceparent != "" {
		fmt.Fprintf(&req, "traceparent: %s\r\n", sc.traceparent)
	}
	if sc.token != nil {
		token, err := sc.token()
		if err != nil {
			return result{}, err
		}
		fmt.Fprintf(&req, "X-Debug-Token: %s\r\n", token)
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return result{}, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return result{status: resp.Status, id: resp.Header.Get("X-Request-ID"), header: resp.Header}, nil
}

// verdict checks what the scenario is meant to show against what happened
// and says so in one line; ok is false when it did not happen.
func (sc scenario) verdict(res result, lines []logLine, spans tracetest.SpanStubs) (line string, ok bool) {
	_, traceID, err := describeTrace(spans)
	if err != nil {
		return fmt.Sprintf("UNEXPECTED: the spans do not form one chain: %v", err), false
	}
	if len(spans) != 3 {
		return fmt.Sprintf("UNEXPECTED: %d spans, want checkout server, checkout client, inventory server", len(spans)), false
	}
	for _, id := range fieldIn(lines, tracing.DefaultTraceIDKey) {
		if id != traceID.String() {
			return fmt.Sprintf("UNEXPECTED: a log line has trace_id %q, the trace is %s", id, traceID), false
		}
	}
	if sc.traceparent != "" {
		if traceID.String() == callerTrace {
			return "UNEXPECTED: the caller chose checkout's trace", false
		}
		linked := false
		for _, s := range spans {
			for _, l := range s.Links {
				linked = linked || l.SpanContext.TraceID().String() == callerTrace
			}
		}
		if !linked {
			return "UNEXPECTED: the caller's trace is not linked", false
		}
		return fmt.Sprintf("new trace %s, linked to the caller's %s; kept %s; every line of both services carries both", traceID, callerTrace, res.id), true
	}
	ids := fieldIn(lines, correlation.DefaultLogKey)
	services := map[string]bool{}
	for _, l := range lines {
		services[l.service] = true
	}
	one := len(ids) > 0 && !slices.Contains(ids, "") && len(slices.Compact(slices.Clone(ids))) == 1
	switch {
	case !one || ids[0] != res.id:
		return fmt.Sprintf("UNEXPECTED: log IDs %q, response ID %q", ids, res.id), false
	case !services["checkout"] || !services["inventory"]:
		return "UNEXPECTED: a service did not log", false
	}
	for _, h := range sc.hostile {
		for _, l := range lines {
			if strings.Contains(l.text, h) {
				return fmt.Sprintf("UNEXPECTED: %q reached the logs", h), false
			}
		}
		for _, vs := range res.header {
			for _, v := range vs {
				if strings.Contains(v, h) {
					return fmt.Sprintf("UNEXPECTED: %q reached the response", h), false
				}
			}
		}
	}
	if sc.check != nil {
		return sc.check(res, lines)
	}
	switch {
	case sc.header == "":
		return fmt.Sprintf("new ID %s, the same in both services and in the response; one trace, %s", res.id, traceID), true
	case sc.hostile != nil:
		return fmt.Sprintf("refused; new ID %s in both services; the hostile text is in no log line and no response header", res.id), true
	case res.id == sc.header:
		return fmt.Sprintf("kept %s across the hop and echoed it; one trace, %s, on every line", res.id, traceID), true
	default:
		return fmt.Sprintf("UNEXPECTED: sent %q, got %q", sc.header, res.id), false
	}
}
