package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

func errInvalidRuleSet(format string, args ...any) *apiError {
	return errf(statusForUnprocessableEntity, api.CodeInvalidRuleSet, "Invalid rule set: "+format, args...)
}

func errInvalidMetadata(format string, args ...any) *apiError {
	return errf(statusForUnprocessableEntity, api.CodeInvalidSchema, "Invalid metadata: "+format, args...)
}

// decodeStrict decodes a JSON value into v, rejecting unknown fields: a
// contract field this registry does not know would otherwise be dropped.
func decodeStrict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// parseMetadata decodes and normalizes a request's metadata; null or absent
// gives nil. Tag and sensitive lists are sets: sorted, duplicates removed.
func parseMetadata(raw json.RawMessage) (*api.Metadata, error) {
	if isNull(raw) {
		return nil, nil
	}
	var m api.Metadata
	if err := decodeStrict(raw, &m); err != nil {
		return nil, errInvalidMetadata("%v", err)
	}
	for path := range m.Tags {
		if strings.TrimSpace(path) == "" {
			return nil, errInvalidMetadata("a tag has an empty field path")
		}
	}
	for k := range m.Properties {
		if k == "" {
			return nil, errInvalidMetadata("a property has an empty name")
		}
	}
	return normalizeMetadata(&m), nil
}

func normalizeMetadata(m *api.Metadata) *api.Metadata {
	if m == nil {
		return nil
	}
	out := &api.Metadata{}
	if len(m.Tags) > 0 {
		out.Tags = make(map[string][]string, len(m.Tags))
		for k, v := range m.Tags {
			out.Tags[k] = sortedSet(v)
		}
	}
	if len(m.Properties) > 0 {
		out.Properties = make(map[string]string, len(m.Properties))
		for k, v := range m.Properties {
			out.Properties[k] = v
		}
	}
	out.Sensitive = sortedSet(m.Sensitive)
	if len(out.Tags) == 0 && len(out.Properties) == 0 && len(out.Sensitive) == 0 {
		return nil
	}
	return out
}

func sortedSet(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := slices.Clone(v)
	slices.Sort(out)
	return slices.Compact(out)
}

var ruleNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// parseRuleSet decodes and validates a request's rule set (42210 when
// invalid); null or absent gives nil.
func parseRuleSet(raw json.RawMessage) (*api.RuleSet, error) {
	if isNull(raw) {
		return nil, nil
	}
	var rs api.RuleSet
	if err := decodeStrict(raw, &rs); err != nil {
		return nil, errInvalidRuleSet("%v", err)
	}
	if err := validateRuleSet(&rs); err != nil {
		return nil, err
	}
	return normalizeRuleSet(&rs), nil
}

func validateRuleSet(rs *api.RuleSet) error {
	check := func(phase string, rules []api.Rule, modes ...string) error {
		names := map[string]bool{}
		for i, r := range rules {
			if r.Name == "" {
				return errInvalidRuleSet("%s rule %d has no name", phase, i+1)
			}
			if !ruleNameRE.MatchString(r.Name) {
				return errInvalidRuleSet("%s rule name %q must start with a letter or _ and contain only letters, digits, _, . and -", phase, r.Name)
			}
			if names[r.Name] {
				return errInvalidRuleSet("duplicate %s rule name %q", phase, r.Name)
			}
			names[r.Name] = true
			switch r.Kind {
			case "TRANSFORM", "CONDITION":
			case "":
				return errInvalidRuleSet("rule %q has no kind (TRANSFORM or CONDITION)", r.Name)
			default:
				return errInvalidRuleSet("rule %q has an invalid kind %q (TRANSFORM or CONDITION)", r.Name, r.Kind)
			}
			if r.Mode == "" {
				return errInvalidRuleSet("rule %q has no mode (%s)", r.Name, strings.Join(modes, ", "))
			}
			if !slices.Contains(modes, r.Mode) {
				return errInvalidRuleSet("%s rule %q has an invalid mode %q (%s)", phase, r.Name, r.Mode, strings.Join(modes, ", "))
			}
			if strings.TrimSpace(r.Type) == "" {
				return errInvalidRuleSet("rule %q has no type (CEL, CEL_FIELD, JSONATA, ENCRYPT…)", r.Name)
			}
			two := r.Mode == "UPDOWN" || r.Mode == "WRITEREAD"
			for _, action := range []struct{ field, v string }{{"onSuccess", r.OnSuccess}, {"onFailure", r.OnFailure}} {
				if action.v == "" {
					continue
				}
				parts := strings.Split(action.v, ",")
				if len(parts) > 2 || (len(parts) == 2 && !two) {
					return errInvalidRuleSet("rule %q: %s %q may name two actions (\"A,B\") only in mode UPDOWN or WRITEREAD", r.Name, action.field, action.v)
				}
				for _, p := range parts {
					if strings.TrimSpace(p) == "" {
						return errInvalidRuleSet("rule %q: %s %q has an empty action", r.Name, action.field, action.v)
					}
				}
			}
		}
		return nil
	}
	if err := check("migration", rs.MigrationRules, "UPGRADE", "DOWNGRADE", "UPDOWN"); err != nil {
		return err
	}
	if err := check("domain", rs.DomainRules, "WRITE", "READ", "WRITEREAD"); err != nil {
		return err
	}
	return check("encoding", rs.EncodingRules, "WRITE", "READ", "WRITEREAD")
}

func normalizeRuleSet(rs *api.RuleSet) *api.RuleSet {
	if rs == nil {
		return nil
	}
	norm := func(rules []api.Rule) []api.Rule {
		if len(rules) == 0 {
			return nil
		}
		out := make([]api.Rule, len(rules))
		for i, r := range rules {
			r.Tags = sortedSet(r.Tags)
			if len(r.Params) == 0 {
				r.Params = nil
			}
			out[i] = r
		}
		return out
	}
	out := &api.RuleSet{MigrationRules: norm(rs.MigrationRules), DomainRules: norm(rs.DomainRules), EncodingRules: norm(rs.EncodingRules)}
	if out.MigrationRules == nil && out.DomainRules == nil && out.EncodingRules == nil {
		return nil
	}
	return out
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// mergeMetadata merges metadata layers, later ones winning: properties and
// tags by key, sensitive fields as a union. Confluent merges
// defaultMetadata, the schema's own (or inherited) metadata and
// overrideMetadata this way.
func mergeMetadata(layers ...*api.Metadata) *api.Metadata {
	out := &api.Metadata{}
	for _, m := range layers {
		if m == nil {
			continue
		}
		for k, v := range m.Tags {
			if out.Tags == nil {
				out.Tags = map[string][]string{}
			}
			out.Tags[k] = v
		}
		for k, v := range m.Properties {
			if out.Properties == nil {
				out.Properties = map[string]string{}
			}
			out.Properties[k] = v
		}
		out.Sensitive = append(out.Sensitive, m.Sensitive...)
	}
	return normalizeMetadata(out)
}

// mergeRuleSets merges rule sets, later ones winning: a later rule replaces
// an earlier one of the same name in the same phase, other later rules are
// appended.
func mergeRuleSets(layers ...*api.RuleSet) *api.RuleSet {
	out := &api.RuleSet{}
	merge := func(dst, src []api.Rule) []api.Rule {
		for _, r := range src {
			dst = slices.DeleteFunc(dst, func(x api.Rule) bool { return x.Name == r.Name })
			dst = append(dst, r)
		}
		return dst
	}
	for _, rs := range layers {
		if rs == nil {
			continue
		}
		out.MigrationRules = merge(out.MigrationRules, rs.MigrationRules)
		out.DomainRules = merge(out.DomainRules, rs.DomainRules)
		out.EncodingRules = merge(out.EncodingRules, rs.EncodingRules)
	}
	return normalizeRuleSet(out)
}

// matchesProperties reports whether m carries every key=value of want.
func matchesProperties(m *api.Metadata, want map[string]string) bool {
	for k, v := range want {
		if m == nil || m.Properties == nil {
			return false
		}
		if got, ok := m.Properties[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// handleLatestWithMetadata is GET /subjects/{subject}/metadata?key=&value=:
// the latest version whose metadata properties hold every key=value pair.
func (s *server) handleLatestWithMetadata(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, false); err != nil {
		return err
	}
	subj, err := subjectParam(r)
	if err != nil {
		return errSubjectNotFound(r.PathValue("subject"))
	}
	q := r.URL.Query()
	keys, values := q["key"], q["value"]
	if len(keys) != len(values) {
		return errf(http.StatusBadRequest, api.CodeBadRequest, "every key needs a value: %d keys, %d values", len(keys), len(values))
	}
	want := make(map[string]string, len(keys))
	for i, k := range keys {
		want[k] = values[i]
	}
	deleted := boolParam(r, "deleted")
	var obj schemaObject
	err = s.store.View(r.Context(), func(tx store.Tx) error {
		rows, err := tx.Versions(subj)
		if err != nil {
			return err
		}
		if len(rows) == 0 || (len(liveRows(rows)) == 0 && !deleted) {
			return errSubjectNotFound(subj)
		}
		for i := len(rows) - 1; i >= 0; i-- {
			row := rows[i]
			if row.Deleted && !deleted {
				continue
			}
			sc, err := tx.SchemaByID(row.Context, row.SchemaID)
			if err != nil {
				return err
			}
			if matchesProperties(sc.Metadata, want) {
				if err := applyFormat(tx, r, &sc); err != nil {
					return err
				}
				obj = newSchemaObject(subj, row, sc)
				return nil
			}
		}
		return errSchemaNotFound()
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj)
	return nil
}
