package flags

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrecedence(t *testing.T) {
	k := String("t.prec.mode", "default")
	t.Setenv("REPROKIT_FLAG_T_PREC_MODE", "env")
	t.Setenv("REPROKIT_FLAG_T_PREC_ENVONLY", "env")
	file := openFile(t, writeFlagsFile(t, `{"t.prec.mode": "file"}`))
	static := Static(map[string]any{"t.prec.mode": "static", "t.prec.staticonly": "static"})
	clock := newFakeClock()
	ctx := context.Background()

	cases := []struct {
		name      string
		providers []Provider
		want      string
	}{
		{name: "none", want: "default"},
		{name: "static", providers: []Provider{static}, want: "static"},
		{name: "env_then_static", providers: []Provider{Env(""), static}, want: "env"},
		{name: "static_then_env", providers: []Provider{static, Env("")}, want: "static"},
		{name: "file_env_static", providers: []Provider{file, Env(""), static}, want: "file"},
		{name: "static_file_env", providers: []Provider{static, file, Env("")}, want: "static"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := []Option{WithClock(clock.Now), WithLogger(new(logRecorder).logger())}
			for _, p := range tc.providers {
				opts = append(opts, WithProvider(p))
			}
			s := NewSet(opts...)
			assert.Equal(t, tc.want, k.Get(ctx, s))

			require.NoError(t, s.Override("t.prec.mode", "override", time.Minute, "test"))
			assert.Equal(t, "override", k.Get(ctx, s), "an override beats every provider")
			require.NoError(t, s.Override("t.prec.mode", "again", time.Minute, "test"))
			assert.Equal(t, "again", k.Get(ctx, s), "a new override replaces the old")

			require.NoError(t, s.Clear("t.prec.mode", "test"))
			assert.Equal(t, tc.want, k.Get(ctx, s), "clearing gives the providers back")
			assert.ErrorIs(t, s.Clear("t.prec.mode", "test"), ErrNoOverride)
		})
	}

	t.Run("flags_found_in_different_providers", func(t *testing.T) {
		s := NewSet(WithProvider(file), WithProvider(Env("")), WithProvider(static))
		assert.Equal(t, "env", String("t.prec.envonly", "d").Get(ctx, s))
		assert.Equal(t, "static", String("t.prec.staticonly", "d").Get(ctx, s))
	})
}

func TestOverrideExpires(t *testing.T) {
	clock := newFakeClock()
	logs := new(logRecorder)
	k := Bool("t.ttl.on", false)
	s := NewSet(WithClock(clock.Now), WithLogger(logs.logger()),
		WithProvider(Static(map[string]any{"t.ttl.on": false})))
	ctx := context.Background()

	require.NoError(t, s.Override("t.ttl.on", true, 10*time.Minute, "alice"))
	assert.True(t, k.Get(ctx, s))
	f, _ := s.Snapshot().Get("t.ttl.on")
	assert.Equal(t, FlagValue{Name: "t.ttl.on", Value: true, Source: SourceOverride,
		Expires: clock.Now().Add(10 * time.Minute), By: "alice"}, f)

	clock.Advance(10*time.Minute - time.Nanosecond)
	assert.True(t, k.Get(ctx, s), "still in force just before its expiry")
	assert.Equal(t, 1, s.Stats().OverridesActive)

	clock.Advance(time.Nanosecond)
	assert.False(t, k.Get(ctx, s), "expired at its expiry")
	st := s.Stats()
	assert.Equal(t, uint64(1), st.OverridesExpired)
	assert.Equal(t, 0, st.OverridesActive)

	recs := logs.records(t, "flags: override expired")
	require.Len(t, recs, 1)
	assert.Equal(t, "t.ttl.on", recs[0]["flag"])
	assert.Equal(t, "alice", recs[0]["set_by"])
	assert.Equal(t, "true", recs[0]["old"])
	assert.Equal(t, "false", recs[0]["new"])
	assert.Equal(t, "static", recs[0]["new_source"])

	// Several overrides expire each at its own time, also when nothing
	// reads them: Snapshot and Stats expire them too.
	require.NoError(t, s.Override("t.ttl.a", 1, time.Minute, "bob"))
	require.NoError(t, s.Override("t.ttl.b", 2, 2*time.Minute, "bob"))
	clock.Advance(time.Minute)
	sn := s.Snapshot()
	_, a := sn.Get("t.ttl.a")
	_, b := sn.Get("t.ttl.b")
	assert.False(t, a)
	assert.True(t, b)
	clock.Advance(time.Minute)
	assert.Equal(t, 0, s.Stats().OverridesActive)
	assert.Equal(t, uint64(3), s.Stats().OverridesExpired)
}

func TestOverrideRefusals(t *testing.T) {
	kb := Bool("t.refuse.bool", false)
	kd := Duration("t.refuse.dur", time.Second)
	s := NewSet(WithKeys(kb, kd), WithMaxTTL(time.Hour), WithMaxOverrides(2), WithMaxValueSize(32),
		WithLogger(new(logRecorder).logger()))
	cases := []struct {
		name  string
		flag  string
		value any
		ttl   time.Duration
		want  error
	}{
		{name: "empty_name", flag: "", value: true, ttl: time.Minute, want: ErrInvalidName},
		{name: "crlf_name", flag: "a\r\nb", value: true, ttl: time.Minute, want: ErrInvalidName},
		{name: "zero_ttl", flag: "t.refuse.bool", value: true, ttl: 0, want: ErrInvalidTTL},
		{name: "negative_ttl", flag: "t.refuse.bool", value: true, ttl: -time.Minute, want: ErrInvalidTTL},
		{name: "ttl_above_max", flag: "t.refuse.bool", value: true, ttl: time.Hour + 1, want: ErrInvalidTTL},
		{name: "nil", flag: "t.refuse.bool", value: nil, ttl: time.Minute, want: ErrInvalidValue},
		{name: "json_null", flag: "t.refuse.bool", value: json.RawMessage(`null`), ttl: time.Minute, want: ErrInvalidValue},
		{name: "not_json", flag: "x", value: json.RawMessage(`{`), ttl: time.Minute, want: ErrInvalidValue},
		{name: "wrong_type", flag: "t.refuse.bool", value: "yes", ttl: time.Minute, want: ErrInvalidValue},
		{name: "duration_as_number", flag: "t.refuse.dur", value: json.RawMessage(`10`), ttl: time.Minute, want: ErrInvalidValue},
		{name: "crlf_value", flag: "x", value: "a\r\nb", ttl: time.Minute, want: ErrInvalidValue},
		{name: "escaped_crlf_value", flag: "x", value: json.RawMessage(`{"a":"b\r\n"}`), ttl: time.Minute, want: ErrInvalidValue},
		{name: "bidi_value", flag: "x", value: "abc\u202edef", ttl: time.Minute, want: ErrInvalidValue},
		{name: "invalid_utf8", flag: "x", value: "a\xffb", ttl: time.Minute, want: ErrInvalidValue},
		{name: "invalid_utf8_json", flag: "x", value: json.RawMessage("\"a\xffb\""), ttl: time.Minute, want: ErrInvalidValue},
		{name: "unencodable", flag: "x", value: make(chan int), ttl: time.Minute, want: ErrInvalidValue},
		{name: "too_large", flag: "x", value: strings.Repeat("a", 33), ttl: time.Minute, want: ErrValueTooLarge},
		{name: "too_large_json", flag: "x", value: []int{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110}, ttl: time.Minute, want: ErrValueTooLarge},
		{name: "too_deep", flag: "x", value: json.RawMessage(strings.Repeat("[", 33) + strings.Repeat("]", 33)), ttl: time.Minute, want: ErrValueTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, s.Override(tc.flag, tc.value, tc.ttl, "test"), tc.want)
		})
	}
	assert.Zero(t, s.Stats().OverridesSet, "nothing refused was set")

	require.NoError(t, s.Override("t.refuse.bool", true, time.Hour, "test"), "the maximum TTL itself is allowed")
	require.NoError(t, s.Override("t.refuse.dur", "2s", time.Hour, "test"))
	assert.ErrorIs(t, s.Override("third", 1, time.Minute, "test"), ErrTooManyOverrides)
	require.NoError(t, s.Override("t.refuse.dur", "3s", time.Hour, "test"), "replacing one is not one more")
	assert.Equal(t, 3*time.Second, kd.Get(context.Background(), s))
	assert.ErrorIs(t, s.Clear("a b", "test"), ErrInvalidName)

	deep := json.RawMessage(strings.Repeat("[", 33) + strings.Repeat("]", 33))
	big := NewSet(WithMaxValueSize(1 << 10))
	assert.ErrorIs(t, big.Override("x", deep, time.Minute, "test"), ErrInvalidValue)
}

func TestOverrideLogLines(t *testing.T) {
	clock := newFakeClock()
	logs := new(logRecorder)
	k := Duration("t.log.timeout", time.Second)
	s := NewSet(WithClock(clock.Now), WithLogger(logs.logger()), WithKeys(k),
		WithProvider(Static(map[string]any{"t.log.timeout": "5s"})))

	require.NoError(t, s.Override("t.log.timeout", json.RawMessage(`"30s"`), 10*time.Minute, "carol\r\nforged=1"))
	set := logs.records(t, "flags: override set")
	require.Len(t, set, 1)
	assert.Equal(t, "INFO", set[0]["level"])
	assert.Equal(t, "t.log.timeout", set[0]["flag"])
	assert.Equal(t, `carol\u000d\u000aforged=1`, set[0]["who"], "who is escaped")
	assert.Equal(t, "5s", set[0]["old"])
	assert.Equal(t, "static", set[0]["old_source"])
	assert.Equal(t, "30s", set[0]["new"])
	assert.Equal(t, clock.Now().Add(10*time.Minute).Format(time.RFC3339Nano), set[0]["expires"])
	assert.Equal(t, "10m0s", set[0]["ttl"])

	clock.Advance(time.Minute)
	require.NoError(t, s.Clear("t.log.timeout", "dave"))
	cleared := logs.records(t, "flags: override cleared")
	require.Len(t, cleared, 1)
	assert.Equal(t, "dave", cleared[0]["who"])
	assert.Equal(t, "30s", cleared[0]["old"])
	assert.Equal(t, "5s", cleared[0]["new"])
	assert.Equal(t, "static", cleared[0]["new_source"])
	assert.NotContains(t, strings.TrimSuffix(logs.raw(), "\n"), "\r")
}

func TestSnapshot(t *testing.T) {
	kb := Bool("t.snap.bool", false)
	kd := Duration("t.snap.dur", time.Second)
	kr := JSON("t.snap.rules", rules{Rate: 0.1})
	file := openFile(t, writeFlagsFile(t, `{"t.snap.dur": "2s", "t.snap.unknown": {"n": 1}, "t.snap.rules": 5}`))
	clock := newFakeClock()
	s := NewSet(WithClock(clock.Now), WithLogger(new(logRecorder).logger()), WithKeys(kb, kd, kr),
		WithProvider(file), WithProvider(Static(map[string]any{"t.snap.static": "s"})))
	require.NoError(t, s.Override("t.snap.bool", true, time.Hour, "erin"))

	assert.Equal(t, []FlagValue{
		{Name: "t.snap.bool", Value: true, Source: SourceOverride, Expires: clock.Now().Add(time.Hour), By: "erin"},
		{Name: "t.snap.dur", Value: 2 * time.Second, Source: "file:" + file.path},
		{Name: "t.snap.rules", Value: rules{Rate: 0.1}, Source: SourceDefault},
		{Name: "t.snap.static", Value: "s", Source: "static"},
		{Name: "t.snap.unknown", Value: map[string]any{"n": json.Number("1")}, Source: "file:" + file.path},
	}, s.Snapshot().Flags)

	b, err := json.Marshal(s.Snapshot())
	require.NoError(t, err)
	assert.Contains(t, string(b), `{"name":"t.snap.static","value":"s","source":"static"}`)
	_, ok := s.Snapshot().Get("t.snap.missing")
	assert.False(t, ok)
}

func TestStatsCountDecodes(t *testing.T) {
	k := Float("t.stats.rate", 0)
	s := NewSet(WithLogger(new(logRecorder).logger()), WithProvider(Static(map[string]any{"t.stats.rate": 0.5})))
	for range 100 {
		k.Get(context.Background(), s)
	}
	st := s.Stats()
	assert.Equal(t, uint64(1), st.Decodes, "decoded once, not per read")
	require.NoError(t, s.Override("t.stats.other", 1, time.Minute, "test"))
	k.Get(context.Background(), s)
	assert.Equal(t, uint64(1), s.Stats().Decodes, "an unrelated change does not decode again")
}

func TestNamesAndLogSafe(t *testing.T) {
	assert.True(t, ValidName("debug.sample-rate_2"))
	assert.True(t, ValidName(strings.Repeat("a", MaxNameLength)))
	for _, bad := range []string{"", "-a", "_a", "a/b", "a b", "é", strings.Repeat("a", MaxNameLength+1)} {
		assert.False(t, ValidName(bad), "%q", bad)
	}
	assert.Equal(t, "REPROKIT_FLAG_DEBUG_SAMPLE_RATE", EnvName(DefaultEnvPrefix, "debug.sample-rate"))

	assert.Equal(t, "plain", logSafe("plain", 10))
	assert.Equal(t, `a\u000d\u000ab\x80\u202e\U000e0001`, logSafe("a\r\nb\x80\u202e\U000E0001", 100))
	assert.Equal(t, "abcd…", logSafe("abcdefgh", 4))
	assert.Equal(t, "日本…", logSafe("日本語", 6)[:len("日本…")])
}

// TestOverrideExpiresByTimer checks the default mode, in which a timer
// removes an override at its expiry and Get never reads the clock. The
// timer is replaced by one the test fires.
func TestOverrideExpiresByTimer(t *testing.T) {
	clock := newFakeClock()
	logs := new(logRecorder)
	k := Int("t.timer.n", 1)
	s := NewSet(WithLogger(logs.logger()))
	require.False(t, s.lazyExpiry)
	s.now = clock.Now // the default clock, made to move on command
	type armed struct {
		d     time.Duration
		fire  func()
		state string
	}
	var timers []*armed
	s.afterFunc = func(d time.Duration, f func()) func() bool {
		a := &armed{d: d, fire: f, state: "armed"}
		timers = append(timers, a)
		return func() bool { a.state = "stopped"; return true }
	}
	ctx := context.Background()

	require.NoError(t, s.Override("t.timer.n", 5, 10*time.Minute, "test"))
	require.Len(t, timers, 1)
	assert.Equal(t, 10*time.Minute, timers[0].d)
	assert.True(t, s.state.Load().nextExpiry.IsZero(), "Get does not check the clock")

	require.NoError(t, s.Override("t.timer.m", 6, 5*time.Minute, "test"))
	require.Len(t, timers, 2, "an earlier expiry re-arms the timer")
	assert.Equal(t, "stopped", timers[0].state)
	assert.Equal(t, 5*time.Minute, timers[1].d)
	require.NoError(t, s.Override("t.timer.x", 7, 20*time.Minute, "test"))
	assert.Len(t, timers, 2, "a later expiry does not")

	clock.Advance(5 * time.Minute)
	timers[1].fire()
	_, ok := s.Snapshot().Get("t.timer.m")
	assert.False(t, ok)
	require.Len(t, timers, 3)
	assert.Equal(t, 5*time.Minute, timers[2].d)
	assert.Equal(t, int64(5), k.Get(ctx, s))

	timers[2].fire() // early: nothing expires, and it waits again
	assert.Equal(t, int64(5), k.Get(ctx, s))
	require.Len(t, timers, 4)

	clock.Advance(5 * time.Minute)
	timers[3].fire()
	assert.Equal(t, int64(1), k.Get(ctx, s))
	assert.Len(t, logs.records(t, "flags: override expired"), 2)

	require.NoError(t, s.Clear("t.timer.x", "test"))
	assert.Equal(t, "stopped", timers[len(timers)-1].state, "no override left: no timer")
}

func TestGeneration(t *testing.T) {
	var nilSet *Set
	if g, ok := nilSet.Generation(); g != 0 || !ok {
		t.Errorf("nil Set: %d, %v", g, ok)
	}
	s := NewSet(WithLogger(new(logRecorder).logger()), WithProvider(Static(map[string]any{"t.gen.a": 1})))
	g1, ok := s.Generation()
	if !ok {
		t.Fatal("a Set without evaluators is not cacheable")
	}
	if g2, _ := s.Generation(); g2 != g1 {
		t.Error("generation moved without a change")
	}
	require.NoError(t, s.Override("t.gen.a", 2, time.Minute, "test"))
	if g3, _ := s.Generation(); g3 == g1 {
		t.Error("generation did not move on an override")
	}
}
