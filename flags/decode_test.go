package flags

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rules is the type of the JSON keys of the tests: structured values such
// as debug sampling rules.
type rules struct {
	Routes []string `json:"routes"`
	Rate   float64  `json:"rate"`
}

// writeFlagsFile writes a flags file in a new temporary directory and
// returns its path.
func writeFlagsFile(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "flags.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// manualTicks is a WithTicker option whose ticker never ticks unless the
// test sends on the returned channel.
func manualTicks() (FileOption, chan time.Time) {
	ch := make(chan time.Time)
	return WithTicker(func(time.Duration) (<-chan time.Time, func()) { return ch, func() {} }), ch
}

// openFile opens a file provider that polls only when the test says so,
// and closes it at the end of the test.
func openFile(t testing.TB, path string, opts ...FileOption) *fileProvider {
	t.Helper()
	tick, _ := manualTicks()
	p, err := File(path, append([]FileOption{tick, WithFileLogger(new(logRecorder).logger())}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	return p.(*fileProvider)
}

// TestDecodeEveryKindFromEveryProvider reads a key of every kind from each
// provider, in the form that provider gives: Go values from Static, text
// from the environment, JSON from a file and from the admin endpoint.
func TestDecodeEveryKindFromEveryProvider(t *testing.T) {
	var (
		kBool  = Bool("t.decode.bool", false)
		kInt   = Int("t.decode.int", 1)
		kFloat = Float("t.decode.float", 0.25)
		kStr   = String("t.decode.string", "slow")
		kDur   = Duration("t.decode.duration", time.Second)
		kJSON  = JSON("t.decode.json", rules{Rate: 0.01})
	)
	wantRules := rules{Routes: []string{"/checkout", "/pay"}, Rate: 0.5}
	const rulesJSON = `{"routes":["/checkout","/pay"],"rate":0.5}`

	check := func(t *testing.T, s *Set) {
		t.Helper()
		ctx := context.Background()
		assert.Equal(t, true, kBool.Get(ctx, s))
		assert.Equal(t, int64(10), kInt.Get(ctx, s))
		assert.Equal(t, 1.5, kFloat.Get(ctx, s))
		assert.Equal(t, "fast", kStr.Get(ctx, s))
		assert.Equal(t, 10*time.Second, kDur.Get(ctx, s))
		assert.Equal(t, wantRules, kJSON.Get(ctx, s))
		assert.Zero(t, s.Stats().DecodeErrors)
	}

	t.Run("static", func(t *testing.T) {
		check(t, NewSet(WithProvider(Static(map[string]any{
			"t.decode.bool":     true,
			"t.decode.int":      10,
			"t.decode.float":    1.5,
			"t.decode.string":   "fast",
			"t.decode.duration": 10 * time.Second,
			"t.decode.json":     wantRules,
		}))))
	})
	t.Run("static_text_and_generic", func(t *testing.T) {
		check(t, NewSet(WithProvider(Static(map[string]any{
			"t.decode.bool":     "true",
			"t.decode.int":      float64(10), // as from a generic JSON decode
			"t.decode.float":    "1.5",
			"t.decode.string":   "fast",
			"t.decode.duration": "10s",
			"t.decode.json":     map[string]any{"routes": []any{"/checkout", "/pay"}, "rate": 0.5},
		}))))
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv("REPROKIT_FLAG_T_DECODE_BOOL", "true")
		t.Setenv("REPROKIT_FLAG_T_DECODE_INT", "10")
		t.Setenv("REPROKIT_FLAG_T_DECODE_FLOAT", "1.5")
		t.Setenv("REPROKIT_FLAG_T_DECODE_STRING", "fast")
		t.Setenv("REPROKIT_FLAG_T_DECODE_DURATION", "10s")
		t.Setenv("REPROKIT_FLAG_T_DECODE_JSON", rulesJSON)
		check(t, NewSet(WithProvider(Env(""))))
	})
	t.Run("file", func(t *testing.T) {
		p := openFile(t, writeFlagsFile(t, `{
			"t.decode.bool": true, "t.decode.int": 10, "t.decode.float": 1.5,
			"t.decode.string": "fast", "t.decode.duration": "10s",
			"t.decode.json": `+rulesJSON+`}`))
		check(t, NewSet(WithProvider(p)))
	})
	t.Run("override_json", func(t *testing.T) {
		s := NewSet(WithLogger(new(logRecorder).logger()))
		for name, v := range map[string]string{
			"t.decode.bool": `true`, "t.decode.int": `10`, "t.decode.float": `1.5`,
			"t.decode.string": `"fast"`, "t.decode.duration": `"10s"`, "t.decode.json": rulesJSON,
		} {
			require.NoError(t, s.Override(name, json.RawMessage(v), time.Minute, "test"))
		}
		check(t, s)
	})
	t.Run("override_go", func(t *testing.T) {
		s := NewSet(WithLogger(new(logRecorder).logger()))
		for name, v := range map[string]any{
			"t.decode.bool": true, "t.decode.int": int32(10), "t.decode.float": float32(1.5),
			"t.decode.string": "fast", "t.decode.duration": 10 * time.Second, "t.decode.json": wantRules,
		} {
			require.NoError(t, s.Override(name, v, time.Minute, "test"))
		}
		check(t, s)
	})
}

// TestDecodeMismatchGivesDefault checks that a value of the wrong type
// gives the default, is counted once and logged once.
func TestDecodeMismatchGivesDefault(t *testing.T) {
	cases := []struct {
		name string
		key  AnyKey
		raw  any
	}{
		{name: "bool_from_json_string", key: Bool("t.bad.bool", true), raw: json.RawMessage(`"true"`)},
		{name: "bool_from_text", key: Bool("t.bad.bool2", true), raw: "yes"},
		{name: "int_from_json_fraction", key: Int("t.bad.int", 7), raw: json.RawMessage(`1.5`)},
		{name: "int_from_text_fraction", key: Int("t.bad.int2", 7), raw: "1.5"},
		{name: "int_overflow", key: Int("t.bad.int3", 7), raw: uint64(math.MaxUint64)},
		{name: "float_nan_text", key: Float("t.bad.float", 2), raw: "NaN"},
		{name: "float_from_bool", key: Float("t.bad.float2", 2), raw: json.RawMessage(`true`)},
		{name: "string_from_number", key: String("t.bad.string", "d"), raw: json.RawMessage(`5`)},
		{name: "duration_from_number", key: Duration("t.bad.duration", time.Minute), raw: json.RawMessage(`10`)},
		{name: "duration_from_int", key: Duration("t.bad.duration2", time.Minute), raw: 10},
		{name: "json_from_string", key: JSON("t.bad.json", rules{Rate: 1}), raw: json.RawMessage(`"rules"`)},
		{name: "json_bad_text", key: JSON("t.bad.json2", rules{Rate: 1}), raw: "{not json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logs := new(logRecorder)
			s := NewSet(WithLogger(logs.logger()), WithProvider(Static(map[string]any{tc.key.Name(): tc.raw})))
			for range 3 {
				assert.Equal(t, tc.key.DefaultValue(), getAny(context.Background(), tc.key, s))
			}
			// Another flag changing does not make the bad value count again.
			require.NoError(t, s.Override("t.bad.other", true, time.Minute, "test"))
			assert.Equal(t, tc.key.DefaultValue(), getAny(context.Background(), tc.key, s))

			assert.Equal(t, uint64(1), s.Stats().DecodeErrors)
			recs := logs.records(t, "flags: value does not decode; using the default")
			require.Len(t, recs, 1)
			assert.Equal(t, tc.key.Name(), recs[0]["flag"])
			assert.Equal(t, "static", recs[0]["source"])
			f, ok := s.Snapshot().Get(tc.key.Name())
			require.True(t, ok)
			assert.Equal(t, SourceDefault, f.Source)
		})
	}
}

// getAny reads any key through s.
func getAny(ctx context.Context, k AnyKey, s *Set) any {
	switch k := k.(type) {
	case *Key[bool]:
		return k.Get(ctx, s)
	case *Key[int64]:
		return k.Get(ctx, s)
	case *Key[float64]:
		return k.Get(ctx, s)
	case *Key[string]:
		return k.Get(ctx, s)
	case *Key[time.Duration]:
		return k.Get(ctx, s)
	case *Key[rules]:
		return k.Get(ctx, s)
	}
	panic("unexpected key type")
}

func TestDecodeNumbers(t *testing.T) {
	ints := []struct {
		raw  any
		want int64
		ok   bool
	}{
		{raw: json.RawMessage(`1e3`), want: 1000, ok: true},
		{raw: json.RawMessage(`10.0`), want: 10, ok: true},
		{raw: json.RawMessage(`-9223372036854775808`), want: math.MinInt64, ok: true},
		{raw: json.RawMessage(`9223372036854775808`)},
		{raw: json.Number("12"), want: 12, ok: true},
		{raw: uint64(math.MaxInt64), want: math.MaxInt64, ok: true},
		{raw: float64(1 << 63)},
		{raw: "0x10"},
		{raw: " 10"},
		{raw: int8(-3), want: -3, ok: true},
	}
	for _, tc := range ints {
		got, err := decodeInt(tc.raw)
		if tc.ok {
			assert.NoError(t, err, "%#v", tc.raw)
			assert.Equal(t, tc.want, got, "%#v", tc.raw)
		} else {
			assert.ErrorIs(t, err, ErrTypeMismatch, "%#v", tc.raw)
		}
	}
	for _, raw := range []any{"Inf", "-Inf", math.NaN(), math.Inf(1), json.RawMessage(`"1.5"`)} {
		_, err := decodeFloat(raw)
		assert.ErrorIs(t, err, ErrTypeMismatch, "%#v", raw)
	}
	f, err := decodeFloat(uint16(3))
	assert.NoError(t, err)
	assert.Equal(t, 3.0, f)
}

func TestJSONKeyOfInterfaceType(t *testing.T) {
	k := JSON[any]("t.json.any", nil)
	p := openFile(t, writeFlagsFile(t, `{"t.json.any": {"a": [1, "x"]}}`))
	got := k.Get(context.Background(), NewSet(WithProvider(p)))
	assert.Equal(t, map[string]any{"a": []any{1.0, "x"}}, got)
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		KindBool: "bool", KindInt: "int", KindFloat: "float", KindString: "string",
		KindDuration: "duration", KindJSON: "json", 0: "invalid",
	} {
		assert.Equal(t, want, k.String())
	}
}

func TestKeyConstructorPanicsOnInvalidName(t *testing.T) {
	for _, name := range []string{"", ".a", "a b", "a\r\nb", string(make([]byte, MaxNameLength+1))} {
		assert.Panics(t, func() { Bool(name, false) }, "%q", name)
	}
	assert.NotPanics(t, func() { Bool("a.b_c-d9", false) })
}

func TestZeroKeyAndNilSet(t *testing.T) {
	var zero Key[bool]
	assert.False(t, zero.Get(context.Background(), NewSet(WithProvider(Static(map[string]any{"": true})))))
	k := Int("t.nil.set", 5)
	assert.Equal(t, int64(5), k.Get(context.Background(), nil))
	var s Set
	assert.Equal(t, int64(5), k.Get(context.Background(), &s))
}
