package flags

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameLength is the length in bytes of the longest valid flag name.
const MaxNameLength = 128

// ValidName reports whether name is a valid flag name: 1 to
// [MaxNameLength] bytes of ASCII letters, digits, '.', '_' and '-',
// beginning with a letter or a digit, such as "debug.sample-rate".
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameLength || !alnum(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !alnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func alnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// printableText reports whether s is valid UTF-8 free of control and
// format characters (C0, DEL, C1, bidi controls, zero-width characters,
// line and paragraph separators), the characters that can forge log lines
// or hide text from whoever reads them.
func printableText(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !printableRune(r) {
			return false
		}
		i += size
	}
	return true
}

func printableRune(r rune) bool {
	return !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) && r != '\u2028' && r != '\u2029'
}

// logSafe returns s cut to at most limit bytes (on a rune boundary, with an
// ellipsis when cut) with every byte or rune that [printableText] refuses
// written as a Go escape, so that text from outside never reaches a log
// line raw.
func logSafe(s string, limit int) string {
	if len(s) <= limit && printableText(s) {
		return s
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); {
		if b.Len() >= limit {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r < 0x20 || r == 0x7f || r >= utf8.RuneSelf && !printableRune(r):
			shift := 12
			if r > 0xffff {
				b.WriteString(`\U`)
				shift = 28
			} else {
				b.WriteString(`\u`)
			}
			for ; shift >= 0; shift -= 4 {
				b.WriteByte(hex[(r>>shift)&0xf])
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
