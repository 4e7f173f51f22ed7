package avro

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/evctl/evctl/internal/compat/change"
)

// Structural change types reported by Diff. Avro itself only names
// incompatibilities; these describe every edit, compatible or not, for a
// changelog.
const (
	FieldAdded         = "FIELD_ADDED"
	FieldRemoved       = "FIELD_REMOVED"
	FieldRenamed       = "FIELD_RENAMED"
	FieldDocChanged    = "FIELD_DOC_CHANGED"
	DefaultAdded       = "DEFAULT_ADDED"
	DefaultRemoved     = "DEFAULT_REMOVED"
	DefaultChanged     = "DEFAULT_CHANGED"
	TypeChanged        = "TYPE_CHANGED"
	NameChanged        = "NAME_CHANGED"
	NamespaceChanged   = "NAMESPACE_CHANGED"
	DocChanged         = "DOC_CHANGED"
	SymbolAdded        = "ENUM_SYMBOL_ADDED"
	SymbolRemoved      = "ENUM_SYMBOL_REMOVED"
	EnumDefaultChanged = "ENUM_DEFAULT_CHANGED"
	FixedSizeChanged   = "FIXED_SIZE_CHANGED"
	BranchAdded        = "UNION_BRANCH_ADDED"
	BranchRemoved      = "UNION_BRANCH_REMOVED"
	LogicalTypeChanged = "LOGICAL_TYPE_CHANGED"
)

// Diff lists every structural change from old to new, with Java's
// incompatibilities in the backward direction (new reads data written with
// old). A structural change is marked incompatible when an incompatibility
// sits at its path or below it; incompatibilities that no structural change
// explains are listed too. Paths follow Avro's locations in the new schema
// (in the old one for removals).
func Diff(old, new *Schema) []change.Change {
	incs := Explain(Incompatibilities(new, old), true)
	d := &differ{seen: map[[2]*Schema]bool{}}
	d.walk(old, new, "", "")
	explained := make([]bool, len(incs))
	for i := range d.out {
		c := &d.out[i]
		c.Compatible = true
		for j, in := range incs {
			under := strings.HasPrefix(in.Path, strings.TrimSuffix(c.Path, "/")+"/") && (c.Path != "/" || c.Type == TypeChanged)
			if in.Path == c.Path || under {
				// Docs, logical types and namespaces never matter to Java's
				// check, and a removed writer field is always ignored
				// (its path is in the old schema's layout).
				if c.Type == DocChanged || c.Type == FieldDocChanged || c.Type == LogicalTypeChanged || c.Type == NamespaceChanged || c.Type == FieldRemoved || c.Type == SymbolAdded {
					continue
				}
				c.Compatible = false
				explained[j] = explained[j] || in.Path == c.Path
				c.Message += "; breaks old data: " + in.Message
				break
			}
		}
	}
	for j, in := range incs {
		if !explained[j] {
			d.out = append(d.out, in)
		}
	}
	return d.out
}

type differ struct {
	seen map[[2]*Schema]bool
	out  []change.Change
}

func (d *differ) add(typ, path, format string, args ...any) {
	if path == "" {
		path = "/"
	}
	d.out = append(d.out, change.Change{Type: typ, Path: path, Message: fmt.Sprintf(format, args...)})
}

func label(s *Schema) string {
	if s.Type.Named() {
		return fmt.Sprintf("%s %q", s.Type, s.FullName)
	}
	if s.Type == Union {
		parts := make([]string, len(s.Branches))
		for i, b := range s.Branches {
			parts[i] = branchKey(b)
		}
		return "union [" + strings.Join(parts, ", ") + "]"
	}
	if s.LogicalType != "" {
		return fmt.Sprintf("%s (%s)", s.Type, s.LogicalType)
	}
	return s.Type.String()
}

// branchKey identifies a union branch: a named type by its name, any other
// type by its kind (a union holds at most one of each).
func branchKey(s *Schema) string {
	if s.Type.Named() {
		return s.Name
	}
	return s.Type.String()
}

// walk compares o and n; path is the location in the new schema, opath the
// same place in the old one (removals are reported there).
func (d *differ) walk(o, n *Schema, path, opath string) {
	if o == nil || n == nil {
		return
	}
	if o.Type.Named() && n.Type.Named() {
		k := [2]*Schema{o, n}
		if d.seen[k] {
			return
		}
		d.seen[k] = true
	}
	if o.Type != n.Type {
		if n.Type == Union && o.Type != Union {
			for i, b := range n.Branches {
				if branchKey(b) == branchKey(o) {
					d.add(TypeChanged, path, "%s became %s", label(o), label(n))
					d.walk(o, b, fmt.Sprintf("%s/%d", path, i), opath)
					return
				}
			}
		}
		d.add(TypeChanged, path, "type changed from %s to %s", label(o), label(n))
		return
	}
	if o.LogicalType != n.LogicalType {
		d.add(LogicalTypeChanged, path, "logical type changed from %q to %q (Avro compatibility ignores logical types; check that consumers agree)", o.LogicalType, n.LogicalType)
	}
	if n.Type.Named() {
		if o.Name != n.Name {
			d.add(NameChanged, path+"/name", "%s was renamed %q", label(o), n.Name)
		}
		if o.Namespace != n.Namespace {
			d.add(NamespaceChanged, path, "namespace of %q changed from %q to %q", n.Name, o.Namespace, n.Namespace)
		}
		if o.Doc != n.Doc {
			d.add(DocChanged, path, "doc of %s changed", label(n))
		}
	}
	switch n.Type {
	case Record:
		d.fields(o, n, path, opath)
	case Enum:
		for _, s := range n.Symbols {
			if !slices.Contains(o.Symbols, s) {
				d.add(SymbolAdded, path+"/symbols", "symbol %q was added to enum %q", s, n.Name)
			}
		}
		for _, s := range o.Symbols {
			if !slices.Contains(n.Symbols, s) {
				d.add(SymbolRemoved, path+"/symbols", "symbol %q was removed from enum %q", s, n.Name)
			}
		}
		if o.HasEnumDefault != n.HasEnumDefault || o.EnumDefault != n.EnumDefault {
			d.add(EnumDefaultChanged, path, "default of enum %q changed from %q to %q", n.Name, o.EnumDefault, n.EnumDefault)
		}
	case Fixed:
		if o.Size != n.Size {
			d.add(FixedSizeChanged, path+"/size", "size of fixed %q changed from %d to %d", n.Name, o.Size, n.Size)
		}
	case Array:
		d.walk(o.Items, n.Items, path+"/items", opath+"/items")
	case Map:
		d.walk(o.Values, n.Values, path+"/values", opath+"/values")
	case Union:
		for i, nb := range n.Branches {
			found := false
			for j, ob := range o.Branches {
				if branchKey(ob) == branchKey(nb) {
					found = true
					d.walk(ob, nb, fmt.Sprintf("%s/%d", path, i), fmt.Sprintf("%s/%d", opath, j))
				}
			}
			if !found {
				d.add(BranchAdded, fmt.Sprintf("%s/%d", path, i), "union branch %s was added", label(nb))
			}
		}
		for i, ob := range o.Branches {
			if !slices.ContainsFunc(n.Branches, func(nb *Schema) bool { return branchKey(nb) == branchKey(ob) }) {
				d.add(BranchRemoved, fmt.Sprintf("%s/%d", opath, i), "union branch %s was removed", label(ob))
			}
		}
	}
}

func (d *differ) fields(o, n *Schema, path, opath string) {
	matched := map[*Field]bool{}
	for i, nf := range n.Fields {
		fp := fmt.Sprintf("%s/fields/%d", path, i)
		of := o.Field(nf.Name)
		renamed := false
		if of == nil {
			for _, a := range nf.Aliases {
				if f := o.Field(a); f != nil {
					of, renamed = f, true
					break
				}
			}
		}
		if of == nil {
			if nf.HasDefault {
				d.add(FieldAdded, fp, "field %q was added with default %s", nf.Name, jsonValue(nf.Default))
			} else {
				d.add(FieldAdded, fp, "field %q was added without a default", nf.Name)
			}
			continue
		}
		matched[of] = true
		if renamed {
			d.add(FieldRenamed, fp, "field %q was renamed %q (the new name lists the old one as an alias)", of.Name, nf.Name)
		}
		switch {
		case !of.HasDefault && nf.HasDefault:
			d.add(DefaultAdded, fp, "field %q got the default %s", nf.Name, jsonValue(nf.Default))
		case of.HasDefault && !nf.HasDefault:
			d.add(DefaultRemoved, fp, "field %q lost its default %s (consumers reading data without it now fail)", nf.Name, jsonValue(of.Default))
		case of.HasDefault && nf.HasDefault && !reflect.DeepEqual(of.Default, nf.Default):
			d.add(DefaultChanged, fp, "default of field %q changed from %s to %s", nf.Name, jsonValue(of.Default), jsonValue(nf.Default))
		}
		if of.Doc != nf.Doc {
			d.add(FieldDocChanged, fp, "doc of field %q changed", nf.Name)
		}
		d.walk(of.Type, nf.Type, fp+"/type", fmt.Sprintf("%s/fields/%d/type", opath, of.Pos))
	}
	for i, of := range o.Fields {
		if !matched[of] {
			d.add(FieldRemoved, fmt.Sprintf("%s/fields/%d", opath, i), "field %q was removed (consumers of the new schema ignore it in old data)", of.Name)
		}
	}
}

func jsonValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
