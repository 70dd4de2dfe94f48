package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHeaderFlag(t *testing.T) {
	for _, tt := range []struct {
		in      string
		name    string
		value   string
		wantBad bool
	}{
		{"Authorization: Bearer abc", "Authorization", "Bearer abc", false},
		{"x-admin-key:abc", "X-Admin-Key", "abc", false},
		{"X-Empty:", "X-Empty", "", false},
		{"Bearer abc", "", "", true},
		{": abc", "", "", true},
		{"Bad Name: abc", "", "", true},
		{"X-A: b\r\nX-B: c", "", "", true},
		{"X-A: b\x00", "", "", true},
		{"X\x1b: b", "", "", true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			var f headerFlag
			assert.NoError(t, f.Set(tt.in), "Set never fails: the flag package would echo the value")
			assert.Equal(t, tt.wantBad, f.bad)
			assert.Empty(t, f.String())
			if !tt.wantBad {
				assert.Equal(t, []string{tt.value}, f.h[tt.name])
			}
		})
	}
}

// FuzzHeaderFlag: a header given on the command line is taken only when
// it cannot break a request. Seeds in testdata/fuzz/FuzzHeaderFlag.
func FuzzHeaderFlag(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		var hf headerFlag
		if err := hf.Set(s); err != nil {
			t.Fatal(err)
		}
		for name, values := range hf.h {
			if name == "" || !validHeaderName(name) {
				t.Fatalf("name %q taken", name)
			}
			for _, v := range values {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("value %q taken", v)
				}
			}
		}
	})
}
