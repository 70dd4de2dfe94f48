package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

// replayBinary returns the path of the debugctl binary TestMain built.
func replayBinary(t testing.TB) string {
	t.Helper()
	require.NotEmpty(t, debugctlBin, "TestMain builds debugctl")
	return debugctlBin
}

// replayRan is what a run of debugctl printed and its exit status.
type replayRan struct {
	stdout, stderr string
	code           int
}

func (r replayRan) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", r.code, r.stdout, r.stderr)
}

// replayExec runs the debugctl binary with args and env added to the
// test's environment, within a minute.
func replayExec(t testing.TB, env []string, args ...string) replayRan {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, replayBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := replayRan{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running debugctl: %v", err)
	}
	return r
}

// replayInProcess runs debugctl's run with args, as the binary would, and
// returns what it printed.
func replayInProcess(t testing.TB, ctx context.Context, env map[string]string, args ...string) replayRan {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := newCLI(strings.NewReader(""), &stdout, &stderr)
	c.getenv = func(k string) string { return env[k] }
	code := run(ctx, args, c)
	return replayRan{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// replayServer serves h on 127.0.0.1 until the test ends, its idle
// client connections closed with it.
func replayServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(func() {
		s.CloseClientConnections()
		s.Close()
	})
	return s
}

// replayRecordCaptures serves h behind the capture middleware with policy,
// writing to a file sink in a new folder, lets send make requests to it,
// and returns the capture file once the sink is closed.
func replayRecordCaptures(t testing.TB, h http.Handler, policy capture.Policy, send func(base string, client *http.Client)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "captures.jsonl")
	sink, err := capture.NewFileSink(path, nil)
	require.NoError(t, err)
	if policy.MaxPerSecond == 0 {
		policy.MaxPerSecond = math.Inf(1)
	}
	quiet := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(capture.NewHandler(h, sink, capture.WithPolicy(policy), capture.WithLogger(quiet)))
	tr := &http.Transport{}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	send(srv.URL, client)
	tr.CloseIdleConnections()
	srv.Close()
	require.NoError(t, sink.Close(t.Context()))
	return path
}

// replayDo sends a request and fails the test unless it gets a response, whose
// body it reads and returns.
func replayDo(t testing.TB, client *http.Client, method, url, body string, header http.Header) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// replayWriteRecords writes recs as a capture file (an env line before the
// first record of each snapshot) at a new path in dir, and returns it.
func replayWriteRecords(t testing.TB, dir, name string, recs ...*capture.Record) string {
	t.Helper()
	var buf []byte
	seen := map[string]bool{}
	for _, r := range recs {
		if r.Env != nil && !seen[r.Env.ID] {
			seen[r.Env.ID] = true
			var err error
			buf, err = capture.AppendEnv(buf, r.Env)
			require.NoError(t, err)
		}
		var err error
		buf, err = capture.AppendRecord(buf, r)
		require.NoError(t, err)
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, buf, 0o600))
	return path
}

// replayGetRecord returns a record of a GET of path answered 200 with body.
func replayGetRecord(path, body string) *capture.Record {
	return &capture.Record{
		Schema: capture.Schema, Kind: capture.KindHTTP, ID: fmt.Sprintf("%x", sha256.Sum256([]byte(path)))[:32],
		Start: time.Date(2025, 6, 2, 14, 0, 0, 0, time.UTC), Reason: capture.ReasonManual,
		Request: capture.Request{Method: "GET", URL: path, Proto: "HTTP/1.1"},
		Response: capture.Response{
			Status: 200,
			Header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			Body:   capture.Body{ContentType: "text/plain; charset=utf-8", Size: int64(len(body)), Text: body},
		},
	}
}
