package capture

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/reprokit/reprokit/flags"
)

// Schema is the schema identifier every line that reprokit writes
// carries in its "schema" field. A reader refuses lines of another
// schema with [ErrSchema], so a file written by a later, incompatible
// version is never misread. The JSON Schema of a line is
// schema/record.v1.json in this package's directory.
const Schema = "reprokit.capture.v1"

// The kinds of line in a capture file, the value of Record.Kind.
const (
	// KindHTTP is an HTTP request and its response.
	KindHTTP = "http"
	// KindGRPC is a gRPC call: Request.Method is "POST", Request.URL the
	// full method ("/pkg.Service/Method"), the bodies the messages as
	// protojson and Response.Status the HTTP status of the call, with
	// the gRPC code and message in Record.GRPC.
	KindGRPC = "grpc"
	// KindEnv is an environment snapshot (see [Env]): a file sink writes
	// one the first time a file sees a record taken in it.
	KindEnv = "env"
)

// The reasons a request was captured, the value of Record.Reason.
const (
	// ReasonRate: drawn by the capture rate (Policy.Rate or a rule's).
	ReasonRate = "rate"
	// ReasonDebug: the request was in live debug mode (package
	// debugsample), by a token, a trusted caller or its rates.
	ReasonDebug = "debug"
	// ReasonFailure: the on-failure mode, for a response of 500 or more
	// or a panic.
	ReasonFailure = "failure"
	// ReasonManual: the record was built by code, not by the middleware.
	ReasonManual = "manual"
)

// Record is one captured request and its response, redacted: it holds no
// value that the [Redactor] of the middleware that made it did not pass.
// It is one line of a capture file (JSON Lines), whose shape is the
// JSON encoding of this type; see the package documentation.
//
// Records handed to a [Sink] must not be modified by it: a record may be
// shared by several sinks.
type Record struct {
	// Schema is [Schema].
	Schema string `json:"schema"`
	// Kind is [KindHTTP] or [KindGRPC].
	Kind string `json:"kind"`
	// ID identifies the record: 32 lower-case hex digits, random.
	ID string `json:"id"`
	// Start is when the request arrived, Duration how long the handler
	// took to return (in nanoseconds in JSON).
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`
	// CorrelationID is the request's ID from package correlation; empty
	// without one.
	CorrelationID string `json:"correlation_id,omitempty"`
	// TraceID and SpanID are the server span's, in lower-case hex; empty
	// without a span.
	TraceID string `json:"trace_id,omitempty"`
	SpanID  string `json:"span_id,omitempty"`
	// Reason is why the request was captured: [ReasonRate],
	// [ReasonDebug], [ReasonFailure] or [ReasonManual].
	Reason string `json:"reason"`
	// Request and Response are what the server received and answered.
	Request  Request  `json:"request"`
	Response Response `json:"response"`
	// GRPC holds the gRPC status of a [KindGRPC] record.
	GRPC *GRPCStatus `json:"grpc,omitempty"`
	// Error is the error the handler's response ended with, redacted, or
	// empty: "client disconnected", "hijacked" (the connection was taken
	// over, as by a WebSocket).
	Error string `json:"error,omitempty"`
	// Panic is the value the handler panicked with, redacted, or empty.
	Panic string `json:"panic,omitempty"`
	// Flags are the flags in force when the request ended (package flags),
	// when the middleware was given a Set.
	Flags []flags.FlagValue `json:"flags,omitempty"`
	// EnvID is the ID of the environment snapshot the record was taken
	// in, and Env the snapshot itself. Env is not part of the record's
	// JSON: a file sink writes the snapshot as its own line before the
	// first record of a file that refers to it, and a [Decoder] sets Env
	// again from it.
	EnvID string `json:"env_id,omitempty"`
	Env   *Env   `json:"-"`
}

// Request is the request part of a [Record].
type Request struct {
	// Method is the request method.
	Method string `json:"method"`
	// URL is the request target as the server received it: the path and
	// the redacted query ("/orders/42?token=[REDACTED]"), or an absolute
	// URL when the client sent one (a proxy request).
	URL string `json:"url"`
	// Host is the Host header, Proto the protocol ("HTTP/1.1").
	Host  string `json:"host,omitempty"`
	Proto string `json:"proto,omitempty"`
	// Route is the pattern that matched, when the handler's ServeMux set
	// it (http.Request.Pattern), such as "POST /orders/{id}".
	Route string `json:"route,omitempty"`
	// Header is the redacted request header, without Host.
	Header http.Header `json:"header,omitempty"`
	// Trailer is the redacted request trailer, if any.
	Trailer http.Header `json:"trailer,omitempty"`
	// Body is the request body.
	Body Body `json:"body"`
}

// Response is the response part of a [Record].
type Response struct {
	// Status is the status code sent, 200 when the handler wrote a body
	// without one, and 500 for a handler that panicked before it wrote
	// anything. 0 when no response was written (a hijacked connection).
	Status int `json:"status"`
	// Header is the redacted response header, as it was when the status
	// was sent.
	Header http.Header `json:"header,omitempty"`
	// Trailer is the redacted response trailer, if any.
	Trailer http.Header `json:"trailer,omitempty"`
	// Body is the response body.
	Body Body `json:"body"`
}

// GRPCStatus is the status a gRPC call ended with.
type GRPCStatus struct {
	// Code is the status code's name, such as "OK" or "Unavailable".
	Code string `json:"code"`
	// Message is the redacted status message.
	Message string `json:"message,omitempty"`
	// RequestMessages and ResponseMessages count the messages of a
	// stream, of which the record holds the first ones.
	RequestMessages  int64 `json:"request_messages,omitempty"`
	ResponseMessages int64 `json:"response_messages,omitempty"`
}

// Body is a request or response body as it was stored: redacted, and cut
// at the capture limit.
type Body struct {
	// ContentType is the Content-Type the body was sent with.
	ContentType string `json:"content_type,omitempty"`
	// Size is the body's true size in bytes: every byte the handler read
	// or wrote, or the Content-Length of a request body the handler did
	// not read to its end, if larger.
	Size int64 `json:"size"`
	// Truncated reports whether the stored body is only the first part
	// of the body, cut at the capture limit (or where the handler stopped
	// reading).
	Truncated bool `json:"truncated,omitempty"`
	// Omitted reports whether the body was not stored, as the Redactor
	// omits what it cannot redact; Text is then "[omitted: N bytes]".
	Omitted bool `json:"omitted,omitempty"`
	// JSON is the stored body when it is one JSON value, whole (not
	// truncated, not omitted), UTF-8 and on one line: it is embedded in
	// the record as it was sent, so that jq and other JSON tools read
	// into it. Text is the stored body when it is other UTF-8 text, and
	// Base64 (standard encoding, padded) when it is not text (a binary
	// type kept by Rules.KeepContentTypes). At most one of the three is
	// set; read the body with Bytes or String whichever it is.
	JSON   json.RawMessage `json:"json,omitempty"`
	Text   string          `json:"text,omitempty"`
	Base64 string          `json:"base64,omitempty"`
}

// String returns the stored body as text: JSON, Text, or the Base64 text.
func (b Body) String() string {
	switch {
	case len(b.JSON) > 0:
		return string(b.JSON)
	case b.Base64 != "":
		return b.Base64
	}
	return b.Text
}

// Bytes returns the stored body: JSON, Text, or Base64 decoded. A Base64
// that does not decode gives nil.
func (b Body) Bytes() []byte {
	if len(b.JSON) > 0 {
		return []byte(b.JSON)
	}
	if b.Base64 != "" {
		p, err := base64.StdEncoding.DecodeString(b.Base64)
		if err != nil {
			return nil
		}
		return p
	}
	return []byte(b.Text)
}

// storedLen returns len(b.Bytes()) without making the bytes.
func (b Body) storedLen() int {
	switch {
	case len(b.JSON) > 0:
		return len(b.JSON)
	case b.Base64 != "":
		return len(b.Bytes())
	}
	return len(b.Text)
}

// SetBytes stores p as Text when it is valid UTF-8, else as Base64.
func (b *Body) SetBytes(p []byte) {
	b.JSON, b.Text, b.Base64 = nil, "", ""
	if utf8.Valid(p) {
		b.Text = string(p)
		return
	}
	b.Base64 = base64.StdEncoding.EncodeToString(p)
}
