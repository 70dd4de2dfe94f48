package capture

import (
	"bytes"
	"mime"
	"strings"

	"github.com/reprokit/reprokit/internal/redact"
)

// Body returns body, of the given Content-Type, as it may be stored, in
// new memory, and whether it was omitted rather than redacted. truncated
// says that body is only the first part of the real body, cut at a size
// limit.
//
// The content type chooses the redactor:
//
//   - application/json and every +json type (application/x-ndjson and
//     application/jsonl too, as a sequence of values): the JSON redactor,
//     which keeps the document's shape, key order and number text.
//   - application/x-www-form-urlencoded: each field by name and value.
//   - multipart/*: each field by name and value, the header of each part
//     kept; file parts become "[omitted: N bytes]".
//   - text/* and textual application types (XML, YAML, JavaScript, CSV,
//     GraphQL, …): the text redactor (value patterns and sensitive
//     name=value pairs).
//   - no content type: JSON if it parses as JSON, else text if it is
//     text, else omitted.
//   - anything else, and text that is not UTF-8 or holds control bytes:
//     "[omitted: N bytes]", N the size of body, unless the type is in
//     Rules.KeepContentTypes.
//
// A JSON, form or multipart body that does not parse fails closed: it
// goes through the text redactor when it is text (omitted in allow-list
// mode), else it is omitted. Both count in [RedactorStats].Fallbacks.
//
// A truncated body is redacted as far as it goes, and then its last,
// cut-off token is masked whatever it is, since a secret cut in two may
// no longer be recognizable: the last string, number or key of a JSON
// body, the last field value of a form, the last part of a multipart
// body, the last word of text (and the digits before it, a card number
// cut in its groups). A truncated JSON body stays a prefix of a JSON
// text; it is not made valid.
//
// A body that already is a mark ("[omitted: N bytes]", [Placeholder]) is
// returned as it is, so that redacting twice changes nothing.
func (r *Redactor) Body(contentType string, body []byte, truncated bool) (out []byte, omitted bool) {
	return r.get().body(contentType, body, truncated, int64(len(body)))
}

// BodyWithSize is [Redactor.Body] for a body of size bytes of which body
// holds the first ones: a body that is omitted says its true size.
// truncated is size > len(body).
func (r *Redactor) BodyWithSize(contentType string, body []byte, size int64) (out []byte, omitted bool) {
	return r.get().body(contentType, body, size > int64(len(body)), max(size, int64(len(body))))
}

func (r *Redactor) body(contentType string, body []byte, truncated bool, size int64) ([]byte, bool) {
	out, omitted, _ := r.bodyKind(contentType, body, truncated, size)
	return out, omitted
}

// bodyKind is body, and reports whether out is one whole JSON value:
// the body parsed as JSON to its end, not truncated, not a sequence.
func (r *Redactor) bodyKind(contentType string, body []byte, truncated bool, size int64) (out []byte, omitted, oneJSON bool) {
	out, omitted, oneJSON = r.bodyOf(contentType, body, truncated, size)
	return out, omitted, oneJSON && !truncated
}

func (r *Redactor) bodyOf(contentType string, body []byte, truncated bool, size int64) ([]byte, bool, bool) {
	if len(body) == 0 && !truncated {
		return []byte{}, false, false
	}
	if redact.IsMarkBytes(body) {
		return bytes.Clone(body), bytes.HasPrefix(body, []byte("[omitted")), false
	}
	mt, params := mediaType(contentType)
	switch kindOf(mt) {
	case kindJSON:
		multi := mt == "application/x-ndjson" || mt == "application/jsonl" || mt == "application/x-jsonlines" || mt == "application/json-seq"
		if out, ok := r.json(body, truncated, multi); ok {
			return out, false, !multi
		}
		out, omitted := r.fallback(body, truncated, size)
		return out, omitted, false
	case kindForm:
		if out, ok := r.form(body, truncated); ok {
			return out, false, false
		}
		out, omitted := r.fallback(body, truncated, size)
		return out, omitted, false
	case kindMultipart:
		if out, ok := r.multipart(body, params["boundary"], truncated); ok {
			return out, false, false
		}
		out, omitted := r.fallback(body, truncated, size)
		return out, omitted, false
	case kindText:
		if (!r.allowList || r.keepType(mt)) && textual(body, truncated) {
			return r.text(body, truncated), false, false
		}
	case kindNone:
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && (t[0] == '{' || t[0] == '[') {
			if out, ok := r.json(body, truncated, false); ok {
				return out, false, true
			}
		}
		if !r.allowList && textual(body, truncated) {
			return r.text(body, truncated), false, false
		}
	default:
		if r.keepType(mt) {
			return r.text(body, truncated), false, false
		}
	}
	return r.omit(size), true, false
}

// fallback redacts a body that did not parse as its type said.
func (r *Redactor) fallback(body []byte, truncated bool, size int64) ([]byte, bool) {
	r.fallbacks.Add(1)
	if !r.allowList && textual(body, truncated) {
		return r.text(body, truncated), false
	}
	return r.omit(size), true
}

func (r *Redactor) omit(size int64) []byte {
	r.omitted.Add(1)
	return []byte(redact.Omitted(size))
}

type bodyKind uint8

const (
	kindOther bodyKind = iota
	kindNone
	kindJSON
	kindForm
	kindMultipart
	kindText
)

// mediaType returns the lower-case media type of a Content-Type and its
// parameters (parsed only for multipart types, which need the boundary).
func mediaType(contentType string) (string, map[string]string) {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if strings.HasPrefix(mt, "multipart/") {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			return mt, params
		}
	}
	return mt, nil
}

func kindOf(mt string) bodyKind {
	switch {
	case mt == "":
		return kindNone
	case mt == "application/json", strings.HasSuffix(mt, "+json"), mt == "text/json",
		mt == "application/x-ndjson", mt == "application/jsonl", mt == "application/x-jsonlines", mt == "application/json-seq":
		return kindJSON
	case mt == "application/x-www-form-urlencoded":
		return kindForm
	case strings.HasPrefix(mt, "multipart/"):
		return kindMultipart
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+xml"), strings.HasSuffix(mt, "+yaml"):
		return kindText
	}
	switch mt {
	case "application/xml", "application/javascript", "application/ecmascript",
		"application/x-javascript", "application/yaml", "application/x-yaml",
		"application/toml", "application/csv", "application/graphql",
		"application/sql", "application/jwt", "application/x-sh",
		"application/x-httpd-php", "message/http", "application/text":
		return kindText
	}
	return kindOther
}

// keepType reports whether the rules keep bodies of media type mt.
func (r *Redactor) keepType(mt string) bool {
	major, _, _ := strings.Cut(mt, "/")
	for _, t := range r.keepTypes {
		if t == mt || t == "*/*" || strings.HasSuffix(t, "/*") && t[:len(t)-2] == major {
			return true
		}
	}
	return false
}
