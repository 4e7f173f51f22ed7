package server

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// store keeps the Glue-API server's state in its own tables (glue_*) of a
// SQLite file; it may be the file the Confluent-API server uses.
type store struct {
	db *sql.DB
}

var storeSchema = []string{
	`CREATE TABLE IF NOT EXISTS glue_registries (name TEXT PRIMARY KEY, description TEXT NOT NULL, created TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS glue_schemas (
		registry TEXT NOT NULL, name TEXT NOT NULL, data_format TEXT NOT NULL,
		compatibility TEXT NOT NULL, description TEXT NOT NULL, checkpoint INTEGER NOT NULL,
		created TEXT NOT NULL, updated TEXT NOT NULL,
		PRIMARY KEY (registry, name))`,
	`CREATE TABLE IF NOT EXISTS glue_versions (
		id TEXT PRIMARY KEY, registry TEXT NOT NULL, schema TEXT NOT NULL, number INTEGER NOT NULL,
		definition TEXT NOT NULL, normalized TEXT NOT NULL, status TEXT NOT NULL,
		settles_at INTEGER NOT NULL, created TEXT NOT NULL,
		UNIQUE (registry, schema, number))`,
	`CREATE INDEX IF NOT EXISTS glue_versions_normalized ON glue_versions(registry, schema, normalized)`,
	`CREATE TABLE IF NOT EXISTS glue_metadata (version_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (version_id, key, value))`,
}

func openStore(path string) (*store, error) {
	if path == "" {
		return nil, errors.New("open Glue store: empty path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("open Glue store: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open Glue store: %w", err)
	}
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath() + "?_busy_timeout=10000&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open Glue store %s: %w", path, err)
	}
	// One connection: the server serializes every operation anyway.
	db.SetMaxOpenConns(1)
	for _, q := range storeSchema {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("open Glue store %s: %w", path, err)
		}
	}
	return &store{db: db}, nil
}

func (s *store) Close() error { return s.db.Close() }

type registryRow struct {
	Name, Description, Created string
}

type schemaRow struct {
	Registry, Name, DataFormat, Compatibility, Description string
	Checkpoint                                             int64
	Created, Updated                                       string
}

type versionRow struct {
	ID, Registry, Schema   string
	Number                 int64
	Definition, Normalized string
	Status                 string // the settled status: AVAILABLE or FAILURE
	SettlesAt              int64  // unix nanoseconds; PENDING before
	Created                string
}

// statusAt is the status a client sees at now.
func (v versionRow) statusAt(now time.Time) string {
	if now.UnixNano() < v.SettlesAt {
		return "PENDING"
	}
	return v.Status
}

func (s *store) registry(tx *sql.Tx, name string) (registryRow, error) {
	var r registryRow
	err := tx.QueryRow(`SELECT name, description, created FROM glue_registries WHERE name = ?`, name).Scan(&r.Name, &r.Description, &r.Created)
	return r, err
}

func (s *store) schema(tx *sql.Tx, registry, name string) (schemaRow, error) {
	var r schemaRow
	err := tx.QueryRow(`SELECT registry, name, data_format, compatibility, description, checkpoint, created, updated FROM glue_schemas WHERE registry = ? AND name = ?`, registry, name).
		Scan(&r.Registry, &r.Name, &r.DataFormat, &r.Compatibility, &r.Description, &r.Checkpoint, &r.Created, &r.Updated)
	return r, err
}

const versionCols = `id, registry, schema, number, definition, normalized, status, settles_at, created`

func scanVersion(sc interface{ Scan(...any) error }) (versionRow, error) {
	var v versionRow
	err := sc.Scan(&v.ID, &v.Registry, &v.Schema, &v.Number, &v.Definition, &v.Normalized, &v.Status, &v.SettlesAt, &v.Created)
	return v, err
}

func (s *store) versions(tx *sql.Tx, registry, schema string) ([]versionRow, error) {
	rows, err := tx.Query(`SELECT `+versionCols+` FROM glue_versions WHERE registry = ? AND schema = ? ORDER BY number`, registry, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []versionRow
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *store) versionByID(tx *sql.Tx, id string) (versionRow, error) {
	return scanVersion(tx.QueryRow(`SELECT `+versionCols+` FROM glue_versions WHERE id = ?`, id))
}

func (s *store) insertVersion(tx *sql.Tx, v versionRow) error {
	_, err := tx.Exec(`INSERT INTO glue_versions (`+versionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.Registry, v.Schema, v.Number, v.Definition, v.Normalized, v.Status, v.SettlesAt, v.Created)
	return err
}
