// Package redact is reprokit's one redaction engine: what is secret in an
// HTTP message, and how it is masked. Every layer that copies request or
// response data somewhere (span attributes, captures, environment
// snapshots) applies it before the data leaves it. Package capture wraps
// it in the user-facing Redactor and its Rules; package tracing uses the
// default rules through [SensitiveName], [SecretValue] and [HeaderValues].
//
// An [Engine] compiles a [Config] (the default rules plus extra names,
// words, exemptions, an allow-list and patterns); [Default] is the engine
// of the defaults. It answers two questions: what to do with the value of
// a name ([Engine.Name], [Engine.Key]), and where the secrets of a value
// or a text are ([Engine.Find], [Engine.FindText], as spans). A [Masker]
// writes what replaces them: [Placeholder], or a keyed hash so that equal
// secrets have equal marks; [AppendMasked] puts the two together.
//
// # Names
//
// A name is sensitive when one of its words (see [Words]: split at
// separators, case changes and digits, compounds such as "apikey" split
// into known words) is a sensitive word (auth, token, secret, session,
// password, passwd, pwd, key, jwt, bearer, csrf, xsrf, credential,
// signature, their plurals, authorization, cookie, passphrase, sig, otp,
// cvv, …), unless a word after the last sensitive one names a property of
// a secret (token_uri, session_state, password_policy,
// client_secret_expires_at) or the word before it makes it no secret
// (primary_key, idempotency_key, next_page_token). Whole names such as the
// OAuth parameters code, assertion, client_assertion and code_verifier are
// sensitive too. "keyboard", "monkey", "author" and "tokenizer" are not: a
// fragment counts only as a whole word.
//
// # Values
//
// Whatever a value is called, [Engine.Find] finds what looks like a
// credential: bearer and basic credentials (basic ones only when they
// decode to user:password), JSON Web Tokens, PEM private key blocks, card
// numbers (13 to 19 digits, alone or in groups, with a card's first digit
// and a valid Luhn check digit), URL userinfo, webhook URLs that embed
// their secret (Slack, Discord, Teams, Zapier, IFTTT) and the key formats
// of well-known providers (see providers.go). It looks at the text as it
// is and again decoded (percent-escapes, backslash escapes), and a span
// covers a whole token: from the last separator before a match to the
// first after it. [Engine.FindText] also finds the values of sensitive
// name=value, name: value and <name>value</name> pairs in free text.
//
// Every detector is linear in its input: a run of near misses is read a
// bounded number of times.
package redact
