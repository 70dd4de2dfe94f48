package redact

import (
	"regexp"
	"strings"
	"testing"
)

func mustRegexp(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// Fake secrets: none is, or ever was, a working credential.
const (
	fakeJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.FAKEsignatureFAKEsignature00"
	fakeGHP = "ghp_FAKEfake0123456789FAKEfake0123456789"
	fakePEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEFAKEFAKEFAKE\n-----END RSA PRIVATE KEY-----"
)

func mask(e *Engine, s string, text bool) string {
	var spans []Span
	if text {
		spans = e.FindText(nil, s)
	} else {
		spans = e.Find(nil, s)
	}
	return string(AppendMasked(nil, s, spans, NewMasker(false, nil)))
}

func TestFind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// Authorization credentials.
		{"Bearer abc.def-ghi", "Bearer [REDACTED]"},
		{"auth: bearer Tok3n", "auth: bearer [REDACTED]"},
		{"bearer tokens are short-lived", "bearer tokens are short-lived"},
		{`WWW-Authenticate: Bearer realm="api"`, `WWW-Authenticate: Bearer realm="api"`},
		{"Basic dXNlcjpwYXNz", "Basic [REDACTED]"},
		{"Basic aGVsbG8=", "Basic aGVsbG8="}, // "hello": no user:password
		{"basic auth is enabled", "basic auth is enabled"},
		// JSON Web Tokens.
		{"t=" + fakeJWT + "&x=1", "t=[REDACTED]&x=1"},
		{"eyJ-not-a-token", "eyJ-not-a-token"},
		{"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0"}, // two segments
		{strings.Repeat("eyJ.", 10), strings.Repeat("eyJ.", 10)},
		// Private keys, not public ones.
		{"k=" + fakePEM + " end", "k=[REDACTED] end"},
		{"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", "[REDACTED]"}, // no END: to the end
		{"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"},
		{"-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----"},
		// Card numbers: Luhn, first digit, groups, boundaries.
		{"pan 4111111111111111.", "pan [REDACTED]."},
		{"pan 4111 1111 1111 1111 exp 12/30", "pan [REDACTED] exp 12/30"},
		{"pan 5555-5555-5555-4444", "pan [REDACTED]"},
		{"amex 378282246310005", "amex [REDACTED]"},
		{"qty 2 4111 1111 1111 1111", "qty 2 [REDACTED]"},
		{"pan 4111111111111112", "pan 4111111111111112"}, // Luhn fails
		{"ts 1700000000000", "ts 1700000000000"},         // starts with 1
		{"id 41111111111111110000", "id 41111111111111110000"},
		{"x4111111111111111", "x4111111111111111"},
		{"4111111111111111abc", "4111111111111111abc"},
		{"v1.4111111111111111", "v1.4111111111111111"},
		// URL userinfo.
		{"dsn postgres://app:s3cret@db:5432/x", "dsn postgres://[REDACTED]@db:5432/x"},
		{"https://example.com/u@home", "https://example.com/u@home"},
		{"https://[REDACTED]@host", "https://[REDACTED]@host"},
		// Webhooks.
		{"https://hooks.slack.com/services/T0/B0/FAKEfake?x=1", "https://hooks.slack.com/services/[REDACTED]?x=1"},
		{"https://discord.com/api/webhooks/123/FAKE-fake", "https://discord.com/api/webhooks/[REDACTED]"},
		{"https://acme.webhook.office.com/webhookb2/FAKE@x/IncomingWebhook/y", "https://acme.webhook.office.com/[REDACTED]"},
		// Provider keys, whole tokens only.
		{"key " + fakeGHP, "key [REDACTED]"},
		{"x" + fakeGHP + "_suffix more", "[REDACTED] more"},
		{"id=AKIAIOSFODNN7EXAMPLE,", "id=[REDACTED],"},
		{"ghp_short", "ghp_short"},
		{"sk-management-system-configuration-entry", "sk-management-system-configuration-entry"},
		{"task-FAKEfake0000000000000000000000", "task-FAKEfake0000000000000000000000"},
		{"sk-FAKEfake0000000000000000000000", "[REDACTED]"},
		{"SG.FAKEfake000000000000.FAKEfakeFAKEfake0000000000000000000000000000000", "[REDACTED]"},
		{"xoxb-0000-0000-FAKEfakeFAKE", "[REDACTED]"},
		{"a 0000000000:AAFAKEfake000000000000000000000000000 b", "a [REDACTED] b"},
		{"abc8Q~FAKEfake000000000000000000000000000", "[REDACTED]"},
		{"FAKEfake000000.atlasv1.FAKEfake00000000000000000000000000000000000000000000000000000000", "[REDACTED]"},
		{"0123456789abcdef0123456789abcdef-us12", "[REDACTED]"},
		// After decoding.
		{"q=ghp%5FFAKEfake0123456789FAKEfake0123456789&x=1", "q=[REDACTED]&x=1"},
		{`"\u0067hp_FAKEfake0123456789FAKEfake0123456789"`, `"[REDACTED]"`},
		{"u=https%3A%2F%2Fhooks.slack.com%2Fservices%2FT0%2FB0%2FFAKE&ok=1", "u=https%3A%2F%2Fhooks.slack.com%2Fservices%2F[REDACTED]&ok=1"},
		// Nothing.
		{"", ""},
		{"plain text, 42 apples, 2024-05-01", "plain text, 42 apples, 2024-05-01"},
		{"\xff\xfe\x00", "\xff\xfe\x00"},
	} {
		if got := mask(Default(), tt.in, false); got != tt.want {
			t.Errorf("Find(%q):\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestFindText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"user=bob password=hunter2 x=1", "user=bob password=[REDACTED] x=1"},
		{`{"password": "a b c", "n": 1}`, `{"password": "[REDACTED]", "n": 1}`},
		{"Authorization: Digest username=\"a\", response=\"b\"\nNext: 1", "Authorization: [REDACTED]\nNext: 1"},
		{"  api_key: abc # yaml", "  api_key: [REDACTED]"},
		{"h x-api-key: abc, y", "h x-api-key: [REDACTED], y"},
		{"auth Authorization: Bearer abc more", "auth Authorization: [REDACTED] more"},
		{"<password>hunter2</password>", "<password>[REDACTED]</password>"},
		{"token => 'abc'", "token => '[REDACTED]'"},
		{"secret := abc;", "secret := [REDACTED];"},
		{`log={\"token\":\"abc\"}`, `log={\"token\":\"[REDACTED]\"}`},
		{`token: {"a": [1, "}"]} rest`, `token: [REDACTED] rest`},
		{"password==hunter2", "password==hunter2"},
		{"https://example.com/x", "https://example.com/x"},
		{"password=[REDACTED] token=[REDACTED:0123abcd]", "password=[REDACTED] token=[REDACTED:0123abcd]"},
		{"token_uri=https://oauth2.example/token", "token_uri=https://oauth2.example/token"},
		{"keyboard=us monkey: george", "keyboard=us monkey: george"},
		{"q=pass%77ord%3Dhunter2&x=1", "q=pass%77ord%3D[REDACTED]&x=1"},
		{"code=abc&state=xyz", "code=[REDACTED]&state=xyz"},
	} {
		if got := mask(Default(), tt.in, true); got != tt.want {
			t.Errorf("FindText(%q):\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestPatterns(t *testing.T) {
	re := mustRegexp(`EMP-\d{6}`)
	e := New(Config{Patterns: []*regexp.Regexp{re}})
	if got := mask(e, "employee xEMP-123456y ok", false); got != "employee [REDACTED] ok" {
		t.Errorf("pattern: %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("a nil pattern did not panic")
		}
	}()
	New(Config{Patterns: []*regexp.Regexp{nil}})
}

func TestTailStart(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // what is masked
	}{
		{"status ok token ghp_FAK", "ghp_FAK"},
		{"card 4111 1111 1111", "4111 1111 1111"},
		{"card 4111 1111 1111 ", "4111 1111 1111 "},
		{"a=1&b=abc", "b=abc"},
		{"done\n", ""},
		{"", ""},
		{"x 12 apples", "apples"},
	} {
		if got := tt.in[TailStart([]byte(tt.in)):]; got != tt.want {
			t.Errorf("TailStart(%q) masks %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMasker(t *testing.T) {
	plain := NewMasker(false, nil)
	if got := plain.Mark("x"); got != Placeholder {
		t.Errorf("plain mark %q", got)
	}
	a, b := NewMasker(true, []byte("key-a")), NewMasker(true, []byte("key-b"))
	if v1, v2 := a.Mark("v"), a.Mark("v"); v1 != v2 || v1 == a.Mark("w") || v1 == b.Mark("v") {
		t.Errorf("keyed marks: %q %q %q", a.Mark("v"), a.Mark("w"), b.Mark("v"))
	}
	if m := a.Mark("v"); len(m) != len("[REDACTED:12345678]") || !IsMark(m) {
		t.Errorf("mark %q", m)
	}
	r1, r2 := NewMasker(true, nil), NewMasker(true, nil)
	if r1.Mark("v") != r2.Mark("v") || r1.Mark("v") == a.Mark("v") {
		t.Error("the per-process key is not shared within the process")
	}
	for _, m := range []string{Placeholder, a.Mark("v"), Omitted(12)} {
		if !IsMark(m) || a.Mark(m) != m {
			t.Errorf("mark %q is marked again as %q", m, a.Mark(m))
		}
	}
	for _, s := range []string{"", "[REDACTED", "[REDACTED:1234567]", "[REDACTED:1234567g]", "[omitted: x bytes]", "[REDACTED] "} {
		if IsMark(s) {
			t.Errorf("IsMark(%q)", s)
		}
	}
}

func TestMerge(t *testing.T) {
	got := Merge([]Span{{5, 8}, {0, 2}, {1, 3}, {7, 10}, {4, 4}})
	want := []Span{{0, 3}, {5, 10}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Merge = %v, want %v", got, want)
	}
}

// FuzzFindText checks the detectors never panic, that every span is in
// bounds, and that masking is idempotent: what was masked is found again
// as nothing new. Seeds in testdata/fuzz/FuzzFindText.
func FuzzFindText(f *testing.F) {
	f.Add("password=hunter2 " + fakeJWT)
	f.Add("pan 4111 1111 1111 1111 " + fakePEM)
	f.Add("q=ghp%5FFAKEfake0123456789FAKEfake0123456789")
	f.Fuzz(func(t *testing.T, s string) {
		m := NewMasker(false, nil)
		spans := Default().FindText(nil, s)
		for _, sp := range spans {
			if sp.Start < 0 || sp.End > len(s) || sp.Start > sp.End {
				t.Fatalf("span %v out of %d bytes", sp, len(s))
			}
		}
		once := string(AppendMasked(nil, s, spans, m))
		twice := string(AppendMasked(nil, once, Default().FindText(nil, once), m))
		if once != twice {
			t.Errorf("masking twice changes %q:\n%q\n%q", s, once, twice)
		}
	})
}

func TestFindMore(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"n 1 0000000000:AAFAKEfake000000000000000000000000000 b", "n 1 [REDACTED] b"},
		{"HTTPS://HOOKS.SLACK.COM/services/T0/B0/FAKE", "HTTPS://HOOKS.SLACK.COM/services/[REDACTED]"},
		{"Bearer 0-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----", "Bearer [REDACTED]"},
		{"x.eyJzdWIiOiJGQUtFIn0.FAKEsig", "x.eyJzdWIiOiJGQUtFIn0.FAKEsig"}, // the first segment is too short
		{"yJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.FAKEsig", "[REDACTED]"},  // found by its payload
	} {
		if got := mask(Default(), tt.in, false); got != tt.want {
			t.Errorf("Find(%q):\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
