package respwriter_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/reprokit/reprokit/internal/respwriter"
)

// bytesSeen counts what the client was sent.
type bytesSeen struct {
	status int
	n      int
}

func (b *bytesSeen) WroteHeader(code int)  { b.status = code }
func (b *bytesSeen) Wrote(_ []byte, n int) { b.n += n }

// A middleware wraps the writer once, and reads what the handler did
// after it returns; the wrapper keeps the writer's optional interfaces.
func ExampleWrap() {
	var seen bytesSeen
	rec := httptest.NewRecorder()
	w := respwriter.Wrap(rec, &seen)
	http.Error(w, "no such order", http.StatusNotFound)
	_, flusher := w.(http.Flusher)
	fmt.Println(seen.status, seen.n, respwriter.Of(w).Status(), flusher)
	// Output: 404 14 404 true
}
