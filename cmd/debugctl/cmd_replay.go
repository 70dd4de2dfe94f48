package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/reprokit/reprokit/capture"
)

const replaySynopsis = "--target URL [flags] FILE|FOLDER…"

const replayExamples = `  # Replay every record of a capture file against a local build of the service:
  debugctl replay --target http://127.0.0.1:8080 captures/orders.jsonl

  # One request, found by its correlation ID; the redacted Authorization header
  # is filled in from the variable TOKEN (which holds "Bearer …"):
  TOKEN='Bearer local-test-token' debugctl replay --target http://127.0.0.1:8080 \
      --correlation-id req-7f3a --substitute-env Authorization=TOKEN captures/

  # The failures of one route in the last day, 8 at a time, at most 50 a second,
  # ignoring a field that changes on every call, compared with the environment
  # the target serves at /debug/env (capture.EnvHandler):
  debugctl replay --target http://127.0.0.1:8080 --route 'POST /orders' --status 5xx \
      --since 24h --concurrency 8 --rate 50/s --ignore-field created_at \
      --target-env /debug/env captures/

  # For scripts: one JSON object a record, then a summary object:
  debugctl replay --target http://127.0.0.1:8080 --json captures/ | jq 'select(.type=="record" and .equal==false)'

A folder stands for the *.jsonl files right inside it, sorted by name (name
rotated files, captures.jsonl.1, on the command line). Flags and files may
come in any order. Replay refuses to run when a file has a line that is not
a record (it names file:line). Records are replayed in order, and printed in
order whatever the concurrency; each environment a record was taken in is
compared once with the target's (--target-env) or this machine's.

A redacted value ("[REDACTED]") of the recorded request is left out of the
replayed one, or sent as recorded in a JSON body or a path, unless a
--substitute or --substitute-env names it: a header by its name (any case),
a query parameter, form field or path wildcard by its name, a JSON string by
its path (items[0].card.number); prefix header:, query:, form:, json: or
path: to name one place only. A value given with --substitute shows in the
process list (ps) and the shell's history: prefer --substitute-env. Values
of 4 bytes or more are masked in what debugctl prints.

Exit status: 0 every record reproduced as recorded; 1 a response differs; 2
bad usage; 3 a file or line could not be read, no record matches the
filters, or none could be replayed; 4 the target could not be reached, or
refused (401 or 403 to every request: replay stops after 3); 130
interrupted.`

// Bounds of the flags.
const (
	maxConcurrency = 256
	// refuseAfter is how many refusals (401, 403) in a row, with no other
	// answer, stop a replay: the credentials are missing, and the target
	// is not to be hammered with more.
	refuseAfter = 3
	// failAfter is how many requests in a row the target may leave
	// unanswered, after it answered some, before replay stops.
	failAfter = 3
	// minMasked is the shortest substitute value masked in the output:
	// shorter ones would mask ordinary text.
	minMasked = 4
	// exitInterrupted is the exit status of a replay stopped by Ctrl-C,
	// 128 + SIGINT as shells report it.
	exitInterrupted = 130
)

// replayFlags are the flags of debugctl replay.
type replayFlags struct {
	target      string
	filter      *filterFlags
	subs        repeatedFlag
	subEnvs     repeatedFlag
	ignore      repeatedFlag
	compare     repeatedFlag
	concurrency int
	rate        string
	targetEnv   string
	authEnv     string
	timeout     time.Duration
	json        bool
}

func (o *replayFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&o.target, "target", "", "the `URL` of the server to replay against: http(s)://host[:port][/prefix] (required)")
	o.filter = addFilterFlags(fs)
	fs.Var(&o.subs, "substitute", "fill the redacted value called name with value: `name=value` (repeatable; the value shows in ps: prefer --substitute-env)")
	fs.Var(&o.subEnvs, "substitute-env", "fill the redacted value called name with the value of the environment variable VAR: `name=VAR` (repeatable)")
	fs.Var(&o.ignore, "ignore-field", "skip the JSON `path` of the response body (created_at, items[*].id) when comparing (repeatable)")
	fs.Var(&o.compare, "compare-header", "compare the response `header` (repeatable; default Content-Type only)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "replay `N` requests at a time, 1 to 256")
	fs.StringVar(&o.rate, "rate", "", "start at most `R` requests a second (10, 10/s, 600/m); default: no limit")
	fs.StringVar(&o.targetEnv, "target-env", "", "compare each record's environment with the one the target serves at `PATH` (capture.EnvHandler, /debug/env); default: this machine's")
	fs.StringVar(&o.authEnv, "auth-env", "", "with --target-env: send the token held by this environment `VAR` to the environment endpoint, as \"Authorization: Bearer <token>\"")
	fs.DurationVar(&o.timeout, "timeout", capture.DefaultReplayTimeout, "time limit of one request, body included")
	fs.BoolVar(&o.json, "json", false, "print one JSON object a record, then a summary object")
}

// repeatedFlag is a flag that may be given several times.
type repeatedFlag []string

func (l *repeatedFlag) String() string     { return strings.Join(*l, ", ") }
func (l *repeatedFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseInterleaved parses args with fs, flags and arguments in any order, and
// returns the arguments; or the exit code to stop with (-1 to go on).
func parseInterleaved(c *cli, fs *flag.FlagSet, args []string) ([]string, int) {
	var files []string
	for {
		if code := parse(c, fs, args); code >= 0 {
			return nil, code
		}
		if fs.NArg() == 0 {
			return files, -1
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// runReplay is debugctl replay.
func runReplay(ctx context.Context, c *cli, args []string) int {
	fs := newFlags(c, "replay", replaySynopsis, replayExamples)
	var o replayFlags
	o.define(fs)
	files, code := parseInterleaved(c, fs, args)
	if code >= 0 {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(c.stderr, "debugctl replay: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case o.target == "":
		return usageErr("no --target given; pass the server to replay against: debugctl replay --target http://127.0.0.1:8080 captures/")
	case len(files) == 0:
		return usageErr("no file given; pass capture files or folders: debugctl replay --target %s captures/*.jsonl", clean(o.target))
	case o.concurrency < 1 || o.concurrency > maxConcurrency:
		return usageErr("--concurrency %d: give 1 to %d", o.concurrency, maxConcurrency)
	case o.timeout <= 0:
		return usageErr("--timeout %s: give a positive duration (30s)", o.timeout)
	}
	flt, err := o.filter.filter(time.Now())
	if err != nil {
		return usageErr("%v", err)
	}
	sel := flt.Match
	subs, err := parseSubstitutes(o.subs, o.subEnvs, c.getenv)
	if err != nil {
		return usageErr("%v", err)
	}
	pace, err := parseRate(o.rate)
	if err != nil {
		return usageErr("%v", err)
	}

	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = o.concurrency
	tr.MaxIdleConnsPerHost = o.concurrency
	// The request goes as recorded: without an Accept-Encoding the
	// transport would add (Replay leaves the recorded one out).
	tr.DisableCompression = true
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		Timeout:   o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // the redirect is the response compared
		},
	}
	target, err := capture.URLTarget(o.target, client)
	if err != nil {
		return usageErr("--target %q: %v", clean(o.target), err)
	}
	var envAt string
	envHeader := http.Header{}
	if o.targetEnv != "" {
		if envAt, err = envURL(o.target, o.targetEnv); err != nil {
			return usageErr("%v", err)
		}
	}
	if o.authEnv != "" {
		token := strings.TrimSpace(c.getenv(o.authEnv))
		if token == "" {
			return usageErr("--auth-env: the variable %s is not set or empty", clean(o.authEnv))
		}
		if !strings.Contains(token, " ") {
			token = "Bearer " + token
		}
		envHeader.Set("Authorization", token)
	}

	l := readCaptureArgs(files)
	if len(l.problems) > 0 {
		printReadProblems(c.stderr, "debugctl replay: ", l.problems)
		fmt.Fprintln(c.stderr, "debugctl replay: not replaying: fix or leave out the files above (a truncated last line is a file copied while it was written)")
		return exitInput
	}
	recs := selectedRecords(l.recs, sel)
	if len(recs) == 0 {
		fmt.Fprintf(c.stderr, "debugctl replay: no record to replay: %d records in %d files, none matches the filters\n", len(l.recs), l.files)
		return exitInput
	}

	env, against := (*capture.Env)(nil), "this machine"
	if envAt != "" {
		against = "the target"
		if env, err = fetchEnv(ctx, client, envAt, envHeader); err != nil {
			fmt.Fprintf(c.stderr, "debugctl replay: --target-env: %s\n", clean(err.Error()))
			if errors.Is(err, errEnvUnreadable) {
				return exitInput
			}
			return exitTarget
		}
	} else if slices.ContainsFunc(recs, func(r *capture.Record) bool { return r.Env != nil }) {
		env = capture.TakeEnv(nil)
	}

	opts := []capture.ReplayOption{capture.WithEnv(func() *capture.Env { return env })}
	if len(subs) > 0 {
		opts = append(opts, capture.WithSubstitute(substituteFunc(subs)))
	}
	if len(o.ignore) > 0 {
		opts = append(opts, capture.WithIgnoreFields(o.ignore...))
	}
	if len(o.compare) > 0 {
		opts = append(opts, capture.WithCompareHeaders(o.compare...))
	}

	r := &replayRun{
		c:       c,
		flags:   &o,
		recs:    recs,
		target:  target,
		opts:    opts,
		pace:    pace,
		env:     env,
		against: against,
		mask:    newMasker(subs),
		envSeen: map[string]bool{},
	}
	return r.run(ctx)
}

// substitute is a value to send in place of a redacted one.
type substitute struct {
	where string // "" for any place, or one of capture.InHeader, …
	name  string
	value string
}

// errSubstituteSyntax is the error of a --substitute that does not
// parse: it says nothing of the argument, which holds a secret.
var errSubstituteSyntax = errors.New("--substitute needs [place:]name=value, such as Authorization='Bearer …' (the value is not shown here)")

var substitutePlaces = []string{capture.InHeader, capture.InQuery, capture.InForm, capture.InJSON, capture.InPath}

// parseSubstitutes reads --substitute name=value and --substitute-env
// name=VAR, in that order (the first that names a value wins). An error
// never holds a value.
func parseSubstitutes(values, vars []string, getenv func(string) string) ([]substitute, error) {
	var out []substitute
	for _, spec := range values {
		where, name, value, ok := splitSubstitute(spec)
		if !ok {
			return nil, errSubstituteSyntax
		}
		out = append(out, substitute{where, name, value})
	}
	for _, spec := range vars {
		where, name, v, ok := splitSubstitute(spec)
		if !ok || v == "" {
			return nil, fmt.Errorf("--substitute-env %q needs [place:]name=VAR, such as Authorization=TOKEN", clean(spec))
		}
		value := getenv(v)
		if value == "" {
			return nil, fmt.Errorf("--substitute-env %q: the environment variable %s is empty or not set", clean(spec), clean(v))
		}
		out = append(out, substitute{where, name, value})
	}
	return out, nil
}

// splitSubstitute splits "[place:]name=value" at its first "=".
func splitSubstitute(spec string) (where, name, value string, ok bool) {
	name, value, ok = strings.Cut(spec, "=")
	if p, rest, found := strings.Cut(name, ":"); found && slices.Contains(substitutePlaces, p) {
		where, name = p, rest
	}
	if !ok || name == "" {
		return "", "", "", false
	}
	return where, name, value, true
}

// substituteFunc returns the function of capture.WithSubstitute for subs:
// header names match in any case, other names exactly.
func substituteFunc(subs []substitute) func(where, name string) (string, bool) {
	return func(where, name string) (string, bool) {
		for _, s := range subs {
			if s.where != "" && s.where != where {
				continue
			}
			if s.name == name || where == capture.InHeader && strings.EqualFold(s.name, name) {
				return s.value, true
			}
		}
		return "", false
	}
}

// newMasker returns a function that masks the substitute values of 4
// bytes or more in text to print, as they are and as JSON and URLs
// encode them: a target may echo what it was sent, and the redaction of
// its response knows only the shapes of well-known secrets.
func newMasker(subs []substitute) func(string) string {
	var olds []string
	for _, s := range subs {
		if len(s.value) < minMasked {
			continue
		}
		olds = append(olds, s.value)
		if b, err := replayJSONLine(s.value); err == nil {
			olds = append(olds, string(b[1:len(b)-2])) // without the quotes and newline
		}
		olds = append(olds, url.QueryEscape(s.value), url.PathEscape(s.value))
	}
	if len(olds) == 0 {
		return func(s string) string { return s }
	}
	slices.SortFunc(olds, func(a, b string) int { return len(b) - len(a) }) // longest first
	olds = slices.Compact(olds)
	pairs := make([]string, 0, 2*len(olds))
	for _, o := range olds {
		pairs = append(pairs, o, "[substituted]")
	}
	return strings.NewReplacer(pairs...).Replace
}

// parseRate reads --rate: "R", "R/s" or "R/m", R > 0. Empty is no
// limit, a nil pacer.
func parseRate(s string) (*pacer, error) {
	if s == "" {
		return nil, nil
	}
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	per := time.Second
	switch unit {
	case "", "s", "sec", "second":
	case "m", "min", "minute":
		per = time.Minute
	default:
		return nil, fmt.Errorf("--rate %q: give requests a second or a minute, such as 20, 20/s or 600/m", clean(s))
	}
	r, err := strconv.ParseFloat(num, 64)
	if err != nil || !(r > 0) || r > 1e6 {
		return nil, fmt.Errorf("--rate %q: give a positive number of requests, at most 1000000, such as 20/s", clean(s))
	}
	return newPacer(time.Duration(float64(per)/r), time.Now), nil
}

// pacer spaces the starts of requests by interval, shared by every
// worker: each wait reserves the next free start, so the rate holds
// however many workers there are, with no burst. It is safe for
// concurrent use. A nil *pacer does not wait.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	mu       sync.Mutex // protects next
	next     time.Time  // the earliest start not reserved yet
}

func newPacer(interval time.Duration, now func() time.Time) *pacer {
	return &pacer{interval: max(interval, 1), now: now}
}

// reserve reserves the next start as of now and returns how long to
// wait for it.
func (p *pacer) reserve(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.interval)
	return at.Sub(now)
}

// wait waits for the next start, or for ctx to be done.
func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	d := p.reserve(p.now())
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// replayRun is one run of debugctl replay.
type replayRun struct {
	c       *cli
	flags   *replayFlags
	recs    []*capture.Record
	target  http.RoundTripper
	opts    []capture.ReplayOption
	pace    *pacer
	env     *capture.Env // the environment records are compared with
	against string       // what env is, for people: "this machine"
	mask    func(string) string
	bar     *progress // owned by the goroutine of run
	// out buffers what run prints to stdout: one write a line would be a
	// system call a record. It is flushed whenever run waits for an
	// outcome, so that a script reading the output sees each line as
	// soon as no other is ready; after every line on a terminal.
	out *bufio.Writer
	// jsonBuf and jsonEnc encode the lines of --json, again and again.
	jsonBuf bytes.Buffer
	jsonEnc *json.Encoder
	envSeen map[string]bool // the env IDs already compared; owned by run

	stop context.CancelFunc // stops the workers

	mu          sync.Mutex // protects what follows, which the workers update
	counts      replayCounts
	answered    int    // requests the target answered
	failedInRow int    // requests in a row it did not answer
	stopped     string // why the run stopped early, "" when it did not
	stopErr     error  // the error it stopped on
}

// replayCounts counts the outcomes of a run.
type replayCounts struct {
	Records  int `json:"records"`
	Replayed int `json:"replayed"`
	Equal    int `json:"equal"`
	Differ   int `json:"differ"`
	Skipped  int `json:"skipped"`
	Failed   int `json:"failed"`
	NotRun   int `json:"not_run"`
	refused  int // answers 401 or 403 to a request recorded otherwise
}

// outcome is what became of one record.
type outcome struct {
	i    int
	res  *capture.ReplayResult
	err  error
	kind string
}

// The kinds of outcome.
const (
	kindEqual   = "equal"
	kindDiffers = "differs"
	kindSkipped = "skipped" // not replayable: a gRPC call, a bad method or URL
	kindFailed  = "failed"  // the target did not answer
	kindNotRun  = "not_run" // stopped before it replayRan
	kindOption  = "option"  // a flag the library refused
)

// Why a run stopped early.
const (
	stopRefused     = "refused"
	stopUnreachable = "unreachable"
	stopInterrupted = "interrupted"
	stopOption      = "option"
)

// run replays the records with the workers of --concurrency, and prints
// the outcomes in the records' order as they complete. A worker decides
// whether the run must stop (refused, unreachable) as soon as it has an
// outcome, before it takes the next record, so that with one worker not
// one request more is sent.
func (r *replayRun) run(ctx context.Context) int {
	started := time.Now()
	if r.c.terminal && !r.flags.json && len(r.recs) > 1 {
		r.bar = newProgress(r.c.stderr, "replaying", len(r.recs), time.Now)
	}
	r.counts.Records = len(r.recs)
	r.out = bufio.NewWriterSize(r.c.stdout, 32<<10)
	defer r.out.Flush()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	r.stop = stop

	jobs := make(chan int, len(r.recs))
	for i := range r.recs {
		jobs <- i
	}
	close(jobs)
	results := make(chan outcome, r.flags.concurrency)
	var wg sync.WaitGroup
	for range r.flags.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				o := r.replayOne(runCtx, i)
				o.kind = r.observe(runCtx, o)
				results <- o
			}
		}()
	}

	done := make([]*outcome, len(r.recs))
	next := 0
	for range r.recs {
		var o outcome
		select {
		case o = <-results:
		default:
			r.out.Flush() // nothing more to print for now
			o = <-results
		}
		done[o.i] = &o
		r.bar.add(1)
		for next < len(done) && done[next] != nil {
			r.print(*done[next])
			done[next] = nil // printed: let its result go
			next++
		}
	}
	wg.Wait()
	r.bar.finish()

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped == "" && ctx.Err() != nil {
		r.stopped = stopInterrupted
	}
	if r.stopped == "" && r.answered > 0 && r.counts.refused == r.answered {
		r.stopped = stopRefused
	}
	code := r.exitCode()
	r.summary(time.Since(started), code)
	return code
}

// replayOne replays record i, after the pacer lets it start.
func (r *replayRun) replayOne(ctx context.Context, i int) outcome {
	if err := ctx.Err(); err != nil {
		return outcome{i: i, err: err}
	}
	if err := r.pace.wait(ctx); err != nil {
		return outcome{i: i, err: err}
	}
	// Environments are compared once per snapshot by the run, not once
	// per record by Replay.
	rec := *r.recs[i]
	rec.Env = nil
	res, err := capture.Replay(ctx, &rec, r.target, r.opts...)
	if res != nil {
		res.Record = r.recs[i]
	}
	return outcome{i: i, res: res, err: err}
}

// observe counts outcome o, stops the run when o says it must stop, and
// returns o's kind.
func (r *replayRun) observe(runCtx context.Context, o outcome) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	kind := r.classify(runCtx, o)
	stopOn := func(why string, err error) {
		if r.stopped == "" {
			r.stopped, r.stopErr = why, err
			r.stop()
		}
	}
	switch kind {
	case kindEqual, kindDiffers:
		r.answered++
		r.failedInRow = 0
		if refusal(r.recs[o.i], o.res) {
			r.counts.refused++
			if r.counts.refused == r.answered && r.counts.refused >= min(refuseAfter, len(r.recs)) {
				stopOn(stopRefused, nil)
			}
		}
	case kindFailed:
		r.failedInRow++
		if r.answered == 0 || r.failedInRow >= failAfter {
			stopOn(stopUnreachable, o.err)
		}
	case kindOption:
		stopOn(stopOption, o.err)
	}
	return kind
}

// classify counts o and returns its kind.
func (r *replayRun) classify(runCtx context.Context, o outcome) string {
	switch {
	case o.err == nil && o.res.Diff.Equal():
		r.counts.Replayed++
		r.counts.Equal++
		return kindEqual
	case o.err == nil:
		r.counts.Replayed++
		r.counts.Differ++
		return kindDiffers
	case errors.Is(o.err, capture.ErrReplayOption):
		r.counts.NotRun++
		return kindOption
	case errors.Is(o.err, capture.ErrNotReplayable), errors.Is(o.err, capture.ErrSchema), errors.Is(o.err, capture.ErrKind):
		r.counts.Skipped++
		return kindSkipped
	case runCtx.Err() != nil:
		r.counts.NotRun++
		return kindNotRun
	}
	r.counts.Failed++
	return kindFailed
}

// refusal reports whether the target refused the replay of rec: it
// answered 401 or 403 to a request that was not answered so when it was
// recorded.
func refusal(rec *capture.Record, res *capture.ReplayResult) bool {
	denied := func(s int) bool { return s == http.StatusUnauthorized || s == http.StatusForbidden }
	return denied(res.Status) && !denied(rec.Response.Status)
}

// exitCode returns the exit status of the run. r.mu is held.
func (r *replayRun) exitCode() int {
	stopped := r.stopped
	switch {
	case stopped == stopOption:
		return exitUsage
	case stopped == stopRefused, stopped == stopUnreachable, r.counts.Failed > 0:
		return exitTarget
	case stopped == stopInterrupted:
		return exitInterrupted
	case r.counts.Differ > 0:
		return exitDiffers
	case r.counts.Replayed == 0:
		return exitInput
	}
	return exitOK
}

// write writes text to stdout, masked, with the progress bar out of
// its way.
func (r *replayRun) write(text string) {
	r.bar.clear()
	r.out.WriteString(r.mask(text))
	if r.c.terminal {
		r.out.Flush() // people read as it goes, between the progress bar's frames
	}
	r.bar.resume()
}

// print writes the outcome of one record.
func (r *replayRun) print(o outcome) {
	kind := o.kind
	if kind == kindNotRun || kind == kindOption {
		return
	}
	rec := r.recs[o.i]
	if r.flags.json {
		r.printJSON(o)
		r.printEnv(rec)
		return
	}
	var b strings.Builder
	method := rec.Request.Method
	if method == "" {
		method = http.MethodGet
	}
	head := clean(method) + " " + clean(rec.Request.URL)
	switch kind {
	case kindEqual:
		fmt.Fprintf(&b, "✓ %s  reproduced: %d as recorded  (%s)", head, o.res.Status, replayDuration(o.res.Duration))
	case kindDiffers:
		fmt.Fprintf(&b, "✗ %s  recorded %d → replayed %d  (%s)", head, rec.Response.Status, o.res.Status, replayDuration(o.res.Duration))
	case kindSkipped:
		fmt.Fprintf(&b, "- %s  skipped: %s", head, replayErrText(o.err))
	case kindFailed:
		fmt.Fprintf(&b, "! %s  no answer: %s", head, replayErrText(o.err))
	}
	if id := rec.CorrelationID; id != "" {
		fmt.Fprintf(&b, "  %s", clean(id))
	}
	b.WriteByte('\n')
	if o.res != nil {
		if kind == kindDiffers {
			replayIndent(&b, o.res.Diff.String(), "    ")
		}
		for _, w := range o.res.Warnings {
			fmt.Fprintf(&b, "    warning: %s\n", clean(w))
		}
	}
	r.write(b.String())
	r.printEnv(rec)
}

// replayErrText returns the error of a replay for people, without the
// prefixes of package capture, cleaned.
func replayErrText(err error) string {
	s := err.Error()
	for _, p := range []string{"capture: replay: the target did not answer: ", "capture: replay: ", "capture: "} {
		if t, ok := strings.CutPrefix(s, p); ok {
			s = t
			break
		}
	}
	return clean(s)
}

// replayIndent writes each line of text to b after prefix, cleaned.
func replayIndent(b *strings.Builder, text, prefix string) {
	for line := range strings.Lines(text) {
		b.WriteString(prefix)
		b.WriteString(clean(strings.TrimSuffix(line, "\n")))
		b.WriteByte('\n')
	}
}

// printEnv writes how the environment rec was taken in differs from the
// one records are compared with, the first time a record of that
// environment is printed.
func (r *replayRun) printEnv(rec *capture.Record) {
	id := rec.EnvID
	if id == "" || r.envSeen[id] {
		return
	}
	r.envSeen[id] = true
	if rec.Env == nil {
		if !r.flags.json {
			r.write(fmt.Sprintf("  environment %s: its snapshot is not in the file; not compared\n", clean(id)))
		}
		return
	}
	d := capture.DiffEnv(rec.Env, r.env)
	if r.flags.json {
		r.writeJSON(replayJSONEnv{
			Type: "env", EnvID: id, Service: rec.Env.Service, Against: r.against,
			Equal: d.Empty(), Changes: replayJSONEnvChanges(d.Changes), Uncompared: d.Uncompared,
		})
		return
	}
	var b strings.Builder
	service := ""
	if rec.Env.Service != "" {
		service = " (" + clean(rec.Env.Service) + ")"
	}
	if d.Empty() && len(d.Uncompared) == 0 {
		fmt.Fprintf(&b, "  environment %s%s: no difference with %s\n", clean(id), service, r.against)
	} else {
		fmt.Fprintf(&b, "  environment %s%s, recorded → %s:\n", clean(id), service, r.against)
		var report strings.Builder
		d.Format(&report, "recorded", r.against) // a strings.Builder does not fail
		replayIndent(&b, report.String(), "    ")
	}
	r.write(b.String())
}

// replayDuration writes a duration for people: 0.4ms, 12ms, 1.2s.
func replayDuration(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < 10*time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// summary writes what the run did, and why it stopped early. r.mu is
// held.
func (r *replayRun) summary(elapsed time.Duration, code int) {
	k, stopped, stopErr := r.counts, r.stopped, r.stopErr
	target := clean(r.flags.target)
	var why string
	switch stopped {
	case stopRefused:
		why = fmt.Sprintf("the target refused: %d of %d answers were 401 Unauthorized or 403 Forbidden, to requests recorded otherwise; "+
			"the recorded credentials are redacted: fill them in with --substitute-env (Authorization=VAR)", k.refused, k.Replayed)
	case stopUnreachable:
		cause := ""
		if stopErr != nil {
			cause = ": " + replayErrText(stopErr)
		}
		why = fmt.Sprintf("cannot reach the target %s%s; is it running, and is --target right?", target, cause)
	case stopOption:
		why = replayErrText(stopErr)
	case stopInterrupted:
		why = fmt.Sprintf("interrupted: %d of %d records replayed", k.Replayed, k.Records)
	}
	if code == exitInput {
		why = fmt.Sprintf("no record could be replayed: %d skipped", k.Skipped)
	}
	if r.flags.json {
		r.writeJSON(replayJSONSummary{
			Type: "summary", Target: r.flags.target, replayCounts: k, Stopped: stopped, Message: why,
			ExitCode: code, DurationMS: replayMillis(elapsed),
		})
	} else {
		parts := []string{fmt.Sprintf("%d reproduced as recorded", k.Equal), fmt.Sprintf("%d differ", k.Differ)}
		if k.Skipped > 0 {
			parts = append(parts, fmt.Sprintf("%d skipped", k.Skipped))
		}
		if k.Failed > 0 {
			parts = append(parts, fmt.Sprintf("%d unanswered", k.Failed))
		}
		if k.NotRun > 0 {
			parts = append(parts, fmt.Sprintf("%d not run", k.NotRun))
		}
		r.write(fmt.Sprintf("\nreplayed %d of %d records against %s in %s: %s\n",
			k.Replayed, k.Records, target, replayDuration(elapsed), strings.Join(parts, ", ")))
	}
	if why != "" {
		r.out.Flush() // what was printed first comes first, on a terminal too
		fmt.Fprintf(r.c.stderr, "debugctl replay: %s\n", r.mask(why))
	}
}

// The objects of --json, one a line.
type (
	replayJSONRecord struct {
		Type          string           `json:"type"` // "record"
		Index         int              `json:"index"`
		ID            string           `json:"id"`
		CorrelationID string           `json:"correlation_id,omitempty"`
		TraceID       string           `json:"trace_id,omitempty"`
		Method        string           `json:"method"`
		URL           string           `json:"url"`
		Outcome       string           `json:"outcome"` // equal, differs, skipped, failed
		Equal         bool             `json:"equal"`
		Status        replayJSONStatus `json:"status"`
		Diff          *replayJSONDiff  `json:"diff,omitempty"`
		Warnings      []string         `json:"warnings,omitempty"`
		DurationMS    float64          `json:"duration_ms"`
		EnvID         string           `json:"env_id,omitempty"`
		Error         string           `json:"error,omitempty"`
	}
	replayJSONStatus struct {
		Recorded int  `json:"recorded"`
		Replayed *int `json:"replayed"` // null when there was no answer
	}
	replayJSONDiff struct {
		Status   bool               `json:"status"` // whether the statuses differ
		Headers  []replayJSONChange `json:"headers,omitempty"`
		Body     []replayJSONChange `json:"body,omitempty"`
		BodyMore int                `json:"body_more,omitempty"`
		Compared string             `json:"compared"`
		Text     string             `json:"text"`
	}
	replayJSONChange struct {
		Path       string `json:"path"`
		Recorded   string `json:"recorded"`
		Replayed   string `json:"replayed"`
		InRecorded bool   `json:"in_recorded"`
		InReplayed bool   `json:"in_replayed"`
	}
	replayJSONEnv struct {
		Type       string                `json:"type"` // "env"
		EnvID      string                `json:"env_id"`
		Service    string                `json:"service,omitempty"`
		Against    string                `json:"against"`
		Equal      bool                  `json:"equal"`
		Changes    []replayJSONEnvChange `json:"changes"`
		Uncompared []string              `json:"uncompared,omitempty"`
	}
	replayJSONEnvChange struct {
		Kind     string `json:"kind"`
		Name     string `json:"name"`
		Recorded string `json:"recorded"`
		Against  string `json:"against"`
		InA      bool   `json:"in_recorded"`
		InB      bool   `json:"in_against"`
		Masked   bool   `json:"masked"`
	}
	replayJSONSummary struct {
		Type   string `json:"type"` // "summary"
		Target string `json:"target"`
		replayCounts
		Stopped    string  `json:"stopped,omitempty"`
		Message    string  `json:"message,omitempty"`
		ExitCode   int     `json:"exit_code"`
		DurationMS float64 `json:"duration_ms"`
	}
)

// replayMillis returns d in milliseconds, to the microsecond.
func replayMillis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// replayJSONChanges returns the changes of a ResponseDiff for --json.
func replayJSONChanges(cs []capture.FieldChange) []replayJSONChange {
	out := make([]replayJSONChange, 0, len(cs))
	for _, c := range cs {
		out = append(out, replayJSONChange{Path: c.Path, Recorded: c.Recorded, Replayed: c.Replayed, InRecorded: c.InRecorded, InReplayed: c.InReplayed})
	}
	return out
}

// replayJSONEnvChanges returns the changes of an EnvDiff for --json.
func replayJSONEnvChanges(cs []capture.EnvChange) []replayJSONEnvChange {
	out := make([]replayJSONEnvChange, 0, len(cs))
	for _, c := range cs {
		out = append(out, replayJSONEnvChange{Kind: c.Kind, Name: c.Name, Recorded: c.A, Against: c.B, InA: c.InA, InB: c.InB, Masked: c.Masked})
	}
	return out
}

// printJSON writes the record object of one outcome.
func (r *replayRun) printJSON(o outcome) {
	kind := o.kind
	rec := r.recs[o.i]
	j := replayJSONRecord{
		Type: "record", Index: o.i, ID: rec.ID, CorrelationID: rec.CorrelationID, TraceID: rec.TraceID,
		Method: rec.Request.Method, URL: rec.Request.URL, Outcome: kind, Equal: kind == kindEqual,
		Status: replayJSONStatus{Recorded: rec.Response.Status}, EnvID: rec.EnvID,
	}
	if o.res != nil {
		status := o.res.Status
		j.Status.Replayed = &status
		j.Warnings = o.res.Warnings
		j.DurationMS = replayMillis(o.res.Duration)
		if kind == kindDiffers {
			d := o.res.Diff
			j.Diff = &replayJSONDiff{
				Status: d.Status[0] != d.Status[1], Headers: replayJSONChanges(d.Headers), Body: replayJSONChanges(d.Body),
				BodyMore: d.BodyMore, Compared: string(d.Compared), Text: d.String(),
			}
		}
	}
	if o.err != nil {
		j.Error = o.err.Error()
	}
	r.writeJSON(j)
}

// writeJSON writes v as one line of JSON, masked.
func (r *replayRun) writeJSON(v any) {
	if r.jsonEnc == nil {
		r.jsonEnc = json.NewEncoder(&r.jsonBuf)
		r.jsonEnc.SetEscapeHTML(false) // as replayJSONLine
	}
	r.jsonBuf.Reset()
	if err := r.jsonEnc.Encode(v); err != nil { // strings, numbers and bools only: unreachable
		fmt.Fprintf(r.c.stderr, "debugctl replay: encoding JSON: %v\n", err)
		return
	}
	r.write(r.jsonBuf.String())
}

// replayJSONLine returns v as one line of JSON, newline included, with "<",
// ">" and "&" as they are, so that masking finds values as they were.
func replayJSONLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
