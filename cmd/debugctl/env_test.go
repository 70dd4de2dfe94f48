package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/capture"
)

// Fake secrets of the env tests: none is, or ever was, a credential.
const (
	envTestToken   = "adminTokenFAKE-7Hq2Zp9Lw4"
	envTestHashKey = "fleetHashKeyFAKE-0123456789"
	envSecretA     = "s3cret-A-Kq8ZpL2wFAKE"
	envSecretB     = "s3cret-B-Mx7YnR4vFAKE"
)

// envService starts a server that serves the environment snapshot of a
// service whose variables are environ, hashed with the fleet's key, to
// the callers that send envTestToken; it is stopped when the test ends.
func envService(t *testing.T, environ ...string) string {
	t.Helper()
	o := &capture.EnvOptions{
		Environ: func() []string { return environ },
		HashKey: []byte(envTestHashKey),
		Now:     func() time.Time { return time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC) },
	}
	authorize := func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+envTestToken }
	mux := http.NewServeMux()
	mux.Handle("GET /debug/env", capture.EnvHandler(authorize, o))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/debug/env"
}

// assertNoEnvSecret fails the test if out holds a piece of a secret of
// these tests, or a keyed hash of one.
func assertNoEnvSecret(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range []string{envTestToken, envTestHashKey, envSecretA, envSecretB} {
		assertNoPiece(t, what, out, s)
	}
	assert.NotContains(t, out, "REDACTED:", "%s shows a keyed hash", what)
}

func TestEnvDiffServices(t *testing.T) {
	urlA := envService(t, "ENABLE_CACHE=true", "DB_PASSWORD="+envSecretA, "LANG=C.UTF-8", "REGION=eu")
	urlB := envService(t, "DB_PASSWORD="+envSecretB, "LANG=C.UTF-8", "REGION=eu")
	hostA, hostB := strings.Split(urlA, "/")[2], strings.Split(urlB, "/")[2]
	withToken := []string{"TOKEN_VAR=" + envTestToken}

	t.Run("differ", func(t *testing.T) {
		stdout, stderr, code := debugctlEnv(t, withToken, "env", "diff", urlA, urlB, "--auth-env", "TOKEN_VAR")
		require.Equal(t, exitDiffers, code, "stderr: %s", stderr)
		assert.Contains(t, stdout, "ENABLE_CACHE: set in "+hostA+", missing in "+hostB)
		assert.Contains(t, stdout, "DB_PASSWORD: differs (values masked)")
		assert.NotContains(t, stdout, "REGION", "equal hashes are no difference")
		assert.NotContains(t, stdout, "LANG")
		assertNoEnvSecret(t, "stdout", stdout)
		assertNoEnvSecret(t, "stderr", stderr)
	})
	t.Run("differ, JSON", func(t *testing.T) {
		stdout, stderr, code := debugctlEnv(t, withToken, "env", "diff", "--json", "--auth-env", "TOKEN_VAR", urlA, urlB)
		require.Equal(t, exitDiffers, code, "stderr: %s", stderr)
		var d struct {
			A, B    struct{ Name, ID string }
			Equal   bool
			Changes []struct {
				Kind, Name, A, B string
				InA              bool `json:"in_a"`
				InB              bool `json:"in_b"`
				Masked           bool
			}
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &d))
		assert.False(t, d.Equal)
		assert.Equal(t, hostA, d.A.Name)
		assert.Len(t, d.A.ID, 16)
		var names []string
		for _, c := range d.Changes {
			if c.Kind == capture.EnvVars {
				names = append(names, c.Name)
				assert.True(t, c.Masked, c.Name)
			}
		}
		assert.Equal(t, []string{"DB_PASSWORD", "ENABLE_CACHE"}, names)
		assertNoEnvSecret(t, "stdout", stdout)
	})
	t.Run("equal", func(t *testing.T) {
		stdout, stderr, code := debugctlEnv(t, withToken, "env", "diff", urlA, urlA, "--auth-env", "TOKEN_VAR")
		require.Equal(t, exitOK, code, "stderr: %s", stderr)
		assert.Contains(t, stdout, "no differences")
		assert.Contains(t, stdout, "(A)", "the two sides are told apart")
	})
	t.Run("no token", func(t *testing.T) {
		stdout, stderr, code := debugctl(t, "env", "diff", urlA, urlB)
		assert.Equal(t, exitTarget, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "the service refused: 403 Forbidden — pass --auth-env VAR holding its token")
	})
	t.Run("wrong token", func(t *testing.T) {
		_, stderr, code := debugctlEnv(t, []string{"TOKEN_VAR=" + envTestToken + "x"}, "env", "diff", urlA, urlB, "--auth-env", "TOKEN_VAR")
		assert.Equal(t, exitTarget, code)
		assert.Contains(t, stderr, "the service refused: 403 Forbidden — the token in TOKEN_VAR was not accepted")
		assertNoEnvSecret(t, "stderr", stderr)
	})
	t.Run("token in a header", func(t *testing.T) {
		_, stderr, code := debugctl(t, "env", "diff", "--header", "Authorization: Bearer "+envTestToken, urlA, urlB)
		assert.Equal(t, exitDiffers, code, stderr)
	})
	t.Run("unreachable", func(t *testing.T) {
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		stdout, stderr, code := debugctlEnv(t, withToken, "env", "diff", urlA, closed.URL+"/debug/env", "--auth-env", "TOKEN_VAR")
		assert.Equal(t, exitTarget, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "cannot reach the service")
		assertNoEnvSecret(t, "stderr", stderr)
	})
}

func TestEnvDiffAnswers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/401", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) })
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>" + hostile + "</html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	snapshot := filepath.Join(t.TempDir(), "snap.json")
	stdout, _, code := debugctl(t, "env", "dump")
	require.Equal(t, exitOK, code)
	require.NoError(t, os.WriteFile(snapshot, []byte(stdout), 0o600))

	for _, tt := range []struct {
		name string
		url  string
		code int
		want string
	}{
		{"401", srv.URL + "/401", exitTarget, "the service refused: 401 Unauthorized — pass --auth-env VAR holding its token"},
		{"404", srv.URL + "/nothing", exitTarget, "the service answered 404 Not Found; is this the URL where it serves capture.EnvHandler?"},
		{"not a snapshot", srv.URL + "/html", exitInput, "did not answer with an environment snapshot"},
		{"user in the URL", "http://admin:" + envTestToken + "@" + strings.TrimPrefix(srv.URL, "http://"), exitUsage, "without user or password"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := debugctl(t, "env", "diff", snapshot, tt.url)
			assert.Equal(t, tt.code, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.want)
			assertTerminalSafe(t, "stderr", stderr)
			assertNoEnvSecret(t, "stderr", stderr)
		})
	}
}

func TestEnvDiffFiles(t *testing.T) {
	dir := t.TempDir()
	a := testEnvSnapshot("aaaaaaaaaaaaaaaa")
	b := testEnvSnapshot("bbbbbbbbbbbbbbbb")
	b.Runtime.GoVersion = "go1.25.1"
	b.Vars = append(b.Vars,
		capture.EnvVar{Name: "DB_PASSWORD", Value: envSecretA},                                               // a value without Kept: never shown
		capture.EnvVar{Name: "EVIL" + hostile, Value: hostile, Kept: true},                                   // hostile name and value
		capture.EnvVar{Name: "TOKEN", Value: "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", Kept: true}, // redacted again
	)
	b.Service = hostile
	line, err := capture.AppendEnv(nil, b)
	require.NoError(t, err)
	snapB := filepath.Join(dir, "b.json")
	require.NoError(t, os.WriteFile(snapB, line, 0o600))
	rec := newRecord(1)
	rec.Env = a
	captures := writeCaptures(t, rec)

	stdout, stderr, code := debugctl(t, "env", "diff", captures, snapB)
	require.Equal(t, exitDiffers, code, stderr)
	assert.Contains(t, stdout, "go_version: go1.25.4 in captures.jsonl, go1.25.1 in b.json")
	assert.Contains(t, stdout, "DB_PASSWORD: missing in captures.jsonl, set in b.json")
	assert.NotContains(t, stdout, "ENABLE_CACHE", "the same on both sides")
	assert.Contains(t, stdout, "TOKEN: missing in captures.jsonl, \"Bearer [REDACTED]\" in b.json")
	assertNoPiece(t, "stdout", stdout, envSecretA)
	assert.NotContains(t, stdout, "eyJzdWIiOiJ4In0")
	assertTerminalSafe(t, "stdout", stdout)

	stdout, _, code = debugctl(t, "env", "diff", "--json", captures, snapB)
	require.Equal(t, exitDiffers, code)
	assertNoPiece(t, "stdout", stdout, envSecretA)
	assertTerminalSafe(t, "stdout", stdout)

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"env", "diff", filepath.Join(dir, "nope.json"), snapB}, "no such file: " + filepath.Join(dir, "nope.json")},
		{"capture file without snapshot", []string{"env", "diff", writeCaptures(t, newRecord(2)), snapB}, "holds no environment snapshot"},
		{"not a snapshot", []string{"env", "diff", snapB, writeFile(t, "junk.json", "hello "+hostile)}, "junk.json:1:"},
		{"another schema", []string{"env", "diff", snapB, writeFile(t, "v9.json", `{"schema":"reprokit.capture.v9","kind":"env","id":"x"}`)}, `unknown schema "reprokit.capture.v9"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := debugctl(t, tt.args...)
			assert.Equal(t, exitInput, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.want)
			assertTerminalSafe(t, "stderr", stderr)
		})
	}
}

// writeFile writes content to a new file of the test and returns its
// path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestEnvDump(t *testing.T) {
	env := []string{"FLEET_KEY=" + envTestHashKey, "DB_PASSWORD=" + envSecretA, "FEATURE_X=on"}
	stdout, stderr, code := debugctlEnv(t, env, "env", "dump", "--hash-key-env", "FLEET_KEY", "--allow", "FEATURE_X")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, 1, strings.Count(stdout, "\n"), "one line when stdout is not a terminal")
	assertNoEnvSecret(t, "stdout", strings.ReplaceAll(stdout, "REDACTED:", "")) // hashes are what a dump holds
	path := writeFile(t, "dump.json", stdout)
	snap, err := capture.ReadEnv(path)
	require.NoError(t, err)
	assert.NotEmpty(t, snap.HashKeyID)
	vars := map[string]capture.EnvVar{}
	for _, v := range snap.Vars {
		vars[v.Name] = v
	}
	assert.Equal(t, capture.EnvVar{Name: "FEATURE_X", Value: "on", Kept: true}, vars["FEATURE_X"])
	assert.False(t, vars["DB_PASSWORD"].Kept)
	assert.Regexp(t, `^\[REDACTED:[0-9a-f]{8}\]$`, vars["DB_PASSWORD"].Hash)

	// The same machine, dumped again with the same key: no difference.
	stdout, _, code = debugctlEnv(t, env, "env", "dump", "--hash-key-env", "FLEET_KEY", "--allow", "FEATURE_X")
	require.Equal(t, exitOK, code)
	again := writeFile(t, "again.json", stdout)
	stdout, stderr, code = debugctl(t, "env", "diff", path, again)
	assert.Equal(t, exitOK, code, "%s\n%s", stdout, stderr)

	// On a terminal, indented, and read back all the same.
	stdout, stderr, code = runInProcess(t, nil, true, "env", "dump")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "{\n  \"schema\": \"reprokit.capture.v1\",\n  \"kind\": \"env\",")
	_, err = capture.ReadEnv(writeFile(t, "pretty.json", stdout))
	require.NoError(t, err)
}

func TestEnvBadArguments(t *testing.T) {
	snap := writeFile(t, "snap.json", `{"schema":"reprokit.capture.v1","kind":"env","id":"aaaaaaaaaaaaaaaa"}`)
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"no subcommand", nil, []string{"env"}, "Usage: debugctl env"},
		{"unknown subcommand", nil, []string{"env", "show"}, `unknown subcommand "show"`},
		{"dump with an argument", nil, []string{"env", "dump", "extra"}, `unexpected argument "extra"`},
		{"dump unknown flag", nil, []string{"env", "dump", "--key", "x"}, "flag provided but not defined: -key"},
		{"hash key not set", nil, []string{"env", "dump", "--hash-key-env", "NOPE"}, "the variable NOPE is not set or empty"},
		{"hash key short", map[string]string{"K": "short"}, []string{"env", "dump", "--hash-key-env", "K"}, "shorter than 16 bytes"},
		{"diff one side", nil, []string{"env", "diff", snap}, "want two snapshots, A and B"},
		{"diff three sides", nil, []string{"env", "diff", snap, snap, snap}, "want two snapshots, A and B"},
		{"diff bad header", nil, []string{"env", "diff", "--header", "Bearer " + envTestToken, snap, snap}, `bad --header: want "Name: value"`},
		{"diff header with line break", nil, []string{"env", "diff", "--header", "X-A: b\r\nX-B: " + envTestToken, snap, snap}, "bad --header"},
		{"diff auth env not set", nil, []string{"env", "diff", "--auth-env", "NOPE", snap, snap}, "the variable NOPE is not set or empty"},
		{"diff bad timeout", nil, []string{"env", "diff", "--timeout", "0s", snap, snap}, "--timeout must be positive"},
		{"diff unparsable timeout", nil, []string{"env", "diff", "--timeout", "soon", snap, snap}, `invalid value "soon" for flag -timeout`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runInProcess(t, tt.env, false, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tt.want)
			assertNoEnvSecret(t, "stderr", stderr)
		})
	}
	for _, args := range [][]string{{"env", "--help"}, {"env", "dump", "--help"}, {"env", "diff", "-h"}} {
		stdout, _, code := runInProcess(t, nil, false, args...)
		assert.Equal(t, exitOK, code, args)
		assert.Contains(t, stdout, "Usage: debugctl env", args)
	}
	stdout, _, _ := runInProcess(t, nil, false, "env", "dump", "--help")
	assert.Contains(t, stdout, "never taken on the command line")
}
