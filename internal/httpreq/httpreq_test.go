package httpreq

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestPatternBackThroughCopies(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) {})
	type key struct{}
	// Two layers that copy the request, as middlewares do.
	layer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inner := r.WithContext(context.WithValue(r.Context(), key{}, 1))
			next.ServeHTTP(w, inner)
			PatternBack(r, inner)
		})
	}
	outer := httptest.NewRequest("GET", "/orders/7", nil)
	layer(layer(mux)).ServeHTTP(httptest.NewRecorder(), outer)
	if outer.Pattern != "GET /orders/{id}" {
		t.Errorf("outer Pattern = %q", outer.Pattern)
	}
	// An outer pattern already set is kept.
	r := httptest.NewRequest("GET", "/", nil)
	r.Pattern = "/"
	in := r.WithContext(context.Background())
	in.Pattern = "/other"
	PatternBack(r, in)
	if r.Pattern != "/" {
		t.Errorf("Pattern overwritten: %q", r.Pattern)
	}
}

func TestValidToken(t *testing.T) {
	for s, want := range map[string]bool{
		"X-Request-ID": true, "GET": true, "a!#$%&'*+-.^_`|~z": true,
		"": false, "X Request": false, "a:b": false, "é": false, "a\r\n": false,
		string(make([]byte, 257)): false,
	} {
		if got := ValidToken(s); got != want {
			t.Errorf("ValidToken(%q) = %v, want %v", s, got, want)
		}
	}
}
