package capture

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHandlerTargetNil(t *testing.T) {
	assert.PanicsWithValue(t, "capture: HandlerTarget: nil handler", func() { HandlerTarget(nil) })
}

func TestHandlerTargetStreams(t *testing.T) {
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: 1\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "data: 2\n")
	})
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://example.com/events", nil)
	resp, err := HandlerTarget(h).RoundTrip(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "200 OK", resp.Status)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	r := bufio.NewReader(resp.Body)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "data: 1\n", line, "the first event arrives before the handler returns")
	close(release)
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, "data: 2\n", string(rest))
}

func TestHandlerTargetBodyClose(t *testing.T) {
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := io.WriteString(w, strings.Repeat("x", 1024)); err != nil {
				<-r.Context().Done()
				done <- err
				return
			}
		}
	})
	req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "http://example.com/", nil)
	resp, err := HandlerTarget(h).RoundTrip(req)
	require.NoError(t, err)
	_, err = io.ReadFull(resp.Body, make([]byte, 4096))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.ErrorIs(t, <-done, io.ErrClosedPipe, "closing the body stops the handler's writes and cancels its context")
}

func TestHandlerTargetWriter(t *testing.T) {
	for _, tt := range []struct {
		name   string
		method string
		h      http.HandlerFunc
		status int
		header http.Header
		body   string
	}{
		{
			name:   "sniffed content type",
			h:      func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html><body>hi</body></html>") },
			status: 200, header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, body: "<html><body>hi</body></html>",
		},
		{
			name: "no sniffing when the header is there, even empty",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil
				io.WriteString(w, "<html>")
			},
			status: 200, header: http.Header{"Content-Type": nil}, body: "<html>",
		},
		{
			name: "informational codes ignored",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(103)
				w.Header().Set("X-Final", "1")
				w.WriteHeader(201)
				w.WriteHeader(500)
			},
			status: 201, header: http.Header{"X-Final": {"1"}},
		},
		{
			name: "header changes after the status are not sent",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.WriteHeader(202)
				w.Header().Set("X-Late", "1")
				io.WriteString(w, "ok")
			},
			status: 202, header: http.Header{"Content-Type": {"text/plain"}}, body: "ok",
		},
		{
			name: "no body for 204",
			h: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(204)
				if _, err := io.WriteString(w, "x"); !errors.Is(err, http.ErrBodyNotAllowed) {
					panic(fmt.Sprint("write of a 204 body: ", err))
				}
			},
			status: 204, header: http.Header{},
		},
		{
			name: "no body for HEAD", method: http.MethodHead,
			h: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, "body")
			},
			status: 200, header: http.Header{"Content-Type": {"text/plain"}},
		},
		{
			name:   "nothing written",
			h:      func(w http.ResponseWriter, r *http.Request) {},
			status: 200, header: http.Header{},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequestWithContext(t.Context(), method, "http://example.com/", nil)
			resp, err := HandlerTarget(tt.h).RoundTrip(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.header, resp.Header)
			assert.Equal(t, tt.body, string(body))
		})
	}
}

func TestHandlerTargetServerRequest(t *testing.T) {
	var got *http.Request
	var body string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
	})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://localhost/a%2Fb/c?x=1&y=2", strings.NewReader("hello"))
	require.NoError(t, err)
	req.Host = "shop.example.com"
	req.Header.Set("X-Test", "1")
	resp, err := HandlerTarget(h).RoundTrip(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, "/a%2Fb/c?x=1&y=2", got.RequestURI)
	assert.Equal(t, "/a/b/c", got.URL.Path)
	assert.Equal(t, "/a%2Fb/c", got.URL.EscapedPath())
	assert.Empty(t, got.URL.Host)
	assert.Equal(t, "shop.example.com", got.Host)
	assert.Equal(t, "192.0.2.1:1234", got.RemoteAddr)
	assert.Equal(t, "HTTP/1.1", got.Proto)
	assert.Equal(t, "5", got.Header.Get("Content-Length"))
	assert.Equal(t, "1", got.Header.Get("X-Test"))
	assert.Equal(t, "hello", body)
	assert.Empty(t, req.RequestURI, "the client's request is not modified")
}

func TestHandlerTargetContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://example.com/", nil)
	var called atomic.Bool
	_, err := HandlerTarget(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called.Store(true) })).RoundTrip(req)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, called.Load())
}

func TestURLTargetBase(t *testing.T) {
	for _, tt := range []struct {
		base string
		ok   bool
	}{
		{"http://127.0.0.1:8080", true},
		{"https://localhost", true},
		{"http://localhost:8080/api/", true},
		{"http://[::1]:8080/api", true},
		{"", false},
		{"localhost:8080", false},
		{"/api", false},
		{"ftp://host", false},
		{"http://", false},
		{"http:opaque", false},
		{"http://user:pass@host", false},
		{"http://host/?q=1", false},
		{"http://host/?", false},
		{"http://host/#frag", false},
		{"http://host/\r\n", false},
		{"http://%zz", false},
	} {
		t.Run(tt.base, func(t *testing.T) {
			to, err := URLTarget(tt.base, nil)
			if tt.ok {
				assert.NoError(t, err)
				assert.NotNil(t, to)
				return
			}
			assert.ErrorIs(t, err, ErrTargetURL)
			assert.Nil(t, to)
			assert.NotContains(t, err.Error(), "pass")
		})
	}
}

func TestURLTargetRequest(t *testing.T) {
	var (
		mu        sync.Mutex // protects uri and host
		uri, host string
	)
	seen := func() (string, string) {
		mu.Lock()
		defer mu.Unlock()
		return uri, host
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uri, host = r.RequestURI, r.Host
		mu.Unlock()
		if r.URL.Path == "/api/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	defer srv.Close()
	to, err := URLTarget(srv.URL+"/api/", nil)
	require.NoError(t, err)

	rec := replayRecord(200, "{}")
	rec.Request.URL = "/orders/a%2Fb?x=1&y=%20"
	res, err := Replay(t.Context(), rec, to)
	require.NoError(t, err)
	assert.True(t, res.Diff.Equal(), res.Diff.String())
	gotURI, gotHost := seen()
	assert.Equal(t, "/api/orders/a%2Fb?x=1&y=%20", gotURI)
	assert.Equal(t, "shop.example.com", gotHost)

	rec.Request.URL = "/redirect"
	res, err = Replay(t.Context(), rec, to)
	require.NoError(t, err)
	assert.Equal(t, http.StatusFound, res.Status, "a redirect is not followed")
	assert.Equal(t, "/elsewhere", res.Header.Get("Location"))

	var used atomic.Int32
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	to, err = URLTarget(srv.URL, client)
	require.NoError(t, err)
	rec.Request.URL = "/x"
	_, err = Replay(t.Context(), rec, to)
	require.NoError(t, err)
	assert.Equal(t, int32(1), used.Load())
	gotURI, _ = seen()
	assert.Equal(t, "/x", gotURI)
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestReplayOwnTarget(t *testing.T) {
	var got *http.Request
	to := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}}, nil
	})
	rec := replayRecord(200, "")
	res, err := Replay(t.Context(), rec, to)
	require.NoError(t, err)
	assert.Equal(t, "http://shop.example.com/orders/42?expand=items", got.URL.String())
	assert.Equal(t, 200, res.Status)
	assert.Empty(t, res.Body.String())

	_, err = Replay(t.Context(), rec, roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil }))
	assert.Error(t, err)
}
