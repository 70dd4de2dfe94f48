package redact

import (
	"sync"
	"unicode/utf8"
)

// findPairs finds the values of sensitive names in free text:
//
//	password=hunter2          name=value, up to a space or one of &;,'"<>(){}[]\
//	"password": "hunter2"     a quoted value, up to its closing quote (or the end)
//	api_key => 'abc'          => and := too
//	Authorization: Bearer x   a "Name: value" line: up to the end of the line
//	token: {"a": 1}           a JSON object or array: up to its closing bracket
//	<password>x</password>    an XML element: up to the next <
//
// A name is a run of letters, digits and _ . - (see [Engine.Name] for
// which are sensitive); a value that already is a redaction mark is left.
func findPairs[T text](e *Engine, dst []Span, s T) []Span {
	n := len(s)
	i := 0
	for i < n {
		if !isNameChar(s[i]) {
			i++
			continue
		}
		start := i
		for i < n && isNameChar(s[i]) {
			i++
		}
		end := i
		j := end
		// A quoted name: "password": or \"password\": (the opening quote
		// may be hidden by what precedes it, such as a mark).
		if j < n && (s[j] == '"' || s[j] == '\'') {
			j++
		} else if j+1 < n && s[j] == '\\' && (s[j+1] == '"' || s[j+1] == '\'') {
			j += 2
		}
		xml := start > 0 && s[start-1] == '<' && j < n && s[j] == '>'
		for j < n && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if !xml {
			sep := sepLen(s, j)
			if sep == 0 {
				continue
			}
			j += sep
		} else {
			j++
		}
		if lookupText(e, s[start:end])&sensitiveBit == 0 {
			// The allow-list does not reach into free text: a pair in an
			// allowed value is masked when its name is sensitive.
			continue
		}
		var sp Span
		if xml {
			k := j
			for k < n && s[k] != '<' {
				k++
			}
			sp = Span{j, k}
		} else {
			lineStyle := s[j-1] == ':' && atLineStart(s, start)
			sp = valueAt(s, j, lineStyle)
		}
		if sp.End > sp.Start && !isMark(s[sp.Start:sp.End]) {
			dst = append(dst, sp)
			i = sp.End
		}
	}
	return dst
}

func lookupText[T text](e *Engine, name T) uint8 {
	switch v := any(name).(type) {
	case string:
		return e.lookup(v)
	case []byte:
		return e.lookupBytes(v)
	}
	return e.lookup(string(name))
}

func isNameChar(c byte) bool { return class[c]&(cWord|cDot) != 0 }

// sepLen returns the length of the separator of a pair at s[j]: "=", ":",
// "=>" or ":=", not "==", "::" or "://".
func sepLen[T text](s T, j int) int {
	if j >= len(s) {
		return 0
	}
	switch s[j] {
	case '=':
		if j+1 < len(s) {
			switch s[j+1] {
			case '=':
				return 0
			case '>':
				return 2
			}
		}
		return 1
	case ':':
		if j+1 < len(s) {
			switch s[j+1] {
			case ':', '/':
				return 0
			case '=':
				return 2
			}
		}
		return 1
	}
	return 0
}

func atLineStart[T text](s T, i int) bool {
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '\t') {
		i--
	}
	return i == 0 || s[i-1] == '\n' || s[i-1] == '\r'
}

// valueAt returns the span of the value that starts after the separator
// at s[j] (spaces first).
func valueAt[T text](s T, j int, lineStyle bool) Span {
	n := len(s)
	for j < n && (s[j] == ' ' || s[j] == '\t') {
		j++
	}
	if j >= n || s[j] == '\n' || s[j] == '\r' {
		return Span{j, j}
	}
	if m := markLen(s[j:]); m > 0 {
		return Span{j, j}
	}
	switch c := s[j]; {
	case c == '"' || c == '\'':
		// Up to the closing quote; without one, to the end: fail closed.
		k := j + 1
		for k < n && s[k] != c {
			if s[k] == '\\' {
				k++
			}
			k++
		}
		return Span{j + 1, min(k, n)}
	case c == '\\' && j+1 < n && (s[j+1] == '"' || s[j+1] == '\''):
		// An escaped quote: the value of a pair in a string in a string.
		q := s[j+1]
		k := j + 2
		for k < n && !(s[k] == '\\' && k+1 < n && s[k+1] == q) {
			k++
		}
		return Span{j + 2, k}
	case c == '{' || c == '[':
		return Span{j, containerEnd(s, j)}
	}
	if lineStyle {
		k := j
		for k < n && s[k] != '\n' && s[k] != '\r' {
			k++
		}
		for k > j && (s[k-1] == ' ' || s[k-1] == '\t') {
			k--
		}
		return Span{j, k}
	}
	k := valueEnd(s, j)
	if k < n && s[k] == ' ' && isScheme(s[j:k]) {
		// "Bearer abc": the credentials are the next word.
		k = valueEnd(s, k+1)
	}
	return Span{j, k}
}

func valueEnd[T text](s T, k int) int {
	for k < len(s) {
		switch s[k] {
		case ' ', '\t', '\n', '\r', '&', ';', ',', '"', '\'', '<', '>', '(', ')', '{', '}', '[', ']', '\\':
			return k
		}
		k++
	}
	return k
}

var schemes = []string{"bearer", "basic", "digest", "token", "negotiate", "ntlm", "dpop", "apikey", "aws4-hmac-sha256", "hmac"}

func isScheme[T text](w T) bool {
	for _, sc := range schemes {
		if len(w) == len(sc) && hasPrefixFold(w, 0, sc) {
			return true
		}
	}
	return false
}

// containerEnd returns the end of the JSON-like object or array at s[j]:
// after its closing bracket, counting brackets outside strings, or len(s)
// when it is not closed.
func containerEnd[T text](s T, j int) int {
	depth := 0
	inStr := false
	for k := j; k < len(s); k++ {
		c := s[k]
		if inStr {
			switch c {
			case '\\':
				k++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return k + 1
			}
		}
	}
	return len(s)
}

// scratch holds the buffers of a percent-decoding pass.
type scratch struct {
	buf   []byte
	from  []int32
	spans []Span
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// findDecoded runs the detectors again on s decoded once: percent-escapes
// (%41) and backslash escapes (\u0041, \n, \"), as a secret is written
// in a URL or in a JSON string quoted in text, and maps what they find
// back onto s.
func findDecoded[T text](e *Engine, dst []Span, s T, pairs bool) []Span {
	sc := scratchPool.Get().(*scratch)
	sc.buf, sc.from = sc.buf[:0], sc.from[:0]
	for k := 0; k < len(s); k++ {
		sc.from = append(sc.from, int32(k))
		c := s[k]
		switch {
		case c == '%' && k+2 < len(s) && class[s[k+1]]&cHex != 0 && class[s[k+2]]&cHex != 0:
			sc.buf = append(sc.buf, unhex(s[k+1])<<4|unhex(s[k+2]))
			k += 2
			continue
		case c == '\\' && k+1 < len(s):
			switch s[k+1] {
			case 'u':
				if k+5 < len(s) && isHex4(s, k+2) {
					r := rune(unhex(s[k+2]))<<12 | rune(unhex(s[k+3]))<<8 | rune(unhex(s[k+4]))<<4 | rune(unhex(s[k+5]))
					n := len(sc.buf)
					sc.buf = utf8.AppendRune(sc.buf, r)
					for range len(sc.buf) - n - 1 {
						sc.from = append(sc.from, int32(k))
					}
					k += 5
					continue
				}
			case 'n':
				sc.buf = append(sc.buf, '\n')
				k++
				continue
			case 'r':
				sc.buf = append(sc.buf, '\r')
				k++
				continue
			case 't':
				sc.buf = append(sc.buf, '\t')
				k++
				continue
			case '"', '\\', '/', '\'':
				sc.buf = append(sc.buf, s[k+1])
				k++
				continue
			}
		}
		sc.buf = append(sc.buf, c)
	}
	sc.spans, _ = findValues(e, sc.spans[:0], sc.buf)
	if pairs {
		sc.spans = findPairs(e, sc.spans, sc.buf)
	}
	for _, sp := range sc.spans {
		end := len(s)
		if sp.End < len(sc.from) {
			end = int(sc.from[sp.End])
		}
		// A span that ends inside an escape covers all of it.
		if sp.End > 0 && sp.End < len(sc.from) && sc.from[sp.End] == sc.from[sp.End-1] {
			end = int(sc.from[sp.End-1]) + 1
			for end < len(s) && end-int(sc.from[sp.End-1]) < 6 && class[s[end]]&cHex != 0 {
				end++
			}
		}
		dst = append(dst, Span{int(sc.from[sp.Start]), end})
	}
	if cap(sc.buf) <= 1<<16 {
		scratchPool.Put(sc)
	}
	return dst
}

func isHex4[T text](s T, i int) bool {
	for k := i; k < i+4; k++ {
		if class[s[k]]&cHex == 0 {
			return false
		}
	}
	return true
}

func unhex(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// TailStart returns where the masked tail of a text cut at a size limit
// begins: the last token, which may be the first part of a secret too
// short to be recognized, and the run of digits, spaces and dashes before
// it when it is a number (a card number cut in its groups). Masking
// s[TailStart(s):] leaves no piece of a cut secret.
func TailStart(s []byte) int {
	k := len(s)
	for k > 0 && !tailStop(s[k-1]) {
		k--
	}
	j := len(s)
	digits := false
	for j > 0 && (isDigit(s[j-1]) || s[j-1] == ' ' || s[j-1] == '-') {
		digits = digits || isDigit(s[j-1])
		j--
	}
	if digits && j < k {
		for j < len(s) && !isDigit(s[j]) {
			j++
		}
		k = j
	}
	return k
}

func tailStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '&', ',', ';', '<', '>', '(', ')', '{', '}', '[', ']':
		return true
	}
	return false
}
