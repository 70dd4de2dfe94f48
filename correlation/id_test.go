package correlation

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestValidID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"uuid", "0192a8c4-7e0b-7c1e-9d3f-3a2b1c0d9e8f", true},
		{"all allowed punctuation", "a.b_c:d-e", true},
		{"one byte", "x", true},
		{"max length", strings.Repeat("a", MaxIDLength), true},
		{"too long", strings.Repeat("a", MaxIDLength+1), false},
		{"500 KB", strings.Repeat("a", 500<<10), false},
		{"empty", "", false},
		{"space", "abc def", false},
		{"whitespace only", " \t ", false},
		{"CRLF", "abc\r\nSet-Cookie: x=1", false},
		{"LF", "abc\n", false},
		{"NUL", "abc\x00", false},
		{"ESC", "\x1b[31mred", false},
		{"tab", "abc\tdef", false},
		{"U+202E", "abc\u202edef", false},
		{"U+2028", "abc\u2028def", false},
		{"invalid UTF-8", "abc\xff\xfe", false},
		{"trailing garbage", "0192a8c4-7e0b-7c1e-9d3f-3a2b1c0d9e8f;rm -rf", false},
		{"slash", "a/b", false},
		{"quote", `a"b`, false},
		{"DEL", "a\x7f", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidID(tt.id); got != tt.want {
				t.Errorf("ValidID(%q) = %v, want %v", truncate(tt.id), got, tt.want)
			}
		})
	}
}

func TestNewIDIsValidUniqueAndSorted(t *testing.T) {
	const n = 2000
	ids := make([]string, n)
	seen := make(map[string]bool, n)
	for i := range ids {
		ids[i] = NewID()
		if !ValidID(ids[i]) || len(ids[i]) != 36 || ids[i][14] != '7' {
			t.Fatalf("NewID() = %q, want a UUIDv7", ids[i])
		}
		if seen[ids[i]] {
			t.Fatalf("NewID() repeated %q", ids[i])
		}
		seen[ids[i]] = true
	}
	// UUIDv7 from one process are monotonic: made later, sort later.
	if !sort.StringsAreSorted(ids) {
		t.Error("IDs made in sequence do not sort in sequence")
	}
}

func TestFallbackIDIsValidAndUnique(t *testing.T) {
	a, b := fallbackID(), fallbackID()
	if !ValidID(a) || !ValidID(b) || a == b {
		t.Errorf("fallbackID() gave %q and %q, want two different valid IDs", a, b)
	}
}

func TestNewIDSortsAcrossMilliseconds(t *testing.T) {
	a := NewID()
	time.Sleep(2 * time.Millisecond)
	if b := NewID(); b <= a {
		t.Errorf("ID made later (%s) sorts before earlier one (%s)", b, a)
	}
}

// truncate keeps test failure messages short for huge inputs.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func TestPrintable(t *testing.T) {
	for s, want := range map[string]bool{
		"abc-1": true, "a b~": true, "": false, "a\tb": false, "a\r\n": false,
		"\x00": false, "a\x7f": false, "é": false, "\xff": false,
	} {
		if got := Printable(s); got != want {
			t.Errorf("Printable(%q) = %v, want %v", s, got, want)
		}
	}
}
