// Package store owns the registry's persistence contract: the Store and Tx
// interfaces every backend implements, the rows they hold, the errors they
// report, and the SQL that the SQL backends (store/sqlite, store/postgres)
// share, parameterised by dialect. Business rules live in the server.
package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/api"
)

// Store is the registry's persistent state. All business rules (identity,
// versions, deletes, modes) live in the server; a Store only runs
// transactions made of the primitive operations of Tx, so that another SQL
// backend (PostgreSQL for several replicas) can follow with the same rules.
//
// Update runs fn in a serialized read-write transaction and commits it when fn
// returns nil; an error from fn rolls it back and is returned unchanged. A
// Store may run fn more than once when the backend reports a transient
// conflict, so fn must have no side effects outside the Tx. Update returns
// only after the commit is durable. A backend may commit the fns of
// concurrent Updates in one transaction (store/sqlite's group commit), one
// after the other, each undone alone when it fails.
//
// View runs fn in a read-only snapshot.
type Store interface {
	Update(ctx context.Context, fn func(tx Tx) error) error
	View(ctx context.Context, fn func(tx Tx) error) error
	Close() error
}

// Tx is one transaction over the store.
//
// Subject "" names the global scope for Config and Mode. Lookups of one row
// return ErrNotFound (possibly wrapped) when the row is missing.
type Tx interface {
	// SchemaByID returns the schema stored under id in context ctx.
	SchemaByID(ctx string, id int64) (StoredSchema, error)
	// SchemasByGUID returns the schemas whose GUID is guid, one per context
	// at most, the default context first, then by context.
	SchemasByGUID(guid string) ([]StoredSchema, error)
	// GUIDByHash returns the GUID of a schema with identity hash hash in
	// any context: the same schema has one GUID in every context.
	GUIDByHash(hash string) (string, error)
	// SchemaByHash returns the schema of context ctx whose identity hash is hash.
	SchemaByHash(ctx, hash string) (StoredSchema, error)
	// InsertSchema stores s in context s.Context. When s.ID is 0 a new id is
	// allocated: one more than every id ever allocated or imported in that
	// context. A non-zero s.ID (IMPORT mode) is used as is. It returns the id.
	InsertSchema(s StoredSchema) (int64, error)
	// MaxSchemaID returns the largest id ever allocated or imported in
	// context ctx (0 if none).
	MaxSchemaID(ctx string) (int64, error)

	// Versions returns every version of subject, soft-deleted ones included,
	// in ascending version order. An unknown subject gives an empty slice.
	Versions(subject string) ([]VersionRow, error)
	// Version returns one version row of subject, soft-deleted or not.
	Version(subject string, version int) (VersionRow, error)
	// LatestVersion returns the highest live version of subject, or the
	// highest of all when deleted is true.
	LatestVersion(subject string, deleted bool) (VersionRow, error)
	// MaxVersion returns the highest version number subject has ever kept,
	// soft-deleted versions included (0 for none).
	MaxVersion(subject string) (int, error)
	// LiveVersionOf returns the live version of subject that holds schema id.
	LiveVersionOf(subject string, id int64) (VersionRow, error)
	// VersionsBySchema returns every version, in every subject of context
	// ctx, that holds schema id.
	VersionsBySchema(ctx string, id int64) ([]VersionRow, error)
	// Subjects returns every subject that has at least one version row, in
	// every context, sorted by their qualified names.
	Subjects() ([]SubjectRow, error)
	// InsertVersion adds a live version of subject pointing at schema id of
	// the subject's context, and records that context.
	InsertVersion(subject string, version int, id int64) error
	// SoftDeleteVersion marks one version deleted.
	SoftDeleteVersion(subject string, version int) error
	// HardDeleteVersion removes one version row.
	HardDeleteVersion(subject string, version int) error
	// ReferencedBy returns the schemas that reference subject/version.
	ReferencedBy(subject string, version int) ([]SchemaKey, error)

	// Contexts returns the contexts other than the default one that ever
	// held a version and were not deleted since, sorted.
	Contexts() ([]string, error)
	// ContextInUse reports whether a version row (soft-deleted or not) of a
	// subject of ctx exists.
	ContextInUse(ctx string) (bool, error)
	// DeleteContext forgets context ctx (no error if unknown).
	DeleteContext(ctx string) error

	// Config returns the configuration set for subject ("" = global).
	Config(subject string) (SubjectConfig, error)
	SetConfig(subject string, c SubjectConfig) error
	DeleteConfig(subject string) error
	// Mode returns the mode set for subject ("" = global).
	Mode(subject string) (string, error)
	SetMode(subject string, mode string) error
	DeleteMode(subject string) error
	// ModeSubjects returns the scopes (subjects, ":.ctx:" contexts, "" for
	// global) that have a mode set, sorted.
	ModeSubjects() ([]string, error)
}

// Reference, Metadata and RuleSet are the API's (see package api).
type (
	Reference = api.Reference
	Metadata  = api.Metadata
	RuleSet   = api.RuleSet
)

// StoredSchema is one content-addressed schema. Its id never changes and is
// never given to another schema.
type StoredSchema struct {
	// Context is the context whose id space ID belongs to ("." is the
	// default context; "" means it too).
	Context string
	ID      int64
	// GUID is the schema's random UUID (Confluent 8.x), as unchanging as
	// its id; InsertSchema makes one when it is empty.
	GUID       string
	Hash       string
	Type       compat.Format
	Text       string
	References []Reference
	// Metadata and RuleSet are the data contract; both are part of the
	// schema's identity.
	Metadata *Metadata
	RuleSet  *RuleSet
}

// SubjectConfig is the configuration of one scope (a subject or the global
// one). An empty Compatibility or a nil contract field is not set: the
// global scope's value, then the default, applies.
type SubjectConfig struct {
	Compatibility    compat.Level
	DefaultMetadata  *Metadata
	OverrideMetadata *Metadata
	DefaultRuleSet   *RuleSet
	OverrideRuleSet  *RuleSet
}

// VersionRow is one version of one subject.
type VersionRow struct {
	// Subject is the qualified subject; Context its context.
	Subject  string
	Context  string
	Version  int
	SchemaID int64
	Deleted  bool
	Created  time.Time
}

// SchemaKey names a schema: its id in its context.
type SchemaKey struct {
	Context string
	ID      int64
}

// SubjectRow summarises a subject.
type SubjectRow struct {
	Subject string
	// Live is the number of versions that are not soft-deleted.
	Live int
	// Total counts soft-deleted versions too.
	Total int
}

// ErrNotFound is returned by Tx lookups of missing rows.
var ErrNotFound = errors.New("not found")

// NewGUID returns a random version-4 UUID.
func NewGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ErrUnavailable marks a store that cannot be reached right now; the
// server answers 503 and the client may retry.
var ErrUnavailable = errors.New("the store is unavailable")

// ErrReadOnly is returned by Update on a read-only store.
var ErrReadOnly = errors.New("the store is read-only")

// Error marks a failure of the storage layer itself (a 500/50001, or 503
// when it wraps ErrUnavailable).
type Error struct {
	Op  string
	Err error
}

func (e *Error) Error() string { return "store " + e.Op + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Generations count the commits of other processes that a server's caches
// must follow: HardDeletes those that may hide a schema id, Writes every
// one.
type Generations struct {
	HardDeletes, Writes uint64
}

// ReadOnlyStore is a Store that may refuse every write.
type ReadOnlyStore interface{ ReadOnly() bool }

// GenerationStore is a Store that other processes write to: Generation
// changes after each of their commits.
type GenerationStore interface{ Generation() Generations }
