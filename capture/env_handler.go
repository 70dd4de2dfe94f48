package capture

import (
	"net/http"
	"strconv"
)

// EnvHandler returns a handler that serves the snapshot of the running
// service, as [TakeEnv] takes it with o, so that `debugctl env diff` can
// compare a live service with another one or with a capture file.
//
// The body is the JSON object of one capture-file line ([AppendEnv]:
// Schema and Kind set), so that a reader parses a response and a file's
// line alike, with Content-Type application/json and Cache-Control
// no-store. A request for which authorize returns false gets 403 and the
// body "forbidden", which says nothing of why; there is no open default,
// and a nil authorize panics. Methods other than GET and HEAD get 405 with
// an Allow header, after authorization, so that an unauthorized caller
// learns nothing of the endpoint.
//
// Each request takes a fresh snapshot, as flags change at runtime: an
// authorized admin endpoint is called rarely, and a snapshot costs a few
// file reads and a hash per variable. o is read when EnvHandler is called
// (a later change to it has no effect); it may be nil. The handler is
// safe for concurrent use.
func EnvHandler(authorize func(*http.Request) bool, o *EnvOptions) http.Handler {
	if authorize == nil {
		panic("capture: EnvHandler with a nil authorize")
	}
	return &envHandler{authorize: authorize, taker: newEnvTaker(o)}
}

type envHandler struct {
	authorize func(*http.Request) bool
	taker     *envTaker
}

func (h *envHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !h.authorize(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := AppendEnv(nil, h.taker.take())
	if err != nil {
		// Unreachable for a snapshot of TakeEnv, which encodes; say
		// nothing of its content.
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Write(body)
}
