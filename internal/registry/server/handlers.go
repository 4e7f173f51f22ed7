package server

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

// Modes.
const (
	modeReadWrite        = "READWRITE"
	modeReadOnly         = "READONLY"
	modeReadOnlyOverride = "READONLY_OVERRIDE"
	modeImport           = "IMPORT"
	// modeForward is IMPORT set on the global context ":.__GLOBAL:" (in
	// Confluent Platform it also forwards to another registry; here a
	// registration is treated as under IMPORT).
	modeForward = "FORWARD"
)

const defaultLevel = compat.Backward

// schemaObject is Confluent's Schema object (GET …/versions/{v}, lookup).
type schemaObject struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int64           `json:"id"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []api.Reference `json:"references,omitempty"`
	GUID       string          `json:"guid,omitempty"`
	Metadata   *api.Metadata   `json:"metadata,omitempty"`
	RuleSet    *api.RuleSet    `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
	SchemaTags []schemaTagsOut `json:"schemaTags,omitempty"`
}

func newSchemaObject(subj string, row store.VersionRow, sc store.StoredSchema) schemaObject {
	return schemaObject{Subject: subj, Version: row.Version, ID: sc.ID, GUID: sc.GUID, SchemaType: schemaTypeField(sc.Type),
		References: sc.References, Metadata: sc.Metadata, RuleSet: sc.RuleSet, Schema: sc.Text}
}

// sameContent reports whether stored schema sc has content hash h, its
// contract left aside.
func sameContent(sc store.StoredSchema, h string) (bool, error) {
	canon, err := canonicalJSON([]byte(sc.Text), sc.Type == compat.Avro)
	if err != nil {
		return false, &store.Error{Op: "canonicalize stored schema", Err: err}
	}
	return identityHash(sc.Type, string(canon), sc.References, "", "") == h, nil
}

// schemaTypeField is the schemaType as answered: omitted for AVRO.
func schemaTypeField(t compat.Format) string {
	if t == compat.Avro {
		return ""
	}
	return string(t)
}

func (s *server) handleRoot(w http.ResponseWriter, r *http.Request) error {
	writeRaw(w, http.StatusOK, []byte("{}"))
	return nil
}

// HealthPath is the server's health endpoint (api.HealthPath). It needs no
// credentials, even when auth is on, and reveals nothing but whether the
// store answers.
const HealthPath = api.HealthPath

// handleHealth answers GET or HEAD /healthz: 200 {"status":"UP"} when a
// read transaction on the store succeeds, else 503 in the API's error shape.
func (s *server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, errf(http.StatusMethodNotAllowed, api.CodeMethodNotAllowed, "HTTP 405 Method Not Allowed"))
		return
	}
	err := s.store.View(r.Context(), func(tx store.Tx) error {
		_, err := tx.MaxSchemaID(api.DefaultContext)
		return err
	})
	if err != nil {
		s.log.Error("health check: store error", "err", err)
		writeError(w, errf(http.StatusServiceUnavailable, api.CodeStoreError, "Store unavailable"))
		return
	}
	writeRaw(w, http.StatusOK, []byte(`{"status":"UP"}`))
}

// handleContexts is GET /contexts: the default context, then every other
// context that ever held a version and was not deleted, sorted; filtered
// by ?contextPrefix= and paged by ?offset=&limit=.
func (s *server) handleContexts(w http.ResponseWriter, r *http.Request) error {
	var ctxs []string
	if err := s.store.View(r.Context(), func(tx store.Tx) (err error) {
		ctxs, err = tx.Contexts()
		return err
	}); err != nil {
		return err
	}
	prefix := r.URL.Query().Get("contextPrefix")
	out := []string{}
	for _, c := range append([]string{api.DefaultContext}, ctxs...) {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	out, err := page(r, out)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleDeleteContext is DELETE /contexts/{context}: 204 once the context
// is forgotten; 422/42211 while a version (soft-deleted or not) of one of
// its subjects exists.
func (s *server) handleDeleteContext(w http.ResponseWriter, r *http.Request) error {
	ctx, ok := api.NormalizeContext(r.PathValue("context"))
	if !ok {
		return errf(statusForUnprocessableEntity, api.CodeUnprocessable, "Invalid context name %q: want .name", r.PathValue("context"))
	}
	err := s.update(r.Context(), func(tx store.Tx) error {
		used, err := tx.ContextInUse(ctx)
		if err != nil {
			return err
		}
		if used {
			return errf(statusForUnprocessableEntity, api.CodeContextNotEmpty, "Context %s is not empty", ctx)
		}
		return tx.DeleteContext(ctx)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) handleTypes(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, []string{"JSON", "AVRO"})
	return nil
}

func (s *server) handleMetrics(w http.ResponseWriter, r *http.Request) error {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}

// subjectParam reads and validates the {subject} path value and returns its
// canonical spelling (":.:x" is "x"; ":.ctx:x" is x in context .ctx).
func subjectParam(r *http.Request) (string, error) {
	subj := r.PathValue("subject")
	if err := validSubject(subj); err != nil {
		return "", err
	}
	ctx, name := api.SplitSubject(subj)
	if err := validSubject(name); err != nil {
		return "", err
	}
	if _, ok := api.NormalizeContext(ctx); !ok {
		return "", errInvalidSubject(subj)
	}
	// Confluent's QualifiedSubject.isValidSubject: no subject lives in the
	// global context, and __GLOBAL and __EMPTY are reserved names.
	if ctx == api.GlobalContext || name == "__GLOBAL" || name == "__EMPTY" {
		return "", errInvalidSubject(subj)
	}
	return api.QualifySubject(ctx, name), nil
}

// subjectMatcher returns the filter of ?subjectPrefix= as Confluent reads
// it: absent or ":*:" is every subject of every context; ":*:x" the
// subjects of any context whose name starts with x; otherwise the subjects
// of the prefix's context (the default one for a bare prefix) whose name
// starts with the prefix's name.
func subjectMatcher(r *http.Request) func(subject string) bool {
	q := r.URL.Query()
	if !q.Has("subjectPrefix") {
		return func(string) bool { return true }
	}
	prefix := q.Get("subjectPrefix")
	if rest, ok := strings.CutPrefix(prefix, api.ContextWildcard); ok {
		return func(subject string) bool {
			_, name := api.SplitSubject(subject)
			return strings.HasPrefix(name, rest)
		}
	}
	pctx, pname := api.SplitSubject(prefix)
	return func(subject string) bool {
		ctx, name := api.SplitSubject(subject)
		return ctx == pctx && strings.HasPrefix(name, pname)
	}
}

// page applies ?offset= and ?limit= to a list answer, as Confluent does on
// its list endpoints: offset skips, a positive limit caps, and a limit of 0
// or below (or none) is the default, which here is no limit (Confluent's
// normalizeLimit; its default configuration caps /schemas and
// /referencedby at 1000, the others not). A value that is not a number, or
// a negative offset, is 400.
func page[T any](r *http.Request, out []T) ([]T, error) {
	q := r.URL.Query()
	offset, limit := 0, 0
	var err error
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			return nil, errf(http.StatusBadRequest, api.CodeBadRequest, "Invalid offset %q: want a number >= 0", v)
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil {
			return nil, errf(http.StatusBadRequest, api.CodeBadRequest, "Invalid limit %q: want a number (0 or below: no limit)", v)
		}
	}
	out = out[min(offset, len(out)):]
	if limit > 0 && limit < len(out) {
		out = out[:limit]
	}
	return out, nil
}

func (s *server) handleListSubjects(w http.ResponseWriter, r *http.Request) error {
	deleted, deletedOnly := boolParam(r, "deleted"), boolParam(r, "deletedOnly")
	match := subjectMatcher(r)
	var rows []store.SubjectRow
	if err := s.store.View(r.Context(), func(tx store.Tx) (err error) {
		rows, err = tx.Subjects()
		return err
	}); err != nil {
		return err
	}
	out := []string{}
	for _, row := range rows {
		if !match(row.Subject) {
			continue
		}
		switch {
		case deletedOnly:
			if row.Live > 0 {
				continue
			}
		case deleted:
		default:
			if row.Live == 0 {
				continue
			}
		}
		out = append(out, row.Subject)
	}
	out, err := page(r, out)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) handleListVersions(w http.ResponseWriter, r *http.Request) error {
	subj, err := subjectParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	deleted, deletedOnly, asNeg := boolParam(r, "deleted"), boolParam(r, "deletedOnly"), boolParam(r, "deletedAsNegative")
	var rows []store.VersionRow
	if err := s.store.View(r.Context(), func(tx store.Tx) (err error) {
		rows, err = tx.Versions(subj)
		return err
	}); err != nil {
		return err
	}
	out := []int{}
	live := 0
	for _, row := range rows {
		if !row.Deleted {
			live++
		}
		switch {
		case deletedOnly:
			if row.Deleted {
				out = append(out, row.Version)
			}
		case deleted || asNeg:
			v := row.Version
			if row.Deleted && asNeg {
				v = -v
			}
			out = append(out, v)
		default:
			if !row.Deleted {
				out = append(out, row.Version)
			}
		}
	}
	if len(rows) == 0 || (live == 0 && !deleted && !deletedOnly && !asNeg) {
		return errSubjectNotFound(subj)
	}
	out, perr := page(r, out)
	if perr != nil {
		return perr
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pickVersion finds version v (-1 = latest) among rows. Soft-deleted rows
// count only when deleted is true.
func pickVersion(subject string, rows []store.VersionRow, v int, deleted bool) (store.VersionRow, error) {
	live := 0
	for _, row := range rows {
		if !row.Deleted {
			live++
		}
	}
	if len(rows) == 0 || (live == 0 && !deleted) {
		return store.VersionRow{}, errSubjectNotFound(subject)
	}
	for i := len(rows) - 1; i >= 0; i-- {
		row := rows[i]
		if row.Deleted && !deleted {
			continue
		}
		if v == -1 || row.Version == v {
			return row, nil
		}
	}
	return store.VersionRow{}, errVersionNotFound(v)
}

// loadVersion reads subject/version with its schema.
func (s *server) loadVersion(r *http.Request) (schemaObject, error) {
	if err := checkFormat(r, true); err != nil {
		return schemaObject{}, err
	}
	subj, err := subjectParam(r)
	if err != nil {
		return schemaObject{}, errSubjectNotFound(r.PathValue("subject"))
	}
	v, err := parseVersion(r.PathValue("version"))
	if err != nil {
		return schemaObject{}, err
	}
	deleted := boolParam(r, "deleted")
	var obj schemaObject
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		row, err := pickVersion(subj, rows, v, deleted)
		if err != nil {
			return err
		}
		sc, err := tx.SchemaByID(row.Context, row.SchemaID)
		if err != nil {
			return err
		}
		tags, _, err := findTags(r, sc, func(f func(store.Tx) error) error { return f(tx) })
		if err != nil {
			return err
		}
		if err := applyFormat(tx, r, &sc); err != nil {
			return err
		}
		obj = newSchemaObject(subj, row, sc)
		obj.SchemaTags = tags
		obj.References = qualifyRefs(r, api.ContextOf(subj), obj.References)
		return nil
	})
	return obj, err
}

func (s *server) handleGetVersion(w http.ResponseWriter, r *http.Request) error {
	obj, err := s.loadVersion(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj)
	return nil
}

func (s *server) handleGetVersionSchema(w http.ResponseWriter, r *http.Request) error {
	obj, err := s.loadVersion(r)
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, []byte(obj.Schema))
	return nil
}

func (s *server) handleReferencedBy(w http.ResponseWriter, r *http.Request) error {
	subj, err := subjectParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	v, err := parseVersion(r.PathValue("version"))
	if err != nil {
		return err
	}
	out := []int64{}
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		row, err := pickVersion(subj, rows, v, boolParam(r, "deleted"))
		if err != nil {
			return err
		}
		keys, err := tx.ReferencedBy(subj, row.Version)
		if err != nil {
			return err
		}
		for _, k := range keys {
			vs, err := tx.VersionsBySchema(k.Context, k.ID)
			if err != nil {
				return err
			}
			for _, x := range vs {
				if !x.Deleted {
					out = append(out, k.ID)
					break
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	out, perr := page(r, out)
	if perr != nil {
		return perr
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- schemas by id ----

func (s *server) handleSchemaByID(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, false); err != nil {
		return err
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return err
	}
	if q := r.URL.Query(); boolParam(r, "fetchMaxId") || q.Has("subject") || q.Has("findTags") || q.Has("referenceFormat") || strings.EqualFold(q.Get("format"), "resolved") {
		return s.schemaByIDUncached(w, r, id)
	}
	if s.generation != nil {
		s.ids.sync(s.generation().HardDeletes)
	}
	b, gen, ok := s.ids.get(id)
	if !ok {
		sc, err := s.visibleSchema(r, id)
		if err != nil {
			return err
		}
		b, err = jsonBytes(newSchemaString(sc))
		if err != nil {
			return err
		}
		s.ids.put(id, gen, b)
	}
	writeRaw(w, http.StatusOK, b)
	return nil
}

// schemaString is Confluent's SchemaString: the answer of
// /schemas/ids/{id} and /schemas/guids/{guid}.
type schemaString struct {
	Schema     string          `json:"schema"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []api.Reference `json:"references,omitempty"`
	Metadata   *api.Metadata   `json:"metadata,omitempty"`
	RuleSet    *api.RuleSet    `json:"ruleSet,omitempty"`
	GUID       string          `json:"guid,omitempty"`
	SchemaTags []schemaTagsOut `json:"schemaTags,omitempty"`
}

func newSchemaString(sc store.StoredSchema) schemaString {
	return schemaString{Schema: sc.Text, SchemaType: schemaTypeField(sc.Type), References: sc.References, Metadata: sc.Metadata, RuleSet: sc.RuleSet, GUID: sc.GUID}
}

// handleSchemaByGUID is GET /schemas/guids/{guid}: the schema with that
// GUID while some version, live or soft-deleted, holds it.
func (s *server) handleSchemaByGUID(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, false); err != nil {
		return err
	}
	var sc store.StoredSchema
	err := s.store.View(r.Context(), func(tx store.Tx) error {
		scs, err := visibleByGUID(tx, r.PathValue("guid"))
		if err != nil {
			return err
		}
		if len(scs) == 0 {
			return errSchemaNotFound()
		}
		sc = scs[0]
		return applyFormat(tx, r, &sc)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newSchemaString(sc))
	return nil
}

// visibleByGUID returns the schemas with GUID guid, one per context (the
// default context first), that some version, live or soft-deleted, holds.
func visibleByGUID(tx store.Tx, guid string) ([]store.StoredSchema, error) {
	scs, err := tx.SchemasByGUID(guid)
	if err != nil {
		return nil, err
	}
	var out []store.StoredSchema
	for _, sc := range scs {
		vs, err := tx.VersionsBySchema(sc.Context, sc.ID)
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			out = append(out, sc)
		}
	}
	return out, nil
}

// contextID is Confluent's ContextId.
type contextID struct {
	Context string `json:"context"`
	ID      int64  `json:"id"`
}

// handleIDsByGUID is GET /schemas/guids/{guid}/ids: the id of the schema
// in every context that holds it, as Confluent lists them (an unknown GUID
// is an empty list).
func (s *server) handleIDsByGUID(w http.ResponseWriter, r *http.Request) error {
	out := []contextID{}
	err := s.store.View(r.Context(), func(tx store.Tx) error {
		scs, err := visibleByGUID(tx, r.PathValue("guid"))
		for _, sc := range scs {
			out = append(out, contextID{sc.Context, sc.ID})
		}
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// schemaByIDUncached answers GET /schemas/ids/{id} with ?subject= (which
// selects the context, see idContext) or ?fetchMaxId=true (the largest id
// allocated so far in that context, read with the schema).
func (s *server) schemaByIDUncached(w http.ResponseWriter, r *http.Request, id int64) error {
	sc, err := s.visibleSchema(r, id)
	if err != nil {
		return err
	}
	ss := newSchemaString(sc)
	ss.References = qualifyRefs(r, sc.Context, ss.References)
	if ss.SchemaTags, _, err = findTags(r, sc, func(f func(store.Tx) error) error { return s.store.View(r.Context(), f) }); err != nil {
		return err
	}
	if !boolParam(r, "fetchMaxId") {
		writeJSON(w, http.StatusOK, ss)
		return nil
	}
	var maxID int64
	if err := s.store.View(r.Context(), func(tx store.Tx) (err error) {
		maxID, err = tx.MaxSchemaID(sc.Context)
		return err
	}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		schemaString
		MaxID int64 `json:"maxId"`
	}{ss, max(maxID, id)})
	return nil
}

// idContext resolves the context of an id lookup from ?subject=, as
// Confluent does (getSchemaKeyUsingContexts): without it, the default
// context. A qualified subject selects its context and must hold the id
// (any subject of it for ":.ctx:"). A bare subject selects the default
// context if it holds the id there, else the first other context in which
// the subject of that name holds it, else the default context. holder, when
// not empty, is the subject that must hold the id.
func idContext(tx store.Tx, r *http.Request, id int64) (ctx, holder string, err error) {
	subject := r.URL.Query().Get("subject")
	if subject == "" {
		return api.DefaultContext, "", nil
	}
	ctx, name := api.SplitSubject(subject)
	if name == "" {
		return ctx, "", nil
	}
	if ctx != api.DefaultContext {
		return ctx, api.QualifySubject(ctx, name), nil
	}
	holds := func(ctx, subject string) (bool, error) {
		vs, err := tx.VersionsBySchema(ctx, id)
		for _, v := range vs {
			if v.Subject == subject {
				return true, nil
			}
		}
		return false, err
	}
	if ok, err := holds(api.DefaultContext, name); ok || err != nil {
		return api.DefaultContext, name, err
	}
	ctxs, err := tx.Contexts()
	if err != nil {
		return "", "", err
	}
	for _, c := range ctxs {
		q := api.QualifySubject(c, name)
		if ok, err := holds(c, q); ok || err != nil {
			return c, q, err
		}
	}
	return api.DefaultContext, "", nil
}

// handleListSchemas is GET /schemas: every version of every subject as a
// Schema object, filtered by ?subjectPrefix=, ?deleted= and ?latestOnly=.
func (s *server) handleListSchemas(w http.ResponseWriter, r *http.Request) error {
	match := subjectMatcher(r)
	deleted, latestOnly := boolParam(r, "deleted"), boolParam(r, "latestOnly")
	ruleType := r.URL.Query().Get("ruleType")
	keepUnassociated, err := associationFilter(r)
	if err != nil {
		return err
	}
	out := []schemaObject{}
	if !keepUnassociated {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		subjects, err := tx.Subjects()
		if err != nil {
			return err
		}
		for _, sub := range subjects {
			if !match(sub.Subject) {
				continue
			}
			rows, err := tx.Versions(sub.Subject)
			if err != nil {
				return err
			}
			var picked []store.VersionRow
			for _, row := range rows {
				if !row.Deleted || deleted {
					picked = append(picked, row)
				}
			}
			if latestOnly && len(picked) > 0 {
				picked = picked[len(picked)-1:]
			}
			for _, row := range picked {
				sc, err := tx.SchemaByID(row.Context, row.SchemaID)
				if err != nil {
					return err
				}
				if ruleType != "" && !hasRuleOfType(sc.RuleSet, ruleType) {
					continue
				}
				out = append(out, newSchemaObject(row.Subject, row, sc))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	out, perr := page(r, out)
	if perr != nil {
		return perr
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// hasRuleOfType is Confluent's RuleSet.hasRulesWithType (?ruleType= of
// GET /schemas).
func hasRuleOfType(rs *api.RuleSet, typ string) bool {
	if rs == nil {
		return false
	}
	is := func(r api.Rule) bool { return r.Type == typ }
	return slices.ContainsFunc(rs.DomainRules, is) || slices.ContainsFunc(rs.MigrationRules, is) || slices.ContainsFunc(rs.EncodingRules, is)
}

// associationFilter reads the association filters of GET /schemas
// (resourceType, associationType, lifecycle: Confluent 8.x associations).
// This registry keeps no associations, so every subject is unassociated:
// with any of them, Confluent keeps a schema only when lifecycle lists
// NONE. keep reports whether unassociated schemas stay.
func associationFilter(r *http.Request) (keep bool, err error) {
	q := r.URL.Query()
	lcs := q["lifecycle"]
	none := false
	for _, l := range lcs {
		switch l {
		case "NONE":
			none = true
		case "STRONG", "WEAK":
		default:
			return false, errf(http.StatusBadRequest, api.CodeBadRequest, "Invalid lifecycle %q: want NONE, STRONG or WEAK", l)
		}
	}
	if !q.Has("resourceType") && len(q["associationType"]) == 0 && len(lcs) == 0 {
		return true, nil
	}
	return none, nil
}

// visibleSchema returns schema id of the context ?subject= selects (see
// idContext) if some version, live or soft-deleted, still holds it.
func (s *server) visibleSchema(r *http.Request, id int64) (store.StoredSchema, error) {
	var sc store.StoredSchema
	err := s.store.View(r.Context(), func(tx store.Tx) error {
		vs, err := schemaVersions(tx, r, id)
		if err != nil {
			return err
		}
		if sc, err = tx.SchemaByID(vs[0].Context, id); err != nil {
			return err
		}
		return applyFormat(tx, r, &sc)
	})
	return sc, err
}

// schemaVersions returns the versions that hold id in the context
// ?subject= selects (see idContext); 404/40403 when there is none.
func schemaVersions(tx store.Tx, r *http.Request, id int64) ([]store.VersionRow, error) {
	ctx, holder, err := idContext(tx, r, id)
	if err != nil {
		return nil, err
	}
	vs, err := tx.VersionsBySchema(ctx, id)
	if err != nil {
		return nil, err
	}
	if holder != "" && !slices.ContainsFunc(vs, func(v store.VersionRow) bool { return v.Subject == holder }) {
		return nil, errSchemaNotFound()
	}
	if len(vs) == 0 {
		return nil, errSchemaNotFound()
	}
	return vs, nil
}

func (s *server) handleSchemaTextByID(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, false); err != nil {
		return err
	}
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return err
	}
	sc, err := s.visibleSchema(r, id)
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, []byte(sc.Text))
	return nil
}

func (s *server) versionsByID(r *http.Request) ([]store.VersionRow, error) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	deleted := boolParam(r, "deleted")
	var out []store.VersionRow
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		vs, err := schemaVersions(tx, r, id)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if !v.Deleted || deleted {
				out = append(out, v)
			}
		}
		return nil
	})
	return out, err
}

func (s *server) handleSubjectsByID(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.versionsByID(r)
	if err != nil {
		return err
	}
	out := []string{}
	for _, v := range vs {
		if len(out) == 0 || out[len(out)-1] != v.Subject {
			out = append(out, v.Subject)
		}
	}
	out, perr := page(r, out)
	if perr != nil {
		return perr
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) handleVersionsByID(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.versionsByID(r)
	if err != nil {
		return err
	}
	type sv struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
	}
	out := []sv{}
	for _, v := range vs {
		out = append(out, sv{v.Subject, v.Version})
	}
	out, perr := page(r, out)
	if perr != nil {
		return perr
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- registration ----

type registerResponse struct {
	ID      int64  `json:"id"`
	Version int    `json:"version,omitempty"`
	GUID    string `json:"guid,omitempty"`
}

func (s *server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	subj, err := subjectParam(r)
	if err != nil {
		return err
	}
	if err := checkFormat(r, true); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	// A re-registration seen since the last write gets the same answer.
	key, regGen, kept := s.keptAnswer(w, cacheRegister, subj, r.URL.RawQuery, body)
	if kept {
		return nil
	}
	var req schemaRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	if (req.Schema == nil || *req.Schema == "") && (!isNull(req.Metadata) || !isNull(req.RuleSet)) {
		// A metadata-only update: the latest version's schema with a new contract.
		if err := s.store.View(r.Context(), func(tx store.Tx) error {
			_, latest, ok, err := latestLive(tx, subj)
			if err != nil || !ok {
				return err
			}
			req.Schema, req.SchemaType, req.References = &latest.Text, string(latest.Type), latest.References
			return nil
		}); err != nil {
			return err
		}
	}
	tagged, err := registerTags(&req)
	if err != nil {
		return err
	}
	p, err := s.prepareSchema(&req)
	if err != nil {
		return err
	}
	p.Tagged, p.Propagate = tagged, req.PropagateSchemaTags
	if req.ID == 0 && req.Version <= 0 && !p.Tagged && !p.Propagate {
		// Re-registration is the common case (every producer start): answer
		// it from a read transaction, without queueing for the writer.
		var done *registerResponse
		if err := s.store.View(r.Context(), func(tx store.Tx) error {
			g, perr := planRegister(tx, subj, p)
			if perr == nil && g.done == nil {
				// A new version (every event of a fresh push): the
				// writer decides, mode included; no need to read the
				// mode here.
				return nil
			}
			mode, err := effectiveMode(tx, subj)
			if err != nil || mode != modeReadWrite {
				return err
			}
			if perr != nil {
				return perr
			}
			done = g.done
			return nil
		}); err != nil {
			return err
		}
		if done != nil {
			b, err := jsonBytes(done)
			if err != nil {
				return err
			}
			s.regs.put(key, regGen, b)
			writeRaw(w, http.StatusOK, b)
			return nil
		}
	}
	if req.ID < 0 || req.ID > 1<<31-1 {
		return errInvalidSchema("invalid id %d", req.ID)
	}
	if req.Version < -1 {
		return errInvalidSchema("invalid version %d", req.Version)
	}
	var res registerResponse
	err = s.update(r.Context(), func(tx store.Tx) error {
		res = registerResponse{}
		mode, err := effectiveMode(tx, subj)
		if err != nil {
			return err
		}
		switch mode {
		case modeReadOnly, modeReadOnlyOverride:
			return errNotPermitted("Subject %s is in read-only mode", subj)
		case modeImport, modeForward:
			if req.ID == 0 {
				return errNotPermitted("Subject %s is in import mode: a registration must carry an id", subj)
			}
			res, err = s.importSchema(tx, subj, p, &req)
			return err
		default:
			if req.ID != 0 {
				return errNotPermitted("Subject %s is not in import mode: a registration cannot choose its id", subj)
			}
			res, err = s.register(tx, subj, p, req.Version, boolParam(r, "force"))
			return err
		}
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// effectiveMode is the subject's mode, else the global one, else READWRITE.
func effectiveMode(tx store.Tx, subj string) (string, error) {
	for _, scope := range scopesOf(subj) {
		m, err := tx.Mode(scope)
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	return modeReadWrite, nil
}

// effectiveConfig is the subject's config with every field it does not set
// taken from the global config, and BACKWARD when neither sets a level.
func effectiveConfig(tx store.Tx, subj string) (store.SubjectConfig, error) {
	var out store.SubjectConfig
	for _, scope := range scopesOf(subj) {
		c, err := tx.Config(scope)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return store.SubjectConfig{}, err
		}
		if out.Compatibility == "" {
			out.Compatibility = c.Compatibility
		}
		if out.DefaultMetadata == nil {
			out.DefaultMetadata = c.DefaultMetadata
		}
		if out.OverrideMetadata == nil {
			out.OverrideMetadata = c.OverrideMetadata
		}
		if out.DefaultRuleSet == nil {
			out.DefaultRuleSet = c.DefaultRuleSet
		}
		if out.OverrideRuleSet == nil {
			out.OverrideRuleSet = c.OverrideRuleSet
		}
	}
	if out.Compatibility == "" {
		out.Compatibility = defaultLevel
	}
	return out, nil
}

// scopesOf lists where a subject's config and mode come from, nearest
// first: the subject, its context (":.ctx:", outside the default context),
// the global scope "", then the global context's ":.__GLOBAL:".
func scopesOf(subj string) []string {
	if subj == api.GlobalScope {
		return []string{subj}
	}
	if subj == "" {
		return []string{"", api.GlobalScope}
	}
	ctx, name := api.SplitSubject(subj)
	if ctx == api.DefaultContext || name == "" {
		return []string{subj, "", api.GlobalScope}
	}
	return []string{subj, api.QualifySubject(ctx, ""), "", api.GlobalScope}
}

// effectiveLevel is the subject's level, else the global one, else BACKWARD.
func effectiveLevel(tx store.Tx, subj string) (compat.Level, error) {
	c, err := effectiveConfig(tx, subj)
	return c.Compatibility, err
}

func liveRows(rows []store.VersionRow) []store.VersionRow {
	var out []store.VersionRow
	for _, r := range rows {
		if !r.Deleted {
			out = append(out, r)
		}
	}
	return out
}

func maxVersion(rows []store.VersionRow) int {
	m := 0
	for _, r := range rows {
		m = max(m, r.Version)
	}
	return m
}

// latestLive returns the subject's latest live version with its schema;
// ok is false when the subject has none.
func latestLive(tx store.Tx, subj string) (store.VersionRow, store.StoredSchema, bool, error) {
	row, err := tx.LatestVersion(subj, false)
	if errors.Is(err, store.ErrNotFound) {
		return store.VersionRow{}, store.StoredSchema{}, false, nil
	}
	if err != nil {
		return store.VersionRow{}, store.StoredSchema{}, false, err
	}
	sc, err := tx.SchemaByID(row.Context, row.SchemaID)
	if err != nil {
		return store.VersionRow{}, store.StoredSchema{}, false, err
	}
	return row, sc, true, nil
}

// resolveContract is the data contract a registration of p in subj gets, as
// Confluent computes it: the request's metadata and rule set, or the latest
// version's when the request has none, merged between the config's
// defaultMetadata/defaultRuleSet and overrideMetadata/overrideRuleSet.
func resolveContract(tx store.Tx, subj string, p *preparedSchema, latest *store.StoredSchema) (*api.Metadata, *api.RuleSet, error) {
	cfg, err := effectiveConfig(tx, subj)
	if err != nil {
		return nil, nil, err
	}
	meta, rules := p.Metadata, p.RuleSet
	if latest != nil {
		if !p.HasMetadata {
			meta = latest.Metadata
		}
		if !p.HasRuleSet {
			rules = latest.RuleSet
		}
	}
	return mergeMetadata(cfg.DefaultMetadata, meta, cfg.OverrideMetadata),
		mergeRuleSets(cfg.DefaultRuleSet, rules, cfg.OverrideRuleSet), nil
}

// registration is what a registration of a schema in a subject resolves to
// before anything is written.
type registration struct {
	refs     []api.Reference
	refTexts map[string][]byte
	meta     *api.Metadata
	rules    *api.RuleSet
	hash     string
	existing store.StoredSchema
	found    bool // existing holds the schema with hash
	latest   store.VersionRow
	hasLive  bool
	// done is the answer when the subject already holds the schema.
	done *registerResponse
}

// planRegister resolves references and the contract, and finds the schema
// and the subject's version holding it, if any. It reads only, so it runs in
// a read transaction first and again in the write transaction.
func planRegister(tx store.Tx, subj string, p *preparedSchema) (*registration, error) {
	var g registration
	var err error
	if g.refs, g.refTexts, err = resolveRefs(tx, api.ContextOf(subj), p.References); err != nil {
		return nil, err
	}
	row, latest, ok, err := latestLive(tx, subj)
	if err != nil {
		return nil, err
	}
	g.latest, g.hasLive = row, ok
	var lp *store.StoredSchema
	if ok {
		lp = &latest
	}
	if g.meta, g.rules, err = resolveContract(tx, subj, p, lp); err != nil {
		return nil, err
	}
	if g.hash, err = contractHash(p.Type, p.Canonical, g.refs, g.meta, g.rules); err != nil {
		return nil, err
	}
	g.existing, err = tx.SchemaByHash(api.ContextOf(subj), g.hash)
	g.found = err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if ok && (!p.HasMetadata || !p.HasRuleSet) {
		// Confluent looks the schema up as sent before it inherits the
		// latest version's contract (registerOrForward), unless the config
		// has defaults or overrides: a schema sent without a contract is
		// the version that holds it without one.
		asSent, err := contractHash(p.Type, p.Canonical, g.refs, p.Metadata, p.RuleSet)
		if err != nil {
			return nil, err
		}
		if asSent != g.hash {
			done, err := liveVersionWithHash(tx, subj, asSent)
			if err != nil {
				return nil, err
			}
			if done != nil {
				cfg, err := effectiveConfig(tx, subj)
				if err != nil {
					return nil, err
				}
				if cfg.DefaultMetadata == nil && cfg.OverrideMetadata == nil && cfg.DefaultRuleSet == nil && cfg.OverrideRuleSet == nil {
					g.done = done
					return &g, nil
				}
			}
		}
	}
	if g.found && ok {
		// Already registered here: same id and version, no check.
		v, err := tx.LiveVersionOf(subj, g.existing.ID)
		if err == nil {
			g.done = &registerResponse{ID: g.existing.ID, Version: v.Version, GUID: g.existing.GUID}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return &g, nil
}

// liveVersionWithHash is the answer of a re-registration of the schema
// with identity hash h in subj, if a live version of subj holds it.
func liveVersionWithHash(tx store.Tx, subj, h string) (*registerResponse, error) {
	sc, err := tx.SchemaByHash(api.ContextOf(subj), h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v, err := tx.LiveVersionOf(subj, sc.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &registerResponse{ID: sc.ID, Version: v.Version, GUID: sc.GUID}, nil
}

// register is a normal (READWRITE) registration inside the write
// transaction. It reads a bounded number of rows unless the level is
// transitive, so the 10,000th version costs what the 10th does.
//
// force (?force=true) skips the compatibility check, as Confluent does.
//
// As in Confluent (maybeSetMetadataRuleSet), the new version's metadata
// gets confluent:version when the request asks for a version or carries
// schema tags, and has it updated when it inherits one; a request with
// schema tags or an explicit version never re-uses an existing version.
func (s *server) register(tx store.Tx, subj string, p *preparedSchema, wantVersion int, force bool) (registerResponse, error) {
	if p.Propagate {
		_, latest, ok, err := latestLive(tx, subj)
		if err != nil {
			return registerResponse{}, err
		}
		if ok {
			if err := s.propagateTags(tx, latest, p); err != nil {
				return registerResponse{}, err
			}
		}
	}
	g, err := planRegister(tx, subj, p)
	if err != nil {
		return registerResponse{}, err
	}
	if g.done != nil && wantVersion <= 0 && !p.Tagged {
		return *g.done, nil
	}
	maxV, err := tx.MaxVersion(subj)
	if err != nil {
		return registerResponse{}, err
	}
	next := maxV + 1
	if wantVersion > 0 && wantVersion != next {
		return registerResponse{}, errInvalidSchema("Version is not one more than previous version: want %d, next is %d", wantVersion, next)
	}
	cv, hasCV := confluentVersion(g.meta)
	if (wantVersion != 0 || p.Tagged || hasCV) && cv != strconv.Itoa(next) {
		g.meta = normalizeMetadata(withConfluentVersion(g.meta, next))
		if g.hash, err = contractHash(p.Type, p.Canonical, g.refs, g.meta, g.rules); err != nil {
			return registerResponse{}, err
		}
		g.existing, err = tx.SchemaByHash(api.ContextOf(subj), g.hash)
		g.found = err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return registerResponse{}, err
		}
	}
	if err := parseSchema(p.Type, []byte(p.Text), g.refTexts); err != nil {
		return registerResponse{}, errInvalidSchema("%s", err.Error())
	}
	level, err := effectiveLevel(tx, subj)
	if err != nil {
		return registerResponse{}, err
	}
	if level != compat.None && g.hasLive && !force {
		cmp := []store.VersionRow{g.latest}
		if level.Transitive() {
			rows, err := tx.Versions(subj)
			if err != nil {
				return registerResponse{}, err
			}
			cmp = liveRows(rows)
		}
		prev, err := loadPrevious(tx, cmp)
		if err != nil {
			return registerResponse{}, err
		}
		msgs, err := s.judge(level, subj, p, g.refTexts, prev)
		if err != nil {
			return registerResponse{}, err
		}
		if len(msgs) > 0 {
			return registerResponse{}, errf(statusForIncompatible, api.CodeIncompatibleSchema,
				"Schema being registered is incompatible with an earlier schema for subject %q, details: [%s]", subj, strings.Join(msgs, ", "))
		}
	}
	id, guid := g.existing.ID, g.existing.GUID
	if !g.found {
		if guid, err = guidFor(tx, g.hash); err != nil {
			return registerResponse{}, err
		}
		id, err = tx.InsertSchema(store.StoredSchema{Context: api.ContextOf(subj), GUID: guid, Hash: g.hash, Type: p.Type, Text: p.Text, References: g.refs, Metadata: g.meta, RuleSet: g.rules})
		if err != nil {
			return registerResponse{}, err
		}
	}
	if err := tx.InsertVersion(subj, next, id); err != nil {
		return registerResponse{}, err
	}
	return registerResponse{ID: id, Version: next, GUID: guid}, nil
}

// guidFor is the GUID of a new schema row: the one the same schema already
// has in another context, else a new one.
func guidFor(tx store.Tx, hash string) (string, error) {
	g, err := tx.GUIDByHash(hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.NewGUID(), nil
	}
	return g, err
}

// importSchema registers under a caller-chosen id (IMPORT mode).
func (s *server) importSchema(tx store.Tx, subj string, p *preparedSchema, req *schemaRequest) (registerResponse, error) {
	refs, refTexts, err := resolveRefs(tx, api.ContextOf(subj), p.References)
	if err != nil {
		return registerResponse{}, err
	}
	if err := parseSchema(p.Type, []byte(p.Text), refTexts); err != nil {
		return registerResponse{}, errInvalidSchema("%s", err.Error())
	}
	hash, err := contractHash(p.Type, p.Canonical, refs, p.Metadata, p.RuleSet)
	if err != nil {
		return registerResponse{}, err
	}
	byID, err := tx.SchemaByID(api.ContextOf(subj), req.ID)
	idTaken := err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return registerResponse{}, err
	}
	if idTaken && byID.Hash != hash {
		return registerResponse{}, errNotPermitted("Overwrite new schema with id %d is not permitted: the id holds a different schema", req.ID)
	}
	if !idTaken {
		byHash, err := tx.SchemaByHash(api.ContextOf(subj), hash)
		if err == nil {
			return registerResponse{}, errNotPermitted("The schema is already registered with id %d, not %d", byHash.ID, req.ID)
		}
		if !errors.Is(err, store.ErrNotFound) {
			return registerResponse{}, err
		}
	}
	rows, err := tx.Versions(subj)
	if err != nil {
		return registerResponse{}, err
	}
	version := req.Version
	if version <= 0 {
		for _, row := range liveRows(rows) {
			if row.SchemaID == req.ID {
				return registerResponse{ID: req.ID, Version: row.Version, GUID: byID.GUID}, nil
			}
		}
		version = maxVersion(rows) + 1
	}
	for _, row := range rows {
		if row.Version == version {
			if row.SchemaID == req.ID {
				return registerResponse{ID: req.ID, Version: version, GUID: byID.GUID}, nil
			}
			return registerResponse{}, errNotPermitted("Version %d of subject %s already holds schema id %d", version, subj, row.SchemaID)
		}
	}
	guid := byID.GUID
	if !idTaken {
		if guid, err = guidFor(tx, hash); err != nil {
			return registerResponse{}, err
		}
		if _, err := tx.InsertSchema(store.StoredSchema{Context: api.ContextOf(subj), ID: req.ID, GUID: guid, Hash: hash, Type: p.Type, Text: p.Text, References: refs, Metadata: p.Metadata, RuleSet: p.RuleSet}); err != nil {
			return registerResponse{}, err
		}
	}
	if err := tx.InsertVersion(subj, version, req.ID); err != nil {
		return registerResponse{}, err
	}
	return registerResponse{ID: req.ID, Version: version, GUID: guid}, nil
}

// ---- lookup ----

func (s *server) handleLookup(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, false); err != nil {
		return err
	}
	subj, err := subjectParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	// A lookup seen since the last write gets the same answer.
	key, gen, kept := s.keptAnswer(w, cacheLookup, subj, r.URL.RawQuery, body)
	if kept {
		return nil
	}
	var req schemaRequest
	if err := decodeJSON(body, &req); err != nil {
		return err
	}
	p, err := s.prepareSchema(&req)
	if err != nil {
		return err
	}
	deleted := boolParam(r, "deleted")
	var obj schemaObject
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		// The subject's latest live version is the match the scan below
		// prefers over every other: when it holds the schema (a producer or
		// evctl push looking up what it registered), that is the answer,
		// without reading every version.
		latestRow, latest, hasLive, err := latestLive(tx, subj)
		if err != nil {
			return err
		}
		var hash, contentHash string
		if hasLive {
			if hash, contentHash, err = lookupHashes(tx, subj, p, &latest); err != nil {
				return err
			}
			ok, err := lookupMatches(latest, p, hash, contentHash)
			if err != nil {
				return err
			}
			if ok {
				if err := applyFormat(tx, r, &latest); err != nil {
					return err
				}
				obj = newSchemaObject(subj, latestRow, latest)
				return nil
			}
		}
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		if len(rows) == 0 || (!hasLive && !deleted) {
			return errSubjectNotFound(subj)
		}
		if !hasLive {
			if hash, contentHash, err = lookupHashes(tx, subj, p, nil); err != nil {
				return err
			}
		}
		var match *store.VersionRow
		var sc store.StoredSchema
		for i := range rows {
			row := &rows[i]
			if row.Deleted && !deleted {
				continue
			}
			if match != nil && !(match.Deleted && !row.Deleted) && !(match.Deleted == row.Deleted && row.Version > match.Version) {
				continue
			}
			// Prefer a live version over a soft-deleted one, then the latest.
			cand, err := tx.SchemaByID(row.Context, row.SchemaID)
			if err != nil {
				return err
			}
			ok, err := lookupMatches(cand, p, hash, contentHash)
			if err != nil {
				return err
			}
			if ok {
				match, sc = row, cand
			}
		}
		if match == nil {
			return errSchemaNotFound()
		}
		if err := applyFormat(tx, r, &sc); err != nil {
			return err
		}
		obj = newSchemaObject(subj, *match, sc)
		return nil
	})
	if err != nil {
		return err
	}
	b, err := jsonBytes(obj)
	if err != nil {
		return err
	}
	s.regs.put(key, gen, b)
	writeRaw(w, http.StatusOK, b)
	return nil
}

// lookupHashes returns the identity hash a registration of p in subj
// would store (its references resolved, with the contract it would inherit
// from latest, the latest live version, or be given) and the hash of its
// content alone.
func lookupHashes(tx store.Tx, subj string, p *preparedSchema, latest *store.StoredSchema) (hash, contentHash string, err error) {
	refs, _, err := resolveRefs(tx, api.ContextOf(subj), p.References)
	if err != nil {
		return "", "", err
	}
	meta, rules, err := resolveContract(tx, subj, p, latest)
	if err != nil {
		return "", "", err
	}
	if hash, err = contractHash(p.Type, p.Canonical, refs, meta, rules); err != nil {
		return "", "", err
	}
	return hash, identityHash(p.Type, p.Canonical, refs, "", ""), nil
}

// lookupMatches reports whether the stored schema cand is what a lookup of
// p finds: the same identity hash, or, for a request without a contract,
// the same content under whatever contract it was registered with.
func lookupMatches(cand store.StoredSchema, p *preparedSchema, hash, contentHash string) (bool, error) {
	if cand.Hash == hash {
		return true, nil
	}
	if p.HasMetadata || p.HasRuleSet {
		return false, nil
	}
	return sameContent(cand, contentHash)
}

// ---- compatibility ----

type compatResponse struct {
	IsCompatible bool     `json:"is_compatible"`
	Messages     []string `json:"messages,omitempty"`
}

func (s *server) handleCompatVersion(w http.ResponseWriter, r *http.Request) error {
	return s.compatibility(w, r, true)
}

func (s *server) handleCompatAll(w http.ResponseWriter, r *http.Request) error {
	return s.compatibility(w, r, false)
}

func (s *server) compatibility(w http.ResponseWriter, r *http.Request, oneVersion bool) error {
	subj, err := subjectParam(r)
	if err != nil {
		return err
	}
	v := -1
	if oneVersion {
		if v, err = parseVersion(r.PathValue("version")); err != nil {
			return err
		}
	}
	verbose := boolParam(r, "verbose")
	var req schemaRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	answerInvalid := func(err error) error {
		var ae *apiError
		if verbose && errors.As(err, &ae) && ae.Code == api.CodeInvalidSchema {
			writeJSON(w, http.StatusOK, compatResponse{IsCompatible: false, Messages: []string{ae.Message}})
			return nil
		}
		return err
	}
	p, err := s.prepareSchema(&req)
	if err != nil {
		return answerInvalid(err)
	}
	var msgs []string
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		live := liveRows(rows)
		var cmp []store.VersionRow
		switch {
		case !oneVersion:
			cmp = live
		case v == -1:
			if len(live) > 0 {
				cmp = live[len(live)-1:]
			}
		default:
			row, err := pickVersion(subj, rows, v, false)
			if err != nil {
				var ae *apiError
				if errors.As(err, &ae) && ae.Code == api.CodeSubjectNotFound {
					return errVersionNotFound(v)
				}
				return err
			}
			cmp = []store.VersionRow{row}
		}
		_, refTexts, err := resolveRefs(tx, api.ContextOf(subj), p.References)
		if err != nil {
			return err
		}
		if err := parseSchema(p.Type, []byte(p.Text), refTexts); err != nil {
			return errInvalidSchema("%s", err.Error())
		}
		if len(cmp) == 0 {
			return nil
		}
		level, err := effectiveLevel(tx, subj)
		if err != nil {
			return err
		}
		if oneVersion && level.Transitive() {
			// One named version: the transitive level degenerates to one comparison.
			level = compat.Level(strings.TrimSuffix(string(level), "_TRANSITIVE"))
		}
		prev, err := loadPrevious(tx, cmp)
		if err != nil {
			return err
		}
		msgs, err = s.judge(level, subj, p, refTexts, prev)
		return err
	})
	if err != nil {
		return answerInvalid(err)
	}
	if verbose {
		if msgs == nil {
			msgs = []string{}
		}
		writeJSON(w, http.StatusOK, struct {
			IsCompatible bool     `json:"is_compatible"`
			Messages     []string `json:"messages"`
		}{len(msgs) == 0, msgs})
		return nil
	}
	writeJSON(w, http.StatusOK, compatResponse{IsCompatible: len(msgs) == 0})
	return nil
}

// ---- deletes ----

// checkWritable refuses changes to a subject in a read-only mode.
func checkWritable(tx store.Tx, subj string) error {
	mode, err := effectiveMode(tx, subj)
	if err != nil {
		return err
	}
	if mode == modeReadOnly || mode == modeReadOnlyOverride {
		return errNotPermitted("Subject %s is in read-only mode", subj)
	}
	return nil
}

// checkNotReferenced refuses to delete a version another schema refers to:
// for a soft delete, a schema with a live version; for a hard delete, a
// schema with any version at all. Versions in subject ignore (a subject
// being deleted as a whole) do not count.
func checkNotReferenced(tx store.Tx, subj string, version int, permanent bool, ignore string) error {
	keys, err := tx.ReferencedBy(subj, version)
	if err != nil {
		return err
	}
	for _, k := range keys {
		id := k.ID
		vs, err := tx.VersionsBySchema(k.Context, k.ID)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if v.Subject == ignore && ignore != "" {
				continue
			}
			if permanent || !v.Deleted {
				return errf(statusForUnprocessableEntity, api.CodeReferenceExists,
					"One or more references exist to the schema {subject=%s,version=%d}: schema id %d in %s version %d", subj, version, id, v.Subject, v.Version)
			}
		}
	}
	return nil
}

// dropSubjectSettings removes the config and mode of a subject that has no
// versions left.
func dropSubjectSettings(tx store.Tx, subj string) error {
	if err := tx.DeleteConfig(subj); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := tx.DeleteMode(subj); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

func (s *server) handleDeleteVersion(w http.ResponseWriter, r *http.Request) error {
	subj, err := subjectParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	v, err := parseVersion(r.PathValue("version"))
	if err != nil {
		return err
	}
	permanent := boolParam(r, "permanent")
	var deleted int
	err = s.update(r.Context(), func(tx store.Tx) error {
		if err := checkWritable(tx, subj); err != nil {
			return err
		}
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return errSubjectNotFound(subj)
		}
		var row *store.VersionRow
		for i := len(rows) - 1; i >= 0; i-- {
			if v == -1 {
				// latest: the latest live version for a soft delete, the
				// latest of all for a permanent one.
				if !rows[i].Deleted || permanent {
					row = &rows[i]
					break
				}
				continue
			}
			if rows[i].Version == v {
				row = &rows[i]
				break
			}
		}
		if row == nil {
			return errVersionNotFound(v)
		}
		deleted = row.Version
		if err := checkNotReferenced(tx, subj, row.Version, permanent, ""); err != nil {
			return err
		}
		if !permanent {
			if row.Deleted {
				return errf(http.StatusNotFound, api.CodeVersionSoftDeleted,
					"Subject '%s' Version %d was soft deleted. Set permanent=true to delete permanently", subj, row.Version)
			}
			return tx.SoftDeleteVersion(subj, row.Version)
		}
		if !row.Deleted {
			return errf(http.StatusNotFound, api.CodeVersionNotSoftDeleted,
				"Subject '%s' Version %d was not deleted first before being permanently deleted", subj, row.Version)
		}
		if err := tx.HardDeleteVersion(subj, row.Version); err != nil {
			return err
		}
		if len(rows) == 1 {
			return dropSubjectSettings(tx, subj)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if permanent {
		s.ids.invalidate()
	}
	writeJSON(w, http.StatusOK, deleted)
	return nil
}

func (s *server) handleDeleteSubject(w http.ResponseWriter, r *http.Request) error {
	subj, err := subjectParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	permanent := boolParam(r, "permanent")
	out := []int{}
	err = s.update(r.Context(), func(tx store.Tx) error {
		out = out[:0]
		if err := checkWritable(tx, subj); err != nil {
			return err
		}
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return errSubjectNotFound(subj)
		}
		live := liveRows(rows)
		if !permanent && len(live) == 0 {
			return errf(http.StatusNotFound, api.CodeSubjectSoftDeleted,
				"Subject '%s' was soft deleted. Set permanent=true to delete permanently", subj)
		}
		if permanent && len(live) > 0 {
			return errf(http.StatusNotFound, api.CodeSubjectNotSoftDeleted,
				"Subject '%s' was not deleted first before being permanently deleted", subj)
		}
		for _, row := range rows {
			if err := checkNotReferenced(tx, subj, row.Version, permanent, subj); err != nil {
				return err
			}
		}
		for _, row := range rows {
			if permanent {
				if err := tx.HardDeleteVersion(subj, row.Version); err != nil {
					return err
				}
			} else if !row.Deleted {
				if err := tx.SoftDeleteVersion(subj, row.Version); err != nil {
					return err
				}
			} else {
				continue
			}
			out = append(out, row.Version)
		}
		if permanent {
			return dropSubjectSettings(tx, subj)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if permanent {
		s.ids.invalidate()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- config and mode ----

// scopeParam returns the {subject} of /config/{subject} and /mode/{subject},
// or "" for the global endpoints.
func scopeParam(r *http.Request) (string, bool, error) {
	subj := r.PathValue("subject")
	if subj == "" && !strings.Contains(r.Pattern, "{subject}") {
		return "", false, nil
	}
	if err := validSubject(subj); err != nil {
		return "", true, err
	}
	// ":.ctx:" is the context's own scope, between its subjects' and the
	// global one.
	ctx, name := api.SplitSubject(subj)
	if _, ok := api.NormalizeContext(ctx); !ok {
		return "", true, errInvalidSubject(subj)
	}
	if name == "__GLOBAL" || name == "__EMPTY" {
		return "", true, errInvalidSubject(subj)
	}
	// ":.__GLOBAL:" answers like the global scope: a default when unset.
	q := api.QualifySubject(ctx, name)
	return q, q != api.GlobalScope, nil
}

// configGet is the config as GET and DELETE answer it.
type configGet struct {
	CompatibilityLevel compat.Level  `json:"compatibilityLevel,omitempty"`
	DefaultMetadata    *api.Metadata `json:"defaultMetadata,omitempty"`
	OverrideMetadata   *api.Metadata `json:"overrideMetadata,omitempty"`
	DefaultRuleSet     *api.RuleSet  `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet    *api.RuleSet  `json:"overrideRuleSet,omitempty"`
}

func newConfigGet(c store.SubjectConfig) configGet {
	return configGet{c.Compatibility, c.DefaultMetadata, c.OverrideMetadata, c.DefaultRuleSet, c.OverrideRuleSet}
}

// configPut is the body of PUT /config and its echo.
type configPut struct {
	Compatibility    compat.Level  `json:"compatibility,omitempty"`
	DefaultMetadata  *api.Metadata `json:"defaultMetadata,omitempty"`
	OverrideMetadata *api.Metadata `json:"overrideMetadata,omitempty"`
	DefaultRuleSet   *api.RuleSet  `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet  *api.RuleSet  `json:"overrideRuleSet,omitempty"`
}

func (s *server) handleGetConfig(w http.ResponseWriter, r *http.Request) error {
	subj, scoped, err := scopeParam(r)
	if err != nil {
		return errf(http.StatusNotFound, api.CodeSubjectConfigNotFound, "Subject '%s' does not have subject-level compatibility configured", r.PathValue("subject"))
	}
	// An answer given since the last write holds (evctl push reads every
	// subject's level).
	scope := "global"
	if scoped {
		scope = "subject:" + subj
	}
	key, gen, kept := s.keptAnswer(w, cacheConfig, scope, r.URL.RawQuery, nil)
	if kept {
		return nil
	}
	toGlobal := boolParam(r, "defaultToGlobal")
	var cfg store.SubjectConfig
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		c, err := tx.Config(subj)
		switch {
		case err == nil && !toGlobal:
			cfg = c
			if !scoped && cfg.Compatibility == "" {
				cfg.Compatibility = defaultLevel
			}
			return nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		case err != nil && scoped && !toGlobal:
			return errf(http.StatusNotFound, api.CodeSubjectConfigNotFound, "Subject '%s' does not have subject-level compatibility configured", subj)
		case err != nil && !toGlobal:
			// The global scope unset: the default, not the global
			// context's config (Confluent's getConfig without defaultToGlobal).
			cfg = store.SubjectConfig{Compatibility: defaultLevel}
			return nil
		}
		cfg, err = effectiveConfig(tx, subj)
		return err
	})
	if err != nil {
		return err
	}
	b, err := jsonBytes(newConfigGet(cfg))
	if err != nil {
		return err
	}
	s.regs.put(key, gen, b)
	writeRaw(w, http.StatusOK, b)
	return nil
}

func (s *server) handlePutConfig(w http.ResponseWriter, r *http.Request) error {
	subj, _, err := scopeParam(r)
	if err != nil {
		return err
	}
	var body struct {
		Compatibility string `json:"compatibility"`
		// Some clients send the GET spelling; accept it too.
		CompatibilityLevel string          `json:"compatibilityLevel"`
		DefaultMetadata    json.RawMessage `json:"defaultMetadata"`
		OverrideMetadata   json.RawMessage `json:"overrideMetadata"`
		DefaultRuleSet     json.RawMessage `json:"defaultRuleSet"`
		OverrideRuleSet    json.RawMessage `json:"overrideRuleSet"`
		// Confluent config keys this registry does not implement: refused
		// when set, rather than stored nowhere. ("normalize" is accepted:
		// identity is always key-order independent here.)
		ValidateFields      *bool           `json:"validateFields"`
		CompatibilityGroup  json.RawMessage `json:"compatibilityGroup"`
		Alias               json.RawMessage `json:"alias"`
		CompatibilityPolicy json.RawMessage `json:"compatibilityPolicy"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"validateFields", body.ValidateFields != nil && *body.ValidateFields},
		{"compatibilityGroup", !isNull(body.CompatibilityGroup) && string(body.CompatibilityGroup) != `""`},
		{"alias", !isNull(body.Alias) && string(body.Alias) != `""`},
		{"compatibilityPolicy", !isNull(body.CompatibilityPolicy) && string(body.CompatibilityPolicy) != `""`},
	} {
		if f.set {
			return errf(statusForUnprocessableEntity, api.CodeInvalidCompatibility, "Config key %q is not supported by this registry; leave it out", f.name)
		}
	}
	if body.Compatibility == "" {
		body.Compatibility = body.CompatibilityLevel
	}
	var put configPut
	if body.Compatibility != "" {
		if put.Compatibility, err = compat.ParseLevel(body.Compatibility); err != nil {
			return errf(statusForUnprocessableEntity, api.CodeInvalidCompatibility, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
		}
	}
	for _, f := range []struct {
		raw json.RawMessage
		dst **api.Metadata
	}{{body.DefaultMetadata, &put.DefaultMetadata}, {body.OverrideMetadata, &put.OverrideMetadata}} {
		if *f.dst, err = parseMetadata(f.raw); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		raw json.RawMessage
		dst **api.RuleSet
	}{{body.DefaultRuleSet, &put.DefaultRuleSet}, {body.OverrideRuleSet, &put.OverrideRuleSet}} {
		if *f.dst, err = parseRuleSet(f.raw); err != nil {
			return err
		}
	}
	if put == (configPut{}) && isNull(body.DefaultMetadata) && isNull(body.OverrideMetadata) && isNull(body.DefaultRuleSet) && isNull(body.OverrideRuleSet) {
		return errf(statusForUnprocessableEntity, api.CodeInvalidCompatibility, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
	}
	err = s.update(r.Context(), func(tx store.Tx) error {
		// A PUT changes the fields it carries and keeps the others.
		c, err := tx.Config(subj)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if put.Compatibility != "" {
			c.Compatibility = put.Compatibility
		}
		if !isNull(body.DefaultMetadata) {
			c.DefaultMetadata = put.DefaultMetadata
		}
		if !isNull(body.OverrideMetadata) {
			c.OverrideMetadata = put.OverrideMetadata
		}
		if !isNull(body.DefaultRuleSet) {
			c.DefaultRuleSet = put.DefaultRuleSet
		}
		if !isNull(body.OverrideRuleSet) {
			c.OverrideRuleSet = put.OverrideRuleSet
		}
		return tx.SetConfig(subj, c)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, put)
	return nil
}

func (s *server) handleDeleteConfig(w http.ResponseWriter, r *http.Request) error {
	subj, scoped, err := scopeParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	var old store.SubjectConfig
	err = s.update(r.Context(), func(tx store.Tx) error {
		c, err := tx.Config(subj)
		switch {
		case err == nil:
			old = c
			if !scoped && old.Compatibility == "" {
				old.Compatibility = defaultLevel
			}
			return tx.DeleteConfig(subj)
		case !errors.Is(err, store.ErrNotFound):
			return err
		case scoped:
			return errSubjectNotFound(subj)
		}
		old = store.SubjectConfig{Compatibility: defaultLevel}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newConfigGet(old))
	return nil
}

type modeBody struct {
	Mode string `json:"mode"`
}

func (s *server) handleGetMode(w http.ResponseWriter, r *http.Request) error {
	subj, scoped, err := scopeParam(r)
	if err != nil {
		return errf(http.StatusNotFound, api.CodeSubjectModeNotFound, "Subject '%s' does not have subject-level mode configured", r.PathValue("subject"))
	}
	toGlobal := boolParam(r, "defaultToGlobal")
	var mode string
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		m, err := tx.Mode(subj)
		switch {
		case err == nil:
			mode = m
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return err
		case scoped && !toGlobal:
			return errf(http.StatusNotFound, api.CodeSubjectModeNotFound, "Subject '%s' does not have subject-level mode configured", subj)
		case !toGlobal:
			// The global scope unset: the default, not the global
			// context's mode (Confluent's getMode without defaultToGlobal).
			mode = modeReadWrite
			return nil
		}
		mode, err = effectiveMode(tx, subj)
		return err
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, modeBody{Mode: mode})
	return nil
}

func (s *server) handlePutMode(w http.ResponseWriter, r *http.Request) error {
	subj, scoped, err := scopeParam(r)
	if err != nil {
		return err
	}
	var body modeBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	mode := strings.ToUpper(strings.TrimSpace(body.Mode))
	switch mode {
	case modeReadWrite, modeReadOnly, modeReadOnlyOverride, modeImport:
	case modeForward:
		// As Confluent: FORWARD only on the global context.
		if subj != api.GlobalScope {
			return errf(statusForUnprocessableEntity, api.CodeInvalidMode, "Forward mode only supported on global level")
		}
	default:
		return errf(statusForUnprocessableEntity, api.CodeInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, IMPORT and FORWARD")
	}
	force := boolParam(r, "force")
	err = s.update(r.Context(), func(tx store.Tx) error {
		if mode == modeImport && !force {
			if scoped {
				rows, err := tx.Versions(subj)
				if err != nil {
					return err
				}
				if len(rows) > 0 {
					return errNotPermitted("Cannot import since found existing subjects")
				}
			} else {
				subjects, err := tx.Subjects()
				if err != nil {
					return err
				}
				if len(subjects) > 0 {
					return errNotPermitted("Cannot import since found existing subjects")
				}
			}
		}
		return tx.SetMode(subj, mode)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, modeBody{Mode: mode})
	return nil
}

func (s *server) handleDeleteMode(w http.ResponseWriter, r *http.Request) error {
	subj, scoped, err := scopeParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	// recursive=true on the global scope or a context (":.ctx:") also
	// deletes the modes of the subjects in it, as Confluent does: the
	// default context's subjects for the global scope. On a subject it
	// only turns "no mode" into {"mode":null}, as in Confluent.
	ctx, name := api.SplitSubject(subj)
	askedRecursive := boolParam(r, "recursive")
	recursive := askedRecursive && name == ""
	var old *string
	err = s.update(r.Context(), func(tx store.Tx) error {
		old = nil
		m, err := tx.Mode(subj)
		switch {
		case err == nil:
			old = &m
			if err := tx.DeleteMode(subj); err != nil {
				return err
			}
		case !errors.Is(err, store.ErrNotFound):
			return err
		case !scoped:
			// No global mode set: the default stays.
			rw := modeReadWrite
			old = &rw
		case !askedRecursive:
			// Confluent's ModeResource.deleteSubjectMode answers 40401.
			return errSubjectNotFound(subj)
		}
		if !recursive {
			return nil
		}
		scopes, err := tx.ModeSubjects()
		if err != nil {
			return err
		}
		for _, sc := range scopes {
			if c, n := api.SplitSubject(sc); sc != "" && c == ctx && n != "" {
				if err := tx.DeleteMode(sc); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if old == nil {
		// A recursive delete of a context without a mode of its own.
		writeRaw(w, http.StatusOK, []byte(`{"mode":null}`))
		return nil
	}
	writeJSON(w, http.StatusOK, modeBody{Mode: *old})
	return nil
}

func jsonBytes(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return b, nil
}

// keptAnswer writes the answer kept for this request (kind, scope, query
// and body) when no write has happened since it was given, and reports
// whether it did. Otherwise it returns the key and generation to keep the
// answer the handler is about to give (regCache.put).
func (s *server) keptAnswer(w http.ResponseWriter, kind byte, scope, query string, body []byte) ([sha256.Size]byte, uint64, bool) {
	if s.generation != nil {
		s.regs.sync(s.generation().Writes)
	}
	key, gen, cached := s.regs.get(kind, scope, query, body)
	if cached != nil {
		writeRaw(w, http.StatusOK, cached)
		return key, gen, true
	}
	return key, gen, false
}
