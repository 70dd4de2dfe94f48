package capture

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestJSONKeepsShape(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct{ in, want string }{
		// Whitespace, key order, number text and escapes are kept byte for byte.
		{"{ \"b\" : 1.50e+10,\n\t\"a\":[ -0, 1E3 ], \"c\": \"caf\\u00e9 \\\"q\\\"\" }", "{ \"b\" : 1.50e+10,\n\t\"a\":[ -0, 1E3 ], \"c\": \"caf\\u00e9 \\\"q\\\"\" }"},
		{`{"password":"x","z":1,"a":2}`, `{"password":"[REDACTED]","z":1,"a":2}`},
		// Scalars under a sensitive key become the placeholder string; null stays.
		{`{"token":123,"secret":true,"key":null,"pwd":""}`, `{"token":"[REDACTED]","secret":"[REDACTED]","key":null,"pwd":""}`},
		// Objects and arrays under a sensitive key become the placeholder string.
		{`{"credentials":{"user":"a","pass":"b"},"tokens":["a",{"b":[1]}],"n":1}`, `{"credentials":"[REDACTED]","tokens":"[REDACTED]","n":1}`},
		// Keys at any depth, in arrays too.
		{`[{"a":{"b":[{"api_key":"x"}]}}]`, `[{"a":{"b":[{"api_key":"[REDACTED]"}]}}]`},
		// A key written with escapes is still recognized.
		{`{"pa\u0073sword":"x","\u0074oken":"y"}`, `{"pa\u0073sword":"[REDACTED]","\u0074oken":"[REDACTED]"}`},
		// A secret in a string is masked in place, the rest kept.
		{`{"msg":"use ` + fakeGHP + ` now"}`, `{"msg":"use [REDACTED] now"}`},
		// A secret behind escapes: decoded, masked, encoded again.
		{`{"msg":"use \u0067hp_FAKEfake0123456789FAKEfake0123456789\n now"}`, `{"msg":"use [REDACTED]\n now"}`},
		// Visible only in the escaped form: the whole string goes.
		{`{"msg":"x\npm_FAKEfake0000000000000000000000000000"}`, `{"msg":"[REDACTED]"}`},
		// Pairs inside a string, JSON in a string.
		{`{"q":"user=bob&password=hunter2","p":"{\"secret\":\"s\",\"u\":1}"}`, `{"q":"user=bob&password=[REDACTED]","p":"{\"secret\":\"[REDACTED]\",\"u\":1}"}`},
		// Card numbers as numbers; timestamps stay.
		{`{"n":4111111111111111,"ts":1700000000000,"f":4111111111111111.5}`, `{"n":"[REDACTED]","ts":1700000000000,"f":"[REDACTED]"}`},
		// A key that is itself a secret.
		{`{"` + fakeGHP + `":1}`, `{"[REDACTED]":1}`},
		// Marks stay as they are.
		{`{"password":"[REDACTED]","m":"[REDACTED:0123abcd]"}`, `{"password":"[REDACTED]","m":"[REDACTED:0123abcd]"}`},
		// Top-level scalars and empty containers.
		{`"` + fakeJWT + `"`, `"[REDACTED]"`},
		{`42`, `42`},
		{` [] `, ` [] `},
		{`{}`, `{}`},
		// Near misses stay.
		{`{"token_uri":"https://x/token","session_state":"s","keyboard":"k","author":"a"}`, `{"token_uri":"https://x/token","session_state":"s","keyboard":"k","author":"a"}`},
	} {
		out, omitted := r.Body("application/json", []byte(tt.in), false)
		if string(out) != tt.want || omitted {
			t.Errorf("Body(%s):\n got %s\nwant %s", tt.in, out, tt.want)
		}
		if json.Valid([]byte(tt.in)) && !json.Valid(out) {
			t.Errorf("Body(%s) is not valid JSON: %s", tt.in, out)
		}
	}
}

func TestJSONInvalidUTF8(t *testing.T) {
	r := NewRedactor(Rules{})
	in := []byte("{\"a\":\"\xff\xfe ok\",\"password\":\"\xffx\",\"\xc3\":1}")
	out, omitted := r.Body("application/json", in, false)
	want := "{\"a\":\"\xff\xfe ok\",\"password\":\"[REDACTED]\",\"\xc3\":1}"
	if omitted || string(out) != want || !json.Valid(out) {
		t.Errorf("invalid UTF-8: %q", out)
	}
}

func TestJSONDeepNesting(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, depth := range []int{MaxJSONDepth - 1, MaxJSONDepth + 1, 100000} {
		in := strings.Repeat(`[`, depth) + `"` + fakeGHP + `"` + strings.Repeat(`]`, depth)
		out, omitted := r.Body("application/json", []byte(in), false)
		if omitted || strings.Contains(string(out), "FAKEfake") {
			t.Errorf("depth %d: secret kept or omitted (%v)", depth, omitted)
		}
		if depth < 10000 && !json.Valid(out) {
			t.Errorf("depth %d: invalid JSON out", depth)
		}
		if depth > MaxJSONDepth && depth < 10000 && !strings.HasSuffix(string(out), strings.Repeat("[", MaxJSONDepth)+`"[REDACTED]"`+strings.Repeat("]", MaxJSONDepth)) {
			t.Errorf("depth %d: the subtree past the limit is not one mark: %.300s", depth, out)
		}
	}
}

func TestJSONInvalidFailsClosed(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct {
		in      string
		want    string
		omitted bool
	}{
		{`{"password": "x", "a": nope}`, `{"password": "[REDACTED]", "a": nope}`, false},
		{`{"a": 1} trailing token=abc`, `{"a": 1} trailing token=[REDACTED]`, false},
		{`{"a": "` + "\x01" + `"}`, "[omitted: 10 bytes]", true}, // a control byte: not text either
		{`{'single': 'quotes', 'password': 'x'}`, `{'single': 'quotes', 'password': '[REDACTED]'}`, false},
		{`{"a":1,}`, `{"a":1,}`, false},
		{`{"a" 1}`, `{"a" 1}`, false},
		{`[1 2]`, `[1 2]`, false},
		{`{"a":"\q"}`, `{"a":"\q"}`, false},
		{`01`, `01`, false},
		{`-`, `-`, false},
		{`tru`, `tru`, false},
		{`{"a":"\u12"}`, `{"a":"\u12"}`, false},
	} {
		out, omitted := r.Body("application/json", []byte(tt.in), false)
		if string(out) != tt.want || omitted != tt.omitted {
			t.Errorf("Body(%q) = %q, %v; want %q, %v", tt.in, out, omitted, tt.want, tt.omitted)
		}
	}
}

func TestJSONTruncated(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, tt := range []struct{ in, want string }{
		{`{"a":"b","c":"ghp_FAKEfake01`, `{"a":"b","c":"[REDACTED]"`},
		{`{"a":"b","passw`, `{"a":"b","[REDACTED]"`},
		{`{"a":"b","pan":4111111111`, `{"a":"b","pan":"[REDACTED]"`},
		{`{"a":"b","n":12`, `{"a":"b","n":"[REDACTED]"`},
		{`{"a":"b","t":tr`, `{"a":"b","t":"[REDACTED]"`},
		{`{"a":"b","secret":{"x":[1,2`, `{"a":"b","secret":"[REDACTED]"`},
		{`{"a":"b",`, `{"a":"b",`},
		{`{"a":"b","password":`, `{"a":"b","password":`},
		{`{"a":"b"}`, `{"a":"b"}`},
		{`{"a":"esc\u00`, `{"a":"[REDACTED]"`},
		{`{"a":"b" bad "password":"x"`, `{"a":"b" bad "password":"[REDACTED]"`}, // invalid before the cut: text
	} {
		out, omitted := r.Body("application/json", []byte(tt.in), true)
		if string(out) != tt.want || omitted {
			t.Errorf("truncated Body(%s):\n got %s\nwant %s", tt.in, out, tt.want)
		}
	}
	// The same input, not truncated, is invalid: a number at the end is
	// complete, a string is not.
	if out, _ := r.Body("application/json", []byte(`12`), false); string(out) != `12` {
		t.Errorf("complete number: %s", out)
	}
}

func TestJSONSequence(t *testing.T) {
	r := NewRedactor(Rules{})
	in := "{\"password\":\"x\"}\n{\"a\":1}\n\n[\"" + fakeGHP + "\"]\n"
	out, _ := r.Body("application/x-ndjson", []byte(in), false)
	if want := "{\"password\":\"[REDACTED]\"}\n{\"a\":1}\n\n[\"[REDACTED]\"]\n"; string(out) != want {
		t.Errorf("NDJSON:\n got %q\nwant %q", out, want)
	}
	// Two values where one is expected: not JSON, redacted as text.
	out, _ = r.Body("application/json", []byte(`{"a":1}{"password":"x"}`), false)
	if string(out) != `{"a":1}{"password":"[REDACTED]"}` {
		t.Errorf("two values as application/json: %s", out)
	}
}

func TestJSONTypes(t *testing.T) {
	r := NewRedactor(Rules{})
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json", "application/vnd.api+json", "text/json", ""} {
		out, omitted := r.Body(ct, []byte(`{"password":"x"}`), false)
		if omitted || string(out) != `{"password":"[REDACTED]"}` {
			t.Errorf("%q: %s", ct, out)
		}
	}
}

// TestKeyCacheCollisions: names that share a slot of the run's key cache
// keep their own decisions, in either order and repeated.
func TestKeyCacheCollisions(t *testing.T) {
	secret := "password"
	var harmless []string
	for c := 'a'; c <= 'z' && len(harmless) < 3; c++ {
		for d := 'a'; d <= 'z'; d++ {
			name := string(c) + "olours" + string(d) // as long as "password"
			if name != secret && keySlot([]byte(name)) == keySlot([]byte(secret)) {
				harmless = append(harmless, name)
				break
			}
		}
	}
	if len(harmless) == 0 {
		t.Fatal("no colliding name found; the test proves nothing")
	}
	r := NewRedactor(Rules{})
	var doc strings.Builder
	doc.WriteString("[")
	for i := range 3 {
		for _, h := range harmless {
			fmt.Fprintf(&doc, `{%q:"keep-%d",%q:"hunter2-%d"},`, h, i, secret, i)
		}
	}
	doc.WriteString(`{}]`)
	out, omitted := r.Body("application/json", []byte(doc.String()), false)
	if omitted {
		t.Fatal("omitted")
	}
	if strings.Contains(string(out), "hunter2") {
		t.Errorf("a password survived: %s", out)
	}
	if n := strings.Count(string(out), `"keep-`); n != 3*len(harmless) {
		t.Errorf("%d harmless values kept, want %d: %s", n, 3*len(harmless), out)
	}
}
