package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

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
