package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/api"
)

// Dialect is what differs between the SQL backends. The statements of SQLTx
// are written once, with ? placeholders and SQL that SQLite and PostgreSQL
// both run (TRUE/FALSE, NOT deleted, coalesce, ON CONFLICT … DO UPDATE).
type Dialect struct {
	// Dollar numbers the placeholders $1, $2… (PostgreSQL) instead of ?.
	Dollar bool
	// Wrap maps a backend error of operation op: a missing row to an error
	// wrapping ErrNotFound, anything else to an *Error. nil stays nil.
	Wrap func(op string, err error) error

	rebound sync.Map // query text → the dialect's text
}

// q returns query in the dialect's placeholder syntax.
func (d *Dialect) q(query string) string {
	if !d.Dollar {
		return query
	}
	if v, ok := d.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	d.rebound.Store(query, b.String())
	return b.String()
}

// Conn runs the statements of one transaction of a SQL backend.
type Conn interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(query string, args ...any) (int64, error)
	QueryRow(query string, args ...any) Row
	Query(query string, args ...any) (Rows, error)
}

// Row is one result row (database/sql's *sql.Row, pgx.Row).
type Row interface {
	Scan(dest ...any) error
}

// Rows iterates a result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// SQLTx implements Tx over a Conn, with the statements both SQL backends
// share.
type SQLTx struct {
	c Conn
	d *Dialect
	// HardDeleted is set once the transaction hard-deleted a version.
	HardDeleted bool
}

// NewSQLTx returns the Tx of one transaction.
func NewSQLTx(c Conn, d *Dialect) *SQLTx { return &SQLTx{c: c, d: d} }

func (t *SQLTx) exec(query string, args ...any) (int64, error) {
	return t.c.Exec(t.d.q(query), args...)
}

func (t *SQLTx) queryRow(query string, args ...any) Row {
	return t.c.QueryRow(t.d.q(query), args...)
}

const schemaCols = `context, id, guid, hash, schema_type, schema, refs, metadata, rule_set`

// SchemaCols are the columns of a schemas row that ScanSchema reads, in
// its order.
const SchemaCols = schemaCols

// ScanSchema decodes a schemas row of SchemaCols; op names the operation in
// errors (a missing row is ErrNotFound).
func (t *SQLTx) ScanSchema(op string, row Row) (StoredSchema, error) { return t.scanSchema(op, row) }

func (t *SQLTx) scanSchema(op string, row Row) (StoredSchema, error) {
	var s StoredSchema
	var typ, refs, meta, rules string
	if err := row.Scan(&s.Context, &s.ID, &s.GUID, &s.Hash, &typ, &s.Text, &refs, &meta, &rules); err != nil {
		return StoredSchema{}, t.d.Wrap(op, err)
	}
	s.Type = compat.Format(typ)
	if err := json.Unmarshal([]byte(refs), &s.References); err != nil {
		return StoredSchema{}, &Error{Op: op, Err: fmt.Errorf("decode references of schema %d: %w", s.ID, err)}
	}
	var err error
	if s.Metadata, err = decodeMetadata(meta); err != nil {
		return StoredSchema{}, &Error{Op: op, Err: fmt.Errorf("schema %d: %w", s.ID, err)}
	}
	if s.RuleSet, err = decodeRuleSet(rules); err != nil {
		return StoredSchema{}, &Error{Op: op, Err: fmt.Errorf("schema %d: %w", s.ID, err)}
	}
	return s, nil
}

// SchemaByID implements Tx.
func (t *SQLTx) SchemaByID(ctx string, id int64) (StoredSchema, error) {
	return t.scanSchema("schema by id", t.queryRow(`SELECT `+schemaCols+` FROM schemas WHERE context = ? AND id = ?`, contextKey(ctx), id))
}

// SchemasByGUID implements Tx.
func (t *SQLTx) SchemasByGUID(guid string) ([]StoredSchema, error) {
	var out []StoredSchema
	err := t.each("schemas by guid", `SELECT `+schemaCols+` FROM schemas WHERE guid = ? ORDER BY CASE WHEN context = '.' THEN 0 ELSE 1 END, context`,
		[]any{guid}, func(rows Rows) error {
			sc, err := t.scanSchema("schemas by guid", rows)
			if err != nil {
				return err
			}
			out = append(out, sc)
			return nil
		})
	return out, err
}

// GUIDByHash implements Tx.
func (t *SQLTx) GUIDByHash(hash string) (string, error) {
	var g string
	if err := t.queryRow(`SELECT guid FROM schemas WHERE hash = ? LIMIT 1`, hash).Scan(&g); err != nil {
		return "", t.d.Wrap("guid by hash", err)
	}
	return g, nil
}

// SchemaByHash implements Tx.
func (t *SQLTx) SchemaByHash(ctx, hash string) (StoredSchema, error) {
	return t.scanSchema("schema by hash", t.queryRow(`SELECT `+schemaCols+` FROM schemas WHERE context = ? AND hash = ?`, contextKey(ctx), hash))
}

// MaxSchemaID implements Tx. The highest id is read as ORDER BY id DESC
// LIMIT 1 so that PostgreSQL walks the (context, id) key backwards: with
// max(id) and stale statistics after a bulk load its planner chose the
// (context, hash) key and read every schema of the context.
func (t *SQLTx) MaxSchemaID(ctx string) (int64, error) {
	ctx = contextKey(ctx)
	var seq, maxID int64
	if err := t.queryRow(`SELECT coalesce((SELECT value FROM id_seq WHERE name = ?), 0), coalesce((SELECT id FROM schemas WHERE context = ? ORDER BY id DESC LIMIT 1), 0)`,
		sequenceName(ctx), ctx).Scan(&seq, &maxID); err != nil {
		return 0, t.d.Wrap("max schema id", err)
	}
	return max(seq, maxID), nil
}

// InsertSchema implements Tx.
func (t *SQLTx) InsertSchema(s StoredSchema) (int64, error) {
	ctx := contextKey(s.Context)
	id := s.ID
	if id == 0 {
		m, err := t.MaxSchemaID(ctx)
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
		guid = NewGUID()
	}
	if _, err := t.exec(`INSERT INTO schemas (context, id, guid, hash, schema_type, schema, refs, metadata, rule_set, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ctx, id, guid, s.Hash, string(s.Type), s.Text, string(rj), meta, rules, time.Now().UnixMilli()); err != nil {
		return 0, t.d.Wrap("insert schema", err)
	}
	for i, r := range refs {
		if _, err := t.exec(`INSERT INTO schema_refs (context, schema_id, ord, name, subject, version) VALUES (?, ?, ?, ?, ?, ?)`,
			ctx, id, i, r.Name, api.QualifyReference(ctx, r.Subject), r.Version); err != nil {
			return 0, t.d.Wrap("insert schema reference", err)
		}
	}
	if _, err := t.exec(`INSERT INTO id_seq (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = CASE WHEN excluded.value > id_seq.value THEN excluded.value ELSE id_seq.value END`, sequenceName(ctx), id); err != nil {
		return 0, t.d.Wrap("advance id sequence", err)
	}
	return id, nil
}

const versionCols = `subject, context, version, schema_id, deleted, created_at`

func scanVersion(row Row) (VersionRow, error) {
	var v VersionRow
	var created int64
	if err := row.Scan(&v.Subject, &v.Context, &v.Version, &v.SchemaID, &v.Deleted, &created); err != nil {
		return VersionRow{}, err
	}
	v.Created = time.UnixMilli(created)
	return v, nil
}

func (t *SQLTx) queryVersions(op, query string, args ...any) ([]VersionRow, error) {
	rows, err := t.c.Query(t.d.q(query), args...)
	if err != nil {
		return nil, t.d.Wrap(op, err)
	}
	defer rows.Close()
	var out []VersionRow
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, t.d.Wrap(op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, t.d.Wrap(op, err)
	}
	return out, nil
}

func (t *SQLTx) oneVersion(op, query string, args ...any) (VersionRow, error) {
	v, err := scanVersion(t.queryRow(query, args...))
	if err != nil {
		return VersionRow{}, t.d.Wrap(op, err)
	}
	return v, nil
}

// Versions implements Tx.
func (t *SQLTx) Versions(subject string) ([]VersionRow, error) {
	return t.queryVersions("list versions", `SELECT `+versionCols+` FROM versions WHERE subject = ? ORDER BY version`, subject)
}

// Version implements Tx.
func (t *SQLTx) Version(subject string, version int) (VersionRow, error) {
	return t.oneVersion("read version", `SELECT `+versionCols+` FROM versions WHERE subject = ? AND version = ?`, subject, version)
}

// LatestVersion implements Tx.
func (t *SQLTx) LatestVersion(subject string, deleted bool) (VersionRow, error) {
	if deleted {
		return t.oneVersion("latest version", `SELECT `+versionCols+` FROM versions WHERE subject = ? ORDER BY version DESC LIMIT 1`, subject)
	}
	return t.oneVersion("latest version", `SELECT `+versionCols+` FROM versions WHERE subject = ? AND NOT deleted ORDER BY version DESC LIMIT 1`, subject)
}

// MaxVersion implements Tx.
func (t *SQLTx) MaxVersion(subject string) (int, error) {
	var v int
	if err := t.queryRow(`SELECT coalesce(max(version), 0) FROM versions WHERE subject = ?`, subject).Scan(&v); err != nil {
		return 0, t.d.Wrap("max version", err)
	}
	return v, nil
}

// LiveVersionOf implements Tx.
func (t *SQLTx) LiveVersionOf(subject string, id int64) (VersionRow, error) {
	return t.oneVersion("live version of schema", `SELECT `+versionCols+` FROM versions WHERE subject = ? AND schema_id = ? AND NOT deleted`, subject, id)
}

// VersionsBySchema implements Tx.
func (t *SQLTx) VersionsBySchema(ctx string, id int64) ([]VersionRow, error) {
	return t.queryVersions("versions by schema", `SELECT `+versionCols+` FROM versions WHERE context = ? AND schema_id = ? ORDER BY subject, version`, contextKey(ctx), id)
}

// Subjects implements Tx.
func (t *SQLTx) Subjects() ([]SubjectRow, error) {
	var out []SubjectRow
	err := t.each("list subjects", `SELECT subject, sum(CASE WHEN deleted THEN 0 ELSE 1 END), count(*) FROM versions GROUP BY subject ORDER BY subject`,
		nil, func(rows Rows) error {
			var r SubjectRow
			var live, total int64
			if err := rows.Scan(&r.Subject, &live, &total); err != nil {
				return err
			}
			r.Live, r.Total = int(live), int(total)
			out = append(out, r)
			return nil
		})
	return out, err
}

// each runs query and calls fn on every row.
func (t *SQLTx) each(op, query string, args []any, fn func(Rows) error) error {
	rows, err := t.c.Query(t.d.q(query), args...)
	if err != nil {
		return t.d.Wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return t.d.Wrap(op, err)
		}
	}
	if err := rows.Err(); err != nil {
		return t.d.Wrap(op, err)
	}
	return nil
}

// InsertVersion implements Tx.
func (t *SQLTx) InsertVersion(subject string, version int, id int64) error {
	ctx := api.ContextOf(subject)
	if _, err := t.exec(`INSERT INTO versions (subject, context, version, schema_id, deleted, created_at) VALUES (?, ?, ?, ?, FALSE, ?)`,
		subject, ctx, version, id, time.Now().UnixMilli()); err != nil {
		return t.d.Wrap("insert version", err)
	}
	if ctx == api.DefaultContext {
		return nil
	}
	_, err := t.exec(`INSERT INTO contexts (name) VALUES (?) ON CONFLICT (name) DO NOTHING`, ctx)
	return t.d.Wrap("record context", err)
}

// Contexts implements Tx.
func (t *SQLTx) Contexts() ([]string, error) {
	var out []string
	err := t.each("list contexts", `SELECT name FROM contexts ORDER BY name`, nil, func(rows Rows) error {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// ContextInUse implements Tx.
func (t *SQLTx) ContextInUse(ctx string) (bool, error) {
	var n int64
	if err := t.queryRow(`SELECT count(*) FROM (SELECT 1 FROM versions WHERE context = ? LIMIT 1) AS v`, contextKey(ctx)).Scan(&n); err != nil {
		return false, t.d.Wrap("context in use", err)
	}
	return n > 0, nil
}

// DeleteContext implements Tx.
func (t *SQLTx) DeleteContext(ctx string) error {
	_, err := t.exec(`DELETE FROM contexts WHERE name = ?`, ctx)
	return t.d.Wrap("delete context", err)
}

// contextKey is how a context is stored: the default one as ".".
func contextKey(ctx string) string {
	if ctx == "" {
		return api.DefaultContext
	}
	return ctx
}

// SequenceName is the id_seq row of the ids of context ctx ("." for the
// default one).
func SequenceName(ctx string) string { return sequenceName(contextKey(ctx)) }

// DecodeConfig decodes a config row: its compatibility and contract columns.
func DecodeConfig(compatibility, contract string) (SubjectConfig, error) {
	c, err := decodeConfigContract(contract)
	if err != nil {
		return SubjectConfig{}, err
	}
	c.Compatibility = compat.Level(compatibility)
	return c, nil
}

// sequenceName is the id_seq row of a context's ids: "schema" for the
// default context (as before contexts), "schema:.ctx" for the others.
func sequenceName(ctx string) string {
	if ctx == api.DefaultContext {
		return "schema"
	}
	return "schema:" + ctx
}

func (t *SQLTx) execOne(op, query string, args ...any) error {
	n, err := t.exec(query, args...)
	if err != nil {
		return t.d.Wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	}
	return nil
}

// SoftDeleteVersion implements Tx.
func (t *SQLTx) SoftDeleteVersion(subject string, version int) error {
	return t.execOne("soft-delete version", `UPDATE versions SET deleted = TRUE WHERE subject = ? AND version = ?`, subject, version)
}

// HardDeleteVersion implements Tx.
func (t *SQLTx) HardDeleteVersion(subject string, version int) error {
	if err := t.execOne("delete version", `DELETE FROM versions WHERE subject = ? AND version = ?`, subject, version); err != nil {
		return err
	}
	t.HardDeleted = true
	return nil
}

// ReferencedBy implements Tx.
func (t *SQLTx) ReferencedBy(subject string, version int) ([]SchemaKey, error) {
	var out []SchemaKey
	err := t.each("referenced by", `SELECT DISTINCT context, schema_id FROM schema_refs WHERE subject = ? AND version = ? ORDER BY context, schema_id`,
		[]any{subject, version}, func(rows Rows) error {
			var k SchemaKey
			if err := rows.Scan(&k.Context, &k.ID); err != nil {
				return err
			}
			out = append(out, k)
			return nil
		})
	return out, err
}

// Config implements Tx.
func (t *SQLTx) Config(subject string) (SubjectConfig, error) {
	var l, contract string
	if err := t.queryRow(`SELECT compatibility, contract FROM config WHERE subject = ?`, subject).Scan(&l, &contract); err != nil {
		return SubjectConfig{}, t.d.Wrap("read config", err)
	}
	c, err := decodeConfigContract(contract)
	if err != nil {
		return SubjectConfig{}, &Error{Op: "read config", Err: err}
	}
	c.Compatibility = compat.Level(l)
	return c, nil
}

// SetConfig implements Tx.
func (t *SQLTx) SetConfig(subject string, c SubjectConfig) error {
	contract, err := encodeConfigContract(c)
	if err != nil {
		return err
	}
	_, err = t.exec(`INSERT INTO config (subject, compatibility, contract) VALUES (?, ?, ?)
		ON CONFLICT (subject) DO UPDATE SET compatibility = excluded.compatibility, contract = excluded.contract`, subject, string(c.Compatibility), contract)
	return t.d.Wrap("set config", err)
}

// DeleteConfig implements Tx.
func (t *SQLTx) DeleteConfig(subject string) error {
	return t.execOne("delete config", `DELETE FROM config WHERE subject = ?`, subject)
}

// Mode implements Tx.
func (t *SQLTx) Mode(subject string) (string, error) {
	var m string
	if err := t.queryRow(`SELECT mode FROM modes WHERE subject = ?`, subject).Scan(&m); err != nil {
		return "", t.d.Wrap("read mode", err)
	}
	return m, nil
}

// SetMode implements Tx.
func (t *SQLTx) SetMode(subject, mode string) error {
	_, err := t.exec(`INSERT INTO modes (subject, mode) VALUES (?, ?)
		ON CONFLICT (subject) DO UPDATE SET mode = excluded.mode`, subject, mode)
	return t.d.Wrap("set mode", err)
}

// ModeSubjects implements Tx.
func (t *SQLTx) ModeSubjects() ([]string, error) {
	var out []string
	err := t.each("list modes", `SELECT subject FROM modes ORDER BY subject`, nil, func(rows Rows) error {
		var m string
		if err := rows.Scan(&m); err != nil {
			return err
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// DeleteMode implements Tx.
func (t *SQLTx) DeleteMode(subject string) error {
	return t.execOne("delete mode", `DELETE FROM modes WHERE subject = ?`, subject)
}

// WrapNoRows is the common Dialect.Wrap: noRows (the driver's "no row"
// error) becomes ErrNotFound, anything else goes through other.
func WrapNoRows(noRows error, other func(op string, err error) error) func(op string, err error) error {
	return func(op string, err error) error {
		if err == nil {
			return nil
		}
		if errors.Is(err, noRows) {
			return fmt.Errorf("%s: %w", op, ErrNotFound)
		}
		return other(op, err)
	}
}

func decodeMetadata(s string) (*Metadata, error) {
	if s == "" {
		return nil, nil
	}
	var m Metadata
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode stored metadata: %w", err)
	}
	return &m, nil
}

func decodeRuleSet(s string) (*RuleSet, error) {
	if s == "" {
		return nil, nil
	}
	var rs RuleSet
	if err := json.Unmarshal([]byte(s), &rs); err != nil {
		return nil, fmt.Errorf("decode stored rule set: %w", err)
	}
	return &rs, nil
}

// configContract is the stored form of a config's data-contract fields.
type configContract struct {
	DefaultMetadata  *Metadata `json:"defaultMetadata,omitempty"`
	OverrideMetadata *Metadata `json:"overrideMetadata,omitempty"`
	DefaultRuleSet   *RuleSet  `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet  *RuleSet  `json:"overrideRuleSet,omitempty"`
}

func encodeConfigContract(c SubjectConfig) (string, error) {
	cc := configContract{c.DefaultMetadata, c.OverrideMetadata, c.DefaultRuleSet, c.OverrideRuleSet}
	if cc == (configContract{}) {
		return "", nil
	}
	b, err := json.Marshal(cc)
	if err != nil {
		return "", fmt.Errorf("encode config: %w", err)
	}
	return string(b), nil
}

func decodeConfigContract(s string) (SubjectConfig, error) {
	if s == "" {
		return SubjectConfig{}, nil
	}
	var cc configContract
	if err := json.Unmarshal([]byte(s), &cc); err != nil {
		return SubjectConfig{}, fmt.Errorf("decode stored config: %w", err)
	}
	return SubjectConfig{DefaultMetadata: cc.DefaultMetadata, OverrideMetadata: cc.OverrideMetadata,
		DefaultRuleSet: cc.DefaultRuleSet, OverrideRuleSet: cc.OverrideRuleSet}, nil
}
