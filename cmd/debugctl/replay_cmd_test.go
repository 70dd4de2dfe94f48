package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

// The in-process tests of debugctl replay: run, as main calls it.

func TestReplayUsage(t *testing.T) {
	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", replayGetRecord("/a", "ok"))
	const secret = "Bearer do-not-echo-me"
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no target", []string{file}, exitUsage, "no --target given; pass the server to replay against: debugctl replay --target http://127.0.0.1:8080 captures/"},
		{"no file", []string{"--target", "http://127.0.0.1:1"}, exitUsage, "no file given; pass capture files or folders"},
		{"concurrency 0", []string{"--target", "http://127.0.0.1:1", "--concurrency", "0", file}, exitUsage, "--concurrency 0: give 1 to 256"},
		{"concurrency 257", []string{"--target", "http://127.0.0.1:1", "--concurrency", "257", file}, exitUsage, "--concurrency 257"},
		{"bad rate", []string{"--target", "http://127.0.0.1:1", "--rate", "fast", file}, exitUsage, `--rate "fast"`},
		{"zero rate", []string{"--target", "http://127.0.0.1:1", "--rate", "0/s", file}, exitUsage, "positive number"},
		{"rate unit", []string{"--target", "http://127.0.0.1:1", "--rate", "5/h", file}, exitUsage, "a second or a minute"},
		{"bad substitute", []string{"--target", "http://127.0.0.1:1", "--substitute", secret, file}, exitUsage, "--substitute needs [place:]name=value"},
		{"substitute no name", []string{"--target", "http://127.0.0.1:1", "--substitute", "=" + secret, file}, exitUsage, "--substitute needs"},
		{"unset variable", []string{"--target", "http://127.0.0.1:1", "--substitute-env", "Authorization=NOPE", file}, exitUsage, "the environment variable NOPE is empty or not set"},
		{"substitute-env no var", []string{"--target", "http://127.0.0.1:1", "--substitute-env", "Authorization=", file}, exitUsage, "needs [place:]name=VAR"},
		{"bad status", []string{"--target", "http://127.0.0.1:1", "--status", "5x", file}, exitUsage, `bad --status "5x"`},
		{"bad since", []string{"--target", "http://127.0.0.1:1", "--since", "yesterday", file}, exitUsage, `bad --since "yesterday"`},
		{"negative since", []string{"--target", "http://127.0.0.1:1", "--since", "-1h", file}, exitUsage, "bad --since \"-1h\""},
		{"target scheme", []string{"--target", "ftp://x", file}, exitUsage, `--target "ftp://x": capture: replay target must be`},
		{"target user", []string{"--target", "http://u:p@x", file}, exitUsage, "it holds a user"},
		{"bad target-env", []string{"--target", "http://127.0.0.1:1", "--target-env", "ftp://x/env", file}, exitUsage, "--target-env"},
		{"bad timeout", []string{"--target", "http://127.0.0.1:1", "--timeout", "0s", file}, exitUsage, "--timeout 0s"},
		{"unknown flag", []string{"--target", "http://127.0.0.1:1", "--nope", file}, exitUsage, "flag provided but not defined: -nope"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := replayInProcess(t, t.Context(), nil, append([]string{"replay"}, tt.args...)...)
			require.Equal(t, tt.code, r.code, r)
			assert.Contains(t, r.stderr, tt.want)
			assert.NotContains(t, r.stderr, "do-not-echo-me", "a substitute value is never echoed")
			assert.Empty(t, r.stdout)
		})
	}
}

func TestReplayHelp(t *testing.T) {
	r := replayInProcess(t, t.Context(), nil, "replay", "--help")
	require.Equal(t, exitOK, r.code, r)
	for _, want := range []string{
		"Usage: debugctl replay --target URL [flags] FILE|FOLDER…",
		"Examples:", "--substitute-env Authorization=TOKEN", "Exit status:",
		"-concurrency N", "-rate R", "-ignore-field path", "-compare-header header", "-target-env PATH", "-json",
	} {
		assert.Contains(t, r.stdout, want)
	}
}

// TestReplayOrder replays records whose answers complete out of order:
// the first one is answered last. The output is in the records' order.
func TestReplayOrder(t *testing.T) {
	const n = 40
	var served atomic.Int32
	othersDone := make(chan struct{})
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/r/0" {
			select {
			case <-othersDone:
			case <-r.Context().Done():
				return
			case <-time.After(30 * time.Second): // a hang is a failure, not a wait
			}
		} else if served.Add(1) == n-1 {
			close(othersDone)
		}
		fmt.Fprint(w, "ok "+r.URL.Path)
	}))
	var recs []*capture.Record
	for i := range n {
		p := "/r/" + strconv.Itoa(i)
		recs = append(recs, replayGetRecord(p, "ok "+p))
	}
	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", recs...)

	r := replayInProcess(t, t.Context(), nil, "replay", "--target", srv.URL, "--concurrency", "4", file)
	require.Equal(t, exitOK, r.code, r)
	got := regexp.MustCompile(`✓ GET /r/(\d+) `).FindAllStringSubmatch(r.stdout, -1)
	require.Len(t, got, n, r.stdout)
	for i, m := range got {
		assert.Equal(t, strconv.Itoa(i), m[1], "line %d", i)
	}
	assert.Contains(t, r.stdout, "replayed 40 of 40 records")
}

func TestReplayCompareFlags(t *testing.T) {
	rec := replayGetRecord("/t", `{"id":1,"at":"2025-01-01"}`)
	rec.Response.Header.Set("Content-Type", "application/json")
	rec.Response.Header.Set("X-Version", "1")
	rec.Response.Body.ContentType = "application/json"
	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", rec)
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Version", "2")
		fmt.Fprint(w, `{"id":1,"at":"2026-02-02"}`)
	}))
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"body differs", nil, exitDiffers, "body at: \"2025-01-01\" → \"2026-02-02\""},
		{"ignored field", []string{"--ignore-field", "at"}, exitOK, "reproduced: 200 as recorded"},
		{"compared header", []string{"--ignore-field", "at", "--compare-header", "x-version"}, exitDiffers, `header X-Version: "1" → "2"`},
		{"bad path", []string{"--ignore-field", "a["}, exitUsage, "invalid replay option: WithIgnoreFields: capture: malformed JSON path"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"replay", "--target", srv.URL}, tt.args...)
			r := replayInProcess(t, t.Context(), nil, append(args, file)...)
			require.Equal(t, tt.code, r.code, r)
			assert.Contains(t, r.stdout+r.stderr, tt.want)
		})
	}
}

func TestReplayInterrupted(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-r.Context().Done() // answers only when the client goes away
	}))
	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", replayGetRecord("/a", "ok"), replayGetRecord("/b", "ok"), replayGetRecord("/c", "ok"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		<-arrived
		cancel() // Ctrl-C
	}()
	r := replayInProcess(t, ctx, nil, "replay", "--target", srv.URL, file)
	require.Equal(t, exitInterrupted, r.code, r)
	assert.Contains(t, r.stderr, "debugctl replay: interrupted: 0 of 3 records replayed")
	assert.Contains(t, r.stdout, "3 not run")
}

func TestReplayNothingToReplay(t *testing.T) {
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	grpc := filepath.Join("..", "..", "capture", "testdata", "records", "grpc.jsonl")
	r := replayInProcess(t, t.Context(), nil, "replay", "--target", srv.URL, grpc)
	require.Equal(t, exitInput, r.code, r)
	assert.Contains(t, r.stdout, "- POST /orders.v1.OrderService/GetOrder  skipped: the record cannot be replayed: a gRPC call is not replayed over HTTP")
	assert.Contains(t, r.stderr, "no record could be replayed: 2 skipped")

	r = replayInProcess(t, t.Context(), nil, "replay", "--target", srv.URL, "--correlation-id", "nope", grpc)
	require.Equal(t, exitInput, r.code, r)
	assert.Contains(t, r.stderr, "no record to replay: 2 records in 1 files, none matches the filters")
}

func TestReplayFlagsAfterFiles(t *testing.T) {
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	dir := t.TempDir()
	a := replayWriteRecords(t, dir, "a.jsonl", replayGetRecord("/a", "ok"))
	b := replayWriteRecords(t, dir, "b.jsonl", replayGetRecord("/b", "ok"))
	r := replayInProcess(t, t.Context(), nil, "replay", a, "--target", srv.URL, b, "--json")
	require.Equal(t, exitOK, r.code, r)
	lines := replayJSONLines(t, r.stdout)
	require.Len(t, lines, 3)
	assert.Equal(t, "/a", lines[0]["url"])
	assert.Equal(t, "/b", lines[1]["url"])

	// A folder: its *.jsonl files, sorted.
	r = replayInProcess(t, t.Context(), nil, "replay", "--target", srv.URL, dir)
	require.Equal(t, exitOK, r.code, r)
	assert.Regexp(t, `(?s)GET /a .*GET /b `, r.stdout)
}

func TestReplayProgressBar(t *testing.T) {
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", replayGetRecord("/a", "ok"), replayGetRecord("/b", "ok"))
	var stdout, stderr bytes.Buffer
	c := newCLI(strings.NewReader(""), &stdout, &stderr)
	c.terminal = true
	code := run(t.Context(), []string{"replay", "--target", srv.URL, file}, c)
	require.Equal(t, exitOK, code, "%s%s", &stdout, &stderr)
	assert.Contains(t, stderr.String(), "\rreplaying [", "a bar on stderr")
	assert.True(t, strings.HasSuffix(stderr.String(), "\r"), "erased at the end: %q", stderr.String())
	assert.NotContains(t, stdout.String(), "replaying [")
}

func TestPacer(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newPacer(100*time.Millisecond, nil)
	// Four workers ask at once: they are spaced by the interval.
	for i := range 4 {
		assert.Equal(t, time.Duration(i)*100*time.Millisecond, p.reserve(t0))
	}
	// Later than the reserved slots: no wait, and no burst saved up.
	late := t0.Add(time.Second)
	assert.Zero(t, p.reserve(late))
	assert.Equal(t, 100*time.Millisecond, p.reserve(late))

	var nilPacer *pacer
	assert.NoError(t, nilPacer.wait(t.Context()))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	slow := newPacer(time.Hour, time.Now)
	slow.reserve(time.Now())
	assert.ErrorIs(t, slow.wait(ctx), context.Canceled, "a wait ends with its context")
}

func TestParseRate(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, true},
		{"10", 100 * time.Millisecond, true},
		{"10/s", 100 * time.Millisecond, true},
		{" 4/sec", 250 * time.Millisecond, true},
		{"600/m", 100 * time.Millisecond, true},
		{"0.5", 2 * time.Second, true},
		{"0", 0, false},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"2000000", 0, false},
		{"1/h", 0, false},
		{"x/s", 0, false},
	} {
		p, err := parseRate(tt.in)
		if !tt.ok {
			assert.Error(t, err, "%q", tt.in)
			continue
		}
		require.NoError(t, err, "%q", tt.in)
		if tt.want == 0 {
			assert.Nil(t, p)
			continue
		}
		assert.Equal(t, tt.want, p.interval, "%q", tt.in)
	}
}

func TestSubstitutes(t *testing.T) {
	env := map[string]string{"TOKEN": "Bearer t0k3n", "CARD": "4111111111111111"}
	subs, err := parseSubstitutes(
		[]string{"X-Api-Key=k=v", "query:token=q", "path:id=42"},
		[]string{"authorization=TOKEN", "json:card.number=CARD"},
		func(k string) string { return env[k] },
	)
	require.NoError(t, err)
	fill := substituteFunc(subs)
	for _, tt := range []struct {
		where, name string
		want        string
		ok          bool
	}{
		{capture.InHeader, "X-Api-Key", "k=v", true},
		{capture.InHeader, "Authorization", "Bearer t0k3n", true},
		{capture.InQuery, "token", "q", true},
		{capture.InQuery, "Token", "", false},
		{capture.InForm, "token", "", false},
		{capture.InHeader, "Token", "", false},
		{capture.InQuery, "X-Api-Key", "k=v", true},
		{capture.InQuery, "x-api-key", "", false},
		{capture.InPath, "id", "42", true},
		{capture.InJSON, "card.number", "4111111111111111", true},
		{capture.InHeader, "card.number", "", false},
	} {
		got, ok := fill(tt.where, tt.name)
		assert.Equal(t, tt.ok, ok, "%s %s", tt.where, tt.name)
		assert.Equal(t, tt.want, got, "%s %s", tt.where, tt.name)
	}

	mask := newMasker(subs)
	assert.Equal(t, "a [substituted] b [substituted] 42 k=v", mask("a Bearer t0k3n b 4111111111111111 42 k=v"), "values under 4 bytes are kept")
	assert.Equal(t, `"[substituted]"`, mask(`"Bearer t0k3n"`))
	assert.Equal(t, "?t=[substituted]", mask("?t=Bearer+t0k3n"), "as a URL encodes it")
	assert.Equal(t, "x", newMasker(nil)("x"))
}

func TestRecordFilter(t *testing.T) {
	now := time.Date(2025, 6, 2, 15, 0, 0, 0, time.UTC)
	rec := &capture.Record{
		CorrelationID: "req-1", TraceID: "abcdef0123456789abcdef0123456789",
		Start:    now.Add(-30 * time.Minute),
		Request:  capture.Request{Route: "POST /orders/{id}"},
		Response: capture.Response{Status: 503},
	}
	for _, tt := range []struct {
		name string
		f    filterFlags
		want bool
	}{
		{"none", filterFlags{}, true},
		{"correlation", filterFlags{correlationID: "req-1"}, true},
		{"other correlation", filterFlags{correlationID: "req-2"}, false},
		{"trace any case", filterFlags{traceID: "abcdef0123456789ABCDEF0123456789"}, true},
		{"route", filterFlags{route: "POST /orders/{id}"}, true},
		{"route without method", filterFlags{route: "/orders/{id}"}, true},
		{"other route", filterFlags{route: "GET /orders/{id}"}, false},
		{"status", filterFlags{status: "503"}, true},
		{"class", filterFlags{status: "5xx"}, true},
		{"class upper", filterFlags{status: "5XX"}, true},
		{"other class", filterFlags{status: "4xx"}, false},
		{"since duration", filterFlags{since: "1h"}, true},
		{"since too short", filterFlags{since: "10m"}, false},
		{"since time", filterFlags{since: "2025-06-02T14:00:00Z"}, true},
		{"since later time", filterFlags{since: "2025-06-02T14:45:00Z"}, false},
		{"all", filterFlags{correlationID: "req-1", status: "5xx", route: "/orders/{id}", since: "1h"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			flt, err := tt.f.filter(now)
			require.NoError(t, err)
			assert.Equal(t, tt.want, flt.Match(rec))
		})
	}
}

func TestProgress(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	var buf bytes.Buffer
	p := newProgress(&buf, "replaying", 100, func() time.Time { return now })
	now = t0.Add(10 * time.Second)
	p.add(40)
	const first = "replaying [#########---------------]  40/100  40%  4.0/s  15s left"
	assert.Equal(t, "\r"+first, buf.String())
	buf.Reset()
	p.add(1) // drawn 0s ago: not redrawn
	assert.Empty(t, buf.String())
	p.clear()
	assert.Equal(t, "\r"+strings.Repeat(" ", len(first))+"\r", buf.String())
	buf.Reset()
	now = now.Add(190 * time.Second)
	p.add(59) // complete: drawn whatever the time
	const last = "replaying [########################] 100/100 100%  0.5/s"
	assert.Equal(t, "\r"+last, buf.String())
	buf.Reset()
	p.finish()
	assert.Equal(t, "\r"+strings.Repeat(" ", len(last))+"\r", buf.String())
	buf.Reset()
	p.resume()
	p.add(1)
	assert.Empty(t, buf.String(), "nothing is drawn after finish")

	var none *progress
	none.add(1)
	none.clear()
	none.resume()
	none.finish()

	assert.Equal(t, "59m59s", etaText(time.Hour-time.Second))
	assert.Equal(t, "2h00m", etaText(2*time.Hour))
}

// FuzzReplayFlagValues feeds the parsers of replay's and export's flag
// values: none panics, an error never holds a substitute's value, and
// none holds a control character.
func FuzzReplayFlagValues(f *testing.F) {
	for _, s := range []string{
		"", "10/s", "600/m", "0.5", "5xx", "500", "1h", "2025-06-02T14:00:00Z",
		"Authorization=Bearer x", "header:X=1", "json:a.b[0]=v", "=x", "\x1b[31m=\r\n", "/debug/env",
		"http://h/env", "ftp://x", "\xff\xfe", "%zz", "=rer ",
	} {
		f.Add(s)
	}
	now := time.Date(2025, 6, 2, 15, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		noControl := func(err error) {
			if err != nil && strings.ContainsFunc(err.Error(), func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Errorf("error with a control character: %q", err)
			}
		}
		_, err := parseRate(s)
		noControl(err)
		_, err = parseStatus(s)
		noControl(err)
		_, err = parseSince(s, now)
		noControl(err)
		_, err = envURL("http://127.0.0.1:8080", s)
		noControl(err)
		_, err = parseSubstitutes([]string{s}, nil, func(string) string { return "" })
		if err != nil {
			assert.Equal(t, errSubstituteSyntax, err, "the error says nothing of the argument, which holds a secret")
		}
		_, err = parseSubstitutes(nil, []string{s}, func(string) string { return "" })
		noControl(err)
		flt, err := (&filterFlags{route: s, traceID: s, correlationID: s}).filter(now)
		require.NoError(t, err)
		flt.Match(&capture.Record{})
		newMasker([]substitute{{value: s}})(s + s)
	})
}

// syncWriter is a writer safe for concurrent use that tells, on lines,
// each line written to it.
type syncWriter struct {
	mu    sync.Mutex // protects buf
	buf   bytes.Buffer
	lines chan string
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line) // not whole yet
			return len(p), nil
		}
		w.lines <- line
	}
}

// TestReplayOutputStreams checks that the output is buffered only while
// more of it is ready: a script reading --json sees a record's line
// while the next record is still being replayed.
func TestReplayOutputStreams(t *testing.T) {
	seen := make(chan struct{})
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/second" {
			select {
			case <-seen: // the first record's line was read
			case <-r.Context().Done():
				return
			case <-time.After(30 * time.Second): // a hang is a failure, not a wait
				http.Error(w, "the first line was not printed", http.StatusTeapot)
				return
			}
		}
		fmt.Fprint(w, "ok")
	}))
	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", replayGetRecord("/first", "ok"), replayGetRecord("/second", "ok"))
	out := &syncWriter{lines: make(chan string, 16)}
	c := newCLI(strings.NewReader(""), out, io.Discard)
	done := make(chan int, 1)
	go func() { done <- run(t.Context(), []string{"replay", "--target", srv.URL, "--json", file}, c) }()

	select {
	case line := <-out.lines:
		assert.Contains(t, line, `"url":"/first"`)
		close(seen)
	case <-time.After(30 * time.Second):
		t.Fatal("the first record's line was not printed while the second was replayed")
	}
	require.Equal(t, exitOK, <-done)
	assert.Contains(t, <-out.lines, `"url":"/second"`)
	assert.Contains(t, <-out.lines, `"type":"summary"`)
}

// TestReplayOutputOrder checks that what replay prints to stdout, which
// it buffers, comes before the message it ends with on stderr when the
// two share a terminal or a log (2>&1).
func TestReplayOutputOrder(t *testing.T) {
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", replayGetRecord("/a", "ok"))
	var both bytes.Buffer // stdout and stderr, as 2>&1 makes them
	code := run(t.Context(), []string{"replay", "--target", srv.URL, file}, newCLI(strings.NewReader(""), &both, &both))
	require.Equal(t, exitTarget, code, both.String())
	out := both.String()
	record := strings.Index(out, "✗ GET /a  recorded 200 → replayed 401")
	summary := strings.Index(out, "replayed 1 of 1 records")
	refused := strings.Index(out, "debugctl replay: the target refused")
	require.True(t, record >= 0 && summary >= 0 && refused >= 0, out)
	assert.Less(t, record, summary, out)
	assert.Less(t, summary, refused, out)
}
