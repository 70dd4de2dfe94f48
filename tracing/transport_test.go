package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/slogtest"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/correlation"
)

// TestTwoServiceHop runs front → back over real connections, each with the
// middleware, the front calling through NewTransport: one trace, the
// back's server span a child of the front's client span, which is a child
// of the front's server span, and the same correlation ID on all of them.
func TestTwoServiceHop(t *testing.T) {
	tel := newTelemetry(t)
	back := httptest.NewServer(correlation.NewHandler(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "stock ok")
	}), tel.options()...)))
	defer back.Close()

	for _, order := range []string{"tracing outside", "correlation outside"} {
		t.Run(order, func(t *testing.T) {
			tel.spans.Reset()
			var rt http.RoundTripper
			if order == "tracing outside" {
				rt = NewTransport(correlation.NewTransport(back.Client().Transport), tel.options()...)
			} else {
				rt = correlation.NewTransport(NewTransport(back.Client().Transport, tel.options()...))
			}
			client := &http.Client{Transport: rt}
			defer client.CloseIdleConnections()
			front := httptest.NewServer(correlation.NewHandler(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				req, _ := http.NewRequestWithContext(r.Context(), "GET", back.URL+"/stock?sku=1&api_key=s3cr3t", nil)
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(w, resp.Body)
				resp.Body.Close()
			}), tel.options()...)))
			defer front.Close()

			req, _ := http.NewRequest("GET", front.URL+"/checkout", nil)
			req.Header.Set("X-Request-ID", "hop-1")
			resp, err := front.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.ReadAll(resp.Body)
			resp.Body.Close()
			front.Client().CloseIdleConnections()

			spans := tel.ended()
			if len(spans) != 3 {
				t.Fatalf("%d spans, want 3", len(spans))
			}
			byKind := map[trace.SpanKind][]int{}
			for i, s := range spans {
				byKind[s.SpanKind()] = append(byKind[s.SpanKind()], i)
				if s.SpanContext().TraceID() != spans[0].SpanContext().TraceID() {
					t.Error("spans are not in one trace")
				}
			}
			client0 := spans[byKind[trace.SpanKindClient][0]]
			var frontSrv, backSrv = spans[byKind[trace.SpanKindServer][0]], spans[byKind[trace.SpanKindServer][1]]
			if frontSrv.Parent().IsValid() {
				frontSrv, backSrv = backSrv, frontSrv
			}
			if client0.Parent().SpanID() != frontSrv.SpanContext().SpanID() || backSrv.Parent().SpanID() != client0.SpanContext().SpanID() {
				t.Error("parent chain is not front server → client → back server")
			}
			for _, s := range []int{0, 1} {
				if got := attrs(spans[byKind[trace.SpanKindServer][s]])["correlation.id"].AsString(); got != "hop-1" {
					t.Errorf("server span correlation.id = %q, want hop-1", got)
				}
			}
			full := attrs(client0)["url.full"].AsString()
			if strings.Contains(full, "s3cr3t") || !strings.Contains(full, "sku=1") {
				t.Errorf("url.full = %q: the secret must be redacted, the rest kept", full)
			}
			if client0.Name() != "GET" || attrs(client0)["http.response.status_code"].AsInt64() != 200 {
				t.Errorf("client span %q status %d", client0.Name(), attrs(client0)["http.response.status_code"].AsInt64())
			}
		})
	}
}

// stubRT answers with a canned response or error and remembers the request.
type stubRT struct {
	resp *http.Response
	err  error
	got  *http.Request
}

func (s *stubRT) RoundTrip(r *http.Request) (*http.Response, error) {
	s.got = r
	if s.err != nil {
		return nil, s.err
	}
	resp := *s.resp
	resp.Request = r
	return &resp, nil
}

func TestTransportEndsSpan(t *testing.T) {
	tests := []struct {
		name     string
		rt       *stubRT
		consume  func(*http.Response)
		wantCode codes.Code
	}{
		{"ends on close", &stubRT{resp: &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("abc"))}},
			func(r *http.Response) { r.Body.Close() }, codes.Unset},
		{"ends on EOF", &stubRT{resp: &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("abc"))}},
			func(r *http.Response) { io.ReadAll(r.Body) }, codes.Unset},
		{"no body", &stubRT{resp: &http.Response{StatusCode: 204, Body: http.NoBody}},
			func(*http.Response) {}, codes.Unset},
		{"4xx is an error on the client", &stubRT{resp: &http.Response{StatusCode: 404, Body: http.NoBody}},
			func(*http.Response) {}, codes.Error},
		{"transport error", &stubRT{err: errors.New("connection refused")},
			nil, codes.Error},
		{"cancelled", &stubRT{err: &url.Error{Op: "Get", URL: "x", Err: context.Canceled}},
			nil, codes.Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel := newTelemetry(t)
			req, _ := http.NewRequest("GET", "http://user:pw@backend.test/x", nil)
			before := req.Header.Clone()
			resp, err := NewTransport(tt.rt, tel.options()...).RoundTrip(req)
			if (err != nil) != (tt.rt.err != nil) {
				t.Fatalf("err = %v", err)
			}
			if tt.consume != nil {
				if len(tel.ended()) != 0 && resp.Body != http.NoBody {
					t.Error("span ended before the body was consumed")
				}
				tt.consume(resp)
			}
			spans := tel.ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans ended, want 1", len(spans))
			}
			if spans[0].Status().Code != tt.wantCode {
				t.Errorf("status %v, want %v", spans[0].Status().Code, tt.wantCode)
			}
			if strings.Contains(attrs(spans[0])["url.full"].AsString(), "pw") {
				t.Error("url.full holds the password")
			}
			if len(req.Header) != len(before) {
				t.Error("caller's request headers were modified")
			}
			if tt.rt.got.Header.Get("traceparent") == "" {
				t.Error("traceparent was not sent")
			}
			// Closing twice ends the span once.
			if resp != nil {
				resp.Body.Close()
			}
			if len(tel.ended()) != 1 {
				t.Error("span ended twice")
			}
		})
	}
}

// rwcBody is a writable response body, as a 101 Switching Protocols
// response has; it keeps what is written to it.
type rwcBody struct {
	written bytes.Buffer
}

func (*rwcBody) Read([]byte) (int, error)      { return 0, io.EOF }
func (*rwcBody) Close() error                  { return nil }
func (b *rwcBody) Write(p []byte) (int, error) { return b.written.Write(p) }

func TestTransportKeepsWritableBody(t *testing.T) {
	tel := newTelemetry(t)
	up := &rwcBody{}
	rt := &stubRT{resp: &http.Response{StatusCode: http.StatusSwitchingProtocols, Body: up}}
	req, _ := http.NewRequest("GET", "http://b.test/ws", nil)
	resp, err := NewTransport(rt, tel.options()...).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := resp.Body.(io.Writer)
	if !ok {
		t.Fatal("101 body lost io.Writer")
	}
	io.WriteString(w, "ping")
	if up.written.String() != "ping" {
		t.Errorf("write did not reach the connection: %q", up.written.String())
	}
	resp.Body.Close()
}

func TestLogHandlerSlogtest(t *testing.T) {
	var buf bytes.Buffer
	slogtest.Run(t, func(*testing.T) slog.Handler {
		buf.Reset()
		return NewLogHandler(slog.NewJSONHandler(&buf, nil))
	}, func(t *testing.T) map[string]any {
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	})
}

func TestLogHandlerStampsIDs(t *testing.T) {
	tel := newTelemetry(t)
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(correlation.NewLogHandler(slog.NewJSONHandler(&buf, nil))))
	ctx, span := tel.tp.Tracer("t").Start(correlation.NewContext(context.Background(), "c-9"), "op")
	logger.InfoContext(ctx, "hello", "a", 1)
	span.End()
	logger.InfoContext(context.Background(), "no span")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var first, second map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	if first["trace_id"] != span.SpanContext().TraceID().String() || first["span_id"] != span.SpanContext().SpanID().String() || first["correlation_id"] != "c-9" {
		t.Errorf("line %v lacks the IDs", first)
	}
	if _, ok := second["trace_id"]; ok {
		t.Errorf("a record without a span got a trace_id: %v", second)
	}
	//lint:ignore SA1012 handlers must cope with a nil context.
	if err := NewLogHandler(slog.NewJSONHandler(io.Discard, nil)).Handle(nil, slog.Record{}); err != nil {
		t.Error(err)
	}
}
