package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/reprokit/reprokit/internal/httpreq"
	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/safetext"
)

var (
	// ErrNotReplayable is the error of [Replay] for a record it cannot
	// send: nil, a gRPC call, a snapshot, or one whose method or URL is
	// not valid.
	ErrNotReplayable = errors.New("capture: the record cannot be replayed")
	// ErrNoTarget is the error of [Replay] for a nil target.
	ErrNoTarget = errors.New("capture: replay: nil target")
	// ErrReplayOption is the error of [Replay] for an option it cannot
	// use: a JSON path of WithIgnoreFields that does not parse, a
	// WithRequestIDHeader name that is not a header name.
	ErrReplayOption = errors.New("capture: invalid replay option")
)

// ReplayResult is what [Replay] found: the replayed response, redacted,
// and how it differs from the recorded one. It holds no value that the
// Redactor of [WithRedactor] did not pass, and none of the values that
// [WithSubstitute] filled in.
type ReplayResult struct {
	// Record is the record that was replayed.
	Record *Record
	// Status, Header and Body are the replayed response, redacted. Body
	// is stored as a record's is: when the recorded body was cut at the
	// capture limit, the replayed one is cut at the same length, so that
	// the two compare. Size is the replayed body's true size when the
	// response said it (Content-Length) or Replay read it whole, else one
	// more than Replay read.
	Status int
	Header http.Header
	Body   Body
	// Panic is the value the handler panicked with, redacted, when the
	// target is a [HandlerTarget] whose handler panicked.
	Panic string
	// Duration is the time from sending the request to the end of
	// reading the response body.
	Duration time.Duration
	// RequestID is the fresh request ID that was sent in the request-ID
	// header (see [WithRequestIDHeader]).
	RequestID string
	// Diff is how the replayed response differs from the recorded one.
	Diff ResponseDiff
	// Env is how the environment the record was taken in (Record.Env)
	// differs from the current one (see [WithEnv]); nil when the record
	// has no Env.
	Env *EnvDiff
	// Warnings say where the replayed request differs from the recorded
	// one: redacted values left out or sent as recorded, a request body
	// that was cut or omitted when it was captured, headers that could
	// not be sent, a response body too long to read whole.
	Warnings []string
}

// minReplayRead is the least of a replayed response body that Replay
// reads.
const minReplayRead = 64 << 10

// processEnv is the environment of this process, taken the first time a
// record with an Env is replayed without WithEnv.
var processEnv = sync.OnceValue(func() *Env { return TakeEnv(nil) })

// Replay sends the request of rec to the target to and compares the
// response with the recorded one. A target is an http.RoundTripper: a
// [HandlerTarget] that serves in the process, a [URLTarget] that sends to
// a server, or one of the caller's own, which gets a request whose URL is
// "http://" + the recorded host ("localhost" without one) + the recorded
// path and query.
//
// The request is the recorded one: its method, the path and query of its
// URL (those of an absolute URL), its header and its body, with these
// changes.
//
//   - Hop-by-hop headers (Connection and those it names, Keep-Alive,
//     Proxy-Authorization, TE, Trailer, Transfer-Encoding, Upgrade, …),
//     Host (sent as the request's Host), Content-Length (computed again)
//     and Accept-Encoding (so that the response compares as it was
//     written) are not copied, nor header fields that are not valid
//     HTTP.
//   - The request-ID header holds a fresh ID (a UUIDv7), and
//     X-Replay-Of the record's CorrelationID, when it has one.
//   - Redacted values ("[REDACTED]", "[REDACTED:1a2b3c4d]") in header
//     values, query parameters, the fields of a form body, the strings of
//     a JSON body and path segments are filled in by [WithSubstitute];
//     otherwise redacted header values, query parameters and form fields
//     are left out, and JSON strings and path segments are sent as they
//     were recorded, each with a warning.
//   - A request body cut when it was captured is sent as far as it was
//     stored, and one that was omitted is not sent, with a warning.
//
// The response body is read up to the larger of 64 KiB and the recorded
// body's size (its stored length when that was cut), at most
// [MaxLineBytes]; a longer body is cut there, with a warning. The
// response is redacted (see [WithRedactor]) and then compared: status,
// the headers of [WithCompareHeaders] and the body, as [ResponseDiff]
// says. When the record has an Env, it is compared with the current one
// (see [WithEnv]) with DiffEnv.
//
// Replay returns an error, and no result, for a nil record (wrapping
// [ErrNotReplayable]) or target ([ErrNoTarget]); a record of another
// schema ([ErrSchema]) or kind ([ErrKind]; gRPC records and snapshots
// wrap ErrNotReplayable); a record whose method or URL is not valid
// (ErrNotReplayable); a bad option ([ErrReplayOption]); and a target
// that does not answer, or ctx done first, wrapping the target's error
// (without the request's URL, which may hold substitutes). No error
// holds a header, URL or body of the record. Replay is safe for
// concurrent use; it waits for the target as long as ctx lets it.
func Replay(ctx context.Context, rec *Record, to http.RoundTripper, opts ...ReplayOption) (*ReplayResult, error) {
	switch {
	case rec == nil:
		return nil, fmt.Errorf("%w: nil record", ErrNotReplayable)
	case to == nil:
		return nil, ErrNoTarget
	case ctx == nil:
		return nil, errors.New("capture: replay: nil context")
	case rec.Schema != "" && rec.Schema != Schema:
		return nil, fmt.Errorf("%w %q (this version replays %q)", ErrSchema, safetext.Clean(rec.Schema, 64), Schema)
	case rec.Kind == KindGRPC:
		return nil, fmt.Errorf("%w: a gRPC call is not replayed over HTTP", ErrNotReplayable)
	case rec.Kind == KindEnv:
		return nil, fmt.Errorf("%w: an environment snapshot is not a request", ErrNotReplayable)
	case rec.Kind != "" && rec.Kind != KindHTTP:
		return nil, fmt.Errorf("%w %q", ErrKind, safetext.Clean(rec.Kind, 64))
	}
	cfg := newReplayConfig(opts)
	if !httpreq.ValidToken(cfg.requestIDHd) {
		return nil, fmt.Errorf("%w: the request-ID header name is not a valid header name", ErrReplayOption)
	}
	ignore := make([][]pathStep, 0, len(cfg.ignore))
	for _, p := range cfg.ignore {
		steps, err := parsePath(p)
		if err != nil {
			return nil, fmt.Errorf("%w: WithIgnoreFields: %w", ErrReplayOption, err)
		}
		ignore = append(ignore, steps)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("capture: replay: %w", err)
	}

	res := &ReplayResult{Record: rec}
	slot := new(panicSlot)
	b := &replayBuilder{rec: rec, fill: cfg.fill, warnings: &res.Warnings}
	req, err := b.request(context.WithValue(ctx, panicSlotKey{}, slot), cfg)
	if err != nil {
		return nil, err
	}
	id, err := newRequestID()
	if err != nil {
		return nil, err
	}
	req.Header[cfg.requestIDHd] = b.values(id)
	res.RequestID = id

	start := time.Now()
	resp, err := to.RoundTrip(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message holds the URL, which may hold substitutes
		}
		return nil, fmt.Errorf("capture: replay: the target did not answer: %w", err)
	}
	if resp == nil {
		return nil, errors.New("capture: replay: the target returned no response and no error")
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	limit := responseLimit(rec.Response.Body)
	// body is read into a pooled array that goes back to the pool when
	// Replay returns: nothing that Replay returns may point into it
	// (SetBytes below copies).
	buf := getReadBuffer()
	defer putReadBuffer(buf)
	body, readErr := readUpTo(*buf, resp.Body, limit+1)
	*buf = body
	resp.Body.Close()
	res.Duration = time.Since(start)
	panicText, panicked := slot.get()
	if readErr != nil && !panicked {
		var ue *url.Error
		if errors.As(readErr, &ue) {
			readErr = ue.Err
		}
		return nil, fmt.Errorf("capture: replay: reading the response body: %w", readErr)
	}

	red := cfg.redactor
	res.Status = resp.StatusCode
	res.Header = red.Headers(resp.Header)
	if panicked {
		res.Panic = safetext.Clean(red.Text(panicText), 1024)
	}
	size := int64(len(body))
	rb := rec.Response.Body
	cut := rb.Truncated && !rb.Omitted
	if size > limit {
		body = body[:limit]
		size = max(resp.ContentLength, limit+1)
		if !cut {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the response body is longer than %d bytes: read only that far", limit))
		}
	}
	keep := body
	if n := rb.storedLen(); cut && len(keep) > n {
		keep = keep[:n]
	}
	out, omitted := red.BodyWithSize(resp.Header.Get("Content-Type"), keep, size)
	res.Body = Body{
		ContentType: res.Header.Get("Content-Type"),
		Size:        size,
		Truncated:   int64(len(keep)) < size,
		Omitted:     omitted,
	}
	res.Body.SetBytes(out) // a copy: out may be body's pooled array

	res.Diff = diffResponse(rec, res.Status, res.Header, res.Body, cfg, ignore)
	if rec.Env != nil {
		var cur *Env
		if cfg.env != nil {
			cur = cfg.env()
		}
		if cur == nil {
			cur = processEnv()
		}
		d := DiffEnv(rec.Env, cur)
		res.Env = &d
	}
	return res, nil
}

// responseLimit is how much of a replayed response body Replay reads.
func responseLimit(rb Body) int64 {
	n := int64(rb.storedLen())
	if !rb.Truncated {
		n = max(n, rb.Size)
	}
	return min(max(n, minReplayRead), MaxLineBytes)
}

// newRequestID returns a UUIDv7, or a random UUID if the clock's cannot
// be made.
func newRequestID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		if id, err = uuid.NewRandom(); err != nil {
			return "", fmt.Errorf("capture: replay: making a request ID: %w", err)
		}
	}
	return id.String(), nil
}

// skippedHeaders are the request headers Replay does not copy: the
// hop-by-hop ones, and those it sets itself.
var skippedHeaders = map[string]bool{
	"Connection":          true,
	"Proxy-Connection":    true,
	"Keep-Alive":          true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Host":                true,
	"Content-Length":      true,
	"Accept-Encoding":     true,
	"X-Replay-Of":         true,
}

// replayBuilder builds the request that replays rec, and collects the
// warnings of building it.
type replayBuilder struct {
	rec      *Record
	fill     func(where, name string) (string, bool)
	warnings *[]string
	// vals holds the values of the request's header fields, one array
	// for all of them as textproto's reader makes: each field's slice of
	// it is capped, so that appending to one never writes into another.
	vals []string
}

// values returns a header field's values holding v, from b.vals.
func (b *replayBuilder) values(v string) []string {
	return b.appendValue(nil, v)
}

// appendValue returns the values vs of a header field with v added. When
// vs are the last values of b.vals, as they are for a field whose values
// are added one after the other, v goes after them in the same array.
func (b *replayBuilder) appendValue(vs []string, v string) []string {
	n := len(b.vals)
	if len(vs) > 0 && (n == 0 || &vs[len(vs)-1] != &b.vals[n-1]) {
		return append(vs, v) // not the last ones: an array of its own
	}
	b.vals = append(b.vals, v)
	n++
	return b.vals[n-len(vs)-1 : n : n]
}

func (b *replayBuilder) warn(format string, args ...any) {
	*b.warnings = append(*b.warnings, fmt.Sprintf(format, args...))
}

// substitute returns the value to send for a redacted value.
func (b *replayBuilder) substitute(where, name string) (string, bool) {
	if b.fill == nil {
		return "", false
	}
	return b.fill(where, name)
}

// request builds the request that replays b.rec.
func (b *replayBuilder) request(ctx context.Context, cfg *replayConfig) (*http.Request, error) {
	rec := b.rec
	method := rec.Request.Method
	if method == "" {
		method = http.MethodGet
	}
	if !httpreq.ValidToken(method) {
		return nil, fmt.Errorf("%w: the method is not a valid HTTP method", ErrNotReplayable)
	}
	raw := rec.Request.URL
	switch {
	case raw == "":
		return nil, fmt.Errorf("%w: the record has no URL", ErrNotReplayable)
	case hasControl(raw):
		return nil, fmt.Errorf("%w: the URL holds control characters", ErrNotReplayable)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return nil, fmt.Errorf("%w: the URL does not parse as a request target", ErrNotReplayable)
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") {
		return nil, fmt.Errorf("%w: the URL's path does not begin with \"/\"", ErrNotReplayable)
	}
	path = b.path(path)
	query := b.pairs(u.RawQuery, InQuery, "query parameter")
	host := rec.Request.Host
	if host == "" {
		host = u.Host
	}
	if !validHost(host) {
		b.warn("the recorded Host is not a valid host: sent without it")
		host = ""
	}
	header := b.header(cfg)
	body := b.body(header)

	target := &url.URL{Scheme: "http", Host: host, RawQuery: query}
	if host == "" {
		target.Host = "localhost"
	}
	if target.Path, err = url.PathUnescape(path); err != nil {
		return nil, fmt.Errorf("%w: the URL's path does not decode", ErrNotReplayable)
	}
	if path != target.Path {
		target.RawPath = path
	}
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "/", rd)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotReplayable, err)
	}
	req.URL = target
	req.Host = host
	req.Header = header
	if id := rec.CorrelationID; id != "" {
		if validHeaderValue(id) && len(id) <= 256 {
			header["X-Replay-Of"] = b.values(id)
		} else {
			b.warn("the recorded correlation ID is not a valid header value: X-Replay-Of not sent")
		}
	}
	return req, nil
}

// path returns the escaped path p with its redacted segments filled in.
func (b *replayBuilder) path(p string) string {
	if !hasMark(p) {
		return p
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		if err != nil || !hasMark(dec) {
			continue
		}
		name := routeWildcard(b.rec.Request.Route, i)
		if name == "" {
			name = strconv.Itoa(i)
		}
		if v, ok := b.substitute(InPath, name); ok {
			segs[i] = url.PathEscape(v)
			continue
		}
		b.warn("path segment %d holds a redacted value: sent as recorded", i)
	}
	return strings.Join(segs, "/")
}

// routeWildcard returns the name of the wildcard of route ("GET
// /orders/{id}") at segment i of a path (1 for "orders"), or "".
func routeWildcard(route string, i int) string {
	if _, rest, ok := strings.Cut(route, " "); ok {
		route = strings.TrimSpace(rest)
	}
	if k := strings.IndexByte(route, '/'); k > 0 {
		route = route[k:] // without the host
	}
	segs := strings.Split(route, "/")
	for k, s := range segs {
		if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
			continue
		}
		name := strings.TrimSuffix(s[1:len(s)-1], "...")
		if name == "" || name == "$" {
			continue
		}
		if k == i || k < i && strings.HasSuffix(s, "...}") {
			return name
		}
	}
	return ""
}

// pairs returns the query or form q with its redacted values filled in
// or left out.
func (b *replayBuilder) pairs(q, where, what string) string {
	if !hasMark(q) {
		if dec, err := url.QueryUnescape(q); err != nil || !hasMark(dec) {
			return q
		}
	}
	parts := strings.Split(q, "&")
	out := parts[:0:0]
	for _, p := range parts {
		rawName, rawValue, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			name = rawName
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			value = rawValue
		}
		switch {
		case hasMark(name):
			b.warn("a %s whose name was redacted was left out", what)
			continue
		case !hasMark(value):
			out = append(out, p)
			continue
		}
		if v, ok := b.substitute(where, name); ok {
			out = append(out, rawName+"="+url.QueryEscape(v))
			continue
		}
		b.warn("%s %q holds a redacted value: left out", what, safetext.Clean(name, 64))
	}
	return strings.Join(out, "&")
}

// header returns the header to send.
func (b *replayBuilder) header(cfg *replayConfig) http.Header {
	rh := b.rec.Request.Header
	var named []string // the fields that Connection names, hop-by-hop
	for name, values := range rh {
		if textproto.CanonicalMIMEHeaderKey(name) != "Connection" {
			continue
		}
		for _, v := range values {
			for t := range strings.SplitSeq(v, ",") {
				named = append(named, textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(t)))
			}
		}
	}
	names := make([]string, 0, len(rh))
	n := 0
	for name, values := range rh {
		names = append(names, name)
		n += len(values)
	}
	slices.Sort(names)
	h := make(http.Header, len(rh)+3)
	b.vals = make([]string, 0, n+3) // and the request ID, X-Replay-Of and Content-Type
	for _, name := range names {
		if !httpreq.ValidToken(name) {
			b.warn("a header whose name is not valid was left out")
			continue
		}
		key := textproto.CanonicalMIMEHeaderKey(name)
		if skippedHeaders[key] || key == cfg.requestIDHd || slices.Contains(named, key) {
			continue
		}
		shownName := safetext.Clean(key, 64)
		for _, v := range rh[name] {
			if hasMark(v) {
				s, ok := b.substitute(InHeader, key)
				if !ok {
					b.warn("header %q holds a redacted value: left out", shownName)
					continue
				}
				if !validHeaderValue(s) {
					b.warn("the value given for header %q is not a valid header value: left out", shownName)
					continue
				}
				v = s
			} else if !validHeaderValue(v) {
				b.warn("header %q holds a value that is not valid in HTTP: left out", shownName)
				continue
			}
			h[key] = b.appendValue(h[key], v)
		}
	}
	if len(b.rec.Request.Trailer) > 0 {
		b.warn("the recorded request trailer is not sent")
	}
	return h
}

// body returns the body to send, and sets its Content-Type in h when the
// header had none.
func (b *replayBuilder) body(h http.Header) []byte {
	rb := b.rec.Request.Body
	data := rb.Bytes()
	switch {
	case rb.Omitted || bytes.HasPrefix(data, []byte("[omitted: ")) && redact.IsMarkBytes(data):
		b.warn("the request body (%d bytes) was omitted when it was captured: sent none", rb.Size)
		return nil
	case rb.Base64 != "" && data == nil:
		b.warn("the recorded request body is not valid base64: sent none")
		return nil
	case rb.Truncated:
		b.warn("the request body was cut at %d of %d bytes when it was captured: sent as far as it goes", len(data), rb.Size)
	}
	ct := h.Get("Content-Type")
	if ct == "" && rb.ContentType != "" && validHeaderValue(rb.ContentType) {
		ct = rb.ContentType
		h["Content-Type"] = b.values(ct)
	}
	if len(data) == 0 || !hasMark(string(data)) {
		return data
	}
	mt, _, _ := mime.ParseMediaType(ct)
	switch {
	case mt == "application/x-www-form-urlencoded":
		return []byte(b.pairs(string(data), InForm, "form field"))
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "application/x-ndjson" ||
		mt == "" && len(bytes.TrimSpace(data)) > 0 && strings.ContainsRune("{[", rune(bytes.TrimSpace(data)[0])):
		return b.json(data)
	}
	b.warn("the request body holds redacted values: sent as recorded")
	return data
}

// json returns the JSON body data with its redacted strings filled in.
func (b *replayBuilder) json(data []byte) []byte {
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		index   int
	}
	type splice struct {
		start, end int
		value      string
	}
	var (
		stack   []frame
		splices []splice
		path    []pathStep
	)
	renderAt := func() string {
		path = path[:0]
		for _, f := range stack {
			if f.obj {
				path = append(path, pathStep{key: f.key})
			} else {
				path = append(path, pathStep{index: f.index, isIndex: true})
			}
		}
		return renderPath(path)
	}
	endValue := func() {
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if hasMark(string(data[before:])) {
				b.warn("the request body is not valid JSON after byte %d: its redacted values there are sent as recorded", before)
			}
			break
		}
		var top *frame
		if n := len(stack); n > 0 {
			top = &stack[n-1]
		}
		if top != nil && top.obj && top.wantKey {
			if s, ok := tok.(string); ok {
				top.key, top.wantKey = s, false
				continue
			}
			stack = stack[:len(stack)-1] // '}'
			endValue()
			continue
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			endValue()
			continue
		}
		if top != nil && !top.obj {
			top.index++
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{obj: v == '{', wantKey: v == '{', index: -1})
			continue
		case string:
			if hasMark(v) {
				at := renderAt()
				if s, ok := b.substitute(InJSON, at); ok {
					end := int(dec.InputOffset())
					start := int(before) + bytes.IndexByte(data[before:end], '"')
					splices = append(splices, splice{start: start, end: end, value: s})
				} else {
					if at == "" {
						at = "(whole body)"
					}
					b.warn("the request body's JSON string at %s holds a redacted value: sent as recorded", safetext.Clean(at, 80))
				}
			}
		}
		endValue()
	}
	if len(splices) == 0 {
		return data
	}
	out := make([]byte, 0, len(data))
	at := 0
	for _, s := range splices {
		out = append(out, data[at:s.start]...)
		out = appendJSONString(out, s.value)
		at = s.end
	}
	return append(out, data[at:]...)
}

// hasControl reports whether s holds an ASCII control character.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// validHeaderValue reports whether v may be sent as a header value: no
// control characters but tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// validHost reports whether h may be sent as a Host header: empty, or a
// host and port without characters that would end it.
func validHost(h string) bool {
	return !hasControl(h) && !strings.ContainsAny(h, " /?#@\\")
}

// maxPooledRead is the largest response buffer Replay keeps for the next
// replay: larger ones, for the rare large bodies, are left to the GC.
const maxPooledRead = 256 << 10

// readBuffers are the buffers Replay reads response bodies into.
var readBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

func getReadBuffer() *[]byte { return readBuffers.Get().(*[]byte) }

func putReadBuffer(b *[]byte) {
	if cap(*b) <= maxPooledRead {
		*b = (*b)[:0]
		readBuffers.Put(b)
	}
}

// readUpTo reads r into buf[:0] until EOF or n bytes, and returns what
// it read, in buf's array when it was large enough.
func readUpTo(buf []byte, r io.Reader, n int64) ([]byte, error) {
	buf = buf[:0]
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(n-int64(len(buf)), int64(max(cap(buf), 512)))))
		}
		room := buf[len(buf):min(int64(cap(buf)), n)]
		k, err := r.Read(room)
		buf = buf[:len(buf)+k]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
