package otlphttp

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/reprokit/reprokit/internal/otlptest"
	"google.golang.org/protobuf/encoding/protowire"
)

// checkCleanMessage fails unless msg is fit for an error: capped, valid
// UTF-8, free of control characters and of every secret.
func checkCleanMessage(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	if len(msg) > MaxErrorMessage {
		t.Errorf("message is %d bytes, cap is %d", len(msg), MaxErrorMessage)
	}
	if !utf8.ValidString(msg) {
		t.Errorf("message %q is not valid UTF-8", msg)
	}
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
			t.Errorf("message %q holds control rune %U", msg, r)
			break
		}
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("message %q holds secret %q", msg, s)
		}
	}
}

func TestHostileErrorBodies(t *testing.T) {
	const secret = "s3cr3t-api-key-value"
	status := func(msg string) []byte {
		b := protowire.AppendTag(nil, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, 3)
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		return protowire.AppendString(b, msg)
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        string // substring the error must hold
	}{
		{"huge", "text/plain", bytes.Repeat([]byte("A"), 10<<20), "AAAA..."},
		{"control characters", "text/plain", []byte("bad\x00\x1b[31mred\r\nline\u202e\x7f\u0085end"), "bad??[31mred line?? end"},
		{"invalid UTF-8", "text/plain", []byte("x\xff\xfe\xc3(y"), "x???(y"},
		{"echoed secret", "text/plain", []byte("unauthorized key Bearer " + secret + " for you"), "[redacted]"},
		{"protobuf status", "application/x-protobuf", status("quota\texceeded\x00"), "quota exceeded?"},
		{"protobuf status echoing secret", "application/x-protobuf", status("key " + secret), "key [redacted]"},
		{"malformed protobuf", "application/x-protobuf", []byte{0x0a, 0xff, 0x01}, ": 400 Bad Request"},
		{"empty", "", nil, ": 400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := otlptest.NewReceiver(t)
			rcv.RespondNext(1, otlptest.Response{
				Status: 400, Body: tt.body, Header: http.Header{"Content-Type": {tt.contentType}},
			})
			exp := newTestTraceExporter(t, Config{
				Endpoint: rcv.TracesURL(),
				Headers:  map[string]string{"Authorization": "Bearer " + secret},
			})
			start := time.Now()
			err := exp.ExportSpans(testCtx(t), oneSpan())
			var herr *HTTPError
			if !errors.As(err, &herr) {
				t.Fatalf("ExportSpans = %v, want an HTTPError", err)
			}
			checkCleanMessage(t, herr.Message, secret)
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not hold %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q holds the secret", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestHostileSuccessBodies(t *testing.T) {
	partial := func(rejected int64, msg string) []byte {
		var ps []byte
		ps = protowire.AppendTag(ps, 1, protowire.VarintType)
		ps = protowire.AppendVarint(ps, uint64(rejected))
		ps = protowire.AppendTag(ps, 2, protowire.BytesType)
		ps = protowire.AppendString(ps, msg)
		b := protowire.AppendTag(nil, 1, protowire.BytesType)
		return protowire.AppendBytes(b, ps)
	}
	tests := []struct {
		name         string
		contentType  string
		body         []byte
		wantRejected uint64
		wantMessage  string
	}{
		{"partial success", "application/x-protobuf", partial(3, "3 spans\nhad bad\x00IDs"), 3, "3 spans had bad?IDs"},
		{"warning only", "application/x-protobuf", partial(0, "slow down"), 0, "slow down"},
		{"negative rejected", "application/x-protobuf", partial(-1, ""), 0, ""},
		{"malformed protobuf", "application/x-protobuf", []byte{0x0a, 0x05, 0x08}, 0, ""},
		{"truncated varint", "application/x-protobuf", []byte{0x0a, 0x02, 0x08, 0xff}, 0, ""},
		{"json partial success ignored", "application/json", []byte(`{"partialSuccess":{"rejectedSpans":"2"}}`), 0, ""},
		{"huge", "application/x-protobuf", bytes.Repeat([]byte{0x0a, 0x00}, 5<<20), 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := otlptest.NewReceiver(t)
			rcv.RespondNext(1, otlptest.Response{Status: 200, Body: tt.body, Header: http.Header{"Content-Type": {tt.contentType}}})
			exp := newTestTraceExporter(t, Config{Endpoint: rcv.TracesURL()})
			if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
				t.Fatalf("ExportSpans = %v, want success: a 2xx is accepted data", err)
			}
			st := exp.Stats()
			if st.Rejected != tt.wantRejected || st.LastPartialSuccess != tt.wantMessage || st.Exports != 1 {
				t.Errorf("Stats = %+v, want %d rejected, message %q", st, tt.wantRejected, tt.wantMessage)
			}
		})
	}
}

// rawServer accepts TCP connections and hands each to serve, closing them
// all and waiting for serve to return when the test ends.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + l.Addr().String() + "/v1/traces"
}

// readRequest reads one request and its body from c.
func readRequest(c net.Conn) bool {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return false
	}
	_, _ = bytes.NewBuffer(nil).ReadFrom(req.Body)
	return true
}

func TestHangingConnectionBoundedByTimeout(t *testing.T) {
	tests := []struct {
		name  string
		serve func(net.Conn)
	}{
		{"no answer", func(c net.Conn) {
			readRequest(c)
			_, _ = c.Read(make([]byte, 1)) // until the client or cleanup closes
		}},
		{"headers then silence", func(c net.Conn) {
			if readRequest(c) {
				_, _ = c.Write([]byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 1000\r\n\r\npartial"))
			}
			_, _ = c.Read(make([]byte, 1))
		}},
		{"truncated status line", func(c net.Conn) {
			if readRequest(c) {
				_, _ = c.Write([]byte("HTTP/1.1 50"))
			}
			_ = c.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := rawServer(t, tt.serve)
			exp := newTestTraceExporter(t, Config{Endpoint: url, Timeout: 300 * time.Millisecond})
			start := time.Now()
			err := exp.ExportSpans(testCtx(t), oneSpan())
			if err == nil {
				t.Fatal("ExportSpans succeeded against a broken server")
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v with a 300ms timeout", d)
			}
		})
	}
}

func TestTruncatedSuccessBodyIsSuccess(t *testing.T) {
	url := rawServer(t, func(c net.Conn) {
		if readRequest(c) {
			_, _ = c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\n\x0a\x05"))
		}
		_ = c.Close()
	})
	exp := newTestTraceExporter(t, Config{Endpoint: url, Timeout: 2 * time.Second})
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatalf("ExportSpans = %v; the status said the data was accepted", err)
	}
}

func TestEndlessSuccessBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
		chunk := bytes.Repeat([]byte{0x0a, 0x00}, 16<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	exp := newTestTraceExporter(t, Config{Endpoint: srv.URL + "/v1/traces", Timeout: 5 * time.Second})
	start := time.Now()
	if err := exp.ExportSpans(testCtx(t), oneSpan()); err != nil {
		t.Fatalf("ExportSpans = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v: the body should be read only up to its cap", d)
	}
}
