package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// A second writer on one data file fails to open with a clear error; the
// first one's close (or death) frees the file.
func TestSQLiteSecondWriterRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	st, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = OpenSQLite(path)
	if !errors.Is(err, ErrStoreLocked) || !strings.Contains(err.Error(), "--read-only") {
		t.Fatalf("second writer: %v, want ErrStoreLocked naming --read-only", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := OpenSQLite(path)
	if err != nil {
		t.Fatalf("writer after the first closed: %v", err)
	}
	st2.Close()
}

// A writer process holds the lock: a writer in another process (this test)
// cannot open the file while it runs, and can once it was killed with -9.
func TestSQLiteWriterLockAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	db := filepath.Join(t.TempDir(), "registry.db")
	p := startServerProcess(t, db)
	if _, err := OpenSQLite(db); !errors.Is(err, ErrStoreLocked) {
		t.Fatalf("open while another process writes: %v, want ErrStoreLocked", err)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	st, err := OpenSQLite(db)
	if err != nil {
		t.Fatalf("open after kill -9 of the writer: %v", err)
	}
	st.Close()
}

// A read-only server shares the file with the writer: it serves what the
// writer committed, refuses writes with 42205, and stops serving an id the
// writer hard-deleted, although it had cached it.
func TestSQLiteReadOnlySharesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	w, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	writer := &testServer{Server: newHTTPTest(t, NewServer(w, ServerOptions{})), store: w, path: path}
	ro, err := OpenSQLiteWith(path, SQLiteOptions{ReadOnly: true, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	reader := &testServer{Server: newHTTPTest(t, NewServer(ro, ServerOptions{})), path: path}

	id := writer.register(t, "orders-value", reg(orderV1))
	wantOK(t, reader.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	wantOK(t, reader.do(t, "GET", "/subjects", nil), `["orders-value"]`)
	wantErr(t, reader.do(t, "POST", "/subjects/x/versions", reg(orderV2)), 422, codeOperationNotPermitted)
	wantErr(t, reader.do(t, "PUT", "/config", `{"compatibility":"NONE"}`), 422, codeOperationNotPermitted)
	if err := ro.Update(context.Background(), func(Tx) error { return nil }); !errors.Is(err, ErrReadOnlyStore) {
		t.Fatalf("Update on a read-only store: %v", err)
	}

	if r := writer.do(t, "DELETE", "/subjects/orders-value", nil); r.status != 200 {
		t.Fatalf("soft delete: %d %s", r.status, r.body)
	}
	if r := writer.do(t, "DELETE", "/subjects/orders-value?permanent=true", nil); r.status != 200 {
		t.Fatalf("hard delete: %d %s", r.status, r.body)
	}
	// Lists are read from the file: at once.
	wantOK(t, reader.do(t, "GET", "/subjects?deleted=true", nil), `[]`)
	// The cached id goes once the reader sees the data_version move.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := reader.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil)
		if r.status == 404 {
			wantErr(t, r, 404, codeSchemaNotFound)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the read-only server still serves hard-deleted id %d: %d %s", id, r.status, r.body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSQLiteReadOnlyNeedsAnExistingMigratedFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenSQLiteWith(filepath.Join(dir, "missing.db"), SQLiteOptions{ReadOnly: true}); err == nil {
		t.Fatal("a read-only store created a missing file")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the missing file exists now: %v", err)
	}
}

const roHelperEnv = "EVCTL_TEST_READONLY_FS_DB"

// TestSQLiteReadOnlyFileSystem serves a data file from a read-only bind
// mount (a private mount namespace, so it needs root and unshare): the
// writer cannot start there, a --read-only server can.
func TestSQLiteReadOnlyFileSystem(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a read-only file system needs root (CI runs as root)")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip("needs unshare(1) from util-linux")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "registry.db")
	st, err := OpenSQLite(db)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{Server: newHTTPTest(t, NewServer(st, ServerOptions{})), store: st, path: db}
	ts.register(t, "orders-value", reg(orderV1))
	ts.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	script := `mount --bind -o ro "$1" "$1" && exec "$2" -test.run='^TestHelperReadOnlyFS$' -test.count=1 -test.v`
	cmd := exec.Command(unshare, "-m", "sh", "-c", script, "sh", dir, os.Args[0])
	cmd.Env = append(os.Environ(), roHelperEnv+"="+db)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || !strings.Contains(string(out), "READONLY-FS-OK") {
		t.Fatalf("read-only file system helper: %v\n%s", err, out)
	}
}

// TestHelperReadOnlyFS runs inside TestSQLiteReadOnlyFileSystem's mount namespace.
func TestHelperReadOnlyFS(t *testing.T) {
	db := os.Getenv(roHelperEnv)
	if db == "" {
		t.Skip("helper process of TestSQLiteReadOnlyFileSystem")
	}
	if f, err := os.OpenFile(filepath.Join(filepath.Dir(db), "probe"), os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		f.Close()
		t.Fatal("the file system is writable")
	}
	if _, err := OpenSQLite(db); err == nil {
		t.Fatal("a writer opened a store on a read-only file system")
	} else {
		t.Logf("writer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeOptions{Addr: "127.0.0.1:0", DataPath: db, ReadOnly: true, Log: io.Discard,
			Ready: func(a net.Addr) { addr <- a.String() }})
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("read-only server did not start: %v", err)
	}
	ts := &testServer{Server: &httptest.Server{URL: base, Config: &http.Server{}}}
	wantOK(t, ts.do(t, "GET", "/subjects/orders-value/versions/1", nil), fmt.Sprintf(`{"subject":"orders-value","version":1,"id":1,"schema":%q}`, orderV1))
	wantOK(t, ts.do(t, "GET", "/schemas/ids/1", nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	wantErr(t, ts.do(t, "POST", "/subjects/orders-value/versions", reg(orderV2)), 422, codeOperationNotPermitted)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fmt.Println("READONLY-FS-OK")
}

// A database of schema version 1 (before data contracts) is migrated at
// start-up and its schemas keep their ids and hashes.
func TestSQLiteMigratesVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range append(append([]string{}, sqliteV1...), `PRAGMA user_version = 1`) {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	p, err := (&server{opts: ServerOptions{MaxSchemaBytes: DefaultMaxSchemaBytes, MaxSchemaDepth: DefaultMaxSchemaDepth}}).prepareSchema(&schemaRequest{Schema: ptr(orderV1)})
	if err != nil {
		t.Fatal(err)
	}
	hash := identityHash(p.Type, p.Canonical, nil, "", "")
	if _, err := db.Exec(`INSERT INTO schemas (id, hash, schema_type, schema, refs, created_at) VALUES (7, ?, 'AVRO', ?, '[]', 0)`, hash, orderV1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO versions (subject, version, schema_id, deleted, created_at) VALUES ('orders-value', 1, 7, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO config (subject, compatibility) VALUES ('', 'FULL')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts := &testServer{Server: newHTTPTest(t, NewServer(st, ServerOptions{})), store: st, path: path}
	// Re-registering finds the old row by its unchanged hash.
	wantOK(t, ts.do(t, "POST", "/subjects/orders-value/versions", reg(orderV1)), `{"id":7,"version":1}`)
	wantOK(t, ts.do(t, "GET", "/config", nil), `{"compatibilityLevel":"FULL"}`)
	var v int
	if err := st.writer.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != sqliteSchemaVersion {
		t.Fatalf("user_version %d, %v", v, err)
	}
}

func ptr[T any](v T) *T { return &v }
