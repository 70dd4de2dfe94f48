package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
	"github.com/reprokit/reprokit/capture/capturetest"
	"github.com/reprokit/reprokit/correlation"
)

// commandTimeout bounds one run of the binary: a command that hangs fails
// its test instead of the whole run.
const commandTimeout = time.Minute

// debugctl runs the debugctl binary that TestMain built with args, in the
// test's environment and working directory, and returns what it wrote to
// stdout and stderr and its exit status. It fails the test if the binary
// cannot be started, is killed by a signal, or runs longer than a minute.
func debugctl(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return debugctlEnv(t, nil, args...)
}

// debugctlEnv is [debugctl] with env ("NAME=value" entries) added to the
// environment of the binary.
func debugctlEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, debugctlBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		code = ee.ExitCode()
	default:
		t.Fatalf("debugctl %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), errOut.String(), code
}

// runInProcess runs debugctl's run function in the test's process with
// args, for what the binary cannot show: a terminal (terminal reports
// whether stdout is one) and an environment of env only. It returns what
// the command wrote and its exit status.
func runInProcess(t *testing.T, env map[string]string, terminal bool, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	c := newCLI(strings.NewReader(""), &out, &errOut)
	c.terminal = terminal
	c.getenv = func(name string) string { return env[name] }
	code = run(t.Context(), args, c)
	return out.String(), errOut.String(), code
}

// writeCaptures writes recs to a new capture file, captures.jsonl, in a
// temporary folder of the test, as a FileSink writes them (the snapshot of
// each record's Env before its first record), and returns its path.
func writeCaptures(t *testing.T, recs ...*capture.Record) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "captures.jsonl")
	capturetest.WriteFixture(t, path, recs...)
	return path
}

// testEnvSnapshot returns an environment snapshot of the given ID, as a
// service of the tests would take it.
func testEnvSnapshot(id string) *capture.Env {
	return &capture.Env{
		ID:      id,
		Taken:   time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC),
		Service: "orders",
		Runtime: capture.Runtime{GoVersion: "go1.25.4", GOOS: "linux", GOARCH: "amd64", GOMAXPROCS: 4, NumCPU: 4, Timezone: "UTC"},
		Build: capture.Build{
			Main:     capture.Module{Path: "example.com/orders", Version: "v1.2.3"},
			Settings: map[string]string{"vcs.revision": "0123456789abcdef"},
		},
		Vars: []capture.EnvVar{{Name: "ENABLE_CACHE", Value: "true", Kept: true}},
	}
}

// newRecord returns a complete record numbered n: a GET of /orders/n at
// 10:00:n on 2025-06-01 answered 200, with the correlation ID "req-n",
// a trace ID, and no environment.
func newRecord(n int) *capture.Record {
	return &capture.Record{
		Schema:        capture.Schema,
		Kind:          capture.KindHTTP,
		ID:            fmt.Sprintf("%032x", 0xabc000+n),
		Start:         time.Date(2025, 6, 1, 10, 0, n, 0, time.UTC),
		Duration:      1500 * time.Microsecond,
		CorrelationID: fmt.Sprintf("req-%d", n),
		TraceID:       fmt.Sprintf("%032x", 0x4bf92f00+n),
		SpanID:        "00f067aa0ba902b7",
		Reason:        capture.ReasonRate,
		Request: capture.Request{
			Method: "GET", URL: fmt.Sprintf("/orders/%d", n), Host: "api.example.com", Proto: "HTTP/1.1",
			Route: "GET /orders/{id}", Header: http.Header{"Accept": {"application/json"}},
		},
		Response: capture.Response{
			Status: 200,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   capture.Body{ContentType: "application/json", Size: 11, Text: `{"id":"42"}`},
		},
	}
}

// capturedService is a real HTTP server on 127.0.0.1 whose requests go
// through package correlation's middleware (which accepts the client's
// X-Request-ID) and capture's, which captures every request into a
// FileSink, as a service in production does.
type capturedService struct {
	// URL is the server's base URL, File the capture file.
	URL  string
	File string

	srv  *httptest.Server
	sink *capture.FileSink
	once sync.Once
}

// startCapturedService starts a capturedService serving h, with opts
// after the policy that captures every request. It is stopped when the
// test ends, if [capturedService.stop] was not called.
func startCapturedService(t *testing.T, h http.Handler, opts ...capture.Option) *capturedService {
	t.Helper()
	file := filepath.Join(t.TempDir(), "captures.jsonl")
	sink, err := capture.NewFileSink(file, nil)
	require.NoError(t, err)
	opts = append([]capture.Option{capture.WithPolicy(capture.Policy{Rate: 1, MaxPerSecond: math.Inf(1)})}, opts...)
	srv := httptest.NewServer(correlation.NewHandler(capture.NewHandler(h, sink, opts...)))
	s := &capturedService{URL: srv.URL, File: file, srv: srv, sink: sink}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// send sends a request to the service and returns the response's status
// and body. correlationID, if not empty, is sent as X-Request-ID.
func (s *capturedService) send(t *testing.T, method, path, correlationID, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if correlationID != "" {
		req.Header.Set(correlation.DefaultHeader, correlationID)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// stop stops the server, waiting for its handlers (and so for the records
// they hand to the sink), closes the sink, and returns the capture file.
func (s *capturedService) stop(t *testing.T) string {
	s.once.Do(func() {
		s.srv.Close()
		if err := s.sink.Close(context.Background()); err != nil {
			t.Errorf("closing the capture file: %v", err)
		}
	})
	return s.File
}

// assertTerminalSafe fails the test if out holds what a terminal acts on
// or misreads: control characters other than newline and tab (ESC, CR,
// the C1 controls), bidirectional controls, or invalid UTF-8.
func assertTerminalSafe(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s holds invalid UTF-8:\n%q", what, out)
		return
	}
	for i, r := range out {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)) {
			t.Errorf("%s holds %U at byte %d:\n%q", what, r, i, out)
			return
		}
	}
}

// assertNoPiece fails the test if out holds secret or any piece of it 8
// bytes long.
func assertNoPiece(t *testing.T, what, out, secret string) {
	t.Helper()
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(out, secret[i:i+8]) {
			t.Errorf("%s holds %q, a piece of a secret:\n%s", what, secret[i:i+8], out)
			return
		}
	}
}
