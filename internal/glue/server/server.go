// Package server is the Glue-API side of evctl registry serve --api glue:
// Glue's schema registry operations (AWS JSON 1.1) with Glue's semantics on
// SQLite tables of their own.
package server

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/evctl/evctl/internal/glue"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evctl/evctl/internal/compat"
)

// DefaultRegistry is the registry Glue uses when a request names none.
const DefaultRegistry = "default-registry"

// ServerOptions configure NewServer.
type ServerOptions struct {
	// Region and Account appear in the ARNs the server returns; defaults
	// us-east-1 and 000000000000.
	Region, Account string
	// Pending is how long a new version stays PENDING before it settles to
	// AVAILABLE or FAILURE; default 200ms. Clients must poll, as with Glue.
	Pending time.Duration
	// Logger receives one record a request; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server answers Glue's schema registry operations (AWS JSON 1.1,
// X-Amz-Target: AWSGlue.<Operation>) on a SQLite file. It does not verify
// SigV4 signatures: it is a local development endpoint, listening on
// loopback unless told otherwise.
type Server struct {
	st   *store
	opts ServerOptions
	mu   sync.Mutex // serializes every operation
}

// OpenServer opens (creating if needed) the Glue tables of the SQLite
// file at path and returns a server on them. Close closes the file.
func OpenServer(path string, opts ServerOptions) (*Server, error) {
	st, err := openStore(path)
	if err != nil {
		return nil, err
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Account == "" {
		opts.Account = "000000000000"
	}
	if opts.Pending <= 0 {
		opts.Pending = 200 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Server{st: st, opts: opts}, nil
}

// EnsureRegistry creates registry name unless it exists.
func (s *Server) EnsureRegistry(ctx context.Context, name string) error {
	if err := glue.CheckName("registry", name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := s.st.registry(tx, name); err == nil {
		return nil
	}
	if err := s.insertRegistry(tx, name, ""); err != nil {
		return err
	}
	return tx.Commit()
}

// Import appends a version with a status decided elsewhere (AVAILABLE or
// FAILURE, settled at once) to schema name of registry, creating the
// registry and the schema (with mode and format) if missing. It mirrors
// the state of another Glue registry, verdicts included, for tests and
// local copies; no compatibility check runs.
func (s *Server) Import(ctx context.Context, registry, name, format, mode, definition, status string) error {
	if status != "AVAILABLE" && status != "FAILURE" {
		return fmt.Errorf("import: status %q (want AVAILABLE or FAILURE)", status)
	}
	if err := s.EnsureRegistry(ctx, registry); err != nil {
		return err
	}
	if err := glue.CheckDefinition(format, []byte(definition)); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.st.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = s.st.schema(tx, registry, name)
	if errors.Is(err, sql.ErrNoRows) {
		if err := glue.CheckName("schema", name); err != nil {
			return err
		}
		if !glue.ValidMode(mode) {
			return fmt.Errorf("import: unknown mode %q", mode)
		}
		now := s.now()
		if _, err := tx.Exec(`INSERT INTO glue_schemas (registry, name, data_format, compatibility, description, checkpoint, created, updated) VALUES (?, ?, ?, ?, '', 1, ?, ?)`,
			registry, name, format, mode, now, now); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	vs, err := s.st.versions(tx, registry, name)
	if err != nil {
		return err
	}
	number := int64(len(vs) + 1)
	if len(vs) > 0 {
		number = vs[len(vs)-1].Number + 1
	}
	now := s.opts.Now()
	if err := s.st.insertVersion(tx, versionRow{ID: newUUID(), Registry: registry, Schema: name, Number: number, Definition: definition,
		Normalized: glue.Normalize([]byte(definition)), Status: status, SettlesAt: now.UnixNano(), Created: now.UTC().Format(time.RFC3339Nano)}); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the store.
func (s *Server) Close() error { return s.st.Close() }

// apiError is a Glue exception: its __type and HTTP status.
type apiError struct {
	Type   string
	Status int
	Msg    string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Msg }

func invalid(format string, a ...any) error {
	return &apiError{"InvalidInputException", http.StatusBadRequest, fmt.Sprintf(format, a...)}
}
func notFound(format string, a ...any) error {
	return &apiError{"EntityNotFoundException", http.StatusBadRequest, fmt.Sprintf(format, a...)}
}
func exists(format string, a ...any) error {
	return &apiError{"AlreadyExistsException", http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

// maxBody bounds a request body: a definition is at most 170000
// characters, JSON escaping can grow it.
const maxBody = 2 << 20

type handlerFunc func(s *Server, tx *sql.Tx, body []byte) (any, error)

var operations = map[string]handlerFunc{
	"CreateRegistry":             (*Server).createRegistry,
	"GetRegistry":                (*Server).getRegistry,
	"ListRegistries":             (*Server).listRegistries,
	"CreateSchema":               (*Server).createSchema,
	"GetSchema":                  (*Server).getSchema,
	"ListSchemas":                (*Server).listSchemas,
	"UpdateSchema":               (*Server).updateSchema,
	"RegisterSchemaVersion":      (*Server).registerSchemaVersion,
	"GetSchemaVersion":           (*Server).getSchemaVersion,
	"GetSchemaByDefinition":      (*Server).getSchemaByDefinition,
	"ListSchemaVersions":         (*Server).listSchemaVersions,
	"CheckSchemaVersionValidity": (*Server).checkSchemaVersionValidity,
	"PutSchemaVersionMetadata":   (*Server).putSchemaVersionMetadata,
	"QuerySchemaVersionMetadata": (*Server).querySchemaVersionMetadata,
	"GetSchemaVersionsDiff":      (*Server).getSchemaVersionsDiff,
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.")
	out, err := s.serve(r, op)
	status := http.StatusOK
	var body []byte
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{"InternalServiceException", http.StatusInternalServerError, err.Error()}
		}
		status = ae.Status
		w.Header().Set("X-Amzn-ErrorType", ae.Type)
		body, _ = json.Marshal(map[string]string{"__type": ae.Type, "Message": ae.Msg})
	} else {
		body, err = json.Marshal(out)
		if err != nil {
			status = http.StatusInternalServerError
			body = []byte(`{"__type":"InternalServiceException","Message":"encode response"}`)
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", newUUID())
	w.WriteHeader(status)
	w.Write(body)
	s.opts.Logger.Info("glue request", "op", op, "status", status, "duration", time.Since(start))
}

func (s *Server) serve(r *http.Request, op string) (any, error) {
	if r.Method != http.MethodPost {
		return nil, &apiError{"UnknownOperationException", http.StatusMethodNotAllowed, "the Glue API takes POST requests"}
	}
	if !strings.HasPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.") {
		return nil, &apiError{"UnknownOperationException", http.StatusBadRequest, "missing X-Amz-Target: AWSGlue.<Operation>"}
	}
	h, ok := operations[op]
	if !ok {
		return nil, &apiError{"UnknownOperationException", http.StatusBadRequest, fmt.Sprintf("operation %q is not served by evctl's Glue API", op)}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, invalid("read request: %v", err)
	}
	if len(body) > maxBody {
		return nil, invalid("request body exceeds %d bytes", maxBody)
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	tx, err := s.st.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out, err := h(s, tx, body)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

func decode(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("malformed request: %v", err)
	}
	return nil
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func (s *Server) now() string { return s.opts.Now().UTC().Format(time.RFC3339Nano) }

func (s *Server) registryARN(reg string) string {
	return fmt.Sprintf("arn:aws:glue:%s:%s:registry/%s", s.opts.Region, s.opts.Account, reg)
}

func (s *Server) schemaARN(reg, name string) string {
	return fmt.Sprintf("arn:aws:glue:%s:%s:schema/%s/%s", s.opts.Region, s.opts.Account, reg, name)
}

type registryID struct {
	RegistryName string `json:",omitempty"`
	RegistryArn  string `json:",omitempty"`
}

type schemaID struct {
	SchemaArn    string `json:",omitempty"`
	SchemaName   string `json:",omitempty"`
	RegistryName string `json:",omitempty"`
}

type versionNumber struct {
	LatestVersion bool  `json:",omitempty"`
	VersionNumber int64 `json:",omitempty"`
}

// resolveRegistry names the registry of a RegistryId (default-registry when nil).
func (s *Server) resolveRegistry(id *registryID) (string, error) {
	if id == nil || id.RegistryName == "" && id.RegistryArn == "" {
		return DefaultRegistry, nil
	}
	if id.RegistryArn != "" {
		_, rest, ok := strings.Cut(id.RegistryArn, ":registry/")
		if !ok || rest == "" {
			return "", invalid("malformed registry ARN %q", id.RegistryArn)
		}
		if id.RegistryName != "" && id.RegistryName != rest {
			return "", invalid("RegistryName %q and RegistryArn %q disagree", id.RegistryName, id.RegistryArn)
		}
		return rest, nil
	}
	return id.RegistryName, nil
}

// resolveSchema finds the schema a SchemaId names.
func (s *Server) resolveSchema(tx *sql.Tx, id *schemaID) (schemaRow, error) {
	if id == nil || id.SchemaName == "" && id.SchemaArn == "" {
		return schemaRow{}, invalid("SchemaId needs SchemaArn or SchemaName")
	}
	reg, name := id.RegistryName, id.SchemaName
	if id.SchemaArn != "" {
		_, rest, ok := strings.Cut(id.SchemaArn, ":schema/")
		r, n, ok2 := strings.Cut(rest, "/")
		if !ok || !ok2 || r == "" || n == "" {
			return schemaRow{}, invalid("malformed schema ARN %q", id.SchemaArn)
		}
		reg, name = r, n
	}
	if reg == "" {
		reg = DefaultRegistry
	}
	if _, err := s.st.registry(tx, reg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return schemaRow{}, notFound("Registry is not found. RegistryName: %s", reg)
		}
		return schemaRow{}, err
	}
	sc, err := s.st.schema(tx, reg, name)
	if errors.Is(err, sql.ErrNoRows) {
		return schemaRow{}, notFound("Schema is not found. RegistryName: %s, SchemaName: %s", reg, name)
	}
	return sc, err
}

func (s *Server) createRegistry(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		RegistryName, Description string
		Tags                      map[string]string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := glue.CheckName("registry", in.RegistryName); err != nil {
		return nil, invalid("%v", err)
	}
	if err := s.insertRegistry(tx, in.RegistryName, in.Description); err != nil {
		return nil, err
	}
	return map[string]any{"RegistryArn": s.registryARN(in.RegistryName), "RegistryName": in.RegistryName, "Description": in.Description, "Tags": in.Tags}, nil
}

func (s *Server) insertRegistry(tx *sql.Tx, name, desc string) error {
	if _, err := s.st.registry(tx, name); err == nil {
		return exists("Registry already exists. RegistryName: %s", name)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err := tx.Exec(`INSERT INTO glue_registries (name, description, created) VALUES (?, ?, ?)`, name, desc, s.now())
	return err
}

func (s *Server) getRegistry(tx *sql.Tx, body []byte) (any, error) {
	var in struct{ RegistryId *registryID }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := s.resolveRegistry(in.RegistryId)
	if err != nil {
		return nil, err
	}
	r, err := s.st.registry(tx, name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Registry is not found. RegistryName: %s", name)
	} else if err != nil {
		return nil, err
	}
	return map[string]any{"RegistryName": r.Name, "RegistryArn": s.registryARN(r.Name), "Description": r.Description, "Status": "AVAILABLE", "CreatedTime": r.Created, "UpdatedTime": r.Created}, nil
}

func (s *Server) listRegistries(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		MaxResults int
		NextToken  string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	rows, err := tx.Query(`SELECT name, description, created FROM glue_registries ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []map[string]any
	for rows.Next() {
		var r registryRow
		if err := rows.Scan(&r.Name, &r.Description, &r.Created); err != nil {
			return nil, err
		}
		all = append(all, map[string]any{"RegistryName": r.Name, "RegistryArn": s.registryARN(r.Name), "Description": r.Description, "Status": "AVAILABLE", "CreatedTime": r.Created, "UpdatedTime": r.Created})
	}
	page, next, err := paginate(all, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Registries": page, "NextToken": next}, nil
}

// paginate pages a list with an offset token.
func paginate[T any](all []T, max int, token string) ([]T, *string, error) {
	if max <= 0 || max > 100 {
		max = 100
	}
	from := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(all) {
			return nil, nil, invalid("invalid NextToken %q", token)
		}
		from = n
	}
	to := min(from+max, len(all))
	var next *string
	if to < len(all) {
		t := strconv.Itoa(to)
		next = &t
	}
	page := all[from:to]
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}

func (s *Server) schemaOut(tx *sql.Tx, sc schemaRow) (map[string]any, error) {
	vs, err := s.st.versions(tx, sc.Registry, sc.Name)
	if err != nil {
		return nil, err
	}
	latest := int64(0)
	if len(vs) > 0 {
		latest = vs[len(vs)-1].Number
	}
	return map[string]any{
		"RegistryName": sc.Registry, "RegistryArn": s.registryARN(sc.Registry),
		"SchemaName": sc.Name, "SchemaArn": s.schemaARN(sc.Registry, sc.Name),
		"Description": sc.Description, "DataFormat": sc.DataFormat, "Compatibility": sc.Compatibility,
		"SchemaCheckpoint": sc.Checkpoint, "LatestSchemaVersion": latest, "NextSchemaVersion": latest + 1,
		"SchemaStatus": "AVAILABLE", "CreatedTime": sc.Created, "UpdatedTime": sc.Updated,
	}, nil
}

func (s *Server) createSchema(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		RegistryId                                                           *registryID
		SchemaName, DataFormat, Compatibility, Description, SchemaDefinition string
		Tags                                                                 map[string]string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	reg, err := s.resolveRegistry(in.RegistryId)
	if err != nil {
		return nil, err
	}
	if err := glue.CheckName("schema", in.SchemaName); err != nil {
		return nil, invalid("%v", err)
	}
	if in.DataFormat == "" {
		return nil, invalid("DataFormat is required")
	}
	if in.Compatibility == "" {
		in.Compatibility = glue.ModeBackward
	}
	if !glue.ValidMode(in.Compatibility) {
		return nil, invalid("unknown Compatibility %q", in.Compatibility)
	}
	if _, err := s.st.registry(tx, reg); errors.Is(err, sql.ErrNoRows) {
		if reg != DefaultRegistry {
			return nil, notFound("Registry is not found. RegistryName: %s", reg)
		}
		if err := s.insertRegistry(tx, reg, "default registry created by CreateSchema"); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	if _, err := s.st.schema(tx, reg, in.SchemaName); err == nil {
		return nil, exists("Schema already exists. RegistryName: %s, SchemaName: %s", reg, in.SchemaName)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if in.SchemaDefinition != "" {
		if err := glue.CheckDefinition(in.DataFormat, []byte(in.SchemaDefinition)); err != nil {
			return nil, invalid("%v", err)
		}
	} else if in.DataFormat != glue.FormatAvro && in.DataFormat != glue.FormatJSON {
		return nil, invalid("%v", glue.CheckDefinition(in.DataFormat, []byte("{}")))
	}
	now := s.now()
	sc := schemaRow{Registry: reg, Name: in.SchemaName, DataFormat: in.DataFormat, Compatibility: in.Compatibility, Description: in.Description, Checkpoint: 1, Created: now, Updated: now}
	if _, err := tx.Exec(`INSERT INTO glue_schemas (registry, name, data_format, compatibility, description, checkpoint, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		sc.Registry, sc.Name, sc.DataFormat, sc.Compatibility, sc.Description, sc.Checkpoint, sc.Created, sc.Updated); err != nil {
		return nil, err
	}
	out, err := s.schemaOut(tx, sc)
	if err != nil {
		return nil, err
	}
	out["Tags"] = in.Tags
	if in.SchemaDefinition != "" {
		v, err := s.addVersion(tx, sc, in.SchemaDefinition, nil)
		if err != nil {
			return nil, err
		}
		out["SchemaVersionId"] = v.ID
		out["SchemaVersionStatus"] = v.statusAt(s.opts.Now())
		out["LatestSchemaVersion"] = v.Number
		out["NextSchemaVersion"] = v.Number + 1
	}
	return out, nil
}

// addVersion stores a new version of sc, deciding now what it settles to:
// FAILURE when the definition is incompatible, under the schema's mode,
// with the AVAILABLE versions from the checkpoint on (FAILURE versions do
// not count). It stays PENDING for opts.Pending.
func (s *Server) addVersion(tx *sql.Tx, sc schemaRow, definition string, vs []versionRow) (versionRow, error) {
	status := "AVAILABLE"
	if len(vs) > 0 {
		level, err := glue.LevelOf(sc.Compatibility)
		if err != nil {
			return versionRow{}, err
		}
		var prev []compat.Doc
		for _, v := range vs {
			if v.Status == "AVAILABLE" && v.Number >= sc.Checkpoint {
				prev = append(prev, compat.Doc{Name: "version " + strconv.FormatInt(v.Number, 10), Text: []byte(v.Definition)})
			}
		}
		res, err := compat.Check(compat.Format(sc.DataFormat), level, compat.Doc{Name: "new", Text: []byte(definition)}, prev, compat.Options{})
		if err != nil || !res.Compatible {
			status = "FAILURE"
		}
	}
	number := int64(1)
	if len(vs) > 0 {
		number = vs[len(vs)-1].Number + 1
	}
	now := s.opts.Now()
	v := versionRow{ID: newUUID(), Registry: sc.Registry, Schema: sc.Name, Number: number, Definition: definition,
		Normalized: glue.Normalize([]byte(definition)), Status: status, SettlesAt: now.Add(s.opts.Pending).UnixNano(), Created: now.UTC().Format(time.RFC3339Nano)}
	if err := s.st.insertVersion(tx, v); err != nil {
		return versionRow{}, err
	}
	_, err := tx.Exec(`UPDATE glue_schemas SET updated = ? WHERE registry = ? AND name = ?`, v.Created, sc.Registry, sc.Name)
	return v, err
}

func (s *Server) registerSchemaVersion(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId         *schemaID
		SchemaDefinition string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	sc, err := s.resolveSchema(tx, in.SchemaId)
	if err != nil {
		return nil, err
	}
	if err := glue.CheckDefinition(sc.DataFormat, []byte(in.SchemaDefinition)); err != nil {
		return nil, invalid("%v", err)
	}
	vs, err := s.st.versions(tx, sc.Registry, sc.Name)
	if err != nil {
		return nil, err
	}
	norm := glue.Normalize([]byte(in.SchemaDefinition))
	for _, v := range vs {
		if v.Normalized == norm {
			return map[string]any{"SchemaVersionId": v.ID, "VersionNumber": v.Number, "Status": v.statusAt(s.opts.Now())}, nil
		}
	}
	if sc.Compatibility == glue.ModeDisabled {
		return nil, invalid("Compatibility DISABLED does not allow versioning. SchemaId: SchemaId(schemaArn=null, schemaName=%s, registryName=%s)", sc.Name, sc.Registry)
	}
	v, err := s.addVersion(tx, sc, in.SchemaDefinition, vs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"SchemaVersionId": v.ID, "VersionNumber": v.Number, "Status": v.statusAt(s.opts.Now())}, nil
}

func (s *Server) versionOut(sc schemaRow, v versionRow) map[string]any {
	return map[string]any{
		"SchemaVersionId": v.ID, "SchemaDefinition": v.Definition, "DataFormat": sc.DataFormat,
		"SchemaArn": s.schemaARN(v.Registry, v.Schema), "VersionNumber": v.Number,
		"Status": v.statusAt(s.opts.Now()), "CreatedTime": v.Created,
	}
}

// findVersion resolves a version by id, or by SchemaId and number/latest.
// Latest is the newest AVAILABLE version: FAILURE versions do not count.
func (s *Server) findVersion(tx *sql.Tx, sid *schemaID, vid string, num *versionNumber) (schemaRow, versionRow, error) {
	if vid != "" {
		if sid != nil || num != nil {
			return schemaRow{}, versionRow{}, invalid("give SchemaVersionId, or SchemaId with SchemaVersionNumber, not both")
		}
		v, err := s.st.versionByID(tx, vid)
		if errors.Is(err, sql.ErrNoRows) {
			return schemaRow{}, versionRow{}, notFound("Schema version is not found. SchemaVersionId: %s", vid)
		} else if err != nil {
			return schemaRow{}, versionRow{}, err
		}
		sc, err := s.st.schema(tx, v.Registry, v.Schema)
		return sc, v, err
	}
	if sid == nil || num == nil {
		return schemaRow{}, versionRow{}, invalid("give SchemaVersionId, or SchemaId with SchemaVersionNumber")
	}
	if num.LatestVersion == (num.VersionNumber != 0) {
		return schemaRow{}, versionRow{}, invalid("SchemaVersionNumber needs exactly one of LatestVersion and VersionNumber")
	}
	sc, err := s.resolveSchema(tx, sid)
	if err != nil {
		return schemaRow{}, versionRow{}, err
	}
	vs, err := s.st.versions(tx, sc.Registry, sc.Name)
	if err != nil {
		return schemaRow{}, versionRow{}, err
	}
	now := s.opts.Now()
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		if num.LatestVersion && v.statusAt(now) == "AVAILABLE" || !num.LatestVersion && v.Number == num.VersionNumber {
			return sc, v, nil
		}
	}
	return schemaRow{}, versionRow{}, notFound("Schema version is not found. SchemaName: %s, version: %s", sc.Name, describeNumber(num))
}

func describeNumber(n *versionNumber) string {
	if n.LatestVersion {
		return "latest"
	}
	return strconv.FormatInt(n.VersionNumber, 10)
}

func (s *Server) getSchemaVersion(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId            *schemaID
		SchemaVersionId     string
		SchemaVersionNumber *versionNumber
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	sc, v, err := s.findVersion(tx, in.SchemaId, in.SchemaVersionId, in.SchemaVersionNumber)
	if err != nil {
		return nil, err
	}
	return s.versionOut(sc, v), nil
}

func (s *Server) getSchemaByDefinition(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId         *schemaID
		SchemaDefinition string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	sc, err := s.resolveSchema(tx, in.SchemaId)
	if err != nil {
		return nil, err
	}
	vs, err := s.st.versions(tx, sc.Registry, sc.Name)
	if err != nil {
		return nil, err
	}
	norm := glue.Normalize([]byte(in.SchemaDefinition))
	for _, v := range vs {
		if v.Normalized == norm {
			out := s.versionOut(sc, v)
			delete(out, "SchemaDefinition")
			delete(out, "VersionNumber")
			return out, nil
		}
	}
	return nil, notFound("Schema is not found. RegistryName: %s, SchemaName: %s, the definition is not registered", sc.Registry, sc.Name)
}

func (s *Server) getSchema(tx *sql.Tx, body []byte) (any, error) {
	var in struct{ SchemaId *schemaID }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	sc, err := s.resolveSchema(tx, in.SchemaId)
	if err != nil {
		return nil, err
	}
	return s.schemaOut(tx, sc)
}

func (s *Server) listSchemas(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		RegistryId *registryID
		MaxResults int
		NextToken  string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	reg, err := s.resolveRegistry(in.RegistryId)
	if err != nil {
		return nil, err
	}
	if _, err := s.st.registry(tx, reg); errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("Registry is not found. RegistryName: %s", reg)
	}
	rows, err := tx.Query(`SELECT name, created, updated FROM glue_schemas WHERE registry = ? ORDER BY name`, reg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []map[string]any
	for rows.Next() {
		var name, created, updated string
		if err := rows.Scan(&name, &created, &updated); err != nil {
			return nil, err
		}
		all = append(all, map[string]any{"RegistryName": reg, "SchemaName": name, "SchemaArn": s.schemaARN(reg, name), "SchemaStatus": "AVAILABLE", "CreatedTime": created, "UpdatedTime": updated})
	}
	page, next, err := paginate(all, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Schemas": page, "NextToken": next}, nil
}

func (s *Server) updateSchema(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId            *schemaID
		SchemaVersionNumber *versionNumber
		Compatibility       string
		Description         *string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	sc, err := s.resolveSchema(tx, in.SchemaId)
	if err != nil {
		return nil, err
	}
	if in.Compatibility == "" && in.SchemaVersionNumber == nil && in.Description == nil {
		return nil, invalid("UpdateSchema needs Compatibility, SchemaVersionNumber or Description")
	}
	if in.Compatibility != "" {
		if !glue.ValidMode(in.Compatibility) {
			return nil, invalid("unknown Compatibility %q", in.Compatibility)
		}
		sc.Compatibility = in.Compatibility
	}
	if in.SchemaVersionNumber != nil {
		_, v, err := s.findVersion(tx, &schemaID{SchemaName: sc.Name, RegistryName: sc.Registry}, "", in.SchemaVersionNumber)
		if err != nil {
			return nil, err
		}
		if v.statusAt(s.opts.Now()) != "AVAILABLE" {
			return nil, invalid("version %d is %s; a checkpoint must be AVAILABLE", v.Number, v.statusAt(s.opts.Now()))
		}
		sc.Checkpoint = v.Number
	}
	if in.Description != nil {
		sc.Description = *in.Description
	}
	if _, err := tx.Exec(`UPDATE glue_schemas SET compatibility = ?, checkpoint = ?, description = ?, updated = ? WHERE registry = ? AND name = ?`,
		sc.Compatibility, sc.Checkpoint, sc.Description, s.now(), sc.Registry, sc.Name); err != nil {
		return nil, err
	}
	return map[string]any{"SchemaArn": s.schemaARN(sc.Registry, sc.Name), "SchemaName": sc.Name, "RegistryName": sc.Registry}, nil
}

func (s *Server) listSchemaVersions(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId   *schemaID
		MaxResults int
		NextToken  string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	sc, err := s.resolveSchema(tx, in.SchemaId)
	if err != nil {
		return nil, err
	}
	vs, err := s.st.versions(tx, sc.Registry, sc.Name)
	if err != nil {
		return nil, err
	}
	all := make([]map[string]any, 0, len(vs))
	for _, v := range vs {
		all = append(all, map[string]any{"SchemaArn": s.schemaARN(sc.Registry, sc.Name), "SchemaVersionId": v.ID, "VersionNumber": v.Number, "Status": v.statusAt(s.opts.Now()), "CreatedTime": v.Created})
	}
	page, next, err := paginate(all, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Schemas": page, "NextToken": next}, nil
}

func (s *Server) checkSchemaVersionValidity(_ *sql.Tx, body []byte) (any, error) {
	var in struct{ DataFormat, SchemaDefinition string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := glue.CheckDefinition(in.DataFormat, []byte(in.SchemaDefinition)); err != nil {
		return map[string]any{"Valid": false, "Error": err.Error()}, nil
	}
	return map[string]any{"Valid": true}, nil
}

type metadataKV struct {
	MetadataKey, MetadataValue string
}

func (s *Server) putSchemaVersionMetadata(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId            *schemaID
		SchemaVersionNumber *versionNumber
		SchemaVersionId     string
		MetadataKeyValue    *metadataKV
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.MetadataKeyValue == nil || in.MetadataKeyValue.MetadataKey == "" || len(in.MetadataKeyValue.MetadataKey) > 128 || len(in.MetadataKeyValue.MetadataValue) > 256 {
		return nil, invalid("MetadataKeyValue needs a key of 1-128 and a value of at most 256 characters")
	}
	sc, v, err := s.findVersion(tx, in.SchemaId, in.SchemaVersionId, in.SchemaVersionNumber)
	if err != nil {
		return nil, err
	}
	kv := in.MetadataKeyValue
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM glue_metadata WHERE version_id = ? AND key = ? AND value = ?`, v.ID, kv.MetadataKey, kv.MetadataValue).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, exists("Schema version metadata already exists. key: %s, value: %s", kv.MetadataKey, kv.MetadataValue)
	}
	if err := tx.QueryRow(`SELECT count(*) FROM glue_metadata WHERE version_id = ?`, v.ID).Scan(&n); err != nil {
		return nil, err
	}
	if n >= 10 {
		return nil, &apiError{"ResourceNumberLimitExceededException", http.StatusBadRequest, "a schema version holds at most 10 metadata key-value pairs"}
	}
	if _, err := tx.Exec(`INSERT INTO glue_metadata (version_id, key, value, created) VALUES (?, ?, ?, ?)`, v.ID, kv.MetadataKey, kv.MetadataValue, s.now()); err != nil {
		return nil, err
	}
	vs, err := s.st.versions(tx, sc.Registry, sc.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"SchemaArn": s.schemaARN(sc.Registry, sc.Name), "SchemaName": sc.Name, "RegistryName": sc.Registry,
		"LatestVersion": vs[len(vs)-1].ID == v.ID, "VersionNumber": v.Number, "SchemaVersionId": v.ID,
		"MetadataKey": kv.MetadataKey, "MetadataValue": kv.MetadataValue}, nil
}

func (s *Server) querySchemaVersionMetadata(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId            *schemaID
		SchemaVersionNumber *versionNumber
		SchemaVersionId     string
		MetadataList        []metadataKV
		MaxResults          int
		NextToken           string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	_, v, err := s.findVersion(tx, in.SchemaId, in.SchemaVersionId, in.SchemaVersionNumber)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(`SELECT key, value, created FROM glue_metadata WHERE version_id = ? ORDER BY key, created`, v.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	meta := map[string]any{}
	for rows.Next() {
		var k, val, created string
		if err := rows.Scan(&k, &val, &created); err != nil {
			return nil, err
		}
		if len(in.MetadataList) > 0 && !slicesContains(in.MetadataList, k, val) {
			continue
		}
		if _, ok := meta[k]; !ok {
			meta[k] = map[string]any{"MetadataValue": val, "CreatedTime": created}
		}
	}
	return map[string]any{"MetadataInfoMap": meta, "SchemaVersionId": v.ID}, rows.Err()
}

func slicesContains(list []metadataKV, k, v string) bool {
	for _, kv := range list {
		if kv.MetadataKey == k && (kv.MetadataValue == "" || kv.MetadataValue == v) {
			return true
		}
	}
	return false
}

func (s *Server) getSchemaVersionsDiff(tx *sql.Tx, body []byte) (any, error) {
	var in struct {
		SchemaId                                            *schemaID
		FirstSchemaVersionNumber, SecondSchemaVersionNumber *versionNumber
		SchemaDiffType                                      string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.SchemaDiffType != "SYNTAX_DIFF" {
		return nil, invalid("SchemaDiffType must be SYNTAX_DIFF")
	}
	if in.FirstSchemaVersionNumber == nil || in.SecondSchemaVersionNumber == nil {
		return nil, invalid("FirstSchemaVersionNumber and SecondSchemaVersionNumber are required")
	}
	_, a, err := s.findVersion(tx, in.SchemaId, "", in.FirstSchemaVersionNumber)
	if err != nil {
		return nil, err
	}
	_, b, err := s.findVersion(tx, in.SchemaId, "", in.SecondSchemaVersionNumber)
	if err != nil {
		return nil, err
	}
	var av, bv any
	if err := json.Unmarshal([]byte(a.Definition), &av); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(b.Definition), &bv); err != nil {
		return nil, err
	}
	ops := jsonPatch("", av, bv, nil)
	diff, err := json.Marshal(ops)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Diff": string(diff)}, nil
}

// jsonPatch appends the RFC 6902 operations that turn a into b.
func jsonPatch(path string, a, b any, ops []map[string]any) []map[string]any {
	ao, aok := a.(map[string]any)
	bo, bok := b.(map[string]any)
	if aok && bok {
		keys := make([]string, 0, len(ao)+len(bo))
		for k := range ao {
			keys = append(keys, k)
		}
		for k := range bo {
			if _, ok := ao[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := path + "/" + strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
			av, inA := ao[k]
			bv, inB := bo[k]
			switch {
			case !inB:
				ops = append(ops, map[string]any{"op": "remove", "path": p})
			case !inA:
				ops = append(ops, map[string]any{"op": "add", "path": p, "value": bv})
			default:
				ops = jsonPatch(p, av, bv, ops)
			}
		}
		return ops
	}
	aa, aok := a.([]any)
	ba, bok := b.([]any)
	if aok && bok {
		n := min(len(aa), len(ba))
		for i := 0; i < n; i++ {
			ops = jsonPatch(path+"/"+strconv.Itoa(i), aa[i], ba[i], ops)
		}
		for i := n; i < len(ba); i++ {
			ops = append(ops, map[string]any{"op": "add", "path": path + "/" + strconv.Itoa(i), "value": ba[i]})
		}
		for i := len(aa) - 1; i >= n; i-- {
			ops = append(ops, map[string]any{"op": "remove", "path": path + "/" + strconv.Itoa(i)})
		}
		return ops
	}
	aj, _ := json.Marshal(a)
	bj, _ := json.Marshal(b)
	if string(aj) != string(bj) {
		ops = append(ops, map[string]any{"op": "replace", "path": path, "value": b})
	}
	return ops
}
