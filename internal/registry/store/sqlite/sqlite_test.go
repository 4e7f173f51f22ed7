package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "registry.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func TestSQLiteDurabilitySettings(t *testing.T) {
	st, _ := openTestStore(t)
	var mode string
	var sync int
	if err := st.writer.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := st.writer.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 {
		t.Fatalf("journal_mode=%s synchronous=%d, want wal and 2 (FULL)", mode, sync)
	}
	// The read pool cannot write.
	if _, err := st.reader.Exec(`INSERT INTO modes (subject, mode) VALUES ('x', 'READONLY')`); err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

func TestSQLiteIDsMonotonicAndUnique(t *testing.T) {
	st, path := openTestStore(t)
	ctx := context.Background()
	insert := func(s store.StoredSchema) (int64, error) {
		var id int64
		err := st.Update(ctx, func(tx store.Tx) (err error) {
			id, err = tx.InsertSchema(s)
			return err
		})
		return id, err
	}
	id1, err := insert(store.StoredSchema{Hash: "h1", Type: compat.Avro, Text: `"int"`})
	if err != nil || id1 != 1 {
		t.Fatalf("first id %d, %v", id1, err)
	}
	// An imported id moves the high-water mark.
	if _, err := insert(store.StoredSchema{ID: 50, Hash: "h50", Type: compat.Avro, Text: `"long"`}); err != nil {
		t.Fatal(err)
	}
	if id, err := insert(store.StoredSchema{Hash: "h2", Type: compat.Avro, Text: `"string"`}); err != nil || id != 51 {
		t.Fatalf("id after import %d, %v; want 51", id, err)
	}
	// The same content cannot get a second row, an id cannot hold two schemas.
	if _, err := insert(store.StoredSchema{Hash: "h1", Type: compat.Avro, Text: `"int"`}); err == nil {
		t.Fatal("duplicate hash inserted")
	}
	if _, err := insert(store.StoredSchema{ID: 50, Hash: "other", Type: compat.Avro, Text: `"bytes"`}); err == nil {
		t.Fatal("duplicate id inserted")
	}
	// Even if rows vanish (by hand), the sequence never hands an id out twice.
	if _, err := st.writer.Exec(`DELETE FROM schemas WHERE id >= 50`); err != nil {
		t.Fatal(err)
	}
	if id, err := insert(store.StoredSchema{Hash: "h3", Type: compat.Avro, Text: `"float"`}); err != nil || id != 52 {
		t.Fatalf("id after deletion %d, %v; want 52", id, err)
	}
	// And across a reopen.
	st.Close()
	st2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	var id int64
	if err := st2.Update(ctx, func(tx store.Tx) (err error) {
		id, err = tx.InsertSchema(store.StoredSchema{Hash: "h4", Type: compat.Avro, Text: `"double"`})
		return err
	}); err != nil || id != 53 {
		t.Fatalf("id after reopen %d, %v; want 53", id, err)
	}
}

func TestSQLiteRollbackAndConstraints(t *testing.T) {
	st, _ := openTestStore(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := st.Update(ctx, func(tx store.Tx) error {
		id, err := tx.InsertSchema(store.StoredSchema{Hash: "h", Type: compat.Avro, Text: `"int"`})
		if err != nil {
			return err
		}
		if err := tx.InsertVersion("s", 1, id); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: %v", err)
	}
	st.View(ctx, func(tx store.Tx) error {
		if _, err := tx.SchemaByHash(api.DefaultContext, "h"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back schema is visible: %v", err)
		}
		if rows, _ := tx.Versions("s"); len(rows) != 0 {
			t.Errorf("rolled-back version is visible: %v", rows)
		}
		return nil
	})
	// One live version per schema and subject; a soft-deleted one does not count.
	err = st.Update(ctx, func(tx store.Tx) error {
		id, err := tx.InsertSchema(store.StoredSchema{Hash: "h", Type: compat.Avro, Text: `"int"`})
		if err != nil {
			return err
		}
		if err := tx.InsertVersion("s", 1, id); err != nil {
			return err
		}
		return tx.InsertVersion("s", 2, id)
	})
	if err == nil {
		t.Fatal("a second live version of one schema was accepted")
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		id, err := tx.InsertSchema(store.StoredSchema{Hash: "h", Type: compat.Avro, Text: `"int"`})
		if err != nil {
			return err
		}
		if err := tx.InsertVersion("s", 1, id); err != nil {
			return err
		}
		if err := tx.SoftDeleteVersion("s", 1); err != nil {
			return err
		}
		return tx.InsertVersion("s", 2, id)
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return tx.SoftDeleteVersion("s", 9) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("soft delete of a missing version: %v", err)
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	st, path := openTestStore(t)
	if _, err := st.writer.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := Open(path); err == nil {
		t.Fatal("opened a database from a newer evctl")
	}
}

// A second writer on one data file fails to open with a clear error; the
// first one's close (or death) frees the file.
func TestSQLiteSecondWriterRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "--read-only") {
		t.Fatalf("second writer: %v, want ErrLocked naming --read-only", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(path)
	if err != nil {
		t.Fatalf("writer after the first closed: %v", err)
	}
	st2.Close()
}

// A new database is migrated to the latest schema version.
func TestSQLiteMigratesToTheLatestVersion(t *testing.T) {
	st, _ := openTestStore(t)
	var v int
	if err := st.writer.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != sqliteSchemaVersion {
		t.Fatalf("user_version %d, %v; want %d", v, err, sqliteSchemaVersion)
	}
}

// TestSQLiteGroupCommit queues 63 updates behind one that holds the writer:
// they commit together (far fewer commits than updates), each update's
// error rolls back its own writes only, and the ids of the committed ones
// are unique and dense.
func TestSQLiteGroupCommit(t *testing.T) {
	st, _ := openTestStore(t)
	ctx := context.Background()
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
	const n = 63
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
				switch i % 3 {
				case 1:
					return errFail // after a write: it must be rolled back
				case 2:
					// A constraint error: the same hash twice.
					_, err = tx.InsertSchema(store.StoredSchema{Hash: fmt.Sprintf("h%d", i), Type: compat.Avro, Text: `"string"`})
					if err == nil {
						return errors.New("a duplicate hash was accepted")
					}
					return err
				}
				return nil
			})
			results[i] = result{id, err}
		}()
	}
	// Let every update queue behind the held one.
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
	if c := st.commits.Load() - before; c > 3 {
		t.Errorf("%d commits for 1+%d queued updates, want them grouped", c, n)
	}
	seen := map[int64]bool{}
	for i, r := range results {
		var sc store.StoredSchema
		viewErr := st.View(ctx, func(tx store.Tx) (err error) {
			sc, err = tx.SchemaByHash("", fmt.Sprintf("h%d", i))
			return err
		})
		switch i % 3 {
		case 0:
			if r.err != nil || viewErr != nil || sc.ID != r.id || seen[r.id] {
				t.Errorf("update %d: id %d, %v; stored %d, %v", i, r.id, r.err, sc.ID, viewErr)
			}
			seen[r.id] = true
		case 1:
			if !errors.Is(r.err, errFail) || !errors.Is(viewErr, store.ErrNotFound) {
				t.Errorf("update %d: %v, stored %v: want its own error and nothing stored", i, r.err, viewErr)
			}
		case 2:
			if r.err == nil || !errors.Is(viewErr, store.ErrNotFound) {
				t.Errorf("update %d: %v, stored %v: want the constraint error and nothing stored", i, r.err, viewErr)
			}
		}
	}
	// Ids are dense: 1 for the first, then 2..22 for the 21 committed.
	for id := int64(2); id <= int64(1+len(seen)); id++ {
		if !seen[id] {
			t.Errorf("id %d not given (ids %v)", id, seen)
		}
	}
}

// TestSQLiteUpdateCancelledWhileQueued: an update whose context ends while
// it waits for the writer returns the context's error and never runs.
func TestSQLiteUpdateCancelledWhileQueued(t *testing.T) {
	st, _ := openTestStore(t)
	hold, held := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.Update(context.Background(), func(tx store.Tx) error {
			close(held)
			<-hold
			return nil
		})
	}()
	<-held
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	second := make(chan error, 1)
	go func() {
		second <- st.Update(ctx, func(tx store.Tx) error { ran = true; return nil })
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
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("cancelled update: %v, ran %v; want context.Canceled and not run", err, ran)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(context.Background(), func(tx store.Tx) error { return nil }); err == nil {
		t.Fatal("an update after Close succeeded")
	}
}

// TestSQLiteUpdatePanics: a panic in one update's fn fails that update only
// (its writes undone), in a batch or alone, and the writer goes on.
func TestSQLiteUpdatePanics(t *testing.T) {
	st, _ := openTestStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.InsertSchema(store.StoredSchema{Hash: fmt.Sprintf("p%d", i), Type: compat.Avro, Text: `"int"`}); err != nil {
					return err
				}
				if i%2 == 1 {
					panic("boom")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		viewErr := st.View(ctx, func(tx store.Tx) error {
			_, err := tx.SchemaByHash("", fmt.Sprintf("p%d", i))
			return err
		})
		if i%2 == 1 {
			if err == nil || !strings.Contains(err.Error(), "panic: boom") || !errors.Is(viewErr, store.ErrNotFound) {
				t.Errorf("update %d: %v, stored %v: want the panic as its error and nothing stored", i, err, viewErr)
			}
		} else if err != nil || viewErr != nil {
			t.Errorf("update %d: %v, stored %v", i, err, viewErr)
		}
	}
}
