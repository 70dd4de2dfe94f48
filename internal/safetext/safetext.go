package safetext

import (
	"strings"
	"unicode/utf8"
)

// Clean returns s as valid UTF-8 of at most max bytes: invalid bytes become
// U+FFFD and a cut never leaves half a rune. It does not allocate when s is
// already valid and short enough.
func Clean(s string, max int) string {
	if max < 0 {
		max = 0
	}
	if len(s) > max {
		s = trimPartialRune(s[:max])
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		if len(s) > max {
			s = trimPartialRune(s[:max])
		}
	}
	return s
}

// trimPartialRune removes from the end of s the first bytes of a rune that
// a cut left incomplete.
func trimPartialRune(s string) string {
	for i := len(s) - 1; i >= 0 && i >= len(s)-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			if !utf8.FullRuneInString(s[i:]) {
				return s[:i]
			}
			return s
		}
	}
	return s
}
