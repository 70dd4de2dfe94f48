package debugsample_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/reprokit/reprokit/debugsample"
)

// A signed token makes one request live, within its scope and its time.
// A forged one is ignored and counted, never logged.
func ExampleNewToken() {
	key := []byte("a 32-byte secret from your vault") // the service and whoever mints share it
	token, err := debugsample.NewToken(key, 10*time.Minute, "POST /orders/")
	if err != nil {
		fmt.Println(err)
		return
	}

	logger := slog.New(debugsample.NewLogHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: dropTime})))
	stats := new(debugsample.Stats)
	h := debugsample.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.DebugContext(r.Context(), "pricing", "path", r.URL.Path)
	}), debugsample.WithTokenKeys(key), debugsample.WithStats(stats))

	for _, c := range []struct{ path, token string }{
		{"/orders/7", token},        // live
		{"/orders/8", forge(token)}, // forged: ignored
		{"/users/1", token},         // out of scope: ignored
		{"/orders/9", ""},           // no token: off
	} {
		r := httptest.NewRequest("POST", c.path, nil)
		if c.token != "" {
			r.Header.Set("X-Debug-Token", c.token)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	fmt.Println("accepted:", stats.TokensAccepted(),
		"forged:", stats.TokensRefused(debugsample.TokenForged),
		"out of scope:", stats.TokensRefused(debugsample.TokenOutOfScope))
	// Output:
	// {"level":"DEBUG","msg":"pricing","path":"/orders/7"}
	// accepted: 1 forged: 1 out of scope: 1
}

// forge changes the signature of a token, keeping its form.
func forge(token string) string {
	return token[:len(token)-10] + "AAAAAAAA" + token[len(token)-2:]
}
