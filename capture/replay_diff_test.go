package capture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarkMatch(t *testing.T) {
	for _, tt := range []struct {
		rec, got  string
		anchorEnd bool
		want      bool
	}{
		{"abc", "abc", true, true},
		{"abc", "abd", true, false},
		{"abc", "abcd", true, false},
		{"abc", "abcd", false, true},
		{"[REDACTED]", "anything at all", true, true},
		{"[REDACTED]", "", true, true},
		{"Bearer [REDACTED]", "Bearer xyz", true, true},
		{"Bearer [REDACTED]", "Basic xyz", true, false},
		{"Bearer [REDACTED:0a1b2c3d]", "Bearer xyz", true, true},
		{"a=[REDACTED]; b=[REDACTED]; c=3", "a=1; b=2; c=3", true, true},
		{"a=[REDACTED]; b=[REDACTED]; c=3", "a=1; b=2; c=4", true, false},
		{"a=[REDACTED]; c=3", "a=1; c=3; c=3", true, true},
		{"x [REDACTED] y", "x 1 y and more", true, false},
		{"x [REDACTED] y", "x 1 y and more", false, true},
		{"[omitted: 12 bytes]", "whatever", true, true},
		{"[REDACTED:0a1b2c3]", "[REDACTED:0a1b2c3]", true, true},
		{"[REDACTED:0a1b2c3]", "x", true, false}, // not a mark: one digit short
		{"[REDACTED", "[REDACTED", true, true},
		{"[redacted]", "x", true, false},
	} {
		t.Run(tt.rec+"~"+tt.got, func(t *testing.T) {
			assert.Equal(t, tt.want, markMatch(tt.rec, tt.got, tt.anchorEnd))
		})
	}
}

func TestHasMark(t *testing.T) {
	for s, want := range map[string]bool{
		"":                         false,
		"[":                        false,
		"[[[":                      false,
		"x [REDACTED]":             true,
		"[x] [REDACTED:0123abcd]]": true,
		"[REDACTED:0123ABCD]":      false,
		"[omitted: 3 bytes]":       true,
		"[omitted: x bytes]":       false,
		"[REDACTED":                false,
	} {
		assert.Equal(t, want, hasMark(s), s)
	}
}

func TestParsePath(t *testing.T) {
	key := func(k string) pathStep { return pathStep{key: k} }
	idx := func(i int) pathStep { return pathStep{index: i, isIndex: true} }
	wild := pathStep{wild: true}
	for _, tt := range []struct {
		in     string
		want   []pathStep
		render string
	}{
		{"id", []pathStep{key("id")}, "id"},
		{"meta.created_at", []pathStep{key("meta"), key("created_at")}, "meta.created_at"},
		{"items[0].id", []pathStep{key("items"), idx(0), key("id")}, "items[0].id"},
		{"items[*].updated_at", []pathStep{key("items"), wild, key("updated_at")}, "items.*.updated_at"},
		{"meta.*", []pathStep{key("meta"), wild}, "meta.*"},
		{"*", []pathStep{wild}, "*"},
		{"[3]", []pathStep{idx(3)}, "[3]"},
		{"[0][1]", []pathStep{idx(0), idx(1)}, "[0][1]"},
		{`headers["x.y"].z`, []pathStep{key("headers"), key("x.y"), key("z")}, `headers["x.y"].z`},
		{`["*"]`, []pathStep{key("*")}, `["*"]`},
		{`[""]`, []pathStep{key("")}, `[""]`},
		{`a["q\"uote"]`, []pathStep{key("a"), key(`q"uote`)}, `a["q\"uote"]`},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parsePath(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.render, renderPath(got))
		})
	}
	for _, bad := range []string{"", ".a", "a.", "a..b", "a[", "a[x]", "a[-1]", "a[]", `a["x`, `a["x"`, "a]b", "a.[0]"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := parsePath(bad)
			assert.Error(t, err)
		})
	}
}

func TestSameNumber(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"1", "1", true},
		{"1", "2", false},
		{"0", "-0", true},
		{"1", "1.0", true},
		{"100", "1e2", true},
		{"1.5", "1.50", true},
		{"9007199254740993", "9007199254740992", false},
		{"1e400", "1e500", true}, // both beyond float64: +Inf
		{"1e400", "-1e400", false},
	} {
		assert.Equal(t, tt.want, sameNumber(json.Number(tt.a), json.Number(tt.b)), "%s vs %s", tt.a, tt.b)
		assert.Equal(t, tt.want, sameNumber(json.Number(tt.b), json.Number(tt.a)), "%s vs %s", tt.b, tt.a)
	}
}

func TestDiffJSON(t *testing.T) {
	for _, tt := range []struct {
		name   string
		a, b   string
		ignore []string
		want   []FieldChange
	}{
		{name: "equal, key order aside", a: `{"a":1,"b":[true,null,"x"]}`, b: ` {"b":[true,null,"x"],"a":1} `},
		{
			name: "root scalar", a: `1`, b: `"1"`,
			want: []FieldChange{{Path: "", Recorded: "1", Replayed: `"1"`, InRecorded: true, InReplayed: true}},
		},
		{
			name: "type change", a: `{"a":{"b":1}}`, b: `{"a":[1]}`,
			want: []FieldChange{{Path: "a", Recorded: `{"b":1}`, Replayed: "[1]", InRecorded: true, InReplayed: true}},
		},
		{
			name: "arrays", a: `[1,2,3]`, b: `[1,5]`,
			want: []FieldChange{
				{Path: "[1]", Recorded: "2", Replayed: "5", InRecorded: true, InReplayed: true},
				{Path: "[2]", Recorded: "3", InRecorded: true},
			},
		},
		{
			name: "odd keys", a: `{"a.b":1,"":2,"x y":{"*":3}}`, b: `{"a.b":2,"":3,"x y":{"*":4}}`,
			want: []FieldChange{
				{Path: `[""]`, Recorded: "2", Replayed: "3", InRecorded: true, InReplayed: true},
				{Path: `["a.b"]`, Recorded: "1", Replayed: "2", InRecorded: true, InReplayed: true},
				{Path: `["x y"]["*"]`, Recorded: "3", Replayed: "4", InRecorded: true, InReplayed: true},
			},
		},
		{
			name: "ignored", a: `{"id":1,"meta":{"at":1,"by":"a"},"items":[{"u":1,"v":1},{"u":2,"v":2}]}`,
			b:      `{"id":2,"meta":{"at":2},"items":[{"u":3,"v":1},{"u":4,"v":2}],"extra":true}`,
			ignore: []string{"id", "meta.*", "items[*].u", "extra"},
		},
		{
			name: "ignored whole subtree", a: `{"meta":{"a":[1,2]}}`, b: `{"meta":null}`,
			ignore: []string{"meta"},
		},
		{
			name: "long values are cut", a: fmt.Sprintf(`{"a":%q}`, strings.Repeat("é", 100)), b: `{"a":1}`,
			want: []FieldChange{{Path: "a", Recorded: `"` + strings.Repeat("é", 38) + "…", Replayed: "1", InRecorded: true, InReplayed: true}},
		},
		{
			name: "marks", a: `{"t":"[REDACTED]","o":"[REDACTED]","h":"Bearer [REDACTED]","s":"x"}`,
			b:    `{"t":"abc","o":{"k":1},"h":"Bearer y","s":"[REDACTED]"}`,
			want: []FieldChange{{Path: "s", Recorded: `"x"`, Replayed: `"[REDACTED]"`, InRecorded: true, InReplayed: true}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ignore [][]pathStep
			for _, p := range tt.ignore {
				steps, err := parsePath(p)
				require.NoError(t, err)
				ignore = append(ignore, steps)
			}
			got, more, ok := diffJSON([]byte(tt.a), []byte(tt.b), ignore, true)
			require.True(t, ok)
			assert.Zero(t, more)
			assert.Equal(t, tt.want, got)
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		for _, pair := range [][2]string{{`{"a":1}`, `{"a":1`}, {`{`, `{}`}, {`{} {}`, `{}`}, {``, `{}`}, {`{}`, `{}x`}} {
			_, _, ok := diffJSON([]byte(pair[0]), []byte(pair[1]), nil, true)
			assert.False(t, ok, pair)
		}
	})
	t.Run("many changes", func(t *testing.T) {
		var a, b bytes.Buffer
		a.WriteByte('[')
		b.WriteByte('[')
		for i := range MaxBodyChanges + 20 {
			if i > 0 {
				a.WriteByte(',')
				b.WriteByte(',')
			}
			fmt.Fprint(&a, i)
			fmt.Fprint(&b, -i-1)
		}
		a.WriteByte(']')
		b.WriteByte(']')
		got, more, ok := diffJSON(a.Bytes(), b.Bytes(), nil, true)
		require.True(t, ok)
		assert.Len(t, got, MaxBodyChanges)
		assert.Equal(t, 20, more)
		d := ResponseDiff{Status: [2]int{200, 200}, Body: got, BodyMore: more, Compared: CompareJSON}
		assert.False(t, d.Equal())
		assert.True(t, strings.HasSuffix(d.String(), "\n  body: 20 more differences"), d.String())
	})
}

func TestDiffText(t *testing.T) {
	for _, tt := range []struct {
		name   string
		a, b   string
		prefix bool
		want   []FieldChange
	}{
		{name: "equal", a: "a\nb", b: "a\nb"},
		{name: "marks", a: "user=bob password=[REDACTED]\nok", b: "user=bob password=[REDACTED:0a1b2c3d]\nok"},
		{
			name: "first differing line only", a: "a\nb\nc", b: "a\nx\ny",
			want: []FieldChange{{Path: "line 2", Recorded: "b", Replayed: "x", InRecorded: true, InReplayed: true}},
		},
		{
			name: "longer", a: "a", b: "a\n",
			want: []FieldChange{{Path: "line 2", Replayed: "", InReplayed: true}},
		},
		{name: "prefix", a: "a\nb\npartial [REDACTED]", b: "a\nb\npartial line\nmore", prefix: true},
		{name: "prefix, replayed cut shorter", a: "a\nb\npartial li", b: "a\nb\npartial", prefix: true},
		{
			name: "prefix differs", a: "a\nb\nc", b: "a\nx\nc", prefix: true,
			want: []FieldChange{{Path: "line 2", Recorded: "b", Replayed: "x", InRecorded: true, InReplayed: true}},
		},
		{
			name: "prefix, replayed shorter", a: "a\nb\nc", b: "a", prefix: true,
			want: []FieldChange{{Path: "line 2", Recorded: "b", InRecorded: true}},
		},
		{
			name: "binary", a: "\xff\x00", b: "\xff\x01",
			want: []FieldChange{{Path: "(binary)", Recorded: "2 bytes", Replayed: "2 bytes, not the same", InRecorded: true, InReplayed: true}},
		},
		{
			name: "binary, other size", a: "\xff\x00", b: "\xff",
			want: []FieldChange{{Path: "(binary)", Recorded: "2 bytes", Replayed: "1 bytes", InRecorded: true, InReplayed: true}},
		},
		{name: "binary equal", a: "\xff\x00", b: "\xff\x00"},
		{name: "binary prefix", a: "\xff\x00", b: "\xff\x00\x01", prefix: true},
		{
			name: "invalid UTF-8 compared as bytes", a: "ok\nbad", b: "ok\nb\xffd",
			want: []FieldChange{{Path: "(binary)", Recorded: "6 bytes", Replayed: "6 bytes, not the same", InRecorded: true, InReplayed: true}},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, diffText([]byte(tt.a), []byte(tt.b), tt.prefix))
		})
	}
}

func TestResponseDiffString(t *testing.T) {
	d := ResponseDiff{
		Status:   [2]int{200, 200},
		Headers:  []FieldChange{{Path: "X-A", Recorded: "a\r\nb", InRecorded: true}},
		Body:     []FieldChange{{Path: "line 3", Recorded: "x", Replayed: "y", InRecorded: true, InReplayed: true}},
		Compared: ComparePrefix,
	}
	assert.Equal(t, `the replayed response differs from the recorded one (recorded → replayed):
  header X-A: "a\r\nb" → (none)
  body line 3: "x" → "y"
  (the recorded body was cut when captured: compared only as far as it goes)`, d.String())
	d = ResponseDiff{
		Status:   [2]int{200, 200},
		Body:     []FieldChange{{Path: "", Recorded: "1", Replayed: "2", InRecorded: true, InReplayed: true}, {Path: "a", Replayed: `"x"`, InReplayed: true}},
		Compared: CompareJSON,
	}
	assert.Equal(t, `the replayed response differs from the recorded one (recorded → replayed):
  body (whole body): 1 → 2
  body a: (none) → "x"`, d.String())
	assert.True(t, ResponseDiff{Status: [2]int{404, 404}}.Equal())
	assert.False(t, ResponseDiff{Status: [2]int{404, 200}}.Equal())
}

// FuzzDiffJSON: comparing never panics, a document matches itself, and
// without redaction marks (which match only one way) the comparison
// finds as many differences either way. Seeds in
// testdata/fuzz/FuzzDiffJSON.
func FuzzDiffJSON(f *testing.F) {
	f.Add([]byte(`{"a":1,"b":[1,2,{"c":"x"}]}`), []byte(`{"a":2,"b":[1,{"c":"y"}],"d":null}`))
	f.Add([]byte(`{"t":"[REDACTED]","h":"Bearer [REDACTED:0a1b2c3d]"}`), []byte(`{"t":{"x":1},"h":"Bearer z"}`))
	f.Add([]byte(`[1.0,1e2,-0,9007199254740993]`), []byte(`[1,100,0,9007199254740992]`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		if changes, more, ok := diffJSON(a, a, nil, true); ok && (len(changes) > 0 || more > 0) {
			t.Fatalf("a document differs from itself: %v", changes)
		}
		ab, moreAB, okAB := diffJSON(a, b, nil, false)
		ba, moreBA, okBA := diffJSON(b, a, nil, false)
		if okAB != okBA {
			t.Fatalf("parsed one way only")
		}
		if len(ab)+moreAB != len(ba)+moreBA {
			t.Fatalf("%d differences one way, %d the other", len(ab)+moreAB, len(ba)+moreBA)
		}
		for _, c := range ab {
			if len(c.Recorded) > maxShown+2 || len(c.Replayed) > maxShown+2 {
				t.Fatalf("a value longer than shown: %+v", c)
			}
		}
		diffJSON(a, b, [][]pathStep{{{wild: true}, {key: "a"}}}, true)
		diffText(a, b, true)
		diffText(a, b, false)
	})
}

// FuzzIgnorePath: a path that parses renders to a path that parses to
// the same steps. Seeds in testdata/fuzz/FuzzIgnorePath.
func FuzzIgnorePath(f *testing.F) {
	for _, s := range []string{"items[*].updated_at", `a["x.y"][0]`, "meta.*", "a..b", `["\u00e9"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePath(s)
		if err != nil {
			return
		}
		r := renderPath(p)
		q, err := parsePath(r)
		if err != nil {
			t.Fatalf("%q renders to %q, which does not parse: %v", s, r, err)
		}
		if renderPath(q) != r || len(q) != len(p) {
			t.Fatalf("%q → %q → %q", s, r, renderPath(q))
		}
		for i := range p {
			if p[i] != q[i] {
				t.Fatalf("%q → %q: step %d %+v became %+v", s, r, i, p[i], q[i])
			}
		}
	})
}
