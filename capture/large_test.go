package capture

import (
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
)

// largeInput is one 1 MiB input of a kind, ordinary or built to hurt a
// redactor (deep nesting, a key per line, one long token, escapes
// everywhere), with a FAKE secret planted near its end.
type largeInput struct {
	name, contentType string
	body              []byte
}

const largeSize = 1 << 20

func largeInputs(tb testing.TB) []largeInput {
	tb.Helper()
	repeat := func(unit string, tail string) []byte {
		return []byte(strings.Repeat(unit, largeSize/len(unit)) + tail)
	}
	var mp strings.Builder
	w := multipart.NewWriter(&mp)
	for i := 0; mp.Len() < largeSize; i++ {
		w.WriteField(fmt.Sprintf("field%d", i), "value with "+fakeGHP)
	}
	w.Close()
	return []largeInput{
		{"json/document", "application/json", benchDoc(largeSize)},
		{"json/deep", "application/json", []byte(strings.Repeat("[", largeSize/2) + strings.Repeat("]", largeSize/2))},
		{"json/deep-objects", "application/json", repeat(`{"a":`, "")},
		{"json/one-string", "application/json", []byte(`"` + strings.Repeat("a", largeSize) + fakeGHP + `"`)},
		{"json/escapes", "application/json", []byte(`["` + strings.Repeat(`\u0041\n`, largeSize/8) + fakeGHP + `"]`)},
		{"json/unique-keys", "application/json", func() []byte {
			var b strings.Builder
			b.WriteString("{")
			for i := 0; b.Len() < largeSize; i++ {
				fmt.Fprintf(&b, `"k%07d":%d,`, i, i)
			}
			b.WriteString(`"token":"x"}`)
			return []byte(b.String())
		}()},
		{"json/invalid", "application/json", repeat(`{"password": x, `, fakeGHP)},
		{"json/truncated", "application/json", benchDoc(largeSize)[:largeSize]},
		{"form/pairs", "application/x-www-form-urlencoded", repeat("name=value+with+spaces&password=hunter2&", "t="+fakeGHP)},
		{"form/escapes", "application/x-www-form-urlencoded", repeat("%41%42%43", "&t="+fakeGHP)},
		{"form/one-value", "application/x-www-form-urlencoded", []byte("q=" + strings.Repeat("a", largeSize) + fakeGHP)},
		{"multipart", w.FormDataContentType(), []byte(mp.String())},
		{"text/log", "text/plain", repeat("2024-05-01T10:00:00Z INFO GET /api/v1/orders?limit=20 user=alice status=200\n", fakeGHP)},
		{"text/pairs", "text/plain", repeat("token=abc ", fakeGHP)},
		{"text/digits", "text/plain", repeat("4111 ", "")},
		{"text/percent", "text/plain", repeat("%41", fakeGHP)},
		{"text/one-token", "text/plain", []byte(strings.Repeat("sk-", largeSize/3) + " " + fakeGHP)},
		{"text/jwt-like", "text/plain", repeat("eyJhbGciOiJub25lIn0.", fakeGHP)},
		{"text/urls", "text/plain", repeat("https://a:b@", fakeGHP)},
		{"text/quotes", "text/plain", repeat(`"password": "`, fakeGHP)},
		{"text/pem", "text/plain", repeat("-----BEGIN ", fakeGHP)},
		{"binary", "application/octet-stream", make([]byte, largeSize)},
	}
}

// TestLargeInputs runs every 1 MiB input through its redactor (and the
// URLs through URL): each finishes, and the planted secret is gone.
// BenchmarkRedactLarge measures them; the redactors are linear, with no
// input that makes them quadratic.
func TestLargeInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("1 MiB inputs")
	}
	r := NewRedactor(Rules{})
	for _, in := range largeInputs(t) {
		t.Run(in.name, func(t *testing.T) {
			out, _ := r.Body(in.contentType, in.body, in.name == "json/truncated")
			if strings.Contains(string(out), fakeGHP) {
				t.Error("the planted secret survives")
			}
			if in.name == "json/document" && !json.Valid(out) {
				t.Error("invalid JSON out")
			}
		})
	}
	t.Run("url", func(t *testing.T) {
		u := &url.URL{Path: strings.Repeat("/segment", largeSize/16) + "/" + fakeGHP, RawQuery: strings.Repeat("a=b&", largeSize/8) + "t=" + fakeGHP}
		if out := r.URL(u); strings.Contains(out, fakeGHP) {
			t.Error("the planted secret survives")
		}
	})
	t.Run("header", func(t *testing.T) {
		v := strings.Repeat("x=1; ", largeSize/10) + fakeGHP
		if out := r.Header("X-Big", []string{v}); strings.Contains(out[0], fakeGHP) {
			t.Error("the planted secret survives")
		}
	})
}

func BenchmarkRedactLarge(b *testing.B) {
	r := NewRedactor(Rules{})
	for _, in := range largeInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.body)))
			for b.Loop() {
				r.Body(in.contentType, in.body, in.name == "json/truncated")
			}
		})
	}
}
