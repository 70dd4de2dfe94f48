package capture

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// benchDoc builds a realistic JSON document of at least size bytes: an
// API response listing orders, with customers, addresses, line items,
// timestamps, prices, free-text notes and, here and there, credentials.
func benchDoc(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"object":"list","has_more":true,"next_page_token":"cGFnZS0y","data":[`)
	for i := 0; b.Len() < size; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"ord_%08d","created_at":"2024-05-%02dT10:%02d:00Z","status":"paid","amount":%d.%02d,"currency":"EUR",`+
			`"customer":{"id":"cus_%06d","name":"Customer %d","email":"customer%d@example.com","phone":"+33 1 23 45 67 %02d",`+
			`"address":{"line1":"%d rue de la Paix","city":"Paris","postal_code":"750%02d","country":"FR"}},`+
			`"items":[{"sku":"SKU-%04d","quantity":%d,"unit_price":19.99,"description":"Blue cotton t-shirt, size M"},`+
			`{"sku":"SKU-%04d","quantity":1,"unit_price":5,"description":"Gift wrapping"}],`+
			`"payment":{"method":"card","last4":"4242","brand":"visa","token":"tok_%016d"},`+
			`"metadata":{"source":"web","campaign":"spring-sale","session_id":"sess_%012d","user_agent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"},`+
			`"notes":"Customer asked for delivery after 6pm; leave at the door if absent.","tags":["priority","gift"],"refunded":false,"discount":null}`,
			i, i%28+1, i%60, 100+i%900, i%100, i, i, i, i%100, i%200, i%20,
			i%1000, 1+i%3, (i+7)%1000, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

// baselineRedact is what redaction costs without a tokenizer: decode
// into any, replace the values of sensitive keys, encode again.
func baselineRedact(body []byte) ([]byte, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, err
	}
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if baselineSensitive[strings.ToLower(k)] {
					t[k] = Placeholder
				} else {
					t[k] = walk(e)
				}
			}
		case []any:
			for i, e := range t {
				t[i] = walk(e)
			}
		}
		return v
	}
	return json.Marshal(walk(v))
}

var baselineSensitive = map[string]bool{"token": true, "session_id": true, "password": true, "api_key": true, "secret": true, "authorization": true}

func BenchmarkRedactJSON(b *testing.B) {
	doc := benchDoc(64 << 10)
	b.Run("reprokit", func(b *testing.B) {
		r := NewRedactor(Rules{})
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			r.Body("application/json", doc, false)
		}
	})
	b.Run("encoding_json_baseline", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := baselineRedact(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRedactHeaders(b *testing.B) {
	h := http.Header{
		"Accept":          {"application/json"},
		"Accept-Encoding": {"gzip, deflate, br"},
		"Authorization":   {"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLWJ5dGVz"},
		"Content-Type":    {"application/json"},
		"Cookie":          {"session=abc123; theme=dark"},
		"User-Agent":      {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36"},
		"X-Request-Id":    {"0192f1d4-7c1e-7a3b-9d2e-3f4a5b6c7d8e"},
		"Traceparent":     {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	}
	r := NewRedactor(Rules{})
	b.Run("Headers", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r.Headers(h)
		}
	})
	b.Run("Header/plain", func(b *testing.B) {
		v := h["User-Agent"]
		b.ReportAllocs()
		for b.Loop() {
			r.Header("User-Agent", v)
		}
	})
	b.Run("Header/authorization", func(b *testing.B) {
		v := h["Authorization"]
		b.ReportAllocs()
		for b.Loop() {
			r.Header("Authorization", v)
		}
	})
}

func BenchmarkRedactURL(b *testing.B) {
	r := NewRedactor(Rules{})
	for _, s := range []string{
		"/api/v1/orders/ord_00001234/items?limit=20&offset=40&sort=created_at",
		"/oauth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj&session_state=abc",
	} {
		u, _ := url.Parse(s)
		b.Run(u.Path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.URL(u)
			}
		})
	}
}
