package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
)

// A writer process holds the lock: a writer in another process (this test)
// cannot open the file while it runs, and can once it was killed with -9.
func TestSQLiteWriterLockAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	db := filepath.Join(t.TempDir(), "registry.db")
	p := startServerProcess(t, db)
	if _, err := sqlite.Open(db); !errors.Is(err, sqlite.ErrLocked) {
		t.Fatalf("open while another process writes: %v, want sqlite.ErrLocked", err)
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.done
	st, err := sqlite.Open(db)
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
	w, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	writer := &testServer{Server: newHTTPTest(t, NewServer(w, ServerOptions{})), store: w, path: path}
	ro, err := sqlite.OpenWith(path, sqlite.Options{ReadOnly: true, PollInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	reader := &testServer{Server: newHTTPTest(t, NewServer(ro, ServerOptions{})), path: path}

	id := writer.register(t, "orders-value", reg(orderV1))
	wantOK(t, reader.do(t, "GET", fmt.Sprintf("/schemas/ids/%d", id), nil), fmt.Sprintf(`{"schema":%q}`, orderV1))
	wantOK(t, reader.do(t, "GET", "/subjects", nil), `["orders-value"]`)
	wantErr(t, reader.do(t, "POST", "/subjects/x/versions", reg(orderV2)), 422, api.CodeOperationNotPermitted)
	wantErr(t, reader.do(t, "PUT", "/config", `{"compatibility":"NONE"}`), 422, api.CodeOperationNotPermitted)
	if err := ro.Update(context.Background(), func(store.Tx) error { return nil }); !errors.Is(err, store.ErrReadOnly) {
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
			wantErr(t, r, 404, api.CodeSchemaNotFound)
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
	if _, err := sqlite.OpenWith(filepath.Join(dir, "missing.db"), sqlite.Options{ReadOnly: true}); err == nil {
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
	st, err := sqlite.Open(db)
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
	if _, err := sqlite.Open(db); err == nil {
		t.Fatal("a writer opened a store on a read-only file system")
	} else {
		t.Logf("writer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveForTest(ctx, db, true, func(a net.Addr) { addr <- a.String() })
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
	wantErr(t, ts.do(t, "POST", "/subjects/orders-value/versions", reg(orderV2)), 422, api.CodeOperationNotPermitted)
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
	for _, stmt := range append(append([]string{}, schemaV1...), `PRAGMA user_version = 1`) {
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
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ts := &testServer{Server: newHTTPTest(t, NewServer(st, ServerOptions{})), store: st, path: path}
	// Re-registering finds the old row by its unchanged hash.
	wantOK(t, ts.do(t, "POST", "/subjects/orders-value/versions", reg(orderV1)), `{"id":7,"version":1}`)
	wantOK(t, ts.do(t, "GET", "/config", nil), `{"compatibilityLevel":"FULL"}`)
}

// schemaV1 is the SQLite schema of version 1, as evctl releases before data
// contracts created it (a released migration step never changes).
var schemaV1 = []string{
	`CREATE TABLE schemas (id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, schema_type TEXT NOT NULL,
		schema TEXT NOT NULL, refs TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL)`,
	`CREATE TABLE schema_refs (schema_id INTEGER NOT NULL REFERENCES schemas(id), ord INTEGER NOT NULL,
		name TEXT NOT NULL, subject TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (schema_id, ord))`,
	`CREATE INDEX schema_refs_target ON schema_refs(subject, version)`,
	`CREATE TABLE versions (subject TEXT NOT NULL, version INTEGER NOT NULL CHECK (version > 0),
		schema_id INTEGER NOT NULL REFERENCES schemas(id), deleted INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL, PRIMARY KEY (subject, version))`,
	`CREATE UNIQUE INDEX versions_live_schema ON versions(subject, schema_id) WHERE deleted = 0`,
	`CREATE INDEX versions_schema ON versions(schema_id)`,
	`CREATE TABLE config (subject TEXT PRIMARY KEY, compatibility TEXT NOT NULL)`,
	`CREATE TABLE modes (subject TEXT PRIMARY KEY, mode TEXT NOT NULL)`,
	`CREATE TABLE id_seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
}

func ptr[T any](v T) *T { return &v }
