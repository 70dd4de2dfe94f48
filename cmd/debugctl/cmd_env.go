package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/reprokit/reprokit/capture"
)

// envUsage is the usage of `debugctl env` without a subcommand.
const envUsage = `Usage: debugctl env <dump|diff> [flags] [arguments]

Subcommands:
  dump   this machine's environment snapshot, as JSON
  diff   what differs between two snapshots: files, capture files, or
         running services (the URL of their capture.EnvHandler)

Run 'debugctl env <subcommand> --help' for its flags and examples.
`

func runEnv(ctx context.Context, c *cli, args []string) int {
	return runSub(ctx, c, "env", envUsage, []command{
		{name: "dump", run: envDump},
		{name: "diff", run: envDiff},
	}, args)
}

// listFlag is a flag that may be given several times, each value a
// comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

func envDump(_ context.Context, c *cli, args []string) int {
	fs := newFlags(c, "env dump", "[flags]", `  debugctl env dump > laptop.json
  debugctl env dump --allow FEATURE_FLAGS,DB_POOL_SIZE --hash-key-env REPROKIT_ENV_KEY > laptop.json
  debugctl env diff laptop.json https://checkout.internal/debug/env --auth-env ADMIN_TOKEN

The snapshot describes this machine as a service on it would see it: Go
runtime, CPUs, memory limits, time zone, and environment variables, whose
values are kept only for an allow list (capture.DefaultEnvAllow and --allow),
hashed with the fleet's key (--hash-key-env) so that they can be compared
without being shown, or else only marked as set. Its build fields are those of
the debugctl binary. On a terminal the JSON is indented; otherwise, and with
--json, it is one line, as a capture file and capture.EnvHandler hold it.`)
	var allow listFlag
	fs.Var(&allow, "allow", "keep the values of these variables too (comma-separated; NAME_* for a prefix), beside the default allow list")
	hashKeyEnv := fs.String("hash-key-env", "", "hash the values that are not kept with the key held by this environment variable (the fleet's EnvOptions.HashKey, at least 16 bytes); a key is never taken on the command line, where ps and shell history show it")
	asJSON := fs.Bool("json", false, "write the snapshot on one line, even on a terminal")
	if code := parse(c, fs, args); code >= 0 {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "debugctl env dump: unexpected argument %q; env dump takes only flags\n", clean(fs.Arg(0)))
		return exitUsage
	}
	o := &capture.EnvOptions{}
	if len(allow) > 0 {
		o.Allow = append(capture.DefaultEnvAllow(), allow...)
	}
	if *hashKeyEnv != "" {
		key := c.getenv(*hashKeyEnv)
		switch {
		case key == "":
			fmt.Fprintf(c.stderr, "debugctl env dump: --hash-key-env: the variable %s is not set or empty\n", clean(*hashKeyEnv))
			return exitUsage
		case len(key) < capture.MinHashKeyLen:
			fmt.Fprintf(c.stderr, "debugctl env dump: --hash-key-env: the key in %s is shorter than %d bytes\n", clean(*hashKeyEnv), capture.MinHashKeyLen)
			return exitUsage
		}
		o.HashKey = []byte(key)
	}
	line, err := capture.AppendEnv(nil, capture.TakeEnv(o))
	if err != nil {
		fmt.Fprintf(c.stderr, "debugctl env dump: %s\n", errText(err))
		return exitInput
	}
	if c.terminal && !*asJSON {
		var buf bytes.Buffer
		if json.Indent(&buf, line, "", "  ") == nil {
			line = buf.Bytes()
		}
	}
	c.stdout.Write(safeJSON(line))
	return exitOK
}

// envSide is one side of a diff: its snapshot and the name the report
// gives it.
type envSide struct {
	env  *capture.Env
	name string
}

// envDiffJSON is what `env diff --json` writes.
type envDiffJSON struct {
	A          envSideJSON    `json:"a"`
	B          envSideJSON    `json:"b"`
	Equal      bool           `json:"equal"`
	Changes    []envChangeRow `json:"changes"`
	Uncompared []string       `json:"uncompared,omitempty"`
}

type envSideJSON struct {
	Name    string    `json:"name"`
	ID      string    `json:"id"`
	Service string    `json:"service,omitempty"`
	Taken   time.Time `json:"taken,omitzero"`
}

// envChangeRow is a capture.EnvChange for scripts: its values are the
// ones the report shows, never a masked value or its hash.
type envChangeRow struct {
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	A      string `json:"a,omitempty"`
	B      string `json:"b,omitempty"`
	InA    bool   `json:"in_a"`
	InB    bool   `json:"in_b"`
	Masked bool   `json:"masked,omitempty"`
}

func envDiff(ctx context.Context, c *cli, args []string) int {
	fs := newFlags(c, "env diff", "[flags] A B", `  debugctl env diff production.json laptop.json
  debugctl env diff captures/checkout.jsonl https://checkout.internal/debug/env --auth-env ADMIN_TOKEN
  debugctl env diff https://a.internal/debug/env https://b.internal/debug/env --auth-env ADMIN_TOKEN --json

A and B are each a snapshot file (debugctl env dump, one line of a capture file),
a capture file (the snapshot of its last record), or the http(s) URL of a
running service's capture.EnvHandler. Exit status 0 when they are the same,
1 when they differ, 3 when a file or an answer is not a snapshot, 4 when a
service cannot be reached or refuses the request. Values of variables that
were not kept are never shown: they are compared by their keyed hashes when
both snapshots were taken with one hash key.`)
	var headers headerFlag
	fs.Var(&headers, "header", "send this header to the services (\"Name: value\"; may be repeated); it shows in ps and shell history, so pass a token with --auth-env")
	authEnv := fs.String("auth-env", "", "send the token held by this environment variable to the services, as \"Authorization: Bearer <token>\" (or as it is when it holds a scheme and a space: \"Basic …\")")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit of each request to a service")
	asJSON := fs.Bool("json", false, "write the differences as one JSON object, for scripts")
	if code := parse(c, fs, args); code >= 0 {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(c.stderr, "debugctl env diff: want two snapshots, A and B (files, capture files or URLs): debugctl env diff production.json laptop.json")
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintln(c.stderr, "debugctl env diff: --timeout must be positive")
		return exitUsage
	}
	if headers.bad {
		fmt.Fprintln(c.stderr, `debugctl env diff: bad --header: want "Name: value", such as --header "X-Admin-Key: …"`)
		return exitUsage
	}
	header := headers.h
	if header == nil {
		header = http.Header{}
	}
	if *authEnv != "" {
		token := strings.TrimSpace(c.getenv(*authEnv))
		if token == "" {
			fmt.Fprintf(c.stderr, "debugctl env diff: --auth-env: the variable %s is not set or empty\n", clean(*authEnv))
			return exitUsage
		}
		if !strings.Contains(token, " ") {
			token = "Bearer " + token
		}
		header.Set("Authorization", token)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DisableKeepAlives = true
	client := &http.Client{Transport: t, Timeout: *timeout}

	a, code := loadEnvSide(ctx, c, client, header, *authEnv, fs.Arg(0))
	if code >= 0 {
		return code
	}
	b, code := loadEnvSide(ctx, c, client, header, *authEnv, fs.Arg(1))
	if code >= 0 {
		return code
	}
	if a.name == b.name {
		a.name, b.name = clean(fs.Arg(0)), clean(fs.Arg(1))
		if a.name == b.name {
			a.name, b.name = a.name+" (A)", b.name+" (B)"
		}
	}
	d := capture.DiffEnv(a.env, b.env)
	if *asJSON {
		out := envDiffJSON{
			A:          envSideJSON{a.name, a.env.ID, a.env.Service, a.env.Taken},
			B:          envSideJSON{b.name, b.env.ID, b.env.Service, b.env.Taken},
			Equal:      d.Empty(),
			Changes:    make([]envChangeRow, len(d.Changes)),
			Uncompared: d.Uncompared,
		}
		for i, ch := range d.Changes {
			out.Changes[i] = envChangeRow{ch.Kind, ch.Name, ch.A, ch.B, ch.InA, ch.InB, ch.Masked}
		}
		if err := writeSafeJSON(c.stdout, out); err != nil {
			fmt.Fprintf(c.stderr, "debugctl env diff: %s\n", errText(err))
			return exitInput
		}
	} else {
		fmt.Fprintf(c.stdout, "A: %s  %s\nB: %s  %s\n\n", a.name, envLabel(a.env), b.name, envLabel(b.env))
		d.Format(c.stdout, a.name, b.name)
		if len(d.Uncompared) > 0 {
			fmt.Fprintln(c.stdout, "\nTo compare masked values, take both snapshots with the same hash key (capture.EnvOptions.HashKey; debugctl env dump --hash-key-env VAR).")
		}
	}
	if !d.Empty() {
		return exitDiffers
	}
	return exitOK
}

// envLabel describes a snapshot on one line: its service, ID and when it
// was taken.
func envLabel(e *capture.Env) string {
	s := "snapshot " + cell(e.ID, 16)
	if e.Service != "" {
		s = cell(e.Service, 80) + ", " + s
	}
	if !e.Taken.IsZero() {
		s += ", taken " + e.Taken.Format(time.RFC3339)
	}
	return "(" + s + ")"
}

// loadEnvSide reads the snapshot an argument of env diff names, or reports
// why it cannot and returns the exit code.
func loadEnvSide(ctx context.Context, c *cli, client *http.Client, header http.Header, authEnv, arg string) (envSide, int) {
	lower := strings.ToLower(arg)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		env, err := capture.ReadEnv(arg)
		if err != nil {
			fmt.Fprintf(c.stderr, "debugctl env diff: %s\n", describeEnvFileError(arg, err))
			return envSide{}, exitInput
		}
		return envSide{env, clean(filepath.Base(arg))}, -1
	}
	u, err := url.Parse(arg)
	if err != nil || u.Host == "" || u.User != nil {
		fmt.Fprintln(c.stderr, "debugctl env diff: bad URL: want http(s)://host[:port]/path of the service's env endpoint, without user or password (pass a token with --auth-env)")
		return envSide{}, exitUsage
	}
	shown := clean(u.Scheme + "://" + u.Host + u.EscapedPath())
	env, err := capture.FetchEnv(ctx, client, arg, header)
	if err == nil {
		return envSide{env, clean(u.Host)}, -1
	}
	var se *capture.EnvStatusError
	switch {
	case errors.Is(err, capture.ErrUnauthorized) && errors.As(err, &se):
		hint := "pass --auth-env VAR holding its token"
		if authEnv != "" {
			hint = "the token in " + clean(authEnv) + " was not accepted; check it is the one the service's authorize function expects"
		}
		fmt.Fprintf(c.stderr, "debugctl env diff: %s: the service refused: %d %s — %s\n", shown, se.StatusCode, http.StatusText(se.StatusCode), hint)
		return envSide{}, exitTarget
	case errors.As(err, &se):
		fmt.Fprintf(c.stderr, "debugctl env diff: %s: the service answered %d %s; is this the URL where it serves capture.EnvHandler?\n", shown, se.StatusCode, http.StatusText(se.StatusCode))
		return envSide{}, exitTarget
	case errors.Is(err, capture.ErrEnvURL):
		fmt.Fprintf(c.stderr, "debugctl env diff: %s\n", errText(err))
		return envSide{}, exitUsage
	case errors.Is(err, capture.ErrNoEnv), errors.Is(err, capture.ErrSchema), errors.Is(err, capture.ErrEnvTooLarge):
		fmt.Fprintf(c.stderr, "debugctl env diff: %s did not answer with an environment snapshot: %s\n", shown, errText(err))
		return envSide{}, exitInput
	case errors.Is(err, capture.ErrEnvRedirect):
		fmt.Fprintf(c.stderr, "debugctl env diff: %s\n", errText(err))
		return envSide{}, exitTarget
	case ctx.Err() != nil:
		fmt.Fprintf(c.stderr, "debugctl env diff: %s: interrupted\n", shown)
		return envSide{}, exitTarget
	}
	fmt.Fprintf(c.stderr, "debugctl env diff: cannot reach the service: %s\n", errText(err))
	return envSide{}, exitTarget
}

// describeEnvFileError says why a snapshot could not be read from a file.
func describeEnvFileError(path string, err error) string {
	var pe *fs.PathError
	var le *capture.LineError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file: " + clean(path)
	case errors.As(err, &le):
		return describeReadError(err)
	case errors.As(err, &pe):
		return "cannot read " + clean(path) + ": " + errText(pe.Err)
	case errors.Is(err, capture.ErrNoEnv):
		return clean(path) + " holds no environment snapshot (debugctl env dump writes one; a capture file holds those of its records): " + errText(err)
	}
	return errText(err)
}

// headerFlag is --header: "Name: value", repeatable. A bad value is
// noted, not refused: the flag package would echo it in its error, and it
// may be a credential.
type headerFlag struct {
	h   http.Header
	bad bool
}

func (f *headerFlag) String() string { return "" } // values may be credentials

func (f *headerFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || name == "" || !validHeaderName(name) || strings.ContainsAny(value, "\r\n\x00") {
		f.bad = true
		return nil
	}
	if f.h == nil {
		f.h = http.Header{}
	}
	f.h.Add(name, value)
	return nil
}

// validHeaderName reports whether name is an HTTP token.
func validHeaderName(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

var _ flag.Value = (*headerFlag)(nil)
