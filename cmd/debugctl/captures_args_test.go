package main

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseStatus(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"", nil, false},
		{"500", []int{500}, false},
		{"5xx", []int{5}, false},
		{"4XX, 503 ,200", []int{4, 503, 200}, false},
		{"0", []int{0}, false},
		{"1xx", []int{1}, false},
		{"6xx", nil, true},
		{"0xx", nil, true},
		{"99", nil, true},
		{"600", nil, true},
		{"+500", nil, true},
		{"-500", nil, true},
		{"500,", nil, true},
		{"abc", nil, true},
		{"5x", nil, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseStatus(tt.in)
			if tt.wantErr {
				assert.ErrorContains(t, err, "bad --status")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"90m", now.Add(-90 * time.Minute), false},
		{"1h30m", now.Add(-90 * time.Minute), false},
		{"7d", now.AddDate(0, 0, -7), false},
		{"2025-06-01T10:00:00Z", time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC), false},
		{"2025-06-01T10:00:00.5+02:00", time.Date(2025, 6, 1, 8, 0, 0, 5e8, time.UTC), false},
		{"2025-06-01T10:00:00", time.Date(2025, 6, 1, 10, 0, 0, 0, time.Local), false},
		{"2025-06-01 10:00", time.Date(2025, 6, 1, 10, 0, 0, 0, time.Local), false},
		{"2025-06-01", time.Date(2025, 6, 1, 0, 0, 0, 0, time.Local), false},
		{"0s", time.Time{}, true},
		{"-1h", time.Time{}, true},
		{"0d", time.Time{}, true},
		{"-2d", time.Time{}, true},
		{"+2d", time.Time{}, true},
		{"d", time.Time{}, true},
		{"1.5d", time.Time{}, true},
		{"999999999d", time.Time{}, true},
		{"yesterday", time.Time{}, true},
		{"2025-13-01", time.Time{}, true},
		{"", time.Time{}, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSince(tt.in, now)
			if tt.wantErr {
				assert.ErrorContains(t, err, "want a duration ago")
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
		})
	}
}

// TestParseFlagsAfterArguments: flags may follow the arguments, and "--"
// ends them.
func TestParseFlagsAfterArguments(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		wantArgs []string
		wantJSON bool
		wantN    string
	}{
		{[]string{"a", "b"}, []string{"a", "b"}, false, ""},
		{[]string{"a", "--json", "b", "-n", "3"}, []string{"a", "b"}, true, "3"},
		{[]string{"--json", "a"}, []string{"a"}, true, ""},
		{[]string{"a", "--", "--json", "-n"}, []string{"a", "--json", "-n"}, false, ""},
		{[]string{"-", "a"}, []string{"-", "a"}, false, ""},
		{nil, []string{}, false, ""},
	} {
		var out bytes.Buffer
		c := newCLI(nil, &out, &out)
		fs := newFlags(c, "x", "", "")
		asJSON := fs.Bool("json", false, "")
		n := fs.String("n", "", "")
		require.Equal(t, -1, parse(c, fs, tt.args), out.String())
		assert.Equal(t, tt.wantArgs, fs.Args(), tt.args)
		assert.Equal(t, tt.wantJSON, *asJSON, tt.args)
		assert.Equal(t, tt.wantN, *n, tt.args)
	}
}

// FuzzParseSince: any text gives a time or an error, never a panic, and
// an error's text is safe to print. Seeds in testdata/fuzz/FuzzParseSince.
func FuzzParseSince(f *testing.F) {
	now := time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSince(s, now)
		if err != nil {
			assertTerminalSafe(t, "error", err.Error())
			return
		}
		if got.IsZero() {
			t.Fatalf("parseSince(%q) = zero time without error", s)
		}
	})
}

// FuzzParseStatus: any text gives statuses Filter accepts or an error.
// Seeds in testdata/fuzz/FuzzParseStatus.
func FuzzParseStatus(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseStatus(s)
		if err != nil {
			assertTerminalSafe(t, "error", err.Error())
			return
		}
		for _, st := range got {
			if !(st >= 0 && st <= 5 || st >= 100 && st <= 599) {
				t.Fatalf("parseStatus(%q) gives %d", s, st)
			}
		}
	})
}

// FuzzSafeJSON: safeJSON keeps a JSON text's value, and leaves nothing in
// it that a terminal acts on. Seeds in testdata/fuzz/FuzzSafeJSON.
func FuzzSafeJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		require.NoError(t, writeSafeJSON(&buf, map[string]string{"k" + s: s}))
		out := buf.String()
		assertTerminalSafe(t, "JSON", out)
		var back map[string]string
		require.NoError(t, json.Unmarshal(buf.Bytes(), &back), out)
		want := map[string]string{"k" + toValidUTF8(s): toValidUTF8(s)}
		assert.Equal(t, want, back)
	})
}

// toValidUTF8 replaces each invalid byte of s with U+FFFD, as encoding/json
// does.
func toValidUTF8(s string) string {
	var b []rune
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		b = append(b, r)
		s = s[size:]
	}
	return string(b)
}
