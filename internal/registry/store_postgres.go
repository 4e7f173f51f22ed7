package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/evctl/evctl/internal/compat"
)

// PostgresStore is the Store for more than one machine: any number of
// registry replicas share one PostgreSQL database.
//
//   - Writes are serialized across replicas by a transaction-scoped advisory
//     lock, so ids and versions are allocated exactly as on SQLite, and the
//     same unique constraints back them.
//   - Reads run in REPEATABLE READ, READ ONLY transactions, in parallel.
//   - Every write sends NOTIFY at commit (saying whether it hard-deleted);
//     every replica LISTENs and bumps Generation, so servers drop cached
//     answers. While the listening connection is down, Generation changes
//     on every call: nothing cached is served until it is back.
//   - A lost connection is ErrStoreUnavailable (503); the pool reconnects by
//     itself on the next request.
type PostgresStore struct {
	pool     *pgxpool.Pool
	gen      atomic.Uint64 // hard deletes
	writeGen atomic.Uint64 // every write
	listenOK atomic.Bool
	stop     context.CancelFunc
	wg       sync.WaitGroup
}

// ErrStoreUnavailable marks a store that cannot be reached right now; the
// server answers 503 and the client may retry.
var ErrStoreUnavailable = errors.New("the store is unavailable")

// pgLockKey is the advisory lock that serializes writers ("evctl" in ASCII).
const pgLockKey = 0x657663746c

const pgNotifyChannel = "evctl_registry"

// postgresMigrations are the versioned steps of the database schema; step
// i takes it from version i to i+1. A released step never changes.
var postgresMigrations = [][]string{{
	`CREATE TABLE schemas (
		id          BIGINT PRIMARY KEY,
		hash        TEXT   NOT NULL UNIQUE,
		schema_type TEXT   NOT NULL,
		schema      TEXT   NOT NULL,
		refs        TEXT   NOT NULL DEFAULT '[]',
		metadata    TEXT   NOT NULL DEFAULT '',
		rule_set    TEXT   NOT NULL DEFAULT '',
		created_at  BIGINT NOT NULL
	)`,
	`CREATE TABLE schema_refs (
		schema_id BIGINT  NOT NULL REFERENCES schemas(id),
		ord       INTEGER NOT NULL,
		name      TEXT    NOT NULL,
		subject   TEXT    COLLATE "C" NOT NULL,
		version   INTEGER NOT NULL,
		PRIMARY KEY (schema_id, ord)
	)`,
	`CREATE INDEX schema_refs_target ON schema_refs(subject, version)`,
	`CREATE TABLE versions (
		subject    TEXT    COLLATE "C" NOT NULL,
		version    INTEGER NOT NULL CHECK (version > 0),
		schema_id  BIGINT  NOT NULL REFERENCES schemas(id),
		deleted    BOOLEAN NOT NULL DEFAULT false,
		created_at BIGINT  NOT NULL,
		PRIMARY KEY (subject, version)
	)`,
	`CREATE UNIQUE INDEX versions_live_schema ON versions(subject, schema_id) WHERE NOT deleted`,
	`CREATE INDEX versions_schema ON versions(schema_id)`,
	`CREATE TABLE config (subject TEXT COLLATE "C" PRIMARY KEY, compatibility TEXT NOT NULL, contract TEXT NOT NULL DEFAULT '')`,
	`CREATE TABLE modes (subject TEXT COLLATE "C" PRIMARY KEY, mode TEXT NOT NULL)`,
	`CREATE TABLE id_seq (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
}, {
	// Schema GUIDs; existing schemas get a random UUID.
	`ALTER TABLE schemas ADD COLUMN guid TEXT NOT NULL DEFAULT ''`,
	`UPDATE schemas SET guid = gen_random_uuid()::text WHERE guid = ''`,
	`CREATE UNIQUE INDEX schemas_guid ON schemas(guid)`,
}}

// OpenPostgres connects to the database at url (postgres://…), applies
// the migrations it lacks and starts listening for other replicas' changes.
// Pool settings such as pool_max_conns go in the URL.
func OpenPostgres(ctx context.Context, url string) (*PostgresStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	s := &PostgresStore{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	ready := make(chan struct{})
	s.wg.Add(1)
	go s.listen(lctx, cfg.ConnConfig, ready)
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		// Not listening yet: Generation keeps changing until it is.
	}
	return s, nil
}

func (s *PostgresStore) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback(ctx)
	// Replicas starting together migrate one at a time.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgLockKey); err != nil {
		return fmt.Errorf("lock for migration: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS evctl_schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create version table: %w", err)
	}
	var v int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM evctl_schema_version`).Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(postgresMigrations) {
		return fmt.Errorf("database schema version %d is newer than this evctl (%d)", v, len(postgresMigrations))
	}
	for step := v; step < len(postgresMigrations); step++ {
		for _, stmt := range postgresMigrations[step] {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", step+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO evctl_schema_version (version) VALUES ($1)`, step+1); err != nil {
			return fmt.Errorf("record schema version: %w", err)
		}
	}
	return tx.Commit(ctx)
}

// listen keeps one connection LISTENing, reconnecting with backoff.
func (s *PostgresStore) listen(ctx context.Context, cc *pgx.ConnConfig, ready chan struct{}) {
	defer s.wg.Done()
	backoff := 50 * time.Millisecond
	signalled := false
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cc.Copy())
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+pgNotifyChannel)
		}
		if err == nil {
			// Anything may have happened while nobody listened.
			s.bump(true)
			s.listenOK.Store(true)
			if !signalled {
				close(ready)
				signalled = true
			}
			backoff = 50 * time.Millisecond
			for {
				var n *pgconn.Notification
				if n, err = conn.WaitForNotification(ctx); err != nil {
					break
				}
				s.bump(n.Payload == "hard-delete")
			}
		}
		s.listenOK.Store(false)
		s.bump(true)
		if conn != nil {
			cctx, cancel := context.WithTimeout(context.Background(), time.Second)
			conn.Close(cctx)
			cancel()
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (s *PostgresStore) bump(hardDelete bool) {
	if hardDelete {
		s.gen.Add(1)
	}
	s.writeGen.Add(1)
}

// Generation implements the server's cache invalidation: it changes after
// another replica's writes, and on every call while not listening.
func (s *PostgresStore) Generation() Generations {
	if !s.listenOK.Load() {
		s.bump(true)
	}
	return Generations{HardDeletes: s.gen.Load(), Writes: s.writeGen.Load()}
}

// Close stops listening and closes the pool.
func (s *PostgresStore) Close() error {
	s.stop()
	s.wg.Wait()
	s.pool.Close()
	return nil
}

// unavailable reports whether err means the database could not be reached
// or went away (as opposed to a failed statement).
func unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 08: connection exception; 57P01-57P03: shutdown, crash, starting.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}

// retryable reports whether a write transaction may simply run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

func pgStoreErr(op string, err error) error {
	if unavailable(err) {
		return &storeError{op: op, err: fmt.Errorf("%w: %w", ErrStoreUnavailable, err)}
	}
	return &storeError{op: op, err: err}
}

// Update implements Store. A transaction that failed before COMMIT was
// sent, on a dead connection or a serialization conflict, runs again; a
// failure of COMMIT itself is reported (ErrStoreUnavailable): its outcome is
// unknown, so it is never acknowledged.
func (s *PostgresStore) Update(ctx context.Context, fn func(Tx) error) error {
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		var committing bool
		committing, err = s.update(ctx, fn)
		if err == nil || committing {
			return err
		}
		var se *storeError
		if !errors.As(err, &se) || !(unavailable(se.err) || retryable(se.err)) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt+1) * 25 * time.Millisecond):
		}
	}
	return err
}

func (s *PostgresStore) update(ctx context.Context, fn func(Tx) error) (committing bool, err error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return false, pgStoreErr("begin", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgLockKey); err != nil {
		return false, pgStoreErr("lock", err)
	}
	t := &pgTx{ctx: ctx, tx: tx}
	if err := fn(t); err != nil {
		return false, err
	}
	payload := "write"
	if t.hardDeleted {
		payload = "hard-delete"
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, pgNotifyChannel, payload); err != nil {
		return false, pgStoreErr("notify", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return true, pgStoreErr("commit", err)
	}
	return false, nil
}

// View implements Store.
func (s *PostgresStore) View(ctx context.Context, fn func(Tx) error) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = s.view(ctx, fn)
		var se *storeError
		if err == nil || !errors.As(err, &se) || !unavailable(se.err) {
			return err
		}
	}
	return err
}

func (s *PostgresStore) view(ctx context.Context, fn func(Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return pgStoreErr("begin read", err)
	}
	defer tx.Rollback(context.Background())
	if err := fn(&pgTx{ctx: ctx, tx: tx}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return pgStoreErr("end read", err)
	}
	return nil
}

type pgTx struct {
	ctx         context.Context
	tx          pgx.Tx
	hardDeleted bool
}

func pgWrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return pgStoreErr(op, err)
}

const pgSchemaCols = `id, guid, hash, schema_type, schema, refs, metadata, rule_set`

func (t *pgTx) scanSchema(op string, row pgx.Row) (StoredSchema, error) {
	var s StoredSchema
	var typ, refs, meta, rules string
	if err := row.Scan(&s.ID, &s.GUID, &s.Hash, &typ, &s.Text, &refs, &meta, &rules); err != nil {
		return StoredSchema{}, pgWrap(op, err)
	}
	s.Type = compat.Format(typ)
	if err := json.Unmarshal([]byte(refs), &s.References); err != nil {
		return StoredSchema{}, &storeError{op: op, err: fmt.Errorf("decode references of schema %d: %w", s.ID, err)}
	}
	var err error
	if s.Metadata, err = decodeMetadata(meta); err != nil {
		return StoredSchema{}, &storeError{op: op, err: err}
	}
	if s.RuleSet, err = decodeRuleSet(rules); err != nil {
		return StoredSchema{}, &storeError{op: op, err: err}
	}
	return s, nil
}

func (t *pgTx) SchemaByID(id int64) (StoredSchema, error) {
	return t.scanSchema("schema by id", t.tx.QueryRow(t.ctx, `SELECT `+pgSchemaCols+` FROM schemas WHERE id = $1`, id))
}

func (t *pgTx) SchemaByGUID(guid string) (StoredSchema, error) {
	return t.scanSchema("schema by guid", t.tx.QueryRow(t.ctx, `SELECT `+pgSchemaCols+` FROM schemas WHERE guid = $1`, guid))
}

func (t *pgTx) SchemaByHash(hash string) (StoredSchema, error) {
	return t.scanSchema("schema by hash", t.tx.QueryRow(t.ctx, `SELECT `+pgSchemaCols+` FROM schemas WHERE hash = $1`, hash))
}

func (t *pgTx) MaxSchemaID() (int64, error) {
	var seq, maxID *int64
	if err := t.tx.QueryRow(t.ctx, `SELECT (SELECT value FROM id_seq WHERE name = 'schema'), (SELECT max(id) FROM schemas)`).Scan(&seq, &maxID); err != nil {
		return 0, pgWrap("max schema id", err)
	}
	var m int64
	if seq != nil {
		m = *seq
	}
	if maxID != nil {
		m = max(m, *maxID)
	}
	return m, nil
}

func (t *pgTx) InsertSchema(s StoredSchema) (int64, error) {
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
	if _, err := t.tx.Exec(t.ctx, `INSERT INTO schemas (id, guid, hash, schema_type, schema, refs, metadata, rule_set, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, guid, s.Hash, string(s.Type), s.Text, string(rj), meta, rules, time.Now().UnixMilli()); err != nil {
		return 0, pgWrap("insert schema", err)
	}
	for i, r := range refs {
		if _, err := t.tx.Exec(t.ctx, `INSERT INTO schema_refs (schema_id, ord, name, subject, version) VALUES ($1, $2, $3, $4, $5)`,
			id, i, r.Name, r.Subject, r.Version); err != nil {
			return 0, pgWrap("insert schema reference", err)
		}
	}
	if _, err := t.tx.Exec(t.ctx, `INSERT INTO id_seq (name, value) VALUES ('schema', $1)
		ON CONFLICT (name) DO UPDATE SET value = greatest(id_seq.value, excluded.value)`, id); err != nil {
		return 0, pgWrap("advance id sequence", err)
	}
	return id, nil
}

const pgVersionCols = `subject, version, schema_id, deleted, created_at`

func scanVersion(row pgx.Row) (VersionRow, error) {
	var v VersionRow
	var created int64
	if err := row.Scan(&v.Subject, &v.Version, &v.SchemaID, &v.Deleted, &created); err != nil {
		return VersionRow{}, err
	}
	v.Created = time.UnixMilli(created)
	return v, nil
}

func (t *pgTx) queryVersions(op, query string, args ...any) ([]VersionRow, error) {
	rows, err := t.tx.Query(t.ctx, query, args...)
	if err != nil {
		return nil, pgWrap(op, err)
	}
	defer rows.Close()
	var out []VersionRow
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, pgWrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, pgWrap(op, err)
	}
	return out, nil
}

func (t *pgTx) oneVersion(op, query string, args ...any) (VersionRow, error) {
	v, err := scanVersion(t.tx.QueryRow(t.ctx, query, args...))
	if err != nil {
		return VersionRow{}, pgWrap(op, err)
	}
	return v, nil
}

func (t *pgTx) Versions(subject string) ([]VersionRow, error) {
	return t.queryVersions("list versions", `SELECT `+pgVersionCols+` FROM versions WHERE subject = $1 ORDER BY version`, subject)
}

func (t *pgTx) Version(subject string, version int) (VersionRow, error) {
	return t.oneVersion("read version", `SELECT `+pgVersionCols+` FROM versions WHERE subject = $1 AND version = $2`, subject, version)
}

func (t *pgTx) LatestVersion(subject string, deleted bool) (VersionRow, error) {
	if deleted {
		return t.oneVersion("latest version", `SELECT `+pgVersionCols+` FROM versions WHERE subject = $1 ORDER BY version DESC LIMIT 1`, subject)
	}
	return t.oneVersion("latest version", `SELECT `+pgVersionCols+` FROM versions WHERE subject = $1 AND NOT deleted ORDER BY version DESC LIMIT 1`, subject)
}

func (t *pgTx) MaxVersion(subject string) (int, error) {
	var v *int
	if err := t.tx.QueryRow(t.ctx, `SELECT max(version) FROM versions WHERE subject = $1`, subject).Scan(&v); err != nil {
		return 0, pgWrap("max version", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

func (t *pgTx) LiveVersionOf(subject string, id int64) (VersionRow, error) {
	return t.oneVersion("live version of schema", `SELECT `+pgVersionCols+` FROM versions WHERE subject = $1 AND schema_id = $2 AND NOT deleted`, subject, id)
}

func (t *pgTx) VersionsBySchema(id int64) ([]VersionRow, error) {
	return t.queryVersions("versions by schema", `SELECT `+pgVersionCols+` FROM versions WHERE schema_id = $1 ORDER BY subject, version`, id)
}

func (t *pgTx) Subjects() ([]SubjectRow, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT subject, count(*) FILTER (WHERE NOT deleted), count(*) FROM versions GROUP BY subject ORDER BY subject`)
	if err != nil {
		return nil, pgWrap("list subjects", err)
	}
	defer rows.Close()
	var out []SubjectRow
	for rows.Next() {
		var r SubjectRow
		var live, total int64
		if err := rows.Scan(&r.Subject, &live, &total); err != nil {
			return nil, pgWrap("list subjects", err)
		}
		r.Live, r.Total = int(live), int(total)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, pgWrap("list subjects", err)
	}
	return out, nil
}

func (t *pgTx) InsertVersion(subject string, version int, id int64) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO versions (subject, version, schema_id, deleted, created_at) VALUES ($1, $2, $3, false, $4)`,
		subject, version, id, time.Now().UnixMilli())
	return pgWrap("insert version", err)
}

func (t *pgTx) execOne(op, query string, args ...any) error {
	tag, err := t.tx.Exec(t.ctx, query, args...)
	if err != nil {
		return pgWrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return nil
}

func (t *pgTx) SoftDeleteVersion(subject string, version int) error {
	return t.execOne("soft-delete version", `UPDATE versions SET deleted = true WHERE subject = $1 AND version = $2`, subject, version)
}

func (t *pgTx) HardDeleteVersion(subject string, version int) error {
	if err := t.execOne("delete version", `DELETE FROM versions WHERE subject = $1 AND version = $2`, subject, version); err != nil {
		return err
	}
	t.hardDeleted = true
	return nil
}

func (t *pgTx) ReferencedBy(subject string, version int) ([]int64, error) {
	rows, err := t.tx.Query(t.ctx, `SELECT DISTINCT schema_id FROM schema_refs WHERE subject = $1 AND version = $2 ORDER BY schema_id`, subject, version)
	if err != nil {
		return nil, pgWrap("referenced by", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, pgWrap("referenced by", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, pgWrap("referenced by", err)
	}
	return out, nil
}

func (t *pgTx) Config(subject string) (SubjectConfig, error) {
	var l, contract string
	if err := t.tx.QueryRow(t.ctx, `SELECT compatibility, contract FROM config WHERE subject = $1`, subject).Scan(&l, &contract); err != nil {
		return SubjectConfig{}, pgWrap("read config", err)
	}
	c, err := decodeConfigContract(contract)
	if err != nil {
		return SubjectConfig{}, &storeError{op: "read config", err: err}
	}
	c.Compatibility = compat.Level(l)
	return c, nil
}

func (t *pgTx) SetConfig(subject string, c SubjectConfig) error {
	contract, err := encodeConfigContract(c)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(t.ctx, `INSERT INTO config (subject, compatibility, contract) VALUES ($1, $2, $3)
		ON CONFLICT (subject) DO UPDATE SET compatibility = excluded.compatibility, contract = excluded.contract`, subject, string(c.Compatibility), contract)
	return pgWrap("set config", err)
}

func (t *pgTx) DeleteConfig(subject string) error {
	return t.execOne("delete config", `DELETE FROM config WHERE subject = $1`, subject)
}

func (t *pgTx) Mode(subject string) (string, error) {
	var m string
	if err := t.tx.QueryRow(t.ctx, `SELECT mode FROM modes WHERE subject = $1`, subject).Scan(&m); err != nil {
		return "", pgWrap("read mode", err)
	}
	return m, nil
}

func (t *pgTx) SetMode(subject, mode string) error {
	_, err := t.tx.Exec(t.ctx, `INSERT INTO modes (subject, mode) VALUES ($1, $2)
		ON CONFLICT (subject) DO UPDATE SET mode = excluded.mode`, subject, mode)
	return pgWrap("set mode", err)
}

func (t *pgTx) DeleteMode(subject string) error {
	return t.execOne("delete mode", `DELETE FROM modes WHERE subject = $1`, subject)
}
