package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

// A registration is a dozen reads and writes, each a round trip to the
// database inside the transaction that holds the writers' advisory lock,
// so round trips, not the statements' own work, set how many
// registrations a second one replica commits. This file cuts them:
//
//   - conn sends the transaction's control statements (the advisory lock,
//     each update's SAVEPOINT, RELEASE and ROLLBACK TO) in one pipeline
//     with the next statement, instead of one round trip each;
//   - pgTx reads with one statement what the server asks in several
//     (a scope's mode and config with the global scopes', a subject's
//     latest live version with its highest version, a schema by hash with
//     the GUID that schema has in another context), keeps the answers for
//     the rest of the transaction, and allocates, inserts and records a
//     new schema in one statement.
//
// Keeping answers is sound because every writer holds the advisory lock
// until it commits (nobody else writes during a write transaction) and a
// read transaction sees one snapshot: an answer changes only by this
// transaction's own writes, which drop it, and by a rolled-back savepoint,
// which drops them all.

// ctl is a control statement waiting to go with the next one.
type ctl struct{ sql, op string }

// conn adapts a pgx.Tx to store.Conn, sending the pending control
// statements in one pipeline (pgx.Batch) with the next statement.
type conn struct {
	ctx     context.Context
	tx      pgx.Tx
	pending []ctl
	// aborted: pending starts with a ROLLBACK TO SAVEPOINT.
	aborted bool
	// failed is the error of a control statement: the transaction is lost.
	failed error
}

// queue adds a control statement to go with the next statement.
func (c *conn) queue(sql, op string) { c.pending = append(c.pending, ctl{sql, op}) }

// rollback queues the undoing of the savepoint after a failed update:
// ROLLBACK TO SAVEPOINT, then RELEASE.
func (c *conn) rollback() {
	c.queue(`ROLLBACK TO SAVEPOINT batch_update`, "roll back to savepoint")
	c.queue(`RELEASE SAVEPOINT batch_update`, "release savepoint")
	c.aborted = true
}

// flushAborted sends the pending control statements on their own, in one
// simple-protocol query, when they start with a ROLLBACK TO: until it, the
// transaction may be aborted, and a pipeline first prepares the statements
// it has not prepared yet, which an aborted transaction refuses.
func (c *conn) flushAborted() error {
	if !c.aborted {
		return nil
	}
	c.aborted = false
	var b strings.Builder
	for i, p := range c.pending {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.sql)
	}
	op := c.pending[0].op
	c.pending = nil
	if _, err := c.tx.Exec(c.ctx, b.String()); err != nil {
		c.failed = storeErr(op, err)
		return c.failed
	}
	return nil
}

// send sends the pending control statements and query with args in one
// pipeline, and reads the control statements' results. A pipeline first
// prepares the statements its connection has not prepared yet; an error
// there (our statements are fixed, so a lost connection in practice)
// comes with the first control statement's result and fails the whole
// transaction, as a failed control statement does.
func (c *conn) send(query string, args []any) (pgx.BatchResults, error) {
	if err := c.flushAborted(); err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	for _, p := range c.pending {
		b.Queue(p.sql)
	}
	b.Queue(query, args...)
	pending := c.pending
	c.pending = nil
	br := c.tx.SendBatch(c.ctx, b)
	for _, p := range pending {
		if _, err := br.Exec(); err != nil {
			br.Close()
			c.failed = storeErr(p.op, err)
			return nil, c.failed
		}
	}
	return br, nil
}

func (c *conn) Exec(query string, args ...any) (int64, error) {
	if c.failed != nil {
		return 0, c.failed
	}
	if err := c.flushAborted(); err != nil {
		return 0, err
	}
	if len(c.pending) == 0 {
		tag, err := c.tx.Exec(c.ctx, query, args...)
		if err != nil {
			return 0, err
		}
		return tag.RowsAffected(), nil
	}
	br, err := c.send(query, args)
	if err != nil {
		return 0, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (c *conn) QueryRow(query string, args ...any) store.Row {
	if c.failed != nil {
		return errRow{c.failed}
	}
	if err := c.flushAborted(); err != nil {
		return errRow{err}
	}
	if len(c.pending) == 0 {
		return c.tx.QueryRow(c.ctx, query, args...)
	}
	br, err := c.send(query, args)
	if err != nil {
		return errRow{err}
	}
	return batchRow{br.QueryRow(), br}
}

func (c *conn) Query(query string, args ...any) (store.Rows, error) {
	if c.failed != nil {
		return nil, c.failed
	}
	if err := c.flushAborted(); err != nil {
		return nil, err
	}
	if len(c.pending) == 0 {
		return c.tx.Query(c.ctx, query, args...)
	}
	br, err := c.send(query, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return batchRows{rows, br}, nil
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// batchRow is the last result of a pipeline: scanning it ends the pipeline.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// batchRows is the last result of a pipeline: closing it ends the pipeline.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	r.br.Close()
}

// txCache holds what a transaction read, until its own writes change it.
type txCache struct {
	// modes and configs by scope; a scope present with ok false has none.
	modes   map[string]modeEntry
	configs map[string]configEntry
	// subjects: a subject's latest live version and highest version.
	subjects map[string]subjectEntry
	// guids: the GUID of a schema by identity hash, in any context.
	guids map[string]guidEntry
}

type modeEntry struct {
	mode string
	ok   bool
}

type configEntry struct {
	compatibility, contract string
	ok                      bool
}

type subjectEntry struct {
	latest  store.VersionRow
	hasLive bool
	max     int
}

type guidEntry struct {
	guid string
	ok   bool
}

func newTxCache() *txCache {
	c := &txCache{}
	c.reset()
	return c
}

// reset forgets everything: a savepoint was rolled back.
func (c *txCache) reset() {
	c.modes = map[string]modeEntry{}
	c.configs = map[string]configEntry{}
	c.subjects = map[string]subjectEntry{}
	c.guids = map[string]guidEntry{}
}

// pgTx is the store.Tx of PostgreSQL: the shared statements of
// store.SQLTx, with the reads and writes of a registration combined and
// kept (see the top of this file).
type pgTx struct {
	*store.SQLTx
	c     *conn
	cache *txCache
}

func newTx(c *conn, cache *txCache) *pgTx {
	return &pgTx{SQLTx: store.NewSQLTx(c, dialect), c: c, cache: cache}
}

func notFound(op string) error { return fmt.Errorf("%s: %w", op, store.ErrNotFound) }

// scopesWith lists scope and the scopes the server reads after it for a
// subject's mode and config (its context's, the global ones) that are not
// known yet.
func (t *pgTx) scopesWith(scope string) []string {
	var out []string
	also := []string{"", api.GlobalScope}
	if ctx, name := api.SplitSubject(scope); ctx != api.DefaultContext && name != "" {
		also = append(also, api.QualifySubject(ctx, ""))
	}
	for _, s := range append([]string{scope}, also...) {
		_, m := t.cache.modes[s]
		_, c := t.cache.configs[s]
		if (!m || !c) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out // at most 4: load's statements take 4
}

// isSubject reports whether scope is a subject (rather than a context's
// or the global scope), whose versions may be read.
func isSubject(scope string) bool {
	_, name := api.SplitSubject(scope)
	return name != ""
}

// Statements of load: the modes and configs of up to 4 scopes ($1-$4),
// with the highest version and the latest live version of a subject ($5)
// unless it is known. Rows: kind 0 a mode, 1 a config, 2 the highest
// version, 3 the latest live version. The scopes are an IN list, not
// = ANY($1): the generic plan of = ANY over an array of unknown length,
// made when the table was small, scanned every config row of the database
// (2,000 after a fresh push: 66 µs a call, the costliest statement of a
// push).
const (
	loadScopes = `SELECT 0, subject::text, mode, '', 0, 0::bigint, FALSE, 0::bigint, '' FROM modes WHERE subject IN ($1, $2, $3, $4)
		UNION ALL SELECT 1, subject::text, compatibility, contract, 0, 0::bigint, FALSE, 0::bigint, '' FROM config WHERE subject IN ($1, $2, $3, $4)`
	loadSubject = loadScopes + `
		UNION ALL SELECT 2, $5::text, '', '', coalesce((SELECT max(version) FROM versions WHERE subject = $5), 0), 0::bigint, FALSE, 0::bigint, ''
		UNION ALL (SELECT 3, subject::text, '', '', version, schema_id, deleted, created_at, context::text FROM versions
			WHERE subject = $5 AND NOT deleted ORDER BY version DESC LIMIT 1)`
)

// load reads, in one statement, what a registration in subj reads first:
// the mode and config of subj and of the scopes read after it (unless
// known), and, when subj is a subject whose versions are not known, its
// highest and latest live versions.
func (t *pgTx) load(subj string) error {
	scopes := t.scopesWith(subj)
	_, known := t.cache.subjects[subj]
	versions := !known && isSubject(subj)
	// Unused places repeat subj (every scope may be known already when
	// only the versions are not).
	args := []any{subj, subj, subj, subj, subj}
	for i, s := range scopes {
		args[i] = s
	}
	var rows store.Rows
	var err error
	if versions {
		rows, err = t.c.Query(loadSubject, args...)
	} else {
		rows, err = t.c.Query(loadScopes, args[:4]...)
	}
	if err != nil {
		return dialect.Wrap("read subject", err)
	}
	defer rows.Close()
	modes := map[string]modeEntry{}
	configs := map[string]configEntry{}
	var sub subjectEntry
	for rows.Next() {
		var kind, version int
		var subject, a, b, ctx string
		var id, created int64
		var deleted bool
		if err := rows.Scan(&kind, &subject, &a, &b, &version, &id, &deleted, &created, &ctx); err != nil {
			return dialect.Wrap("read subject", err)
		}
		switch kind {
		case 0:
			modes[subject] = modeEntry{a, true}
		case 1:
			configs[subject] = configEntry{a, b, true}
		case 2:
			sub.max = version
		case 3:
			sub.hasLive = true
			sub.latest = store.VersionRow{Subject: subject, Context: ctx, Version: version, SchemaID: id, Deleted: deleted, Created: time.UnixMilli(created)}
		}
	}
	if err := rows.Err(); err != nil {
		return dialect.Wrap("read subject", err)
	}
	for _, s := range scopes {
		t.cache.modes[s] = modes[s]
		t.cache.configs[s] = configs[s]
	}
	if versions {
		t.cache.subjects[subj] = sub
	}
	return nil
}

// Mode implements store.Tx.
func (t *pgTx) Mode(scope string) (string, error) {
	e, ok := t.cache.modes[scope]
	if !ok {
		if err := t.load(scope); err != nil {
			return "", err
		}
		e = t.cache.modes[scope]
	}
	if !e.ok {
		return "", notFound("read mode")
	}
	return e.mode, nil
}

// Config implements store.Tx.
func (t *pgTx) Config(scope string) (store.SubjectConfig, error) {
	e, ok := t.cache.configs[scope]
	if !ok {
		if err := t.load(scope); err != nil {
			return store.SubjectConfig{}, err
		}
		e = t.cache.configs[scope]
	}
	if !e.ok {
		return store.SubjectConfig{}, notFound("read config")
	}
	c, err := store.DecodeConfig(e.compatibility, e.contract)
	if err != nil {
		return store.SubjectConfig{}, &store.Error{Op: "read config", Err: err}
	}
	return c, nil
}

// SetMode implements store.Tx.
func (t *pgTx) SetMode(scope, mode string) error {
	delete(t.cache.modes, scope)
	return t.SQLTx.SetMode(scope, mode)
}

// DeleteMode implements store.Tx.
func (t *pgTx) DeleteMode(scope string) error {
	delete(t.cache.modes, scope)
	return t.SQLTx.DeleteMode(scope)
}

// SetConfig implements store.Tx.
func (t *pgTx) SetConfig(scope string, c store.SubjectConfig) error {
	delete(t.cache.configs, scope)
	return t.SQLTx.SetConfig(scope, c)
}

// DeleteConfig implements store.Tx.
func (t *pgTx) DeleteConfig(scope string) error {
	delete(t.cache.configs, scope)
	return t.SQLTx.DeleteConfig(scope)
}

// subject returns subj's latest live version and highest version.
func (t *pgTx) subject(subj string) (subjectEntry, error) {
	if e, ok := t.cache.subjects[subj]; ok {
		return e, nil
	}
	if !isSubject(subj) {
		// Not a subject the server names (no versions): read as before.
		return t.read(subj)
	}
	if err := t.load(subj); err != nil {
		return subjectEntry{}, err
	}
	return t.cache.subjects[subj], nil
}

// read reads subj's versions the way store.SQLTx does.
func (t *pgTx) read(subj string) (subjectEntry, error) {
	var e subjectEntry
	var err error
	if e.max, err = t.SQLTx.MaxVersion(subj); err != nil {
		return subjectEntry{}, err
	}
	e.latest, err = t.SQLTx.LatestVersion(subj, false)
	if errors.Is(err, store.ErrNotFound) {
		return e, nil
	}
	e.hasLive = err == nil
	return e, err
}

// LatestVersion implements store.Tx.
func (t *pgTx) LatestVersion(subj string, deleted bool) (store.VersionRow, error) {
	if deleted {
		return t.SQLTx.LatestVersion(subj, deleted)
	}
	e, err := t.subject(subj)
	if err != nil {
		return store.VersionRow{}, err
	}
	if !e.hasLive {
		return store.VersionRow{}, notFound("latest version")
	}
	return e.latest, nil
}

// MaxVersion implements store.Tx.
func (t *pgTx) MaxVersion(subj string) (int, error) {
	e, err := t.subject(subj)
	if err != nil {
		return 0, err
	}
	return e.max, nil
}

// InsertVersion implements store.Tx.
func (t *pgTx) InsertVersion(subj string, version int, id int64) error {
	delete(t.cache.subjects, subj)
	return t.SQLTx.InsertVersion(subj, version, id)
}

// SoftDeleteVersion implements store.Tx.
func (t *pgTx) SoftDeleteVersion(subj string, version int) error {
	delete(t.cache.subjects, subj)
	return t.SQLTx.SoftDeleteVersion(subj, version)
}

// HardDeleteVersion implements store.Tx.
func (t *pgTx) HardDeleteVersion(subj string, version int) error {
	delete(t.cache.subjects, subj)
	return t.SQLTx.HardDeleteVersion(subj, version)
}

// SchemaByHash implements store.Tx. The same statement reads the schema
// with that hash in another context when ctx has none, and keeps its GUID
// for GUIDByHash: a new schema takes the GUID the same schema has
// elsewhere.
func (t *pgTx) SchemaByHash(ctx, hash string) (store.StoredSchema, error) {
	ctx = contextKey(ctx)
	sc, err := t.ScanSchema("schema by hash", t.c.QueryRow(`SELECT `+store.SchemaCols+` FROM schemas WHERE hash = $1 ORDER BY context = $2 DESC LIMIT 1`, hash, ctx))
	if errors.Is(err, store.ErrNotFound) {
		t.cache.guids[hash] = guidEntry{}
		return store.StoredSchema{}, err
	}
	if err != nil {
		return store.StoredSchema{}, err
	}
	t.cache.guids[hash] = guidEntry{sc.GUID, true}
	if sc.Context != ctx {
		return store.StoredSchema{}, notFound("schema by hash")
	}
	return sc, nil
}

// GUIDByHash implements store.Tx.
func (t *pgTx) GUIDByHash(hash string) (string, error) {
	if e, ok := t.cache.guids[hash]; ok {
		if !e.ok {
			return "", notFound("guid by hash")
		}
		return e.guid, nil
	}
	return t.SQLTx.GUIDByHash(hash)
}

// insertSchema allocates the id (when $14 is 0: one more than the
// context's sequence and its highest id, read as in store.SQLTx's
// MaxSchemaID), inserts the schema and its references and advances the
// sequence, in one statement.
const insertSchema = `WITH next AS (
	SELECT CASE WHEN $14::bigint <> 0 THEN $14::bigint ELSE greatest(
		coalesce((SELECT value FROM id_seq WHERE name = $1), 0),
		coalesce((SELECT id FROM schemas WHERE context = $2 ORDER BY id DESC LIMIT 1), 0)) + 1 END AS id
), ins AS (
	INSERT INTO schemas (context, id, guid, hash, schema_type, schema, refs, metadata, rule_set, created_at)
	SELECT $2, id, $3, $4, $5, $6, $7, $8, $9, $10 FROM next RETURNING id
), refs AS (
	INSERT INTO schema_refs (context, schema_id, ord, name, subject, version)
	SELECT $2, ins.id, r.ord, r.name, r.subject, r.version
	FROM ins, unnest($11::integer[], $12::text[], $13::text[], $15::integer[]) AS r(ord, name, subject, version)
), seq AS (
	INSERT INTO id_seq (name, value) SELECT $1, id FROM ins
	ON CONFLICT (name) DO UPDATE SET value = CASE WHEN excluded.value > id_seq.value THEN excluded.value ELSE id_seq.value END
)
SELECT id FROM ins`

// InsertSchema implements store.Tx.
func (t *pgTx) InsertSchema(s store.StoredSchema) (int64, error) {
	ctx := contextKey(s.Context)
	refs := s.References
	if refs == nil {
		refs = []store.Reference{}
	}
	rj, err := json.Marshal(refs)
	if err != nil {
		return 0, fmt.Errorf("encode references: %w", err)
	}
	meta, err := api.ContractJSON(s.Metadata)
	if err != nil {
		return 0, err
	}
	rules, err := api.ContractJSON(s.RuleSet)
	if err != nil {
		return 0, err
	}
	guid := s.GUID
	if guid == "" {
		guid = store.NewGUID()
	}
	ords, names, subjects, versions := make([]int32, len(refs)), make([]string, len(refs)), make([]string, len(refs)), make([]int32, len(refs))
	for i, r := range refs {
		ords[i], names[i], subjects[i], versions[i] = int32(i), r.Name, api.QualifyReference(ctx, r.Subject), int32(r.Version)
	}
	var id int64
	if err := t.c.QueryRow(insertSchema, store.SequenceName(ctx), ctx, guid, s.Hash, string(s.Type), s.Text, string(rj), meta, rules,
		time.Now().UnixMilli(), ords, names, subjects, s.ID, versions).Scan(&id); err != nil {
		return 0, dialect.Wrap("insert schema", err)
	}
	t.cache.guids[s.Hash] = guidEntry{guid, true}
	return id, nil
}

// contextKey is how a context is stored: the default one as ".".
func contextKey(ctx string) string {
	if ctx == "" {
		return api.DefaultContext
	}
	return ctx
}
