package otlphttp

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxErrorMessage is the most bytes of response text an error quotes.
const MaxErrorMessage = 200

// redactedMark replaces a configured header value found in response text.
const redactedMark = "[redacted]"

// minSecretLen is the shortest part of a header value redacted on its own;
// shorter parts would blank out ordinary words.
const minSecretLen = 6

// secretParts returns the strings to redact for one header value: the
// whole value and each of its space-separated parts long enough to be a
// credential ("Bearer <token>").
func secretParts(v string) []string {
	v = strings.TrimSpace(v)
	var out []string
	if v != "" {
		out = append(out, v)
	}
	for _, f := range strings.Fields(v) {
		if len(f) >= minSecretLen && f != v {
			out = append(out, f)
		}
	}
	return out
}

// sanitize turns untrusted response bytes into text fit for an error
// message: secrets removed, invalid UTF-8 and non-printable runes replaced
// by '?', runs of white space collapsed to one space, and the result cut to
// at most MaxErrorMessage bytes on a rune boundary, ending in "..." when cut.
func sanitize(b []byte, secrets []string) string {
	s := redact(string(b), secrets)
	s = printable(s)
	// Cleaning can turn a value that was not a secret into one (white
	// space collapsed), so redact the cleaned forms too.
	cleaned := make([]string, 0, len(secrets))
	for _, sec := range secrets {
		cleaned = append(cleaned, printable(sec))
	}
	s = redact(s, cleaned)
	return truncate(s, MaxErrorMessage)
}

// redact replaces every occurrence of each secret in s.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, redactedMark)
		}
	}
	return s
}

// printable keeps the printable runes of s, replaces other runes and
// invalid bytes with '?', and collapses white space, trimming both ends.
func printable(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = '?'
		case unicode.IsSpace(r):
			pendingSpace = true
			continue
		case !unicode.IsPrint(r):
			r = '?'
		}
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

// truncate cuts s to at most limit bytes on a rune boundary, marking a cut
// with "...".
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const more = "..."
	cut := limit - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}
