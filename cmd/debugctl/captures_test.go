package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

// hostile is text a capture may hold that must never reach a terminal
// raw: an escape sequence that colours, one that sets the window title,
// a line break that would forge a line, a bidirectional override, and
// bytes that are not UTF-8.
const hostile = "\x1b[31mred\x1b]0;pwned\x07\r\nFORGED \u202eevil\xff\xfe"

// ordersHandler is the service of the capture tests.
func ordersHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"` + r.PathValue("id") + `","items":[1,2]}`))
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"43"}`))
	})
	mux.HandleFunc("GET /fail", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":"database unavailable"}`))
	})
	mux.HandleFunc("GET /evil", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Evil", "red\u202eevil\xff") // a client refuses control characters here
		w.Write([]byte(hostile))
	})
	return mux
}

// servedCaptures starts the orders service behind the capture middleware,
// sends it five requests, req-1 to req-5, and returns its capture file.
func servedCaptures(t *testing.T) string {
	t.Helper()
	svc := startCapturedService(t, ordersHandler())
	for _, r := range []struct{ method, path, id, body string }{
		{"GET", "/orders/1", "req-1", ""},
		{"GET", "/orders/2", "req-2", ""},
		{"POST", "/orders", "req-3", `{"item":1}`},
		{"GET", "/fail", "req-4", ""},
		{"GET", "/evil?q=1", "req-5", ""},
	} {
		svc.send(t, r.method, r.path, r.id, r.body)
	}
	return svc.stop(t)
}

// rows returns the lines of a listing after its header.
func rows(t *testing.T, stdout string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.NotEmpty(t, lines)
	require.True(t, strings.HasPrefix(lines[0], "TIME"), "no header: %q", stdout)
	return lines[1:]
}

func TestCapturesLs(t *testing.T) {
	file := servedCaptures(t)
	for _, tt := range []struct {
		name string
		args []string
		want []string // correlation IDs, in order
	}{
		{"all", nil, []string{"req-1", "req-2", "req-3", "req-4", "req-5"}},
		{"folder", []string{"--status", "500"}, []string{"req-4"}},
		{"status class", []string{"--status", "5xx"}, []string{"req-4"}},
		{"statuses", []string{"--status", "201,500"}, []string{"req-3", "req-4"}},
		{"route", []string{"--route", "GET /orders/{id}"}, []string{"req-1", "req-2"}},
		{"route without method", []string{"--route", "/orders/{id}"}, []string{"req-1", "req-2"}},
		{"path", []string{"--route", "/orders/2"}, []string{"req-2"}},
		{"correlation ID", []string{"--correlation-id", "req-3"}, []string{"req-3"}},
		{"method", []string{"--method", "post"}, []string{"req-3"}},
		{"since", []string{"--since", "1h"}, []string{"req-1", "req-2", "req-3", "req-4", "req-5"}},
		{"until", []string{"--until", "1h"}, nil},
		{"reason", []string{"--reason", "failure"}, nil},
		{"no match", []string{"--correlation-id", "req-9"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target := file
			if tt.name == "folder" {
				target = filepath.Dir(file)
			}
			// Flags after the file, as people type them.
			stdout, stderr, code := debugctl(t, append([]string{"captures", "ls", target}, tt.args...)...)
			require.Equal(t, exitOK, code, "stderr: %s", stderr)
			assert.Empty(t, stderr)
			got := rows(t, stdout)
			require.Len(t, got, len(tt.want), "%s", stdout)
			for i, id := range tt.want {
				assert.Contains(t, got[i], " "+id+" ")
			}
		})
	}

	stdout, _, code := debugctl(t, "captures", "ls", file)
	require.Equal(t, exitOK, code)
	fail := rows(t, stdout)[3]
	for _, want := range []string{"500", "GET", "/fail", "req-4", "s  "} {
		assert.Contains(t, fail, want)
	}
}

func TestCapturesLsJSON(t *testing.T) {
	file := servedCaptures(t)
	stdout, stderr, code := debugctl(t, "captures", "ls", "--json", "--status", "2xx,5xx", file)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 5)
	var prev int
	for i, line := range lines {
		var row struct {
			ID            string  `json:"id"`
			Status        int     `json:"status"`
			Method        string  `json:"method"`
			URL           string  `json:"url"`
			Route         string  `json:"route"`
			DurationMS    float64 `json:"duration_ms"`
			CorrelationID string  `json:"correlation_id"`
			Reason        string  `json:"reason"`
			File          string  `json:"file"`
			Line          int     `json:"line"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &row), line)
		assert.Len(t, row.ID, 32)
		assert.Equal(t, file, row.File)
		assert.Greater(t, row.Line, prev)
		prev = row.Line
		assert.Equal(t, capture.ReasonRate, row.Reason)
		assert.GreaterOrEqual(t, row.DurationMS, 0.0)
		switch i {
		case 0:
			assert.Equal(t, "req-1", row.CorrelationID)
			assert.Equal(t, 200, row.Status)
			assert.Equal(t, "/orders/1", row.URL)
			assert.Equal(t, "GET /orders/{id}", row.Route)
		case 3:
			assert.Equal(t, "req-4", row.CorrelationID)
			assert.Equal(t, 500, row.Status)
		}
	}
}

func TestCapturesShow(t *testing.T) {
	file := servedCaptures(t)

	stdout, stderr, code := debugctl(t, "captures", "show", "req-4", file)
	require.Equal(t, exitOK, code, stderr)
	for _, want := range []string{
		"correlation id  req-4",
		"> GET /fail HTTP/1.1",
		"< 500 Internal Server Error",
		"< Content-Type: application/json",
		"\n  {\n    \"error\": \"database unavailable\"\n  }\n(response body: application/json, 32 bytes)", // indented
		"environment",
		file + ":",
	} {
		assert.Contains(t, stdout, want)
	}

	// --json: the record's line, which a Decoder reads back.
	stdout, stderr, code = debugctl(t, "captures", "show", "--json", "req-3", file)
	require.Equal(t, exitOK, code, stderr)
	recs, err := capture.ReadRecords(strings.NewReader(stdout))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, "req-3", recs[0].CorrelationID)
	assert.Equal(t, `{"item":1}`, recs[0].Request.Body.String())

	// By ID, and by its first hex digits as ls shows them.
	id := recs[0].ID
	for _, key := range []string{id, id[:12]} {
		stdout, _, code = debugctl(t, "captures", "show", key, file)
		require.Equal(t, exitOK, code)
		assert.Contains(t, stdout, "record "+id)
		assert.Equal(t, 1, strings.Count(stdout, "record "), "one record")
	}

	stdout, stderr, code = debugctl(t, "captures", "show", "req-9", file)
	assert.Equal(t, exitInput, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `no record with the ID or correlation ID "req-9"`)
}

// TestCapturesShowSeveral: a correlation ID that names several records
// shows them all.
func TestCapturesShowSeveral(t *testing.T) {
	a, b := newRecord(1), newRecord(2)
	b.CorrelationID = a.CorrelationID
	file := writeCaptures(t, a, b, newRecord(3))
	stdout, stderr, code := debugctl(t, "captures", "show", a.CorrelationID, file)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 2, strings.Count("\n"+stdout, "\nrecord "))
	stdout, _, code = debugctl(t, "captures", "show", "--json", a.CorrelationID, file)
	require.Equal(t, exitOK, code)
	assert.Equal(t, 2, strings.Count(stdout, "\n"))
}

func TestCapturesStats(t *testing.T) {
	file := servedCaptures(t)
	stdout, stderr, code := debugctl(t, "captures", "stats", file)
	require.Equal(t, exitOK, code, stderr)
	for _, want := range []string{
		"records    5 (http: 5) in 1 file(s)",
		"statuses   200: 3, 201: 1, 500: 1",
		"reasons    rate: 5",
		"drops are counted in the service (capture.Stats, AsyncSinkStats), not in the file",
		"GET /orders/{id}",
		"POST /orders",
	} {
		assert.Contains(t, stdout, want)
	}

	stdout, stderr, code = debugctl(t, "captures", "stats", "--json", "--route", "/orders/{id}", file)
	require.Equal(t, exitOK, code, stderr)
	var s capture.Summary
	require.NoError(t, json.Unmarshal([]byte(stdout), &s))
	assert.Equal(t, 2, s.Records)
	assert.Equal(t, []capture.RouteCount{{Route: "GET /orders/{id}", Status: 200, Records: 2}}, s.Routes)
	require.Len(t, s.Environments, 1)
	assert.Equal(t, 2, s.Environments[0].Records)
	assert.NotEmpty(t, s.Environments[0].GoVersion)
}

func TestCapturesBadFiles(t *testing.T) {
	good := servedCaptures(t)
	content, err := os.ReadFile(good)
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(s), 0o600))
		return p
	}
	lines := strings.SplitAfter(string(content), "\n")
	truncated := write("truncated.jsonl", string(content)+`{"schema":"reprokit.capture.v1","kind":"http","id":"cut`)
	schema := write("schema.jsonl", strings.Join(lines[:3], "")+
		`{"schema":"reprokit.capture.v9\u001b[31m","kind":"http"}`+"\n"+strings.Join(lines[3:], ""))
	empty := t.TempDir()

	t.Run("missing file", func(t *testing.T) {
		for _, sub := range [][]string{{"ls"}, {"show", "req-1"}, {"stats"}} {
			stdout, stderr, code := debugctl(t, append(append([]string{"captures"}, sub...), good, filepath.Join(dir, "nope.jsonl"))...)
			assert.Equal(t, exitInput, code, sub)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, "no such file or folder: "+filepath.Join(dir, "nope.jsonl"))
		}
	})
	t.Run("folder without captures", func(t *testing.T) {
		_, stderr, code := debugctl(t, "captures", "ls", empty)
		assert.Equal(t, exitInput, code)
		assert.Contains(t, stderr, "no capture file")
	})
	t.Run("truncated last line", func(t *testing.T) {
		stdout, stderr, code := debugctl(t, "captures", "ls", truncated)
		assert.Equal(t, exitInput, code)
		assert.Len(t, rows(t, stdout), 5, "the good records are listed")
		n := strings.Count(string(content), "\n") + 1
		assert.Contains(t, stderr, truncated+":"+strconv.Itoa(n)+": truncated last line")
		assert.Contains(t, stderr, "1 line(s) or file(s) could not be read")
	})
	t.Run("unknown schema", func(t *testing.T) {
		for _, sub := range [][]string{{"ls"}, {"stats"}, {"show", "req-4"}} {
			stdout, stderr, code := debugctl(t, append(append([]string{"captures"}, sub...), schema)...)
			assert.Equal(t, exitInput, code, sub)
			assert.NotEmpty(t, stdout, "the other records are shown")
			assert.Contains(t, stderr, schema+":4: unknown schema")
			assert.Contains(t, stderr, "reprokit.capture.v9")
			assert.Contains(t, stderr, "another version of reprokit")
			assertTerminalSafe(t, "stderr", stderr)
		}
	})
}

// TestCapturesHostileContent: whatever a record holds, from the
// middleware or from a hand-made file, nothing reaches stdout or stderr
// raw, in every output form.
func TestCapturesHostileContent(t *testing.T) {
	served := servedCaptures(t)

	rec := newRecord(7)
	rec.CorrelationID = "req-7" + hostile
	rec.TraceID = hostile
	rec.Request.URL = "/x" + hostile
	rec.Request.Route = "GET " + hostile
	rec.Request.Method = "GET" + hostile
	rec.Request.Header = http.Header{"X-Evil" + hostile: {hostile}}
	rec.Request.Body = capture.Body{ContentType: hostile, Size: 10, Text: `{"a":"` + strings.ToValidUTF8(hostile, "") + `"}`}
	rec.Response.Body = capture.Body{Size: 10, Text: strings.ToValidUTF8(hostile, "?") + "\nline 2 " + hostile}
	rec.Error = hostile
	rec.Panic = hostile
	rec.Reason = hostile
	env := testEnvSnapshot("eeeeeeeeeeeeeeee")
	env.Service = hostile
	env.Runtime.GoVersion = hostile
	rec.Env = env
	handMade := writeCaptures(t, rec)

	for _, tt := range []struct {
		name string
		args []string
	}{
		{"ls", []string{"captures", "ls", served, handMade}},
		{"ls --json", []string{"captures", "ls", "--json", served, handMade}},
		{"show served", []string{"captures", "show", "req-5", served}},
		{"show served --json", []string{"captures", "show", "--json", "req-5", served}},
		{"show hand-made", []string{"captures", "show", rec.ID, handMade}},
		{"show hand-made --json", []string{"captures", "show", "--json", rec.ID, handMade}},
		{"stats", []string{"captures", "stats", served, handMade}},
		{"stats --json", []string{"captures", "stats", "--json", served, handMade}},
		{"unknown ID", []string{"captures", "show", hostile, handMade}},
		{"unknown subcommand", []string{"captures", hostile}},
		{"bad status", []string{"captures", "ls", "--status", hostile, handMade}},
		{"missing file", []string{"captures", "ls", filepath.Join(t.TempDir(), hostile)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := debugctl(t, tt.args...)
			assert.NotContains(t, stderr, "panic:")
			assertTerminalSafe(t, "stdout", stdout)
			assertTerminalSafe(t, "stderr", stderr)
			for _, line := range strings.Split(stdout+stderr, "\n") {
				assert.False(t, strings.HasPrefix(line, "FORGED"), "a forged line: %q", line)
			}
			if strings.HasPrefix(tt.name, "show") || strings.HasPrefix(tt.name, "ls") || strings.HasPrefix(tt.name, "stats") {
				require.Equal(t, exitOK, code, stderr)
				assert.Contains(t, stdout, "red")
			}
		})
	}

	// The hostile text survives --json as JSON escapes, so a script reads
	// the record as it was.
	stdout, _, code := debugctl(t, "captures", "show", "--json", rec.ID, handMade)
	require.Equal(t, exitOK, code)
	recs, err := capture.ReadRecords(strings.NewReader(stdout))
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.True(t, strings.HasPrefix(recs[0].Request.URL, "/x\x1b[31mred\x1b]0;pwned\a\r\nFORGED \u202eevil\ufffd"), "%q", recs[0].Request.URL)
}

func TestCapturesBadArguments(t *testing.T) {
	file := writeCaptures(t, newRecord(1))
	for _, tt := range []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no subcommand", []string{"captures"}, "Usage: debugctl captures"},
		{"unknown subcommand", []string{"captures", "list"}, `unknown subcommand "list"`},
		{"no file", []string{"captures", "ls"}, "no file given; pass capture files or folders"},
		{"unknown flag", []string{"captures", "ls", "--bogus", file}, "flag provided but not defined: -bogus"},
		{"flag without value", []string{"captures", "ls", file, "--status"}, "flag needs an argument: -status"},
		{"bad since", []string{"captures", "ls", "--since", "yesterday", file}, `bad --since "yesterday": want a duration ago`},
		{"negative since", []string{"captures", "ls", "--since", "-1h", file}, "bad --since"},
		{"bad until", []string{"captures", "stats", "--until", "2025-13-01", file}, "bad --until"},
		{"bad status", []string{"captures", "ls", "--status", "abc", file}, `bad --status "abc"`},
		{"status out of range", []string{"captures", "ls", "--status", "700", file}, "bad --status"},
		{"status class out of range", []string{"captures", "ls", "--status", "6xx", file}, "bad --status"},
		{"bad reason", []string{"captures", "ls", "--reason", "nope", file}, "want rate, debug, failure or manual"},
		{"show without ID", []string{"captures", "show"}, "no ID given"},
		{"show without file", []string{"captures", "show", "req-1"}, "no file given"},
		{"stats unknown flag", []string{"captures", "stats", "-x", file}, "flag provided but not defined"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := debugctl(t, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.want)
			assert.NotContains(t, stderr, "goroutine")
		})
	}
	for _, args := range [][]string{{"captures", "--help"}, {"captures", "ls", "--help"}, {"captures", "show", "-h"}, {"captures", "stats", "--help"}, {"help", "captures"}} {
		stdout, _, code := debugctl(t, args...)
		assert.Equal(t, exitOK, code, args)
		assert.Contains(t, stdout, "Usage: debugctl captures", args)
	}
	stdout, _, _ := debugctl(t, "captures", "ls", "--help")
	assert.Contains(t, stdout, "Examples:")
}

// TestCapturesDashDash: "--" ends the flags, so that a file whose name
// begins with "-" can be read.
func TestCapturesDashDash(t *testing.T) {
	file := writeCaptures(t, newRecord(1))
	dashed := filepath.Join(filepath.Dir(file), "-weird.jsonl")
	require.NoError(t, os.Rename(file, dashed))
	t.Chdir(filepath.Dir(dashed))
	stdout, stderr, code := runInProcess(t, nil, false, "captures", "ls", "--json", "--", "-weird.jsonl")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, `"correlation_id":"req-1"`)
}
