package publish

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/schema"
)

// chain builds n items; deps[i] lists the indexes item i references
// (always earlier ones, as Plan orders them).
func chain(n int, deps map[int][]int) []*Item {
	items := make([]*Item, n)
	for i := range items {
		items[i] = &Item{Subject: fmt.Sprintf("s%d", i), Event: &schema.Event{Path: fmt.Sprintf("e%d.json", i)}}
	}
	for i, ds := range deps {
		for _, d := range ds {
			items[i].Deps = append(items[i].Deps, Dep{Name: items[d].Subject, Target: items[d]})
		}
	}
	return items
}

// TestEachOrdersByReferences: an item starts only after every item it
// references has finished, and never more than n run at once.
func TestEachOrdersByReferences(t *testing.T) {
	deps := map[int][]int{3: {0, 1}, 4: {3}, 5: {3, 3}, 9: {4, 5, 2}, 12: {9}, 13: {0}}
	items := chain(20, deps)
	for _, n := range []int{1, 2, 8, 64} {
		var mu sync.Mutex
		finished := map[*Item]bool{}
		var inFlight, peak atomic.Int32
		err := each(items, n, func(it *Item) error {
			if v := inFlight.Add(1); v > peak.Load() {
				peak.Store(v)
			}
			defer inFlight.Add(-1)
			mu.Lock()
			for _, d := range it.Deps {
				if !finished[d.Target] {
					t.Errorf("n=%d: %s started before %s finished", n, it.Subject, d.Target.Subject)
				}
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			finished[it] = true
			mu.Unlock()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(finished) != len(items) {
			t.Errorf("n=%d: ran %d of %d items", n, len(finished), len(items))
		}
		if p := peak.Load(); p > int32(n) {
			t.Errorf("n=%d: %d ran at once", n, p)
		}
	}
}

// TestEachRunsConcurrently: n independent items all run at once (each
// waits for the others; serial execution would never get past the first).
func TestEachRunsConcurrently(t *testing.T) {
	const n = 4
	var arrived sync.WaitGroup
	arrived.Add(n)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	err := each(chain(n, nil), n, func(*Item) error {
		arrived.Done()
		select {
		case <-all:
			return nil
		case <-time.After(30 * time.Second):
			return fmt.Errorf("the other items never started")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEachFailsClosedDeterministically: with two failing items the error
// is always the first one's in the order; every item before it ran, and
// nothing that references a failed item starts.
func TestEachFailsClosedDeterministically(t *testing.T) {
	for round := 0; round < 50; round++ {
		items := chain(30, map[int][]int{20: {17}, 25: {20}})
		var mu sync.Mutex
		ran := map[int]bool{}
		err := each(items, 4, func(it *Item) error {
			var i int
			fmt.Sscanf(it.Subject, "s%d", &i)
			mu.Lock()
			ran[i] = true
			mu.Unlock()
			if i == 17 || i == 5 {
				return fmt.Errorf("fail %d", i)
			}
			return nil
		})
		if err == nil || err.Error() != "fail 5" {
			t.Fatalf("round %d: err = %v, want fail 5", round, err)
		}
		for i := 0; i < 5; i++ {
			if !ran[i] {
				t.Fatalf("round %d: item %d, before the failure, did not run", round, i)
			}
		}
		if ran[20] || ran[25] || ran[29] {
			t.Fatalf("round %d: an item referencing a failed one ran", round)
		}
	}
}
