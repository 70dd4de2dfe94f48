package capture

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// plants are the FAKE secrets the fuzzers splice into their input: all
// with a distinctive prefix, so that they must be found wherever they
// land, inside a word or a string, after an escape or a digit. (Bearer
// credentials and card numbers are found only where a word starts, by
// design, and are left to the corpus.)
// The secret of a private key block is its body, not its armour.
var plants = []struct{ text, secret string }{
	{fakeJWT, fakeJWT},
	{fakeGHP, fakeGHP},
	{"AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"},
	{"sk_live_FAKEfake000000000000000000", "sk_live_FAKEfake000000000000000000"},
	{"xoxb-0000000000-0000000000000-FAKEfakeFAKEfakeFAKEfake", "xoxb-0000000000-0000000000000-FAKEfakeFAKEfakeFAKEfake"},
	{"glpat-FAKEfake00000000xyzw", "glpat-FAKEfake00000000xyzw"},
	{"npm_FAKEfake4444444444444444444444444444", "npm_FAKEfake4444444444444444444444444444"},
	{"sk-ant-api03-FAKEfake8888888888888888888888888888888888-FAKEAA", "sk-ant-api03-FAKEfake8888888888888888888888888888888888-FAKEAA"},
	{"AIzaFAKEfake00000000000000000000000abcd", "AIzaFAKEfake00000000000000000000000abcd"},
	{"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANFAKEFAKEFAKE\n-----END PRIVATE KEY-----", "MIIEvQIBADANFAKEFAKEFAKE"},
}

// plant splices one of plants into data at a position the fuzzer chose.
func plant(data []byte, pos uint16, which uint8) (planted []byte, secret string) {
	p := plants[int(which)%len(plants)]
	at := int(pos) % (len(data) + 1)
	planted = make([]byte, 0, len(data)+len(p.text))
	planted = append(planted, data[:at]...)
	planted = append(planted, p.text...)
	return append(planted, data[at:]...), p.secret
}

// survives reports a piece of secret, 8 bytes long, that out holds more
// often than data did before the secret was planted in it: the fuzzer's
// own bytes may hold pieces of a secret too, and they may stay.
// A piece of one byte repeated ("00000000", the filler of the fakes)
// tells nothing and is not counted.
func survives(out, data []byte, secret string) string {
	for i := 0; i+8 <= len(secret); i++ {
		p := []byte(secret[i : i+8])
		if bytes.Count(p, p[:1]) == len(p) {
			continue
		}
		if bytes.Count(out, p) > bytes.Count(data, p) {
			return string(p)
		}
	}
	return ""
}

// FuzzRedactJSON: a planted secret never survives, valid JSON stays
// valid, redacting twice equals redacting once, and nothing panics.
// Seeds in testdata/fuzz/FuzzRedactJSON.
func FuzzRedactJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `[1,"x",{"password":"p"}]`, `{"k":"\u0041\n"}`, `{"a":[{"b":{"c":null}}]}`, `"s"`, `{"pass\u0077ord":1e5}`} {
		f.Add([]byte(s), uint16(6), uint8(0))
	}
	r := NewRedactor(Rules{})
	h := NewRedactor(Rules{Hash: true, HashKey: []byte("fuzz")})
	f.Fuzz(func(t *testing.T, data []byte, pos uint16, which uint8) {
		in, secret := plant(data, pos, which)
		for _, red := range []*Redactor{r, h} {
			out, _ := red.Body("application/json", in, false)
			if p := survives(out, data, secret); p != "" {
				t.Fatalf("piece %q of %q survives:\nin  %q\nout %q", p, secret, in, out)
			}
			if json.Valid(in) && !json.Valid(out) {
				t.Fatalf("valid JSON in, invalid out:\nin  %q\nout %q", in, out)
			}
			if again, _ := red.Body("application/json", out, false); !bytes.Equal(again, out) {
				t.Fatalf("redacting twice differs:\nin   %q\nonce %q\ntwice %q", in, out, again)
			}
			// A cut anywhere leaves no piece of the secret either.
			cut := in[:int(pos)%(len(in)+1)]
			if out, _ := red.Body("application/json", cut, true); survives(out, data, secret) != "" {
				t.Fatalf("truncated: a piece of %q survives:\nin  %q\nout %q", secret, cut, out)
			}
		}
		// Under a sensitive key, any value goes but null and "".
		if v := bytes.TrimSpace(data); json.Valid(v) && string(v) != "null" && string(v) != `""` && !bytes.HasPrefix(v, []byte(`"[`)) {
			out, _ := r.Body("application/json", append(append([]byte(`{"password":`), v...), '}'), false)
			if string(out) != `{"password":"[REDACTED]"}` {
				t.Fatalf("value under a sensitive key kept: %q", out)
			}
		}
	})
}

// FuzzRedactForm: the same properties for form bodies; a form that
// parses still parses.
func FuzzRedactForm(f *testing.F) {
	for _, s := range []string{"a=b&c=d", "password=x&y=%41", "a+b=c+d&&=", "%zz=%", "q=hello%20world"} {
		f.Add([]byte(s), uint16(3), uint8(1))
	}
	r := NewRedactor(Rules{})
	f.Fuzz(func(t *testing.T, data []byte, pos uint16, which uint8) {
		in, secret := plant(data, pos, which)
		out, _ := r.Body("application/x-www-form-urlencoded", in, false)
		if p := survives(out, data, secret); p != "" {
			t.Fatalf("piece %q of %q survives:\nin  %q\nout %q", p, secret, in, out)
		}
		// Idempotence holds for what is a form. What is not (it has spaces
		// or control bytes) goes to the text redactor, whose own
		// idempotence FuzzRedactText checks; its output may have lost
		// every space inside a mark and read as a form the second time.
		isForm := !bytes.ContainsFunc(bytes.TrimRight(in, "\r\n"), func(r rune) bool { return r <= ' ' || r == 0x7f })
		if again, _ := r.Body("application/x-www-form-urlencoded", out, false); isForm && !bytes.Equal(again, out) {
			t.Fatalf("redacting twice differs:\nin   %q\nonce %q\ntwice %q", in, out, again)
		}
		if _, err := url.ParseQuery(string(in)); err == nil {
			if _, err := url.ParseQuery(string(out)); err != nil {
				t.Fatalf("a form that parsed no longer does: %q → %q: %v", in, out, err)
			}
		}
		// The value of a sensitive field never survives.
		if len(data) > 0 && !bytes.ContainsAny(data, "&=") && !bytes.ContainsFunc(data, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			out, _ := r.Body("application/x-www-form-urlencoded", append([]byte("client_secret="), data...), false)
			if !bytes.HasPrefix(out, []byte("client_secret=[REDACTED]")) {
				t.Fatalf("a client_secret survives: %q", out)
			}
		}
	})
}

// FuzzRedactURL: the same properties for URLs; a URL that parsed gives a
// URL that parses.
func FuzzRedactURL(f *testing.F) {
	for _, s := range []string{"/a/b?c=d", "https://u:p@h/x?y=z#f", "/x%2Fy?q=%41", "//h", "mailto:a@b", "/a;b=c"} {
		f.Add(s, uint16(2), uint8(2))
	}
	r := NewRedactor(Rules{})
	f.Fuzz(func(t *testing.T, raw string, pos uint16, which uint8) {
		// A plant right after "%" or "%X" would have its first bytes
		// decoded with the escape: the URL would not hold the secret.
		// Plant it before the escape instead.
		at := int(pos) % (len(raw) + 1)
		for moved := true; moved; {
			moved = false
			for k := 1; k <= 2 && at >= k; k++ {
				if raw[at-k] == '%' {
					at -= k
					moved = true
					break
				}
			}
		}
		in, secret := plant([]byte(raw), uint16(at), which)
		u, err := url.Parse(string(in))
		if err != nil {
			return
		}
		out := r.URL(u)
		// Compare decoded and in lower case: escaping makes new pieces
		// ("%1E" + "0000"), and url.Parse writes the scheme in lower case.
		lower := func(s string) []byte { return bytes.ToLower(unescapePath(nil, s)) }
		if p := survives(lower(out), lower(raw), strings.ToLower(secret)); p != "" {
			t.Fatalf("piece %q of %q survives:\nin  %q\nout %q", p, secret, in, out)
		}
		u2, err := url.Parse(out)
		if err != nil {
			t.Fatalf("%q redacts to %q, which does not parse: %v", in, out, err)
		}
		if again := r.URL(u2); again != out {
			t.Fatalf("redacting twice differs:\nin   %q\nonce %q\ntwice %q", in, out, again)
		}
	})
}

// FuzzRedactText: the same properties for free text, through Text and
// through a text/plain body, cut or not.
func FuzzRedactText(f *testing.F) {
	for _, s := range []string{"hello world", "password=x\nAuthorization: Bearer y", "a %41 \\u0041", "<token>x</token>", "card 4111 1111 1111 1111"} {
		f.Add([]byte(s), uint16(5), uint8(3))
	}
	r := NewRedactor(Rules{})
	f.Fuzz(func(t *testing.T, data []byte, pos uint16, which uint8) {
		in, secret := plant(data, pos, which)
		out := r.Text(string(in))
		if p := survives([]byte(out), data, secret); p != "" {
			t.Fatalf("piece %q of %q survives:\nin  %q\nout %q", p, secret, in, out)
		}
		if again := r.Text(out); again != out {
			t.Fatalf("redacting twice differs:\nin   %q\nonce %q\ntwice %q", in, out, again)
		}
		cut := in[:int(pos)%(len(in)+1)]
		if out, _ := r.Body("text/plain", cut, true); survives(out, data, secret) != "" {
			t.Fatalf("truncated: a piece of %q survives:\nin  %q\nout %q", secret, cut, out)
		}
	})
}
