// Package httpreq holds what reprokit's middlewares share about the
// requests they pass on.
package httpreq

import "net/http"

// PatternBack copies to outer the pattern that http.ServeMux set on inner,
// the copy of outer (made with WithContext) that a middleware passed down.
//
// ServeMux records the matched pattern on the request it is given. A
// middleware that copies the request hides it from every layer above, so
// tracing could not name its span "GET /orders/{id}" with another
// middleware between it and the router. Each reprokit middleware calls
// PatternBack after its handler returns, as ServeMux would have set the
// field on outer had there been no copy.
func PatternBack(outer, inner *http.Request) {
	if outer != inner && outer.Pattern == "" && inner.Pattern != "" {
		outer.Pattern = inner.Pattern
	}
}
