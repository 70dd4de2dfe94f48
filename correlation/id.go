package correlation

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// DefaultHeader is the header that carries the correlation ID unless
// [WithHeader] names another. Its gRPC metadata key is its lower-case form.
const DefaultHeader = "X-Request-ID"

// MaxIDLength is the length in bytes of the longest ID that [ValidID]
// accepts.
const MaxIDLength = 128

// ValidID reports whether id is an acceptable incoming ID under the default
// rule: 1 to [MaxIDLength] bytes, each one of A–Z, a–z, 0–9 and the four
// punctuation marks '.', '_', ':' and '-'. It never allocates and stops at
// the first byte outside the set, so it is cheap on hostile input of any
// length.
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !idByte[id[i]] {
			return false
		}
	}
	return true
}

// idByte marks the bytes that ValidID allows.
var idByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "._:-" {
		t[c] = true
	}
	return t
}()

// NewID returns a new random ID: a UUIDv7 in its 36-character text form. A
// UUIDv7 starts with the time in milliseconds, so IDs made later sort later
// and a log search by ID prefix narrows to a time window.
func NewID() string {
	u, err := uuid.NewV7()
	if err != nil {
		// The system's random source failed, which Go 1.24 and later
		// treat as fatal before this point; keep IDs unique regardless.
		return fallbackID()
	}
	return u.String()
}

var fallbackSeq atomic.Uint64

// fallbackID makes a unique, sortable ID without randomness.
func fallbackID() string {
	b := make([]byte, 0, 32)
	b = strconv.AppendInt(b, time.Now().UnixNano(), 36)
	b = append(b, '-')
	b = strconv.AppendUint(b, fallbackSeq.Add(1), 36)
	return string(b)
}

// Printable reports whether s is non-empty and holds only printable ASCII
// (0x20 to 0x7E): the bytes an ID may hold to travel both in an HTTP header
// and in gRPC metadata. Every ID the middleware and interceptors accept or
// make is printable whatever the validator; an ID put in a context by hand
// with [NewContext] may not be, and [NewTransport] does not send one that
// is not.
func Printable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
