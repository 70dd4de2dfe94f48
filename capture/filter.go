package capture

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Filter selects records by what they hold: the IDs of a request, its
// route, status, method, why it was captured and when. It is plain data, so
// that a command line or a script fills it, and its zero value selects
// every record. A record matches when it matches every field that is set.
type Filter struct {
	// ID selects the record of this ID (Record.ID). Empty: any.
	ID string `json:"id,omitempty"`
	// CorrelationID and TraceID select the records of a request by its
	// correlation ID (as in the X-Request-ID header and in logs) or its
	// trace ID (lower-case hex, as a tracing backend shows it), compared
	// exactly. Empty: any.
	CorrelationID string `json:"correlation_id,omitempty"`
	TraceID       string `json:"trace_id,omitempty"`
	// Route selects the records whose Request.Route is Route, with or
	// without its method ("POST /orders/{id}" or "/orders/{id}"), or
	// whose URL path is Route ("/orders/42"). Empty: any.
	Route string `json:"route,omitempty"`
	// Method selects the records of this request method, compared
	// without regard to case. Empty: any.
	Method string `json:"method,omitempty"`
	// Status selects the records whose response status is one of these:
	// a value from 1 to 5 stands for a class (5 for 500 to 599, the
	// "5xx" of a command line), any other value for itself (0 for a
	// record without a response, such as a hijacked connection).
	// Empty: any status.
	Status []int `json:"status,omitempty"`
	// Reason selects the records captured for this reason
	// ([ReasonRate], [ReasonDebug], [ReasonFailure], [ReasonManual]).
	// Empty: any.
	Reason string `json:"reason,omitempty"`
	// Since and Until select the records whose request arrived (Start)
	// at or after Since, and before Until. Zero: no bound.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// Match reports whether rec is selected by f. A nil rec matches no
// filter.
func (f Filter) Match(rec *Record) bool {
	switch {
	case rec == nil:
		return false
	case f.ID != "" && rec.ID != f.ID,
		f.CorrelationID != "" && rec.CorrelationID != f.CorrelationID,
		f.TraceID != "" && rec.TraceID != f.TraceID,
		f.Reason != "" && rec.Reason != f.Reason,
		f.Method != "" && !strings.EqualFold(rec.Request.Method, f.Method),
		!f.Since.IsZero() && rec.Start.Before(f.Since),
		!f.Until.IsZero() && !rec.Start.Before(f.Until),
		len(f.Status) > 0 && !matchStatus(f.Status, rec.Response.Status),
		f.Route != "" && !matchRoute(f.Route, &rec.Request):
		return false
	}
	return true
}

func matchStatus(want []int, status int) bool {
	return slices.ContainsFunc(want, func(w int) bool {
		if w >= 1 && w <= 5 {
			return status/100 == w
		}
		return status == w
	})
}

// matchRoute reports whether route is the request's route, with or
// without its method, or its URL's path.
func matchRoute(route string, q *Request) bool {
	if q.Route != "" && (q.Route == route || routePath(q.Route) == route) {
		return true
	}
	p := requestPath(q.URL)
	return p != "" && p == route
}

// routePath returns a ServeMux pattern without its method: "/orders/{id}"
// for "POST /orders/{id}".
func routePath(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		return strings.TrimLeft(pattern[i:], " \t")
	}
	return pattern
}

// requestPath returns the path of a recorded request target
// (Request.URL), without its query: "/orders/42" for
// "/orders/42?token=[REDACTED]", and for an absolute URL its path. The
// path is decoded as net/url decodes it; a URL that does not parse gives
// the text before its query.
func requestPath(target string) string {
	if u, err := url.Parse(target); err == nil {
		if u.Opaque != "" {
			return u.Opaque
		}
		return u.Path
	}
	before, _, _ := strings.Cut(target, "?")
	return before
}
