package correlation

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/baggage"
)

// recordingRT remembers the request it was given.
type recordingRT struct {
	got    *http.Request
	closed bool
}

func (rt *recordingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.got = r
	return &http.Response{StatusCode: 200, Body: http.NoBody, Request: r}, nil
}

func (rt *recordingRT) CloseIdleConnections() { rt.closed = true }

func TestTransport(t *testing.T) {
	tests := []struct {
		name     string
		ctxID    string
		existing string
		opts     []Option
		want     string // header the base sees; "" means absent
		header   string
	}{
		{name: "sets from context", ctxID: "abc-1", want: "abc-1", header: "X-Request-ID"},
		{name: "keeps the caller's header", ctxID: "abc-1", existing: "caller-2", want: "caller-2", header: "X-Request-ID"},
		{name: "no ID in context", want: "", header: "X-Request-ID"},
		{name: "custom header", ctxID: "abc-1", opts: []Option{WithHeader("X-Trace-Tag")}, want: "abc-1", header: "X-Trace-Tag"},
		{name: "CRLF in context never sent", ctxID: "a\r\nX-Evil: 1", want: "", header: "X-Request-ID"},
		{name: "non-ASCII in context never sent", ctxID: "a\u2028b", want: "", header: "X-Request-ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &recordingRT{}
			rt := NewTransport(base, tt.opts...)
			ctx := NewContext(context.Background(), tt.ctxID)
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://backend.test/x", nil)
			if tt.existing != "" {
				req.Header.Set(tt.header, tt.existing)
			}
			before := req.Header.Clone()
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := base.got.Header.Get(tt.header); got != tt.want {
				t.Errorf("base saw %s = %q, want %q", tt.header, got, tt.want)
			}
			if len(req.Header) != len(before) || req.Header.Get(tt.header) != before.Get(tt.header) {
				t.Errorf("caller's request was modified: %v, was %v", req.Header, before)
			}
		})
	}
}

func TestTransportNilHeaderMap(t *testing.T) {
	base := &recordingRT{}
	req := &http.Request{Method: "GET", URL: mustURL(t, "http://b.test/")}
	req = req.WithContext(NewContext(context.Background(), "id-9"))
	if _, err := NewTransport(base).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if req.Header != nil {
		t.Error("caller's nil header map was replaced")
	}
	if base.got.Header.Get("X-Request-ID") != "id-9" {
		t.Errorf("base saw %v", base.got.Header)
	}
}

func TestTransportEndToEnd(t *testing.T) {
	// The back service accepts the ID the front sends: one ID across a hop.
	back := httptest.NewServer(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := FromContext(r.Context())
		io.WriteString(w, id)
	})))
	defer back.Close()
	client := &http.Client{Transport: NewTransport(back.Client().Transport)}
	front := httptest.NewServer(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "GET", back.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		id, _ := FromContext(r.Context())
		io.WriteString(w, id+" "+string(b))
	})))
	defer front.Close()

	resp, err := http.Get(front.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	ids := strings.Fields(string(b))
	if len(ids) != 2 || ids[0] != ids[1] || ids[0] != resp.Header.Get("X-Request-ID") {
		t.Errorf("front and back IDs = %q, response header %q; want one ID", ids, resp.Header.Get("X-Request-ID"))
	}
	client.CloseIdleConnections()
}

func TestTransportDefaultsAndUnwrap(t *testing.T) {
	rt := NewTransport(nil)
	if u := rt.(interface{ Unwrap() http.RoundTripper }).Unwrap(); u != http.DefaultTransport {
		t.Errorf("nil base unwraps to %T, want http.DefaultTransport", u)
	}
	base := &recordingRT{}
	NewTransport(base).(interface{ CloseIdleConnections() }).CloseIdleConnections()
	if !base.closed {
		t.Error("CloseIdleConnections was not forwarded")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestTransportSendsBaggage(t *testing.T) {
	m, _ := baggage.NewMemberRaw("reprokit.debug", "live")
	b, _ := baggage.New(m)
	ctx := baggage.ContextWithBaggage(NewContext(context.Background(), "id-1"), b)

	base := &recordingRT{}
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://b.test/", nil)
	if _, err := NewTransport(base).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got := base.got.Header.Get("Baggage"); got != "reprokit.debug=live" {
		t.Errorf("baggage sent = %q", got)
	}
	if req.Header.Get("Baggage") != "" {
		t.Error("caller's request modified")
	}
	// A caller's own baggage header is left alone.
	req.Header.Set("Baggage", "mine=1")
	if _, err := NewTransport(base).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if got := base.got.Header.Get("Baggage"); got != "mine=1" {
		t.Errorf("baggage sent = %q, want the caller's", got)
	}
}
