package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reprokit/reprokit/internal/redact"
	"github.com/reprokit/reprokit/internal/safetext"
)

// ResponseDiff is how a replayed response differs from the recorded one.
// Its values are redacted on both sides.
type ResponseDiff struct {
	// Status holds the recorded status and the replayed one.
	Status [2]int
	// Headers are the compared headers that differ, by name (see
	// [WithCompareHeaders]), in the order they were named.
	Headers []FieldChange
	// Body are the differences of the bodies: the paths that changed, are
	// missing from the replayed body or are new in it, sorted by path,
	// when they were compared as JSON; the first line that differs
	// otherwise. At most [MaxBodyChanges] are listed.
	Body []FieldChange
	// BodyMore counts the differences of the bodies found beyond
	// MaxBodyChanges.
	BodyMore int
	// Compared says how the bodies were compared.
	Compared BodyComparison
}

// MaxBodyChanges is the most body differences a [ResponseDiff] lists.
const MaxBodyChanges = 100

// BodyComparison says how [Replay] compared two bodies.
type BodyComparison string

// The ways of comparing two bodies.
const (
	// CompareJSON: both bodies are JSON, compared value by value: a
	// recorded value that is a redaction mark matches any value, a
	// string holding one matches any string the mark could stand in, and
	// a replayed value that is a mark.
	CompareJSON BodyComparison = "json"
	// CompareText: the bodies are compared line by line, redaction marks
	// matching as in CompareJSON; the first line that differs is
	// reported. Binary bodies are compared byte by byte.
	CompareText BodyComparison = "text"
	// ComparePrefix: the recorded body was cut at the capture limit, so
	// only as much of the replayed body is compared, as text, the last
	// recorded line as a prefix.
	ComparePrefix BodyComparison = "prefix"
	// CompareNone: the recorded body was omitted ("[omitted: N bytes]"),
	// which matches any body.
	CompareNone BodyComparison = "none"
)

// FieldChange is one difference between a recorded and a replayed value:
// a header, a JSON value or a line of text. Values are redacted, cut to
// about 80 bytes, and JSON values are JSON text ("\"a\"", 42, {"k":1}).
type FieldChange struct {
	// Path is the header's name, the JSON value's path ("items[0].id",
	// "" for the whole body), the line ("line 3"), or "(binary)" for
	// bodies that are not text, whose sizes are the values.
	Path string
	// Recorded and Replayed are the two values; empty when the value is
	// not there.
	Recorded string
	Replayed string
	// InRecorded and InReplayed report whether each side has the value:
	// false for a header or a JSON value that is missing from the
	// replayed response, or new in it.
	InRecorded bool
	InReplayed bool
}

// Equal reports whether the replayed response matched the recorded one:
// same status, compared headers and body.
func (d ResponseDiff) Equal() bool {
	return d.Status[0] == d.Status[1] && len(d.Headers) == 0 && len(d.Body) == 0 && d.BodyMore == 0
}

// String describes d in lines, one a difference, in a stable order:
// status, headers, body. Header values and lines of text are quoted,
// JSON values are JSON.
func (d ResponseDiff) String() string {
	if d.Equal() {
		return "the replayed response matches the recorded one"
	}
	var b strings.Builder
	b.WriteString("the replayed response differs from the recorded one (recorded → replayed):")
	if d.Status[0] != d.Status[1] {
		fmt.Fprintf(&b, "\n  status: %d → %d", d.Status[0], d.Status[1])
	}
	for _, c := range d.Headers {
		fmt.Fprintf(&b, "\n  header %s: %s → %s", c.Path, quoted(c.Recorded, c.InRecorded), quoted(c.Replayed, c.InReplayed))
	}
	for _, c := range d.Body {
		switch d.Compared {
		case CompareJSON:
			path := c.Path
			if path == "" {
				path = "(whole body)"
			}
			fmt.Fprintf(&b, "\n  body %s: %s → %s", path, jsonShown(c.Recorded, c.InRecorded), jsonShown(c.Replayed, c.InReplayed))
		default:
			fmt.Fprintf(&b, "\n  body %s: %s → %s", c.Path, quoted(c.Recorded, c.InRecorded), quoted(c.Replayed, c.InReplayed))
		}
	}
	if d.BodyMore > 0 {
		fmt.Fprintf(&b, "\n  body: %d more differences", d.BodyMore)
	}
	if d.Compared == ComparePrefix && len(d.Body) > 0 {
		b.WriteString("\n  (the recorded body was cut when captured: compared only as far as it goes)")
	}
	return b.String()
}

func quoted(s string, present bool) string {
	if !present {
		return "(none)"
	}
	return strconv.Quote(s)
}

func jsonShown(s string, present bool) string {
	if !present {
		return "(none)"
	}
	return s
}

// maxShown is about how many bytes of a value a FieldChange shows.
const maxShown = 80

// shownValue returns s cut to about maxShown bytes, as valid UTF-8.
func shownValue(s string) string {
	if len(s) <= maxShown {
		return safetext.Clean(s, maxShown)
	}
	return safetext.Clean(s, maxShown-3) + "…"
}

// diffResponse compares the recorded response of rec with the replayed
// status, header and body, all redacted.
func diffResponse(rec *Record, status int, header http.Header, body Body, cfg *replayConfig, ignore [][]pathStep) ResponseDiff {
	d := ResponseDiff{Status: [2]int{rec.Response.Status, status}}
	seen := make(map[string]bool, len(cfg.headers))
	for _, name := range cfg.headers {
		if seen[name] {
			continue
		}
		seen[name] = true
		rv, rok := headerValue(rec.Response.Header, name)
		pv, pok := headerValue(header, name)
		if rok == pok && (!rok || markMatch(rv, pv, true)) {
			continue
		}
		d.Headers = append(d.Headers, FieldChange{Path: name, Recorded: shownValue(rv), Replayed: shownValue(pv), InRecorded: rok, InReplayed: pok})
	}
	d.Compared, d.Body, d.BodyMore = diffBodies(rec.Response.Body, body, ignore)
	return d
}

// headerValue returns the values of name in h joined by ", ", the name
// compared without regard to case (a record's header comes from JSON and
// may not be in canonical form).
func headerValue(h http.Header, name string) (string, bool) {
	if v, ok := h[name]; ok {
		return strings.Join(v, ", "), true
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return strings.Join(v, ", "), true
		}
	}
	return "", false
}

// diffBodies compares a recorded and a replayed body.
func diffBodies(rec, got Body, ignore [][]pathStep) (BodyComparison, []FieldChange, int) {
	a := rec.Bytes()
	if rec.Omitted || redact.IsMarkBytes(bytes.TrimSpace(a)) {
		return CompareNone, nil, 0
	}
	// Replay stores the replayed body as Text: compare it as it is,
	// rather than copy it, in the common case that it is the same.
	same := !rec.Truncated && got.Base64 == "" && len(got.JSON) == 0 && string(a) == got.Text
	var b []byte
	if !same {
		b = got.Bytes()
	}
	if rec.Truncated {
		return ComparePrefix, diffText(a, b, true), 0
	}
	if same || bytes.Equal(a, b) {
		// A reproduced response, the common case of a replay: nothing can
		// differ, whatever is ignored, and decoding both to find so costs
		// more than the rest of the replay.
		if json.Valid(a) {
			return CompareJSON, nil, 0
		}
		return CompareText, nil, 0
	}
	if changes, more, ok := diffJSON(a, b, ignore, true); ok {
		return CompareJSON, changes, more
	}
	return CompareText, diffText(a, b, false), 0
}

// diffText returns the first line of b that differs from a's, redaction
// marks of a matching what they may stand in. With prefix, a was cut
// short: its last line needs only to begin b's, and b's lines after it
// are not compared. Bodies that are not UTF-8 are compared whole.
func diffText(a, b []byte, prefix bool) []FieldChange {
	if !utf8.Valid(a) || !utf8.Valid(b) {
		if bytes.Equal(a, b) || prefix && bytes.HasPrefix(b, a) {
			return nil
		}
		c := FieldChange{
			Path:     "(binary)",
			Recorded: fmt.Sprintf("%d bytes", len(a)), Replayed: fmt.Sprintf("%d bytes", len(b)),
			InRecorded: true, InReplayed: true,
		}
		if len(a) == len(b) {
			c.Replayed += ", not the same"
		}
		return []FieldChange{c}
	}
	la := strings.Split(string(a), "\n")
	lb := strings.Split(string(b), "\n")
	for i := range max(len(la), len(lb)) {
		if prefix && i >= len(la) {
			return nil
		}
		if i >= len(la) || i >= len(lb) {
			c := FieldChange{Path: "line " + strconv.Itoa(i+1), InRecorded: i < len(la), InReplayed: i < len(lb)}
			if c.InRecorded {
				c.Recorded = shownValue(la[i])
			} else {
				c.Replayed = shownValue(lb[i])
			}
			return []FieldChange{c}
		}
		last := prefix && i == len(la)-1
		if markMatch(la[i], lb[i], !last) || last && i == len(lb)-1 && strings.HasPrefix(la[i], lb[i]) {
			continue
		}
		return []FieldChange{{Path: "line " + strconv.Itoa(i+1), Recorded: shownValue(la[i]), Replayed: shownValue(lb[i]), InRecorded: true, InReplayed: true}}
	}
	return nil
}

// decodeJSON parses b as one JSON value, numbers as json.Number.
func decodeJSON(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

// diffJSON compares two JSON texts: ok is false when either does not
// parse. With marks, a recorded string holding a redaction mark matches
// what the mark may stand in. The changes are listed up to
// MaxBodyChanges; more counts the rest.
func diffJSON(a, b []byte, ignore [][]pathStep, marks bool) (changes []FieldChange, more int, ok bool) {
	va, ok := decodeJSON(a)
	if !ok {
		return nil, 0, false
	}
	vb, ok := decodeJSON(b)
	if !ok {
		return nil, 0, false
	}
	j := jsonDiffer{ignore: ignore, marks: marks}
	j.walk(va, vb)
	return j.changes, j.more, true
}

type jsonDiffer struct {
	ignore  [][]pathStep
	marks   bool
	path    []pathStep
	changes []FieldChange
	more    int
}

func (j *jsonDiffer) add(a, b any, inA, inB bool) {
	if len(j.changes) >= MaxBodyChanges {
		j.more++
		return
	}
	c := FieldChange{Path: renderPath(j.path), InRecorded: inA, InReplayed: inB}
	if inA {
		c.Recorded = showJSON(a)
	}
	if inB {
		c.Replayed = showJSON(b)
	}
	j.changes = append(j.changes, c)
}

func (j *jsonDiffer) ignored() bool {
	for _, p := range j.ignore {
		if pathMatch(p, j.path) {
			return true
		}
	}
	return false
}

func (j *jsonDiffer) walk(a, b any) {
	if j.ignored() {
		return
	}
	if s, ok := a.(string); ok && j.marks && hasMark(s) {
		if redact.IsMark(s) {
			return
		}
		if t, ok := b.(string); ok && (markMatch(s, t, true) || redact.IsMark(t)) {
			return // a replayed mark hides what could match
		}
		j.add(a, b, true, true)
		return
	}
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			j.add(a, b, true, true)
			return
		}
		keys := make([]string, 0, len(a)+len(bm))
		for k := range a {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			va, inA := a[k]
			vb, inB := bm[k]
			j.path = append(j.path, pathStep{key: k})
			switch {
			case j.ignored():
			case inA && inB:
				j.walk(va, vb)
			default:
				j.add(va, vb, inA, inB)
			}
			j.path = j.path[:len(j.path)-1]
		}
	case []any:
		bs, ok := b.([]any)
		if !ok {
			j.add(a, b, true, true)
			return
		}
		for i := range max(len(a), len(bs)) {
			j.path = append(j.path, pathStep{index: i, isIndex: true})
			switch {
			case j.ignored():
			case i < len(a) && i < len(bs):
				j.walk(a[i], bs[i])
			case i < len(a):
				j.add(a[i], nil, true, false)
			default:
				j.add(nil, bs[i], false, true)
			}
			j.path = j.path[:len(j.path)-1]
		}
	case json.Number:
		if n, ok := b.(json.Number); !ok || !sameNumber(a, n) {
			j.add(a, b, true, true)
		}
	default: // string, bool, nil
		if a != b {
			j.add(a, b, true, true)
		}
	}
}

// sameNumber reports whether two JSON numbers have the same value:
// integers exactly, others as float64.
func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	if isInteger(a) && isInteger(b) {
		return strings.TrimPrefix(string(a), "-") == "0" && strings.TrimPrefix(string(b), "-") == "0"
	}
	fa, errA := strconv.ParseFloat(string(a), 64)
	fb, errB := strconv.ParseFloat(string(b), 64)
	if errA != nil && !errors.Is(errA, strconv.ErrRange) || errB != nil && !errors.Is(errB, strconv.ErrRange) {
		return false
	}
	return fa == fb
}

// isInteger reports whether a JSON number has no fraction or exponent.
func isInteger(n json.Number) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// showJSON returns v as compact JSON, cut to about maxShown bytes.
func showJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "?"
	}
	return shownValue(strings.TrimSuffix(buf.String(), "\n"))
}

// A pathStep is one step of a JSON path: a key, an index, or in an
// ignore pattern, with wild, either.
type pathStep struct {
	key     string
	index   int
	isIndex bool
	wild    bool // any one key or index
}

// renderPath writes a path as "a.b[0].c", a key that is not a plain word
// as `["x.y"]`.
func renderPath(p []pathStep) string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.wild:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteByte('*')
		case s.isIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case plainKey(s.key):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.key))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// plainKey reports whether a key can be written bare in a path.
func plainKey(k string) bool {
	if k == "" || k == "*" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '$' || c == '@') {
			return false
		}
	}
	return true
}

// errPath is the error of an ignore pattern that does not parse.
var errPath = errors.New("capture: malformed JSON path")

// parsePath reads a path as renderPath writes it, "*" and "[*]" standing
// for any key or index.
func parsePath(s string) ([]pathStep, error) {
	bad := func() ([]pathStep, error) {
		return nil, fmt.Errorf("%w %q", errPath, safetext.Clean(s, 80))
	}
	if s == "" {
		return bad()
	}
	var p []pathStep
	for i := 0; i < len(s); {
		switch {
		case s[i] == '[':
			i++
			rest := s[i:]
			switch {
			case strings.HasPrefix(rest, "*]"):
				p = append(p, pathStep{wild: true})
				i += 2
			case strings.HasPrefix(rest, `"`):
				q, err := strconv.QuotedPrefix(rest)
				if err != nil || !strings.HasPrefix(rest[len(q):], "]") {
					return bad()
				}
				k, _ := strconv.Unquote(q)
				p = append(p, pathStep{key: k})
				i += len(q) + 1
			default:
				end := strings.IndexByte(rest, ']')
				if end <= 0 {
					return bad()
				}
				n, err := strconv.Atoi(rest[:end])
				if err != nil || n < 0 {
					return bad()
				}
				p = append(p, pathStep{index: n, isIndex: true})
				i += end + 1
			}
		case s[i] == '.' && len(p) > 0:
			i++
			fallthrough
		default:
			end := strings.IndexAny(s[i:], ".[")
			if end < 0 {
				end = len(s) - i
			}
			k := s[i : i+end]
			if k == "" || strings.ContainsRune(k, ']') {
				return bad()
			}
			if k == "*" {
				p = append(p, pathStep{wild: true})
			} else {
				p = append(p, pathStep{key: k})
			}
			i += end
		}
	}
	return p, nil
}

// pathMatch reports whether path is matched by pattern, step by step.
func pathMatch(pattern, path []pathStep) bool {
	if len(pattern) != len(path) {
		return false
	}
	for i, s := range pattern {
		t := path[i]
		if s.wild {
			continue
		}
		if s.isIndex != t.isIndex || s.isIndex && s.index != t.index || !s.isIndex && s.key != t.key {
			return false
		}
	}
	return true
}

// markAt returns the length of the redaction mark that s holds at i, or
// 0: [Placeholder], "[REDACTED:<8 hex>]" or "[omitted: N bytes]".
func markAt(s string, i int) int {
	if s[i] != '[' {
		return 0
	}
	for _, n := range []int{len(Placeholder), len("[REDACTED:12345678]")} {
		if i+n <= len(s) && redact.IsMark(s[i:i+n]) {
			return n
		}
	}
	if strings.HasPrefix(s[i:], "[omitted: ") {
		if end := strings.IndexByte(s[i:], ']'); end > 0 && redact.IsMark(s[i:i+end+1]) {
			return end + 1
		}
	}
	return 0
}

// hasMark reports whether s holds a redaction mark.
func hasMark(s string) bool {
	for i := strings.IndexByte(s, '['); i >= 0; {
		if markAt(s, i) > 0 {
			return true
		}
		n := strings.IndexByte(s[i+1:], '[')
		if n < 0 {
			return false
		}
		i += 1 + n
	}
	return false
}

// markMatch reports whether got could be what rec was before it was
// redacted: the text of rec between its marks appears in got in order,
// each mark standing for any text (a "*" of a glob). With anchorEnd
// false, got may go on after the end of rec.
func markMatch(rec, got string, anchorEnd bool) bool {
	if rec == got {
		return true
	}
	var pieces []string
	start := 0
	for i := 0; i < len(rec); {
		if n := markAt(rec, i); n > 0 {
			pieces = append(pieces, rec[start:i])
			i += n
			start = i
			continue
		}
		i++
	}
	last := rec[start:]
	if len(pieces) == 0 {
		if anchorEnd {
			return false
		}
		return strings.HasPrefix(got, rec)
	}
	if !strings.HasPrefix(got, pieces[0]) {
		return false
	}
	got = got[len(pieces[0]):]
	for _, p := range pieces[1:] {
		k := strings.Index(got, p)
		if k < 0 {
			return false
		}
		got = got[k+len(p):]
	}
	if !anchorEnd {
		return last == "" || strings.Contains(got, last)
	}
	return strings.HasSuffix(got, last)
}
