package capture

import (
	"net/url"
	"testing"
)

func TestURL(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct{ in, want string }{
		{"/api/v1/orders?limit=20&sort=created_at", "/api/v1/orders?limit=20&sort=created_at"},
		{"/cb?code=abc&state=xyz&session_state=s", "/cb?code=[REDACTED]&state=xyz&session_state=s"},
		{"/x?access_token=a&id_token=" + fakeJWT + "&token_type=Bearer", "/x?access_token=[REDACTED]&id_token=[REDACTED]&token_type=Bearer"},
		{"/x?q=" + fakeGHP, "/x?q=[REDACTED]"},
		{"https://user:pass@example.com/p", "https://%5BREDACTED%5D@example.com/p"},
		{"https://ghp_FAKEfake0123456789FAKEfake0123456789@github.com/o/r.git", "https://%5BREDACTED%5D@github.com/o/r.git"},
		{"/reset/" + fakeGHP + "/confirm", "/reset/[REDACTED]/confirm"},
		{"/keys/ghp%5FFAKEfake0123456789FAKEfake0123456789/x", "/keys/[REDACTED]/x"},
		{"/a%2Fb/" + fakeJWT, "/a%2Fb/[REDACTED]"},
		{"https://hooks.slack.com/services/T0/B0/FAKEfake", "https://hooks.slack.com/services/[REDACTED]/[REDACTED]/[REDACTED]"},
		{"/shop;jsessionid=ABC123?x=1", "/[REDACTED]?x=1"},
		{"https://app.example/cb#access_token=abc&expires_in=60", "https://app.example/cb#access_token=[REDACTED]&expires_in=60"},
		{"mailto:bob@example.com", "mailto:bob@example.com"},
		{"/x?", "/x?"},
		{"", ""},
		{"/", "/"},
		{"//host/p", "//host/p"},
		{"relative/path?token=x", "relative/path?token=[REDACTED]"},
		{"https://example.com", "https://example.com"},
		{"https://[::1]:8443/x?key=k", "https://[::1]:8443/x?key=[REDACTED]"},
	} {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got := r.URL(u)
		if got != tt.want {
			t.Errorf("URL(%q):\n got %q\nwant %q", tt.in, got, tt.want)
			continue
		}
		// The result parses, and redacting it again changes nothing.
		u2, err := url.Parse(got)
		if err != nil {
			t.Errorf("URL(%q) = %q does not parse: %v", tt.in, got, err)
			continue
		}
		if again := r.URL(u2); again != got {
			t.Errorf("URL(%q) again: %q, was %q", tt.in, again, got)
		}
	}
	if r.URL(nil) != "" {
		t.Error("URL(nil) is not empty")
	}
}

func TestURLHostSecret(t *testing.T) {
	r := NewRedactor(Rules{Hash: true, HashKey: []byte("k")})
	u, _ := url.Parse("https://" + fakeGHP + ".example.com/x")
	got := r.URL(u)
	if u2, err := url.Parse(got); err != nil || u2.Host == "" || len(got) == 0 {
		t.Errorf("host mark %q: %v", got, err)
	}
	if leak(got, fakeGHP) != "" {
		t.Errorf("host secret survives: %q", got)
	}
}
