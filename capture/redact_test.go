package capture

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Fake secrets for the table tests: none is, or ever was, a working
// credential (see testdata/secrets.json for the full corpus).
const (
	fakeJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.FAKEsignatureFAKEsignature00"
	fakeGHP = "ghp_FAKEfake0123456789FAKEfake0123456789"
	fakeKey = "FAKEapiKey9876543210"
)

func TestHeaderDefaults(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct {
		name, in, want string
	}{
		{"Authorization", "Bearer " + fakeJWT, "Bearer [REDACTED]"},
		{"Authorization", "Basic dXNlcjpwYXNz", "Basic [REDACTED]"},
		{"Authorization", "Digest username=\"a\", response=\"b\"", "Digest [REDACTED]"},
		{"Authorization", fakeKey, "[REDACTED]"},
		{"Authorization", "Bearer [REDACTED]", "Bearer [REDACTED]"},
		{"Proxy-Authorization", "Basic dXNlcjpwYXNz", "Basic [REDACTED]"},
		{"X-Api-Key", fakeKey, "[REDACTED]"},
		{"X-Auth-Token", fakeKey, "[REDACTED]"},
		{"Cookie", "theme=dark; session=abc", "theme=[REDACTED]; session=[REDACTED]"},
		{"Cookie", "lonely", "[REDACTED]"},
		{"Set-Cookie", "sid=abc; Path=/; Max-Age=60; HttpOnly", "sid=[REDACTED]; Path=/; Max-Age=60; HttpOnly"},
		{"X-Note", "see " + fakeGHP, "see [REDACTED]"},
		{"X-Note", "Bearer abc", "Bearer [REDACTED]"},
		{"X-Debug", "user=bob password=x", "user=bob password=[REDACTED]"},
		{"User-Agent", "curl/8.5.0", "curl/8.5.0"},
		{"Idempotency-Key", "order-42", "order-42"},
		{"X-Anything", "", ""},
	} {
		got := r.Header(tt.name, []string{tt.in})
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("Header(%q, %q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	if r.Header("X", nil) != nil {
		t.Error("Header of nil values is not nil")
	}
}

func TestHeadersNewMap(t *testing.T) {
	r := NewRedactor(Rules{})
	in := http.Header{"Authorization": {"Bearer x"}, "Accept": {"*/*"}}
	out := r.Headers(in)
	if in["Authorization"][0] != "Bearer x" {
		t.Error("Headers modified its input")
	}
	if out["Authorization"][0] != "Bearer [REDACTED]" || out["Accept"][0] != "*/*" {
		t.Errorf("Headers = %v", out)
	}
	out["Accept"][0] = "changed"
	if in["Accept"][0] != "*/*" {
		t.Error("Headers shares slices with its input")
	}
	if r.Headers(nil) != nil {
		t.Error("Headers(nil) is not nil")
	}
}

func TestRulesNames(t *testing.T) {
	r := NewRedactor(Rules{Names: []string{"X-Tenant-Ref", "ssn"}})
	if got := r.Value("x_tenant_ref", "t-1"); got != Placeholder {
		t.Errorf("Names: %q", got)
	}
	if got := r.Value("user_ssn", "123"); got != "123" {
		t.Errorf("Names are whole names: %q", got)
	}
	body, _ := r.Body("application/json", []byte(`{"SSN":"078-05-1120","name":"x"}`), false)
	if string(body) != `{"SSN":"[REDACTED]","name":"x"}` {
		t.Errorf("Names in JSON: %s", body)
	}
}

func TestRulesFragments(t *testing.T) {
	r := NewRedactor(Rules{Fragments: []string{"ssn"}})
	for name, want := range map[string]string{"user_ssn": Placeholder, "ssnValue": Placeholder, "lessness": "v"} {
		if got := r.Value(name, "v"); got != want {
			t.Errorf("Fragments: Value(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestRulesKeep(t *testing.T) {
	r := NewRedactor(Rules{Keep: []string{"code", "session_count", "Cookie"}})
	body, _ := r.Body("application/json", []byte(`{"code":"E42","session_count":3,"note":"`+fakeJWT+`","password":"x"}`), false)
	if want := `{"code":"E42","session_count":3,"note":"[REDACTED]","password":"[REDACTED]"}`; string(body) != want {
		t.Errorf("Keep:\n got %s\nwant %s", body, want)
	}
	// A kept code still has its value patterns checked.
	if got := r.Value("code", fakeGHP); got != Placeholder {
		t.Errorf("kept name, secret value: %q", got)
	}
	// Keep Cookie: only the sensitive cookies are masked.
	if got := r.Header("Cookie", []string{"theme=dark; session=abc"}); got[0] != "theme=dark; session=[REDACTED]" {
		t.Errorf("Keep Cookie: %q", got)
	}
}

func TestRulesAllowList(t *testing.T) {
	r := NewRedactor(Rules{AllowList: true, Allow: []string{"Content-Type", "id", "status", "items", "page", "Cookie", "theme"}})
	h := r.Headers(http.Header{"Content-Type": {"application/json"}, "X-Tenant": {"acme"}, "Cookie": {"theme=dark; session=x"}})
	if h["Content-Type"][0] != "application/json" || h["X-Tenant"][0] != Placeholder || h["Cookie"][0] != "theme=[REDACTED]; session=[REDACTED]" {
		t.Errorf("allow-list headers: %v", h)
	}
	u, _ := url.Parse("/orders?page=2&q=shoes")
	if got := r.URL(u); got != "/orders?page=2&q=[REDACTED]" {
		t.Errorf("allow-list URL: %s", got)
	}
	body, _ := r.Body("application/x-www-form-urlencoded", []byte("id=7&name=bob"), false)
	if string(body) != "id=7&name=[REDACTED]" {
		t.Errorf("allow-list form: %s", body)
	}
	body, _ = r.Body("application/json", []byte(`{"id":7,"name":"bob","items":[{"id":1,"sku":"x"}],"meta":{"status":"ok","n":null,"b":true},"s":"`+fakeGHP+`"}`), false)
	if want := `{"id":7,"name":"[REDACTED]","items":[{"id":1,"sku":"[REDACTED]"}],"meta":{"status":"ok","n":null,"b":"[REDACTED]"},"s":"[REDACTED]"}`; string(body) != want {
		t.Errorf("allow-list JSON:\n got %s\nwant %s", body, want)
	}
	// An allowed value still goes through the value patterns.
	body, _ = r.Body("application/json", []byte(`{"status":"`+fakeGHP+`"}`), false)
	if string(body) != `{"status":"[REDACTED]"}` {
		t.Errorf("allowed value with a secret: %s", body)
	}
	// Free text cannot be allow-listed: omitted, as is JSON that does not parse.
	for ct, in := range map[string]string{"text/plain": "id=7 hello", "application/json": `{"id": 7,`} {
		if out, omitted := r.Body(ct, []byte(in), false); !omitted || !strings.HasPrefix(string(out), "[omitted: ") {
			t.Errorf("allow-list %s: %s, omitted %v", ct, out, omitted)
		}
	}
	// A top-level scalar has no name: not allowed.
	if body, _ := r.Body("application/json", []byte(`"hello"`), false); string(body) != `"[REDACTED]"` {
		t.Errorf("allow-list top-level scalar: %s", body)
	}
	kept := NewRedactor(Rules{AllowList: true, KeepContentTypes: []string{"text/plain"}})
	if out, omitted := kept.Body("text/plain", []byte("hello "+fakeGHP), false); omitted || string(out) != "hello [REDACTED]" {
		t.Errorf("allow-list with a kept text type: %s", out)
	}
}

func TestRulesHash(t *testing.T) {
	a := NewRedactor(Rules{Hash: true, HashKey: []byte("key-a")})
	a2 := NewRedactor(Rules{HashKey: []byte("key-a")}) // a key turns hashing on
	b := NewRedactor(Rules{Hash: true, HashKey: []byte("key-b")})
	mark := regexp.MustCompile(`^\[REDACTED:[0-9a-f]{8}\]$`)
	v1, v2 := a.Value("password", "hunter2"), a.Value("password", "hunter2")
	if !mark.MatchString(v1) || v1 != v2 || v1 != a2.Value("password", "hunter2") {
		t.Errorf("equal values, equal marks: %q %q %q", v1, v2, a2.Value("password", "hunter2"))
	}
	if v1 == a.Value("password", "hunter3") {
		t.Error("different values, equal marks")
	}
	if v1 == b.Value("password", "hunter2") {
		t.Error("different keys, equal marks")
	}
	// The same secret in a header, a URL and a body has the same mark.
	h := a.Header("X-Api-Key", []string{fakeKey})[0]
	u, _ := url.Parse("/x?api_key=" + fakeKey)
	body, _ := a.Body("application/json", []byte(`{"apiKey":"`+fakeKey+`"}`), false)
	if !strings.Contains(a.URL(u), h) || !strings.Contains(string(body), h) {
		t.Errorf("marks differ across parts: %s %s %s", h, a.URL(u), body)
	}
	// No key: random per process, stable within it.
	r1, r2 := NewRedactor(Rules{Hash: true}), NewRedactor(Rules{Hash: true})
	if m := r1.Value("token", "v"); !mark.MatchString(m) || m != r2.Value("token", "v") || m == a.Value("token", "v") {
		t.Errorf("per-process key: %q %q", m, r2.Value("token", "v"))
	}
	// Marks are not hashed again.
	if again := a.Value("password", v1); again != v1 {
		t.Errorf("a mark was hashed again: %q", again)
	}
}

func TestRulesKeepContentTypes(t *testing.T) {
	pdf := []byte("%PDF-1.7 token=abc " + fakeGHP)
	if out, omitted := NewRedactor(Rules{}).Body("application/pdf", pdf, false); !omitted || string(out) != fmt.Sprintf("[omitted: %d bytes]", len(pdf)) {
		t.Errorf("pdf by default: %s", out)
	}
	r := NewRedactor(Rules{KeepContentTypes: []string{"application/pdf", "image/*"}})
	if out, omitted := r.Body("application/pdf", pdf, false); omitted || string(out) != "%PDF-1.7 token=[REDACTED] [REDACTED]" {
		t.Errorf("kept pdf: %s", out)
	}
	if _, omitted := r.Body("image/png", []byte("\x89PNG\r\n"), false); omitted {
		t.Error("image/* did not keep image/png")
	}
	if _, omitted := r.Body("video/mp4", []byte("\x00\x00"), false); !omitted {
		t.Error("video/mp4 kept")
	}
	if _, omitted := NewRedactor(Rules{KeepContentTypes: []string{"*/*"}}).Body("application/x-custom", []byte("x"), false); omitted {
		t.Error("*/* did not keep a custom type")
	}
}

func TestRulesPatterns(t *testing.T) {
	r := NewRedactor(Rules{Patterns: []*regexp.Regexp{regexp.MustCompile(`EMP-\d{6}`)}})
	if got := r.Text("employee EMP-123456 joined"); got != "employee [REDACTED] joined" {
		t.Errorf("pattern in text: %q", got)
	}
	body, _ := r.Body("application/json", []byte(`{"e":"EMP-123456","n":1}`), false)
	if string(body) != `{"e":"[REDACTED]","n":1}` {
		t.Errorf("pattern in JSON: %s", body)
	}
	u, _ := url.Parse("/staff/EMP-123456/profile")
	if got := r.URL(u); got != "/staff/[REDACTED]/profile" {
		t.Errorf("pattern in a path: %s", got)
	}
}

func TestTextAndValue(t *testing.T) {
	r := NewRedactor(Rules{})
	if got := r.Text("login password=hunter2 then " + fakeGHP); got != "login password=[REDACTED] then [REDACTED]" {
		t.Errorf("Text: %q", got)
	}
	if got := r.Value("note", "ok"); got != "ok" {
		t.Errorf("Value kept: %q", got)
	}
	if got := r.Value("client_secret", "abc"); got != Placeholder {
		t.Errorf("Value sensitive: %q", got)
	}
	if got := r.Value("password", ""); got != "" {
		t.Errorf("empty value: %q", got)
	}
}

func TestStats(t *testing.T) {
	r := NewRedactor(Rules{})
	r.Header("Authorization", []string{"Bearer x"})
	r.Body("application/octet-stream", []byte{0, 1}, false)
	r.Body("application/json", []byte(`{"password":"x","token":"y"}`), false)
	r.Body("application/json", []byte(`{bad json, password=x`), false)
	s := r.Stats()
	if s.Values != 4 || s.Omitted != 1 || s.Fallbacks != 1 {
		t.Errorf("Stats = %+v, want 4 values, 1 omitted, 1 fallback", s)
	}
}

func TestNilRedactor(t *testing.T) {
	var r *Redactor
	if got := r.Header("Authorization", []string{"Bearer x"}); got[0] != "Bearer [REDACTED]" {
		t.Errorf("nil Header: %q", got)
	}
	if body, _ := r.Body("application/json", []byte(`{"password":"x"}`), false); string(body) != `{"password":"[REDACTED]"}` {
		t.Errorf("nil Body: %s", body)
	}
	_ = r.Stats()
	_ = r.String()
}

func TestRulesNeverPrintTheKey(t *testing.T) {
	key := []byte("super-secret-hash-key")
	rules := Rules{Hash: true, HashKey: key}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("rules", "rules", rules)
	r := NewRedactor(rules)
	for _, s := range []string{fmt.Sprint(rules), fmt.Sprintf("%v %+v %s", rules, rules, rules), buf.String(), fmt.Sprint(r), fmt.Sprintf("%v %+v", r, r)} {
		if strings.Contains(s, string(key)) || strings.Contains(s, fmt.Sprint(key)) {
			t.Errorf("the hash key is printed: %s", s)
		}
	}
	if !strings.Contains(buf.String(), `"hash":true`) {
		t.Errorf("LogValue: %s", buf.String())
	}
}

func TestNewRedactorDoesNotKeepSlices(t *testing.T) {
	key := []byte("key-1")
	names := []string{"alpha"}
	r := NewRedactor(Rules{HashKey: key, Names: names})
	before := r.Value("alpha", "v")
	key[0], names[0] = 'X', "beta"
	if r.Value("alpha", "v") != before || r.Value("beta", "v") != "v" {
		t.Error("NewRedactor keeps the caller's slices")
	}
}

// TestConcurrentUse runs the corpus through one Redactor from several
// goroutines at once (with -race): the name cache and the pools are
// shared, and every result equals the one computed alone.
func TestConcurrentUse(t *testing.T) {
	cases := loadCorpus(t)
	for _, rules := range []Rules{{}, {Hash: true}} {
		want := make([]string, len(cases))
		for i, c := range cases {
			want[i] = redactCase(t, NewRedactor(rules), c)
		}
		r := NewRedactor(rules)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for k := range cases {
					i := (k + g*7) % len(cases)
					if got := redactCase(t, r, cases[i]); got != want[i] {
						t.Errorf("%s: concurrent result differs:\n%s\n%s", cases[i].Name, got, want[i])
					}
				}
			})
		}
		wg.Wait()
	}
}
