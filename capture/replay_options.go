package capture

import (
	"net/textproto"

	"github.com/reprokit/reprokit/correlation"
)

// The places a redacted value of a recorded request can be in, the first
// argument of the function given to [WithSubstitute].
const (
	// InHeader: a request header; the name is the canonical header name
	// ("Authorization") and the value returned replaces the whole header
	// value ("Bearer eyJ…").
	InHeader = "header"
	// InQuery: a query parameter; the name is the parameter's name.
	InQuery = "query"
	// InForm: a field of an application/x-www-form-urlencoded body; the
	// name is the field's name.
	InForm = "form"
	// InJSON: a string of a JSON body; the name is its path ("a.b[0].c",
	// see [WithIgnoreFields]) and the value returned replaces the whole
	// string.
	InJSON = "json"
	// InPath: a segment of the URL path; the name is the wildcard of the
	// record's route at that segment ("id" for "GET /orders/{id}"), or,
	// without one, the segment's position counted from 1 ("2" for the
	// second segment of "/orders/[REDACTED]").
	InPath = "path"
)

// A ReplayOption configures [Replay].
type ReplayOption interface {
	applyReplay(*replayConfig)
}

type replayOptionFunc func(*replayConfig)

func (f replayOptionFunc) applyReplay(c *replayConfig) { f(c) }

// replayConfig is what the options of one Replay call set.
type replayConfig struct {
	fill        func(where, name string) (string, bool)
	redactor    *Redactor // nil: the default rules
	ignore      []string
	headers     []string // canonical names
	headersSet  bool
	env         func() *Env
	requestIDHd string // canonical name
}

// defaultCompareHeaders are the response headers Replay compares by
// default. It is never modified.
var defaultCompareHeaders = []string{"Content-Type"}

// defaultRequestIDHeader is the header Replay sends a fresh request ID
// in by default, correlation's, in canonical form.
var defaultRequestIDHeader = textproto.CanonicalMIMEHeaderKey(correlation.DefaultHeader)

func newReplayConfig(opts []ReplayOption) *replayConfig {
	c := &replayConfig{requestIDHd: defaultRequestIDHeader}
	for _, o := range opts {
		if o != nil {
			o.applyReplay(c)
		}
	}
	if !c.headersSet {
		c.headers = defaultCompareHeaders
	}
	return c
}

// WithSubstitute gives [Replay] the values to send in place of the
// redacted ones of the recorded request: fill is called with where the
// value is ([InHeader], [InQuery], [InForm], [InJSON] or [InPath]) and
// its name, once for each value that holds a redaction mark
// ("[REDACTED]", "[REDACTED:1a2b3c4d]"), and returns the value to send
// and true, or false to leave the value as the default does.
//
// By default, and when fill returns false, a redacted header value,
// query parameter or form field is left out of the request, and a
// redacted JSON string or path segment is sent as it was recorded; each
// adds a warning to [ReplayResult].Warnings. The values fill returns are
// sent to the target only: they are never put into the result, its
// warnings or an error. A nil fill is ignored.
func WithSubstitute(fill func(where, name string) (string, bool)) ReplayOption {
	return replayOptionFunc(func(c *replayConfig) {
		if fill != nil {
			c.fill = fill
		}
	})
}

// WithIgnoreFields names JSON paths of the response body that the body
// comparison skips, with everything under them: fields that change on
// every call, such as IDs and timestamps. A path is keys joined by dots
// and array indexes in brackets ("meta.created_at", "items[0].id"); "*"
// stands for any one key or index ("items[*].updated_at", "meta.*"), a
// key that is not a plain word is written in quotes and brackets
// (`headers["x.y"]`). Several options add up; the default is none.
// [Replay] returns an error for a path it cannot read.
func WithIgnoreFields(paths ...string) ReplayOption {
	p := append([]string(nil), paths...)
	return replayOptionFunc(func(c *replayConfig) {
		c.ignore = append(c.ignore, p...)
	})
}

// WithCompareHeaders names the response headers that [Replay] compares,
// their values redacted on both sides. The default is Content-Type
// only; once the option is given, only the names of every
// WithCompareHeaders are compared, and WithCompareHeaders() with no
// names compares none.
func WithCompareHeaders(names ...string) ReplayOption {
	n := make([]string, 0, len(names))
	for _, name := range names {
		n = append(n, textproto.CanonicalMIMEHeaderKey(name))
	}
	return replayOptionFunc(func(c *replayConfig) {
		c.headersSet = true
		c.headers = append(c.headers, n...)
	})
}

// WithRequestIDHeader sets the header that carries the fresh request ID
// of the replayed request. The default, and an empty name, is
// correlation.DefaultHeader, "X-Request-ID". [Replay] returns an error
// for a name that is not a valid header name.
func WithRequestIDHeader(name string) ReplayOption {
	return replayOptionFunc(func(c *replayConfig) {
		if name != "" {
			c.requestIDHd = textproto.CanonicalMIMEHeaderKey(name)
		}
	})
}
