package debugsample

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/reprokit/reprokit/correlation"
	"github.com/reprokit/reprokit/flags"
)

var trustedNet = netip.MustParsePrefix("10.0.0.0/8")

const (
	trustedPeer   = "10.1.2.3:4000"
	untrustedPeer = "192.0.2.7:4000"
)

// withTrace returns ctx holding a remote span context with trace ID id.
func withTrace(ctx context.Context, id trace.TraceID) context.Context {
	return trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: id, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled,
	}))
}

func randomTraceID(rng *rand.Rand) trace.TraceID {
	var id trace.TraceID
	binary.BigEndian.PutUint64(id[:8], rng.Uint64())
	binary.BigEndian.PutUint64(id[8:], rng.Uint64())
	return id
}

func TestPrecedence(t *testing.T) {
	clock := newFakeClock()
	token := mint(t, clock, testKey, time.Minute, "*")
	type req struct {
		token   string
		baggage string
		peer    string
		path    string
	}
	tests := []struct {
		name       string
		policy     Policy
		req        req
		want       Mode
		reason     Reason
		refusal    TokenRefusal
		ignored    uint64 // BaggageIgnored
		strip      bool
		capped     uint64
		acceptedTk uint64
	}{
		{name: "nothing", want: Off, reason: ReasonNone},
		{name: "token beats everything", policy: Policy{BufferedRate: 1, Rules: []Rule{{Pattern: "/x", BufferedRate: 1}}},
			req: req{token: token, baggage: "reprokit.debug=buffered", peer: trustedPeer, path: "/x"}, want: Live, reason: ReasonToken, strip: true, acceptedTk: 1},
		{name: "trusted baggage beats rule", policy: Policy{Rules: []Rule{{Pattern: "/x", LiveRate: 1}}},
			req: req{baggage: "reprokit.debug=buffered", peer: trustedPeer, path: "/x"}, want: Buffered, reason: ReasonBaggage, strip: true},
		{name: "trusted baggage live", req: req{baggage: "other=1,reprokit.debug=live", peer: trustedPeer}, want: Live, reason: ReasonBaggage, strip: true},
		{name: "trusted baggage off value", req: req{baggage: "reprokit.debug=off", peer: trustedPeer}, want: Off, reason: ReasonNone, strip: true},
		{name: "trusted baggage garbage value", policy: Policy{LiveRate: 1}, req: req{baggage: "reprokit.debug=LIVE!", peer: trustedPeer}, want: Live, reason: ReasonRate, strip: true},
		{name: "untrusted baggage ignored", req: req{baggage: "reprokit.debug=live", peer: untrustedPeer}, want: Off, reason: ReasonNone, ignored: 1, strip: true},
		{name: "untrusted baggage, rates still apply", policy: Policy{BufferedRate: 1},
			req: req{baggage: "reprokit.debug=live", peer: untrustedPeer}, want: Buffered, reason: ReasonRate, ignored: 1, strip: true},
		{name: "baggage without peer", req: req{baggage: "reprokit.debug=live", peer: "pipe"}, want: Off, ignored: 1, strip: true},
		{name: "unrelated baggage", policy: Policy{}, req: req{baggage: "tenant=acme", peer: untrustedPeer}, want: Off},
		{name: "rule beats rates", policy: Policy{LiveRate: 1, Rules: []Rule{{Pattern: "/x", BufferedRate: 1}}},
			req: req{path: "/x"}, want: Buffered, reason: ReasonRule},
		{name: "rule with zero rates turns off", policy: Policy{LiveRate: 1, Rules: []Rule{{Pattern: "/health"}}},
			req: req{path: "/health"}, want: Off, reason: ReasonNone},
		{name: "rule not matching", policy: Policy{LiveRate: 1, Rules: []Rule{{Pattern: "/health"}}},
			req: req{path: "/x"}, want: Live, reason: ReasonRate},
		{name: "live rate beats buffered rate", policy: Policy{LiveRate: 1, BufferedRate: 1}, want: Live, reason: ReasonRate},
		{name: "buffered rate", policy: Policy{BufferedRate: 1}, want: Buffered, reason: ReasonRate},
		{name: "refused token, rates apply", policy: Policy{LiveRate: 1}, req: req{token: "v1.nope"}, want: Live, reason: ReasonRate, refusal: TokenMalformed},
		{name: "capped rate", policy: Policy{LiveRate: 1, MaxPerSecond: -1}, want: Off, reason: ReasonCapped, capped: 1},
		{name: "capped token", policy: Policy{MaxPerSecond: -1}, req: req{token: token}, want: Off, reason: ReasonCapped, capped: 1, acceptedTk: 1},
		{name: "capped baggage", policy: Policy{MaxPerSecond: -1}, req: req{baggage: "reprokit.debug=live", peer: trustedPeer}, want: Off, reason: ReasonCapped, capped: 1, strip: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.policy.MaxPerSecond == 0 {
				tt.policy.MaxPerSecond = math.Inf(1)
			}
			s := NewSampler(WithPolicy(tt.policy), WithTokenKeys(testKey), WithClock(clock.Now), WithTrustedPeers(trustedNet))
			path := tt.req.path
			if path == "" {
				path = "/"
			}
			r := httptest.NewRequest("GET", path, nil)
			r.RemoteAddr = tt.req.peer
			if tt.req.token != "" {
				r.Header.Set(DefaultTokenHeader, tt.req.token)
			}
			if tt.req.baggage != "" {
				r.Header.Set("Baggage", tt.req.baggage)
			}
			d := s.Decide(r)
			if d.Mode != tt.want || d.Reason != tt.reason || d.Token != tt.refusal || d.stripBaggage != tt.strip {
				t.Errorf("decision %+v; want mode %v reason %v refusal %v strip %v", d, tt.want, tt.reason, tt.refusal, tt.strip)
			}
			st := s.Stats()
			if st.BaggageIgnored() != tt.ignored || st.RateCapped() != tt.capped || st.TokensAccepted() != tt.acceptedTk {
				t.Errorf("stats: ignored %d capped %d accepted %d; want %d %d %d",
					st.BaggageIgnored(), st.RateCapped(), st.TokensAccepted(), tt.ignored, tt.capped, tt.acceptedTk)
			}
			if st.Decisions(tt.want) != 1 {
				t.Errorf("Decisions(%v) = %d, want 1", tt.want, st.Decisions(tt.want))
			}
		})
	}
}

// TestBaggageFromContext: when the tracing middleware has extracted the
// baggage, a trusted peer's member is read from the context.
func TestBaggageFromContext(t *testing.T) {
	s := NewSampler(WithTrustedPeers(trustedNet))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = trustedPeer
	r.Header.Set("Baggage", "reprokit.debug=live")
	r = r.WithContext(propagation.Baggage{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header)))
	r.Header.Set("Baggage", "reprokit.debug=buffered") // the context wins
	if d := s.Decide(r); d.Mode != Live || d.Reason != ReasonBaggage {
		t.Errorf("decision %+v, want live by baggage", d)
	}
}

// TestBaggageTravels: Begin puts a sampled decision in the context's
// baggage, and takes an untrusted member out.
func TestBaggageTravels(t *testing.T) {
	s := NewSampler(WithPolicy(Policy{BufferedRate: 1}))
	r := httptest.NewRequest("GET", "/", nil)
	ctx, _ := s.Begin(r.Context(), s.Decide(r))
	if got := baggage.FromContext(ctx).Member(BaggageKey).Value(); got != "buffered" {
		t.Errorf("baggage member = %q, want buffered", got)
	}

	s = NewSampler() // off, trusts no one
	r = httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = untrustedPeer
	r.Header.Set("Baggage", "tenant=acme,reprokit.debug=live")
	r = r.WithContext(propagation.Baggage{}.Extract(r.Context(), propagation.HeaderCarrier(r.Header)))
	ctx, _ = s.Begin(r.Context(), s.Decide(r))
	b := baggage.FromContext(ctx)
	if b.Member(BaggageKey).Key() != "" || b.Member("tenant").Value() != "acme" {
		t.Errorf("baggage after an untrusted debug member: %q; want only tenant=acme", b.String())
	}
	// Outgoing calls carry what is left.
	h := http.Header{}
	propagation.Baggage{}.Inject(ctx, propagation.HeaderCarrier(h))
	if h.Get("Baggage") != "tenant=acme" {
		t.Errorf("outgoing baggage %q", h.Get("Baggage"))
	}
}

// TestDeterministic: two services with the same policy draw the same
// decision for a trace, and the fractions follow the rates.
func TestDeterministic(t *testing.T) {
	pol := Policy{LiveRate: 0.1, BufferedRate: 0.25, MaxPerSecond: math.Inf(1)}
	a, b := NewSampler(WithPolicy(pol)), NewSampler(WithPolicy(pol))
	wider := NewSampler(WithPolicy(Policy{LiveRate: 0.2, MaxPerSecond: math.Inf(1)}))
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 100_000
	var counts [Live + 1]int
	for i := 0; i < n; i++ {
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(withTrace(r.Context(), randomTraceID(rng)))
		da, db := a.Decide(r), b.Decide(r)
		if da.Mode != db.Mode {
			t.Fatalf("services disagree: %v vs %v", da.Mode, db.Mode)
		}
		if da.Mode == Live && wider.Decide(r).Mode != Live {
			t.Fatal("live at 10% but not at 20%: rates are not nested")
		}
		counts[da.Mode]++
	}
	for _, c := range []struct {
		m    Mode
		want float64
	}{{Live, 0.1}, {Buffered, 0.25}, {Off, 0.65}} {
		got := float64(counts[c.m]) / n
		if math.Abs(got-c.want) > 0.01 {
			t.Errorf("%v: %.4f of requests, want %.2f", c.m, got, c.want)
		}
	}
}

// TestCorrelationFallback: without a trace, the correlation ID decides.
func TestCorrelationFallback(t *testing.T) {
	s := NewSampler(WithPolicy(Policy{LiveRate: 0.5, MaxPerSecond: math.Inf(1)}))
	live, off := 0, 0
	for i := 0; i < 200; i++ {
		id := correlation.NewID()
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(correlation.NewContext(r.Context(), id))
		first := s.Decide(r).Mode
		for j := 0; j < 3; j++ {
			if s.Decide(r).Mode != first {
				t.Fatalf("ID %s decided differently", id)
			}
		}
		if first == Live {
			live++
		} else {
			off++
		}
	}
	if live < 60 || off < 60 {
		t.Errorf("live %d, off %d of 200 at rate 0.5", live, off)
	}
}

// TestIndependentOfTraceIDRatio: the debug draw and OpenTelemetry's
// TraceIDRatioBased sampler look at the same trace IDs; they must not pick
// the same traces more often than chance.
func TestIndependentOfTraceIDRatio(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 200_000
	for _, p := range []float64{0.5, 0.1, 0.01} {
		otel := sdktrace.TraceIDRatioBased(p)
		both, ours, theirs := 0, 0, 0
		for i := 0; i < n; i++ {
			id := randomTraceID(rng)
			o := otel.ShouldSample(sdktrace.SamplingParameters{ParentContext: bg, TraceID: id}).Decision == sdktrace.RecordAndSample
			d := unit(HashTraceID(id)) < p
			if o {
				theirs++
			}
			if d {
				ours++
			}
			if o && d {
				both++
			}
		}
		want := float64(n) * p * p
		sigma := math.Sqrt(float64(n) * p * p * (1 - p*p))
		if math.Abs(float64(both)-want) > 5*sigma+1 {
			t.Errorf("p=%v: both sampled %d, want %.0f ± %.0f (ours %d, theirs %d)", p, both, want, 5*sigma, ours, theirs)
		}
	}
	// The traces OpenTelemetry samples at 1% (small low bytes) are not the
	// ones we pick at 1%: among them we pick about 1%.
	const m = 50_000
	picked := 0
	for i := 0; i < m; i++ {
		id := randomTraceID(rng)
		binary.BigEndian.PutUint64(id[8:], rng.Uint64()>>8) // low 8 bytes under 2^56: sampled by otel at 1/256
		if unit(HashTraceID(id)) < 0.01 {
			picked++
		}
	}
	if frac := float64(picked) / m; frac < 0.007 || frac > 0.013 {
		t.Errorf("of traces OTel samples, we pick %.4f at rate 0.01", frac)
	}
}

// TestCapHoldsUnderTokens: 10 000 requests, all carrying a valid token,
// over ten seconds: the cap of 10 a second holds.
func TestCapHoldsUnderTokens(t *testing.T) {
	clock := newFakeClock()
	token := mint(t, clock, testKey, 15*time.Minute, "*")
	s := NewSampler(WithTokenKeys(testKey), WithClock(clock.Now), WithPolicy(Policy{MaxPerSecond: 10}))
	live := 0
	for i := 0; i < 10_000; i++ {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set(DefaultTokenHeader, token)
		if s.Decide(r).Mode == Live {
			live++
		}
		clock.Advance(time.Millisecond)
	}
	// A burst of 10, then 10 a second for 10 s.
	if live < 100 || live > 110 {
		t.Errorf("%d live of 10 000 token requests in 10 s at 10/s", live)
	}
	st := s.Stats()
	if st.TokensAccepted() != 10_000 || st.RateCapped() != uint64(10_000-live) || st.Decisions(Live) != uint64(live) {
		t.Errorf("accepted %d capped %d live %d", st.TokensAccepted(), st.RateCapped(), st.Decisions(Live))
	}
}

// TestConcurrentDecisions runs decisions from many goroutines while the
// flags change under them; run with -race.
func TestConcurrentDecisions(t *testing.T) {
	clock := newFakeClock()
	token := mint(t, clock, testKey, time.Minute, "*")
	set := flags.NewSet(flags.WithKeys(FlagKeys()...), flags.WithLogger(slog.New(slog.DiscardHandler)))
	s := NewSampler(WithFlags(set), WithTokenKeys(testKey), WithClock(clock.Now))
	const workers, each = 8, 500
	var wg sync.WaitGroup
	stop := make(chan struct{})
	admin := flags.NewAdminHandler(set, func(*http.Request) bool { return true })
	put := func(body string) {
		r := httptest.NewRequest("PUT", "/flags", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		admin.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Errorf("admin %s: %d %s", body, w.Code, w.Body)
		}
	}
	wg.Add(1)
	go func() { // an operator flipping flags through the admin endpoint during traffic
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			put(fmt.Sprintf(`{"name":"debug.live_rate","value":%v,"ttl":"1m"}`, float64(i%3)/2))
			put(fmt.Sprintf(`{"name":"debug.rules","value":[{"pattern":"/r/","buffered_rate":%d}],"ttl":"1m"}`, i%2))
			put(fmt.Sprintf(`{"name":"debug.max_per_second","value":%d,"ttl":"1m"}`, 1+i%50))
		}
	}()
	var dw sync.WaitGroup
	for w := 0; w < workers; w++ {
		dw.Add(1)
		go func(w int) {
			defer dw.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := 0; i < each; i++ {
				r := httptest.NewRequest("GET", "/r/x", nil)
				r = r.WithContext(withTrace(r.Context(), randomTraceID(rng)))
				if i%10 == 0 {
					r.Header.Set(DefaultTokenHeader, token)
				}
				d := s.Decide(r)
				ctx, run := s.Begin(r.Context(), d)
				_ = ctx
				run.Finish(r, 200, false)
			}
		}(w)
	}
	dw.Wait()
	close(stop)
	wg.Wait()
	st := s.Stats()
	if total := st.Decisions(Off) + st.Decisions(Buffered) + st.Decisions(Live); total != workers*each {
		t.Errorf("%d decisions counted, want %d", total, workers*each)
	}
}

// TestFlagsPolicy: with WithFlags the policy follows the flags at once,
// and the rules are compiled again only when they change.
func TestFlagsPolicy(t *testing.T) {
	set := flags.NewSet(flags.WithKeys(FlagKeys()...),
		flags.WithProvider(flags.Static(map[string]any{"debug.max_per_second": math.MaxFloat64})))
	s := NewSampler(WithFlags(set), WithPolicy(Policy{LiveRate: 1})) // the policy is ignored
	get := func(path string) Decision { return s.Decide(httptest.NewRequest("GET", path, nil)) }
	if d := get("/"); d.Mode != Off {
		t.Fatalf("with default flags: %+v", d)
	}
	if err := set.Override("debug.buffered_rate", 1.0, time.Minute, "test"); err != nil {
		t.Fatal(err)
	}
	if d := get("/"); d.Mode != Buffered || d.Reason != ReasonRate {
		t.Fatalf("after buffered_rate=1: %+v", d)
	}
	if err := set.Override("debug.rules", `[{"pattern":"GET /hot/","live_rate":1}]`, time.Minute, "test"); err != nil {
		t.Fatal(err)
	}
	if d := get("/hot/x"); d.Mode != Live || d.Reason != ReasonRule {
		t.Fatalf("after rules: %+v", d)
	}
	compiled := s.rules.get(RulesFlag.Get(context.Background(), set), nil, nil)
	for i := 0; i < 10; i++ {
		get("/hot/x")
	}
	if s.rules.get(RulesFlag.Get(context.Background(), set), nil, nil) != compiled {
		t.Error("rules compiled again without a change")
	}
	if err := set.Override("debug.rules", `[]`, time.Minute, "test"); err != nil {
		t.Fatal(err)
	}
	if d := get("/hot/x"); d.Mode != Buffered {
		t.Fatalf("after rules cleared: %+v", d)
	}
}

func TestDecisionHook(t *testing.T) {
	var got []Decision
	s := NewSampler(WithPolicy(Policy{LiveRate: 1}), WithDecisionHook(func(_ *http.Request, d Decision) { got = append(got, d) }))
	s.Decide(httptest.NewRequest("GET", "/", nil))
	if len(got) != 1 || got[0].Mode != Live {
		t.Errorf("hook saw %+v", got)
	}
}

func TestStringers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Off.String(), "off"}, {Buffered.String(), "buffered"}, {Live.String(), "live"}, {Mode(9).String(), "Mode(9)"},
		{ReasonToken.String(), "token"}, {ReasonCapped.String(), "capped"}, {Reason(99).String(), "Reason(99)"},
		{TokenForged.String(), "forged"}, {TokenOutOfScope.String(), "out_of_scope"}, {TokenRefusal(0).String(), "TokenRefusal(0)"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
