package capture

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reprokit/reprokit/flags"
)

func allowAll(*http.Request) bool { return true }

// getEnv serves a GET through h and decodes the snapshot as a capture
// file's reader does.
func getEnv(t *testing.T, h http.Handler) *Env {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/env", nil))
	require.Equal(t, http.StatusOK, w.Code)
	d := NewDecoder(strings.NewReader(w.Body.String()))
	_, err := d.Next()
	require.ErrorIs(t, err, io.EOF, "the body is not one snapshot line")
	envs := d.Envs()
	require.Len(t, envs, 1)
	return envs[0]
}

func TestEnvHandler(t *testing.T) {
	o := testEnvOptions(envSecretEnviron()...)
	o.HashKey = []byte("0123456789abcdef")
	h := EnvHandler(func(r *http.Request) bool { return r.Header.Get("X-Admin") == "yes" }, o)
	for _, tt := range []struct {
		name       string
		method     string
		admin      bool
		wantStatus int
		wantBody   string // prefix
		wantAllow  string
	}{
		{"unauthorized GET", http.MethodGet, false, http.StatusForbidden, "forbidden\n", ""},
		{"unauthorized POST", http.MethodPost, false, http.StatusForbidden, "forbidden\n", ""},
		{"POST", http.MethodPost, true, http.StatusMethodNotAllowed, "method not allowed", "GET, HEAD"},
		{"DELETE", http.MethodDelete, true, http.StatusMethodNotAllowed, "method not allowed", "GET, HEAD"},
		{"HEAD", http.MethodHead, true, http.StatusOK, "", ""},
		{"GET", http.MethodGet, true, http.StatusOK, `{"schema":"reprokit.capture.v1","kind":"env",`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/debug/env", nil)
			if tt.admin {
				r.Header.Set("X-Admin", "yes")
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.wantStatus, w.Code)
			assert.True(t, strings.HasPrefix(w.Body.String(), tt.wantBody), "body %q", w.Body.String())
			if tt.wantStatus != http.StatusOK {
				assert.NotContains(t, w.Body.String(), "{")
			}
			assert.Equal(t, tt.wantAllow, w.Header().Get("Allow"))
			assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			if tt.wantStatus == http.StatusOK {
				assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
				assert.NotEmpty(t, w.Header().Get("Content-Length"))
			}
			if tt.method == http.MethodHead {
				assert.Empty(t, w.Body.String())
			}
			assertNoSecret(t, "the response", w.Body.String())
		})
	}
}

func TestEnvHandlerBodyIsTheSnapshot(t *testing.T) {
	o := testEnvOptions("GOGC=50", "HOME=/root")
	want := TakeEnv(o)
	got := getEnv(t, EnvHandler(allowAll, o))
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.ID, got.ComputeID())
	assert.Equal(t, Schema, got.Schema)
	assert.Equal(t, KindEnv, got.Kind)
	assert.True(t, DiffEnv(want, got).Empty())

	// The plain JSON of the body is an Env too.
	w := httptest.NewRecorder()
	EnvHandler(allowAll, o).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	var direct Env
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &direct))
	assert.Equal(t, want.ID, direct.ID)
}

func TestEnvHandlerNilAuthorize(t *testing.T) {
	assert.PanicsWithValue(t, "capture: EnvHandler with a nil authorize", func() { EnvHandler(nil, nil) })
}

// TestEnvHandlerConcurrent serves snapshots while flags change, under
// -race: every response is a snapshot whose ID matches its content.
func TestEnvHandlerConcurrent(t *testing.T) {
	set := flags.NewSet(
		flags.WithKeys(flags.Bool("checkout.v2", false)),
		flags.WithLogger(slog.New(slog.DiscardHandler)),
	)
	o := testEnvOptions("GOGC=50")
	o.Flags = set
	o.HashKey = []byte("0123456789abcdef")
	h := EnvHandler(allowAll, o)

	var wg sync.WaitGroup
	ids := make(chan string, 64)
	for range 8 {
		wg.Go(func() {
			for range 8 {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
				var e Env
				if assert.NoError(t, json.Unmarshal(w.Body.Bytes(), &e)) {
					assert.Equal(t, e.ComputeID(), e.ID)
					ids <- e.ID
				}
			}
		})
	}
	wg.Go(func() {
		for i := range 20 {
			assert.NoError(t, set.Override("checkout.v2", i%2 == 0, time.Hour, "test"))
		}
	})
	wg.Wait()
	close(ids)
	distinct := map[string]bool{}
	for id := range ids {
		distinct[id] = true
	}
	assert.LessOrEqual(t, len(distinct), 3, "snapshots of 3 flag states at most")
}
