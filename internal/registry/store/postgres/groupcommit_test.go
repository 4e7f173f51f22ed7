package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/testpg"
)

// Updates that queue while a commit is under way are committed together:
// one transaction, a savepoint each. An update that fails (its own error,
// or a constraint error after a write) rolls back its writes only; the
// others' ids are unique and dense; a panic fails only its update.
func TestPostgresGroupCommit(t *testing.T) {
	pg := testpg.Start(t)
	ctx := context.Background()
	st, err := Open(ctx, pg.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.Update(ctx, func(tx store.Tx) error {
			close(held)
			<-hold
			_, err := tx.InsertSchema(store.StoredSchema{Hash: "first", Type: compat.Avro, Text: `"int"`})
			return err
		})
	}()
	<-held
	before := st.commits.Load()
	const n = 64
	errFail := errors.New("refused by the test")
	type result struct {
		id  int64
		err error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var id int64
			err := st.Update(ctx, func(tx store.Tx) (err error) {
				id, err = tx.InsertSchema(store.StoredSchema{Hash: fmt.Sprintf("h%d", i), Type: compat.Avro, Text: `"string"`})
				if err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errFail // after a write: it must be rolled back
				case 2:
					// A constraint error (the same hash twice) leaves
					// PostgreSQL's transaction aborted until the
					// savepoint is rolled back to.
					_, err = tx.InsertSchema(store.StoredSchema{Hash: fmt.Sprintf("h%d", i), Type: compat.Avro, Text: `"string"`})
					if err == nil {
						return errors.New("a duplicate hash was accepted")
					}
					return err
				case 3:
					panic("a bug in an update")
				}
				return nil
			})
			results[i] = result{id, err}
		}()
	}
	for {
		queued := st.writes.Queued()
		if queued == n {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(hold)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// 64 queued updates are one batch (store.MaxBatch), after the held one.
	if c := st.commits.Load() - before; c > 2 {
		t.Errorf("%d commits for 1+%d queued updates, want them grouped", c, n)
	}
	seen := map[int64]bool{}
	for i, r := range results {
		var sc store.StoredSchema
		viewErr := st.View(ctx, func(tx store.Tx) (err error) {
			sc, err = tx.SchemaByHash("", fmt.Sprintf("h%d", i))
			return err
		})
		switch i % 4 {
		case 0:
			if r.err != nil || viewErr != nil || sc.ID != r.id || seen[r.id] {
				t.Errorf("update %d: id %d, %v; stored %d, %v", i, r.id, r.err, sc.ID, viewErr)
			}
			seen[r.id] = true
		case 1:
			if !errors.Is(r.err, errFail) || !errors.Is(viewErr, store.ErrNotFound) {
				t.Errorf("update %d: %v, stored %v: want its own error and nothing stored", i, r.err, viewErr)
			}
		default:
			if r.err == nil || !errors.Is(viewErr, store.ErrNotFound) {
				t.Errorf("update %d: %v, stored %v: want an error and nothing stored", i, r.err, viewErr)
			}
		}
	}
	if len(seen) != n/4 {
		t.Errorf("%d updates committed, want %d", len(seen), n/4)
	}
	// Ids are dense: 1 for the first, then 2..17 for the 16 committed.
	for id := int64(2); id <= int64(1+len(seen)); id++ {
		if !seen[id] {
			t.Errorf("id %d not given (ids %v)", id, seen)
		}
	}
}

// An update whose context ends while it waits for the writer returns the
// context's error and never runs; an update after Close fails.
func TestPostgresUpdateCancelledWhileQueued(t *testing.T) {
	pg := testpg.Start(t)
	ctx := context.Background()
	st, err := Open(ctx, pg.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.Update(ctx, func(tx store.Tx) error {
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	cctx, cancel := context.WithCancel(ctx)
	ran := false
	done := make(chan error, 1)
	go func() {
		done <- st.Update(cctx, func(tx store.Tx) error { ran = true; return nil })
	}()
	for {
		queued := st.writes.Queued()
		if queued == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	close(hold)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled update: %v, want context.Canceled", err)
	}
	if ran {
		t.Error("a cancelled update ran")
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	st.Close()
	if err := st.Update(ctx, func(store.Tx) error { return nil }); err == nil {
		t.Error("Update after Close succeeded")
	}
}
