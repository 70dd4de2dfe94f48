package correlation

import (
	"context"
	"testing"
)

type otherKey struct{}

func TestContext(t *testing.T) {
	bg := context.Background()
	if id, ok := FromContext(bg); ok || id != "" {
		t.Errorf("FromContext(Background) = %q, %v; want none", id, ok)
	}
	//lint:ignore SA1012 a nil context must be safe to read from.
	if id, ok := FromContext(nil); ok || id != "" {
		t.Errorf("FromContext(nil) = %q, %v; want none", id, ok)
	}
	if got := NewContext(bg, ""); got != bg {
		t.Error("NewContext with an empty ID changed the context")
	}

	ctx := NewContext(bg, "outer")
	if id, ok := FromContext(ctx); !ok || id != "outer" {
		t.Errorf("FromContext = %q, %v; want outer", id, ok)
	}
	// Found through other layers, and the innermost one wins.
	ctx = context.WithValue(ctx, otherKey{}, "v")
	if id, _ := FromContext(ctx); id != "outer" {
		t.Errorf("through WithValue: got %q, want outer", id)
	}
	inner := NewContext(ctx, "inner")
	if id, _ := FromContext(inner); id != "inner" {
		t.Errorf("nested: got %q, want inner", id)
	}
	if v := inner.Value(otherKey{}); v != "v" {
		t.Errorf("other values lost: got %v", v)
	}
	// Cancellation still flows through the node.
	cctx, cancel := context.WithCancel(inner)
	cancel()
	if cctx.Err() == nil {
		t.Error("cancel did not propagate")
	}
}

func TestNewContextNilPanics(t *testing.T) {
	for _, id := range []string{"", "x"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewContext(nil, %q) did not panic", id)
				}
			}()
			//lint:ignore SA1012 the test checks the panic on a nil context.
			NewContext(nil, id)
		}()
	}
}
