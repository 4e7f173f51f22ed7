package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/evctl/evctl/internal/compat"
)

func openTestStore(t *testing.T) (*SQLiteStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "registry.db")
	st, err := OpenSQLite(path)
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
	insert := func(s StoredSchema) (int64, error) {
		var id int64
		err := st.Update(ctx, func(tx Tx) (err error) {
			id, err = tx.InsertSchema(s)
			return err
		})
		return id, err
	}
	id1, err := insert(StoredSchema{Hash: "h1", Type: compat.Avro, Text: `"int"`})
	if err != nil || id1 != 1 {
		t.Fatalf("first id %d, %v", id1, err)
	}
	// An imported id moves the high-water mark.
	if _, err := insert(StoredSchema{ID: 50, Hash: "h50", Type: compat.Avro, Text: `"long"`}); err != nil {
		t.Fatal(err)
	}
	if id, err := insert(StoredSchema{Hash: "h2", Type: compat.Avro, Text: `"string"`}); err != nil || id != 51 {
		t.Fatalf("id after import %d, %v; want 51", id, err)
	}
	// The same content cannot get a second row, an id cannot hold two schemas.
	if _, err := insert(StoredSchema{Hash: "h1", Type: compat.Avro, Text: `"int"`}); err == nil {
		t.Fatal("duplicate hash inserted")
	}
	if _, err := insert(StoredSchema{ID: 50, Hash: "other", Type: compat.Avro, Text: `"bytes"`}); err == nil {
		t.Fatal("duplicate id inserted")
	}
	// Even if rows vanish (by hand), the sequence never hands an id out twice.
	if _, err := st.writer.Exec(`DELETE FROM schemas WHERE id >= 50`); err != nil {
		t.Fatal(err)
	}
	if id, err := insert(StoredSchema{Hash: "h3", Type: compat.Avro, Text: `"float"`}); err != nil || id != 52 {
		t.Fatalf("id after deletion %d, %v; want 52", id, err)
	}
	// And across a reopen.
	st.Close()
	st2, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	var id int64
	if err := st2.Update(ctx, func(tx Tx) (err error) {
		id, err = tx.InsertSchema(StoredSchema{Hash: "h4", Type: compat.Avro, Text: `"double"`})
		return err
	}); err != nil || id != 53 {
		t.Fatalf("id after reopen %d, %v; want 53", id, err)
	}
}

func TestSQLiteRollbackAndConstraints(t *testing.T) {
	st, _ := openTestStore(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := st.Update(ctx, func(tx Tx) error {
		id, err := tx.InsertSchema(StoredSchema{Hash: "h", Type: compat.Avro, Text: `"int"`})
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
	st.View(ctx, func(tx Tx) error {
		if _, err := tx.SchemaByHash("h"); !errors.Is(err, ErrNotFound) {
			t.Errorf("rolled-back schema is visible: %v", err)
		}
		if rows, _ := tx.Versions("s"); len(rows) != 0 {
			t.Errorf("rolled-back version is visible: %v", rows)
		}
		return nil
	})
	// One live version per schema and subject; a soft-deleted one does not count.
	err = st.Update(ctx, func(tx Tx) error {
		id, err := tx.InsertSchema(StoredSchema{Hash: "h", Type: compat.Avro, Text: `"int"`})
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
	if err := st.Update(ctx, func(tx Tx) error {
		id, err := tx.InsertSchema(StoredSchema{Hash: "h", Type: compat.Avro, Text: `"int"`})
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
	if err := st.Update(ctx, func(tx Tx) error { return tx.SoftDeleteVersion("s", 9) }); !errors.Is(err, ErrNotFound) {
		t.Errorf("soft delete of a missing version: %v", err)
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	st, path := openTestStore(t)
	if _, err := st.writer.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := OpenSQLite(path); err == nil {
		t.Fatal("opened a database from a newer evctl")
	}
}

// Two servers (two stores, as two processes would have) on one database
// file never hand out one id twice: the database serializes the writers.
func TestSQLiteTwoServersOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var bases []string
	for range 2 {
		st, err := OpenSQLite(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		bases = append(bases, newHTTPTest(t, NewServer(st, ServerOptions{})).URL)
	}
	const n = 20
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], _, errs[i] = postRegister(http.DefaultClient, bases[i%2], fmt.Sprintf("s-%d", i), fieldSchema(i))
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[ids[i]] {
			t.Fatalf("id %d handed out twice", ids[i])
		}
		seen[ids[i]] = true
		// Either server resolves the id to its own schema.
		for _, base := range bases {
			if got := getJSON(t, http.DefaultClient, fmt.Sprintf("%s/schemas/ids/%d", base, ids[i])); got["schema"] != fieldSchema(i) {
				t.Fatalf("id %d on %s: %v", ids[i], base, got)
			}
		}
	}
}
