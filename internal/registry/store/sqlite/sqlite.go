// Package sqlite owns the embedded registry store: one SQLite file, its
// migrations, the writer's file lock and the read-only mode that shares the
// file with a writer.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/evctl/evctl/internal/registry/store"
)

// Store is the embedded, crash-safe store.Store: one SQLite file in WAL mode
// with synchronous=FULL, so a committed registration survives kill -9 and
// power loss. Writes go through one connection and one writer goroutine
// that group-commits concurrent updates (see Update); every statement stays
// prepared on its connection (openCached).
//
// One process writes a file: the writer holds an exclusive flock on the
// data file for its whole life, and a second writer fails to open. Any
// number of read-only stores (OpenWith with ReadOnly) may share the
// file with it; they watch PRAGMA data_version and bump Generation when
// another process commits, so that servers drop what they cached.
type Store struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// writes group-commits the updates (nil on a read-only store).
	writes *store.Writes
	// commits counts the write transactions committed (tests).
	commits  atomic.Int64
	lock     *os.File // the flocked data file (writer only)
	readOnly bool
	gen      atomic.Uint64
	stop     context.CancelFunc
	polling  sync.WaitGroup
}

// Options configure OpenWith.
type Options struct {
	// ReadOnly opens an existing database without writing to it: no lock,
	// no migration, Update fails. It works on a read-only file or file
	// system.
	ReadOnly bool
	// PollInterval is how often a read-only store checks for commits of
	// other processes; default 100ms.
	PollInterval time.Duration
}

// ErrLocked is returned when another process writes the data file.
var ErrLocked = errors.New("the data file is locked by another writer")

// Open opens (creating if needed) the SQLite store at path for writing.
func Open(path string) (*Store, error) {
	return OpenWith(path, Options{})
}

const sqliteCommon = "_busy_timeout=10000&_foreign_keys=1"

// OpenWith opens the SQLite store at path.
func OpenWith(path string, o Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("open registry store: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open registry store: %w", err)
	}
	if o.ReadOnly {
		return openReadOnly(path, abs, o)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("open registry store: %w", err)
		}
	}
	lock, err := lockDataFile(abs)
	if err != nil {
		return nil, fmt.Errorf("open registry store %s: %w", path, err)
	}
	base := "file:" + (&url.URL{Path: abs}).EscapedPath()
	common := sqliteCommon + "&_journal_mode=WAL&_synchronous=FULL"
	writer, err := openCached(base + "?" + common + "&_txlock=immediate")
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open registry store %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	s := &Store{path: path, writer: writer, lock: lock}
	if err := s.migrate(); err != nil {
		writer.Close()
		lock.Close()
		return nil, fmt.Errorf("open registry store %s: %w", path, err)
	}
	reader, err := openCached(base + "?" + common + "&_query_only=1")
	if err != nil {
		writer.Close()
		lock.Close()
		return nil, fmt.Errorf("open registry store %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	s.reader = reader
	s.writes = store.StartWrites(s.runBatch)
	return s, nil
}

// lockDataFile opens (creating) the data file and takes an exclusive,
// non-blocking flock on it. The kernel drops the lock when the process
// dies, kill -9 included.
func lockDataFile(abs string) (*os.File, error) {
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: another evctl registry serve writes it; stop that one, or start this one with --read-only to share the file", ErrLocked)
		}
		return nil, fmt.Errorf("lock the data file: %w", err)
	}
	return f, nil
}

func openReadOnly(path, abs string, o Options) (*Store, error) {
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open registry store %s read-only: %w (a read-only server does not create the file)", path, err)
	}
	base := "file:" + (&url.URL{Path: abs}).EscapedPath()
	s := &Store{path: path, readOnly: true}
	open := func(params string) error {
		reader, err := openCached(base + "?" + sqliteCommon + "&_query_only=1&" + params)
		if err != nil {
			return err
		}
		reader.SetMaxOpenConns(8)
		reader.SetMaxIdleConns(8)
		var v int
		if err := reader.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
			reader.Close()
			return err
		}
		if v != sqliteSchemaVersion {
			reader.Close()
			return fmt.Errorf("database schema version %d, this evctl needs %d: start a writer (without --read-only) once to migrate it", v, sqliteSchemaVersion)
		}
		s.reader = reader
		return nil
	}
	err := open("mode=ro")
	immutable := false
	if err != nil && onReadOnlyFS(abs) {
		// SQLite cannot share a WAL database without writing its -shm
		// file; on a read-only file system nobody can change the file, so
		// it is read as immutable.
		err = open("mode=ro&immutable=1")
		immutable = true
	}
	if err != nil {
		return nil, fmt.Errorf("open registry store %s read-only: %w", path, err)
	}
	if !immutable {
		if err := s.startPolling(o.PollInterval); err != nil {
			s.reader.Close()
			return nil, fmt.Errorf("open registry store %s read-only: %w", path, err)
		}
	}
	return s, nil
}

// onReadOnlyFS reports whether the file's directory is on a read-only file system.
func onReadOnlyFS(abs string) bool {
	return errors.Is(syscall.Access(filepath.Dir(abs), 2 /* W_OK */), syscall.EROFS)
}

// startPolling watches PRAGMA data_version on a dedicated connection: it
// changes when another connection commits.
func (s *Store) startPolling(every time.Duration) error {
	if every <= 0 {
		every = 100 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := s.reader.Conn(ctx)
	if err != nil {
		cancel()
		return err
	}
	var last int64
	if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&last); err != nil {
		cancel()
		conn.Close()
		return err
	}
	s.stop = cancel
	s.polling.Add(1)
	go func() {
		defer s.polling.Done()
		defer conn.Close()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var v int64
			if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
				// Unknown: assume a change, so nothing stale is served.
				s.gen.Add(1)
				continue
			}
			if v != last {
				last = v
				s.gen.Add(1)
			}
		}
	}()
	return nil
}

// Generation changes whenever another process may have committed a change
// (read-only stores); a writer store is the only writer, so it stays 0.
func (s *Store) Generation() store.Generations {
	g := s.gen.Load()
	return store.Generations{HardDeletes: g, Writes: g}
}

// ReadOnly reports whether the store was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// sqliteMigrations are the versioned steps of the database schema; step i
// takes a database from user_version i to i+1. A step never changes once
// released: a new column is a new step.
var sqliteMigrations = [][]string{sqliteV1, sqliteV2, sqliteV3, sqliteV4}

var sqliteSchemaVersion = len(sqliteMigrations)

var sqliteV2 = []string{
	// Data contracts: canonical JSON, '' for none.
	`ALTER TABLE schemas ADD COLUMN metadata TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE schemas ADD COLUMN rule_set TEXT NOT NULL DEFAULT ''`,
	// defaultMetadata, overrideMetadata, defaultRuleSet, overrideRuleSet.
	`ALTER TABLE config ADD COLUMN contract TEXT NOT NULL DEFAULT ''`,
}

var sqliteV3 = []string{
	// Schema GUIDs; existing schemas get a random version-4 UUID.
	`ALTER TABLE schemas ADD COLUMN guid TEXT NOT NULL DEFAULT ''`,
	`UPDATE schemas SET guid = lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
		substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
		substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))) WHERE guid = ''`,
	`CREATE UNIQUE INDEX schemas_guid ON schemas(guid)`,
}

// sqliteV4 gives each context its own schema ids: schemas are keyed by
// (context, id) and (context, hash). SQLite cannot change a primary key in
// place, so the three tables are rebuilt; existing rows are in the default
// context ".".
var sqliteV4 = []string{
	`CREATE TABLE schemas_v4 (
		context     TEXT    NOT NULL DEFAULT '.',
		id          INTEGER NOT NULL,
		guid        TEXT    NOT NULL,
		hash        TEXT    NOT NULL,
		schema_type TEXT    NOT NULL,
		schema      TEXT    NOT NULL,
		refs        TEXT    NOT NULL DEFAULT '[]',
		metadata    TEXT    NOT NULL DEFAULT '',
		rule_set    TEXT    NOT NULL DEFAULT '',
		created_at  INTEGER NOT NULL,
		PRIMARY KEY (context, id),
		UNIQUE (context, hash)
	)`,
	`INSERT INTO schemas_v4 (context, id, guid, hash, schema_type, schema, refs, metadata, rule_set, created_at)
		SELECT '.', id, guid, hash, schema_type, schema, refs, metadata, rule_set, created_at FROM schemas`,
	`CREATE TABLE schema_refs_v4 (
		context   TEXT    NOT NULL DEFAULT '.',
		schema_id INTEGER NOT NULL,
		ord       INTEGER NOT NULL,
		name      TEXT    NOT NULL,
		subject   TEXT    NOT NULL,
		version   INTEGER NOT NULL,
		PRIMARY KEY (context, schema_id, ord),
		FOREIGN KEY (context, schema_id) REFERENCES schemas_v4(context, id)
	)`,
	`INSERT INTO schema_refs_v4 (context, schema_id, ord, name, subject, version)
		SELECT '.', schema_id, ord, name, subject, version FROM schema_refs`,
	`CREATE TABLE versions_v4 (
		subject    TEXT    NOT NULL,
		context    TEXT    NOT NULL DEFAULT '.',
		version    INTEGER NOT NULL CHECK (version > 0),
		schema_id  INTEGER NOT NULL,
		deleted    INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (subject, version),
		FOREIGN KEY (context, schema_id) REFERENCES schemas_v4(context, id)
	)`,
	`INSERT INTO versions_v4 (subject, context, version, schema_id, deleted, created_at)
		SELECT subject, '.', version, schema_id, deleted, created_at FROM versions`,
	`DROP TABLE versions`,
	`DROP TABLE schema_refs`,
	`DROP TABLE schemas`,
	`ALTER TABLE schemas_v4 RENAME TO schemas`,
	`ALTER TABLE schema_refs_v4 RENAME TO schema_refs`,
	`ALTER TABLE versions_v4 RENAME TO versions`,
	// The same schema has one GUID in every context.
	`CREATE UNIQUE INDEX schemas_guid ON schemas(guid, context)`,
	`CREATE INDEX schemas_hash ON schemas(hash)`,
	`CREATE INDEX schema_refs_target ON schema_refs(subject, version)`,
	`CREATE UNIQUE INDEX versions_live_schema ON versions(subject, schema_id) WHERE deleted = 0`,
	`CREATE INDEX versions_schema ON versions(context, schema_id)`,
	// The contexts that ever held a version, until DELETE /contexts/{ctx}.
	`CREATE TABLE contexts (name TEXT PRIMARY KEY)`,
}

var sqliteV1 = []string{
	`CREATE TABLE IF NOT EXISTS schemas (
		id          INTEGER PRIMARY KEY,
		hash        TEXT    NOT NULL UNIQUE,
		schema_type TEXT    NOT NULL,
		schema      TEXT    NOT NULL,
		refs        TEXT    NOT NULL DEFAULT '[]',
		created_at  INTEGER NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS schema_refs (
		schema_id INTEGER NOT NULL REFERENCES schemas(id),
		ord       INTEGER NOT NULL,
		name      TEXT    NOT NULL,
		subject   TEXT    NOT NULL,
		version   INTEGER NOT NULL,
		PRIMARY KEY (schema_id, ord)
	)`,
	`CREATE INDEX IF NOT EXISTS schema_refs_target ON schema_refs(subject, version)`,
	`CREATE TABLE IF NOT EXISTS versions (
		subject    TEXT    NOT NULL,
		version    INTEGER NOT NULL CHECK (version > 0),
		schema_id  INTEGER NOT NULL REFERENCES schemas(id),
		deleted    INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL,
		PRIMARY KEY (subject, version)
	)`,
	// One live version per (subject, schema): a concurrent re-registration can
	// never add a second version of the same schema.
	`CREATE UNIQUE INDEX IF NOT EXISTS versions_live_schema ON versions(subject, schema_id) WHERE deleted = 0`,
	`CREATE INDEX IF NOT EXISTS versions_schema ON versions(schema_id)`,
	`CREATE TABLE IF NOT EXISTS config (subject TEXT PRIMARY KEY, compatibility TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS modes (subject TEXT PRIMARY KEY, mode TEXT NOT NULL)`,
	// The high-water mark of ids: ids are never reused, even if rows were
	// ever removed by hand.
	`CREATE TABLE IF NOT EXISTS id_seq (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
}

func (s *Store) migrate() error { return migrate(s.writer, sqliteSchemaVersion) }

// MigrateTo brings the data file at path (created if missing) to schema
// version v and no further, as an evctl whose newest migration is v would
// at start-up (Open applies them all). Upgrade tests use it to leave a
// file as an older release did. It takes the writer's lock meanwhile.
func MigrateTo(path string, v int) error {
	if v < 1 || v > sqliteSchemaVersion {
		return fmt.Errorf("migrate registry store: no schema version %d (1 to %d)", v, sqliteSchemaVersion)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("migrate registry store: %w", err)
	}
	lock, err := lockDataFile(abs)
	if err != nil {
		return fmt.Errorf("migrate registry store %s: %w", path, err)
	}
	defer lock.Close()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?"+sqliteCommon+"&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("migrate registry store %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if err := migrate(db, v); err != nil {
		return fmt.Errorf("migrate registry store %s: %w", path, err)
	}
	return nil
}

// migrate applies the migrations the file lacks up to version to, in one
// transaction; a file newer than to is refused.
func migrate(db *sql.DB, to int) error {
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > to {
		return fmt.Errorf("database schema version %d is newer than this evctl (%d)", v, to)
	}
	for step := v; step < to; step++ {
		for _, stmt := range sqliteMigrations[step] {
			if _, err := tx.Exec(stmt); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", step+1, err)
			}
		}
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, to)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}

// Close runs the updates already queued, stops the writer, closes both
// connection pools, then releases the writer lock. Updates after Close fail.
func (s *Store) Close() error {
	if s.stop != nil {
		s.stop()
		s.polling.Wait()
	}
	if s.writes != nil {
		s.writes.Close()
	}
	var errs []error
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close())
	}
	return errors.Join(errs...)
}

// Update implements Store. Updates are group-committed: one writer
// goroutine runs the updates that queued while the previous commit was
// under way in one transaction, each fn inside a savepoint of its own (an
// error from fn rolls back its savepoint only), and commits them with one
// fsync. Every Update returns after that commit is durable
// (synchronous=FULL), or with the error that failed the transaction; the
// fns of a batch run one after the other and each sees the writes of those
// before it, as if each had its own transaction in that order.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if s.readOnly {
		return &store.Error{Op: "update", Err: store.ErrReadOnly}
	}
	return s.writes.Do(ctx, fn)
}

// runBatch commits batch, retrying the whole transaction while SQLite
// reports the database busy, and answers every update of it.
func (s *Store) runBatch(live []*store.Write) {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if len(live) == 1 {
			err = s.update(live[0].Ctx, live[0].Fn)
			live[0].Err = err
		} else {
			err = s.updateBatch(live)
		}
		if !isBusy(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
	}
	if err != nil {
		// Nothing of the batch was committed.
		for _, r := range live {
			r.Err = err
		}
	}
}

// update runs one fn in its own transaction.
func (s *Store) update(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return &store.Error{Op: "begin", Err: err}
	}
	defer tx.Rollback()
	if err := store.RunFn(fn, store.NewSQLTx(conn{tx}, dialect)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return &store.Error{Op: "commit", Err: err}
	}
	s.commits.Add(1)
	return nil
}

// updateBatch runs the fns of batch in one transaction, each in a
// savepoint, and commits. It sets each update's own error (its fn's) and
// returns an error that fails them all: the transaction's. A savepoint that
// cannot be released or rolled back to means SQLite rolled the whole
// transaction back (it does on some I/O and disk-full errors): that fails
// the batch before any later statement could run outside a transaction.
func (s *Store) updateBatch(batch []*store.Write) error {
	tx, err := s.writer.BeginTx(context.Background(), nil)
	if err != nil {
		return &store.Error{Op: "begin", Err: err}
	}
	defer tx.Rollback()
	for _, r := range batch {
		r.Err = nil
		if _, err := tx.Exec(`SAVEPOINT batch_update`); err != nil {
			return &store.Error{Op: "savepoint", Err: err}
		}
		if err := store.RunFn(r.Fn, store.NewSQLTx(conn{tx}, dialect)); err != nil {
			if isBusy(err) {
				return err
			}
			r.Err = err
			if _, err := tx.Exec(`ROLLBACK TO batch_update`); err != nil {
				return &store.Error{Op: "roll back to savepoint", Err: err}
			}
		}
		if _, err := tx.Exec(`RELEASE batch_update`); err != nil {
			return &store.Error{Op: "release savepoint", Err: err}
		}
	}
	if err := tx.Commit(); err != nil {
		return &store.Error{Op: "commit", Err: err}
	}
	s.commits.Add(1)
	return nil
}

// View implements Store.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return &store.Error{Op: "begin read", Err: err}
	}
	defer tx.Rollback()
	return fn(store.NewSQLTx(conn{tx}, dialect))
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// dialect is SQLite's: ? placeholders, sql.ErrNoRows.
var dialect = &store.Dialect{Wrap: store.WrapNoRows(sql.ErrNoRows, func(op string, err error) error {
	return &store.Error{Op: op, Err: err}
})}

// conn adapts a *sql.Tx to store.Conn.
type conn struct{ tx *sql.Tx }

func (c conn) Exec(query string, args ...any) (int64, error) {
	res, err := c.tx.Exec(query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (c conn) QueryRow(query string, args ...any) store.Row { return c.tx.QueryRow(query, args...) }

func (c conn) Query(query string, args ...any) (store.Rows, error) {
	rows, err := c.tx.Query(query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }
