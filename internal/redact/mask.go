package redact

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"slices"
	"strconv"
	"sync"
)

// Placeholder replaces a redacted value.
const Placeholder = "[REDACTED]"

// A Masker writes the mark that replaces a secret: [Placeholder], or in
// keyed-hash mode "[REDACTED:" followed by the first 8 hex digits of the
// HMAC-SHA256 of the secret and "]", so that equal secrets have equal
// marks. It is safe for concurrent use.
type Masker struct {
	hash bool
	pool sync.Pool // of *hasher
}

type hasher struct {
	h   hash.Hash // HMAC-SHA256 with the key
	sum [sha256.Size]byte
}

// processKey is the key of keyed-hash mode when none is given: random,
// made once per process, so marks match within a process and not across.
var processKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
})

// NewMasker returns a Masker that writes [Placeholder], or keyed hashes
// when hash is true (with key, or a random key per process when key is
// empty). It copies key.
func NewMasker(hash bool, key []byte) *Masker {
	m := &Masker{hash: hash}
	if hash {
		if len(key) == 0 {
			key = processKey()
		}
		key = append([]byte(nil), key...)
		m.pool.New = func() any { return &hasher{h: hmac.New(sha256.New, key)} }
	}
	return m
}

// Hash reports whether m writes keyed hashes.
func (m *Masker) Hash() bool { return m.hash }

// Append appends the mark of secret to dst. A secret that already is a
// mark is appended as it is, so that redacting twice changes nothing.
func (m *Masker) Append(dst, secret []byte) []byte { return appendMark(m, dst, secret) }

// AppendString is [Masker.Append] for a string.
func (m *Masker) AppendString(dst []byte, secret string) []byte { return appendMark(m, dst, secret) }

// Mark returns the mark of secret.
func (m *Masker) Mark(secret string) string {
	if !m.hash {
		return Placeholder
	}
	var buf [32]byte
	return string(m.AppendString(buf[:0], secret))
}

func appendMark[T text](m *Masker, dst []byte, secret T) []byte {
	if markLen(secret) == len(secret) && len(secret) > 0 {
		return append(dst, secret...)
	}
	if !m.hash {
		return append(dst, Placeholder...)
	}
	h := m.pool.Get().(*hasher)
	h.h.Reset()
	switch v := any(secret).(type) {
	case []byte:
		h.h.Write(v)
	case string:
		io.WriteString(h.h, v)
	}
	sum := h.h.Sum(h.sum[:0])
	dst = append(dst, "[REDACTED:"...)
	dst = hex.AppendEncode(dst, sum[:4])
	m.pool.Put(h)
	return append(dst, ']')
}

// Omitted returns the mark of a body, or part of one, that is not kept:
// "[omitted: n bytes]".
func Omitted(n int64) string {
	return "[omitted: " + strconv.FormatInt(n, 10) + " bytes]"
}

// IsMark reports whether s is a mark: [Placeholder], a keyed-hash mark
// or an [Omitted] mark.
func IsMark(s string) bool { return len(s) > 0 && markLen(s) == len(s) }

// HasMarkPrefix reports whether s begins with a mark: a value already
// redacted, perhaps with what followed the secret.
func HasMarkPrefix(s []byte) bool { return markLen(s) > 0 }

// IsMarkBytes is [IsMark] for bytes.
func IsMarkBytes(s []byte) bool { return isMark(s) }

func isMark[T text](s T) bool { return len(s) > 0 && markLen(s) == len(s) }

// markLen returns the length of the mark s starts with, or 0.
func markLen[T text](s T) int {
	if len(s) < len(Placeholder) || s[0] != '[' {
		return 0
	}
	if hasPrefix(s, 0, Placeholder) {
		return len(Placeholder)
	}
	const hashed = len("[REDACTED:12345678]")
	if hasPrefix(s, 0, "[REDACTED:") && len(s) >= hashed && s[hashed-1] == ']' {
		for k := len("[REDACTED:"); k < hashed-1; k++ {
			if !isDigit(s[k]) && (s[k] < 'a' || s[k] > 'f') {
				return 0
			}
		}
		return hashed
	}
	if hasPrefix(s, 0, "[omitted: ") {
		k := len("[omitted: ")
		d := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k > d && hasPrefix(s, k, " bytes]") {
			return k + len(" bytes]")
		}
	}
	return 0
}

// AppendMasked appends s to dst with every span replaced by its mark.
// Overlapping spans are merged first; spans is sorted in place.
func AppendMasked[T text](dst []byte, s T, spans []Span, m *Masker) []byte {
	spans = Merge(spans)
	last := 0
	for _, sp := range spans {
		dst = append(dst, s[last:sp.Start]...)
		dst = appendMark(m, dst, s[sp.Start:sp.End])
		last = sp.End
	}
	return append(dst, s[last:]...)
}

// Merge sorts spans by start and merges those that overlap, in place, and
// returns the result. Empty spans are dropped.
func Merge(spans []Span) []Span {
	if len(spans) > 1 {
		slices.SortFunc(spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	}
	out := spans[:0]
	for _, sp := range spans {
		if sp.End <= sp.Start {
			continue
		}
		if k := len(out) - 1; k >= 0 && sp.Start < out[k].End {
			out[k].End = max(out[k].End, sp.End)
			continue
		}
		out = append(out, sp)
	}
	return out
}
