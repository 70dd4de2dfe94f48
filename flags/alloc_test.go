//go:build !race

// The race detector changes what escapes to the heap, so allocation counts
// are checked only in builds without it; .ci/run runs these separately.

package flags

import (
	"context"
	"testing"
	"time"
)

func TestGetAllocs(t *testing.T) {
	ctx := context.Background()
	path := writeFlagsFile(t, `{"a.bool": true, "a.rules": {"routes": ["/x"], "rate": 0.5}}`)
	file := openFile(t, path)
	s := NewSet(WithProvider(file), WithProvider(Static(map[string]any{"a.float": 0.25, "a.dur": "3s"})),
		WithLogger(new(logRecorder).logger()))
	kb, kf, kr, kd := Bool("a.bool", false), Float("a.float", 0), JSON("a.rules", rules{}), Duration("a.dur", 0)
	missing := String("a.missing", "d")
	reads := map[string]func(){
		"bool":     func() { kb.Get(ctx, s) },
		"float":    func() { kf.Get(ctx, s) },
		"json":     func() { kr.Get(ctx, s) },
		"duration": func() { kd.Get(ctx, s) },
		"missing":  func() { missing.Get(ctx, s) },
		"nil_set":  func() { kb.Get(ctx, nil) },
	}
	check := func(when string) {
		t.Helper()
		for name, read := range reads {
			read() // the first read after a change decodes
			if n := testing.AllocsPerRun(100, read); n != 0 {
				t.Errorf("%s: Get of %s allocates %v times", when, name, n)
			}
		}
	}
	check("no override")
	if err := s.Override("a.bool", false, time.Hour, "test"); err != nil {
		t.Fatal(err)
	}
	check("override in force")
}
