package capture

import (
	"net/url"
	"testing"
)

func TestForm(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct{ in, want string }{
		{"user=bob&password=hunter2&remember=on", "user=bob&password=[REDACTED]&remember=on"},
		{"grant_type=authorization_code&code=abc&redirect_uri=https%3A%2F%2Fx%2Fcb&code_verifier=v", "grant_type=authorization_code&code=[REDACTED]&redirect_uri=https%3A%2F%2Fx%2Fcb&code_verifier=[REDACTED]"},
		{"pass%77ord=hunter2", "pass%77ord=[REDACTED]"},           // the name is decoded
		{"client+secret=x", "client+secret=[REDACTED]"},           // "+" is a space
		{"msg=see+" + fakeGHP + "+now", "msg=see+[REDACTED]+now"}, // masked in the value
		{"msg=see%20ghp%5FFAKEfake0123456789FAKEfake0123456789%21", "msg=see+[REDACTED]!"},
		{"a=1&&b=&=c&d", "a=1&&b=&=c&d"},     // empty parts kept
		{fakeGHP + "&a=1", "[REDACTED]&a=1"}, // a value without a name
		{"password=[REDACTED]&x=%5BREDACTED%5D", "password=[REDACTED]&x=%5BREDACTED%5D"},
		{"bad=%zz&token=%zz", "bad=%zz&token=[REDACTED]"}, // invalid escapes kept
		{"a=1\r\n", "a=1\r\n"},                            // a trailing line break
	} {
		out, omitted := r.Body("application/x-www-form-urlencoded", []byte(tt.in), false)
		if string(out) != tt.want || omitted {
			t.Errorf("form %q:\n got %q\nwant %q", tt.in, out, tt.want)
		}
		if _, err := url.ParseQuery(string(out)); err != nil {
			if _, err0 := url.ParseQuery(tt.in); err0 == nil {
				t.Errorf("form %q: output does not parse: %v", tt.in, err)
			}
		}
	}
}

func TestFormNotAForm(t *testing.T) {
	r := NewRedactor(Rules{})
	// Spaces and line breaks: text sent as a form; the text redactor reads it.
	out, _ := r.Body("application/x-www-form-urlencoded", []byte("Authorization: Bearer abc.def\npassword: hunter2"), false)
	if string(out) != "Authorization: [REDACTED]\npassword: [REDACTED]" {
		t.Errorf("text as form: %q", out)
	}
	if r.Stats().Fallbacks != 1 {
		t.Errorf("fallbacks = %d", r.Stats().Fallbacks)
	}
}

func TestFormTruncated(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct{ in, want string }{
		{"a=1&note=ghp_FAKEfa", "a=1&note=[REDACTED]"},
		{"a=1&ghp_FAKEfa", "a=1&[REDACTED]"},
		{"a=1&password=", "a=1&password="},
		{"a=1&", "a=1&"},
	} {
		out, _ := r.Body("application/x-www-form-urlencoded", []byte(tt.in), true)
		if string(out) != tt.want {
			t.Errorf("truncated form %q: %q, want %q", tt.in, out, tt.want)
		}
	}
}
