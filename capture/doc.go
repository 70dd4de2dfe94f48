// Package capture records what a service received and answered, redacted
// before it is stored, so that a bug seen only in production can be
// replayed on a laptop and kept as a test.
//
// [NewMiddleware] captures the requests its [Policy] selects, tees their
// bodies as the handler reads and writes them, keeps at most a cap of
// each, and hands a redacted [Record] to a [Sink]. Every header, URL,
// body and panic text goes through the [Redactor] before it leaves the
// middleware. Records are JSON Lines of a versioned schema; a [Decoder]
// reads them back, and each record names the environment snapshot
// ([Env]) it was taken in, so that "works on my machine" can be
// answered with [DiffEnv].
//
// # Usage
//
// Behind the middlewares of packages correlation, tracing and
// debugsample, whose IDs and decisions it reads from the context:
//
//	file, err := capture.NewFileSink("/var/log/app/captures.jsonl", nil) // 0600, rotated
//	if err != nil { … }
//	sink := capture.NewAsyncSink(file, nil) // the request never waits for the disk
//	defer sink.Close(ctx)                   // drains what was accepted
//
//	handler := correlation.NewHandler(tracing.NewHandler(debugsample.NewHandler(
//		capture.NewHandler(mux, sink,
//			capture.WithFlags(set), // capture.rate, capture.rules, capture.on_failure
//		), debugsample.WithFlags(set))))
//
// # Which requests
//
// A request is captured when package debugsample made it live (a signed
// debug token, a trusted caller, its live rate), when it is drawn by
// Policy.Rate or the rate of the first [Rule] it matches (ServeMux
// patterns, a method, a header), or, in on-failure mode, when its
// response is 500 or more or its handler panics: then the capped request
// body of every request is kept in pooled buffers until its response is
// known. All of them within Policy.MaxPerSecond. The policy is fixed
// with [WithPolicy] or read from flags on every request with [WithFlags],
// so an operator turns capture on for one route, for ten minutes,
// without a redeploy. A request that is not selected costs the policy
// lookup and no allocation.
//
// # Records
//
// A [Record] holds the record's ID, start and duration, the correlation,
// trace and span IDs, why it was captured, the request (method, URL with
// its query redacted, host, protocol, route, headers, body) and the
// response (status, headers, body), an error or panic text, the flags in
// force and the ID of its environment snapshot. A [Body] holds the stored
// body as text, or base64 for a binary type kept on purpose, its true
// size and whether it was cut at the limit (64 KiB by default,
// [WithBodyLimit]) or omitted. Each line carries "schema":
// "reprokit.capture.v1" ([Schema]) and a "kind": "http", "grpc" or
// "env"; the JSON Schema of a line is schema/record.v1.json beside this
// file. [AppendRecord] writes a line, [Decoder] and [ReadFile] read
// them, attaching to each record the snapshot line it refers to.
//
// # Sinks
//
// A [Sink] has one method, Write. [MemorySink] keeps the last records in
// a ring (tests, an admin page). [FileSink] writes JSON Lines in mode
// 0600, rotates by size and count, and never leaves a partial line, even
// on a full disk; each file holds the snapshots of its records.
// [AsyncSink] puts a bounded queue in front of a slow sink: when it is
// full the record is dropped and counted, never waited for, and Close
// drains it. [OTLPSink] sends records as OpenTelemetry log records, so a
// fleet's captures reach a Collector beside its traces. Every sink's
// errors are counted, and the middleware's [Stats] count what it
// captured, capped and could not hand on.
//
// # Environment
//
// [TakeEnv] takes a snapshot of what differs between machines and is
// not in the code: Go version and platform, GOMAXPROCS, memory limits
// (GOMEMLIMIT and the cgroup's), time zone, the build (module versions,
// VCS revision, build settings), the environment variables (values kept
// only for an allow list, otherwise hashed with a key the fleet shares,
// or only marked as set) and the flags in force. [DiffEnv] compares two,
// grouped by kind, and never prints a masked value; [EnvHandler] serves a
// running service's snapshot to the callers an authorize function
// accepts. The middleware attaches [CachedEnv] to every record by
// default.
//
// # Replay and fixtures
//
// [Replay] sends a record's request again, to a handler in process
// ([HandlerTarget]) or to a local server ([URLTarget]), with a fresh
// request ID and the original one in X-Replay-Of; redacted values are
// filled by [WithSubstitute] or left out with a warning. The new response
// is redacted like the record, then compared: status, chosen headers, and
// a JSON-aware body diff that ignores volatile fields and lets a redaction
// mark match anything; and the environment the record was taken in is
// compared with this one. Package capturetest turns a production capture
// into a regression test in a few lines.
//
// # Reading and exporting
//
// [ReadFiles] reads capture files and folders record by record, with the
// file and line of every problem; a [Filter] selects records by IDs,
// route, method, status, reason and time, [Summarize] counts them, and
// [WriteHAR] writes them as an HTTP Archive for browser devtools, Postman
// or k6. [ReadEnv] and [FetchEnv] read a snapshot from a file or from a
// running service's [EnvHandler]. The debugctl command is a thin shell
// over these.
//
// # Per-request step
//
// The middleware is a thin wrapper over [Capturer], which gRPC
// interceptors (package grpcdiag) and fused stacks use to build records
// with the same policy, cap, Redactor and counts.
//
// # The Redactor
//
//	red := capture.NewRedactor(capture.Rules{}) // the defaults: nothing to configure
//
//	h := red.Headers(r.Header)                     // Authorization: Bearer [REDACTED]
//	u := red.URL(r.URL)                            // /cb?code=[REDACTED]&state=xyz
//	body, omitted := red.Body(r.Header.Get("Content-Type"), buf, truncated)
//
// A Redactor is safe for concurrent use, compiles its [Rules] once, never
// modifies its arguments and returns new memory.
//
// # What is masked by default
//
// Names. The values of headers, query parameters, form and multipart
// fields and JSON keys (at any depth) whose name is sensitive:
// Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, and
// every name that has one of the words auth, token, secret, session,
// password, passwd, pwd, key, jwt, bearer, csrf, xsrf, credential,
// signature (their plurals and a few more: authorization, cookie,
// passphrase, sig, otp, cvv). The OAuth 2.0 and OIDC parameters
// (access_token, refresh_token, id_token, client_secret, password, …) are
// among them, and code, assertion, client_assertion, code_verifier,
// device_code and user_code, which have none of the words, are sensitive
// as whole names.
//
// A name is cut into words at separators ("-", "_", "."), case changes
// ("apiKey") and digits, and a compound is cut into known words ("apikey",
// "accesstoken", "csrfmiddlewaretoken"), so that a fragment counts only as
// a whole word: keyboard, monkey, author and tokenizer are not sensitive.
// Nor is a name whose words after the sensitive one name a property of
// the secret rather than the secret (token_uri, token_type,
// session_state, password_policy, auth_time, client_secret_expires_at),
// or whose word before it makes it no secret (primary_key,
// idempotency_key, next_page_token). [Rules] adds names and words, and
// exempts names (Keep).
//
// Values. Whatever its name, a value is searched for credentials, in
// headers, query parameters, path segments, JSON strings and numbers,
// form values and text: bearer and
// basic credentials (basic only when they decode to user:password), JSON
// Web Tokens, PEM private key blocks, card numbers (13 to 19 digits,
// alone or in groups of digits separated by spaces or dashes, starting
// like a card and passing the Luhn check), "scheme://user:password@",
// webhook URLs that embed their secret (Slack, Discord, Microsoft Teams,
// Zapier, IFTTT), and the key formats of well-known providers: AWS access
// key IDs, Google API keys and OAuth tokens, GitHub, GitLab, Bitbucket,
// Slack, Stripe, Square, Shopify, npm, PyPI, RubyGems, OpenAI, Anthropic,
// Hugging Face, Twilio, SendGrid, Mailgun, Azure AD client secrets,
// DigitalOcean, Vault, Doppler, Databricks and more. A match is masked
// with the whole token around it, never leaving a prefix or a suffix. A
// distinctive prefix (eyJ, ghp_, AKIA, sk_live_, …) is found anywhere,
// even glued to other text; bearer and basic credentials, card numbers and
// prefixes that could begin an ordinary word ("sk-") must start a word,
// so that prose and identifiers are left alone. The value is searched
// after percent-decoding and after resolving JSON escapes (\u0067hp_…)
// too. In free text, the values of sensitive name=value and "Name: value"
// pairs are masked as well; secrets whose format says nothing (an AWS
// secret access key, a Twilio auth token) are caught by their name only.
//
// Marks. A masked value becomes [Placeholder], "[REDACTED]", or in
// keyed-hash mode (Rules.Hash) "[REDACTED:1a2b3c4d]", the first 8 hex
// digits of its HMAC-SHA256, so that equal values still match across
// records. A body that cannot be redacted becomes "[omitted: N bytes]".
// Redacting what was redacted changes nothing.
//
// # Bodies
//
// [Redactor.Body] picks a redactor by content type: JSON (a streaming
// tokenizer that keeps the document's shape, key order and number text
// and stays valid JSON), forms, multipart (file parts omitted), and text.
// Other types are omitted unless Rules.KeepContentTypes lists them.
// Anything that does not parse as its type says fails closed: it is
// redacted as text, or omitted. A body cut at a size limit has its last,
// cut-off token masked, whatever it is.
//
// # Allow-list mode
//
// With Rules.AllowList, only the values of the names in Rules.Allow are
// kept, in headers, query strings, forms and JSON alike; every other value
// is masked, text bodies are omitted, and value patterns still apply to
// what is kept.
//
// # Counting
//
// [Redactor.Stats] counts masked values, omitted bodies and bodies that
// did not parse, so that redaction is never silent.
package capture
