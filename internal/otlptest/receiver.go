package otlptest

import (
	"cmp"
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	collogpb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	logpb "go.opentelemetry.io/proto/otlp/logs/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Paths the receiver serves, the OTLP/HTTP defaults.
const (
	TracesPath  = "/v1/traces"
	MetricsPath = "/v1/metrics"
	LogsPath    = "/v1/logs"
)

// MaxRequestBody is the largest request body, after decompression, the
// receiver accepts; a larger one is answered 413.
const MaxRequestBody = 32 << 20

// Response is a scripted answer; see [Receiver.RespondNext].
type Response struct {
	// Status is the HTTP status. If zero, 200 is used.
	Status int
	// Header is added to the response. If nil, none is added.
	Header http.Header
	// Body is sent as is. If nil, a 200 gets the signal's empty
	// protobuf Export*ServiceResponse and other statuses an empty body.
	Body []byte
}

// Request is one request the receiver got.
type Request struct {
	// Path is the URL path.
	Path string
	// Header is the request header.
	Header http.Header
	// Body is the request body, decompressed if it was gzipped.
	Body []byte
	// Gzipped reports whether the body came with Content-Encoding gzip.
	Gzipped bool
	// Status is the status the receiver answered with.
	Status int
}

// Receiver is an in-process OTLP/HTTP receiver. It decodes the requests it
// accepts with the collector's protobuf messages and keeps them for the
// test to inspect. It is safe for concurrent use.
type Receiver struct {
	srv *httptest.Server

	mu       sync.Mutex // protects the fields below
	requests []Request
	traces   []*tracepb.ResourceSpans
	metrics  []*metricpb.ResourceMetrics
	logs     []*logpb.ResourceLogs
	script   []Response
	changed  chan struct{} // closed and replaced whenever a request arrives
}

// NewReceiver starts a receiver on 127.0.0.1 and closes it when the test
// ends.
func NewReceiver(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{changed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc(TracesPath, r.serve(func() proto.Message { return new(coltracepb.ExportTraceServiceRequest) },
		func() proto.Message { return new(coltracepb.ExportTraceServiceResponse) }))
	mux.HandleFunc(MetricsPath, r.serve(func() proto.Message { return new(colmetricpb.ExportMetricsServiceRequest) },
		func() proto.Message { return new(colmetricpb.ExportMetricsServiceResponse) }))
	mux.HandleFunc(LogsPath, r.serve(func() proto.Message { return new(collogpb.ExportLogsServiceRequest) },
		func() proto.Message { return new(collogpb.ExportLogsServiceResponse) }))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("otlptest: listen: %v", err)
	}
	r.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	r.srv.Start()
	t.Cleanup(r.Close)
	return r
}

// Close stops the receiver; later requests fail to connect. It is called
// on test cleanup and may be called earlier.
func (r *Receiver) Close() {
	r.srv.CloseClientConnections()
	r.srv.Close()
}

// URL returns the receiver's base URL, "http://127.0.0.1:port".
func (r *Receiver) URL() string { return r.srv.URL }

// TracesURL returns URL() + TracesPath.
func (r *Receiver) TracesURL() string { return r.srv.URL + TracesPath }

// MetricsURL returns URL() + MetricsPath.
func (r *Receiver) MetricsURL() string { return r.srv.URL + MetricsPath }

// LogsURL returns URL() + LogsPath.
func (r *Receiver) LogsURL() string { return r.srv.URL + LogsPath }

// RespondNext makes the next n requests, whatever their path, get resp
// instead of being accepted; they are still listed by Requests, but their
// data is not kept. Calls queue up in order.
func (r *Receiver) RespondNext(n int, resp Response) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range n {
		r.script = append(r.script, resp)
	}
}

// Requests returns every request received, in order of arrival.
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.requests)
}

// RequestCount returns the number of requests received.
func (r *Receiver) RequestCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

// Headers returns the header of the last request, or nil.
func (r *Receiver) Headers() http.Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.requests) == 0 {
		return nil
	}
	return r.requests[len(r.requests)-1].Header.Clone()
}

// Spans returns the ResourceSpans of every accepted traces request, in
// order. The messages are shared; do not modify them.
func (r *Receiver) Spans() []*tracepb.ResourceSpans {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.traces)
}

// Metrics returns the ResourceMetrics of every accepted metrics request,
// in order. The messages are shared; do not modify them.
func (r *Receiver) Metrics() []*metricpb.ResourceMetrics {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.metrics)
}

// Logs returns the ResourceLogs of every accepted logs request, in order.
// The messages are shared; do not modify them.
func (r *Receiver) Logs() []*logpb.ResourceLogs {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.logs)
}

// Reset forgets every request and data received, and any scripted
// response not yet used.
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests, r.traces, r.metrics, r.logs, r.script = nil, nil, nil, nil, nil
}

// WaitFor calls cond now and after every request until it returns true or
// timeout passes, and reports whether it returned true. cond must not
// block; it may call the receiver's methods.
func (r *Receiver) WaitFor(cond func() bool, timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		r.mu.Lock()
		changed := r.changed
		r.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return cond()
		}
	}
}

func (r *Receiver) serve(newReq, newResp func() proto.Message) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		rec := Request{Path: req.URL.Path, Header: req.Header.Clone()}
		status, body, msg := decode(req, newReq)
		rec.Body, rec.Gzipped = body, req.Header.Get("Content-Encoding") == "gzip"

		r.mu.Lock()
		var scripted *Response
		if len(r.script) > 0 {
			scripted = &r.script[0]
			r.script = r.script[1:]
		}
		if scripted == nil && status == http.StatusOK {
			r.store(msg)
		}
		switch {
		case scripted != nil:
			rec.Status = cmp.Or(scripted.Status, http.StatusOK)
		default:
			rec.Status = status
		}
		r.requests = append(r.requests, rec)
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()

		switch {
		case scripted != nil:
			respond(w, *scripted, newResp)
		case status != http.StatusOK:
			http.Error(w, http.StatusText(status), status)
		default:
			respond(w, Response{}, newResp)
		}
	}
}

// store keeps the data of an accepted request; r.mu must be held.
func (r *Receiver) store(msg proto.Message) {
	switch m := msg.(type) {
	case *coltracepb.ExportTraceServiceRequest:
		r.traces = append(r.traces, m.ResourceSpans...)
	case *colmetricpb.ExportMetricsServiceRequest:
		r.metrics = append(r.metrics, m.ResourceMetrics...)
	case *collogpb.ExportLogsServiceRequest:
		r.logs = append(r.logs, m.ResourceLogs...)
	}
}

// decode reads and decodes an export request. It returns the status to
// answer, the decompressed body, and the message when the status is 200.
func decode(req *http.Request, newReq func() proto.Message) (int, []byte, proto.Message) {
	if req.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, nil, nil
	}
	if mt, _, err := mime.ParseMediaType(req.Header.Get("Content-Type")); err != nil || mt != "application/x-protobuf" {
		return http.StatusUnsupportedMediaType, nil, nil
	}
	var body io.Reader = req.Body
	switch req.Header.Get("Content-Encoding") {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			return http.StatusBadRequest, nil, nil
		}
		defer zr.Close()
		body = zr
	default:
		return http.StatusUnsupportedMediaType, nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(body, MaxRequestBody+1))
	if err != nil {
		return http.StatusBadRequest, nil, nil
	}
	if len(b) > MaxRequestBody {
		return http.StatusRequestEntityTooLarge, nil, nil
	}
	msg := newReq()
	if err := proto.Unmarshal(b, msg); err != nil {
		return http.StatusBadRequest, b, nil
	}
	return http.StatusOK, b, msg
}

func respond(w http.ResponseWriter, resp Response, newResp func() proto.Message) {
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	status := cmp.Or(resp.Status, http.StatusOK)
	body := resp.Body
	if body == nil && status == http.StatusOK {
		var err error
		if body, err = proto.Marshal(newResp()); err != nil {
			panic(fmt.Sprintf("otlptest: marshal empty response: %v", err))
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}
	if w.Header().Get("Content-Type") == "" && len(body) > 0 {
		w.Header().Set("Content-Type", http.DetectContentType(body))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
