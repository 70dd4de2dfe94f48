package flags

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"unicode/utf8"
)

// FuzzParseFile checks the flags file parser: it never panics, and what it
// accepts is a JSON object that encoding/json reads the same way, with
// valid names and compact, non-null values. Its seed corpus is in
// testdata/fuzz/FuzzParseFile.
func FuzzParseFile(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseFile(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidFile) {
				t.Fatalf("error %v does not wrap ErrInvalidFile", err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("error text is not valid UTF-8: %q", err.Error())
			}
			return
		}
		var generic map[string]json.RawMessage
		if err := json.Unmarshal(data, &generic); err != nil {
			t.Fatalf("parseFile accepted %q, which encoding/json refuses: %v", data, err)
		}
		for name, raw := range generic {
			if !ValidName(name) {
				t.Fatalf("accepted invalid name %q", name)
			}
			got, ok := v.values[name]
			if isNull := bytes.Equal(bytes.TrimSpace(raw), []byte("null")); isNull == ok {
				t.Fatalf("flag %q: null %v, kept %v", name, isNull, ok)
			}
			if !ok {
				continue
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, raw); err != nil || !bytes.Equal(compact.Bytes(), got) {
				t.Fatalf("flag %q kept as %q, want %q", name, got, compact.Bytes())
			}
		}
		if len(v.values) != len(v.names) {
			t.Fatalf("%d values but %d names", len(v.values), len(v.names))
		}
	})
}

// FuzzAdminRequest checks the admin request decoder and the handler: they
// never panic; what the decoder accepts has a valid name, a positive TTL
// and a compact, non-null JSON value free of control characters; an error
// is one of the fixed messages; and the handler answers with a JSON body
// that never holds a control character. Its seed corpus is in
// testdata/fuzz/FuzzAdminRequest.
func FuzzAdminRequest(f *testing.F) {
	// A clock that never moves: no override expires, and no timer is armed.
	now := newFakeClock().Now
	s := NewSet(WithLogger(slog.New(slog.DiscardHandler)), WithMaxOverrides(1<<20), WithClock(now))
	h := NewAdminHandler(s, func(*http.Request) bool { return true }, WithUnknownFlags(true))
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := decodeAdminRequest(data)
		if err != nil {
			if _, fixed := err.(requestError); !fixed {
				t.Fatalf("error %T is not a fixed message", err)
			}
		} else {
			switch {
			case !ValidName(req.Name):
				t.Fatalf("accepted invalid name %q", req.Name)
			case req.TTL <= 0:
				t.Fatalf("accepted TTL %v", req.TTL)
			case !json.Valid(req.Value) || string(req.Value) == "null":
				t.Fatalf("accepted value %q", req.Value)
			case checkJSONText(req.Value) != nil:
				t.Fatalf("accepted value with control characters %q", req.Value)
			case !utf8.Valid(data):
				t.Fatalf("accepted invalid UTF-8 %q", data)
			}
			var compact bytes.Buffer
			if json.Compact(&compact, req.Value) != nil || !bytes.Equal(compact.Bytes(), req.Value) {
				t.Fatalf("value %q is not compact", req.Value)
			}
		}

		r := httptest.NewRequest("POST", "/", bytes.NewReader(data))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if err != nil && w.Code == http.StatusOK {
			t.Fatalf("handler accepted what the decoder refused: %q", data)
		}
		body := bytes.TrimSuffix(w.Body.Bytes(), []byte("\n"))
		if !json.Valid(body) || bytes.ContainsAny(body, "\r\n\x00\x1b") {
			t.Fatalf("handler answered %d with %q", w.Code, body)
		}
		if w.Code == http.StatusOK {
			if err := s.Clear(req.Name, "fuzz"); err != nil {
				t.Fatalf("clear after set: %v", err)
			}
		}
	})
}
