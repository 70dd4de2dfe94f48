package capture

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Summary is what a set of records holds, in numbers: what a capture file
// tells at a glance before its records are read one by one. Make one with
// [Summarize]; its JSON encoding is meant for scripts.
//
// A Summary counts only what was captured. A capture file does not know
// what was not: the records a full [AsyncSink] dropped, the requests past
// the rate cap, the errors of a sink. Those are counted in the service, by
// [Stats], [AsyncSinkStats] and [FileSinkStats], not in the file.
type Summary struct {
	// Records is how many records there are.
	Records int `json:"records"`
	// Kinds counts the records by kind ([KindHTTP], [KindGRPC]), sorted
	// by kind.
	Kinds []Count `json:"kinds,omitempty"`
	// First is the earliest Start of a record, Last the latest end of
	// one (Start plus Duration). Both are zero without records.
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	// Routes counts the records by route and status, the most frequent
	// first, then by route and status.
	Routes []RouteCount `json:"routes,omitempty"`
	// Statuses counts the records by response status, sorted by status.
	Statuses []StatusCount `json:"statuses,omitempty"`
	// Reasons counts the records by why they were captured
	// (Record.Reason), sorted by reason.
	Reasons []Count `json:"reasons,omitempty"`
	// Errors counts the records whose response ended with an error
	// (Record.Error), Panics those whose handler panicked.
	Errors int `json:"errors"`
	Panics int `json:"panics"`
	// TruncatedBodies counts the bodies, of requests and responses, that
	// were cut at the capture limit; OmittedBodies those that were not
	// stored (see [Body]).
	TruncatedBodies int `json:"truncated_bodies"`
	OmittedBodies   int `json:"omitted_bodies"`
	// Environments are the snapshots the records were taken in, the
	// most frequent first, then by ID.
	Environments []EnvCount `json:"environments,omitempty"`
	// WithoutEnv counts the records that name no snapshot.
	WithoutEnv int `json:"without_env"`
}

// Count is how many records of a [Summary] have a value, a kind or a
// reason.
type Count struct {
	Name    string `json:"name"`
	Records int    `json:"records"`
}

// StatusCount is how many records of a [Summary] have a response status.
type StatusCount struct {
	Status  int `json:"status"`
	Records int `json:"records"`
}

// RouteCount is how many records of a [Summary] have a route and a
// status.
type RouteCount struct {
	// Route is the request's method and route ("GET /orders/{id}"),
	// or, for a request without a route, its method and URL path
	// ("GET /orders/42").
	Route   string `json:"route"`
	Status  int    `json:"status"`
	Records int    `json:"records"`
}

// EnvCount is an environment snapshot that records of a [Summary] were
// taken in, and how many.
type EnvCount struct {
	// ID is the snapshot's ID (Record.EnvID).
	ID string `json:"id"`
	// Service, GoVersion and Revision (the build's vcs.revision) describe
	// the snapshot, when the records' files held it; else they are
	// empty.
	Service   string `json:"service,omitempty"`
	GoVersion string `json:"go_version,omitempty"`
	Revision  string `json:"revision,omitempty"`
	Records   int    `json:"records"`
}

// Summarize returns the [Summary] of recs. Nil records are skipped.
func Summarize(recs []*Record) Summary {
	var s Summary
	kinds := map[string]int{}
	reasons := map[string]int{}
	statuses := map[int]int{}
	type routeKey struct {
		route  string
		status int
	}
	routes := map[routeKey]int{}
	envs := map[string]*EnvCount{}
	for _, rec := range recs {
		if rec == nil {
			continue
		}
		s.Records++
		kinds[rec.Kind]++
		reasons[rec.Reason]++
		statuses[rec.Response.Status]++
		routes[routeKey{summaryRoute(&rec.Request), rec.Response.Status}]++
		if s.First.IsZero() || rec.Start.Before(s.First) {
			s.First = rec.Start
		}
		if end := rec.Start.Add(rec.Duration); s.Last.IsZero() || end.After(s.Last) {
			s.Last = end
		}
		if rec.Error != "" {
			s.Errors++
		}
		if rec.Panic != "" {
			s.Panics++
		}
		for _, b := range []*Body{&rec.Request.Body, &rec.Response.Body} {
			if b.Truncated {
				s.TruncatedBodies++
			}
			if b.Omitted {
				s.OmittedBodies++
			}
		}
		if rec.EnvID == "" {
			s.WithoutEnv++
			continue
		}
		e := envs[rec.EnvID]
		if e == nil {
			e = &EnvCount{ID: rec.EnvID}
			envs[rec.EnvID] = e
		}
		if e.Service == "" && e.GoVersion == "" && rec.Env != nil {
			e.Service = rec.Env.Service
			e.GoVersion = rec.Env.Runtime.GoVersion
			e.Revision = rec.Env.Build.Settings["vcs.revision"]
		}
		e.Records++
	}
	s.Kinds = counts(kinds)
	s.Reasons = counts(reasons)
	for st, n := range statuses {
		s.Statuses = append(s.Statuses, StatusCount{st, n})
	}
	slices.SortFunc(s.Statuses, func(a, b StatusCount) int { return a.Status - b.Status })
	for k, n := range routes {
		s.Routes = append(s.Routes, RouteCount{k.route, k.status, n})
	}
	slices.SortFunc(s.Routes, func(a, b RouteCount) int {
		return cmp.Or(b.Records-a.Records, strings.Compare(a.Route, b.Route), a.Status-b.Status)
	})
	for _, e := range envs {
		s.Environments = append(s.Environments, *e)
	}
	slices.SortFunc(s.Environments, func(a, b EnvCount) int {
		return cmp.Or(b.Records-a.Records, strings.Compare(a.ID, b.ID))
	})
	return s
}

// counts returns m as Counts sorted by name.
func counts(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for name, n := range m {
		out = append(out, Count{name, n})
	}
	slices.SortFunc(out, func(a, b Count) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// summaryRoute returns the route a Summary counts a request under: its
// route with its method, else its method and URL path.
func summaryRoute(q *Request) string {
	route := q.Route
	if route == "" {
		route = requestPath(q.URL)
	} else if routePath(route) != route {
		return route // has its method
	}
	return strings.TrimSpace(q.Method + " " + route)
}
