// Command debugctl reproduces production bugs from reprokit captures: it
// replays captured requests against a local server, lists, shows and
// exports capture files, mints debug tokens, and compares the
// environments of machines and running services.
//
// Install it with
//
//	go install github.com/reprokit/reprokit/cmd/debugctl@latest
//
// # Commands
//
//	debugctl replay --target http://127.0.0.1:8080 [filters] FILES|DIRS…
//	debugctl captures ls|show|stats [filters] FILES|DIRS…
//	debugctl env dump
//	debugctl env diff A B        # each a snapshot file, a capture file or a service's env URL
//	debugctl token --key-file PATH --ttl 5m --scope "POST /checkout"
//	debugctl export --har [--out FILE] [filters] FILES|DIRS…
//
// Every command takes --help, which shows examples, and --json, for
// scripts. Records are selected by --correlation-id, --trace-id, --route,
// --method, --status (codes and classes, 500 or 5xx), --reason, --since
// and --until, as capture.Filter selects them. Secrets never go on the
// command line: tokens and keys come from files (mode 0600) or
// environment variables (--auth-env, --key-env, --substitute-env).
//
// debugctl is a thin shell over the library: replay is capture.Replay,
// listing is capture.ReadFiles, capture.Filter and capture.Summarize, the
// environment is capture.TakeEnv, capture.ReadEnv, capture.FetchEnv and
// capture.DiffEnv, the archive is capture.WriteHAR, and tokens are
// debugsample.NewToken.
//
// # Exit status
//
//	0    done, and nothing differs
//	1    a replay or an environment diff found differences
//	2    bad command line
//	3    a file, record or snapshot could not be read
//	4    a target or service could not be reached, or refused the request
//	130  interrupted (Ctrl-C); what ran is summarised
package main
