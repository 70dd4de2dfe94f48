package capture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reprokit/reprokit/internal/safetext"
)

// HARVersion is the version of the HTTP Archive format that [WriteHAR]
// writes, the value of log.version.
const HARVersion = "1.2"

// HARCreator is the default name of the program that wrote an archive,
// log.creator.name, when HAROptions.Creator is empty.
const HARCreator = "reprokit"

// HAROptions configures [WriteHAR]. A nil *HAROptions, like a zero one,
// consists entirely of default values.
type HAROptions struct {
	// Creator names the program that wrote the archive (log.creator.name),
	// such as "debugctl". Empty means [HARCreator].
	Creator string
	// Version is the Creator's version (log.creator.version). Empty means
	// the version of module github.com/reprokit/reprokit that the running
	// binary was built with, as its build information says ("(devel)"
	// in a build from reprokit's own work tree), or "unknown" without
	// build information.
	Version string
}

// WriteHAR writes recs to w as one HTTP Archive (HAR) 1.2 document, the
// format of browsers' developer tools, which they, Postman and k6's
// har-to-k6 open: the de-facto specification by Jan Odvarko, "HTTP
// Archive 1.2", and the W3C draft at
// https://w3c.github.io/web-performance/specs/HAR/Overview.html. Each
// record becomes one entry; entries are sorted by start time, the oldest
// first, as the specification prefers (records that started together
// keep the order of recs). o may be nil.
//
// An entry holds what the record holds, so it is as redacted as the
// record: WriteHAR adds no value of its own and masks nothing again. It
// is built as follows.
//
//   - request.url is absolute, as HAR requires: the record's URL when it
//     is one (a proxy request), else "http://" + the Host header + the
//     request target. A record keeps neither the scheme the client used
//     nor whether a proxy before the service ended TLS, so the scheme is
//     the one the service was spoken to in, "http"; a record without a
//     valid Host gets "localhost", as [Replay] does. Bytes that may not
//     appear in a URL (control characters, spaces, non-ASCII) are
//     percent-encoded; the fragment is left out.
//   - request.headers are the record's, sorted by name, with Host first;
//     request.cookies are parsed from Cookie, response.cookies from
//     Set-Cookie, their values as redacted as the headers.
//     request.queryString is parsed from the URL, names and values
//     percent-decoded.
//   - request.postData holds a request body that has a size or stored
//     bytes: the fields of an application/x-www-form-urlencoded body that
//     was stored whole as params, any other body as text. HAR defines an
//     encoding only for response content, so a binary request body (a
//     record's Base64) is text in base64 with the custom field
//     "_encoding": "base64". A body cut at the capture limit, or omitted
//     by the Redactor (then its text is empty), says so in its comment.
//   - response.content holds the response body: text, base64 with
//     encoding "base64" for a binary one, a comment when it was cut or
//     omitted (then it has no text). Sizes (bodySize, content.size) are
//     the bodies' true sizes; headersSize is -1, unknown.
//   - httpVersion is the record's protocol ("HTTP/2.0"), for the request
//     and the response alike.
//   - time and timings.wait are the record's duration in milliseconds,
//     send and receive 0: the server saw only the whole exchange.
//   - A gRPC record ([KindGRPC]) is the HTTP/2 POST it is; its messages
//     are the protojson text of the record, not their wire form, as a
//     comment says.
//   - Trailers, which HAR has no field for, are the custom field
//     "_trailers" of the request or response (name and value pairs), and
//     what HAR has no field for in a record is in "_reprokit": id, kind,
//     correlation_id, trace_id, span_id, reason, route, env_id,
//     truncated (either body was cut at the capture limit), grpc (code
//     and message), error and panic. The specification reserves names
//     starting with "_" for such fields.
//
// Strings that are not valid UTF-8 are written with U+FFFD in place of
// their invalid bytes, so the document is valid JSON and UTF-8 whatever
// the records hold.
//
// WriteHAR checks every record before it writes: it returns an error,
// and writes nothing, for a nil record (wrapping [ErrNilRecord]), one of
// another schema ([ErrSchema]) or another kind than [KindHTTP] and
// [KindGRPC] ([ErrKind]). An error of w is returned as it happens,
// leaving a partial document. WriteHAR does not modify recs or the
// records.
func WriteHAR(w io.Writer, recs []*Record, o *HAROptions) error {
	for i, rec := range recs {
		if err := harCheck(rec); err != nil {
			return fmt.Errorf("capture: WriteHAR: record %d: %w", i, err)
		}
	}
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b *Record) int { return a.Start.Compare(b.Start) })

	creator := harCreator{Name: HARCreator, Version: defaultHARVersion()}
	if o != nil && o.Creator != "" {
		creator.Name = o.Creator
	}
	if o != nil && o.Version != "" {
		creator.Version = o.Version
	}

	bw := bufio.NewWriterSize(w, 64<<10)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // bodies stay readable: "<", not "\u003c"
	enc.SetIndent("    ", "  ")
	if err := enc.Encode(creator); err != nil {
		return fmt.Errorf("capture: WriteHAR: %w", err) // strings only: unreachable
	}
	fmt.Fprintf(bw, "{\n  \"log\": {\n    \"version\": %q,\n    \"creator\": %s,\n    \"entries\": [", HARVersion, bytes.TrimSuffix(buf.Bytes(), []byte("\n")))

	enc.SetIndent("      ", "  ")
	for i, rec := range sorted {
		buf.Reset()
		if err := enc.Encode(newHAREntry(rec)); err != nil {
			return fmt.Errorf("capture: WriteHAR: record %d: %w", i, err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n      ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		if bw.Buffered() > 48<<10 {
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("capture: writing a HAR: %w", err)
			}
		}
	}
	if len(sorted) > 0 {
		bw.WriteString("\n    ")
	}
	bw.WriteString("]\n  }\n}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("capture: writing a HAR: %w", err)
	}
	return nil
}

// harCheck returns why rec cannot be an entry of an archive, or nil.
func harCheck(rec *Record) error {
	switch {
	case rec == nil:
		return ErrNilRecord
	case rec.Schema != "" && rec.Schema != Schema:
		return fmt.Errorf("%w %q (this version writes %q)", ErrSchema, safetext.Clean(rec.Schema, 64), Schema)
	case rec.Kind != "" && rec.Kind != KindHTTP && rec.Kind != KindGRPC:
		return fmt.Errorf("%w %q: not a request", ErrKind, safetext.Clean(rec.Kind, 64))
	}
	return nil
}

// reprokitModule is the module path whose version names the default
// creator version of an archive.
const reprokitModule = "github.com/reprokit/reprokit"

// defaultHARVersion is the version of reprokit in the running binary.
var defaultHARVersion = sync.OnceValue(func() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	version := func(m *debug.Module) string {
		if m.Replace != nil && m.Replace.Version != "" {
			return m.Replace.Version
		}
		if m.Version == "" {
			return "unknown"
		}
		return m.Version
	}
	if info.Main.Path == reprokitModule {
		return version(&info.Main)
	}
	for _, d := range info.Deps {
		if d.Path == reprokitModule {
			return version(d)
		}
	}
	return "unknown"
})

// The HAR 1.2 objects that WriteHAR writes, in the specification's
// order of fields. Optional fields are omitted when empty.
type (
	harCreator struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	harEntry struct {
		StartedDateTime string       `json:"startedDateTime"`
		Time            float64      `json:"time"`
		Request         harRequest   `json:"request"`
		Response        harResponse  `json:"response"`
		Cache           struct{}     `json:"cache"`
		Timings         harTimings   `json:"timings"`
		Comment         string       `json:"comment,omitempty"`
		Reprokit        harExtension `json:"_reprokit"`
	}
	harRequest struct {
		Method      string       `json:"method"`
		URL         string       `json:"url"`
		HTTPVersion string       `json:"httpVersion"`
		Cookies     []harCookie  `json:"cookies"`
		Headers     []harNameVal `json:"headers"`
		QueryString []harNameVal `json:"queryString"`
		PostData    *harPostData `json:"postData,omitempty"`
		HeadersSize int64        `json:"headersSize"`
		BodySize    int64        `json:"bodySize"`
		Trailers    []harNameVal `json:"_trailers,omitempty"`
	}
	harResponse struct {
		Status      int          `json:"status"`
		StatusText  string       `json:"statusText"`
		HTTPVersion string       `json:"httpVersion"`
		Cookies     []harCookie  `json:"cookies"`
		Headers     []harNameVal `json:"headers"`
		Content     harContent   `json:"content"`
		RedirectURL string       `json:"redirectURL"`
		HeadersSize int64        `json:"headersSize"`
		BodySize    int64        `json:"bodySize"`
		Trailers    []harNameVal `json:"_trailers,omitempty"`
	}
	harCookie struct {
		Name     string `json:"name"`
		Value    string `json:"value"`
		Path     string `json:"path,omitempty"`
		Domain   string `json:"domain,omitempty"`
		Expires  string `json:"expires,omitempty"`
		HTTPOnly bool   `json:"httpOnly,omitempty"`
		Secure   bool   `json:"secure,omitempty"`
	}
	harNameVal struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	harPostData struct {
		MimeType string       `json:"mimeType"`
		Params   []harNameVal `json:"params,omitempty"`
		Text     *string      `json:"text,omitempty"`
		Comment  string       `json:"comment,omitempty"`
		Encoding string       `json:"_encoding,omitempty"`
	}
	harContent struct {
		Size     int64  `json:"size"`
		MimeType string `json:"mimeType"`
		Text     string `json:"text,omitempty"`
		Encoding string `json:"encoding,omitempty"`
		Comment  string `json:"comment,omitempty"`
	}
	harTimings struct {
		Send    float64 `json:"send"`
		Wait    float64 `json:"wait"`
		Receive float64 `json:"receive"`
	}
	harExtension struct {
		ID            string      `json:"id,omitempty"`
		Kind          string      `json:"kind"`
		CorrelationID string      `json:"correlation_id,omitempty"`
		TraceID       string      `json:"trace_id,omitempty"`
		SpanID        string      `json:"span_id,omitempty"`
		Reason        string      `json:"reason,omitempty"`
		Route         string      `json:"route,omitempty"`
		EnvID         string      `json:"env_id,omitempty"`
		Truncated     bool        `json:"truncated"`
		GRPC          *GRPCStatus `json:"grpc,omitempty"`
		Error         string      `json:"error,omitempty"`
		Panic         string      `json:"panic,omitempty"`
	}
)

// harTimeLayout is RFC 3339 with milliseconds, as HAR's examples write
// times.
const harTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// harTime formats t for a HAR date-time field; a time whose year has not
// four digits, which RFC 3339 cannot write, is written as the zero time.
func harTime(t time.Time) string {
	if y := t.Year(); y < 0 || y > 9999 {
		t = time.Time{}
	}
	return t.Format(harTimeLayout)
}

// newHAREntry returns the entry of rec, which harCheck accepted.
func newHAREntry(rec *Record) harEntry {
	kind := rec.Kind
	if kind == "" {
		kind = KindHTTP
	}
	ms := float64(max(rec.Duration, 0)) / float64(time.Millisecond)
	proto := rec.Request.Proto
	if proto == "" && kind == KindGRPC {
		proto = "HTTP/2.0"
	}
	method := rec.Request.Method
	if method == "" {
		method = http.MethodGet
	}
	e := harEntry{
		StartedDateTime: harTime(rec.Start),
		Time:            ms,
		Timings:         harTimings{Wait: ms},
		Request: harRequest{
			Method:      method,
			URL:         harURL(rec),
			HTTPVersion: proto,
			Cookies:     requestCookies(rec.Request.Header),
			Headers:     harHeaders(rec.Request.Header, harHost(rec)),
			QueryString: harQuery(rec.Request.URL),
			HeadersSize: -1,
			BodySize:    harSize(rec.Request.Body.Size),
			Trailers:    harTrailers(rec.Request.Trailer),
		},
		Response: harResponse{
			Status:      rec.Response.Status,
			StatusText:  http.StatusText(rec.Response.Status),
			HTTPVersion: proto,
			Cookies:     responseCookies(rec.Response.Header),
			Headers:     harHeaders(rec.Response.Header, ""),
			Content:     harResponseContent(rec),
			RedirectURL: headerFirst(rec.Response.Header, "Location"),
			HeadersSize: -1,
			BodySize:    harSize(rec.Response.Body.Size),
			Trailers:    harTrailers(rec.Response.Trailer),
		},
		Reprokit: harExtension{
			ID:            rec.ID,
			Kind:          kind,
			CorrelationID: rec.CorrelationID,
			TraceID:       rec.TraceID,
			SpanID:        rec.SpanID,
			Reason:        rec.Reason,
			Route:         rec.Request.Route,
			EnvID:         rec.EnvID,
			Truncated:     rec.Request.Body.Truncated || rec.Response.Body.Truncated,
			GRPC:          rec.GRPC,
			Error:         rec.Error,
			Panic:         rec.Panic,
		},
	}
	e.Request.PostData = harRequestBody(rec, kind)
	if kind == KindGRPC {
		e.Comment = "gRPC call: the messages are the capture's protojson text, not their wire form"
	}
	return e
}

// harSize returns a size for HAR: -1, unknown, for a negative one.
func harSize(n int64) int64 { return max(n, -1) }

// harHost returns the Host header of rec's request when it may be sent
// as one, else "".
func harHost(rec *Record) string {
	if h := rec.Request.Host; h != "" && validHost(h) {
		return h
	}
	return ""
}

// harURL returns the absolute URL of rec's request.
func harURL(rec *Record) string {
	raw := rec.Request.URL
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	if u, err := url.Parse(raw); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return escapeURL(raw)
	}
	host := harHost(rec)
	if host == "" {
		host = "localhost"
	}
	if !strings.HasPrefix(raw, "/") {
		raw = "/" + raw // "*" of OPTIONS *, or a target that is no path
	}
	return escapeURL("http://" + host + raw)
}

// escapeURL percent-encodes the bytes of s that may not appear in a URL:
// control characters, space, non-ASCII, the characters RFC 3986 excludes
// and a "%" that does not begin an escape. Brackets are kept, so that
// redaction marks ("?token=[REDACTED]") stay readable, as browsers keep
// them.
func escapeURL(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		bad := c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 ||
			c == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]))
		if !bad {
			if b.Len() > 0 {
				b.WriteByte(c)
			}
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s) + 16)
			b.WriteString(s[:i])
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// harHeaders returns h as name and value pairs, sorted by name, each
// value a pair; host, when not empty, is a Host header first.
func harHeaders(h http.Header, host string) []harNameVal {
	out := make([]harNameVal, 0, len(h)+1)
	if host != "" {
		out = append(out, harNameVal{Name: "Host", Value: host})
	}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range h[name] {
			out = append(out, harNameVal{Name: name, Value: v})
		}
	}
	return out
}

// harTrailers returns h as harHeaders does, or nil for none.
func harTrailers(h http.Header) []harNameVal {
	if len(h) == 0 {
		return nil
	}
	return harHeaders(h, "")
}

// headerValues returns the values of name in h, the name compared without
// regard to case, as a record's header comes from JSON and may not be in
// canonical form.
func headerValues(h http.Header, name string) []string {
	if v, ok := h[name]; ok {
		return v
	}
	var out []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			out = append(out, v...)
		}
	}
	return out
}

func headerFirst(h http.Header, name string) string {
	if v := headerValues(h, name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// harQuery returns the query parameters of the request target raw, in
// their order, names and values percent-decoded where they decode.
func harQuery(raw string) []harNameVal {
	out := []harNameVal{}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	_, query, ok := strings.Cut(raw, "?")
	if !ok {
		return out
	}
	return harPairs(out, query)
}

// harPairs appends the name=value pairs of a query or a form body.
func harPairs(out []harNameVal, s string) []harNameVal {
	for part := range strings.SplitSeq(s, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		out = append(out, harNameVal{Name: harUnescape(name), Value: harUnescape(value)})
	}
	return out
}

func harUnescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// requestCookies parses the Cookie headers of h: "name=value" pairs
// separated by ";". A pair without "=" (a whole header redacted to
// "[REDACTED]") is no cookie; the header still lists it.
func requestCookies(h http.Header) []harCookie {
	out := []harCookie{}
	for _, line := range headerValues(h, "Cookie") {
		for part := range strings.SplitSeq(line, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || strings.TrimSpace(name) == "" {
				continue
			}
			out = append(out, harCookie{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
		}
	}
	return out
}

// responseCookies parses the Set-Cookie headers of h, with their Path,
// Domain, Expires, HttpOnly and Secure attributes when the line parses as
// a Set-Cookie, else its first name=value pair only.
func responseCookies(h http.Header) []harCookie {
	out := []harCookie{}
	for _, line := range headerValues(h, "Set-Cookie") {
		if c, err := http.ParseSetCookie(line); err == nil {
			hc := harCookie{Name: c.Name, Value: c.Value, Path: c.Path, Domain: c.Domain, HTTPOnly: c.HttpOnly, Secure: c.Secure}
			if !c.Expires.IsZero() {
				hc.Expires = harTime(c.Expires)
			}
			out = append(out, hc)
			continue
		}
		first, _, _ := strings.Cut(line, ";")
		name, value, ok := strings.Cut(strings.TrimSpace(first), "=")
		if !ok || strings.TrimSpace(name) == "" {
			continue
		}
		out = append(out, harCookie{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	return out
}

// bodyMime returns the media type of a body: its own, else the header's.
func bodyMime(b Body, h http.Header) string {
	if b.ContentType != "" {
		return b.ContentType
	}
	return headerFirst(h, "Content-Type")
}

// bodyComment says how a stored body differs from the body that was
// sent, or "".
func bodyComment(b Body) string {
	switch {
	case b.Omitted:
		return fmt.Sprintf("body omitted when captured (%d bytes): the redaction rules keep no body of this type", b.Size)
	case b.Truncated:
		return fmt.Sprintf("body cut when captured: the first %d of %d bytes", len(b.Bytes()), b.Size)
	}
	return ""
}

// harRequestBody returns the postData of rec's request, or nil when it
// has no body.
func harRequestBody(rec *Record, kind string) *harPostData {
	b := rec.Request.Body
	if b.Size == 0 && b.Text == "" && b.Base64 == "" && len(b.JSON) == 0 && !b.Omitted {
		return nil
	}
	p := &harPostData{MimeType: bodyMime(b, rec.Request.Header), Comment: bodyComment(b)}
	comment := func(s string) {
		if p.Comment != "" {
			p.Comment += "; "
		}
		p.Comment += s
	}
	text := ""
	switch {
	case b.Omitted:
	case b.Base64 != "":
		text = b.Base64
		p.Encoding = "base64"
		comment("binary body in base64 (\"_encoding\"): HAR 1.2 defines an encoding for response content only")
	case !b.Truncated && isForm(p.MimeType):
		p.Params = harPairs(nil, b.Text)
		if len(p.Params) > 0 {
			return p
		}
		text = b.Text
	default:
		text = b.String()
	}
	p.Text = &text
	if kind == KindGRPC {
		comment("gRPC messages as protojson")
	}
	return p
}

// isForm reports whether the media type mt is
// application/x-www-form-urlencoded.
func isForm(mt string) bool {
	t, _, err := mime.ParseMediaType(mt)
	return err == nil && t == "application/x-www-form-urlencoded"
}

// harResponseContent returns the content of rec's response.
func harResponseContent(rec *Record) harContent {
	b := rec.Response.Body
	c := harContent{Size: harSize(b.Size), MimeType: bodyMime(b, rec.Response.Header), Comment: bodyComment(b)}
	switch {
	case b.Omitted:
	case b.Base64 != "":
		c.Text, c.Encoding = b.Base64, "base64"
	default:
		c.Text = b.String()
	}
	if rec.Kind == KindGRPC {
		if c.Comment != "" {
			c.Comment += "; "
		}
		c.Comment += "gRPC messages as protojson"
	}
	return c
}
