package server

import (
	"bytes"
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

// Schema tags (Confluent's data-contract tags written into the schema
// text): POST /subjects/{s}/versions/{v}/tags registers a new version of
// the subject with "confluent:tags" added to or removed from records and
// fields, as Confluent's AbstractSchemaRegistry.modifySchemaTags does.

// inlineTagsKey is the schema keyword (Avro property, JSON Schema keyword)
// that carries an entity's tags.
const inlineTagsKey = "confluent:tags"

// confluentVersionKey is the metadata property Confluent sets to the
// version a tagged schema is registered as.
const confluentVersionKey = "confluent:version"

// Entity types of Confluent's SchemaEntity.
const (
	entityRecord = "sr_record"
	entityField  = "sr_field"
)

// tagSchemaRequest is Confluent's TagSchemaRequest. Unknown fields are
// ignored, as Confluent does.
type tagSchemaRequest struct {
	NewVersion    *int            `json:"newVersion"`
	TagsToAdd     []schemaTags    `json:"tagsToAdd"`
	TagsToRemove  []schemaTags    `json:"tagsToRemove"`
	Metadata      json.RawMessage `json:"metadata"`
	RuleSet       json.RawMessage `json:"ruleSet"`
	RulesToMerge  json.RawMessage `json:"rulesToMerge"`
	RulesToRemove []string        `json:"rulesToRemove"`
}

// schemaTags is Confluent's SchemaTags: tags for one schema entity.
type schemaTags struct {
	SchemaEntity *schemaEntity `json:"schemaEntity"`
	Tags         []string      `json:"tags"`
}

// schemaEntity is Confluent's SchemaEntity: a record ("sr_record", path
// "ns.Name") or a field ("sr_field", path "ns.Name.field"); JSON Schema
// paths start with "object", "array", "anyof", "allof", "oneof" or "not".
type schemaEntity struct {
	EntityPath *string `json:"entityPath"`
	EntityType string  `json:"entityType"`
}

// tagEntity is one entity to modify, with its tag sets in request order.
type tagEntity struct {
	path, typ   string
	add, remove []string
}

// key is the entity's identity as Confluent's SchemaEntity.equals sees
// it: the path without one leading dot, and the type.
func entityKey(path, typ string) string {
	return typ + "\x00" + strings.TrimPrefix(path, ".")
}

// tagEntities merges the request's lists into the entities to modify:
// first those of tagsToAdd, then those only in tagsToRemove, each once
// (TagSchemaRequest.schemaTagsListToMap and AvroSchema.modifySchemaTags).
func tagEntities(add, remove []schemaTags) ([]*tagEntity, error) {
	var out []*tagEntity
	byKey := map[string]*tagEntity{}
	collect := func(list []schemaTags, field string, isAdd bool) error {
		for i, st := range list {
			if st.SchemaEntity == nil || st.SchemaEntity.EntityPath == nil {
				return errf(statusForUnprocessableEntity, api.CodeUnprocessable, "%s[%d] has no schemaEntity.entityPath", field, i)
			}
			typ := st.SchemaEntity.EntityType
			if typ != entityRecord && typ != entityField {
				return errf(statusForUnprocessableEntity, api.CodeUnprocessable, "%s[%d].schemaEntity.entityType %q is not sr_record or sr_field", field, i, typ)
			}
			path := *st.SchemaEntity.EntityPath
			k := entityKey(path, typ)
			e := byKey[k]
			if e == nil {
				e = &tagEntity{path: path, typ: typ}
				byKey[k] = e
				out = append(out, e)
			}
			for _, t := range st.Tags {
				if isAdd {
					e.add = appendSet(e.add, t)
				} else {
					e.remove = appendSet(e.remove, t)
				}
			}
		}
		return nil
	}
	if err := collect(add, "tagsToAdd", true); err != nil {
		return nil, err
	}
	if err := collect(remove, "tagsToRemove", false); err != nil {
		return nil, err
	}
	return out, nil
}

func appendSet(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// errNoMatchingPath is Confluent's answer for an entity path that names
// nothing in the schema (an invalid schema, 42201).
func errNoMatchingPath(path string) *apiError {
	return errInvalidSchema("No matching path '%s' found in the schema", path)
}

// applySchemaTags returns text with the entities' tags added and then
// removed. The text keeps its key order; a new "confluent:tags" goes last
// in its object, an existing one stays where it is, an emptied one is
// removed.
func applySchemaTags(typ compat.Format, text string, entities []*tagEntity) (string, error) {
	if len(entities) == 0 {
		return text, nil
	}
	root, err := decodeOrdered([]byte(text))
	if err != nil {
		return "", &store.Error{Op: "decode stored schema", Err: err}
	}
	for _, e := range entities {
		var node *ordObj
		switch typ {
		case compat.Avro:
			node, err = findAvroEntity(root, e)
		case compat.JSONSchema:
			node, err = findJSONEntity(root, e)
		default:
			err = errInvalidSchema("schema tags are supported for AVRO and JSON schemas only")
		}
		if err != nil {
			return "", err
		}
		tags, err := inlineTags(node, e.path)
		if err != nil {
			return "", err
		}
		for _, t := range e.add {
			tags = appendSet(tags, t)
		}
		tags = slices.DeleteFunc(tags, func(t string) bool { return slices.Contains(e.remove, t) })
		if len(tags) == 0 {
			node.remove(inlineTagsKey)
			continue
		}
		arr := make([]any, len(tags))
		for i, t := range tags {
			arr[i] = t
		}
		node.set(inlineTagsKey, arr)
	}
	var buf bytes.Buffer
	if err := encodeOrdered(&buf, root); err != nil {
		return "", &store.Error{Op: "encode tagged schema", Err: err}
	}
	return buf.String(), nil
}

// inlineTags reads a node's "confluent:tags" (Jackson's asText of each
// element: strings as they are, numbers and booleans as written).
func inlineTags(node *ordObj, path string) ([]string, error) {
	v, ok := node.m[inlineTagsKey]
	if !ok {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, errInvalidSchema("%q at '%s' is not an array", inlineTagsKey, path)
	}
	var out []string
	for _, e := range arr {
		switch x := e.(type) {
		case string:
			out = appendSet(out, x)
		case json.Number:
			out = appendSet(out, x.String())
		case bool:
			out = appendSet(out, strconv.FormatBool(x))
		case nil:
			out = appendSet(out, "null")
		default:
			out = appendSet(out, "")
		}
	}
	return out, nil
}

func (o *ordObj) remove(k string) {
	if _, ok := o.m[k]; !ok {
		return
	}
	delete(o.m, k)
	o.keys = slices.DeleteFunc(o.keys, func(x string) bool { return x == k })
}

func (o *ordObj) str(k string) (string, bool) {
	s, ok := o.m[k].(string)
	return s, ok
}

// javaSplitDot splits like Java's String.split("\\."): trailing empty
// strings are dropped, leading ones kept.
func javaSplitDot(s string) []string {
	parts := strings.Split(s, ".")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if s == "" {
		return []string{""}
	}
	return parts
}

// findAvroEntity is Confluent's AvroSchemaUtils.findMatchingEntity: a
// breadth-first walk of the schema for the record (and field) the path
// names, carrying the namespace in scope. Confluent walks Avro's
// Schema.toString() form, where a record's "name" is its simple name and
// "namespace" is written where it differs from the enclosing one; the walk
// here reads the stored text the same way (a dotted name gives its
// namespace, a "namespace" member sets it, otherwise it is inherited).
func findAvroEntity(root any, e *tagEntity) (*ordObj, error) {
	ids := javaSplitDot(e.path)
	var ns, record, field string
	if e.typ == entityRecord {
		if len(ids) < 1 {
			return nil, errNoMatchingPath(e.path)
		}
		ns, record = strings.Join(ids[:len(ids)-1], "."), ids[len(ids)-1]
	} else {
		if len(ids) < 2 {
			return nil, errNoMatchingPath(e.path)
		}
		ns, record, field = strings.Join(ids[:len(ids)-2], "."), ids[len(ids)-2], ids[len(ids)-1]
	}
	type visit struct {
		node any
		ns   string
	}
	queue := []visit{{root, ""}}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		obj, ok := cur.node.(*ordObj)
		if !ok {
			if arr, ok := cur.node.([]any); ok { // a union
				for _, b := range arr {
					queue = append(queue, visit{b, cur.ns})
				}
			}
			continue
		}
		curNS := avroScopeNamespace(obj, cur.ns)
		t, hasType := obj.m["type"]
		if !hasType {
			// Jackson walks the members of an object without a type.
			for _, k := range obj.keys {
				queue = append(queue, visit{obj.m[k], curNS})
			}
			continue
		}
		switch ts, _ := t.(string); ts {
		case "record":
			name, _ := obj.str("name")
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			if (ns == "" || ns == curNS) && name == record {
				if e.typ == entityRecord {
					return obj, nil
				}
				fields, _ := obj.m["fields"].([]any)
				for _, f := range fields {
					if fo, ok := f.(*ordObj); ok {
						if n, _ := fo.str("name"); n == field {
							return fo, nil
						}
					}
				}
				continue
			}
			fields, _ := obj.m["fields"].([]any)
			for _, f := range fields {
				queue = append(queue, visit{f, curNS})
			}
		case "array":
			queue = append(queue, visit{obj.m["items"], curNS})
		case "map":
			queue = append(queue, visit{obj.m["values"], curNS})
		default:
			queue = append(queue, visit{t, curNS})
		}
	}
	return nil, errNoMatchingPath(e.path)
}

// avroScopeNamespace is the namespace in scope at a node of Avro's
// Schema.toString() form: a named type's own (from a dotted name or its
// "namespace" member), else the enclosing one.
func avroScopeNamespace(obj *ordObj, enclosing string) string {
	if t, _ := obj.str("type"); avroNamedKinds[t] {
		if name, _ := obj.str("name"); strings.Contains(name, ".") {
			return name[:strings.LastIndexByte(name, '.')]
		}
	}
	if ns, ok := obj.str("namespace"); ok {
		return ns
	}
	return enclosing
}

// findJSONEntity is Confluent's JsonSchemaUtils.findMatchingEntity: the
// path is read as a walk ("object.name" is properties/name, "array" is
// items, "object.definitions.X" and "object.$defs.X" name definitions,
// "anyof"/"oneof"/"allof" then an index a branch, "not" the negated
// schema, "allof.0.conditional.then" a branch of if/then/else). A property
// name with dots takes as many path words as it needs.
func findJSONEntity(root any, e *tagEntity) (*ordObj, error) {
	ids := javaSplitDot(e.path)
	node, err := findJSONNode(root, e.typ, &ids)
	if err != nil {
		return nil, err
	}
	obj, ok := node.(*ordObj)
	if !ok {
		return nil, errNoMatchingPath(e.path)
	}
	return obj, nil
}

func pollWord(ids *[]string) (string, bool) {
	if len(*ids) == 0 {
		return "", false
	}
	w := (*ids)[0]
	*ids = (*ids)[1:]
	return w, true
}

func childOf(node any, k string) any {
	if o, ok := node.(*ordObj); ok {
		return o.m[k]
	}
	return nil
}

func hasChild(node any, k string) bool {
	if o, ok := node.(*ordObj); ok {
		_, has := o.m[k]
		return has
	}
	return false
}

func findJSONNode(node any, typ string, ids *[]string) (any, error) {
	if node == nil {
		return nil, nil
	}
	word, ok := pollWord(ids)
	if !ok {
		return nil, nil
	}
	switch word {
	case "object":
		if typ == entityRecord && len(*ids) == 0 {
			return node, nil
		}
		if len(*ids) == 0 {
			return nil, nil
		}
		var result any
		switch (*ids)[0] {
		case "definitions", "$defs":
			k, _ := pollWord(ids)
			result = jsonNameBuilder(childOf(node, k), ids)
		default:
			result = jsonNameBuilder(childOf(node, "properties"), ids)
		}
		if result == nil || len(*ids) == 0 {
			return result, nil
		}
		return findJSONNode(result, typ, ids)
	case "array":
		return findJSONNode(childOf(node, "items"), typ, ids)
	case "anyof":
		if hasChild(node, "anyOf") {
			return jsonBranch(node, typ, "anyOf", ids)
		}
		pollWord(ids) // "type": ["null", "object"] and the like
		return findJSONNode(node, typ, ids)
	case "allof":
		if hasChild(node, "allOf") {
			return jsonBranch(node, typ, "allOf", ids)
		}
		pollWord(ids)
		if len(*ids) > 0 && (*ids)[0] == "conditional" {
			pollWord(ids)
			k, _ := pollWord(ids)
			return findJSONNode(childOf(node, k), typ, ids)
		}
		return findJSONNode(node, typ, ids)
	case "oneof":
		return jsonBranch(node, typ, "oneOf", ids)
	case "not":
		return findJSONNode(childOf(node, "not"), typ, ids)
	}
	return nil, nil
}

// jsonNameBuilder is JsonSchemaUtils.findNodeFromNameBuilder: the longest
// run of path words, joined by dots, that is not yet a key of node, ends
// at the first that is.
func jsonNameBuilder(node any, ids *[]string) any {
	if len(*ids) == 0 || node == nil {
		return nil
	}
	w, _ := pollWord(ids)
	name := w
	for !hasChild(node, name) && len(*ids) > 0 {
		w, _ = pollWord(ids)
		name += "." + w
	}
	return childOf(node, name)
}

// jsonBranch picks a branch of anyOf/oneOf/allOf by index, as
// JsonSchemaUtils.findSubSchemasFromIndex does: after a stable sort of the
// branches with JsonNodeComparator (each branch loaded on its own as
// everit's draft 4 model, compared with JsonSchemaComparator; see
// everit.go). A branch evctl cannot model exactly is refused rather than
// tagging a branch Confluent would not.
func jsonBranch(node any, typ, kw string, ids *[]string) (any, error) {
	w, ok := pollWord(ids)
	if !ok {
		return nil, nil
	}
	idx, err := strconv.Atoi(w)
	if err != nil {
		return nil, errInvalidSchema("%q is not a branch index of %s", w, kw)
	}
	branches, _ := childOf(node, kw).([]any)
	if len(branches) < 2 {
		// Java sorts one element without comparing it.
		if idx < 0 || idx >= len(branches) {
			return nil, nil
		}
		return findJSONNode(branches[idx], typ, ids)
	}
	type ranked struct {
		model *evSchema
		node  any
	}
	sorted := make([]ranked, len(branches))
	for i, b := range branches {
		m, err := loadEveritBranch(b)
		if err != nil {
			return nil, errf(statusForUnprocessableEntity, api.CodeInvalidSchema,
				"Invalid schema: this registry cannot tell which branch of %s Confluent numbers %d: Confluent loads each branch on its own as an everit draft 4 schema to order them, and branch %d (%s) is one evctl does not model exactly; tag the branch through a definition instead", kw, idx, i, everitRefusal(b))
		}
		sorted[i] = ranked{m, b}
	}
	slices.SortStableFunc(sorted, func(a, b ranked) int { return compareEverit(a.model, b.model) })
	if idx < 0 || idx >= len(sorted) {
		return nil, nil
	}
	return findJSONNode(sorted[idx].node, typ, ids)
}

// everitRefusal names why a branch is not modelled, for the error.
func everitRefusal(b any) string {
	o, ok := b.(*ordObj)
	switch {
	case !ok:
		return "not an object"
	case strings.Contains(mustCompact(o), `"$ref"`):
		return "it holds a $ref, which Confluent resolves against the branch alone"
	case hasChild(o, "$schema"):
		return "it has its own $schema"
	}
	return "a keyword value everit would read differently or reject"
}

func mustCompact(v any) string {
	var buf bytes.Buffer
	if err := encodeOrdered(&buf, v); err != nil {
		return ""
	}
	return buf.String()
}

// Ranks of everit schema classes in JsonSchemaComparator.SchemaType.
const (
	everitArray = iota
	everitBoolean
	everitCombined
	everitConditional
	everitConst
	everitEmpty
	everitEnum
	everitFalse
	everitNot
	everitNull
	everitNumber
	everitObject
	everitReference
	everitString
	everitTrue
)

// taggedResponse is Confluent's RegisterSchemaResponse for a registered
// schema (the tags endpoint answers the whole schema).
type taggedResponse struct {
	ID         int64           `json:"id"`
	Version    int             `json:"version,omitempty"`
	GUID       string          `json:"guid,omitempty"`
	SchemaType string          `json:"schemaType,omitempty"`
	References []api.Reference `json:"references,omitempty"`
	Metadata   *api.Metadata   `json:"metadata,omitempty"`
	RuleSet    *api.RuleSet    `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
}

// withConfluentVersion returns a copy of m with confluent:version set.
func withConfluentVersion(m *api.Metadata, v int) *api.Metadata {
	out := &api.Metadata{Properties: map[string]string{}}
	if m != nil {
		out.Tags = m.Tags
		out.Sensitive = m.Sensitive
		for k, val := range m.Properties {
			out.Properties[k] = val
		}
	}
	out.Properties[confluentVersionKey] = strconv.Itoa(v)
	return out
}

// removeRules drops the rules named in names from every phase of rs.
func removeRules(rs *api.RuleSet, names []string) *api.RuleSet {
	if rs == nil {
		return nil
	}
	drop := func(rules []api.Rule) []api.Rule {
		return slices.DeleteFunc(slices.Clone(rules), func(r api.Rule) bool { return slices.Contains(names, r.Name) })
	}
	return &api.RuleSet{MigrationRules: drop(rs.MigrationRules), DomainRules: drop(rs.DomainRules), EncodingRules: drop(rs.EncodingRules)}
}

func (s *server) handleModifyTags(w http.ResponseWriter, r *http.Request) error {
	subj, err := subjectParam(r)
	if err != nil {
		return err
	}
	v, err := parseVersion(r.PathValue("version"))
	if err != nil {
		return err
	}
	var req tagSchemaRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	entities, err := tagEntities(req.TagsToAdd, req.TagsToRemove)
	if err != nil {
		return err
	}
	var res taggedResponse
	err = s.update(r.Context(), func(tx store.Tx) error {
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		row, err := pickVersion(subj, rows, v, false)
		if err != nil {
			return err
		}
		src, err := tx.SchemaByID(row.Context, row.SchemaID)
		if err != nil {
			return err
		}
		merging := !isNull(req.RulesToMerge) || req.RulesToRemove != nil
		if merging && !isNull(req.RuleSet) {
			return errInvalidRuleSet("ruleSet should be omitted if specifying rulesToMerge or rulesToRemove")
		}
		toMerge, err := parseRuleSet(req.RulesToMerge)
		if err != nil {
			return err
		}
		rules, err := parseRuleSet(req.RuleSet)
		if err != nil {
			return err
		}
		meta, err := parseMetadata(req.Metadata)
		if err != nil {
			return err
		}
		mode, err := effectiveMode(tx, subj)
		if err != nil {
			return err
		}
		if mode != modeReadWrite {
			return errNotPermitted("Subject %s is not in read-write mode", subj)
		}
		maxV, err := tx.MaxVersion(subj)
		if err != nil {
			return err
		}
		next := maxV + 1
		if req.NewVersion != nil && *req.NewVersion > 0 && *req.NewVersion != next {
			return errInvalidSchema("Version is not one more than previous version: newVersion %d, next is %d", *req.NewVersion, next)
		}
		hasRules := !isNull(req.RuleSet)
		if merging {
			// The rules of the version before the new one (the latest
			// without newVersion), merged and pruned.
			base, err := tagRuleBase(tx, subj, rows, req.NewVersion)
			if err != nil {
				return err
			}
			rules = base
			if !isNull(req.RulesToMerge) {
				rules = mergeRuleSets(base, toMerge)
			}
			if rules != nil && req.RulesToRemove != nil {
				rules = normalizeRuleSet(removeRules(rules, req.RulesToRemove))
			}
			hasRules = base != nil || !isNull(req.RulesToMerge)
		}
		if isNull(req.Metadata) {
			meta = src.Metadata
		}
		text, err := applySchemaTags(src.Type, src.Text, entities)
		if err != nil {
			return err
		}
		p, err := s.prepareSchema(&schemaRequest{Schema: &text, SchemaType: string(src.Type), References: src.References})
		if err != nil {
			return err
		}
		p.Metadata, p.HasMetadata = normalizeMetadata(withConfluentVersion(meta, next)), true
		p.RuleSet, p.HasRuleSet = rules, hasRules
		reg, err := s.register(tx, subj, p, next, false)
		if err != nil {
			return err
		}
		sc, err := tx.SchemaByID(api.ContextOf(subj), reg.ID)
		if err != nil {
			return err
		}
		res = taggedResponse{ID: reg.ID, Version: reg.Version, GUID: sc.GUID, SchemaType: string(sc.Type),
			References: sc.References, Metadata: sc.Metadata, RuleSet: sc.RuleSet, Schema: sc.Text}
		return nil
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// tagRuleBase is the rule set rulesToMerge and rulesToRemove apply to:
// that of version newVersion-1, or of the latest version without
// newVersion (AbstractSchemaRegistry.maybeModifyPreviousRuleSet); nil when
// that version does not exist or is soft-deleted.
func tagRuleBase(tx store.Tx, subj string, rows []store.VersionRow, newVersion *int) (*api.RuleSet, error) {
	want := -1
	if newVersion != nil {
		want = *newVersion - 1
	}
	if want == 0 || want < -1 {
		return nil, nil
	}
	row, err := pickVersion(subj, rows, want, false)
	var ae *apiError
	if errors.As(err, &ae) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sc, err := tx.SchemaByID(row.Context, row.SchemaID)
	if err != nil {
		return nil, fmt.Errorf("read version %d of %s: %w", row.Version, subj, err)
	}
	return sc.RuleSet, nil
}

// avroTaggedEntities is AvroSchema.inlineTaggedEntities: every record and
// field of the schema text with "confluent:tags", by full name, in the
// order Avro's schema walk meets them (each named record once).
func avroTaggedEntities(text string) ([]*tagEntity, error) {
	root, err := decodeOrdered([]byte(text))
	if err != nil {
		return nil, &store.Error{Op: "decode stored schema", Err: err}
	}
	var out []*tagEntity
	visited := map[string]bool{}
	var walk func(v any, ns string) error
	walk = func(v any, ns string) error {
		switch x := v.(type) {
		case []any:
			for _, b := range x {
				if err := walk(b, ns); err != nil {
					return err
				}
			}
		case *ordObj:
			t, _ := x.str("type")
			switch t {
			case "array":
				return walk(x.m["items"], ns)
			case "map":
				return walk(x.m["values"], ns)
			case "record", "error":
				name, _ := x.str("name")
				full, inner := avroFullName(name, x.m["namespace"], ns)
				if visited[full] {
					return nil
				}
				visited[full] = true
				tags, err := inlineTags(x, full)
				if err != nil {
					return err
				}
				if len(tags) > 0 {
					out = append(out, &tagEntity{path: full, typ: entityRecord, add: tags})
				}
				fields, _ := x.m["fields"].([]any)
				for _, f := range fields {
					fo, ok := f.(*ordObj)
					if !ok {
						continue
					}
					fname, _ := fo.str("name")
					tags, err := inlineTags(fo, full+"."+fname)
					if err != nil {
						return err
					}
					if len(tags) > 0 {
						out = append(out, &tagEntity{path: full + "." + fname, typ: entityField, add: tags})
					}
					if err := walk(fo.m["type"], inner); err != nil {
						return err
					}
				}
			default:
				if _, isObj := x.m["type"].(*ordObj); isObj {
					return walk(x.m["type"], ns)
				}
				if arr, isArr := x.m["type"].([]any); isArr {
					return walk(arr, ns)
				}
			}
		}
		return nil
	}
	if err := walk(root, ""); err != nil {
		return nil, err
	}
	return out, nil
}

// hasInlineTags reports whether a schema text carries "confluent:tags"
// anywhere.
func hasInlineTags(text string) bool {
	return strings.Contains(text, `"`+inlineTagsKey+`"`)
}

// registerTags applies a registration's schemaTagsToAdd and
// schemaTagsToRemove to its schema text, as Confluent's
// AbstractSchemaRegistry.toSchemaWithTags does; it reports whether there
// were any.
func registerTags(req *schemaRequest) (bool, error) {
	if len(req.SchemaTagsToAdd) == 0 && len(req.SchemaTagsToRemove) == 0 {
		return false, nil
	}
	entities, err := tagEntities(req.SchemaTagsToAdd, req.SchemaTagsToRemove)
	if err != nil {
		return false, err
	}
	typ, err := parseSchemaType(req.SchemaType)
	if err != nil {
		return false, err
	}
	if req.Schema == nil || strings.TrimSpace(*req.Schema) == "" {
		return false, errf(statusForUnprocessableEntity, api.CodeInvalidSchema, "Empty schema: schema tags need a \"schema\"")
	}
	if _, err := canonicalJSON([]byte(*req.Schema), typ == compat.Avro); err != nil {
		return false, errInvalidSchema("%s", err.Error())
	}
	text, err := applySchemaTags(typ, *req.Schema, entities)
	if err != nil {
		return false, err
	}
	req.Schema = &text
	return true, nil
}

// propagateTags copies the inline tags of the subject's latest version
// into p's text (propagateSchemaTags, AbstractSchemaRegistry's
// maybePropagateSchemaTags), tags p already has first.
func (s *server) propagateTags(tx store.Tx, latest store.StoredSchema, p *preparedSchema) error {
	latestText, err := taggedText(tx, latest)
	if err != nil {
		return err
	}
	if !hasInlineTags(latestText) {
		return nil
	}
	if latest.Type != compat.Avro || p.Type != compat.Avro {
		return errf(statusForUnprocessableEntity, api.CodeInvalidSchema,
			"Invalid schema: propagateSchemaTags is supported by this registry for AVRO schemas only (the latest version is %s and carries confluent:tags)", latest.Type)
	}
	// The entities include those of the referenced records the latest
	// version uses; as in Confluent, they are looked up in the new
	// schema's own text, where a referenced record is not: 42201.
	entities, err := avroTaggedEntities(latestText)
	if err != nil {
		return err
	}
	text, err := applySchemaTags(p.Type, p.Text, entities)
	if err != nil {
		return err
	}
	q, err := s.prepareSchema(&schemaRequest{Schema: &text, SchemaType: string(p.Type), References: p.References})
	if err != nil {
		return err
	}
	p.Text, p.Canonical = q.Text, q.Canonical
	return nil
}

// confluentVersion returns m's confluent:version property, if any.
func confluentVersion(m *api.Metadata) (string, bool) {
	if m == nil || m.Properties == nil {
		return "", false
	}
	v, ok := m.Properties[confluentVersionKey]
	return v, ok
}

// schemaTagsOut is Confluent's SchemaTags as answered by ?findTags=.
type schemaTagsOut struct {
	SchemaEntity schemaEntityOut `json:"schemaEntity"`
	Tags         []string        `json:"tags"`
}

type schemaEntityOut struct {
	EntityPath string `json:"entityPath"`
	EntityType string `json:"entityType"`
}

// findTags answers ?findTags= (repeatable; "*" for every tag) as
// Confluent's extractSchemaTags does: the schema's tagged records and
// fields carrying any of the tags. ok is false without the parameter.
//
// An Avro schema's entities include those of the referenced records it
// uses: Confluent walks the parsed schema, where they are resolved, which
// is what walking the schema's RESOLVED text does. view runs a read
// transaction for the referenced schemas.
func findTags(r *http.Request, sc store.StoredSchema, view func(func(store.Tx) error) error) (out []schemaTagsOut, ok bool, err error) {
	if r.URL.RawQuery == "" {
		return nil, false, nil
	}
	want := slices.DeleteFunc(slices.Clone(r.URL.Query()["findTags"]), func(s string) bool { return s == "" })
	if len(want) == 0 {
		return nil, false, nil
	}
	text := sc.Text
	if sc.Type == compat.Avro && len(sc.References) > 0 {
		if err := view(func(tx store.Tx) error {
			text, err = taggedText(tx, sc)
			return err
		}); err != nil {
			return nil, true, err
		}
	}
	if !hasInlineTags(text) {
		return nil, true, nil
	}
	if sc.Type != compat.Avro {
		return nil, true, errf(statusForUnprocessableEntity, api.CodeInvalidSchema,
			"findTags is supported by this registry for AVRO schemas only (this %s schema carries confluent:tags, and Confluent names JSON Schema entities after its everit model, which evctl does not reproduce)", sc.Type)
	}
	entities, err := avroTaggedEntities(text)
	if err != nil {
		return nil, true, err
	}
	all := slices.Contains(want, "*")
	for _, e := range entities {
		if all || slices.ContainsFunc(e.add, func(t string) bool { return slices.Contains(want, t) }) {
			out = append(out, schemaTagsOut{SchemaEntity: schemaEntityOut{EntityPath: e.path, EntityType: e.typ}, Tags: e.add})
		}
	}
	return out, true, nil
}

// taggedText is the text whose confluent:tags Confluent's
// inlineTaggedEntities reads: an Avro schema with references resolved
// (each referenced named type written in full where first used, Avro's
// Schema.toString()), any other schema as stored. A JSON schema's
// references are $refs, which Confluent's walk does not follow.
func taggedText(tx store.Tx, sc store.StoredSchema) (string, error) {
	if sc.Type != compat.Avro || len(sc.References) == 0 {
		return sc.Text, nil
	}
	texts := map[string][]byte{}
	if err := collectRefTexts(tx, sc.Context, sc.References, texts, map[string]bool{}, 0); err != nil {
		return "", err
	}
	out, err := resolveAvro(sc.Text, texts)
	if err != nil {
		return "", &store.Error{Op: "resolve references", Err: err}
	}
	return out, nil
}
