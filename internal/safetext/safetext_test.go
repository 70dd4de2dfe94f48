package safetext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"ok", 10, "ok"},
		{"a\xffb", 10, "a\uFFFDb"},
		{"aé", 2, "a"},
		{"\xff\xff\xff\xff", 4, "\uFFFD"},
		{strings.Repeat("é", 10), 20, strings.Repeat("é", 10)},
		{"abc", -1, ""},
	} {
		if got := Clean(tt.in, tt.max); got != tt.want {
			t.Errorf("Clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Clean("valid text", 100) }); n != 0 {
		t.Errorf("Clean of valid text allocates %v times", n)
	}
}

// FuzzClean: the result is always valid UTF-8 within the cap, and equal to
// the input when the input already was. Seeds in testdata/fuzz/FuzzClean.
func FuzzClean(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, max uint16) {
		m := int(max % 2048)
		got := Clean(s, m)
		if !utf8.ValidString(got) || len(got) > m {
			t.Fatalf("Clean(%q, %d) = %q", s, m, got)
		}
		if utf8.ValidString(s) && len(s) <= m && got != s {
			t.Fatalf("Clean changed valid short input %q to %q", s, got)
		}
	})
}
