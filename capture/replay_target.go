package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultReplayTimeout is the time limit of the client that [URLTarget]
// makes when it is given none: the whole exchange, body included.
const DefaultReplayTimeout = 30 * time.Second

// ErrTargetURL is the error of [URLTarget] for a base URL it cannot send
// to.
var ErrTargetURL = errors.New("capture: replay target must be http(s)://host[:port][/prefix]")

// errHandlerPanic ends the body of a response whose handler panicked
// after it had begun the response.
var errHandlerPanic = errors.New("capture: the handler panicked")

// HandlerTarget returns a target for [Replay] that serves each request
// with h in the calling process, as a server would: h gets a server-side
// request (RequestURI set, URL holding the path and query, RemoteAddr
// "192.0.2.1:1234", Host the recorded one) whose context is the
// request's, and done when the response body is closed. h runs on a
// goroutine of its own; the response is returned as soon as h has
// written its header (at its first Write or Flush, or when it returns),
// and its body streams what h writes. When the request's context is done
// before that, RoundTrip returns the context's error.
//
// A panic of h does not crash the process: before h has begun the
// response, it becomes a response of status 500 with an empty body;
// after, the body ends with an error. [Replay] reports the panic value,
// redacted, in [ReplayResult].Panic.
//
// As net/http does, the writer ignores 1xx status codes, panics on an
// invalid one, sets Content-Type from the first bytes of the body when h
// set none, discards the body of a response to HEAD and refuses one for
// 204 and 304 (http.ErrBodyNotAllowed). It does
// not support trailers, hijacking or full duplex. The target is safe for
// concurrent use if h is. HandlerTarget panics when h is nil.
func HandlerTarget(h http.Handler) http.RoundTripper {
	if h == nil {
		panic("capture: HandlerTarget: nil handler")
	}
	return handlerTarget{h: h}
}

type handlerTarget struct{ h http.Handler }

func (t handlerTarget) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	ctx, cancel := context.WithCancel(req.Context())
	pr, pw := io.Pipe()
	w := &replayWriter{
		header: http.Header{},
		ready:  make(chan struct{}),
		pw:     pw,
		head:   req.Method == http.MethodHead,
	}
	sreq := serverRequest(ctx, req)
	go func() {
		defer func() {
			v := recover()
			if v != nil {
				if slot, ok := ctx.Value(panicSlotKey{}).(*panicSlot); ok {
					slot.set(v)
				}
				w.fail()
				pw.CloseWithError(errHandlerPanic)
			} else {
				w.finish()
				pw.Close()
			}
			cancel()
			sreq.Body.Close() // as a server does when its handler returns
		}()
		t.h.ServeHTTP(w, sreq)
	}()
	select {
	case <-w.ready:
	case <-req.Context().Done():
		// The handler may still be running: its writes fail from now on.
		pr.CloseWithError(ctx.Err())
		cancel()
		return nil, req.Context().Err()
	}
	length := int64(-1)
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		length = n
	}
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          &handlerBody{pr: pr, cancel: cancel},
		ContentLength: length,
		Request:       req,
	}, nil
}

// serverRequest returns req as a server hands it to its handler.
func serverRequest(ctx context.Context, req *http.Request) *http.Request {
	r := req.Clone(ctx)
	r.RequestURI = req.URL.RequestURI()
	r.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	r.RemoteAddr = "192.0.2.1:1234"
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	if r.Body == nil {
		r.Body = http.NoBody
	}
	if r.ContentLength > 0 {
		r.Header.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	r.GetBody = nil
	r.Close = false
	return r
}

// handlerBody is the body of a response of a handlerTarget. Closing it
// stops the handler's writes and cancels its context.
type handlerBody struct {
	pr     *io.PipeReader
	cancel context.CancelFunc
}

func (b *handlerBody) Read(p []byte) (int, error) { return b.pr.Read(p) }

func (b *handlerBody) Close() error {
	b.pr.Close()
	b.cancel()
	return nil
}

// replayWriter is the http.ResponseWriter of a handlerTarget. Its
// methods are called by the handler's goroutine only; RoundTrip reads
// status and sent after ready is closed, which they no longer change.
type replayWriter struct {
	header http.Header
	sent   http.Header // the header as it was when the status was set
	status int
	wrote  bool // WriteHeader was called with a final status
	pw     *io.PipeWriter
	ready  chan struct{} // closed by send
	isSent bool          // ready is closed
	head   bool
}

func (w *replayWriter) Header() http.Header { return w.header }

func (w *replayWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 {
		return // informational: not the response's status
	}
	w.wrote, w.status, w.sent = true, code, w.header.Clone()
}

func (w *replayWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	allowed := bodyAllowed(w.status)
	if allowed && len(p) > 0 && !w.isSent {
		if _, ok := w.sent["Content-Type"]; !ok {
			w.sent.Set("Content-Type", http.DetectContentType(p))
		}
	}
	w.send()
	if !allowed {
		return 0, http.ErrBodyNotAllowed
	}
	if w.head {
		return len(p), nil
	}
	return w.pw.Write(p)
}

// Flush sends the header; the body is not buffered.
func (w *replayWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	w.send()
}

// send makes the status and header available to RoundTrip.
func (w *replayWriter) send() {
	if !w.isSent {
		w.isSent = true
		close(w.ready)
	}
}

// finish ends a handler that returned.
func (w *replayWriter) finish() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	w.send()
}

// fail ends a handler that panicked: 500 unless the status was set.
func (w *replayWriter) fail() {
	if !w.wrote {
		w.wrote, w.status, w.sent = true, http.StatusInternalServerError, http.Header{}
	}
	w.send()
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// panicSlotKey is the context key of the panicSlot that Replay gives a
// handlerTarget.
type panicSlotKey struct{}

// panicSlot receives the value a handler panicked with.
type panicSlot struct {
	mu   sync.Mutex // protects text and set
	text string
	ok   bool
}

func (s *panicSlot) set(v any) {
	t := fmt.Sprint(v)
	if len(t) > maxPanicText {
		t = t[:maxPanicText]
	}
	s.mu.Lock()
	s.text, s.ok = t, true
	s.mu.Unlock()
}

func (s *panicSlot) get() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.text, s.ok
}

// URLTarget returns a target for [Replay] that sends each request to the
// server at base, "http(s)://host[:port]" with an optional path prefix
// that is put before the recorded path. The request keeps the recorded
// Host header. It is sent with client: its Transport, Timeout, Jar and
// CheckRedirect apply. A nil client is one of its own, which follows no
// redirect (the redirect is the response compared), times out after
// [DefaultReplayTimeout], keeps no idle connection and adds no
// Accept-Encoding to the request (the recorded one is left out, see
// [Replay]).
//
// A base that is not an http or https URL with a host, or that holds a
// user, a query or a fragment, gives an error wrapping [ErrTargetURL].
// The target is safe for concurrent use.
func URLTarget(base string, client *http.Client) (http.RoundTripper, error) {
	u, err := url.Parse(base)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: the URL does not parse", ErrTargetURL)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%w: the scheme is not http or https", ErrTargetURL)
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%w: there is no host", ErrTargetURL)
	case u.User != nil:
		return nil, fmt.Errorf("%w: it holds a user", ErrTargetURL)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("%w: it holds a query or a fragment", ErrTargetURL)
	}
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableKeepAlives = true
		tr.DisableCompression = true // send no Accept-Encoding of its own
		client = &http.Client{
			Transport: tr,
			Timeout:   DefaultReplayTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	return &urlTarget{
		scheme: u.Scheme,
		host:   u.Host,
		path:   strings.TrimSuffix(u.Path, "/"),
		raw:    strings.TrimSuffix(u.EscapedPath(), "/"),
		client: client,
	}, nil
}

type urlTarget struct {
	scheme, host string
	path, raw    string // the prefix, decoded and escaped, without a final "/"
	client       *http.Client
}

func (t *urlTarget) RoundTrip(req *http.Request) (*http.Response, error) {
	// A shallow copy: only the URL changes, and a RoundTripper must not
	// modify the request it is given. The header is shared, as the
	// client does not write to it.
	out := new(http.Request)
	*out = *req
	out.RequestURI = ""
	out.URL = &url.URL{
		Scheme:   t.scheme,
		Host:     t.host,
		Path:     t.path + req.URL.Path,
		RawPath:  t.raw + req.URL.EscapedPath(),
		RawQuery: req.URL.RawQuery,
	}
	if out.URL.RawPath == out.URL.Path {
		out.URL.RawPath = ""
	}
	return t.client.Do(out)
}
