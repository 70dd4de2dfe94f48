package bench_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/reprokit/reprokit/correlation"
)

// incomingID is a valid incoming ID of the usual length: a UUIDv7.
const incomingID = "0192f0c4-7a1e-7b3c-9d2e-4f5a6b7c8d9e"

// requestCase is one kind of incoming request.
type requestCase struct {
	name     string
	incoming string // the request's X-Request-ID; none if empty
}

var requestCases = []requestCase{
	{name: "valid_id", incoming: incomingID},
	{name: "new_id"},
}

// newRequest returns the request of tc. None of the stacks modifies the
// request it is given (they work on copies), so one serves every iteration.
func newRequest(tc requestCase) *http.Request {
	r, err := http.NewRequest(http.MethodGet, "http://example.com/v1/orders/42", nil)
	if err != nil {
		panic(err)
	}
	r.RemoteAddr = "192.0.2.10:51234"
	if tc.incoming != "" {
		r.Header.Set(correlation.DefaultHeader, tc.incoming)
	}
	return r
}

// requestIDImpl is one way to give a request an ID.
type requestIDImpl struct {
	name string
	wrap func(http.Handler) http.Handler
	// ctxID returns the ID the stack put in the request context, "" if none.
	ctxID func(context.Context) string
	// echoes reports whether the stack sets the ID on the response.
	echoes bool
}

var requestIDImpls = []requestIDImpl{
	{
		name:  "bare",
		wrap:  func(h http.Handler) http.Handler { return h },
		ctxID: func(context.Context) string { return "" },
	},
	{
		// chi's RequestID keeps any non-empty incoming value unchecked,
		// or makes "host/random-000001"; it does not set a response header.
		name:  "chi",
		wrap:  middleware.RequestID,
		ctxID: middleware.GetReqID,
	},
	{
		name: "reprokit",
		wrap: func(h http.Handler) http.Handler { return correlation.NewHandler(h) },
		ctxID: func(ctx context.Context) string {
			id, _ := correlation.FromContext(ctx)
			return id
		},
		echoes: true,
	},
}

// writer is the http.ResponseWriter of every request benchmark: one writer,
// reused, whose header map is cleared (not replaced) before each request, so
// it keeps its buckets and costs nothing per request. httptest.NewRecorder
// is not used because a recorder per request allocates itself, a header
// map and a body buffer, and clones the header on WriteHeader: more than the
// middleware under test, which it would bury. With this writer, bare
// measures only the handler and every allocation above it is the stack's.
type writer struct {
	header http.Header
	status int
	n      int
}

func newWriter() *writer { return &writer{header: make(http.Header, 4)} }

func (w *writer) Header() http.Header { return w.header }

func (w *writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

func (w *writer) reset() {
	clear(w.header)
	w.status = 0
	w.n = 0
}

var body = []byte(`{"id":42,"status":"shipped"}` + "\n")

// app is the handler under every stack: it does what a small real handler
// does, set the content type and write a short body. Its own cost (one
// allocation, in Header().Set) is in bare and in every other stack.
var app = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
})

// logImpl is one slog.Handler writing JSON to out.
type logImpl struct {
	name string
	new  func(out io.Writer) slog.Handler
	// stamps reports whether records carry the context's ID.
	stamps bool
}

var logImpls = []logImpl{
	{
		name: "json",
		new:  func(out io.Writer) slog.Handler { return slog.NewJSONHandler(out, nil) },
	},
	{
		name: "reprokit",
		new: func(out io.Writer) slog.Handler {
			return correlation.NewLogHandler(slog.NewJSONHandler(out, nil))
		},
		stamps: true,
	},
}

// logCall is the log call of every log benchmark: a request-scoped record
// with three attributes of its own.
func logCall(logger *slog.Logger, ctx context.Context) {
	logger.LogAttrs(ctx, slog.LevelInfo, "charged card",
		slog.String("order", "A-1042"),
		slog.Int("cents", 1999),
		slog.Bool("retry", false),
	)
}
