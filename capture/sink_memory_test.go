package capture

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemorySink(t *testing.T) {
	for _, tt := range []struct {
		name        string
		size        int
		writes      int
		wantIDs     []string
		wantDropped uint64
	}{
		{name: "empty", size: 3, writes: 0, wantIDs: []string{}},
		{name: "not full", size: 3, writes: 2, wantIDs: []string{"r0", "r1"}},
		{name: "exactly full", size: 3, writes: 3, wantIDs: []string{"r0", "r1", "r2"}},
		{name: "wrapped once", size: 3, writes: 4, wantIDs: []string{"r1", "r2", "r3"}, wantDropped: 1},
		{name: "wrapped many times", size: 3, writes: 11, wantIDs: []string{"r8", "r9", "r10"}, wantDropped: 8},
		{name: "size one", size: 1, writes: 5, wantIDs: []string{"r4"}, wantDropped: 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := NewMemorySink(tt.size)
			for i := range tt.writes {
				require.NoError(t, s.Write(t.Context(), &Record{ID: fmt.Sprintf("r%d", i)}))
			}
			got := []string{}
			for _, r := range s.Records() {
				got = append(got, r.ID)
			}
			assert.Equal(t, tt.wantIDs, got)
			assert.Equal(t, len(tt.wantIDs), s.Len())
			assert.Equal(t, tt.wantDropped, s.Dropped())
		})
	}
}

func TestMemorySinkDefaultsAndReset(t *testing.T) {
	for _, n := range []int{0, -1} {
		s := NewMemorySink(n)
		for i := range DefaultMemoryRecords + 2 {
			require.NoError(t, s.Write(t.Context(), &Record{ID: fmt.Sprint(i)}))
		}
		assert.Equal(t, DefaultMemoryRecords, s.Len(), "n=%d", n)
		assert.Equal(t, uint64(2), s.Dropped(), "n=%d", n)
		assert.Equal(t, "2", s.Records()[0].ID)

		s.Reset()
		assert.Zero(t, s.Len())
		assert.Zero(t, s.Dropped())
		assert.Empty(t, s.Records())
		require.NoError(t, s.Write(t.Context(), &Record{ID: "after"}))
		assert.Equal(t, "after", s.Records()[0].ID)
	}
}

func TestMemorySinkRecordsIsACopy(t *testing.T) {
	s := NewMemorySink(2)
	a, b := &Record{ID: "a"}, &Record{ID: "b"}
	require.NoError(t, s.Write(t.Context(), a))
	got := s.Records()
	got[0] = b
	require.NoError(t, s.Write(t.Context(), b))
	assert.Same(t, a, s.Records()[0], "changing the returned slice changed the sink")
}

func TestMemorySinkNilRecord(t *testing.T) {
	s := NewMemorySink(2)
	assert.ErrorIs(t, s.Write(t.Context(), nil), ErrNilRecord)
	assert.Zero(t, s.Len())
}

func TestMemorySinkConcurrent(t *testing.T) {
	const writers, each, size = 8, 200, 100
	s := NewMemorySink(size)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_ = s.Write(context.Background(), &Record{ID: fmt.Sprintf("%d-%d", w, i)})
				if i%50 == 0 {
					_ = s.Records()
					_ = s.Len()
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, size, s.Len())
	assert.Equal(t, uint64(writers*each-size), s.Dropped())
	// Each writer's records come out in the order it wrote them.
	last := map[string]int{}
	for _, r := range s.Records() {
		var w, i int
		_, err := fmt.Sscanf(r.ID, "%d-%d", &w, &i)
		require.NoError(t, err)
		key := fmt.Sprint(w)
		if prev, ok := last[key]; ok {
			assert.Greater(t, i, prev)
		}
		last[key] = i
	}
}
