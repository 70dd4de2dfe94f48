package capture

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fetchToken is the bearer token of the env endpoints of these tests.
const fetchToken = "fetchTokenFAKE-9Qw2Lp7Zx"

func bearerOnly(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer "+fetchToken }

func authHeader() http.Header {
	return http.Header{"Authorization": {"Bearer " + fetchToken}}
}

// assertNoCredential fails the test if text holds the token or a piece of
// it, or the query of the URLs fetched.
func assertNoCredential(t *testing.T, text string) {
	t.Helper()
	for i := 0; i+8 <= len(fetchToken); i++ {
		if strings.Contains(text, fetchToken[i:i+8]) {
			t.Errorf("%q holds a piece of the token", text)
			return
		}
	}
	assert.NotContains(t, text, "querySecret")
}

func TestFetchEnv(t *testing.T) {
	o := testEnvOptions(envSecretEnviron()...)
	o.HashKey = []byte("0123456789abcdef")
	want := TakeEnv(o)
	mux := http.NewServeMux()
	mux.Handle("/debug/env", EnvHandler(bearerOnly, o))
	mux.HandleFunc("/401", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "who are you", http.StatusUnauthorized)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<html>login \x1b[31m</html>"))
	})
	mux.HandleFunc("/schema", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"schema":"reprokit.capture.v9\u001b","kind":"env","id":"x"}`))
	})
	mux.HandleFunc("/record", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(recordLine(t, filesRecord(1, nil))))
	})
	mux.HandleFunc("/plain-env", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(want) // no schema or kind: as TakeEnv returns it
	})
	mux.HandleFunc("/large", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"schema":"reprokit.capture.v1","kind":"env","id":"` + strings.Repeat("a", MaxEnvBytes) + `"}`))
	})
	mux.HandleFunc("/same-host", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/debug/env", http.StatusFound)
	})
	var otherHits int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits++
		EnvHandler(bearerOnly, o).ServeHTTP(w, r)
	}))
	defer other.Close()
	mux.HandleFunc("/other-host", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/debug/env", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	closed := httptest.NewServer(mux)
	closedURL := closed.URL
	closed.Close()

	for _, tt := range []struct {
		name    string
		url     string
		header  http.Header
		wantErr error
		status  int    // of an EnvStatusError
		text    string // in the error
	}{
		{name: "authorized", url: srv.URL + "/debug/env?querySecret=1", header: authHeader()},
		{name: "same-host redirect", url: srv.URL + "/same-host", header: authHeader()},
		{name: "TakeEnv's JSON", url: srv.URL + "/plain-env"},
		{name: "no token", url: srv.URL + "/debug/env?querySecret=1", wantErr: ErrUnauthorized, status: 403, text: "403 Forbidden"},
		{name: "wrong token", url: srv.URL + "/debug/env", header: http.Header{"Authorization": {"Bearer " + fetchToken + "x"}}, wantErr: ErrUnauthorized, status: 403},
		{name: "401", url: srv.URL + "/401", header: authHeader(), wantErr: ErrUnauthorized, status: 401, text: "401 Unauthorized"},
		{name: "404", url: srv.URL + "/nothing?querySecret=1", header: authHeader(), status: 404, text: "404 Not Found"},
		{name: "HTML", url: srv.URL + "/html", header: authHeader(), wantErr: ErrNoEnv, text: `Content-Type "text/html; charset=utf-8"`},
		{name: "another schema", url: srv.URL + "/schema", header: authHeader(), wantErr: ErrSchema, text: "reprokit.capture.v9"},
		{name: "a record", url: srv.URL + "/record", header: authHeader(), wantErr: ErrNoEnv, text: `kind "http"`},
		{name: "too large", url: srv.URL + "/large", header: authHeader(), wantErr: ErrEnvTooLarge},
		{name: "redirect to another host", url: srv.URL + "/other-host?querySecret=1", header: authHeader(), wantErr: ErrEnvRedirect},
		{name: "unreachable", url: closedURL + "/debug/env?querySecret=1", header: authHeader(), text: "connect"},
		{name: "credentials in the URL", url: "http://user:" + fetchToken + "@" + strings.TrimPrefix(srv.URL, "http://"), wantErr: ErrEnvURL},
		{name: "not http", url: "ftp://example.com/env", wantErr: ErrEnvURL},
		{name: "no host", url: "http:///env", wantErr: ErrEnvURL},
		{name: "not a URL", url: "http://[::1/" + fetchToken, wantErr: ErrEnvURL},
		{name: "header with a line break", url: srv.URL + "/debug/env", header: http.Header{"Authorization": {"Bearer " + fetchToken + "\r\nX: y"}}, text: "invalid header"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env, err := FetchEnv(context.Background(), nil, tt.url, tt.header)
			if tt.wantErr == nil && tt.status == 0 && tt.text == "" {
				require.NoError(t, err)
				assert.Equal(t, want.ID, env.ID)
				assert.Equal(t, want.Vars, env.Vars)
				return
			}
			require.Error(t, err)
			assert.Nil(t, env)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
			}
			if tt.wantErr != ErrUnauthorized {
				assert.NotErrorIs(t, err, ErrUnauthorized)
			}
			var se *EnvStatusError
			if tt.status != 0 {
				require.ErrorAs(t, err, &se)
				assert.Equal(t, tt.status, se.StatusCode)
			} else {
				assert.False(t, errors.As(err, &se), "an EnvStatusError: %v", err)
			}
			assert.Contains(t, err.Error(), tt.text)
			assert.NotContains(t, err.Error(), "\x1b")
			assertNoCredential(t, err.Error())
		})
	}
	assert.Zero(t, otherHits, "the other host was asked")
}

func TestFetchEnvClient(t *testing.T) {
	o := testEnvOptions("A=1")
	mux := http.NewServeMux()
	mux.Handle("/debug/env", EnvHandler(bearerOnly, o))
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/debug/env", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var asked int
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		asked++
		return nil
	}}
	env, err := FetchEnv(context.Background(), client, srv.URL+"/hop", authHeader())
	require.NoError(t, err)
	assert.Equal(t, TakeEnv(o).ID, env.ID)
	assert.Equal(t, 1, asked, "the client's own CheckRedirect")
	client.CloseIdleConnections()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = FetchEnv(ctx, nil, srv.URL+"/debug/env", authHeader())
	assert.ErrorIs(t, err, context.Canceled)
}

func TestFetchClientRedirects(t *testing.T) {
	from, err := url.Parse("https://svc.internal:8443/debug/env")
	require.NoError(t, err)
	check := fetchClient(nil, from).CheckRedirect
	for _, tt := range []struct {
		to   string
		want error
	}{
		{"https://svc.internal:8443/other", nil},
		{"https://SVC.internal:8443/other", nil},
		{"http://svc.internal:8443/other", ErrEnvRedirect},
		{"https://svc.internal/other", ErrEnvRedirect},
		{"https://evil.example/other", ErrEnvRedirect},
	} {
		t.Run(tt.to, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.to, nil)
			err := check(req, []*http.Request{httptest.NewRequest(http.MethodGet, from.String(), nil)})
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

// TestFetchEnvHostileStatusLine: what a hostile service sends reaches the
// error's text cleaned.
func TestFetchEnvHostileStatusLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		bufio.NewReader(conn).ReadString('\n')
		conn.Write([]byte("HTTP/1.1 2\x1b[31m0 \u202eOK\r\n\r\n"))
	}()
	_, err = FetchEnv(context.Background(), nil, "http://"+ln.Addr().String()+"/env", authHeader())
	ln.Close()
	<-done
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\x1b")
	assert.NotContains(t, err.Error(), "\u202e")
	assertNoCredential(t, err.Error())
}

func TestReadEnv(t *testing.T) {
	dir := t.TempDir()
	envA, envB := testEnv("aaaaaaaaaaaaaaaa"), testEnv("bbbbbbbbbbbbbbbb")
	envB.Taken = envA.Taken.Add(-1) // B is older, but the last record's
	pretty, err := json.MarshalIndent(envA, "", "  ")
	require.NoError(t, err)
	plain := *envA
	plain.Schema, plain.Kind = "", ""
	plainJSON, err := json.Marshal(plain)
	require.NoError(t, err)
	for _, tt := range []struct {
		name, content string
		wantID        string
		wantErr       error
	}{
		{"snapshot line", envLine(t, envA), "aaaaaaaaaaaaaaaa", nil},
		{"indented snapshot", string(pretty), "aaaaaaaaaaaaaaaa", nil},
		{"TakeEnv's JSON", string(plainJSON), "aaaaaaaaaaaaaaaa", nil},
		{"capture file: the last record's", envLine(t, envA) + envLine(t, envB) + recordLine(t, filesRecord(1, envA)) + recordLine(t, filesRecord(2, envB)) + recordLine(t, filesRecord(3, nil)), "bbbbbbbbbbbbbbbb", nil},
		{"capture file, truncated", envLine(t, envB) + recordLine(t, filesRecord(1, envB)) + `{"schema":"reprokit.capture.v1","kind":"ht`, "bbbbbbbbbbbbbbbb", nil},
		{"capture file without records: the latest", envLine(t, envB) + envLine(t, envA), "aaaaaaaaaaaaaaaa", nil},
		{"capture file, no snapshot", recordLine(t, filesRecord(1, nil)) + recordLine(t, filesRecord(2, nil)), "", ErrNoEnv},
		{"one record", recordLine(t, filesRecord(1, nil)), "", ErrNoEnv},
		{"empty", "", "", ErrNoEnv},
		{"another schema", `{"schema":"reprokit.capture.v2","kind":"env","id":"x"}`, "", ErrSchema},
		{"a bad line", envLine(t, envA) + "garbage\n" + recordLine(t, filesRecord(1, envA)), "", new(LineError)},
		{"null", "null", "", new(LineError)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTestFile(t, dir, strings.ReplaceAll(tt.name, " ", "_"), tt.content)
			env, err := ReadEnv(path)
			switch want := tt.wantErr.(type) {
			case nil:
				require.NoError(t, err)
				assert.Equal(t, tt.wantID, env.ID)
			case *LineError:
				var le *LineError
				require.ErrorAs(t, err, &le)
				assert.Equal(t, path, le.File)
			default:
				assert.ErrorIs(t, err, want)
				assert.Contains(t, err.Error(), path)
			}
		})
	}
	_, err = ReadEnv(filepath.Join(dir, "missing.json"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// FuzzParseEnvSnapshot: whatever the bytes, a snapshot or an error, never
// a panic. Seeds in testdata/fuzz/FuzzParseEnvSnapshot.
func FuzzParseEnvSnapshot(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := parseEnvSnapshot(data)
		if (env == nil) == (err == nil) {
			t.Fatalf("env %v and error %v", env, err)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x00\x1b\n") {
			t.Fatalf("error text not cleaned: %q", err.Error())
		}
	})
}
