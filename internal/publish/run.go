package publish

import (
	"context"
	"sort"

	"github.com/evctl/evctl/internal/registry/client"
)

// DefaultConcurrency is how many items push works on at once (each with
// its own registry requests).
const DefaultConcurrency = 8

// each runs fn on every item, at most n at a time, and on an item only
// after fn has returned nil for every item it references (its Deps), so
// referenced schemas are resolved and registered first. Ready items start
// in the order of items. Once fn fails on an item, no item after it in
// the order starts (fail closed), while the items before it still run:
// items is in dependency order, so they never wait on a later one. each
// then returns the error of the first failing item in the order, which
// therefore does not depend on timing.
func each(items []*Item, n int, fn func(*Item) error) error {
	if n < 1 {
		n = 1
	}
	index := make(map[*Item]int, len(items))
	for i, it := range items {
		index[it] = i
	}
	pending := make([]int, len(items))
	dependents := make([][]int, len(items))
	var ready []int
	for i, it := range items {
		seen := map[int]bool{}
		for _, d := range it.Deps {
			j, ok := index[d.Target]
			if !ok || seen[j] {
				continue // not in this run, or referenced twice
			}
			seen[j] = true
			pending[i]++
			dependents[j] = append(dependents[j], i)
		}
		if pending[i] == 0 {
			ready = append(ready, i)
		}
	}
	errs := make([]error, len(items))
	done := make(chan int)
	running := 0
	stopAt := len(items)
	for {
		for len(ready) > 0 && ready[0] < stopAt && running < n {
			i := ready[0]
			ready = ready[1:]
			running++
			go func() {
				errs[i] = fn(items[i])
				done <- i
			}()
		}
		if running == 0 {
			break
		}
		i := <-done
		running--
		if errs[i] != nil {
			stopAt = min(stopAt, i)
			continue
		}
		added := false
		for _, j := range dependents[i] {
			if pending[j]--; pending[j] == 0 {
				ready = append(ready, j)
				added = true
			}
		}
		if added {
			sort.Ints(ready)
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Result is what applying one item gave.
type Result struct {
	Item *Item
	// Registered is set when the registry accepted it.
	Registered bool
	// Rejection is set when it was not registered.
	Rejection Rejection
}

// ApplyAll registers every item whose action is not unchanged, at most
// concurrency at a time, referenced schemas before the schemas that
// reference them (an item whose reference was rejected is rejected too,
// without a request). It returns one result per applied item in the order
// of items, so what is reported does not depend on timing. A transport,
// auth or server failure (a Rejection with Err) stops further items from
// starting after it in the order of items (those before it still run); err
// is the first such failure in that order, and the results list every
// item that was registered or rejected, whatever finished.
func ApplyAll(ctx context.Context, c *client.Client, items []*Item, concurrency int) (results []Result, err error) {
	res := make(map[*Item]*Result, len(items))
	for _, it := range items {
		if it.Action != ActionUnchanged {
			res[it] = &Result{Item: it}
		}
	}
	err = each(items, concurrency, func(it *Item) error {
		r := res[it]
		if r == nil {
			return nil
		}
		rej, ok := Apply(ctx, c, it)
		r.Registered, r.Rejection = ok, rej
		if !ok && rej.Err != nil {
			return rej.Err
		}
		return nil
	})
	for _, it := range items {
		if r := res[it]; r != nil && (r.Registered || r.Rejection.Reason != "") {
			results = append(results, *r)
		}
	}
	return results, err
}
