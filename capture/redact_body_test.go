package capture

import (
	"strings"
	"testing"
)

func TestBodyDispatch(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct {
		ct, in    string
		truncated bool
		want      string
		omitted   bool
	}{
		{"text/plain", "token=abc ok", false, "token=[REDACTED] ok", false},
		{"text/html; charset=utf-8", "<input name=x value=" + fakeGHP + ">", false, "<input name=x value=[REDACTED]>", false},
		{"application/xml", "<a><password>x</password></a>", false, "<a><password>[REDACTED]</password></a>", false},
		{"application/soap+xml", "<secret>x</secret>", false, "<secret>[REDACTED]</secret>", false},
		{"application/yaml", "api_key: abc\nname: x", false, "api_key: [REDACTED]\nname: x", false},
		{"application/graphql", `mutation { login(password: "x") }`, false, `mutation { login(password: "[REDACTED]") }`, false},
		{"application/jwt", fakeJWT, false, "[REDACTED]", false},
		{"application/octet-stream", "\x00\x01\x02", false, "[omitted: 3 bytes]", true},
		{"application/x-protobuf", "password=x", false, "[omitted: 10 bytes]", true},
		{"image/png", "\x89PNG", false, "[omitted: 4 bytes]", true},
		{"text/plain", "nul\x00byte", false, "[omitted: 8 bytes]", true},
		{"text/plain", "latin-1 caf\xe9", false, "[omitted: 12 bytes]", true},
		{"text/plain", "cut in a rune \xc3", true, "cut in a rune [REDACTED]", false},
		{"text/plain", "status ok token ghp_FAKEf", true, "status ok token [REDACTED]", false},
		{"", `{"password":"x"}`, false, `{"password":"[REDACTED]"}`, false},
		{"", "password=x and more", false, "password=[REDACTED] and more", false},
		{"", "\x00\x01", false, "[omitted: 2 bytes]", true},
		{"", `{"broken": password=x`, false, `{"broken": password=[REDACTED]`, false},
		{"application/json", "", false, "", false},
		{"application/octet-stream", "[omitted: 1234 bytes]", false, "[omitted: 1234 bytes]", true},
		{"text/plain", "[REDACTED]", false, "[REDACTED]", false},
		{"not a media type;;", "x", false, "[omitted: 1 bytes]", true},
	} {
		out, omitted := r.Body(tt.ct, []byte(tt.in), tt.truncated)
		if string(out) != tt.want || omitted != tt.omitted {
			t.Errorf("Body(%q, %q, %v) = %q, %v; want %q, %v", tt.ct, tt.in, tt.truncated, out, omitted, tt.want, tt.omitted)
		}
	}
}

func TestBodyWithSize(t *testing.T) {
	r := NewRedactor(Rules{})
	if out, omitted := r.BodyWithSize("application/octet-stream", []byte("\x00\x01"), 1<<30); !omitted || string(out) != "[omitted: 1073741824 bytes]" {
		t.Errorf("omitted body of a true size: %q", out)
	}
	// A size above len(body) means truncated: the tail goes.
	if out, _ := r.BodyWithSize("text/plain", []byte("hello wor"), 100); string(out) != "hello [REDACTED]" {
		t.Errorf("truncated by size: %q", out)
	}
	if out, _ := r.BodyWithSize("text/plain", []byte("hello world"), 11); string(out) != "hello world" {
		t.Errorf("complete by size: %q", out)
	}
}

func TestBodyNewMemory(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, ct := range []string{"application/json", "text/plain", "application/x-www-form-urlencoded"} {
		in := []byte(`{"a":1}`)
		if ct == "application/x-www-form-urlencoded" {
			in = []byte("a=1")
		}
		out, _ := r.Body(ct, in, false)
		orig := string(out)
		in[0] = 'X'
		if string(out) != orig {
			t.Errorf("%s: the output shares memory with the input", ct)
		}
	}
}

func TestTextual(t *testing.T) {
	for _, tt := range []struct {
		in        string
		truncated bool
		want      bool
	}{
		{"plain\ttext\r\n", false, true},
		{"ansi \x1b[31mred", false, true},
		{"caf\xc3\xa9", false, true},
		{"caf\xc3", false, false},
		{"caf\xc3", true, true},
		{"\x00", false, false},
		{"del\x7f", false, false},
		{strings.Repeat("é", 10), false, true},
	} {
		if got := textual([]byte(tt.in), tt.truncated); got != tt.want {
			t.Errorf("textual(%q, %v) = %v", tt.in, tt.truncated, got)
		}
	}
}
