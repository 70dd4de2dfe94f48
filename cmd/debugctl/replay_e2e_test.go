package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

// The end-to-end tests of debugctl replay: the binary, run as a user
// runs it, against servers on 127.0.0.1, on capture files the real
// middleware wrote.

// replayOrdersService answers POST /orders {"qty":N}. The buggy one has the
// bug of these tests, a 500 for a quantity of 0; the fixed one answers
// it as any other.
func replayOrdersService(fixed bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Qty int `json:"qty"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "bad JSON", http.StatusBadRequest)
			return
		}
		if in.Qty == 0 && !fixed {
			http.Error(w, "internal error: division by zero", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":43,"qty":%d,"status":"created"}`, in.Qty)
	})
	return mux
}

var replayJSONHeader = http.Header{"Content-Type": {"application/json"}}

// replayRecordFailure records, in on-failure mode, a good request and one
// that fails, and returns the capture file: it holds the failure only.
func replayRecordFailure(t *testing.T) string {
	file := replayRecordCaptures(t, replayOrdersService(false), capture.Policy{OnFailure: true}, func(base string, client *http.Client) {
		status, _ := replayDo(t, client, "POST", base+"/orders", `{"qty":2}`, replayJSONHeader)
		require.Equal(t, http.StatusOK, status)
		status, _ = replayDo(t, client, "POST", base+"/orders", `{"qty":0}`, replayJSONHeader)
		require.Equal(t, http.StatusInternalServerError, status)
	})
	recs, err := capture.ReadFile(file)
	require.NoError(t, err)
	require.Len(t, recs, 1, "on failure, only the 500 is captured")
	require.NotNil(t, recs[0].Env, "the file sink wrote the snapshot")
	return file
}

func TestReplayReproducesAFailure(t *testing.T) {
	file := replayRecordFailure(t)

	t.Run("same bug: reproduced, exit 0", func(t *testing.T) {
		buggy := replayServer(t, replayOrdersService(false))
		r := replayExec(t, nil, "replay", "--target", buggy.URL, file)
		require.Equal(t, exitOK, r.code, r)
		assert.Contains(t, r.stdout, "✓ POST /orders  reproduced: 500 as recorded  (")
		assert.Contains(t, r.stdout, "replayed 1 of 1 records against "+buggy.URL)
		assert.Contains(t, r.stdout, "1 reproduced as recorded, 0 differ")
		assert.Contains(t, r.stdout, "  environment ", "the record's environment is compared with this machine's")
		assert.Empty(t, r.stderr)
	})

	t.Run("fixed: differs, exit 1", func(t *testing.T) {
		fixed := replayServer(t, replayOrdersService(true))
		r := replayExec(t, nil, "replay", "--target", fixed.URL, file)
		require.Equal(t, exitDiffers, r.code, r)
		assert.Contains(t, r.stdout, "✗ POST /orders  recorded 500 → replayed 200  (")
		assert.Contains(t, r.stdout, "    the replayed response differs from the recorded one (recorded → replayed):\n      status: 500 → 200\n")
		assert.Contains(t, r.stdout, `header Content-Type: "text/plain; charset=utf-8" → "application/json"`)
		assert.Contains(t, r.stdout, "0 reproduced as recorded, 1 differ")
	})

	t.Run("json", func(t *testing.T) {
		fixed := replayServer(t, replayOrdersService(true))
		r := replayExec(t, nil, "replay", "--json", "--target", fixed.URL, file)
		require.Equal(t, exitDiffers, r.code, r)
		lines := replayJSONLines(t, r.stdout)
		require.Len(t, lines, 3, "a record, its environment, the summary:\n%s", r.stdout)
		rec, env, sum := lines[0], lines[1], lines[2]
		assert.Equal(t, "record", rec["type"])
		assert.Equal(t, "differs", rec["outcome"])
		assert.Equal(t, false, rec["equal"])
		assert.Equal(t, map[string]any{"recorded": 500.0, "replayed": 200.0}, rec["status"])
		diff := rec["diff"].(map[string]any)
		assert.Equal(t, true, diff["status"])
		assert.Contains(t, diff["text"], "status: 500 → 200")
		assert.Equal(t, "env", env["type"])
		assert.Equal(t, "this machine", env["against"])
		assert.Equal(t, "summary", sum["type"])
		assert.EqualValues(t, 1, sum["differ"])
		assert.EqualValues(t, exitDiffers, sum["exit_code"])
	})
}

// replayJSONLines parses each line of out as a JSON object.
func replayJSONLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "line %q", sc.Text())
		lines = append(lines, m)
	}
	return lines
}

func TestReplayTargetRefuses(t *testing.T) {
	var hits atomic.Int32
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	dir := t.TempDir()
	var recs []*capture.Record
	for i := range 6 {
		recs = append(recs, replayGetRecord(fmt.Sprintf("/items/%d", i), "ok"))
	}
	many := replayWriteRecords(t, dir, "many.jsonl", recs...)
	one := replayWriteRecords(t, dir, "one.jsonl", recs[0])

	r := replayExec(t, nil, "replay", "--target", srv.URL, many)
	require.Equal(t, exitTarget, r.code, r)
	assert.Contains(t, r.stderr, "debugctl replay: the target refused: 3 of 3 answers were 401 Unauthorized or 403 Forbidden")
	assert.Contains(t, r.stderr, "--substitute-env")
	assert.EqualValues(t, 3, hits.Load(), "replay stops after 3 refusals rather than hammer the target")
	assert.Contains(t, r.stdout, "3 not run")

	hits.Store(0)
	r = replayExec(t, nil, "replay", "--target", srv.URL, one)
	require.Equal(t, exitTarget, r.code, r)
	assert.Contains(t, r.stderr, "the target refused: 1 of 1 answers")
	assert.EqualValues(t, 1, hits.Load())
}

func TestReplayTargetUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now

	file := replayWriteRecords(t, t.TempDir(), "a.jsonl", replayGetRecord("/a", "ok"), replayGetRecord("/b", "ok"), replayGetRecord("/c", "ok"))
	r := replayExec(t, nil, "replay", "--target", "http://"+addr, file)
	require.Equal(t, exitTarget, r.code, r)
	assert.Contains(t, r.stderr, "debugctl replay: cannot reach the target http://"+addr+": dial tcp "+addr+": ")
	assert.Contains(t, r.stderr, "connection refused")
	assert.Contains(t, r.stderr, "is it running")
	assert.Contains(t, r.stdout, "! GET /a  no answer: ")
	assert.Contains(t, r.stdout, "2 not run", "replay stops at the first unanswered request")
}

func TestReplayUnreadableCaptures(t *testing.T) {
	dir := t.TempDir()
	good := replayWriteRecords(t, dir, "good.jsonl", replayGetRecord("/a", "ok"))
	goodLine, err := os.ReadFile(good)
	require.NoError(t, err)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	truncated := write("truncated.jsonl", string(goodLine)+string(goodLine[:len(goodLine)/2]))
	schema := write("schema.jsonl", strings.Replace(string(goodLine), capture.Schema, "reprokit.capture.v9", 1))
	raw := write("raw.jsonl", "{\"schema\":\"\x1b[31mevil\"}\n")
	escaped := write("escaped.jsonl", `{"schema":"\u001b[31mevil\r\n"}`+"\n")
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.Mkdir(empty, 0o700))

	var hits atomic.Int32
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))

	for _, tt := range []struct {
		name  string
		files []string
		want  []string
	}{
		{"missing file", []string{filepath.Join(dir, "nope.jsonl")}, []string{"no such file or folder: "}},
		{"truncated last line", []string{truncated}, []string{"truncated.jsonl:2: truncated last line"}},
		{"unknown schema", []string{schema}, []string{`schema.jsonl:1: unknown schema "reprokit.capture.v9"`}},
		{"control characters", []string{raw}, []string{`raw.jsonl:1: invalid character '\x1b' in string literal`}},
		{"escaped control characters", []string{escaped}, []string{`escaped.jsonl:1: unknown schema "\x1b[31mevil\r\n"`}},
		{"empty folder", []string{empty}, []string{"no capture file (*.jsonl, *.jsonl.N) in the folder"}},
		{"one bad file of two", []string{good, truncated}, []string{"truncated.jsonl:2:"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := replayExec(t, nil, append([]string{"replay", "--target", srv.URL}, tt.files...)...)
			require.Equal(t, exitInput, r.code, r)
			for _, w := range tt.want {
				assert.Contains(t, r.stderr, "debugctl replay: ")
				assert.Contains(t, r.stderr, w)
			}
			assert.Contains(t, r.stderr, "not replaying")
			assert.NotContains(t, r.stderr, "\x1b", "untrusted text is cleaned")
			assert.Empty(t, r.stdout)
		})
	}
	assert.Zero(t, hits.Load(), "nothing is replayed from an unreadable capture")
}

func TestReplaySubstitutes(t *testing.T) {
	const token = "Bearer s3cr3t-t0ken-for-the-replay"
	const apiKey = "k3y-9f8e7d6c5b4a3921"
	file := replayRecordCaptures(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}), capture.Policy{Rate: 1}, func(base string, client *http.Client) {
		status, _ := replayDo(t, client, "GET", base+"/whoami", "", http.Header{"Authorization": {token}, "X-Api-Key": {apiKey}})
		require.Equal(t, http.StatusOK, status)
	})
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NotContains(t, string(data), "s3cr3t", "the capture is redacted")
	require.NotContains(t, string(data), apiKey)

	// The replay target checks the credentials and echoes the key, as a
	// careless service might: the output must not show it.
	var mu sync.Mutex
	var gotAuth, gotKey []string
	srv := replayServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotAuth = append(gotAuth, r.Header.Get("Authorization"))
		gotKey = append(gotKey, r.Header.Get("X-Api-Key"))
		mu.Unlock()
		if r.Header.Get("Authorization") != token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "hello, caller %s", r.Header.Get("X-Api-Key"))
	}))

	for _, args := range [][]string{
		{"--substitute-env", "Authorization=REPLAY_TOKEN", "--substitute", "x-api-key=" + apiKey},
		{"--json", "--substitute-env", "header:authorization=REPLAY_TOKEN", "--substitute-env", "X-Api-Key=REPLAY_KEY"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			mu.Lock()
			gotAuth, gotKey = nil, nil
			mu.Unlock()
			r := replayExec(t, []string{"REPLAY_TOKEN=" + token, "REPLAY_KEY=" + apiKey},
				append([]string{"replay", "--target", srv.URL}, append(args, file)...)...)
			require.Equal(t, exitDiffers, r.code, "the echoed key differs from the recorded body\n%s", r)
			mu.Lock()
			assert.Equal(t, []string{token}, gotAuth, "the redacted Authorization was filled in")
			assert.Equal(t, []string{apiKey}, gotKey, "the header name matched in any case")
			mu.Unlock()
			out := r.stdout + r.stderr
			assert.NotContains(t, out, "s3cr3t")
			assert.NotContains(t, out, apiKey)
			assert.Contains(t, out, "hello, caller [substituted]")
		})
	}

	t.Run("without substitutes", func(t *testing.T) {
		r := replayExec(t, nil, "replay", "--target", srv.URL, file)
		require.Equal(t, exitTarget, r.code, r)
		assert.Contains(t, r.stdout, "warning: ", "the redacted header left out says so")
		assert.Contains(t, r.stdout, "Authorization")
		assert.Contains(t, r.stderr, "the target refused")
	})
}

func TestReplayEnvironments(t *testing.T) {
	orders := filepath.Join("..", "..", "capture", "testdata", "records", "orders.jsonl")
	redeploy := filepath.Join("..", "..", "capture", "testdata", "records", "redeploy.jsonl")
	mux := http.NewServeMux()
	mux.Handle("GET /debug/env", capture.EnvHandler(func(*http.Request) bool { return true }, nil))
	mux.Handle("GET /forbidden/env", capture.EnvHandler(func(*http.Request) bool { return false }, nil))
	mux.HandleFunc("GET /not-env", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, `{"schema":"x"}`) })
	srv := replayServer(t, mux)

	t.Run("once per snapshot", func(t *testing.T) {
		r := replayExec(t, nil, "replay", "--target", srv.URL, orders, redeploy)
		require.Equal(t, exitDiffers, r.code, r)
		assert.Equal(t, 1, strings.Count(r.stdout, "environment a3f1c09b7e2d4c58 (orders), recorded → this machine:"), r.stdout)
		assert.Equal(t, 1, strings.Count(r.stdout, "environment 5d2e8b1c0f7a9364"), r.stdout)
		assert.Contains(t, r.stdout, "go_version: ")
	})
	t.Run("the target's", func(t *testing.T) {
		r := replayExec(t, nil, "replay", "--target", srv.URL, "--target-env", "/debug/env", orders)
		require.Equal(t, exitDiffers, r.code, r)
		assert.Equal(t, 1, strings.Count(r.stdout, "environment a3f1c09b7e2d4c58 (orders), recorded → the target:"), r.stdout)
	})
	t.Run("refused", func(t *testing.T) {
		r := replayExec(t, nil, "replay", "--target", srv.URL, "--target-env", "/forbidden/env", orders)
		require.Equal(t, exitTarget, r.code, r)
		assert.Contains(t, r.stderr, "--target-env: the service refused to serve its environment: it answered 403 Forbidden")
		assert.Empty(t, r.stdout)
	})
	t.Run("not a snapshot", func(t *testing.T) {
		r := replayExec(t, nil, "replay", "--target", srv.URL, "--target-env", "/not-env", orders)
		require.Equal(t, exitInput, r.code, r)
		assert.Contains(t, r.stderr, "not an environment snapshot")
	})
	t.Run("missing", func(t *testing.T) {
		r := replayExec(t, nil, "replay", "--target", srv.URL, "--target-env", "/nothing", orders)
		require.Equal(t, exitTarget, r.code, r)
		assert.Contains(t, r.stderr, "answered 404 Not Found")
	})
}
