package registry

import (
	"context"
	"database/sql"
	"encoding/json"
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

	"github.com/evctl/evctl/internal/compat"
)

// SQLiteStore is the embedded, crash-safe Store: one SQLite file in WAL mode
// with synchronous=FULL, so a committed registration survives kill -9 and
// power loss. Writes go through one connection and an in-process mutex.
//
// One process writes a file: the writer holds an exclusive flock on the
// data file for its whole life, and a second writer fails to open. Any
// number of read-only stores (OpenSQLiteWith with ReadOnly) may share the
// file with it; they watch PRAGMA data_version and bump Generation when
// another process commits, so that servers drop what they cached.
type SQLiteStore struct {
	path     string
	writer   *sql.DB
	reader   *sql.DB
	mu       sync.Mutex // serializes Update within the process
	lock     *os.File   // the flocked data file (writer only)
	readOnly bool
	gen      atomic.Uint64
	stop     context.CancelFunc
	polling  sync.WaitGroup
}

// SQLiteOptions configure OpenSQLiteWith.
type SQLiteOptions struct {
	// ReadOnly opens an existing database without writing to it: no lock,
	// no migration, Update fails. It works on a read-only file or file
	// system.
	ReadOnly bool
	// PollInterval is how often a read-only store checks for commits of
	// other processes; default 100ms.
	PollInterval time.Duration
}

// ErrStoreLocked is returned when another process writes the data file.
var ErrStoreLocked = errors.New("the data file is locked by another writer")

// ErrReadOnlyStore is returned by Update on a read-only store.
var ErrReadOnlyStore = errors.New("the store is read-only")

// OpenSQLite opens (creating if needed) the SQLite store at path for writing.
func OpenSQLite(path string) (*SQLiteStore, error) {
	return OpenSQLiteWith(path, SQLiteOptions{})
}

const sqliteCommon = "_busy_timeout=10000&_foreign_keys=1"

// OpenSQLiteWith opens the SQLite store at path.
func OpenSQLiteWith(path string, o SQLiteOptions) (*SQLiteStore, error) {
	if path == "" {
		return nil, errors.New("open registry store: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open registry store: %w", err)
	}
	if o.ReadOnly {
		return openSQLiteReadOnly(path, abs, o)
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
	writer, err := sql.Open("sqlite", base+"?"+common+"&_txlock=immediate")
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open registry store %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	s := &SQLiteStore{path: path, writer: writer, lock: lock}
	if err := s.migrate(); err != nil {
		writer.Close()
		lock.Close()
		return nil, fmt.Errorf("open registry store %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", base+"?"+common+"&_query_only=1")
	if err != nil {
		writer.Close()
		lock.Close()
		return nil, fmt.Errorf("open registry store %s: %w", path, err)
	}
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	s.reader = reader
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
			return nil, fmt.Errorf("%w: another evctl registry serve writes it; stop that one, or start this one with --read-only to share the file", ErrStoreLocked)
		}
		return nil, fmt.Errorf("lock the data file: %w", err)
	}
	return f, nil
}

func openSQLiteReadOnly(path, abs string, o SQLiteOptions) (*SQLiteStore, error) {
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("open registry store %s read-only: %w (a read-only server does not create the file)", path, err)
	}
	base := "file:" + (&url.URL{Path: abs}).EscapedPath()
	s := &SQLiteStore{path: path, readOnly: true}
	open := func(params string) error {
		reader, err := sql.Open("sqlite", base+"?"+sqliteCommon+"&_query_only=1&"+params)
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
func (s *SQLiteStore) startPolling(every time.Duration) error {
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
func (s *SQLiteStore) Generation() Generations {
	g := s.gen.Load()
	return Generations{HardDeletes: g, Writes: g}
}

// ReadOnly reports whether the store was opened read-only.
func (s *SQLiteStore) ReadOnly() bool { return s.readOnly }

// sqliteMigrations are the versioned steps of the database schema; step i
// takes a database from user_version i to i+1. A step never changes once
// released: a new column is a new step.
var sqliteMigrations = [][]string{sqliteV1, sqliteV2, sqliteV3}

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

func (s *SQLiteStore) migrate() error {
	ctx := context.Background()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > sqliteSchemaVersion {
		return fmt.Errorf("database schema version %d is newer than this evctl (%d)", v, sqliteSchemaVersion)
	}
	for step := v; step < sqliteSchemaVersion; step++ {
		for _, stmt := range sqliteMigrations[step] {
			if _, err := tx.Exec(stmt); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", step+1, err)
			}
		}
	}
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, sqliteSchemaVersion)); err != nil {
		return fmt.Errorf("set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}

// Close closes both connection pools, then releases the writer lock.
func (s *SQLiteStore) Close() error {
	if s.stop != nil {
		s.stop()
		s.polling.Wait()
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

// Update implements Store.
func (s *SQLiteStore) Update(ctx context.Context, fn func(Tx) error) error {
	if s.readOnly {
		return &storeError{op: "update", err: ErrReadOnlyStore}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.update(ctx, fn)
		if !isBusy(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store update: %w", ctx.Err())
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}

func (s *SQLiteStore) update(ctx context.Context, fn func(Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return &storeError{op: "begin", err: err}
	}
	defer tx.Rollback()
	if err := fn(&sqliteTx{tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return &storeError{op: "commit", err: err}
	}
	return nil
}

// View implements Store.
func (s *SQLiteStore) View(ctx context.Context, fn func(Tx) error) error {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return &storeError{op: "begin read", err: err}
	}
	defer tx.Rollback()
	return fn(&sqliteTx{tx: tx})
}

func isBusy(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
	}
	return false
}

// storeError marks a failure of the storage layer itself (a 500/50001).
type storeError struct {
	op  string
	err error
}

func (e *storeError) Error() string { return "store " + e.op + ": " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

type sqliteTx struct {
	tx *sql.Tx
}

func wrapStore(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return &storeError{op: op, err: err}
}

func (t *sqliteTx) scanSchema(op string, row *sql.Row) (StoredSchema, error) {
	var s StoredSchema
	var typ, refs, meta, rules string
	if err := row.Scan(&s.ID, &s.GUID, &s.Hash, &typ, &s.Text, &refs, &meta, &rules); err != nil {
		return StoredSchema{}, wrapStore(op, err)
	}
	s.Type = compat.Format(typ)
	if err := json.Unmarshal([]byte(refs), &s.References); err != nil {
		return StoredSchema{}, &storeError{op: op, err: fmt.Errorf("decode references of schema %d: %w", s.ID, err)}
	}
	var err error
	if s.Metadata, err = decodeMetadata(meta); err != nil {
		return StoredSchema{}, &storeError{op: op, err: fmt.Errorf("schema %d: %w", s.ID, err)}
	}
	if s.RuleSet, err = decodeRuleSet(rules); err != nil {
		return StoredSchema{}, &storeError{op: op, err: fmt.Errorf("schema %d: %w", s.ID, err)}
	}
	return s, nil
}

func (t *sqliteTx) SchemaByID(id int64) (StoredSchema, error) {
	return t.scanSchema("schema by id", t.tx.QueryRow(`SELECT id, guid, hash, schema_type, schema, refs, metadata, rule_set FROM schemas WHERE id = ?`, id))
}

func (t *sqliteTx) SchemaByGUID(guid string) (StoredSchema, error) {
	return t.scanSchema("schema by guid", t.tx.QueryRow(`SELECT id, guid, hash, schema_type, schema, refs, metadata, rule_set FROM schemas WHERE guid = ?`, guid))
}

func (t *sqliteTx) SchemaByHash(hash string) (StoredSchema, error) {
	return t.scanSchema("schema by hash", t.tx.QueryRow(`SELECT id, guid, hash, schema_type, schema, refs, metadata, rule_set FROM schemas WHERE hash = ?`, hash))
}

func (t *sqliteTx) MaxSchemaID() (int64, error) {
	var seq, maxID sql.NullInt64
	if err := t.tx.QueryRow(`SELECT (SELECT value FROM id_seq WHERE name = 'schema'), (SELECT max(id) FROM schemas)`).Scan(&seq, &maxID); err != nil {
		return 0, wrapStore("max schema id", err)
	}
	return max(seq.Int64, maxID.Int64), nil
}

func (t *sqliteTx) InsertSchema(s StoredSchema) (int64, error) {
	id := s.ID
	if id == 0 {
		m, err := t.MaxSchemaID()
		if err != nil {
			return 0, err
		}
		id = m + 1
	}
	refs := s.References
	if refs == nil {
		refs = []Reference{}
	}
	rj, err := json.Marshal(refs)
	if err != nil {
		return 0, fmt.Errorf("encode references: %w", err)
	}
	meta, err := contractJSON(s.Metadata)
	if err != nil {
		return 0, err
	}
	rules, err := contractJSON(s.RuleSet)
	if err != nil {
		return 0, err
	}
	guid := s.GUID
	if guid == "" {
		guid = newGUID()
	}
	if _, err := t.tx.Exec(`INSERT INTO schemas (id, guid, hash, schema_type, schema, refs, metadata, rule_set, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, guid, s.Hash, string(s.Type), s.Text, string(rj), meta, rules, time.Now().UnixMilli()); err != nil {
		return 0, wrapStore("insert schema", err)
	}
	for i, r := range refs {
		if _, err := t.tx.Exec(`INSERT INTO schema_refs (schema_id, ord, name, subject, version) VALUES (?, ?, ?, ?, ?)`,
			id, i, r.Name, r.Subject, r.Version); err != nil {
			return 0, wrapStore("insert schema reference", err)
		}
	}
	if _, err := t.tx.Exec(`INSERT INTO id_seq (name, value) VALUES ('schema', ?)
		ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value)`, id); err != nil {
		return 0, wrapStore("advance id sequence", err)
	}
	return id, nil
}

func (t *sqliteTx) queryVersions(op, query string, args ...any) ([]VersionRow, error) {
	rows, err := t.tx.Query(query, args...)
	if err != nil {
		return nil, wrapStore(op, err)
	}
	defer rows.Close()
	var out []VersionRow
	for rows.Next() {
		var v VersionRow
		var deleted int
		var created int64
		if err := rows.Scan(&v.Subject, &v.Version, &v.SchemaID, &deleted, &created); err != nil {
			return nil, wrapStore(op, err)
		}
		v.Deleted = deleted != 0
		v.Created = time.UnixMilli(created)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapStore(op, err)
	}
	return out, nil
}

func (t *sqliteTx) Versions(subject string) ([]VersionRow, error) {
	return t.queryVersions("list versions",
		`SELECT subject, version, schema_id, deleted, created_at FROM versions WHERE subject = ? ORDER BY version`, subject)
}

func (t *sqliteTx) oneVersion(op, query string, args ...any) (VersionRow, error) {
	var v VersionRow
	var deleted int
	var created int64
	if err := t.tx.QueryRow(query, args...).Scan(&v.Subject, &v.Version, &v.SchemaID, &deleted, &created); err != nil {
		return VersionRow{}, wrapStore(op, err)
	}
	v.Deleted = deleted != 0
	v.Created = time.UnixMilli(created)
	return v, nil
}

func (t *sqliteTx) Version(subject string, version int) (VersionRow, error) {
	return t.oneVersion("read version",
		`SELECT subject, version, schema_id, deleted, created_at FROM versions WHERE subject = ? AND version = ?`, subject, version)
}

func (t *sqliteTx) LatestVersion(subject string, deleted bool) (VersionRow, error) {
	if deleted {
		return t.oneVersion("latest version",
			`SELECT subject, version, schema_id, deleted, created_at FROM versions WHERE subject = ? ORDER BY version DESC LIMIT 1`, subject)
	}
	return t.oneVersion("latest version",
		`SELECT subject, version, schema_id, deleted, created_at FROM versions WHERE subject = ? AND deleted = 0 ORDER BY version DESC LIMIT 1`, subject)
}

func (t *sqliteTx) MaxVersion(subject string) (int, error) {
	var v sql.NullInt64
	if err := t.tx.QueryRow(`SELECT max(version) FROM versions WHERE subject = ?`, subject).Scan(&v); err != nil {
		return 0, wrapStore("max version", err)
	}
	return int(v.Int64), nil
}

func (t *sqliteTx) LiveVersionOf(subject string, id int64) (VersionRow, error) {
	return t.oneVersion("live version of schema",
		`SELECT subject, version, schema_id, deleted, created_at FROM versions WHERE subject = ? AND schema_id = ? AND deleted = 0`, subject, id)
}

func (t *sqliteTx) VersionsBySchema(id int64) ([]VersionRow, error) {
	return t.queryVersions("versions by schema",
		`SELECT subject, version, schema_id, deleted, created_at FROM versions WHERE schema_id = ? ORDER BY subject, version`, id)
}

func (t *sqliteTx) Subjects() ([]SubjectRow, error) {
	rows, err := t.tx.Query(`SELECT subject, sum(deleted = 0), count(*) FROM versions GROUP BY subject ORDER BY subject`)
	if err != nil {
		return nil, wrapStore("list subjects", err)
	}
	defer rows.Close()
	var out []SubjectRow
	for rows.Next() {
		var r SubjectRow
		if err := rows.Scan(&r.Subject, &r.Live, &r.Total); err != nil {
			return nil, wrapStore("list subjects", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapStore("list subjects", err)
	}
	return out, nil
}

func (t *sqliteTx) InsertVersion(subject string, version int, id int64) error {
	_, err := t.tx.Exec(`INSERT INTO versions (subject, version, schema_id, deleted, created_at) VALUES (?, ?, ?, 0, ?)`,
		subject, version, id, time.Now().UnixMilli())
	return wrapStore("insert version", err)
}

func (t *sqliteTx) execOne(op, query string, args ...any) error {
	res, err := t.tx.Exec(query, args...)
	if err != nil {
		return wrapStore(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrapStore(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return nil
}

func (t *sqliteTx) SoftDeleteVersion(subject string, version int) error {
	return t.execOne("soft-delete version", `UPDATE versions SET deleted = 1 WHERE subject = ? AND version = ?`, subject, version)
}

func (t *sqliteTx) HardDeleteVersion(subject string, version int) error {
	return t.execOne("delete version", `DELETE FROM versions WHERE subject = ? AND version = ?`, subject, version)
}

func (t *sqliteTx) ReferencedBy(subject string, version int) ([]int64, error) {
	rows, err := t.tx.Query(`SELECT DISTINCT schema_id FROM schema_refs WHERE subject = ? AND version = ? ORDER BY schema_id`, subject, version)
	if err != nil {
		return nil, wrapStore("referenced by", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrapStore("referenced by", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, wrapStore("referenced by", err)
	}
	return out, nil
}

func (t *sqliteTx) Config(subject string) (SubjectConfig, error) {
	var l, contract string
	if err := t.tx.QueryRow(`SELECT compatibility, contract FROM config WHERE subject = ?`, subject).Scan(&l, &contract); err != nil {
		return SubjectConfig{}, wrapStore("read config", err)
	}
	c, err := decodeConfigContract(contract)
	if err != nil {
		return SubjectConfig{}, &storeError{op: "read config", err: err}
	}
	c.Compatibility = compat.Level(l)
	return c, nil
}

func (t *sqliteTx) SetConfig(subject string, c SubjectConfig) error {
	contract, err := encodeConfigContract(c)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(`INSERT INTO config (subject, compatibility, contract) VALUES (?, ?, ?)
		ON CONFLICT(subject) DO UPDATE SET compatibility = excluded.compatibility, contract = excluded.contract`, subject, string(c.Compatibility), contract)
	return wrapStore("set config", err)
}

func (t *sqliteTx) DeleteConfig(subject string) error {
	return t.execOne("delete config", `DELETE FROM config WHERE subject = ?`, subject)
}

func (t *sqliteTx) Mode(subject string) (string, error) {
	var m string
	if err := t.tx.QueryRow(`SELECT mode FROM modes WHERE subject = ?`, subject).Scan(&m); err != nil {
		return "", wrapStore("read mode", err)
	}
	return m, nil
}

func (t *sqliteTx) SetMode(subject, mode string) error {
	_, err := t.tx.Exec(`INSERT INTO modes (subject, mode) VALUES (?, ?)
		ON CONFLICT(subject) DO UPDATE SET mode = excluded.mode`, subject, mode)
	return wrapStore("set mode", err)
}

func (t *sqliteTx) DeleteMode(subject string) error {
	return t.execOne("delete mode", `DELETE FROM modes WHERE subject = ?`, subject)
}
