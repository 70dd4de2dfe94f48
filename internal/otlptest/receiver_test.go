package otlptest

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func traceRequest(t *testing.T, names ...string) []byte {
	t.Helper()
	ss := &tracepb.ScopeSpans{}
	for _, n := range names {
		ss.Spans = append(ss.Spans, &tracepb.Span{Name: n})
	}
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{
		ResourceSpans: []*tracepb.ResourceSpans{{ScopeSpans: []*tracepb.ScopeSpans{ss}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func post(t *testing.T, url, contentType, encoding string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	req.Header.Set("X-Test", "yes")
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp
}

func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReceiverAcceptsAndDecodes(t *testing.T) {
	r := NewReceiver(t)
	resp := post(t, r.TracesURL(), "application/x-protobuf", "", traceRequest(t, "a", "b"))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	post(t, r.TracesURL(), "application/x-protobuf", "gzip", gz(t, traceRequest(t, "c")))
	if got := r.SpanNames(); len(got) != 3 || got[0] != "a" || got[2] != "c" {
		t.Errorf("SpanNames = %v", got)
	}
	reqs := r.Requests()
	if len(reqs) != 2 || reqs[0].Gzipped || !reqs[1].Gzipped || reqs[1].Status != 200 || reqs[1].Path != TracesPath {
		t.Errorf("Requests = %+v", reqs)
	}
	if r.Headers().Get("X-Test") != "yes" {
		t.Errorf("Headers = %v", r.Headers())
	}
	r.Reset()
	if r.RequestCount() != 0 || len(r.Spans()) != 0 || r.Headers() != nil {
		t.Error("Reset left data behind")
	}
}

func TestReceiverRejectsBadRequests(t *testing.T) {
	r := NewReceiver(t)
	tests := []struct {
		name, url, contentType, encoding string
		body                             []byte
		want                             int
	}{
		{"json", r.TracesURL(), "application/json", "", []byte("{}"), 415},
		{"unknown encoding", r.TracesURL(), "application/x-protobuf", "br", nil, 415},
		{"bad gzip", r.TracesURL(), "application/x-protobuf", "gzip", []byte("nope"), 400},
		{"bad protobuf", r.LogsURL(), "application/x-protobuf", "", []byte{0x0a, 0xff}, 400},
		{"unknown path", r.URL() + "/v1/profiles", "application/x-protobuf", "", nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := post(t, tt.url, tt.contentType, tt.encoding, tt.body).StatusCode; got != tt.want {
				t.Errorf("status = %d, want %d", got, tt.want)
			}
		})
	}
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(r.MetricsURL())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("GET status = %d, want 405", resp.StatusCode)
	}
	if len(r.Logs()) != 0 || len(r.Metrics()) != 0 || len(r.Spans()) != 0 {
		t.Error("rejected requests were stored")
	}
}

func TestReceiverRespondNext(t *testing.T) {
	r := NewReceiver(t)
	r.RespondNext(2, Response{Status: 503, Header: http.Header{"Retry-After": {"1"}}})
	r.RespondNext(1, Response{Status: 400, Body: []byte("bad")})
	want := []int{503, 503, 400, 200}
	for i, w := range want {
		resp := post(t, r.TracesURL(), "application/x-protobuf", "", traceRequest(t, "s"))
		if resp.StatusCode != w {
			t.Errorf("request %d: status %d, want %d", i, resp.StatusCode, w)
		}
		if w == 503 && resp.Header.Get("Retry-After") != "1" {
			t.Errorf("request %d: Retry-After %q", i, resp.Header.Get("Retry-After"))
		}
	}
	if n := len(r.SpanNames()); n != 1 {
		t.Errorf("stored %d spans, want 1 (scripted answers keep no data)", n)
	}
}

func TestReceiverWaitFor(t *testing.T) {
	r := NewReceiver(t)
	start := time.Now()
	if r.WaitFor(func() bool { return r.RequestCount() > 0 }, 50*time.Millisecond) {
		t.Fatal("WaitFor reported true with no request")
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("WaitFor returned after %v, before its timeout", d)
	}
	done := make(chan bool)
	go func() { done <- r.WaitFor(func() bool { return len(r.SpanNames()) == 2 }, 10*time.Second) }()
	post(t, r.TracesURL(), "application/x-protobuf", "", traceRequest(t, "x"))
	post(t, r.TracesURL(), "application/x-protobuf", "", traceRequest(t, "y"))
	if !<-done {
		t.Error("WaitFor missed the second request")
	}
}

func TestReceiverClose(t *testing.T) {
	r := NewReceiver(t)
	r.Close() // cleanup closes it again
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, r.TracesURL(), nil)
	if resp, err := client.Do(req); err == nil {
		_ = resp.Body.Close()
		t.Error("a closed receiver answered")
	}
}
