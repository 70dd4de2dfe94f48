package flags

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"strconv"
	"time"
	"unicode/utf8"
)

// DefaultMaxBodySize is the largest admin request body read, in bytes,
// unless [WithMaxBodySize] says otherwise.
const DefaultMaxBodySize = 64 << 10

// AdminOption configures the handler made by [NewAdminHandler].
type AdminOption interface {
	applyAdmin(*adminConfig)
}

type adminOptionFunc func(*adminConfig)

func (f adminOptionFunc) applyAdmin(c *adminConfig) { f(c) }

type adminConfig struct {
	who          func(*http.Request) string
	maxBody      int64
	allowUnknown bool
}

// WithWho sets the function that names who made an admin request, for the
// log of every change: typically the authenticated user or client
// certificate that authorize checked. What it returns is escaped and cut
// to 128 bytes before it is logged; when it returns the empty string, the
// peer's address is used. The default is the peer's address
// (http.Request.RemoteAddr without the port), never a header, since any
// client can write one. A nil function is ignored.
func WithWho(who func(*http.Request) string) AdminOption {
	return adminOptionFunc(func(c *adminConfig) {
		if who != nil {
			c.who = who
		}
	})
}

// WithMaxBodySize sets the largest request body read, in bytes; a larger
// one is answered 413. The default is [DefaultMaxBodySize]; an n that is
// not positive is ignored.
func WithMaxBodySize(n int64) AdminOption {
	return adminOptionFunc(func(c *adminConfig) {
		if n > 0 {
			c.maxBody = n
		}
	})
}

// WithUnknownFlags sets whether overrides may be set for names the Set
// does not know. By default they may not, and such a request is answered
// 404: an override of a misspelt name would change nothing and say
// nothing. A name is known when a key of that name was given to
// [WithKeys] or read through the Set, when a provider other than an
// [Evaluator] has it, or when it has an override. With allow true, any
// valid name is accepted, up to the limit of [WithMaxOverrides].
func WithUnknownFlags(allow bool) AdminOption {
	return adminOptionFunc(func(c *adminConfig) { c.allowUnknown = allow })
}

// NewAdminHandler returns an HTTP handler to list the flags of s and set
// and clear overrides, for operators. Every request must first be approved
// by authorize, which typically checks a client certificate or a token
// against the service's own access control; a refused request gets a 403
// with no body, whatever its method, and is counted in
// [Stats].AdminRefused. NewAdminHandler panics if s or authorize is nil:
// there is no open default.
//
// The handler answers on any path it is mounted at:
//
//   - GET (or HEAD) lists the flags in force, as the JSON of a [Snapshot]:
//     {"flags":[{"name":…,"value":…,"source":…,"expires":…,"by":…}]}.
//   - POST or PUT, with Content-Type application/json and the body
//     {"name":"debug.enabled","value":true,"ttl":"10m"}, sets an override
//     (see [Set.Override]) and answers with the flag now in force. The
//     three fields are required, and no other is allowed; value is JSON
//     of the flag's type (a duration is a string such as "30s"); ttl is a
//     Go duration, positive and at most the Set's maximum (see
//     [WithMaxTTL]).
//   - DELETE with the query ?name=debug.enabled clears the override of
//     that flag and answers with the value now in force.
//
// Requests are untrusted: the body is capped (see [WithMaxBodySize]); it
// must be valid UTF-8 and one JSON object; names must be [ValidName];
// values may not hold control characters and are capped by
// [WithMaxValueSize]. Errors are answered 400, 404 (unknown flag, see
// [WithUnknownFlags], or no override to clear), 405, 409 (too many
// overrides), 413 or 415, with a JSON body {"error":"…"} whose message is
// fixed text that never repeats the request; each is counted in
// [Stats].AdminRejected. Every change is logged by the Set with who made
// it (see [WithWho]).
func NewAdminHandler(s *Set, authorize func(*http.Request) bool, opts ...AdminOption) http.Handler {
	if s == nil {
		panic("flags: NewAdminHandler with a nil Set")
	}
	if authorize == nil {
		panic("flags: NewAdminHandler with a nil authorize function")
	}
	c := adminConfig{who: peerAddress, maxBody: DefaultMaxBodySize}
	for _, o := range opts {
		if o != nil {
			o.applyAdmin(&c)
		}
	}
	return &adminHandler{s: s, authorize: authorize, cfg: c}
}

type adminHandler struct {
	s         *Set
	authorize func(*http.Request) bool
	cfg       adminConfig
}

func (h *adminHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.authorize(r) {
		h.s.adminRefused.Add(1)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		h.writeJSON(w, http.StatusOK, h.s.Snapshot())
	case http.MethodPost, http.MethodPut:
		h.set(w, r)
	case http.MethodDelete:
		h.clear(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST, PUT, DELETE")
		h.fail(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

func (h *adminHandler) set(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		h.fail(w, http.StatusUnsupportedMediaType, "content type must be application/json")
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			h.fail(w, http.StatusRequestEntityTooLarge, "body too large")
			return
		}
		h.fail(w, http.StatusBadRequest, "cannot read body")
		return
	}
	req, err := decodeAdminRequest(data)
	if err != nil {
		h.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	if !h.cfg.allowUnknown && !h.s.knows(req.Name) {
		h.fail(w, http.StatusNotFound, "unknown flag")
		return
	}
	switch err := h.s.Override(req.Name, req.Value, req.TTL, h.who(r)); {
	case err == nil:
		h.writeJSON(w, http.StatusOK, h.s.flag(req.Name))
	case errors.Is(err, ErrInvalidTTL):
		h.fail(w, http.StatusBadRequest, "ttl must be positive and at most "+h.s.maxTTL.String())
	case errors.Is(err, ErrValueTooLarge):
		h.fail(w, http.StatusRequestEntityTooLarge, "value too large")
	case errors.Is(err, ErrTooManyOverrides):
		h.fail(w, http.StatusConflict, "too many overrides")
	default:
		h.fail(w, http.StatusBadRequest, "value is not valid for this flag")
	}
}

func (h *adminHandler) clear(w http.ResponseWriter, r *http.Request) {
	names, ok := r.URL.Query()["name"]
	if !ok || len(names) != 1 || !ValidName(names[0]) {
		h.fail(w, http.StatusBadRequest, "one valid name query parameter is required")
		return
	}
	switch err := h.s.Clear(names[0], h.who(r)); {
	case err == nil:
		h.writeJSON(w, http.StatusOK, h.s.flag(names[0]))
	case errors.Is(err, ErrNoOverride):
		h.fail(w, http.StatusNotFound, "no override for this flag")
	default:
		h.fail(w, http.StatusBadRequest, "invalid request")
	}
}

// who names the maker of r, falling back to the peer address when the
// WithWho function has no answer.
func (h *adminHandler) who(r *http.Request) string {
	if who := h.cfg.who(r); who != "" {
		return who
	}
	return peerAddress(r)
}

func (h *adminHandler) fail(w http.ResponseWriter, status int, msg string) {
	h.s.adminBad.Add(1)
	h.writeJSON(w, status, struct {
		Error string `json:"error"`
	}{msg})
}

func (h *adminHandler) writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":"cannot encode the flags"}`)
	}
	body = append(body, '\n')
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// peerAddress is the default of WithWho: the address of the connection's
// peer, without the port.
func peerAddress(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().String()
	}
	if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		return a.String()
	}
	return "unknown"
}

// adminRequest is the body of a POST or PUT.
type adminRequest struct {
	Name  string
	Value json.RawMessage
	TTL   time.Duration
}

// requestError is a problem with an admin request, whose text is fixed and
// so safe to send back.
type requestError string

func (e requestError) Error() string { return string(e) }

const (
	errNotObject    requestError = "body must be one JSON object"
	errBadUTF8      requestError = "body must be valid UTF-8"
	errUnknownField requestError = "only the fields name, value and ttl are allowed"
	errTwice        requestError = "a field is given twice"
	errBadName      requestError = "name must be 1 to 128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit"
	errNoValue      requestError = "value is required and may not be null"
	errBadValue     requestError = "value must be JSON free of control characters"
	errBadTTL       requestError = "ttl is required: a positive duration such as \"10m\""
)

// decodeAdminRequest parses the body of a POST or PUT strictly: one JSON
// object with exactly the fields name, value and ttl, each once.
func decodeAdminRequest(data []byte) (adminRequest, error) {
	var req adminRequest
	if !utf8.Valid(data) {
		return req, errBadUTF8
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return req, errNotObject
	}
	var haveName, haveValue, haveTTL bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return req, errNotObject
		}
		field, _ := tok.(string)
		switch field {
		case "name":
			if haveName {
				return req, errTwice
			}
			haveName = true
			tok, err := dec.Token()
			name, ok := tok.(string)
			if err != nil || !ok || !ValidName(name) {
				return req, errBadName
			}
			req.Name = name
		case "value":
			if haveValue {
				return req, errTwice
			}
			haveValue = true
			if err := dec.Decode(&req.Value); err != nil {
				return req, errNotObject
			}
		case "ttl":
			if haveTTL {
				return req, errTwice
			}
			haveTTL = true
			tok, err := dec.Token()
			s, ok := tok.(string)
			if err != nil || !ok {
				return req, errBadTTL
			}
			if req.TTL, err = time.ParseDuration(s); err != nil || req.TTL <= 0 {
				return req, errBadTTL
			}
		default:
			return req, errUnknownField
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return req, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, errNotObject
	}
	switch {
	case !haveName:
		return req, errBadName
	case !haveValue || string(bytes.TrimSpace(req.Value)) == "null":
		return req, errNoValue
	case !haveTTL:
		return req, errBadTTL
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, req.Value); err != nil {
		return req, errBadValue
	}
	req.Value = buf.Bytes()
	if checkJSONText(req.Value) != nil {
		return req, errBadValue
	}
	return req, nil
}
