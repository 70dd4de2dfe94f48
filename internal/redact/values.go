package redact

import (
	"encoding/base64"
	"regexp"
)

// text is what the detectors read: a header value or a body, without
// converting one into the other.
type text interface{ ~string | ~[]byte }

// Span is the byte range [Start, End) of a secret in a text.
type Span struct{ Start, End int }

// Find appends to dst the spans of s that the value patterns find: bearer
// and basic credentials, JSON Web Tokens, PEM private key blocks, card
// numbers (Luhn), URL userinfo, webhook URLs, provider keys and the
// configured patterns, in s as it is and after percent-decoding. Spans may
// overlap and are not sorted; [AppendMasked] merges them.
//
// The Find methods are not inlined: a call to a generic function from
// another package hides from escape analysis that dst stays on the
// caller's stack, and would cost an allocation per call.
//
//go:noinline
func (e *Engine) Find(dst []Span, s string) []Span { return find(e, dst, s, false) }

// FindBytes is [Engine.Find] for bytes.
//
//go:noinline
func (e *Engine) FindBytes(dst []Span, s []byte) []Span { return find(e, dst, s, false) }

// FindText is [Engine.Find] for free text: it also finds the values of
// sensitive "name=value", "name: value", "name => value" and
// <name>value</name> pairs (see [Engine.Name] for which names).
//
//go:noinline
func (e *Engine) FindText(dst []Span, s string) []Span { return find(e, dst, s, true) }

// FindTextBytes is [Engine.FindText] for bytes.
//
//go:noinline
func (e *Engine) FindTextBytes(dst []Span, s []byte) []Span { return find(e, dst, s, true) }

func find[T text](e *Engine, dst []Span, s T, pairs bool) []Span {
	dst, seen := findValues(e, dst, s)
	if pairs && seen&(tSep|tColon) != 0 {
		dst = findPairs(e, dst, s)
	}
	if seen&(tPct|tEsc) != 0 {
		dst = findDecoded(e, dst, s, pairs)
	}
	return dst
}

// Character classes of the token rules.
const (
	cLower = 1 << iota
	cUpper
	cDigit
	cUnder
	cDash
	cDot
	cTilde
	cPlus
	cSlash
	cEq
	cHex // 0-9 a-f A-F

	cAlpha  = cLower | cUpper
	cAlnum  = cAlpha | cDigit
	cWord   = cAlnum | cUnder | cDash // a token goes on over these
	cB64URL = cWord
	cB64    = cAlnum | cPlus | cSlash | cEq
	cUpDig  = cUpper | cDigit
	// b64token of RFC 6750, the credentials of a bearer header.
	cB64Token = cWord | cDot | cTilde | cPlus | cSlash | cEq
)

var class [256]uint16

// Triggers: what to try at a byte.
const (
	tRules = 1 << iota // rulesAt[c] lists rules whose prefix starts with c
	tDigit             // card numbers, chat bot tokens
	tColon             // scheme://userinfo@
	tTilde             // Azure AD client secrets (xxx8Q~…)
	tDot               // JWT payloads (….eyJ….…), Terraform tokens (….atlasv1.…)
	tDash              // Mailchimp keys (…-us12)
	tSep               // = and >: a pair may follow (with tColon)
	tPct               // %: percent-decode
	tEsc               // \: unescape
)

var (
	trigger [256]uint16
	rulesAt [256][]*rule
	// The first two bytes of the prefixes of the rules, as a bit set
	// indexed by c0<<8|c1: anyPair for rules that match anywhere,
	// wordPair for those that must start a word. Most bytes of a text
	// start no prefix; these sets rule them out at the cost of a load.
	anyPair, wordPair [1 << 16 / 64]uint64
)

func addPair(set *[1 << 16 / 64]uint64, c0, c1 byte) {
	k := int(c0)<<8 | int(c1)
	set[k/64] |= 1 << (k % 64)
}

func hasPair(set *[1 << 16 / 64]uint64, c0, c1 byte) bool {
	k := int(c0)<<8 | int(c1)
	return set[k/64]&(1<<(k%64)) != 0
}

func init() {
	for c := 0; c < 256; c++ {
		b := byte(c)
		var m uint16
		switch {
		case isLower(b):
			m = cLower
		case isUpper(b):
			m = cUpper
		case isDigit(b):
			m = cDigit
		}
		switch b {
		case '_':
			m = cUnder
		case '-':
			m = cDash
		case '.':
			m = cDot
		case '~':
			m = cTilde
		case '+':
			m = cPlus
		case '/':
			m = cSlash
		case '=':
			m = cEq
		}
		if isDigit(b) || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F' {
			m |= cHex
		}
		class[c] = m
		if isDigit(b) {
			trigger[c] |= tDigit
		}
	}
	trigger[':'] |= tColon
	trigger['~'] |= tTilde
	trigger['.'] |= tDot
	trigger['-'] |= tDash
	trigger['='] |= tSep
	trigger['>'] |= tSep
	trigger['%'] |= tPct
	trigger['\\'] |= tEsc
	for i := range rules {
		r := &rules[i]
		firsts, seconds := []byte{r.prefix[0]}, []byte{r.prefix[1]}
		if r.fold {
			firsts = []byte{lower(r.prefix[0]), upper(r.prefix[0])}
			seconds = []byte{lower(r.prefix[1]), upper(r.prefix[1])}
		}
		set := &anyPair
		if r.word {
			set = &wordPair
		}
		for _, c := range firsts {
			rulesAt[c] = append(rulesAt[c], r)
			trigger[c] |= tRules
			for _, c1 := range seconds {
				addPair(set, c, c1)
			}
		}
	}
}

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

func upper(c byte) byte {
	if isLower(c) {
		return c - 'a' + 'A'
	}
	return c
}

// findValues is the value detector: one pass over s, trying at each byte
// only what can start there. seen has the trigger bits of the bytes it
// went over, which say whether the pair and percent-decoding passes have
// anything to look at.
func findValues[T text](e *Engine, dst []Span, s T) (_ []Span, seen uint16) {
	n := len(s)
	noJWT, noUserinfo := 0, 0
	memo := endMemo{from: -1}
	for i := 0; i < n; i++ {
		t := trigger[s[i]]
		if t == 0 {
			continue
		}
		seen |= t
		sp, next := Span{-1, -1}, i+1
		if t&tDigit != 0 {
			if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '.' || s[i-1] == '_') {
				continue
			}
			sp, next = digitsAt(s, i)
		}
		if t&tRules != 0 && i+1 < n {
			c0, c1 := s[i], s[i+1]
			if hasPair(&anyPair, c0, c1) || (i == 0 || !isAlnum(s[i-1])) && hasPair(&wordPair, c0, c1) {
				for _, r := range rulesAt[c0] {
					if r.kind == kJWT {
						// A failed JWT fails again anywhere in its first
						// segment: do not read it again for every "eyJ".
						if i < noJWT {
							continue
						}
						var fail int
						if sp, fail = jwtAt(s, i); sp.End >= 0 {
							break
						}
						noJWT = fail
						continue
					}
					if sp = match(r, s, i, &memo); sp.End >= 0 {
						break
					}
				}
			}
		}
		if sp.End < 0 {
			switch {
			case t&tColon != 0:
				if i+3 >= noUserinfo {
					// As for JWTs: an authority that starts inside one that
					// had no userinfo ends where it does, and has none either.
					sp, noUserinfo = userinfoAt(s, i)
				}
			case t&tTilde != 0:
				sp = azureSecretAt(s, i)
			case t&tDot != 0:
				if sp = payloadJWTAt(s, i); sp.End < 0 {
					sp = terraformAt(s, i)
				}
			case t&tDash != 0:
				sp = mailchimpAt(s, i)
			}
		}
		if sp.End >= 0 {
			dst = append(dst, sp)
			next = sp.End
			// A private key block may begin inside what was matched
			// ("Bearer 0-----BEGIN PRIVATE KEY-----…"), and would be cut
			// at the end of the match: look at it again there.
			for k := max(i+1, sp.Start); k < sp.End; k++ {
				if s[k] == '-' && hasPrefix(s, k, "-----BEGIN") {
					next = k
					break
				}
			}
		}
		i = next - 1
	}
	if len(e.patterns) > 0 {
		dst = findPatterns(e.patterns, dst, s)
	}
	return dst, seen
}

func findPatterns[T text](patterns []*regexp.Regexp, dst []Span, s T) []Span {
	for _, p := range patterns {
		var ms [][]int
		switch v := any(s).(type) {
		case string:
			ms = p.FindAllStringIndex(v, -1)
		case []byte:
			ms = p.FindAllIndex(v, -1)
		default:
			ms = p.FindAllStringIndex(string(s), -1)
		}
		for _, m := range ms {
			if m[1] > m[0] {
				dst = append(dst, widen(s, Span{m[0], m[1]}, cWord))
			}
		}
	}
	return dst
}

// widen extends sp over the token characters (class chars) on both sides,
// so that a mask covers a whole token, never a prefix of one.
func widen[T text](s T, sp Span, chars uint16) Span {
	for sp.Start > 0 && class[s[sp.Start-1]]&chars != 0 {
		sp.Start--
	}
	// Never split a percent-escape: "%0Aghp_…" masks from the "%".
	for k := 1; k <= 2; k++ {
		if sp.Start >= k && s[sp.Start-k] == '%' && sp.Start-k+2 < len(s) && class[s[sp.Start-k+1]]&cHex != 0 && class[s[sp.Start-k+2]]&cHex != 0 {
			sp.Start -= k
			break
		}
	}
	for sp.End < len(s) && class[s[sp.End]]&chars != 0 {
		sp.End++
	}
	return sp
}

func hasPrefix[T text](s T, i int, p string) bool {
	if len(s)-i < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		if s[i+k] != p[k] {
			return false
		}
	}
	return true
}

func hasPrefixFold[T text](s T, i int, p string) bool {
	if len(s)-i < len(p) {
		return false
	}
	for k := 0; k < len(p); k++ {
		if lower(s[i+k]) != p[k] {
			return false
		}
	}
	return true
}

// runMax is run that stops at max.
func runMax[T text](s T, i int, chars uint16, max int) int {
	for i < len(s) && i < max && class[s[i]]&chars != 0 {
		i++
	}
	return i
}

// run returns the end of the run of class chars in s from i.
func run[T text](s T, i int, chars uint16) int {
	for i < len(s) && class[s[i]]&chars != 0 {
		i++
	}
	return i
}

// mixed reports whether s has at least two of lower-case letters,
// upper-case letters and digits, as a random key does and a word does not.
func mixed[T text](s T) bool {
	var seen uint16
	for i := 0; i < len(s); i++ {
		seen |= class[s[i]] & cAlnum
	}
	return seen&(seen-1) != 0
}

// digitsAt looks at the number that starts at s[i]: a card number, alone
// or in groups separated by single spaces, dashes or pluses (a space in a
// URL-encoded form) (a window of 13 to 19
// digits of whole groups that passes the Luhn check and starts like a
// card), or a chat bot token (Telegram: 8 to 10 digits, ":AA", 30 or more
// characters). It returns the span found, if any, and where to go on.
func digitsAt[T text](s T, i int) (Span, int) {
	const maxGroups = 32
	var gs, ge [maxGroups]int
	g := 0
	k := i
	for {
		a := k
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if g < maxGroups {
			gs[g], ge[g] = a, k
			g++
		}
		if k+1 < len(s) && (s[k] == ' ' || s[k] == '-' || s[k] == '+') && isDigit(s[k+1]) {
			k++
			continue
		}
		break
	}
	end := k
	if last := min(g, maxGroups) - 1; ge[last] == end && ge[last]-gs[last] >= 8 && ge[last]-gs[last] <= 10 && hasPrefix(s, end, ":AA") {
		if e := run(s, end+3, cB64URL); e-(end+3) >= 30 {
			return widen(s, Span{gs[last], e}, cWord), e
		}
	}
	if end < len(s) && class[s[end]]&(cAlnum|cUnder) != 0 {
		// The last group runs into a word ("…1111abc"): not a number. What
		// follows is looked at as usual.
		g--
	}
	for a := 0; a < g; a++ {
		digits := 0
		for b := a; b < g; b++ {
			digits += ge[b] - gs[b]
			if digits > 19 {
				break
			}
			if digits >= 13 && card(s, gs[a], ge[b], digits) {
				return Span{gs[a], ge[b]}, ge[b]
			}
		}
	}
	return Span{-1, -1}, max(end, i+1)
}

// card reports whether the digits of s[a:b] (n of them, with separators)
// form a card number: a known length for its first digit (2 to 6) and a
// valid Luhn check digit. Numbers that start with 1, such as timestamps in
// milliseconds, never match.
func card[T text](s T, a, b, n int) bool {
	first := s[a]
	switch {
	case first < '2' || first > '6':
		return false
	case n == 13 && first != '4', n == 14 && first != '3', n == 15 && first != '3' && first != '2':
		return false
	}
	sum, double := 0, false
	for k := b - 1; k >= a; k-- {
		c := s[k]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// userinfoAt finds the userinfo of a URL whose "://" starts at s[i]:
// "https://user:password@host" masks "user:password".
// It also returns where the authority ends.
func userinfoAt[T text](s T, i int) (Span, int) {
	if i == 0 || !isAlnum(s[i-1]) || !hasPrefix(s, i, "://") {
		return Span{-1, -1}, 0
	}
	a := i + 3
	at := -1
	k := a
	for ; k < len(s); k++ {
		c := s[k]
		if c == '@' {
			at = k
			continue
		}
		if c == '/' || c == '?' || c == '#' || c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`' {
			break
		}
		if c == '[' && markLen(s[k:]) > 0 {
			break // a mark ends it, as what it replaced may have
		}
	}
	if at <= a || markLen(s[a:at]) > 0 {
		return Span{-1, -1}, k // none, or redacted already
	}
	return Span{a, at}, k
}

// azureSecretAt finds an Azure AD client secret around the "~" at s[i]:
// three characters, "8Q~" (or "7Q~"), 31 or more characters.
func azureSecretAt[T text](s T, i int) Span {
	const chars = cWord | cDot | cTilde
	if i < 5 || s[i-1] != 'Q' || (s[i-2] != '8' && s[i-2] != '7') {
		return Span{-1, -1}
	}
	a := i - 5
	if class[s[a]]&chars == 0 || class[s[a+1]]&chars == 0 || class[s[a+2]]&chars == 0 {
		return Span{-1, -1}
	}
	e := run(s, i+1, chars)
	if e-(i+1) < 31 || !mixed(s[i+1:e]) {
		return Span{-1, -1}
	}
	return widen(s, Span{a, e}, chars)
}

// terraformAt finds a Terraform Cloud token around the ".atlasv1." at
// s[i]: 14 alphanumerics before it, 60 or more token characters after.
func terraformAt[T text](s T, i int) Span {
	if !hasPrefix(s, i, ".atlasv1.") {
		return Span{-1, -1}
	}
	a := i
	for a > 0 && isAlnum(s[a-1]) {
		a--
	}
	e := run(s, i+9, cB64URL)
	if i-a < 10 || e-(i+9) < 60 {
		return Span{-1, -1}
	}
	return widen(s, Span{a, e}, cWord)
}

// mailchimpAt finds a Mailchimp API key around the "-us" at s[i]: 32 hex
// digits, "-us", the data center number.
func mailchimpAt[T text](s T, i int) Span {
	if !hasPrefix(s, i, "-us") || i < 32 {
		return Span{-1, -1}
	}
	e := run(s, i+3, cDigit)
	if e == i+3 || e-(i+3) > 2 || e < len(s) && isAlnum(s[e]) {
		return Span{-1, -1}
	}
	for k := i - 32; k < i; k++ {
		if class[s[k]]&cHex == 0 || isUpper(s[k]) {
			return Span{-1, -1}
		}
	}
	return widen(s, Span{i - 32, e}, cWord)
}

// kind is what a rule finds once its prefix matched.
type kind uint8

const (
	kToken   kind = iota // prefix + a run of chars
	kJWT                 // eyJ…​.….…
	kPEM                 // -----BEGIN … PRIVATE KEY----- … -----END …-----
	kBearer              // Bearer <b64token>
	kBasic               // Basic <base64 of user:pass>
	kWebhook             // a webhook URL: what follows the prefix is secret
)

// rule is one value pattern that starts with a literal prefix.
type rule struct {
	prefix string
	kind   kind
	fold   bool   // the prefix matches in any case (written in lower case)
	word   bool   // the prefix must start a word: the byte before is no letter or digit
	chars  uint16 // the classes of the characters after the prefix
	min    int    // how many of them at least
	mixed  bool   // they mix letters and digits or cases, as random keys do
}

func match[T text](r *rule, s T, i int, memo *endMemo) Span {
	none := Span{-1, -1}
	if r.word && i > 0 && isAlnum(s[i-1]) {
		return none
	}
	if r.fold {
		if !hasPrefixFold(s, i, r.prefix) {
			return none
		}
	} else if !hasPrefix(s, i, r.prefix) {
		return none
	}
	j := i + len(r.prefix)
	switch r.kind {
	case kToken:
		// Reading min+64 characters decides; a real key looks random in
		// them. Reading no further keeps a run of near misses
		// ("sk-sk-sk-…") linear.
		e := runMax(s, j, r.chars, j+r.min+64)
		if e-j < r.min || r.mixed && !mixed(s[j:e]) {
			return none
		}
		return widen(s, Span{i, e}, cWord|r.chars)
	case kPEM:
		return pemAt(s, i, memo)
	case kBearer:
		return bearerAt(s, j)
	case kBasic:
		return basicAt(s, j)
	case kWebhook:
		e := j
		for e < len(s) {
			c := s[e]
			if c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '?' || c == '#' || c == '&' || c == '\\' || c == '`' || c == '[' && markLen(s[e:]) > 0 {
				break
			}
			e++
		}
		if e == j || markLen(s[j:e]) > 0 {
			return none // nothing, or redacted already
		}
		return Span{j, e}
	}
	return none
}

// jwtAt finds a JSON Web Token (JWS or JWE compact form) at s[i]: base64url
// segments separated by dots, at least three, the first a JSON object.
// When there is none, it returns the end of the first segment.
func jwtAt[T text](s T, i int) (Span, int) {
	e := run(s, i, cB64URL)
	if e-i < 10 || e >= len(s) || s[e] != '.' {
		return Span{-1, -1}, e
	}
	e2 := run(s, e+1, cB64URL)
	if e2-(e+1) < 3 || e2 >= len(s) || s[e2] != '.' {
		return Span{-1, -1}, e
	}
	end := run(s, e2+1, cB64URL)
	for end+1 < len(s) && s[end] == '.' && class[s[end+1]]&cB64URL != 0 {
		end = run(s, end+1, cB64URL)
	}
	return widen(s, Span{i, end}, cWord), e
}

// payloadJWTAt finds a JSON Web Token by its payload at s[i]: ".eyJ",
// a JSON object, after a first segment of 8 or more characters, then a
// third segment. It catches a token whose header does not read "eyJ"
// (its first bytes cut, or glued to an escape).
func payloadJWTAt[T text](s T, i int) Span {
	if !hasPrefix(s, i, ".eyJ") {
		return Span{-1, -1}
	}
	a := i
	for a > 0 && class[s[a-1]]&cB64URL != 0 {
		a--
	}
	e := run(s, i+1, cB64URL)
	if i-a < 8 || e-(i+1) < 6 || e >= len(s) || s[e] != '.' {
		return Span{-1, -1}
	}
	end := run(s, e+1, cB64URL)
	for end+1 < len(s) && s[end] == '.' && class[s[end+1]]&cB64URL != 0 {
		end = run(s, end+1, cB64URL)
	}
	return widen(s, Span{a, end}, cWord)
}

// pemAt finds a PEM block at s[i] whose label says PRIVATE, up to the end
// of its END line, or to the end of s when that line is missing.
func pemAt[T text](s T, i int, memo *endMemo) Span {
	// The label is upper-case words ("RSA PRIVATE KEY", "PGP PRIVATE KEY
	// BLOCK"), then "-----".
	a := i + len("-----BEGIN ")
	label := a
	for label < len(s) && label < a+80 && (isUpper(s[label]) || isDigit(s[label]) || s[label] == ' ') {
		label++
	}
	if !hasPrefix(s, label, "-----") || !contains(s[a:label], "PRIVATE") {
		return Span{-1, -1}
	}
	end := len(s)
	if k := endIndex(memo, s, label+5); k >= 0 {
		if k2 := index(s, k+9, "-----"); k2 >= 0 {
			end = k2 + 5
		}
	}
	return Span{i, end}
}

// endMemo remembers the last search for "-----END ": from where, and what
// it found (-1 for nothing). Blocks without an END line, one after the
// other, would otherwise each read the rest of the text.
type endMemo struct{ from, at int }

func endIndex[T text](m *endMemo, s T, from int) int {
	if m.from >= 0 && from >= m.from && (m.at < 0 || m.at >= from) {
		return m.at
	}
	m.from, m.at = from, index(s, from, "-----END ")
	return m.at
}

// bearerAt finds the credentials of a bearer token whose scheme ended at
// s[j]: one or more spaces (or "+", a space URL-encoded), then a b64token that is not an auth-param
// (realm="…") and, to pass over English prose ("bearer tokens"), mixes
// cases, digits or punctuation, or is long.
func bearerAt[T text](s T, j int) Span {
	a := j
	for a < len(s) && (s[a] == ' ' || s[a] == '\t' || s[a] == '+') {
		a++
	}
	if a == j {
		return Span{-1, -1}
	}
	e := run(s, a, cB64Token)
	if e == a || e < len(s) && s[e] == '"' {
		return Span{-1, -1}
	}
	if e-a < 20 {
		plain := true
		for k := a; k < e; k++ {
			if !isLower(s[k]) {
				plain = false
				break
			}
		}
		if plain {
			return Span{-1, -1}
		}
	}
	return Span{a, e}
}

// basicAt finds Basic credentials whose scheme ended at s[j]: base64 that
// decodes to "user:password".
func basicAt[T text](s T, j int) Span {
	a := j
	for a < len(s) && (s[a] == ' ' || s[a] == '\t' || s[a] == '+') {
		a++
	}
	if a == j {
		return Span{-1, -1}
	}
	e := run(s, a, cB64)
	if e-a < 4 || e-a > 1024 || e < len(s) && s[e] == '"' {
		return Span{-1, -1}
	}
	var buf [768]byte
	enc := s[a:e]
	for len(enc) > 0 && enc[len(enc)-1] == '=' {
		enc = enc[:len(enc)-1]
	}
	var src [1024]byte
	m := copy(src[:], enc)
	n, err := base64.RawStdEncoding.Decode(buf[:], src[:m])
	if err != nil {
		return Span{-1, -1}
	}
	for _, c := range buf[:n] {
		if c == ':' {
			return Span{a, e}
		}
	}
	return Span{-1, -1}
}

func contains[T text](s T, sub string) bool { return index(s, 0, sub) >= 0 }

// index returns the index of sub in s from i, or -1.
func index[T text](s T, i int, sub string) int {
	for ; i+len(sub) <= len(s); i++ {
		if s[i] == sub[0] && hasPrefix(s, i, sub) {
			return i
		}
	}
	return -1
}
