package capture

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/reprokit/reprokit/internal/respwriter"
	"github.com/reprokit/reprokit/internal/safetext"
)

// maxPanicText bounds the panic and error text of a record.
const maxPanicText = 1024

// record builds the redacted record of a request that ended with the
// writer in w's state and, if the handler panicked, with p.
func (h *handler) record(s *state, r *http.Request, w *respwriter.Writer, p any) *Record {
	red := h.c.Redactor()
	ctx := r.Context()
	rec := &Record{
		Kind:     KindHTTP,
		Start:    s.start,
		Duration: h.c.Now().Sub(s.start),
		Reason:   s.sel.Reason,
	}

	req := &rec.Request
	req.Method = r.Method
	req.URL = red.URL(r.URL)
	req.Host = red.Text(r.Host)
	req.Proto = r.Proto
	req.Route = r.Pattern
	req.Header = red.Headers(r.Header)
	if len(r.Trailer) > 0 {
		req.Trailer = red.Headers(r.Trailer)
	}
	size, complete := s.body.n, s.body.eof || s.body.rc == nil || s.body.rc == http.NoBody
	if r.ContentLength > size {
		size, complete = r.ContentLength, false
	}
	req.Body = h.body(req.Header.Get("Content-Type"), s.body.buf, size, complete)

	resp := &rec.Response
	resp.Status = w.Status()
	if resp.Status == 0 && p == nil && !w.Hijacked() {
		// The handler wrote nothing: net/http sends a 200 and the header
		// as the handler left it.
		resp.Status = http.StatusOK
		s.resp.header = s.rw.Header()
	}
	if s.resp.header != nil {
		resp.Header = red.Headers(s.resp.header)
		if tr := trailers(s.rw.Header(), s.resp.header); len(tr) > 0 {
			resp.Trailer = red.Headers(tr)
		}
	}
	if !s.resp.skip {
		resp.Body = h.body(resp.Header.Get("Content-Type"), s.resp.buf, s.resp.n, true)
	} else {
		resp.Body = Body{Size: s.resp.n}
	}

	switch {
	case p != nil:
		if resp.Status == 0 {
			resp.Status = http.StatusInternalServerError
		}
		if p == http.ErrAbortHandler {
			rec.Error = "handler aborted the response (http.ErrAbortHandler)"
		} else {
			rec.Panic = red.Text(safetext.Clean(fmt.Sprint(p), maxPanicText))
		}
	case w.Hijacked():
		rec.Error = "connection hijacked (the body after it is not captured)"
	case s.body.err != nil:
		rec.Error = red.Text(safetext.Clean("reading the request body: "+s.body.err.Error(), maxPanicText))
	case ctx.Err() != nil:
		rec.Error = "request context done before the handler returned: " + context.Cause(ctx).Error()
	}
	return rec
}

// body redacts the first bytes kept of a body of size bytes; complete
// says whether size is the whole body.
func (h *handler) body(contentType string, kept []byte, size int64, complete bool) Body {
	return h.c.Body(contentType, kept, size, complete)
}

// Body returns the Body of a record for a body of the given content type
// and true size of which kept holds the first bytes, redacted by the
// Capturer's Redactor, and counted in its Stats when truncated. complete
// reports whether size is the whole body (false when the reader stopped
// early and the true size is unknown).
func (c *Capturer) Body(contentType string, kept []byte, size int64, complete bool) Body {
	b := Body{ContentType: contentType, Size: size}
	if size == 0 && len(kept) == 0 {
		return b
	}
	b.Truncated = int64(len(kept)) < size || !complete
	red := c.Redactor().get()
	out, omitted, oneJSON := red.bodyKind(contentType, kept, b.Truncated, max(size, int64(len(kept))))
	b.Omitted = omitted
	if b.Truncated {
		c.cfg.stats.truncated.Add(1)
	}
	if oneJSON && embeddable(out) {
		b.JSON = out // new memory of the Redactor's, and no longer written to
		return b
	}
	b.SetBytes(out)
	return b
}

// trailers returns the trailers a handler set: the names the header
// declared in "Trailer" when it was sent, and the names with
// http.TrailerPrefix, from the header map as the handler left it.
func trailers(now, sent http.Header) http.Header {
	var out http.Header
	add := func(k string, v []string) {
		if out == nil {
			out = http.Header{}
		}
		out[k] = v
	}
	for _, decl := range sent.Values("Trailer") {
		for _, k := range strings.Split(decl, ",") {
			k = http.CanonicalHeaderKey(strings.TrimSpace(k))
			if v, ok := now[k]; ok && k != "" {
				add(k, v)
			}
		}
	}
	for k, v := range now {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && name != "" {
			add(http.CanonicalHeaderKey(name), v)
		}
	}
	return out
}

// newRecordID returns 32 random lower-case hex digits.
func newRecordID() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := rand.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return hex.EncodeToString(b[:])
}

// embeddable reports whether a JSON value may go into a record line as it
// is: valid UTF-8, and no line break (only whitespace between tokens may
// hold one, and a record is one line).
func embeddable(p []byte) bool {
	return len(p) > 0 && bytes.IndexByte(p, '\n') < 0 && bytes.IndexByte(p, '\r') < 0 && utf8.Valid(p)
}
