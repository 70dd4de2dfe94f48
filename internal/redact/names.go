package redact

import "strings"

// Decision says what to do with the value of a name.
type Decision uint8

const (
	// Inspect keeps the value but masks what the value patterns find in it.
	Inspect Decision = iota
	// Sensitive replaces the whole value.
	Sensitive
	// NotAllowed is the allow-list mode's answer for a name that is not
	// listed: the value is replaced, but a JSON object or array under it
	// is still walked, since names inside it may be allowed.
	NotAllowed
)

// The default name rules. A name is split into words (see [Words]); it is
// sensitive when one of its words is in sensitiveWords, unless a word that
// follows the last such word is in benignAfter (token_uri, session_state)
// or the word right before it is in benignBefore for it (primary_key,
// next_page_token). A few names are sensitive only as a whole
// (exactNames): "code" is an OAuth parameter, "zip_code" is not.

var sensitiveWords = setOf(
	// The fragments every layer has always used.
	"auth", "token", "secret", "session", "password", "passwd", "pwd",
	"key", "jwt", "bearer", "csrf", "xsrf", "credential", "signature",
	// Their plurals and longer forms.
	"tokens", "secrets", "sessions", "passwords", "keys", "jwts",
	"credentials", "creds", "signatures", "authorization", "authorisation",
	"authentication", "authn", "authz",
	// Other words that name a credential.
	"cookie", "cookies", "passphrase", "passcode", "passkey", "sessid",
	"sig", "otp", "totp", "cvv", "cvc",
)

// partnerWords only help to split a name written without separators
// ("apikey", "accesstoken", "csrfmiddlewaretoken"): a word is split when
// it is made entirely of known words, at least one of them sensitive.
var partnerWords = setOf(
	"api", "access", "refresh", "id", "client", "private", "app", "user",
	"master", "signing", "sign", "encryption", "account", "admin",
	"service", "consumer", "personal", "new", "old", "current", "confirm",
	"confirmation", "reset", "web", "hook", "webhook", "db", "root",
	"oauth", "login", "shared", "bot", "deploy", "hash", "middleware",
	"request", "verification", "pair", "php", "aspnet", "secure", "amz",
	"goog",
)

// benignAfter words turn a name into the name of a property of a secret,
// not the secret: token_uri, session_state, password_policy, auth_time.
var benignAfter = setOf(
	"uri", "url", "urls", "endpoint", "type", "types", "state", "expires",
	"expiry", "expiration", "exp", "ttl", "timeout", "duration", "length",
	"len", "size", "count", "format", "alg", "algorithm", "method",
	"methods", "scheme", "hint", "path", "version", "kind", "status",
	"name", "names", "at", "time", "policy", "mode", "location",
	"provider", "enabled", "disabled", "required", "present", "set",
	"changed", "updated", "created", "rotated", "last", "field", "header",
	"param", "parameter", "label", "description", "strength", "min", "max",
	"rule", "rules", "pattern", "prompt",
)

// benignBefore lists, for a sensitive word, the words that make it the
// name of something that is no secret: a primary key, a page token.
var benignBefore = map[string]map[string]bool{
	"key": setOf("primary", "foreign", "sort", "partition", "idempotency",
		"cache", "object", "routing", "public", "dedup", "dedupe", "range",
		"lookup", "row", "composite", "unique", "natural", "surrogate", "s3"),
	"token": setOf("page", "next", "continuation", "pagination", "cursor", "sync"),
}

// exactNames are sensitive only as a whole name (compared in the
// normalized form of [Normalize]): OAuth 2.0 and OIDC parameters that do
// not contain a sensitive word, session cookie names, card data.
var exactNames = setOf(
	"code", "assertion", "client_assertion", "code_verifier", "device_code",
	"user_code", "saml_response", "phpsessid", "jsessionid", "connect_sid",
	"security_code", "card_number", "cc_number",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// maxSplit bounds the length of a word that is tried as a compound, and
// maxPiece the length of one piece of it.
const (
	maxSplit = 48
	maxPiece = 16
)

// Words splits name into lower-case ASCII words: at every byte that is not
// a letter or digit, between a lower-case and an upper-case letter
// ("apiKey"), before the last capital of a run followed by a lower-case
// letter ("APIKey"), and between letters and digits ("sha256"). A word
// written without separators is split further when it is made entirely of
// known words, one of them sensitive ("apikey" → "api", "key";
// "keyboard" and "monkey" stay whole).
func Words(name string) []string {
	return defaultRules.words(name)
}

// Normalize returns the words of name joined by "_": the form in which
// whole names are compared, so that "API-Key", "apiKey" and "api_key" are
// one name.
func Normalize(name string) string {
	return strings.Join(Words(name), "_")
}

// nameRules are compiled name rules: the defaults plus a configuration.
type nameRules struct {
	extraNames map[string]bool // normalized whole names, sensitive
	extraWords map[string]bool // words, sensitive wherever they appear
	keep       map[string]bool // normalized whole names exempt from the name rules
	allow      map[string]bool // normalized whole names kept in allow-list mode
	allowList  bool
}

var defaultRules = &nameRules{}

func newNameRules(c Config) *nameRules {
	r := &nameRules{allowList: c.AllowList}
	// Words first: normalizing the names uses them to split compounds.
	if len(c.Fragments) > 0 {
		r.extraWords = map[string]bool{}
		for _, f := range c.Fragments {
			for _, w := range defaultRules.words(f) {
				r.extraWords[w] = true
			}
		}
	}
	r.extraNames = r.normalizedSet(c.Names)
	r.keep = r.normalizedSet(c.Keep)
	r.allow = r.normalizedSet(c.Allow)
	return r
}

func (r *nameRules) normalizedSet(names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[strings.Join(r.words(n), "_")] = true
	}
	return m
}

func (r *nameRules) sensitiveWord(w string) bool {
	return sensitiveWords[w] || r.extraWords[w]
}

func (r *nameRules) known(w string) bool {
	return sensitiveWords[w] || partnerWords[w] || benignAfter[w] || r.extraWords[w]
}

// classify is the slow path of [Engine.Name]: it allocates, and its
// result is cached. sensitive is the decision without the allow-list: the
// name is sensitive by the defaults or the configured names.
func (r *nameRules) classify(name string) (d Decision, sensitive bool) {
	words := r.words(name)
	norm := strings.Join(words, "_")
	sensitive = !r.keep[norm] && r.sensitive(words, norm)
	switch {
	case r.allowList && !r.allow[norm]:
		return NotAllowed, sensitive
	case sensitive:
		return Sensitive, true
	}
	return Inspect, false
}

func (r *nameRules) sensitive(words []string, norm string) bool {
	if exactNames[norm] || r.extraNames[norm] {
		return true
	}
	last := -1
	for k, w := range words {
		if !r.sensitiveWord(w) {
			continue
		}
		if k > 0 {
			if before := benignBefore[strings.TrimSuffix(w, "s")]; before[words[k-1]] {
				continue
			}
		}
		last = k
	}
	if last < 0 {
		return false
	}
	for _, w := range words[last+1:] {
		if benignAfter[w] {
			return false
		}
	}
	return true
}

func (r *nameRules) words(name string) []string {
	var words []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := strings.ToLower(name[start:end])
		start = -1
		if parts := r.split(w); parts != nil {
			words = append(words, parts...)
		} else {
			words = append(words, w)
		}
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isAlnum(c) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		p := name[i-1]
		switch {
		case isLower(p) && isUpper(c),
			isUpper(p) && isUpper(c) && i+1 < len(name) && isLower(name[i+1]),
			isDigit(p) != isDigit(c):
			flush(i)
			start = i
		}
	}
	flush(len(name))
	return words
}

// split returns w cut into known words, the fewest possible, when w is
// not itself a known word, is made entirely of known words and at least
// one of them is sensitive; otherwise nil.
func (r *nameRules) split(w string) []string {
	if len(w) < 4 || len(w) > maxSplit || r.known(w) || !isLetters(w) {
		return nil
	}
	// best[k] is the fewest pieces that cover w[:k], 0 if none; from[k]
	// the start of the last of them.
	var best, from [maxSplit + 1]int
	for k := 1; k <= len(w); k++ {
		for a := max(0, k-maxPiece); a <= k-2; a++ {
			if (a == 0 || best[a] > 0) && r.known(w[a:k]) {
				if n := best[a] + 1; best[k] == 0 || n < best[k] {
					best[k], from[k] = n, a
				}
			}
		}
	}
	if best[len(w)] == 0 {
		return nil
	}
	parts := make([]string, best[len(w)])
	sensitive := false
	for k, i := len(w), len(parts)-1; k > 0; k, i = from[k], i-1 {
		parts[i] = w[from[k]:k]
		sensitive = sensitive || r.sensitiveWord(parts[i])
	}
	if !sensitive {
		return nil
	}
	return parts
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLower(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool { return isLower(c) || isUpper(c) || isDigit(c) }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
