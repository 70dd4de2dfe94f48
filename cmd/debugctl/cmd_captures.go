package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/reprokit/reprokit/capture"
)

// capturesUsage is the usage of `debugctl captures` without a
// subcommand.
const capturesUsage = `Usage: debugctl captures <ls|show|stats> [flags] FILES|FOLDERS...

Subcommands:
  ls     one line per record, filtered by ID, route, status, reason, time
  show   one record in full: request, response, IDs, environment, flags
  stats  counts by route and status, reason, errors, bodies, environments

Arguments are capture files, or folders: every *.jsonl file in a folder
(not in its subfolders) is read, with the files a FileSink rotated
(captures.jsonl.2, captures.jsonl.1) before the current one. A line that is
not a record (a truncated last line, a record of an unknown schema) is
reported on stderr with its file and line, the other records are shown, and
the command exits with status 3.

Run 'debugctl captures <subcommand> --help' for its flags and examples.
`

// maxLineWarnings is how many bad lines a captures command reports one by
// one; the rest are counted.
const maxLineWarnings = 20

func runCaptures(ctx context.Context, c *cli, args []string) int {
	return runSub(ctx, c, "captures", capturesUsage, []command{
		{name: "ls", run: capturesList},
		{name: "show", run: capturesShow},
		{name: "stats", run: capturesStats},
	}, args)
}

// filterFlags are the flags of capture.Filter, shared by ls and stats.
type filterFlags struct {
	correlationID, traceID, route, method, reason string
	status, since, until                          string
}

func addFilterFlags(fs *flag.FlagSet) *filterFlags {
	f := new(filterFlags)
	fs.StringVar(&f.correlationID, "correlation-id", "", "only the records of this correlation ID (the X-Request-ID of the request)")
	fs.StringVar(&f.traceID, "trace-id", "", "only the records of this trace ID (32 hex digits)")
	fs.StringVar(&f.route, "route", "", "only the records of this route (\"POST /orders/{id}\" or \"/orders/{id}\") or URL path (\"/orders/42\")")
	fs.StringVar(&f.method, "method", "", "only the records of this request method")
	fs.StringVar(&f.status, "status", "", "only the records of these statuses: codes or classes, comma-separated (500, 4xx,503)")
	fs.StringVar(&f.reason, "reason", "", "only the records captured for this reason: rate, debug, failure or manual")
	fs.StringVar(&f.since, "since", "", "only the records of requests since a duration ago (30m, 2h, 7d) or a time (RFC 3339, or 2025-06-01 in local time)")
	fs.StringVar(&f.until, "until", "", "only the records of requests before a duration ago or a time, as for --since")
	return f
}

// filter returns the Filter the flags describe, with durations counted
// back from now.
func (f *filterFlags) filter(now time.Time) (capture.Filter, error) {
	flt := capture.Filter{
		CorrelationID: f.correlationID,
		TraceID:       strings.ToLower(f.traceID), // as records hold it
		Route:         f.route,
		Method:        f.method,
		Reason:        f.reason,
	}
	var err error
	if flt.Status, err = parseStatus(f.status); err != nil {
		return flt, err
	}
	if f.reason != "" && !slices.Contains([]string{capture.ReasonRate, capture.ReasonDebug, capture.ReasonFailure, capture.ReasonManual}, f.reason) {
		return flt, fmt.Errorf("bad --reason %q: want rate, debug, failure or manual", clean(f.reason))
	}
	if f.since != "" {
		if flt.Since, err = parseSince(f.since, now); err != nil {
			return flt, fmt.Errorf("bad --since %w", err)
		}
	}
	if f.until != "" {
		if flt.Until, err = parseSince(f.until, now); err != nil {
			return flt, fmt.Errorf("bad --until %w", err)
		}
	}
	return flt, nil
}

// parseStatus parses a --status list: status codes (0 for no response,
// 100 to 599) and classes ("5xx"), comma-separated, as capture.Filter
// holds them (a class as its digit).
func parseStatus(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if len(item) == 3 && strings.EqualFold(item[1:], "xx") && item[0] >= '1' && item[0] <= '5' {
			out = append(out, int(item[0]-'0'))
			continue
		}
		n, err := strconv.Atoi(item)
		if err != nil || strings.HasPrefix(item, "+") || n != 0 && (n < 100 || n > 599) {
			return nil, fmt.Errorf("bad --status %q: want status codes or classes, comma-separated, such as 500 or 404,5xx", clean(s))
		}
		out = append(out, n)
	}
	return out, nil
}

// parseSince parses the time of --since and --until: a duration before
// now (Go's syntax, "90m", "1h30m", or whole days, "7d"), or a time:
// RFC 3339 ("2025-06-01T10:00:00Z"), or a date and time without a zone,
// local ("2025-06-01T10:00:00", "2025-06-01 10:00", "2025-06-01").
func parseSince(s string, now time.Time) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("%q: want a duration ago (30m, 2h, 7d) or a time (2025-06-01T10:00:00Z, 2025-06-01)", clean(s))
	}
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" && !strings.ContainsAny(days, "+-") {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100_000 {
			return bad()
		}
		return now.AddDate(0, 0, -n), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return bad()
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return bad()
}

// lineWarnings reports the lines and files that could not be read, the
// first maxLineWarnings one by one.
type lineWarnings struct {
	c    *cli
	name string // "captures ls"
	n    int
}

func (w *lineWarnings) add(err error) {
	w.n++
	if w.n <= maxLineWarnings {
		fmt.Fprintf(w.c.stderr, "debugctl %s: warning: %s; skipped\n", w.name, describeReadError(err))
	}
}

// done reports the count of bad lines and returns the exit code.
func (w *lineWarnings) done() int {
	if w.n == 0 {
		return exitOK
	}
	more := ""
	if w.n > maxLineWarnings {
		more = fmt.Sprintf(" (%d not shown)", w.n-maxLineWarnings)
	}
	fmt.Fprintf(w.c.stderr, "debugctl %s: %d line(s) or file(s) could not be read%s; the output holds the other records\n", w.name, w.n, more)
	return exitInput
}

// describeReadError says what is wrong with a file or a line, on one line
// and cleaned: "captures.jsonl:7: truncated last line".
func describeReadError(err error) string {
	var le *capture.LineError
	if errors.As(err, &le) {
		what := errText(le.Err)
		switch {
		case errors.Is(le.Err, capture.ErrTruncatedLine):
			what = "truncated last line (was the file being written?)"
		case errors.Is(le.Err, capture.ErrSchema):
			what += "; it was written by another version of reprokit"
		}
		return fmt.Sprintf("%s:%d: %s", clean(le.File), le.Line, what)
	}
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist):
		return "no such file or folder: " + clean(pe.Path)
	case errors.As(err, &pe) && errors.Is(err, fs.ErrPermission):
		return "cannot read " + clean(pe.Path) + ": permission denied"
	case errors.As(err, &pe):
		return "cannot read " + clean(pe.Path) + ": " + errText(pe.Err)
	}
	return errText(err)
}

// errText is the text of an error for people: cleaned, without the
// package prefixes.
func errText(err error) string {
	return clean(strings.ReplaceAll(err.Error(), "capture: ", ""))
}

// findCaptureFiles expands the arguments of a captures command into files,
// or reports why it cannot and returns the exit code.
func findCaptureFiles(c *cli, name string, args []string) ([]string, int) {
	if len(args) == 0 {
		fmt.Fprintf(c.stderr, "debugctl %s: no file given; pass capture files or folders: debugctl %s captures/*.jsonl\n", name, name)
		return nil, exitUsage
	}
	files, err := capture.FindFiles(args)
	if err != nil {
		fmt.Fprintf(c.stderr, "debugctl %s: %s\n", name, describeReadError(err))
		return nil, exitInput
	}
	return files, -1
}

// listRow is the summary of a record that `captures ls --json` writes.
type listRow struct {
	ID            string    `json:"id"`
	Start         time.Time `json:"start"`
	Status        int       `json:"status"`
	Method        string    `json:"method"`
	URL           string    `json:"url"`
	Route         string    `json:"route,omitempty"`
	DurationMS    float64   `json:"duration_ms"`
	CorrelationID string    `json:"correlation_id,omitempty"`
	TraceID       string    `json:"trace_id,omitempty"`
	Reason        string    `json:"reason"`
	Error         string    `json:"error,omitempty"`
	Panic         bool      `json:"panic,omitempty"`
	File          string    `json:"file"`
	Line          int       `json:"line"`
}

func capturesList(_ context.Context, c *cli, args []string) int {
	fs := newFlags(c, "captures ls", "[flags] FILES|FOLDERS...", `  debugctl captures ls captures/
  debugctl captures ls --status 5xx --since 1h /var/log/app/captures.jsonl
  debugctl captures ls --route "POST /orders/{id}" --json captures/ | jq .correlation_id`)
	ff := addFilterFlags(fs)
	asJSON := fs.Bool("json", false, "write one JSON object per record (JSON Lines), for scripts")
	if code := parse(c, fs, args); code >= 0 {
		return code
	}
	flt, err := ff.filter(time.Now())
	if err != nil {
		fmt.Fprintf(c.stderr, "debugctl captures ls: %v\n", err)
		return exitUsage
	}
	files, code := findCaptureFiles(c, "captures ls", fs.Args())
	if code >= 0 {
		return code
	}
	warn := &lineWarnings{c: c, name: "captures ls"}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "TIME\tSTATUS\tMETHOD\tURL\tDURATION\tCORRELATION-ID\tTRACE-ID\tID\tNOTE")
	}
	for fr, err := range capture.ReadFiles(files) {
		if err != nil {
			warn.add(err)
			continue
		}
		rec := fr.Record
		if !flt.Match(rec) {
			continue
		}
		if *asJSON {
			err := writeSafeJSON(c.stdout, listRow{
				ID: rec.ID, Start: rec.Start, Status: rec.Response.Status, Method: rec.Request.Method,
				URL: rec.Request.URL, Route: rec.Request.Route, DurationMS: float64(rec.Duration) / float64(time.Millisecond),
				CorrelationID: rec.CorrelationID, TraceID: rec.TraceID, Reason: rec.Reason,
				Error: rec.Error, Panic: rec.Panic != "", File: fr.File, Line: fr.Line,
			})
			if err != nil {
				warn.add(fmt.Errorf("%s:%d: %w", fr.File, fr.Line, err))
			}
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			rec.Start.Format("2006-01-02T15:04:05.000Z07:00"), statusText(rec.Response.Status),
			cell(rec.Request.Method, 16), cell(rec.Request.URL, 80), durationText(rec.Duration),
			cell(rec.CorrelationID, 40), cell(rec.TraceID, 32), cell(idPrefix(rec.ID), 12), listNote(rec))
	}
	tw.Flush()
	return warn.done()
}

// idPrefix is the part of a record ID that ls shows, and that show
// accepts: its first 12 hex digits.
func idPrefix(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// cell is untrusted text as a cell of a table: cleaned, cut at max
// runes, "-" when empty.
func cell(s string, max int) string {
	if s == "" {
		return "-"
	}
	s = clean(s)
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

func statusText(status int) string {
	if status == 0 {
		return "-"
	}
	return strconv.Itoa(status)
}

// durationText rounds d to three or four significant digits.
func durationText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// listNote is the last column of a listed record: a panic or an error.
func listNote(rec *capture.Record) string {
	switch {
	case rec.Panic != "":
		return "panic"
	case rec.Error != "":
		return "error: " + cell(rec.Error, 40)
	}
	return ""
}

func capturesShow(_ context.Context, c *cli, args []string) int {
	fs := newFlags(c, "captures show", "[flags] ID|CORRELATION-ID FILES|FOLDERS...", `  debugctl captures show req-7f3a captures/
  debugctl captures show 3f2a9c1b0d4e captures.jsonl       # a record ID, or its first 8+ hex digits
  debugctl captures show --json req-7f3a captures/ > order42.jsonl

Every record whose ID or correlation ID is the one given is shown, in the
order of the files: a correlation ID may name several records (a retried
request, or one seen by several services).`)
	asJSON := fs.Bool("json", false, "write each record as its capture-file line (JSON), for scripts and fixtures")
	if code := parse(c, fs, args); code >= 0 {
		return code
	}
	if fs.NArg() < 1 {
		fmt.Fprintln(c.stderr, "debugctl captures show: no ID given; pass a record ID or a correlation ID, then files: debugctl captures show req-7f3a captures/")
		return exitUsage
	}
	key := fs.Arg(0)
	files, code := findCaptureFiles(c, "captures show", fs.Args()[1:])
	if code >= 0 {
		return code
	}
	warn := &lineWarnings{c: c, name: "captures show"}
	found := 0
	for fr, err := range capture.ReadFiles(files) {
		if err != nil {
			warn.add(err)
			continue
		}
		rec := fr.Record
		if rec.ID != key && rec.CorrelationID != key && (len(key) < 8 || !strings.HasPrefix(rec.ID, key)) {
			continue
		}
		found++
		if *asJSON {
			line, err := capture.AppendRecord(nil, rec)
			if err != nil {
				fmt.Fprintf(c.stderr, "debugctl captures show: %s:%d: %s\n", clean(fr.File), fr.Line, errText(err))
				return exitInput
			}
			c.stdout.Write(safeJSON(line))
			continue
		}
		if found > 1 {
			fmt.Fprintln(c.stdout)
		}
		showRecord(c.stdout, fr)
	}
	if found == 0 {
		fmt.Fprintf(c.stderr, "debugctl captures show: no record with the ID or correlation ID %q in %d file(s)\n", clean(key), len(files))
		if code := warn.done(); code != exitOK {
			return code
		}
		return exitInput
	}
	return warn.done()
}

// showRecord writes rec for people: its IDs and context, then the
// request and the response as curl -v shows them, bodies pretty-printed.
func showRecord(w io.Writer, fr capture.FileRecord) {
	rec := fr.Record
	fmt.Fprintf(w, "record %s  (%s:%d)\n", cell(rec.ID, 64), clean(fr.File), fr.Line)
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-15s %s\n", name, value)
		}
	}
	field("time", rec.Start.Format(time.RFC3339Nano)+"  took "+durationText(rec.Duration))
	field("kind", clean(rec.Kind))
	field("reason", clean(rec.Reason))
	field("correlation id", clean(rec.CorrelationID))
	field("trace id", clean(rec.TraceID))
	field("span id", clean(rec.SpanID))
	if rec.EnvID != "" {
		env := clean(rec.EnvID)
		if e := rec.Env; e != nil {
			env += fmt.Sprintf(" (%s, %s %s/%s", cell(e.Service, 80), clean(e.Runtime.GoVersion), clean(e.Runtime.GOOS), clean(e.Runtime.GOARCH))
			if rev := e.Build.Settings["vcs.revision"]; rev != "" {
				env += ", revision " + cell(idPrefix(rev), 12)
			}
			env += ")"
		} else {
			env += " (its snapshot is not in the file)"
		}
		field("environment", env)
	}
	for i, f := range rec.Flags {
		name := "flags"
		if i > 0 {
			name = ""
		}
		fmt.Fprintf(w, "  %-15s %s=%s (%s)\n", name, clean(f.Name), flagValueText(f.Value), clean(f.Source))
	}
	if g := rec.GRPC; g != nil {
		field("grpc status", strings.TrimSpace(clean(g.Code)+" "+clean(g.Message)))
	}
	field("error", clean(rec.Error))
	field("panic", clean(rec.Panic))

	q := &rec.Request
	fmt.Fprintf(w, "\n> %s %s %s\n", clean(q.Method), clean(q.URL), clean(q.Proto))
	if q.Host != "" {
		fmt.Fprintf(w, "> Host: %s\n", clean(q.Host))
	}
	if q.Route != "" {
		fmt.Fprintf(w, "> (route %s)\n", clean(q.Route))
	}
	writeHeader(w, "> ", q.Header)
	writeBody(w, "request", q.Body)
	writeHeader(w, "> trailer ", q.Trailer)

	p := &rec.Response
	if p.Status == 0 {
		fmt.Fprintln(w, "\n< (no response was written)")
	} else {
		fmt.Fprintf(w, "\n< %d %s\n", p.Status, http.StatusText(p.Status))
	}
	writeHeader(w, "< ", p.Header)
	writeBody(w, "response", p.Body)
	writeHeader(w, "< trailer ", p.Trailer)
}

// flagValueText shows a flag's value: a string as it is, anything else
// as JSON; cleaned.
func flagValueText(v any) string {
	if s, ok := v.(string); ok {
		return clean(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return clean(string(b))
}

func writeHeader(w io.Writer, prefix string, h http.Header) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		for _, v := range h[name] {
			fmt.Fprintf(w, "%s%s: %s\n", prefix, clean(name), clean(v))
		}
	}
}

// writeBody writes a stored body: JSON indented, text line by line,
// binary not at all, every line cleaned.
func writeBody(w io.Writer, what string, b capture.Body) {
	var notes []string
	if b.ContentType != "" {
		notes = append(notes, clean(b.ContentType))
	}
	notes = append(notes, fmt.Sprintf("%d bytes", b.Size))
	if b.Truncated {
		notes = append(notes, "truncated at the capture limit")
	}
	if b.Omitted {
		notes = append(notes, "omitted")
	}
	switch {
	case b.Base64 != "":
		notes = append(notes, "binary, stored as base64: see --json")
	case b.String() == "" && b.Size == 0:
		return
	case b.String() != "":
		text := b.String()
		var indented bytes.Buffer
		if (strings.Contains(b.ContentType, "json") || strings.HasPrefix(strings.TrimSpace(text), "{") || strings.HasPrefix(strings.TrimSpace(text), "[")) &&
			json.Indent(&indented, []byte(text), "", "  ") == nil {
			text = indented.String()
		}
		fmt.Fprintln(w)
		for line := range strings.Lines(text) { // indented: a body's line never passes for one of ours
			fmt.Fprintln(w, "  "+cleanAll(strings.TrimRight(line, "\r\n")))
		}
	}
	fmt.Fprintf(w, "(%s body: %s)\n", what, strings.Join(notes, ", "))
}

func capturesStats(_ context.Context, c *cli, args []string) int {
	fs := newFlags(c, "captures stats", "[flags] FILES|FOLDERS...", `  debugctl captures stats captures/
  debugctl captures stats --since 24h --json /var/log/app/ | jq '.routes[:5]'`)
	ff := addFilterFlags(fs)
	asJSON := fs.Bool("json", false, "write the summary as one JSON object, for scripts")
	if code := parse(c, fs, args); code >= 0 {
		return code
	}
	flt, err := ff.filter(time.Now())
	if err != nil {
		fmt.Fprintf(c.stderr, "debugctl captures stats: %v\n", err)
		return exitUsage
	}
	files, code := findCaptureFiles(c, "captures stats", fs.Args())
	if code >= 0 {
		return code
	}
	warn := &lineWarnings{c: c, name: "captures stats"}
	var recs []*capture.Record
	for fr, err := range capture.ReadFiles(files) {
		if err != nil {
			warn.add(err)
			continue
		}
		if flt.Match(fr.Record) {
			recs = append(recs, fr.Record)
		}
	}
	s := capture.Summarize(recs)
	if *asJSON {
		if err := writeSafeJSON(c.stdout, s); err != nil {
			fmt.Fprintf(c.stderr, "debugctl captures stats: %s\n", errText(err))
			return exitInput
		}
	} else {
		writeSummary(c.stdout, s, len(files))
	}
	return warn.done()
}

// maxSummaryRoutes is how many routes `captures stats` lists on a
// terminal; --json lists them all.
const maxSummaryRoutes = 30

func writeSummary(w io.Writer, s capture.Summary, files int) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	kinds := countsText(s.Kinds)
	fmt.Fprintf(tw, "records\t%d (%s) in %d file(s)\n", s.Records, kinds, files)
	if s.Records > 0 {
		fmt.Fprintf(tw, "time span\t%s to %s (%s)\n", s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339), s.Last.Sub(s.First).Round(time.Second))
	}
	fmt.Fprintf(tw, "reasons\t%s\n", countsText(s.Reasons))
	statuses := make([]string, len(s.Statuses))
	for i, st := range s.Statuses {
		statuses[i] = fmt.Sprintf("%s: %d", statusText(st.Status), st.Records)
	}
	fmt.Fprintf(tw, "statuses\t%s\n", orNone(strings.Join(statuses, ", ")))
	fmt.Fprintf(tw, "errors\t%d, panics %d\n", s.Errors, s.Panics)
	fmt.Fprintf(tw, "bodies\t%d truncated at the capture limit, %d omitted\n", s.TruncatedBodies, s.OmittedBodies)
	fmt.Fprintf(tw, "drops\tnot in the files: drops are counted in the service (capture.Stats, AsyncSinkStats), not in the file\n")
	tw.Flush()

	if len(s.Environments) > 0 || s.WithoutEnv > 0 {
		fmt.Fprintln(w, "\nenvironments:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, e := range s.Environments {
			desc := "(snapshot not in the files)"
			if e.Service != "" || e.GoVersion != "" {
				desc = strings.TrimSpace(cell(e.Service, 60) + " " + clean(e.GoVersion))
				if e.Revision != "" {
					desc += " revision " + cell(idPrefix(e.Revision), 12)
				}
			}
			fmt.Fprintf(tw, "  %s\t%d record(s)\t%s\n", cell(e.ID, 16), e.Records, desc)
		}
		if s.WithoutEnv > 0 {
			fmt.Fprintf(tw, "  (none)\t%d record(s)\t\n", s.WithoutEnv)
		}
		tw.Flush()
	}
	if len(s.Routes) > 0 {
		fmt.Fprintln(w, "\nroutes:")
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RECORDS\tSTATUS\tROUTE")
		for _, r := range s.Routes[:min(len(s.Routes), maxSummaryRoutes)] {
			fmt.Fprintf(tw, "  %d\t%s\t%s\n", r.Records, statusText(r.Status), cell(r.Route, 100))
		}
		tw.Flush()
		if len(s.Routes) > maxSummaryRoutes {
			fmt.Fprintf(w, "  … and %d more (see --json)\n", len(s.Routes)-maxSummaryRoutes)
		}
	}
}

func countsText(cs []capture.Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s: %d", cell(c.Name, 40), c.Records)
	}
	return orNone(strings.Join(parts, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// writeSafeJSON writes v as one line of JSON made safe for a terminal
// (see safeJSON). It fails only for a value out of JSON's range, such as a
// time past the year 9999 that a hostile file's durations add up to.
func writeSafeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(safeJSON(buf.Bytes()))
	return err
}

// safeJSON returns the JSON text b with the characters that encoding/json
// writes as they are, but that a terminal may act on, escaped: DEL, the
// C1 controls and the bidirectional controls, which can only be inside
// strings, where an escape means the same.
func safeJSON(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if unsafeJSONRune(r) {
			if out == nil {
				out = append(make([]byte, 0, len(b)+16), b[:i]...)
			}
			out = fmt.Appendf(out, `\u%04x`, r)
		} else if out != nil {
			out = append(out, b[i:i+size]...)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}

func unsafeJSONRune(r rune) bool {
	return r == 0x7f || r >= 0x80 && r < 0xa0 || unicode.Is(unicode.Bidi_Control, r)
}
