package capture

import (
	"io"
	"net/http"
	"time"

	"github.com/reprokit/reprokit/internal/respwriter"
)

// state is what the middleware keeps of one request it may capture. It
// is pooled: the buffers of the on-failure mode, which every request
// fills, are reused.
type state struct {
	sel   Selection
	start time.Time
	limit int
	body  teeBody // the request body as the handler reads it
	resp  teeResp
	rw    http.ResponseWriter
}

func (h *handler) get() *state {
	if s, ok := h.pool.Get().(*state); ok {
		return s
	}
	return new(state)
}

// put returns s to the pool, unless its buffers grew past the limit
// (they do not, but a pool must not hold on to large buffers).
func (h *handler) put(s *state) {
	if limit := h.c.BodyLimit(); cap(s.body.buf) > limit || cap(s.resp.buf) > limit {
		return
	}
	s.body = teeBody{buf: s.body.buf[:0]}
	s.resp = teeResp{buf: s.resp.buf[:0]}
	s.rw = nil
	h.pool.Put(s)
}

// begin sets s up for request r: the body tee replaces r.Body (given back
// by end) and the writer is wrapped.
func (s *state) begin(h *handler, w http.ResponseWriter, r *http.Request, sel Selection) {
	s.sel = sel
	s.start = h.c.Now()
	s.limit = h.c.BodyLimit()
	s.body.limit = s.limit
	s.body.rc = r.Body
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &s.body
	}
	s.resp.s = s
	s.rw = respwriter.Wrap(w, &s.resp)
}

// teeBody passes the request body to the handler, keeping the first
// limit bytes of it.
type teeBody struct {
	rc    io.ReadCloser
	buf   []byte
	limit int
	n     int64 // bytes the handler read
	eof   bool
	err   error // the first read error other than io.EOF
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 {
		t.n += int64(n)
		t.buf = keep(t.buf, p[:n], t.limit)
	}
	switch {
	case err == io.EOF:
		t.eof = true
	case err != nil && t.err == nil:
		t.err = err
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// teeResp observes the response: it keeps the header as it was sent and
// the first limit bytes of the body.
type teeResp struct {
	s      *state
	header http.Header
	buf    []byte
	n      int64
	skip   bool // on-failure mode and a status below 500: keep nothing
}

func (t *teeResp) WroteHeader(code int) {
	if t.s.sel.Reason == "" && code < 500 {
		t.skip = true // the record is made, if at all, only on a panic
		return
	}
	t.header = t.s.rw.Header().Clone()
}

func (t *teeResp) Wrote(p []byte, n int) {
	t.n += int64(n)
	if t.skip {
		return
	}
	t.buf = keep(t.buf, p[:n], t.s.limit)
}

// keep appends to buf what of p fits under limit bytes, growing buf to at
// most limit, so that pooled buffers never exceed it.
func keep(buf, p []byte, limit int) []byte {
	room := limit - len(buf)
	if room <= 0 || len(p) == 0 {
		return buf
	}
	p = p[:min(len(p), room)]
	if len(buf)+len(p) > cap(buf) {
		grown := make([]byte, len(buf), min(limit, max(2*cap(buf), len(buf)+len(p), 512)))
		copy(grown, buf)
		buf = grown
	}
	return append(buf, p...)
}
