package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/internal/httpreq"
)

// replayRecord is a record of a request to "/orders/42" answered with a
// JSON body, as the middleware would store it.
func replayRecord(status int, body string) *Record {
	return &Record{
		Schema:        Schema,
		Kind:          KindHTTP,
		ID:            "0123456789abcdef0123456789abcdef",
		CorrelationID: "corr-1",
		Reason:        ReasonManual,
		Request: Request{
			Method: http.MethodGet,
			URL:    "/orders/42?expand=items",
			Host:   "shop.example.com",
			Proto:  "HTTP/1.1",
			Header: http.Header{"Accept": {"application/json"}},
		},
		Response: Response{
			Status: status,
			Header: http.Header{"Content-Type": {"application/json"}},
			Body:   Body{ContentType: "application/json", Size: int64(len(body)), Text: body},
		},
	}
}

// cutRecord returns a record of a JSON response body that was cut at n
// bytes when it was captured, redacted as the middleware does.
func cutRecord(body string, n int) *Record {
	r := replayRecord(200, "")
	out, _ := NewRedactor(Rules{}).BodyWithSize("application/json", []byte(body[:n]), int64(len(body)))
	r.Response.Body = Body{ContentType: "application/json", Size: int64(len(body)), Truncated: true, Text: string(out)}
	return r
}

// jsonHandler answers every request with status and body as JSON.
func jsonHandler(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	})
}

// targets returns a HandlerTarget and a URLTarget on an httptest server,
// both serving h.
func targets(t *testing.T, h http.Handler) map[string]http.RoundTripper {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"), srv.URL)
	u, err := URLTarget(srv.URL, nil)
	require.NoError(t, err)
	return map[string]http.RoundTripper{"handler": HandlerTarget(h), "url": u}
}

const orderJSON = `{"id":42,"total":30,"currency":"EUR","items":[{"sku":"a","updated_at":"2024-01-01"}]}`

func TestReplaySameResponse(t *testing.T) {
	for name, to := range targets(t, jsonHandler(200, orderJSON)) {
		t.Run(name, func(t *testing.T) {
			res, err := Replay(t.Context(), replayRecord(200, orderJSON), to)
			require.NoError(t, err)
			assert.True(t, res.Diff.Equal(), res.Diff.String())
			assert.Equal(t, CompareJSON, res.Diff.Compared)
			assert.Equal(t, 200, res.Status)
			assert.Equal(t, orderJSON, res.Body.String())
			assert.Equal(t, int64(len(orderJSON)), res.Body.Size)
			assert.Equal(t, "application/json", res.Body.ContentType)
			assert.Empty(t, res.Warnings)
			assert.Nil(t, res.Env)
			assert.Positive(t, res.Duration)
			assert.Equal(t, "the replayed response matches the recorded one", res.Diff.String())
		})
	}
}

func TestReplayDiffs(t *testing.T) {
	type handlerCase struct {
		name    string
		rec     *Record
		h       http.Handler
		opts    []ReplayOption
		equal   bool
		compare BodyComparison
		status  [2]int
		headers []FieldChange
		body    []FieldChange
	}
	textRecord := func(body string) *Record {
		r := replayRecord(200, body)
		r.Response.Header = http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
		r.Response.Body.ContentType = "text/plain; charset=utf-8"
		return r
	}
	textHandler := func(body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, body)
		})
	}
	for _, tt := range []handlerCase{
		{
			name: "status", rec: replayRecord(200, orderJSON), h: jsonHandler(503, orderJSON),
			status: [2]int{200, 503}, compare: CompareJSON,
		},
		{
			name: "header", rec: replayRecord(200, orderJSON),
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/problem+json")
				io.WriteString(w, orderJSON)
			}),
			status: [2]int{200, 200}, compare: CompareJSON,
			headers: []FieldChange{{Path: "Content-Type", Recorded: "application/json", Replayed: "application/problem+json", InRecorded: true, InReplayed: true}},
		},
		{
			name: "header not compared", rec: replayRecord(200, orderJSON),
			h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/problem+json")
				io.WriteString(w, orderJSON)
			}),
			opts:  []ReplayOption{WithCompareHeaders()},
			equal: true, status: [2]int{200, 200}, compare: CompareJSON,
		},
		{
			name: "header missing", h: jsonHandler(200, orderJSON),
			rec: func() *Record {
				r := replayRecord(200, orderJSON)
				r.Response.Header.Set("X-Version", "7")
				return r
			}(),
			opts:   []ReplayOption{WithCompareHeaders("content-type", "X-Version")},
			status: [2]int{200, 200}, compare: CompareJSON,
			headers: []FieldChange{{Path: "X-Version", Recorded: "7", InRecorded: true}},
		},
		{
			name: "json field", rec: replayRecord(200, orderJSON),
			h:      jsonHandler(200, strings.Replace(orderJSON, `"total":30`, `"total":31`, 1)),
			status: [2]int{200, 200}, compare: CompareJSON,
			body: []FieldChange{{Path: "total", Recorded: "30", Replayed: "31", InRecorded: true, InReplayed: true}},
		},
		{
			name: "json missing and extra", rec: replayRecord(200, orderJSON),
			h:      jsonHandler(200, strings.Replace(orderJSON, `"currency":"EUR"`, `"cur":"EUR"`, 1)),
			status: [2]int{200, 200}, compare: CompareJSON,
			body: []FieldChange{
				{Path: "cur", Replayed: `"EUR"`, InReplayed: true},
				{Path: "currency", Recorded: `"EUR"`, InRecorded: true},
			},
		},
		{
			name: "ignored fields", rec: replayRecord(200, orderJSON),
			h:     jsonHandler(200, `{"id":43,"total":30,"currency":"EUR","items":[{"sku":"a","updated_at":"2025-05-05"}]}`),
			opts:  []ReplayOption{WithIgnoreFields("id"), WithIgnoreFields("items[*].updated_at")},
			equal: true, status: [2]int{200, 200}, compare: CompareJSON,
		},
		{
			name: "redacted recorded field matches anything",
			rec:  replayRecord(200, `{"token":"[REDACTED]","auth":"Bearer [REDACTED:0a1b2c3d]","n":"[REDACTED]"}`),
			h:    jsonHandler(200, `{"token":"whatever","auth":"Bearer other","n":{"deep":[1,2]}}`),
			// token is a sensitive name: the replayed value is a mark too.
			equal: true, status: [2]int{200, 200}, compare: CompareJSON,
		},
		{
			name: "redacted replayed field differs", rec: replayRecord(200, `{"note":"plain"}`),
			h:      jsonHandler(200, `{"note":"key AKIAIOSFODNN7EXAMPLE"}`),
			status: [2]int{200, 200}, compare: CompareJSON,
			body: []FieldChange{{Path: "note", Recorded: `"plain"`, Replayed: `"key [REDACTED]"`, InRecorded: true, InReplayed: true}},
		},
		{
			name: "numbers by value", rec: replayRecord(200, `{"a":1.0,"b":[1e2]}`),
			h:     jsonHandler(200, `{"a":1,"b":[100]}`),
			equal: true, status: [2]int{200, 200}, compare: CompareJSON,
		},
		{
			name: "text line", rec: textRecord("one\ntwo\nthree"), h: textHandler("one\n2\nthree"),
			status: [2]int{200, 200}, compare: CompareText,
			body: []FieldChange{{Path: "line 2", Recorded: "two", Replayed: "2", InRecorded: true, InReplayed: true}},
		},
		{
			name: "text shorter", rec: textRecord("one\ntwo"), h: textHandler("one"),
			status: [2]int{200, 200}, compare: CompareText,
			body: []FieldChange{{Path: "line 2", Recorded: "two", InRecorded: true}},
		},
		{
			name: "json against text", rec: replayRecord(200, orderJSON), h: textHandler("oops"),
			status: [2]int{200, 200}, compare: CompareText,
			headers: []FieldChange{{Path: "Content-Type", Recorded: "application/json", Replayed: "text/plain; charset=utf-8", InRecorded: true, InReplayed: true}},
			body:    []FieldChange{{Path: "line 1", Recorded: shownValue(orderJSON), Replayed: "oops", InRecorded: true, InReplayed: true}},
		},
		{
			name: "recorded body cut", rec: cutRecord(orderJSON, 25),
			h:     jsonHandler(200, orderJSON),
			equal: true, status: [2]int{200, 200}, compare: ComparePrefix,
		},
		{
			name: "recorded body cut, prefix differs", rec: cutRecord(strings.Replace(orderJSON, "42", "41", 1), 25),
			h:      jsonHandler(200, orderJSON),
			status: [2]int{200, 200}, compare: ComparePrefix,
			// The replayed body is cut at the recorded body's stored length,
			// which its redaction made longer than where it was cut.
			body: []FieldChange{{Path: "line 1", Recorded: `{"id":41,"total":30,"[REDACTED]"`, Replayed: `{"id":42,"total":30,"currency":"[REDACTED]"`, InRecorded: true, InReplayed: true}},
		},
		{
			name: "recorded body omitted", rec: func() *Record {
				r := replayRecord(200, "[omitted: 512 bytes]")
				r.Response.Body.Omitted, r.Response.Body.Size = true, 512
				return r
			}(),
			h:     jsonHandler(200, orderJSON),
			equal: true, status: [2]int{200, 200}, compare: CompareNone,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Replay(t.Context(), tt.rec, HandlerTarget(tt.h), tt.opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.equal, res.Diff.Equal(), res.Diff.String())
			assert.Equal(t, tt.status, res.Diff.Status)
			assert.Equal(t, tt.compare, res.Diff.Compared)
			assert.Equal(t, tt.headers, res.Diff.Headers)
			assert.Equal(t, tt.body, res.Diff.Body)
		})
	}
}

func TestReplayDiffString(t *testing.T) {
	rec := replayRecord(200, orderJSON)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/json")
		w.WriteHeader(202)
		io.WriteString(w, `{"id":42,"total":31,"items":[{"sku":"a","updated_at":"2024-01-01"},7]}`)
	})
	res, err := Replay(t.Context(), rec, HandlerTarget(h))
	require.NoError(t, err)
	want := `the replayed response differs from the recorded one (recorded → replayed):
  status: 200 → 202
  header Content-Type: "application/json" → "text/json"
  body currency: "EUR" → (none)
  body items[1]: (none) → 7
  body total: 30 → 31`
	assert.Equal(t, want, res.Diff.String())
}

func TestReplaySubstitute(t *testing.T) {
	const token = "FAKEtokenFAKEtoken0000"
	var got struct {
		auth, cookie, query, form, path string
		json                            map[string]any
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.auth = r.Header.Get("Authorization")
		got.cookie = r.Header.Get("Cookie")
		got.query = r.URL.RawQuery
		got.path = r.URL.Path
		body, _ := io.ReadAll(r.Body)
		switch r.Header.Get("Content-Type") {
		case "application/x-www-form-urlencoded":
			got.form = string(body)
		case "application/json":
			require.NoError(t, json.Unmarshal(body, &got.json), string(body))
		}
		w.WriteHeader(204)
	})
	base := func() *Record {
		r := replayRecord(204, "")
		r.Response.Header = nil
		r.Request.Method = http.MethodPost
		r.Request.Route = "POST /users/{user}/orders/{id}"
		r.Request.URL = "/users/[REDACTED]/orders/7?access_token=[REDACTED]&page=2&sig=[REDACTED:0a1b2c3d]"
		r.Request.Header = http.Header{
			"Authorization": {"Bearer [REDACTED]"},
			"Cookie":        {"session=[REDACTED]; theme=[REDACTED]"},
		}
		return r
	}
	fill := func(where, name string) (string, bool) {
		switch where + " " + name {
		case "header Authorization":
			return "Bearer " + token, true
		case "query access_token":
			return token + " &=", true
		case "path user":
			return "u/1", true
		case "form password":
			return "p@ss word", true
		case "json credentials.secret":
			return `q"uote`, true
		case `json list[1]`:
			return "second", true
		}
		return "", false
	}

	t.Run("filled", func(t *testing.T) {
		rec := base()
		rec.Request.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec.Request.Body = Body{Text: "user=bob&password=[REDACTED]&otp=[REDACTED]", Size: 30}
		res, err := Replay(t.Context(), rec, HandlerTarget(h), WithSubstitute(fill))
		require.NoError(t, err)
		assert.Equal(t, "Bearer "+token, got.auth)
		assert.Equal(t, "access_token="+token+"+%26%3D&page=2", got.query)
		assert.Equal(t, "/users/u/1/orders/7", got.path)
		assert.Equal(t, "user=bob&password=p%40ss+word", got.form)
		assert.Empty(t, got.cookie)
		assert.ElementsMatch(t, []string{
			`header "Cookie" holds a redacted value: left out`,
			`query parameter "sig" holds a redacted value: left out`,
			`form field "otp" holds a redacted value: left out`,
		}, res.Warnings)
		assert.True(t, res.Diff.Equal(), res.Diff.String())
		assert.NotContains(t, fmt.Sprintf("%+v", res), token)
	})
	t.Run("json", func(t *testing.T) {
		rec := base()
		rec.Request.Header.Set("Content-Type", "application/json")
		rec.Request.Body = Body{Text: `{"credentials": {"user":"bob", "secret" : "[REDACTED]"}, "list":["a","[REDACTED]","x [REDACTED]"], "n":1}`}
		res, err := Replay(t.Context(), rec, HandlerTarget(h), WithSubstitute(fill))
		require.NoError(t, err)
		assert.Equal(t, map[string]any{
			"credentials": map[string]any{"user": "bob", "secret": `q"uote`},
			"list":        []any{"a", "second", "x [REDACTED]"},
			"n":           1.0,
		}, got.json)
		assert.Contains(t, res.Warnings, "the request body's JSON string at list[2] holds a redacted value: sent as recorded")
	})
	t.Run("left out", func(t *testing.T) {
		rec := base()
		rec.Request.Header.Set("Content-Type", "application/json")
		rec.Request.Body = Body{Text: `{"secret":"[REDACTED]"}`}
		got.json = nil
		res, err := Replay(t.Context(), rec, HandlerTarget(h))
		require.NoError(t, err)
		assert.Empty(t, got.auth)
		assert.Equal(t, "page=2", got.query)
		assert.Equal(t, "/users/[REDACTED]/orders/7", got.path)
		assert.Equal(t, map[string]any{"secret": "[REDACTED]"}, got.json)
		assert.ElementsMatch(t, []string{
			`header "Authorization" holds a redacted value: left out`,
			`header "Cookie" holds a redacted value: left out`,
			`query parameter "access_token" holds a redacted value: left out`,
			`query parameter "sig" holds a redacted value: left out`,
			`path segment 2 holds a redacted value: sent as recorded`,
			`the request body's JSON string at secret holds a redacted value: sent as recorded`,
		}, res.Warnings)
	})
	t.Run("path by position", func(t *testing.T) {
		rec := base()
		rec.Request.Route = ""
		var names []string
		_, err := Replay(t.Context(), rec, HandlerTarget(h), WithSubstitute(func(where, name string) (string, bool) {
			names = append(names, where+" "+name)
			return "", false
		}))
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"path 2", "query access_token", "query sig", "header Authorization", "header Cookie"}, names)
	})
	t.Run("invalid substitute", func(t *testing.T) {
		rec := base()
		res, err := Replay(t.Context(), rec, HandlerTarget(h), WithSubstitute(func(where, name string) (string, bool) {
			return "bad\r\nX-Injected: 1", true
		}))
		require.NoError(t, err)
		assert.Empty(t, got.auth)
		assert.Contains(t, res.Warnings, `the value given for header "Authorization" is not a valid header value: left out`)
	})
}

// pieces returns every 8-byte piece of each secret, but those of one byte
// repeated.
func pieces(secrets ...string) []string {
	var out []string
	for _, s := range secrets {
		for i := 0; i+8 <= len(s); i++ {
			p := s[i : i+8]
			if strings.Count(p, p[:1]) != len(p) {
				out = append(out, p)
			}
		}
	}
	return out
}

func TestReplayResultHoldsNoSecret(t *testing.T) {
	const aws = "AKIAIOSFODNN7EXAMPLE"
	secrets := []string{aws, fakeJWT}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Debug", "key="+aws)
		w.Header().Set("Authorization", "Bearer "+fakeJWT)
		w.Header().Add("Set-Cookie", "session="+fakeJWT+"; Path=/")
		fmt.Fprintf(w, `{"id":42,"access_key":%q,"note":"jwt %s here","nested":{"k":[%q]}}`, aws, fakeJWT, fakeJWT)
	})
	textH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "line one\nkey %s and %s\n", aws, fakeJWT)
	})
	panicH := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("cannot use key " + aws + " or " + fakeJWT)
	})
	rec := replayRecord(200, `{"id":41,"note":"other"}`)
	rec.Response.Header.Set("X-Debug", "none")
	rec.Response.Header.Set("Authorization", "none")
	textRec := replayRecord(200, "line one\nline two\n")
	for _, tt := range []struct {
		name    string
		rec     *Record
		h       http.Handler
		targets map[string]http.RoundTripper
	}{
		{"json", rec, h, targets(t, h)},
		{"text", textRec, textH, targets(t, textH)},
		// A server closes the connection of a handler that panicked: only
		// a HandlerTarget answers.
		{"panic", rec, panicH, map[string]http.RoundTripper{"handler": HandlerTarget(panicH)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for name, to := range tt.targets {
				res, err := Replay(t.Context(), tt.rec, to, WithCompareHeaders("Content-Type", "X-Debug", "Authorization", "Set-Cookie"))
				require.NoError(t, err, name)
				require.False(t, res.Diff.Equal(), name)
				all := fmt.Sprintf("%+v", res) + res.Diff.String() + strings.Join(res.Warnings, "\n") + res.Panic
				for _, p := range pieces(secrets...) {
					require.NotContains(t, all, p, name)
				}
			}
		})
	}
}

func TestReplayHandlerPanic(t *testing.T) {
	t.Run("before the response", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			panic(fmt.Errorf("boom: order %d", 42))
		})
		res, err := Replay(t.Context(), replayRecord(200, orderJSON), HandlerTarget(h))
		require.NoError(t, err)
		assert.Equal(t, 500, res.Status)
		assert.Equal(t, "boom: order 42", res.Panic)
		assert.Empty(t, res.Body.String())
		assert.Equal(t, [2]int{200, 500}, res.Diff.Status)
	})
	t.Run("after the response began", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "partial")
			panic(http.ErrAbortHandler)
		})
		res, err := Replay(t.Context(), replayRecord(200, orderJSON), HandlerTarget(h))
		require.NoError(t, err)
		assert.Equal(t, 200, res.Status)
		assert.Equal(t, "partial", res.Body.String())
		assert.Equal(t, http.ErrAbortHandler.Error(), res.Panic)
	})
	t.Run("invalid status code", func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(42) })
		res, err := Replay(t.Context(), replayRecord(200, orderJSON), HandlerTarget(h))
		require.NoError(t, err)
		assert.Equal(t, 500, res.Status)
		assert.Equal(t, "invalid WriteHeader code 42", res.Panic)
	})
}

// closedAddr returns the address of a port nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestReplayUnreachable(t *testing.T) {
	to, err := URLTarget("http://"+closedAddr(t), nil)
	require.NoError(t, err)
	rec := replayRecord(200, orderJSON)
	rec.Request.URL = "/orders/42?code=[REDACTED]&private=FAKEprivate0000"
	res, err := Replay(t.Context(), rec, to, WithSubstitute(func(string, string) (string, bool) { return "FAKEfilled0000", true }))
	require.Error(t, err)
	assert.Nil(t, res)
	var op *net.OpError
	assert.ErrorAs(t, err, &op)
	for _, s := range []string{"FAKEprivate", "FAKEfilled", "orders"} {
		assert.NotContains(t, err.Error(), s)
	}
}

func TestReplayContext(t *testing.T) {
	t.Run("done before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := Replay(ctx, replayRecord(200, orderJSON), HandlerTarget(jsonHandler(200, orderJSON)))
		assert.ErrorIs(t, err, context.Canceled)
	})
	blocking := func(started chan<- struct{}) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		})
	}
	t.Run("handler", func(t *testing.T) {
		started := make(chan struct{})
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-started; cancel() }()
		_, err := Replay(ctx, replayRecord(200, orderJSON), HandlerTarget(blocking(started)))
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("url", func(t *testing.T) {
		started := make(chan struct{})
		srv := httptest.NewServer(blocking(started))
		defer srv.Close()
		to, err := URLTarget(srv.URL, nil)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-started; cancel() }()
		_, err = Replay(ctx, replayRecord(200, orderJSON), to)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("handler ignoring its context", func(t *testing.T) {
		started, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-release
			_, err := io.WriteString(w, "late")
			done <- err
		})
		ctx, cancel := context.WithCancel(t.Context())
		go func() { <-started; cancel() }()
		_, err := Replay(ctx, replayRecord(200, orderJSON), HandlerTarget(h))
		assert.ErrorIs(t, err, context.Canceled)
		close(release)
		assert.Error(t, <-done, "a write after the replay gave up must fail, not block")
	})
}

func TestReplayRequest(t *testing.T) {
	type seen struct {
		method, uri, host string
		header            http.Header
		body              []byte
		contentLength     int64
	}
	var (
		mu  sync.Mutex // protects got
		got seen
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = seen{r.Method, r.RequestURI, r.Host, r.Header.Clone(), body, r.ContentLength}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, orderJSON)
	})
	invalidUTF8 := []byte{0xff, 0xfe, 'a', 0x00, 0xc3}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	for _, tt := range []struct {
		name     string
		edit     func(r *Record)
		check    func(t *testing.T, to string, res *ReplayResult)
		warnings []string
	}{
		{
			name: "headers",
			edit: func(r *Record) {
				r.Request.Header = http.Header{
					"Accept":            {"application/json"},
					"Connection":        {"keep-alive, X-Hop"},
					"X-Hop":             {"1"},
					"Keep-Alive":        {"timeout=5"},
					"Transfer-Encoding": {"chunked"},
					"Content-Length":    {"999"},
					"Host":              {"evil.example"},
					"Accept-Encoding":   {"br"},
					"X-Request-Id":      {"production-id"},
					"X-Replay-Of":       {"forged"},
					"x-lower":           {"kept"},
				}
			},
			check: func(t *testing.T, to string, res *ReplayResult) {
				for _, name := range []string{"X-Hop", "Keep-Alive", "Transfer-Encoding", "Host"} {
					assert.Empty(t, got.header.Values(name), name)
				}
				if to == "handler" {
					// Over a connection, the client sets its own.
					assert.Empty(t, got.header.Values("Connection"))
				}
				// Nor does URLTarget's own client add one.
				assert.Empty(t, got.header.Values("Accept-Encoding"))
				assert.Equal(t, "application/json", got.header.Get("Accept"))
				assert.Equal(t, "kept", got.header.Get("X-Lower"))
				assert.Equal(t, "shop.example.com", got.host)
				assert.Equal(t, "corr-1", got.header.Get("X-Replay-Of"))
				assert.Equal(t, res.RequestID, got.header.Get("X-Request-Id"))
				id, err := uuid.Parse(res.RequestID)
				require.NoError(t, err)
				assert.Equal(t, uuid.Version(7), id.Version())
			},
		},
		{
			name: "absolute URL",
			edit: func(r *Record) { r.Request.URL = "https://shop.example.com/orders/42?a=1"; r.Request.Host = "" },
			check: func(t *testing.T, to string, res *ReplayResult) {
				assert.Equal(t, "/orders/42?a=1", got.uri)
				assert.Equal(t, "shop.example.com", got.host)
			},
		},
		{
			name: "body",
			edit: func(r *Record) {
				r.Request.Method = http.MethodPut
				r.Request.Body = Body{ContentType: "text/plain", Text: "hello", Size: 5}
			},
			check: func(t *testing.T, to string, res *ReplayResult) {
				assert.Equal(t, "PUT", got.method)
				assert.Equal(t, "hello", string(got.body))
				assert.Equal(t, int64(5), got.contentLength)
				assert.Equal(t, "text/plain", got.header.Get("Content-Type"))
			},
		},
		{
			name: "truncated body",
			edit: func(r *Record) {
				r.Request.Method = http.MethodPost
				r.Request.Body = Body{Text: "hel", Size: 5, Truncated: true}
			},
			check: func(t *testing.T, to string, res *ReplayResult) {
				assert.Equal(t, "hel", string(got.body))
				assert.Equal(t, int64(3), got.contentLength)
			},
			warnings: []string{"the request body was cut at 3 of 5 bytes when it was captured: sent as far as it goes"},
		},
		{
			name: "omitted body",
			edit: func(r *Record) {
				r.Request.Method = http.MethodPost
				r.Request.Body = Body{ContentType: "application/pdf", Text: "[omitted: 2048 bytes]", Size: 2048, Omitted: true}
			},
			check: func(t *testing.T, to string, res *ReplayResult) {
				assert.Empty(t, got.body)
				assert.Equal(t, int64(0), got.contentLength)
			},
			warnings: []string{"the request body (2048 bytes) was omitted when it was captured: sent none"},
		},
		{
			name: "invalid UTF-8 body",
			edit: func(r *Record) {
				r.Request.Method = http.MethodPost
				r.Request.Body.SetBytes(invalidUTF8)
			},
			check: func(t *testing.T, to string, res *ReplayResult) { assert.Equal(t, invalidUTF8, got.body) },
		},
		{
			name: "bad base64 body",
			edit: func(r *Record) {
				r.Request.Method = http.MethodPost
				r.Request.Body = Body{Base64: "!!!"}
			},
			check:    func(t *testing.T, to string, res *ReplayResult) { assert.Empty(t, got.body) },
			warnings: []string{"the recorded request body is not valid base64: sent none"},
		},
		{
			name: "1 MiB body",
			edit: func(r *Record) {
				r.Request.Method = http.MethodPost
				r.Request.Body = Body{Text: string(big), Size: int64(len(big))}
			},
			check: func(t *testing.T, to string, res *ReplayResult) { assert.Equal(t, big, got.body) },
		},
		{
			name: "CRLF in header values",
			edit: func(r *Record) {
				r.Request.Header = http.Header{"X-Evil": {"a\r\nX-Injected: 1"}, "X-Nul": {"a\x00b"}, "Bad Name": {"x"}, "X-Ok": {"ok"}}
				r.Request.Host = "evil\r\nX: 1"
				r.CorrelationID = "id\r\nX: 1"
			},
			check: func(t *testing.T, to string, res *ReplayResult) {
				assert.Empty(t, got.header.Get("X-Evil"))
				assert.Empty(t, got.header.Get("X-Injected"))
				assert.Empty(t, got.header.Get("X-Replay-Of"))
				assert.Equal(t, "ok", got.header.Get("X-Ok"))
			},
			warnings: []string{
				"the recorded Host is not a valid host: sent without it",
				"a header whose name is not valid was left out",
				`header "X-Evil" holds a value that is not valid in HTTP: left out`,
				`header "X-Nul" holds a value that is not valid in HTTP: left out`,
				"the recorded correlation ID is not a valid header value: X-Replay-Of not sent",
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for name, to := range targets(t, h) {
				mu.Lock()
				got = seen{}
				mu.Unlock()
				rec := replayRecord(200, orderJSON)
				tt.edit(rec)
				res, err := Replay(t.Context(), rec, to)
				require.NoError(t, err, name)
				mu.Lock()
				tt.check(t, name, res)
				mu.Unlock()
				assert.Equal(t, tt.warnings, res.Warnings, name)
			}
		})
	}
}

func TestReplayRejects(t *testing.T) {
	h := HandlerTarget(jsonHandler(200, "{}"))
	for _, tt := range []struct {
		name string
		rec  *Record
		to   http.RoundTripper
		opts []ReplayOption
		want error
	}{
		{name: "nil record", to: h, want: ErrNotReplayable},
		{name: "nil target", rec: replayRecord(200, "{}"), want: ErrNoTarget},
		{name: "schema", rec: func() *Record { r := replayRecord(200, "{}"); r.Schema = "reprokit.capture.v9"; return r }(), to: h, want: ErrSchema},
		{name: "kind", rec: func() *Record { r := replayRecord(200, "{}"); r.Kind = "smtp"; return r }(), to: h, want: ErrKind},
		{name: "grpc", rec: func() *Record { r := replayRecord(200, "{}"); r.Kind = KindGRPC; return r }(), to: h, want: ErrNotReplayable},
		{name: "snapshot", rec: func() *Record { r := replayRecord(200, "{}"); r.Kind = KindEnv; return r }(), to: h, want: ErrNotReplayable},
		{name: "method with spaces", rec: func() *Record { r := replayRecord(200, "{}"); r.Request.Method = "GET /x HTTP/1.1"; return r }(), to: h, want: ErrNotReplayable},
		{name: "CRLF in URL", rec: func() *Record { r := replayRecord(200, "{}"); r.Request.URL = "/a\r\nX-Injected: 1"; return r }(), to: h, want: ErrNotReplayable},
		{name: "no URL", rec: func() *Record { r := replayRecord(200, "{}"); r.Request.URL = ""; return r }(), to: h, want: ErrNotReplayable},
		{name: "URL not a path", rec: func() *Record { r := replayRecord(200, "{}"); r.Request.URL = "orders"; return r }(), to: h, want: ErrNotReplayable},
		{name: "URL bad escape", rec: func() *Record { r := replayRecord(200, "{}"); r.Request.URL = "/a%zz"; return r }(), to: h, want: ErrNotReplayable},
		{name: "opaque URL", rec: func() *Record { r := replayRecord(200, "{}"); r.Request.URL = "mailto:a@b"; return r }(), to: h, want: ErrNotReplayable},
		{name: "ignore path", rec: replayRecord(200, "{}"), to: h, opts: []ReplayOption{WithIgnoreFields("a..b")}, want: ErrReplayOption},
		{name: "request-ID header", rec: replayRecord(200, "{}"), to: h, opts: []ReplayOption{WithRequestIDHeader("X Id")}, want: ErrReplayOption},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Replay(t.Context(), tt.rec, tt.to, tt.opts...)
			assert.ErrorIs(t, err, tt.want)
			assert.Nil(t, res)
			if tt.rec != nil {
				assert.NotContains(t, err.Error(), "X-Injected")
			}
		})
	}
}

func TestReplayResponseBody(t *testing.T) {
	long := strings.Repeat("a line of text\n", 100<<10/15)
	t.Run("longer than read", func(t *testing.T) {
		rec := replayRecord(200, "short")
		rec.Response.Header.Set("Content-Type", "text/plain")
		for name, to := range targets(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			if r.URL.Query().Get("len") != "" {
				w.Header().Set("Content-Length", fmt.Sprint(len(long)))
			}
			io.WriteString(w, long)
		})) {
			for _, withLen := range []bool{false, true} {
				rec.Request.URL = "/x"
				if withLen {
					rec.Request.URL = "/x?len=1"
				}
				res, err := Replay(t.Context(), rec, to)
				require.NoError(t, err, name)
				// The last word, cut, is masked.
				n := len(res.Body.String())
				assert.True(t, n > minReplayRead-20 && n <= minReplayRead+len(Placeholder), "%s: %d bytes", name, n)
				assert.True(t, res.Body.Truncated, name)
				if withLen {
					assert.Equal(t, int64(len(long)), res.Body.Size, name)
				} else {
					assert.Equal(t, int64(minReplayRead+1), res.Body.Size, name)
				}
				assert.Equal(t, []string{"the response body is longer than 65536 bytes: read only that far"}, res.Warnings, name)
			}
		}
	})
	t.Run("cut like the recorded one", func(t *testing.T) {
		rec := replayRecord(200, long[:1000])
		rec.Response.Header.Set("Content-Type", "text/plain")
		rec.Response.Body.Truncated, rec.Response.Body.Size = true, int64(len(long))
		res, err := Replay(t.Context(), rec, HandlerTarget(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", fmt.Sprint(len(long)))
			io.WriteString(w, long)
		})))
		require.NoError(t, err)
		assert.True(t, res.Body.Truncated)
		assert.Equal(t, int64(len(long)), res.Body.Size)
		assert.True(t, strings.HasPrefix(res.Body.String(), long[:990]), res.Body.String())
		assert.LessOrEqual(t, len(res.Body.String()), 1000+len(Placeholder))
		assert.True(t, res.Diff.Equal(), res.Diff.String())
		assert.Empty(t, res.Warnings)
	})
	t.Run("binary omitted", func(t *testing.T) {
		rec := replayRecord(200, "")
		rec.Response.Header.Set("Content-Type", "image/png")
		res, err := Replay(t.Context(), rec, HandlerTarget(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			w.Write([]byte{0x89, 'P', 'N', 'G', 0, 1, 2})
		})))
		require.NoError(t, err)
		assert.True(t, res.Body.Omitted)
		assert.Equal(t, "[omitted: 7 bytes]", res.Body.String())
	})
}

func TestReplayEnv(t *testing.T) {
	prod := &Env{ID: "prod", Vars: []EnvVar{{Name: "ENABLE_CACHE", Hash: "[REDACTED:0a1b2c3d]"}}}
	local := &Env{ID: "prod"}
	rec := replayRecord(200, orderJSON)
	rec.Env, rec.EnvID = prod, prod.ID
	to := HandlerTarget(jsonHandler(200, orderJSON))

	res, err := Replay(t.Context(), rec, to, WithEnv(func() *Env { return local }))
	require.NoError(t, err)
	require.NotNil(t, res.Env)
	assert.False(t, res.Env.Empty())

	res, err = Replay(t.Context(), rec, to, WithEnv(func() *Env { return prod }))
	require.NoError(t, err)
	require.NotNil(t, res.Env)
	assert.True(t, res.Env.Empty())

	res, err = Replay(t.Context(), rec, to) // against this process's
	require.NoError(t, err)
	assert.NotNil(t, res.Env)

	rec.Env = nil
	res, err = Replay(t.Context(), rec, to, WithEnv(func() *Env { return local }))
	require.NoError(t, err)
	assert.Nil(t, res.Env)
}

func TestReplayConcurrent(t *testing.T) {
	var mu sync.Mutex
	ids := map[string]bool{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids[r.Header.Get("X-Request-Id")] = true
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, orderJSON)
	})
	const n = 32
	for name, to := range targets(t, h) {
		rec := replayRecord(200, orderJSON)
		rec.Request.Header.Set("Authorization", "Bearer [REDACTED]")
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				res, err := Replay(t.Context(), rec, to, WithSubstitute(func(string, string) (string, bool) { return "Bearer x", true }))
				if err == nil && !res.Diff.Equal() {
					err = errors.New(res.Diff.String())
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, name)
		}
	}
	assert.Len(t, ids, 2*n, "every replay has a fresh request ID")
}

// FuzzReplayRequest: a record, however hostile, is replayed or refused
// with an error, never a panic; what reaches the handler is valid HTTP;
// a JSON body that was valid stays valid when its redacted strings are
// filled in. Seeds in testdata/fuzz/FuzzReplayRequest.
func FuzzReplayRequest(f *testing.F) {
	f.Add("POST", "/a/[REDACTED]?t=[REDACTED]&x=1", "Authorization", "Bearer [REDACTED]", "application/json", `{"a":["[REDACTED]",{"b":"x [REDACTED]"}]}`, true)
	f.Add("GET", "http://h/p?q", "X-Evil", "a\r\nb: c", "", "", false)
	f.Add("PUT", "/f", "Content-Type", "x", "application/x-www-form-urlencoded", "a=[REDACTED]&%5BREDACTED%5D=1&b=%zz", true)
	f.Add("G ET", "/\x00", "Bad Name", "\xff", "text/plain", "\xff\xfe", false)
	f.Fuzz(func(t *testing.T, method, url, hname, hvalue, ct, body string, fill bool) {
		var sawHeader http.Header
		var sawBody []byte
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sawHeader = r.Header.Clone()
			sawBody, _ = io.ReadAll(r.Body)
			w.Header().Set("Content-Type", ct)
			w.Write([]byte(body))
		})
		rec := replayRecord(200, body)
		rec.Request.Method, rec.Request.URL = method, url
		rec.Request.Header = http.Header{hname: {hvalue}}
		rec.Request.Body = Body{ContentType: ct, Size: int64(len(body))}
		rec.Request.Body.SetBytes([]byte(body))
		var opts []ReplayOption
		if fill {
			opts = append(opts, WithSubstitute(func(where, name string) (string, bool) { return "v\"\\<" + where, true }))
		}
		res, err := Replay(t.Context(), rec, HandlerTarget(h), opts...)
		if err != nil {
			return
		}
		for name, values := range sawHeader {
			for _, v := range values {
				if !validHeaderValue(v) || !httpreq.ValidToken(name) {
					t.Fatalf("invalid header field sent: %q: %q", name, v)
				}
			}
		}
		if fill && json.Valid([]byte(body)) && strings.Contains(ct, "json") && !json.Valid(sawBody) {
			t.Fatalf("valid JSON %q sent as %q", body, sawBody)
		}
		for _, w := range res.Warnings {
			if !utf8.ValidString(w) {
				t.Fatalf("warning not UTF-8: %q", w)
			}
		}
	})
}

// TestReplayHeaderValues checks the header Replay sends when the values
// of its fields share one array: fields whose names differ only in case
// are merged, and appending to one field's values never changes
// another's.
func TestReplayHeaderValues(t *testing.T) {
	rec := replayRecord(200, orderJSON)
	rec.Request.Header = http.Header{
		"Accept":   {"application/json", "text/plain"},
		"X-Other":  {"o"},
		"accept":   {"*/*"},
		"X-Last":   {"l1", "l2"},
		"x-last":   {"l3"},
		"X-Empty":  {},
		"X-Secret": {"[REDACTED]"},
	}
	var got http.Header
	to := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r.Header
		for name, values := range got {
			got[name] = append(values, "appended to "+name)
		}
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(orderJSON)), Request: r}, nil
	})
	res, err := Replay(t.Context(), rec, to)
	require.NoError(t, err)
	assert.Equal(t, http.Header{
		"Accept":       {"application/json", "text/plain", "*/*", "appended to Accept"},
		"X-Other":      {"o", "appended to X-Other"},
		"X-Last":       {"l1", "l2", "l3", "appended to X-Last"},
		"X-Replay-Of":  {"corr-1", "appended to X-Replay-Of"},
		"X-Request-Id": {res.RequestID, "appended to X-Request-Id"},
	}, got)
	assert.Contains(t, res.Warnings, `header "X-Secret" holds a redacted value: left out`)
}

func TestReadUpTo(t *testing.T) {
	long := strings.Repeat("0123456789", 1000)
	for _, tt := range []struct {
		name string
		r    io.Reader
		n    int64
		buf  []byte
		want string
		err  error
	}{
		{"empty", strings.NewReader(""), 10, nil, "", nil},
		{"shorter than n", strings.NewReader("abc"), 10, make([]byte, 0, 2), "abc", nil},
		{"exactly n", strings.NewReader("abcdefghij"), 10, nil, "abcdefghij", nil},
		{"longer than n", strings.NewReader(long), 25, make([]byte, 0, 8), long[:25], nil},
		{"long, small buffer", iotest.OneByteReader(strings.NewReader(long)), int64(len(long)) + 1, make([]byte, 0, 1), long, nil},
		{"buffer has old bytes", strings.NewReader("new"), 10, []byte("old bytes"), "new", nil},
		{"error after some", io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(io.ErrUnexpectedEOF)), 10, nil, "abc", io.ErrUnexpectedEOF},
		{"data with EOF", iotest.DataErrReader(strings.NewReader("abc")), 10, nil, "abc", nil},
		{"n is 0", strings.NewReader("abc"), 0, nil, "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readUpTo(tt.buf, tt.r, tt.n)
			assert.Equal(t, tt.want, string(got))
			assert.ErrorIs(t, err, tt.err)
			assert.LessOrEqual(t, int64(len(got)), max(tt.n, 0))
		})
	}
}
