// Package postgres owns the registry store for more than one machine: a
// PostgreSQL database shared by any number of replicas, its versioned
// migrations, the advisory lock that serializes writers and the
// LISTEN/NOTIFY channel that invalidates the replicas' caches.
package postgres

import (
	"context"
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

	"github.com/evctl/evctl/internal/registry/store"
)

// Store is the store.Store for more than one machine: any number of
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
//   - A lost connection is store.ErrUnavailable (503); the pool reconnects by
//     itself on the next request.
type Store struct {
	pool     *pgxpool.Pool
	gen      atomic.Uint64 // hard deletes
	writeGen atomic.Uint64 // every write
	listenOK atomic.Bool
	stop     context.CancelFunc
	wg       sync.WaitGroup

	// writes group-commits the updates; commits counts committed
	// transactions (tests).
	writes  *store.Writes
	commits atomic.Int64
}

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
}, {
	// Contexts: each has its own schema ids, so schemas are keyed by
	// (context, id) and (context, hash); existing rows are in ".".
	`ALTER TABLE schemas ADD COLUMN context TEXT COLLATE "C" NOT NULL DEFAULT '.'`,
	`ALTER TABLE schema_refs ADD COLUMN context TEXT COLLATE "C" NOT NULL DEFAULT '.'`,
	`ALTER TABLE versions ADD COLUMN context TEXT COLLATE "C" NOT NULL DEFAULT '.'`,
	`ALTER TABLE schema_refs DROP CONSTRAINT schema_refs_schema_id_fkey`,
	`ALTER TABLE versions DROP CONSTRAINT versions_schema_id_fkey`,
	`ALTER TABLE schema_refs DROP CONSTRAINT schema_refs_pkey`,
	`ALTER TABLE schemas DROP CONSTRAINT schemas_pkey`,
	`ALTER TABLE schemas DROP CONSTRAINT schemas_hash_key`,
	`ALTER TABLE schemas ADD PRIMARY KEY (context, id)`,
	`ALTER TABLE schemas ADD UNIQUE (context, hash)`,
	`ALTER TABLE schema_refs ADD PRIMARY KEY (context, schema_id, ord)`,
	`ALTER TABLE schema_refs ADD FOREIGN KEY (context, schema_id) REFERENCES schemas(context, id)`,
	`ALTER TABLE versions ADD FOREIGN KEY (context, schema_id) REFERENCES schemas(context, id)`,
	`DROP INDEX versions_schema`,
	`CREATE INDEX versions_schema ON versions(context, schema_id)`,
	`CREATE TABLE contexts (name TEXT COLLATE "C" PRIMARY KEY)`,
	// The same schema has one GUID in every context.
	`DROP INDEX schemas_guid`,
	`CREATE UNIQUE INDEX schemas_guid ON schemas(guid, context)`,
	`CREATE INDEX schemas_hash ON schemas(hash)`,
}, {
	// The (context, hash) key becomes (hash, context), so that the primary
	// key is the only index led by context. A lookup by (context, id) — the
	// foreign-key check of every version and reference insert — had two
	// keys led by context to choose from; the generic plan a connection
	// caches while the table is small could take (context, hash), filter
	// on id and read every schema of the context for each check: the
	// 10,000th registration of a subject cost 2.2 times the 10th. The
	// (hash, context) key also serves lookups by hash alone.
	`ALTER TABLE schemas DROP CONSTRAINT schemas_context_hash_key`,
	`ALTER TABLE schemas ADD CONSTRAINT schemas_hash_context_key UNIQUE (hash, context)`,
	`DROP INDEX schemas_hash`,
}}

// Open connects to the database at url (postgres://…), applies
// the migrations it lacks and starts listening for other replicas' changes.
// Pool settings such as pool_max_conns go in the URL.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	return openConfig(ctx, cfg)
}

// openConfig is Open with a parsed configuration (tests set a tracer).
func openConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	s := &Store{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	s.writes = store.StartWrites(s.runBatch)
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

func (s *Store) migrate(ctx context.Context) error {
	return migrate(ctx, s.pool, len(postgresMigrations))
}

// SchemaVersion is the database schema version this evctl migrates to.
func SchemaVersion() int { return len(postgresMigrations) }

// MigrateTo brings the database at url to schema version v and no further,
// as an evctl whose newest migration is v would at start-up (Open applies
// them all). Upgrade tests use it to leave a database as an older release
// did.
func MigrateTo(ctx context.Context, url string, v int) error {
	if v < 1 || v > len(postgresMigrations) {
		return fmt.Errorf("migrate postgres store: no schema version %d (1 to %d)", v, len(postgresMigrations))
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("migrate postgres store: %w", err)
	}
	defer pool.Close()
	if err := migrate(ctx, pool, v); err != nil {
		return fmt.Errorf("migrate postgres store: %w", err)
	}
	return nil
}

// migrate applies the migrations the database lacks up to version to, in
// one transaction: a step fails whole, and the database stays as it was.
// It holds the writers' advisory lock, so replicas starting together
// migrate one after the other (the later ones find nothing to do), and a
// migration waits for the writes of running replicas and holds back new
// ones until it commits. A database newer than to is refused.
func migrate(ctx context.Context, pool *pgxpool.Pool, to int) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin migration: %w", err)
	}
	defer tx.Rollback(ctx)
	// Taken before anything is read or created: READ COMMITTED gives each
	// later statement a snapshot that sees what the previous holder committed.
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
	if v > to {
		return fmt.Errorf("database schema version %d is newer than this evctl (%d): run the newer evctl, or restore a backup from before it migrated", v, to)
	}
	for step := v; step < to; step++ {
		for _, stmt := range postgresMigrations[step] {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", step+1, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO evctl_schema_version (version) VALUES ($1)`, step+1); err != nil {
			return fmt.Errorf("record schema version: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit migration: %w", err)
	}
	return nil
}

// listen keeps one connection LISTENing, reconnecting with backoff.
func (s *Store) listen(ctx context.Context, cc *pgx.ConnConfig, ready chan struct{}) {
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

func (s *Store) bump(hardDelete bool) {
	if hardDelete {
		s.gen.Add(1)
	}
	s.writeGen.Add(1)
}

// Generation implements the server's cache invalidation: it changes after
// another replica's writes, and on every call while not listening.
func (s *Store) Generation() store.Generations {
	if !s.listenOK.Load() {
		s.bump(true)
	}
	return store.Generations{HardDeletes: s.gen.Load(), Writes: s.writeGen.Load()}
}

// Close stops listening and closes the pool.
func (s *Store) Close() error {
	s.writes.Close()
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

func storeErr(op string, err error) error {
	if unavailable(err) {
		return &store.Error{Op: op, Err: fmt.Errorf("%w: %w", store.ErrUnavailable, err)}
	}
	return &store.Error{Op: op, Err: err}
}

// Update implements Store. Updates are group-committed: one writer
// goroutine per replica runs the updates that queued while the previous
// commit was under way in one transaction (under the writers' advisory
// lock), each fn inside a savepoint of its own (an error from fn rolls back
// its savepoint only), and commits them with one WAL flush; the fns of a
// batch run one after the other and each sees the writes of those before
// it, as if each had its own transaction in that order. Every Update
// returns after that commit, or with the error that failed the
// transaction. A transaction that failed before COMMIT was sent, on a dead
// connection or a serialization conflict, runs again; a failure of COMMIT
// itself is reported (store.ErrUnavailable): its outcome is unknown, so it
// is never acknowledged.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.writes.Do(ctx, fn)
}

// batchTimeout bounds one group commit's transaction: the requests' own
// contexts do not govern a transaction shared with others.
const batchTimeout = 30 * time.Second

// runBatch commits batch, running the whole transaction again after a lost
// connection or a serialization conflict before COMMIT, and answers every
// update of it. One update alone runs in its own transaction under its own
// context, as without grouping.
func (s *Store) runBatch(live []*store.Write) {
	ctx := live[0].Ctx
	if len(live) > 1 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), batchTimeout)
		defer cancel()
	}
	var err error
	for attempt := 0; attempt < 4; attempt++ {
		var committing bool
		if len(live) == 1 {
			committing, err = s.update(ctx, live[0].Fn)
			live[0].Err = err
		} else {
			committing, err = s.updateBatch(ctx, live)
		}
		if err == nil || committing || !retry(err) {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(attempt+1) * 25 * time.Millisecond):
			continue
		}
		break
	}
	if err != nil {
		// Nothing of the batch was committed (or its outcome is unknown).
		for _, r := range live {
			r.Err = err
		}
	}
}

// retry reports whether err failed a transaction before COMMIT in a way
// that running it again can mend.
func retry(err error) bool {
	var se *store.Error
	return errors.As(err, &se) && (unavailable(se.Err) || retryable(se.Err))
}

// updateBatch runs the fns of batch in one transaction, each in a
// savepoint, and commits. It sets each update's own error (its fn's) and
// returns an error that fails them all: the transaction's (committing says
// COMMIT itself failed). An fn that failed on a lost connection or a
// serialization conflict fails the batch, so that it runs again whole.
func (s *Store) updateBatch(ctx context.Context, batch []*store.Write) (committing bool, err error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return false, storeErr("begin", err)
	}
	defer tx.Rollback(context.Background())
	// The lock and the savepoints go with the next statement (conn).
	c := &conn{ctx: ctx, tx: tx}
	c.queue(lockStmt, "lock")
	cache := newTxCache()
	hardDeleted := false
	for _, r := range batch {
		r.Err = nil
		c.queue(`SAVEPOINT batch_update`, "savepoint")
		mark := len(c.pending)
		t := newTx(c, cache)
		err := store.RunFn(r.Fn, t)
		if c.failed != nil {
			return false, c.failed
		}
		// sent: the SAVEPOINT went to the database with a statement of fn;
		// otherwise fn sent nothing and there is nothing to undo.
		sent := len(c.pending) < mark
		if !sent {
			c.pending = c.pending[:mark-1]
		}
		if err != nil {
			if retry(err) {
				return false, err
			}
			r.Err = err
			cache.reset()
			if sent {
				c.rollback()
			}
			continue
		}
		if t.HardDeleted {
			hardDeleted = true
		}
		if sent {
			c.queue(`RELEASE SAVEPOINT batch_update`, "release savepoint")
		}
	}
	return s.commit(c, hardDeleted)
}

// lockStmt takes the writers' advisory lock.
var lockStmt = fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, pgLockKey)

// commit sends NOTIFY (with what is still pending) and commits.
func (s *Store) commit(c *conn, hardDeleted bool) (committing bool, err error) {
	payload := "write"
	if hardDeleted {
		payload = "hard-delete"
	}
	if _, err := c.Exec(`SELECT pg_notify($1, $2)`, pgNotifyChannel, payload); err != nil {
		if c.failed != nil {
			return false, c.failed
		}
		return false, storeErr("notify", err)
	}
	if err := c.tx.Commit(c.ctx); err != nil {
		return true, storeErr("commit", err)
	}
	s.commits.Add(1)
	return false, nil
}

func (s *Store) update(ctx context.Context, fn func(store.Tx) error) (committing bool, err error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return false, storeErr("begin", err)
	}
	defer tx.Rollback(context.Background())
	c := &conn{ctx: ctx, tx: tx}
	c.queue(lockStmt, "lock")
	t := newTx(c, newTxCache())
	err = store.RunFn(fn, t)
	if c.failed != nil {
		return false, c.failed
	}
	if err != nil {
		return false, err
	}
	return s.commit(c, t.HardDeleted)
}

// View implements Store.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		err = s.view(ctx, fn)
		var se *store.Error
		if err == nil || !errors.As(err, &se) || !unavailable(se.Err) {
			return err
		}
	}
	return err
}

func (s *Store) view(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return storeErr("begin read", err)
	}
	defer tx.Rollback(context.Background())
	if err := fn(newTx(&conn{ctx: ctx, tx: tx}, newTxCache())); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return storeErr("end read", err)
	}
	return nil
}

// dialect is PostgreSQL's: $n placeholders, pgx.ErrNoRows, and a lost
// connection is store.ErrUnavailable.
var dialect = &store.Dialect{Dollar: true, Wrap: store.WrapNoRows(pgx.ErrNoRows, storeErr)}
