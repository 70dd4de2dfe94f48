package respwriter

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// Observer receives what a wrapped writer sees. Its methods run on the
// handler's goroutine, inside the handler's calls; they must be quick and
// must not call back into the writer.
type Observer interface {
	// WroteHeader is called once, with the final status code, before the
	// first byte of the body reaches the client.
	WroteHeader(code int)
	// Wrote is called after each successful write of p to the client
	// (n bytes of it were written). p must not be retained.
	Wrote(p []byte, n int)
}

// Writer is the wrapper. Its zero value is not usable; see [Wrap].
type Writer struct {
	w        http.ResponseWriter
	obs      Observer
	status   int
	written  int64
	hijacked bool
}

// Wrap returns a writer that passes everything to w and reports to obs,
// keeping the optional interfaces of w (see the package documentation).
// obs may be nil when only Status and Written are needed.
func Wrap(w http.ResponseWriter, obs Observer) http.ResponseWriter {
	base := Writer{w: w, obs: obs}
	// One allocation whichever the shape: the variants embed Writer.
	_, canHijack := w.(http.Hijacker)
	_, canReadFrom := w.(io.ReaderFrom)
	if canHijack && canReadFrom {
		return &http1Writer{base}
	}
	if _, ok := w.(http.Pusher); ok {
		return &http2Writer{base}
	}
	return &base
}

// Of returns the *Writer inside a writer made by [Wrap], or nil if w is not
// one.
func Of(w http.ResponseWriter) *Writer {
	switch v := w.(type) {
	case *Writer:
		return v
	case *http1Writer:
		return &v.Writer
	case *http2Writer:
		return &v.Writer
	}
	return nil
}

// Status returns the final status code written so far, or 0 if none yet.
func (w *Writer) Status() int { return w.status }

// Written returns the number of body bytes written to the client so far.
func (w *Writer) Written() int64 { return w.written }

// Hijacked reports whether the connection was taken over with Hijack.
func (w *Writer) Hijacked() bool { return w.hijacked }

// Header returns the wrapped writer's header map.
func (w *Writer) Header() http.Header { return w.w.Header() }

// WriteHeader passes code on and records it if it is the final status.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code < 100) {
		w.status = code
		if w.obs != nil {
			w.obs.WroteHeader(code)
		}
	}
	w.w.WriteHeader(code)
}

// implicitHeader records the 200 that net/http sends when a body is
// written before WriteHeader.
func (w *Writer) implicitHeader() {
	if w.status == 0 {
		w.status = http.StatusOK
		if w.obs != nil {
			w.obs.WroteHeader(http.StatusOK)
		}
	}
}

// Write writes p to the client.
func (w *Writer) Write(p []byte) (int, error) {
	w.implicitHeader()
	n, err := w.w.Write(p)
	w.written += int64(n)
	if w.obs != nil && n > 0 {
		w.obs.Wrote(p[:n], n)
	}
	return n, err
}

// Flush sends buffered data to the client if the wrapped writer can.
func (w *Writer) Flush() {
	w.implicitHeader()
	if f, ok := w.w.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *Writer) Unwrap() http.ResponseWriter { return w.w }

// http1Writer adds the methods of an HTTP/1 connection's writer.
type http1Writer struct{ Writer }

// Hijack hands the connection to the caller.
func (w *http1Writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := w.w.(http.Hijacker).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// ReadFrom copies r to the client, using the wrapped writer's ReadFrom
// (sendfile and splice) when nothing needs to see the bytes.
func (w *http1Writer) ReadFrom(r io.Reader) (int64, error) {
	w.implicitHeader()
	if w.obs == nil {
		n, err := w.w.(io.ReaderFrom).ReadFrom(r)
		w.written += n
		return n, err
	}
	// The observer must see the bytes: copy through Write, hiding
	// ReadFrom so io.Copy does not call back here.
	return io.Copy(writerOnly{&w.Writer}, r)
}

// http2Writer adds the methods of an HTTP/2 stream's writer.
type http2Writer struct{ Writer }

// Push starts an HTTP/2 server push.
func (w *http2Writer) Push(target string, opts *http.PushOptions) error {
	return w.w.(http.Pusher).Push(target, opts)
}

// writerOnly hides every method but Write.
type writerOnly struct{ io.Writer }

var (
	_ http.Flusher  = (*Writer)(nil)
	_ http.Hijacker = (*http1Writer)(nil)
	_ io.ReaderFrom = (*http1Writer)(nil)
	_ http.Pusher   = (*http2Writer)(nil)
)
