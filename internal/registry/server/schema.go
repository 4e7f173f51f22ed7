package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/compat/avro"
	"github.com/evctl/evctl/internal/compat/jsonschema"
	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

// CheckFunc is the signature of compat.Check.
type CheckFunc func(format compat.Format, level compat.Level, newDoc compat.Doc, previous []compat.Doc, opts compat.Options) (compat.Result, error)

// schemaRequest is Confluent's RegisterSchemaRequest. Unknown top-level
// fields are ignored, as Confluent does; "metadata" and "ruleSet" are
// validated strictly and stored.
type schemaRequest struct {
	Schema     *string         `json:"schema"`
	SchemaType string          `json:"schemaType"`
	References []api.Reference `json:"references"`
	Metadata   json.RawMessage `json:"metadata"`
	RuleSet    json.RawMessage `json:"ruleSet"`
	ID         int64           `json:"id"`
	Version    int             `json:"version"`
	// Schema tags to write into the schema before it is registered, and
	// whether to carry over the latest version's (Confluent 7.x/8.x).
	SchemaTagsToAdd     []schemaTags `json:"schemaTagsToAdd"`
	SchemaTagsToRemove  []schemaTags `json:"schemaTagsToRemove"`
	PropagateSchemaTags bool         `json:"propagateSchemaTags"`
}

// preparedSchema is a request schema after the checks that need no store.
type preparedSchema struct {
	Type compat.Format
	// Text is the schema as stored and returned: the request text with
	// insignificant whitespace removed (key order, docs and defaults kept).
	Text string
	// Canonical is the identity form: object keys sorted, no whitespace.
	Canonical  string
	References []api.Reference
	// Metadata and RuleSet are the request's own data contract; HasMetadata
	// and HasRuleSet say whether the request carried the field at all (a
	// missing one is inherited from the subject's latest version).
	Metadata    *api.Metadata
	RuleSet     *api.RuleSet
	HasMetadata bool
	HasRuleSet  bool
	// Tagged is true when the request carried schema tags: as in
	// Confluent, it then always registers a new version, whose metadata
	// gets confluent:version.
	Tagged bool
	// Propagate copies the latest version's confluent:tags into the
	// schema (propagateSchemaTags).
	Propagate bool
}

// parseSchemaType maps the request's schemaType; empty means AVRO.
func parseSchemaType(s string) (compat.Format, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "", "AVRO":
		return compat.Avro, nil
	case "JSON":
		return compat.JSONSchema, nil
	case "PROTOBUF":
		return "", errInvalidSchema("schema type PROTOBUF is not supported by this registry (evctl serves AVRO and JSON schemas only; Protobuf is out of scope)")
	default:
		return "", errInvalidSchema("unsupported schema type %q; this registry supports AVRO and JSON", s)
	}
}

// prepareSchema validates the shape, size and nesting of a request schema and
// computes its stored and canonical forms. It does not resolve references.
func (s *server) prepareSchema(req *schemaRequest) (*preparedSchema, error) {
	typ, err := parseSchemaType(req.SchemaType)
	if err != nil {
		return nil, err
	}
	if req.Schema == nil || strings.TrimSpace(*req.Schema) == "" {
		return nil, errf(statusForUnprocessableEntity, api.CodeInvalidSchema, "Empty schema: the request has no \"schema\" field")
	}
	text := []byte(*req.Schema)
	if len(text) > s.opts.MaxSchemaBytes {
		return nil, errf(statusForUnprocessableEntity, api.CodeSchemaTooLarge,
			"Schema too large: %d bytes exceeds the limit of %d bytes", len(text), s.opts.MaxSchemaBytes)
	}
	if d := jsonDepth(text); d > s.opts.MaxSchemaDepth {
		return nil, errInvalidSchema("nesting depth exceeds the limit of %d", s.opts.MaxSchemaDepth)
	}
	canon, err := canonicalJSON(text, typ == compat.Avro)
	if err != nil {
		return nil, errInvalidSchema("%s", err.Error())
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, text); err != nil {
		return nil, errInvalidSchema("%s", err.Error())
	}
	if typ == compat.JSONSchema {
		if c := canon[0]; c != '{' && c != 't' && c != 'f' {
			return nil, errInvalidSchema("a JSON schema must be an object or a boolean")
		}
	}
	refs := req.References
	if len(refs) > maxReferences {
		return nil, errInvalidSchema("%d references exceed the limit of %d", len(refs), maxReferences)
	}
	seen := map[string]bool{}
	for _, r := range refs {
		if r.Name == "" {
			return nil, errInvalidSchema("a reference has an empty name")
		}
		if seen[r.Name] {
			return nil, errInvalidSchema("duplicate reference name %q", r.Name)
		}
		seen[r.Name] = true
		if err := validSubject(r.Subject); err != nil {
			return nil, errInvalidSchema("reference %q has an invalid subject %q", r.Name, r.Subject)
		}
		if r.Version != -1 && r.Version < 1 {
			return nil, errInvalidSchema("reference %q has an invalid version %d", r.Name, r.Version)
		}
	}
	meta, err := parseMetadata(req.Metadata)
	if err != nil {
		return nil, err
	}
	rules, err := parseRuleSet(req.RuleSet)
	if err != nil {
		return nil, err
	}
	return &preparedSchema{Type: typ, Text: compact.String(), Canonical: string(canon), References: refs,
		Metadata: meta, RuleSet: rules, HasMetadata: !isNull(req.Metadata), HasRuleSet: !isNull(req.RuleSet)}, nil
}

const (
	maxReferences     = 256
	maxReferenceDepth = 32
)

// jsonDepth returns the deepest nesting of arrays and objects in a JSON text,
// without recursion. It does not validate.
func jsonDepth(b []byte) int {
	depth, deepest := 0, 0
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			deepest = max(deepest, depth)
		case '}', ']':
			depth--
		}
	}
	return deepest
}

// canonicalJSON re-encodes a JSON text with object keys sorted, numbers kept
// verbatim and no insignificant whitespace. For Avro it also writes a
// primitive type given as {"type":"int"} as "int", as Java's
// Schema.toString() does, so both spellings get one id. Callers bound the
// depth first.
func canonicalJSON(text []byte, avro bool) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("schema is not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("schema is not valid JSON: trailing data after the value")
	}
	if avro {
		v = collapseAvroPrimitives(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode canonical schema: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

var avroPrimitiveNames = map[string]bool{
	"null": true, "boolean": true, "int": true, "long": true, "float": true, "double": true, "bytes": true, "string": true,
}

// collapseAvroPrimitives replaces {"type": "<primitive>"} objects that carry
// nothing else by the primitive's name. Default values are data, not
// schemas, and are left alone.
func collapseAvroPrimitives(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if t, ok := x["type"].(string); ok && avroPrimitiveNames[t] {
				return t
			}
		}
		for k, e := range x {
			if k != "default" {
				x[k] = collapseAvroPrimitives(e)
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = collapseAvroPrimitives(e)
		}
		return x
	}
	return v
}

// identityHash is the content address of a schema: format, canonical text,
// the resolved references and the data contract (metadata and rule set, in
// their canonical JSON, "" for none), as Confluent's identity includes them.
// Same hash, same id, in every subject.
func identityHash(typ compat.Format, canonical string, refs []api.Reference, meta, rules string) string {
	h := sha256.New()
	h.Write([]byte(typ))
	h.Write([]byte{0})
	h.Write([]byte(canonical))
	h.Write([]byte{0})
	for _, r := range refs {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", r.Name, r.Subject, r.Version)
	}
	if meta != "" || rules != "" {
		// Only schemas with a contract hash these, so the ids of schemas
		// registered before contracts were stored keep their hash.
		fmt.Fprintf(h, "\x01metadata\x00%s\x00ruleSet\x00%s\x00", meta, rules)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// contractHash is identityHash of a schema with the given contract.
func contractHash(typ compat.Format, canonical string, refs []api.Reference, meta *api.Metadata, rules *api.RuleSet) (string, error) {
	mj, err := api.ContractJSON(meta)
	if err != nil {
		return "", err
	}
	rj, err := api.ContractJSON(rules)
	if err != nil {
		return "", err
	}
	return identityHash(typ, canonical, refs, mj, rj), nil
}

// resolveRefs turns each reference's version into a concrete one (-1 means
// the latest live version) and collects the text of every schema reachable
// through references, keyed by reference name. ctx is the context of the
// referencing subject: a reference subject without one is in it.
func resolveRefs(tx store.Tx, ctx string, refs []api.Reference) ([]api.Reference, map[string][]byte, error) {
	if len(refs) == 0 {
		return nil, nil, nil
	}
	resolved := make([]api.Reference, len(refs))
	texts := map[string][]byte{}
	for i, r := range refs {
		row, err := findRefVersion(tx, ctx, r)
		if err != nil {
			return nil, nil, err
		}
		resolved[i] = api.Reference{Name: r.Name, Subject: r.Subject, Version: row.Version}
	}
	if err := collectRefTexts(tx, ctx, resolved, texts, map[string]bool{}, 0); err != nil {
		return nil, nil, err
	}
	return resolved, texts, nil
}

func findRefVersion(tx store.Tx, ctx string, r api.Reference) (store.VersionRow, error) {
	rows, err := tx.Versions(api.QualifyReference(ctx, r.Subject))
	if err != nil {
		return store.VersionRow{}, err
	}
	for i := len(rows) - 1; i >= 0; i-- {
		row := rows[i]
		if row.Deleted {
			continue
		}
		if r.Version == -1 || row.Version == r.Version {
			return row, nil
		}
	}
	if r.Version == -1 {
		return store.VersionRow{}, errInvalidSchema("reference %q: subject %q has no live version", r.Name, r.Subject)
	}
	return store.VersionRow{}, errInvalidSchema("reference %q: subject %q has no version %d", r.Name, r.Subject, r.Version)
}

// collectRefTexts adds the texts of refs and, transitively, of their references.
func collectRefTexts(tx store.Tx, ctx string, refs []api.Reference, texts map[string][]byte, seen map[string]bool, depth int) error {
	if depth > maxReferenceDepth {
		return errInvalidSchema("references nest deeper than %d", maxReferenceDepth)
	}
	for _, r := range refs {
		subject := api.QualifyReference(ctx, r.Subject)
		key := fmt.Sprintf("%s\x00%d", subject, r.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		rows, err := tx.Versions(subject)
		if err != nil {
			return err
		}
		var found *store.VersionRow
		for i, row := range rows {
			if row.Version == r.Version {
				found = &rows[i]
			}
		}
		if found == nil {
			return errInvalidSchema("reference %q: subject %q has no version %d", r.Name, r.Subject, r.Version)
		}
		sc, err := tx.SchemaByID(found.Context, found.SchemaID)
		if err != nil {
			return err
		}
		if _, ok := texts[r.Name]; !ok {
			texts[r.Name] = []byte(sc.Text)
		}
		if len(texts) > maxReferences {
			return errInvalidSchema("more than %d schemas are referenced", maxReferences)
		}
		if err := collectRefTexts(tx, sc.Context, sc.References, texts, seen, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// parseSchema fully parses a schema with its references, as the compatibility
// engine will, and reports why it is invalid. It never panics.
func parseSchema(typ compat.Format, text []byte, refs map[string][]byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("schema parser failed: %v", r)
		}
	}()
	switch typ {
	case compat.Avro:
		_, err = avro.Parse(text, refs)
	case compat.JSONSchema:
		_, err = jsonschema.Parse(text, false, refs)
	default:
		err = fmt.Errorf("unsupported schema type %q", typ)
	}
	return err
}

// safeCheck calls check and turns a panic into an error.
func safeCheck(check CheckFunc, format compat.Format, level compat.Level, newDoc compat.Doc, prev []compat.Doc, opts compat.Options) (res compat.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("compatibility check failed: %v", r)
		}
	}()
	return check(format, level, newDoc, prev, opts)
}

// prevSchema is a registered version handed to the compatibility check.
type prevSchema struct {
	Version int
	Schema  store.StoredSchema
	Refs    map[string][]byte
}

// loadPrevious loads the given versions with their reference texts.
func loadPrevious(tx store.Tx, rows []store.VersionRow) ([]prevSchema, error) {
	out := make([]prevSchema, 0, len(rows))
	for _, row := range rows {
		sc, err := tx.SchemaByID(row.Context, row.SchemaID)
		if err != nil {
			return nil, err
		}
		texts := map[string][]byte{}
		if err := collectRefTexts(tx, sc.Context, sc.References, texts, map[string]bool{}, 0); err != nil {
			return nil, err
		}
		out = append(out, prevSchema{Version: row.Version, Schema: sc, Refs: texts})
	}
	return out, nil
}

// judge runs the compatibility check of a new schema against previous
// versions (oldest first) and returns Confluent-style messages for every
// incompatibility; an empty list means compatible.
func (s *server) judge(level compat.Level, subject string, p *preparedSchema, refs map[string][]byte, prev []prevSchema) ([]string, error) {
	if level == compat.None || len(prev) == 0 {
		return nil, nil
	}
	if !level.Transitive() {
		prev = prev[len(prev)-1:]
	}
	var msgs []string
	var docs []compat.Doc
	for _, ps := range prev {
		if ps.Schema.Type != p.Type {
			msgs = append(msgs, "Incompatible because of different schema type",
				fmt.Sprintf("{oldSchemaVersion: %d}", ps.Version),
				fmt.Sprintf("{oldSchema: '%s'}", truncate(ps.Schema.Text, 10240)),
				fmt.Sprintf("{compatibility: '%s'}", level))
			return msgs, nil
		}
		docs = append(docs, compat.Doc{Name: fmt.Sprint(ps.Version), Text: []byte(ps.Schema.Text), References: ps.Refs})
	}
	newDoc := compat.Doc{Name: "new", Text: []byte(p.Text), References: refs}
	res, err := safeCheck(s.check, p.Type, level, newDoc, docs, compat.Options{Policy: compat.Strict})
	if err != nil {
		return nil, errInvalidSchema("%s", err.Error())
	}
	if res.Compatible {
		return nil, nil
	}
	// Group the incompatibilities by the version they were found against,
	// newest version first, as Confluent reports them.
	byVersion := map[string][]compat.Change{}
	for _, c := range res.Changes {
		if !c.Compatible {
			byVersion[c.Against] = append(byVersion[c.Against], c)
		}
	}
	emit := func(changes []compat.Change) {
		for _, c := range changes {
			msgs = append(msgs, fmt.Sprintf("{errorType:'%s', description:'%s', additionalInfo:'%s'}", c.Type, c.Message, c.Path))
		}
	}
	for i := len(prev) - 1; i >= 0; i-- {
		name := fmt.Sprint(prev[i].Version)
		if changes, ok := byVersion[name]; ok {
			emit(changes)
			msgs = append(msgs, fmt.Sprintf("{oldSchemaVersion: %s}", name), fmt.Sprintf("{oldSchema: '%s'}", truncate(prev[i].Schema.Text, 10240)))
			delete(byVersion, name)
		}
	}
	var rest []string
	for k := range byVersion {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		emit(byVersion[k])
	}
	if len(msgs) == 0 {
		msgs = append(msgs, fmt.Sprintf("the schema is not %s compatible with subject %q", level, subject))
	}
	msgs = append(msgs, fmt.Sprintf("{validateFields: 'false', compatibility: '%s'}", level))
	return msgs, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
