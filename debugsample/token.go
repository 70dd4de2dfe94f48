package debugsample

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/reprokit/reprokit/internal/reqmatch"
)

// Limits of debug tokens.
const (
	// MinKeyLen is the shortest key that signs or verifies tokens, in
	// bytes. 32 random bytes are recommended.
	MinKeyLen = 16
	// MaxTokenLen is the longest header value taken for a token; a longer
	// one is refused unread.
	MaxTokenLen = 512
	// MaxScopeLen is the longest scope a token may carry.
	MaxScopeLen = 256
)

// Errors of [NewToken].
var (
	ErrShortKey   = errors.New("debugsample: token key shorter than MinKeyLen")
	ErrTokenTTL   = errors.New("debugsample: token TTL not between one second and the maximum")
	ErrTokenScope = errors.New("debugsample: token scope is neither \"*\" nor a valid ServeMux pattern")
)

// TokenRefusal says why a debug token was refused.
type TokenRefusal uint8

// The reasons a token is refused. They are checked in this order, and the
// signature before anything it signs, so a forged token is only ever
// "forged", whatever it claims.
const (
	// TokenOversized: longer than [MaxTokenLen], not read.
	TokenOversized TokenRefusal = iota + 1
	// TokenMalformed: not the token format (wrong version, bad base64,
	// truncated, sent in more than one header line, …).
	TokenMalformed
	// TokenForged: its signature matches none of the keys, which is
	// always the case when no key is configured.
	TokenForged
	// TokenNotYetValid: issued more than a minute in the future.
	TokenNotYetValid
	// TokenExpired: past its expiry, or past its issue time plus the
	// maximum TTL, whichever is earlier.
	TokenExpired
	// TokenOutOfScope: its scope pattern does not match the request.
	TokenOutOfScope

	numRefusals = iota + 1
)

var refusalNames = [numRefusals]string{
	"", "oversized", "malformed", "forged", "not_yet_valid", "expired", "out_of_scope",
}

// String returns the reason as a word, such as "forged".
func (r TokenRefusal) String() string {
	if int(r) < len(refusalNames) && r != 0 {
		return refusalNames[r]
	}
	return fmt.Sprintf("TokenRefusal(%d)", uint8(r))
}

// The token format is
//
//	"v1." base64url(payload) "." base64url(mac)
//
// without padding, where payload is the issue time and the expiry, as
// big-endian 64-bit Unix seconds, followed by the scope, and mac is
// HMAC-SHA256(key, tokenDomain || payload). The domain string keeps a key
// that signs tokens from signing anything else by accident.
const (
	tokenPrefix  = "v1."
	tokenDomain  = "reprokit/debugsample/token/v1\x00"
	tokenFixed   = 16 // issue time and expiry
	tokenMACLen  = sha256.Size
	tokenSkew    = time.Minute // how far in the future an issue time may be
	maxPayload   = (MaxTokenLen * 3) / 4
	tokenEncoded = 43 // base64 length of the MAC
)

var tokenEncoding = base64.RawURLEncoding.Strict()

// NewToken returns a debug token signed with key, valid for ttl from now
// on the requests that scope matches: "*" for every request, or an
// http.ServeMux pattern such as "POST /orders/" (see [Rule.Pattern]). A
// request that carries it in the X-Debug-Token header is logged live by a
// Sampler that holds key (see [WithTokenKeys]), within the rate cap.
//
// The token is a bearer credential until it expires: anyone who has it
// can replay it on any request in scope, so keep ttl short and the scope
// narrow. It reveals its scope and times to whoever reads it, not the
// key.
//
// NewToken reads the options [WithClock] and [WithMaxTokenTTL]. It
// returns [ErrShortKey] for a key shorter than [MinKeyLen], [ErrTokenTTL]
// for a ttl under one second or above the maximum ([DefaultMaxTokenTTL]
// unless set), and [ErrTokenScope] for an invalid scope or one longer
// than [MaxScopeLen].
func NewToken(key []byte, ttl time.Duration, scope string, opts ...Option) (string, error) {
	c := newTokenConfig(opts)
	if len(key) < MinKeyLen {
		return "", ErrShortKey
	}
	if ttl < time.Second || ttl > c.maxTTL {
		return "", fmt.Errorf("%w: %v (maximum %v)", ErrTokenTTL, ttl, c.maxTTL)
	}
	if !validScope(scope) {
		return "", ErrTokenScope
	}
	iat := c.now().Unix()
	payload := make([]byte, tokenFixed, tokenFixed+len(scope))
	binary.BigEndian.PutUint64(payload[0:], uint64(iat))
	binary.BigEndian.PutUint64(payload[8:], uint64(iat+int64(ttl/time.Second)))
	payload = append(payload, scope...)
	var sum [tokenMACLen]byte
	mac := tokenMAC(key, payload, sum[:0])

	var b strings.Builder
	b.Grow(len(tokenPrefix) + tokenEncoding.EncodedLen(len(payload)) + 1 + tokenEncoded)
	b.WriteString(tokenPrefix)
	b.WriteString(tokenEncoding.EncodeToString(payload))
	b.WriteByte('.')
	b.WriteString(tokenEncoding.EncodeToString(mac))
	return b.String(), nil
}

// newTokenConfig reads only what NewToken needs, without building the
// rest of a config (and its Stats).
func newTokenConfig(opts []Option) config {
	c := config{now: time.Now, maxTTL: DefaultMaxTokenTTL}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

func tokenMAC(key, payload, dst []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tokenDomain))
	m.Write(payload)
	return m.Sum(dst)
}

// validScope reports whether s is "*" or a ServeMux pattern of printable
// ASCII no longer than MaxScopeLen.
func validScope(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" || len(s) > MaxScopeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return reqmatch.MuxAccepts(s) == nil
}

// tokenChar marks the bytes a token's body may hold.
var tokenChar = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_." {
		t[c] = true
	}
	return t
}()

// tokenClaims is what a token says once its signature is checked.
type tokenClaims struct {
	issued, expires int64 // Unix seconds
	scope           string
}

// parseToken splits and decodes a token, without any key. It returns the
// signed payload and the MAC (both in buf), or why the token is not one.
func parseToken(s string, buf *[maxPayload + tokenMACLen]byte) (payload, mac []byte, why TokenRefusal) {
	if len(s) > MaxTokenLen {
		return nil, nil, TokenOversized
	}
	body, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok {
		return nil, nil, TokenMalformed
	}
	// Only the URL-safe alphabet and the separator: the base64 decoder
	// would skip CR and LF, giving one token several spellings.
	for i := 0; i < len(body); i++ {
		if !tokenChar[body[i]] {
			return nil, nil, TokenMalformed
		}
	}
	p64, m64, ok := strings.Cut(body, ".")
	if !ok || len(m64) != tokenEncoded || strings.IndexByte(m64, '.') >= 0 {
		return nil, nil, TokenMalformed
	}
	if tokenEncoding.DecodedLen(len(p64)) > maxPayload {
		return nil, nil, TokenMalformed
	}
	n, err := tokenEncoding.Decode(buf[:maxPayload], []byte(p64))
	if err != nil || n < tokenFixed || n > tokenFixed+MaxScopeLen {
		return nil, nil, TokenMalformed
	}
	payload = buf[:n]
	m, err := tokenEncoding.Decode(buf[maxPayload:], []byte(m64))
	if err != nil || m != tokenMACLen {
		return nil, nil, TokenMalformed
	}
	return payload, buf[maxPayload : maxPayload+m], 0
}

// claims reads a payload whose signature has been checked.
func claims(payload []byte) tokenClaims {
	return tokenClaims{
		issued:  int64(binary.BigEndian.Uint64(payload[0:])),
		expires: int64(binary.BigEndian.Uint64(payload[8:])),
		scope:   string(payload[tokenFixed:]),
	}
}

// verifyToken checks the token values of a request (the values of the
// token header) against keys at time now, and returns 0 if the request may
// be made live, or why not.
func verifyToken(values []string, keys [][]byte, now time.Time, maxTTL time.Duration, r *http.Request) TokenRefusal {
	if len(values) != 1 {
		return TokenMalformed
	}
	var buf [maxPayload + tokenMACLen]byte
	payload, mac, why := parseToken(values[0], &buf)
	if why != 0 {
		return why
	}
	if !signedByAny(keys, payload, mac) {
		return TokenForged
	}
	c := claims(payload)
	t := now.Unix()
	if c.issued > t+int64(tokenSkew/time.Second) {
		return TokenNotYetValid
	}
	// A TTL above the maximum is cut to it: the token was minted under
	// another configuration, or not by NewToken.
	exp := min(c.expires, c.issued+int64(maxTTL/time.Second))
	if c.issued > exp || t >= exp {
		return TokenExpired
	}
	if !inScope(c.scope, r) {
		return TokenOutOfScope
	}
	return 0
}

// signedByAny compares the MAC with each key's, in constant time.
func signedByAny(keys [][]byte, payload, mac []byte) bool {
	var sum [tokenMACLen]byte
	ok := false
	for _, k := range keys {
		// Every key is tried, so the time taken does not say which one
		// matched.
		if hmac.Equal(tokenMAC(k, payload, sum[:0]), mac) {
			ok = true
		}
	}
	return ok
}

// inScope reports whether a token scope admits r.
func inScope(scope string, r *http.Request) bool {
	if scope == "*" {
		return true
	}
	if !validScope(scope) {
		return false
	}
	p, err := reqmatch.Parse(scope)
	if err != nil {
		return false
	}
	return p.Match(r.Method, reqmatch.StripHostPort(r.Host), reqmatch.RequestPath(r))
}
