package redact

import (
	"strings"
	"testing"
)

func TestSensitiveName(t *testing.T) {
	for name, want := range map[string]bool{
		"Authorization": true, "COOKIE": true, "Set-Cookie": true, "X-Api-Key": true,
		"X-Auth-Token": true, "X-CSRF-Token": true, "X-Session-Id": true, "Password": true,
		"X-Hub-Signature-256": true, "Proxy-Authorization": true,
		"Content-Type": false, "User-Agent": false, "X-Request-ID": false, "Accept": false,
	} {
		if got := SensitiveName(name); got != want {
			t.Errorf("SensitiveName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSecretValue(t *testing.T) {
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlLWJ5dGVz"
	for v, want := range map[string]bool{
		"Bearer abc.def":          true,
		"basic dXNlcjpwYXNz":      true,
		jwt:                       true,
		"token=" + jwt + "; Path": true,
		"-----BEGIN RSA PRIVATE KEY-----\nMII…": true,
		"text/html":                  false,
		"eyJ-not-a-token":            false,
		"Bearer":                     false,
		"":                           false,
		"\xff\xfe":                   false,
		strings.Repeat("eyJ.", 1000): false,
	} {
		if got := SecretValue(v); got != want {
			t.Errorf("SecretValue(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestHeaderValues(t *testing.T) {
	in := []string{"a", "Bearer xyz"}
	got := HeaderValues("X-Custom", in)
	if got[0] != "a" || got[1] != Placeholder || in[1] != "Bearer xyz" {
		t.Errorf("HeaderValues = %q (input now %q)", got, in)
	}
	if got := HeaderValues("Cookie", []string{"a=b"}); got[0] != Placeholder {
		t.Errorf("Cookie kept: %q", got)
	}
}

// FuzzSecretValue checks the redactor never panics and that anything with
// a bearer prefix is always caught. Seeds in testdata/fuzz/FuzzSecretValue.
func FuzzSecretValue(f *testing.F) {
	f.Fuzz(func(t *testing.T, v string) {
		got := SecretValue(v)
		if strings.HasPrefix(v, "Bearer ") && len(v) > 7 && !got {
			t.Errorf("SecretValue(%q) = false for a bearer value", v)
		}
		hv := HeaderValues("X-Anything", []string{v})
		if got && hv[0] != Placeholder {
			t.Errorf("HeaderValues kept a secret value %q", v)
		}
	})
}
