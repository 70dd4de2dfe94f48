package capture

import (
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reprokit/reprokit/internal/redact"
)

// Placeholder replaces a redacted value when keyed-hash mode is off.
const Placeholder = redact.Placeholder

// MaxJSONDepth is how deep a JSON body may nest. An object or array
// deeper than this is replaced whole by a mark, unread.
const MaxJSONDepth = 128

// Rules say what a [Redactor] masks. The zero value is the defaults,
// described in the package documentation: sensitive names, OAuth
// parameters and value patterns everywhere, unparseable bodies omitted,
// secrets replaced by [Placeholder]. Every field adds to or relaxes the
// defaults; none is needed.
//
// Names (in Names, Keep and Allow) are compared whole, ignoring case and
// the way words are joined: "api_key", "API-Key", "apiKey" and "apikey"
// are one name. They apply alike to header names, query parameters, form
// fields, multipart field names and JSON keys at any depth.
//
// HashKey is a secret: a Rules value never prints it (see [Rules.String]).
type Rules struct {
	// Names are extra names whose values are always redacted, beside the
	// defaults. Nil means only the defaults.
	Names []string

	// Fragments are extra words that make a name sensitive wherever they
	// appear in it as a word, as the default fragments do ("ssn" catches
	// "user_ssn" and "ssnValue"). Nil means only the default fragments.
	Fragments []string

	// Keep are names exempt from the name rules, defaults and Names
	// alike, for a field that a default catches but holds no secret (an
	// OAuth-free API's "code", a "session_count"). Their values are still
	// checked by the value patterns: a JWT under a kept name is masked.
	// Keep: ["Cookie"] (or "Set-Cookie") masks only the values of the
	// cookies whose name is sensitive, where by default every cookie's
	// value is masked. Nil means no exceptions.
	Keep []string

	// AllowList turns on fail-closed mode: the values of headers, query
	// parameters, form and multipart fields and JSON keys are redacted
	// unless their name is in Allow. A name in Allow still follows the
	// other rules (a sensitive name needs Keep too). JSON objects and
	// arrays under a name not allowed are walked, so that allowed names
	// inside them are kept; object keys and the shape of the document
	// are kept. Free text cannot be allow-listed: text bodies are omitted
	// unless their type is in KeepContentTypes, and JSON bodies that do
	// not parse are omitted. False means the defaults.
	AllowList bool

	// Allow are the names whose values allow-list mode keeps. Ignored
	// unless AllowList is true.
	Allow []string

	// Hash turns on keyed-hash mode: a redacted value becomes
	// "[REDACTED:" + the first 8 hex digits of its HMAC-SHA256 + "]", so
	// that equal values have equal marks across records (the same session
	// cookie on two requests, the same card number). A non-empty HashKey
	// turns it on too. False (and no HashKey) means every secret becomes
	// [Placeholder].
	Hash bool

	// HashKey is the HMAC key of keyed-hash mode; it is copied. Empty
	// means a random key made once per process: marks match within a
	// process and never across processes. Use the same key in every
	// process whose records must match, and keep it secret: whoever has
	// it can test guesses of a value against its mark.
	HashKey []byte

	// KeepContentTypes are media types ("application/pdf", "image/*",
	// "*/*") whose bodies are kept although they cannot be parsed: they
	// pass through the text redactor instead of being replaced by
	// "[omitted: N bytes]". It also keeps multipart file parts of those
	// types, and text bodies in allow-list mode. Nil means bodies that
	// are not JSON, form, multipart or text are omitted.
	KeepContentTypes []string

	// Patterns are extra value patterns, applied wherever the default
	// ones are (headers, query, paths, JSON strings, form values, text).
	// A match is masked with the whole token around it. Nil entries
	// panic in NewRedactor. Nil means only the default patterns.
	Patterns []*regexp.Regexp
}

// String describes r without its hash key.
func (r Rules) String() string {
	return fmt.Sprintf("capture.Rules{Names:%q Fragments:%q Keep:%q AllowList:%t Allow:%q Hash:%t HashKey:%s KeepContentTypes:%q Patterns:%d}",
		r.Names, r.Fragments, r.Keep, r.AllowList, r.Allow, r.Hash || len(r.HashKey) > 0, keyNote(r.HashKey), r.KeepContentTypes, len(r.Patterns))
}

// LogValue describes r to log/slog without its hash key.
func (r Rules) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("names", r.Names),
		slog.Any("fragments", r.Fragments),
		slog.Any("keep", r.Keep),
		slog.Bool("allow_list", r.AllowList),
		slog.Any("allow", r.Allow),
		slog.Bool("hash", r.Hash || len(r.HashKey) > 0),
		slog.String("hash_key", keyNote(r.HashKey)),
		slog.Any("keep_content_types", r.KeepContentTypes),
		slog.Int("patterns", len(r.Patterns)),
	)
}

func keyNote(k []byte) string {
	if len(k) == 0 {
		return "none"
	}
	return Placeholder
}

// A Redactor masks secrets in the parts of an HTTP message before they are
// stored: header values, URLs, bodies and free text. Make one with
// [NewRedactor]; it compiles its rules once and is safe for concurrent
// use. A nil *Redactor redacts with the default rules.
//
// Every method returns new memory and never modifies its arguments.
type Redactor struct {
	engine    *redact.Engine
	mask      *redact.Masker
	allowList bool
	keepTypes []string // lower-case media types, "type/*" and "*/*" allowed

	values, omitted, fallbacks atomic.Uint64
}

// NewRedactor compiles r.
func NewRedactor(r Rules) *Redactor {
	x := &Redactor{
		engine: redact.New(redact.Config{
			Names:     r.Names,
			Fragments: r.Fragments,
			Keep:      r.Keep,
			AllowList: r.AllowList,
			Allow:     r.Allow,
			Patterns:  r.Patterns,
		}),
		mask:      redact.NewMasker(r.Hash || len(r.HashKey) > 0, r.HashKey),
		allowList: r.AllowList,
	}
	for _, t := range r.KeepContentTypes {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			x.keepTypes = append(x.keepTypes, t)
		}
	}
	return x
}

var defaultRedactor = sync.OnceValue(func() *Redactor { return NewRedactor(Rules{}) })

func (r *Redactor) get() *Redactor {
	if r == nil {
		return defaultRedactor()
	}
	return r
}

// String describes r without its hash key.
func (r *Redactor) String() string {
	r = r.get()
	return fmt.Sprintf("capture.Redactor{AllowList:%t Hash:%t}", r.allowList, r.mask.Hash())
}

// RedactorStats counts what a [Redactor] did since it was made.
type RedactorStats struct {
	// Values is how many values, or secrets inside values, were masked.
	Values uint64
	// Omitted is how many bodies or multipart file parts were replaced by
	// "[omitted: N bytes]".
	Omitted uint64
	// Fallbacks is how many JSON, form or multipart bodies did not parse
	// and were redacted as text or omitted instead.
	Fallbacks uint64
}

// Stats returns the counts of r. The nil Redactor's are those of the
// default rules, shared by every user of a nil Redactor in the process.
func (r *Redactor) Stats() RedactorStats {
	r = r.get()
	return RedactorStats{Values: r.values.Load(), Omitted: r.omitted.Load(), Fallbacks: r.fallbacks.Load()}
}

// Value returns value as it may be stored when it is called name: the
// mark of the whole value when the name is sensitive (or, in allow-list
// mode, not allowed), otherwise value with what the value patterns and
// sensitive name=value pairs find in it masked. An empty value stays
// empty.
func (r *Redactor) Value(name, value string) string {
	r = r.get()
	if value == "" {
		return ""
	}
	if r.engine.Name(name) != redact.Inspect {
		r.values.Add(1)
		return r.mask.Mark(value)
	}
	return r.Text(value)
}

// Text returns s with the secrets in it masked: what the value patterns
// find and the values of sensitive "name=value", "name: value" and
// <name>value</name> pairs. Allow-list mode does not apply to free text.
func (r *Redactor) Text(s string) string {
	r = r.get()
	var buf [8]redact.Span
	spans := r.engine.FindText(buf[:0], s)
	if len(spans) == 0 {
		return s
	}
	spans = redact.Merge(spans)
	r.values.Add(uint64(len(spans)))
	return string(redact.AppendMasked(make([]byte, 0, len(s)), s, spans, r.mask))
}

// Header returns the values of the header called name as they may be
// stored, in a new slice:
//
//   - Cookie and Set-Cookie: each cookie's value is masked, its name and
//     the cookie's attributes are kept ("session=[REDACTED]; Path=/").
//     With Cookie (or Set-Cookie) in Rules.Keep, only the values of
//     sensitive cookie names are masked.
//   - a sensitive name (or one not allowed in allow-list mode): the whole
//     value is masked, except the scheme of credentials
//     ("Bearer [REDACTED]");
//   - any other name: what the value patterns and sensitive pairs find is
//     masked, and the credentials of a value that starts with "Bearer " or
//     "Basic ".
func (r *Redactor) Header(name string, values []string) []string {
	r = r.get()
	if values == nil {
		return nil
	}
	return r.header(make([]string, len(values)), name, values)
}

// header fills out, of the length of values, with the values of the
// header called name as they may be stored, and returns it.
func (r *Redactor) header(out []string, name string, values []string) []string {
	d := r.engine.Name(name)
	cookie := strings.EqualFold(name, "Cookie")
	setCookie := strings.EqualFold(name, "Set-Cookie")
	for i, v := range values {
		switch {
		case v == "":
			out[i] = v
		case (cookie || setCookie) && d != redact.NotAllowed:
			out[i] = r.cookies(v, setCookie, d == redact.Inspect)
		case d != redact.Inspect:
			out[i] = r.credentials(v, true)
		default:
			out[i] = r.credentials(v, false)
		}
	}
	return out
}

// Headers returns h as it may be stored: a new map, every value passed
// through [Redactor.Header]. A nil h gives nil.
func (r *Redactor) Headers(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	r = r.get()
	out := make(http.Header, len(h))
	n := 0
	for _, values := range h {
		n += len(values)
	}
	all := make([]string, n) // one array for every value, as textproto does
	for name, values := range h {
		if values == nil {
			out[name] = nil
			continue
		}
		vs := all[:len(values):len(values)]
		all = all[len(values):]
		out[name] = r.header(vs, name, values)
	}
	return out
}

// credentials masks v, whole when all is true, keeping the scheme of
// "<scheme> <credentials>"; otherwise only the credentials of a bearer or
// basic value, and what the text rules find.
func (r *Redactor) credentials(v string, all bool) string {
	scheme, rest, ok := strings.Cut(v, " ")
	ok = ok && strings.TrimSpace(rest) != "" && isScheme(scheme, all)
	if ok {
		if redact.IsMark(strings.TrimSpace(rest)) {
			return v
		}
		r.values.Add(1)
		return scheme + " " + r.mask.Mark(strings.TrimLeft(rest, " "))
	}
	if all {
		r.values.Add(1)
		return r.mask.Mark(v)
	}
	return r.Text(v)
}

// isScheme reports whether w is an HTTP authentication scheme whose
// credentials follow it: any of them for a sensitive header (all), only
// Bearer and Basic elsewhere.
func isScheme(w string, all bool) bool {
	if strings.EqualFold(w, "Bearer") || strings.EqualFold(w, "Basic") {
		return true
	}
	if !all {
		return false
	}
	for _, s := range []string{"Digest", "Token", "Negotiate", "NTLM", "DPoP", "ApiKey", "AWS4-HMAC-SHA256", "HOBA", "Mutual", "SCRAM-SHA-256", "GNAP", "PrivateToken"} {
		if strings.EqualFold(w, s) {
			return true
		}
	}
	return false
}

// cookies masks the values of a Cookie header ("a=1; b=2") or of one
// Set-Cookie ("a=1; Path=/; HttpOnly": only the first pair is a cookie).
// byName masks only the values of sensitive names.
func (r *Redactor) cookies(v string, set, byName bool) string {
	var b strings.Builder
	b.Grow(len(v) + 16)
	first := true
	for part := range strings.SplitSeq(v, ";") {
		if !first {
			b.WriteByte(';')
		}
		cookie := first || !set
		first = false
		if !cookie {
			b.WriteString(r.Text(part))
			continue
		}
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			// A value without a name: nothing says it is harmless.
			if t := strings.TrimSpace(part); t != "" && !redact.IsMark(t) {
				b.WriteString(part[:len(part)-len(strings.TrimLeft(part, " "))])
				b.WriteString(r.mask.Mark(t))
				r.values.Add(1)
			} else {
				b.WriteString(part)
			}
			continue
		}
		b.WriteString(name)
		b.WriteByte('=')
		if byName && r.engine.Name(strings.TrimSpace(name)) == redact.Inspect {
			b.WriteString(r.Text(value))
			continue
		}
		if value == "" || redact.IsMark(value) {
			b.WriteString(value)
			continue
		}
		r.values.Add(1)
		b.WriteString(r.mask.Mark(value))
	}
	return b.String()
}
