package jsonschema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// difference is one Difference as Confluent reports it: a type and a path
// relative to the pair being compared ("" is the pair's root).
type difference struct {
	typ  string
	path string
	// detail names what changed, for the message (the enum values lost).
	detail string
}

type pair struct{ o, u *Schema }

// memoEntry is the result of comparing a pair; done is false while the
// comparison is still running (a pair met again then is a cycle).
type memoEntry struct {
	diffs []difference
	done  bool
}

// state is shared by every context of one comparison: the compatible set
// and the memo of compared pairs (Confluent memoises on object identity).
type state struct {
	compatible map[string]bool
	memo       map[pair]memoEntry
	depth      int
	// seed holds the pairs earlier passes found incompatible, with their
	// pair-relative differences; optimistic records that this pass
	// assumed some cycle compatible.
	seed       map[pair][]difference
	optimistic bool
}

// maxPasses bounds the fixed-point iteration over recursive cycles.
const maxPasses = 32

// run compares original with update, re-running while a pass assumed a
// recursive cycle compatible and found pairs incompatible that no earlier
// pass knew about (Confluent's fixed point: a cycle cannot hide a real
// incompatibility).
func run(compatible map[string]bool, original, update *Schema) []difference {
	var seed map[pair][]difference
	for pass := 0; ; pass++ {
		st := &state{compatible: compatible, memo: map[pair]memoEntry{}, seed: seed}
		c := &context{st: st}
		compare(c, original, update)
		if !st.optimistic || pass == maxPasses-1 {
			return c.diffs
		}
		grew := false
		for key, m := range st.memo {
			if !m.done || !incompatible(compatible, m.diffs) {
				continue
			}
			if _, ok := seed[key]; ok {
				continue
			}
			if seed == nil {
				seed = map[pair][]difference{}
			}
			seed[key] = m.diffs
			grew = true
		}
		if !grew {
			return c.diffs
		}
	}
}

func incompatible(compatible map[string]bool, diffs []difference) bool {
	for _, d := range diffs {
		if !compatible[d.typ] {
			return true
		}
	}
	return false
}

// context mirrors Confluent's diff Context: a JSON path and the
// differences found under it.
type context struct {
	st    *state
	path  []string
	diffs []difference
}

// maxCompareDepth stops runaway recursion on pathological input; past it a
// pair is treated as unchanged.
const maxCompareDepth = 2000

func (c *context) sub() *context {
	return &context{st: c.st, path: c.path}
}

func (c *context) enter(seg string) { c.path = append(c.path, seg) }

func (c *context) leave() { c.path = c.path[:len(c.path)-1] }

func (c *context) pathString() string { return strings.Join(c.path, "/") }

func (c *context) add(typ string) {
	c.diffs = append(c.diffs, difference{typ: typ, path: c.pathString()})
}

func (c *context) addAt(attr, typ string) {
	c.addAtDetail(attr, typ, "")
}

func (c *context) addAtDetail(attr, typ, detail string) {
	p := attr
	if len(c.path) > 0 {
		p = c.pathString() + "/" + attr
	}
	c.diffs = append(c.diffs, difference{typ: typ, path: p, detail: detail})
}

func (c *context) compatible() bool {
	for _, d := range c.diffs {
		if !c.st.compatible[d.typ] {
			return false
		}
	}
	return true
}

// compare is SchemaDiff.compare(ctx, original, update).
func compare(c *context, o, u *Schema) {
	if o == nil && u == nil {
		return
	}
	if o == nil {
		c.add("SCHEMA_ADDED")
		return
	}
	if u == nil {
		c.add("SCHEMA_REMOVED")
		return
	}
	o, u = o.resolved(), u.resolved()
	if c.st.depth > maxCompareDepth {
		return
	}
	// Each (original, update) pair is compared once, relative to the
	// pair, and the result rebased onto every path that reaches it
	// (Confluent memoises on object identity the same way). A pair met
	// again while it is still being compared is a recursive cycle: it
	// counts as unchanged and is not cached.
	if o.isLeaf() && u.isLeaf() {
		// Nothing below to recurse into: no cycle, nothing to share.
		compareResolved(c, o, u)
		return
	}
	key := pair{o, u}
	m, ok := c.st.memo[key]
	rel := m.diffs
	if ok && !m.done {
		// A recursive cycle. A pair an earlier pass found incompatible
		// brings its differences along; any other is assumed compatible
		// (the greatest fixed point), which diff then verifies.
		seeded, known := c.st.seed[key]
		if !known {
			c.st.optimistic = true
			return
		}
		rel, ok = seeded, true
	}
	if !ok {
		c.st.memo[key] = memoEntry{}
		c.st.depth++
		s := &context{st: c.st}
		compareResolved(s, o, u)
		c.st.depth--
		rel = s.diffs
		c.st.memo[key] = memoEntry{diffs: rel, done: true}
	}
	if len(rel) == 0 {
		return
	}
	if len(c.path) == 0 {
		c.diffs = append(c.diffs, rel...)
		return
	}
	prefix := c.pathString()
	for _, d := range rel {
		p := prefix
		if d.path != "" {
			p = prefix + "/" + d.path
		}
		c.diffs = append(c.diffs, difference{typ: d.typ, path: p, detail: d.detail})
	}
}

// compareResolved is compare on two nodes that are not $refs.
func compareResolved(c *context, o, u *Schema) {
	oc, uc := o.kind == kindCombined, u.kind == kindCombined
	switch {
	case !oc && uc:
		if len(u.subschemas) == 1 {
			s := c.sub()
			compare(s, o, u.subschemas[0])
			if s.compatible() {
				c.diffs = append(c.diffs, s.diffs...)
				return
			}
		} else if u.criterion == anyOf || u.criterion == oneOf {
			for _, sub := range u.subschemas {
				s := c.sub()
				compare(s, o, sub)
				if s.compatible() {
					c.diffs = append(c.diffs, s.diffs...)
					c.add("SUM_TYPE_EXTENDED")
					return
				}
			}
		}
	case oc && !uc:
		if len(o.subschemas) == 1 {
			s := c.sub()
			compare(s, o.subschemas[0], u)
			if s.compatible() {
				c.diffs = append(c.diffs, s.diffs...)
				return
			}
		} else if o.criterion == allOf {
			for _, sub := range o.subschemas {
				s := c.sub()
				compare(s, sub, u)
				if s.compatible() {
					c.diffs = append(c.diffs, s.diffs...)
					c.add("PRODUCT_TYPE_NARROWED")
					return
				}
			}
		}
	}

	if !sameClass(o, u) {
		if o.kind == kindFalse || u.isEmpty() {
			return
		}
		if o.connectType == "bytes" && u.connectType == "bytes" {
			return
		}
		c.add("TYPE_CHANGED")
		return
	}

	compareSame(c, o, u)
}

// isLeaf reports whether a node has no subschemas the diff descends into.
func (s *Schema) isLeaf() bool {
	switch s.kind {
	case kindObject, kindArray, kindCombined, kindNot:
		return false
	}
	return true
}

// sameClass is Confluent's class comparison: both combined, both numbers
// (integer and number are one class), both {}-like, or the same class.
func sameClass(o, u *Schema) bool {
	if o.kind == u.kind {
		return true
	}
	return o.isEmpty() && u.isEmpty()
}

func strPtrEq(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// compareSame compares two nodes of the same class.
func compareSame(c *context, o, u *Schema) {
	if !strPtrEq(o.id, u.id) {
		c.add("ID_CHANGED")
	}
	if !strPtrEq(o.title, u.title) {
		c.add("TITLE_CHANGED")
	}
	if !strPtrEq(o.description, u.description) {
		c.add("DESCRIPTION_CHANGED")
	}
	if o.hasDefault != u.hasDefault || (o.hasDefault && !jsonEqual(o.def, u.def)) {
		c.add("DEFAULT_CHANGED")
	}
	switch o.kind {
	case kindString:
		compareString(c, o, u)
	case kindNumber:
		compareNumber(c, o, u)
	case kindConst:
		if !jsonEqual(o.constVal, u.constVal) {
			c.addAt("const", "ENUM_ARRAY_CHANGED")
		}
	case kindEnum:
		compareEnum(c, o, u)
	case kindCombined:
		compareCombined(c, o, u)
	case kindNot:
		c.enter("not")
		s := c.sub()
		compare(s, u.not, o.not)
		if s.compatible() {
			c.add("NOT_TYPE_NARROWED")
		} else {
			c.add("NOT_TYPE_EXTENDED")
		}
		c.leave()
	case kindObject:
		compareObject(c, o, u)
	case kindArray:
		compareArray(c, o, u)
	}
}

// compareLimit reports a change of an optional integer limit whose
// increase is named inc and decrease dec.
func compareLimit(c *context, attr string, o, u *int, added, removed, inc, dec string) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		c.addAt(attr, added)
	case u == nil:
		c.addAt(attr, removed)
	case *o < *u:
		c.addAt(attr, inc)
	case *o > *u:
		c.addAt(attr, dec)
	}
}

func compareFloat(c *context, attr string, o, u *float64, added, removed, inc, dec string) {
	switch {
	case o == nil && u == nil:
	case o == nil:
		c.addAt(attr, added)
	case u == nil:
		c.addAt(attr, removed)
	case *o < *u:
		c.addAt(attr, inc)
	case *o > *u:
		c.addAt(attr, dec)
	}
}

func compareString(c *context, o, u *Schema) {
	compareLimit(c, "maxLength", o.maxLength, u.maxLength, "MAX_LENGTH_ADDED", "MAX_LENGTH_REMOVED", "MAX_LENGTH_INCREASED", "MAX_LENGTH_DECREASED")
	compareLimit(c, "minLength", o.minLength, u.minLength, "MIN_LENGTH_ADDED", "MIN_LENGTH_REMOVED", "MIN_LENGTH_INCREASED", "MIN_LENGTH_DECREASED")
	switch {
	case o.pattern == nil && u.pattern == nil:
	case o.pattern == nil:
		c.addAt("pattern", "PATTERN_ADDED")
	case u.pattern == nil:
		c.addAt("pattern", "PATTERN_REMOVED")
	case *o.pattern != *u.pattern:
		c.addAt("pattern", "PATTERN_CHANGED")
	}
}

func compareNumber(c *context, o, u *Schema) {
	compareFloat(c, "maximum", o.maximum, u.maximum, "MAXIMUM_ADDED", "MAXIMUM_REMOVED", "MAXIMUM_INCREASED", "MAXIMUM_DECREASED")
	compareFloat(c, "minimum", o.minimum, u.minimum, "MINIMUM_ADDED", "MINIMUM_REMOVED", "MINIMUM_INCREASED", "MINIMUM_DECREASED")
	// Confluent tests a decreased exclusiveMaximum against the new
	// schema's maximum, so the decrease only counts when the old
	// exclusiveMaximum exceeds that maximum; with no maximum Confluent
	// fails with a server error, and evctl reports the decrease.
	oxm, uxm := o.exclusiveMaximum, u.exclusiveMaximum
	if oxm != nil && uxm != nil && *oxm > *uxm && u.maximum != nil && !(*oxm > *u.maximum) {
		oxm, uxm = nil, nil
	}
	compareFloat(c, "exclusiveMaximum", oxm, uxm, "EXCLUSIVE_MAXIMUM_ADDED", "EXCLUSIVE_MAXIMUM_REMOVED", "EXCLUSIVE_MAXIMUM_INCREASED", "EXCLUSIVE_MAXIMUM_DECREASED")
	compareFloat(c, "exclusiveMinimum", o.exclusiveMinimum, u.exclusiveMinimum, "EXCLUSIVE_MINIMUM_ADDED", "EXCLUSIVE_MINIMUM_REMOVED", "EXCLUSIVE_MINIMUM_INCREASED", "EXCLUSIVE_MINIMUM_DECREASED")
	switch {
	case o.multipleOf == nil && u.multipleOf == nil:
	case o.multipleOf == nil:
		c.addAt("multipleOf", "MULTIPLE_OF_ADDED")
	case u.multipleOf == nil:
		c.addAt("multipleOf", "MULTIPLE_OF_REMOVED")
	case o.multipleOf.Cmp(u.multipleOf) == 0:
	case isMultiple(u.multipleOf, o.multipleOf):
		c.addAt("multipleOf", "MULTIPLE_OF_EXPANDED")
	case isMultiple(o.multipleOf, u.multipleOf):
		c.addAt("multipleOf", "MULTIPLE_OF_REDUCED")
	default:
		c.addAt("multipleOf", "MULTIPLE_OF_CHANGED")
	}
	if o.requiresInteger != u.requiresInteger {
		if o.requiresInteger {
			c.add("TYPE_EXTENDED")
		} else {
			c.add("TYPE_NARROWED")
		}
	}
}

// isMultiple reports whether a is an integer multiple of b.
func isMultiple(a, b *big.Rat) bool {
	q := new(big.Rat).Quo(a, b)
	return q.IsInt()
}

func compareEnum(c *context, o, u *Schema) {
	oInU := containsAll(u.enum, o.enum)
	uInO := containsAll(o.enum, u.enum)
	switch {
	case oInU && uInO:
	case oInU:
		c.addAtDetail("enum", "ENUM_ARRAY_EXTENDED", enumValues(missing(o.enum, u.enum)))
	case uInO:
		c.addAtDetail("enum", "ENUM_ARRAY_NARROWED", enumValues(missing(u.enum, o.enum)))
	default:
		c.addAtDetail("enum", "ENUM_ARRAY_CHANGED", enumValues(missing(u.enum, o.enum)))
	}
}

// missing lists the items not in set.
func missing(set, items []any) []any {
	var out []any
	for _, it := range items {
		if !containsAll(set, []any{it}) {
			out = append(out, it)
		}
	}
	return out
}

// enumValues writes values as JSON, comma-separated.
func enumValues(vs []any) string {
	parts := make([]string, 0, len(vs))
	for _, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte(fmt.Sprint(v))
		}
		parts = append(parts, string(b))
	}
	return strings.Join(parts, ", ")
}

func containsAll(set, items []any) bool {
	for _, it := range items {
		found := false
		for _, v := range set {
			if jsonEqual(v, it) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func compareCombined(c *context, o, u *Schema) {
	// Criterion change.
	if o.criterion != u.criterion {
		oSingle, uSingle := len(o.subschemas) == 1, len(u.subschemas) == 1
		extended := u.criterion == anyOf ||
			oSingle && uSingle ||
			oSingle && u.criterion == oneOf ||
			uSingle && o.criterion == allOf
		if !extended {
			c.add("COMBINED_TYPE_CHANGED")
			return
		}
		c.add("COMBINED_TYPE_EXTENDED")
	}
	os, us := dedupe(o.subschemas), dedupe(u.subschemas)
	switch {
	case len(os) < len(us):
		if u.criterion == allOf {
			c.add("PRODUCT_TYPE_EXTENDED")
		} else {
			c.add("SUM_TYPE_EXTENDED")
		}
	case len(os) > len(us):
		if o.criterion == allOf {
			c.add("PRODUCT_TYPE_NARROWED")
		} else {
			c.add("SUM_TYPE_NARROWED")
		}
	}
	// Compatible pairs, then a maximum-cardinality bipartite matching.
	edges := make([][]int, len(os))
	diffs := make([][]difference, len(os)*len(us))
	for i, osub := range os {
		c.enter(subschemaSegment(o.criterion, i))
		for j, usub := range us {
			s := c.sub()
			compare(s, osub, usub)
			if s.compatible() {
				edges[i] = append(edges[i], j)
				diffs[i*len(us)+j] = s.diffs
			}
		}
		c.leave()
	}
	matchU := make([]int, len(us))
	for j := range matchU {
		matchU[j] = -1
	}
	size := 0
	seen := make([]bool, len(us))
	for i := range os {
		clear(seen)
		if augment(i, edges, matchU, seen) {
			size++
		}
	}
	for j, i := range matchU {
		if i >= 0 {
			c.diffs = append(c.diffs, diffs[i*len(us)+j]...)
		}
	}
	if size < min(len(os), len(us)) {
		c.add("COMBINED_TYPE_SUBSCHEMAS_CHANGED")
	}
}

// segments caches the path segments of the first subschemas.
var segments = func() map[string][]string {
	m := map[string][]string{}
	for _, crit := range []string{allOf, anyOf, oneOf} {
		for i := 0; i < 16; i++ {
			m[crit] = append(m[crit], crit+"/"+itoa(i))
		}
	}
	return m
}()

func subschemaSegment(crit string, i int) string {
	if segs := segments[crit]; i < len(segs) {
		return segs[i]
	}
	return crit + "/" + itoa(i)
}

func augment(i int, edges [][]int, matchU []int, seen []bool) bool {
	for _, j := range edges[i] {
		if seen[j] {
			continue
		}
		seen[j] = true
		if matchU[j] < 0 || augment(matchU[j], edges, matchU, seen) {
			matchU[j] = i
			return true
		}
	}
	return false
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

// dedupe drops structurally equal subschemas, keeping the first of each
// (Confluent collects them into a LinkedHashSet of JsonSchema).
func dedupe(list []*Schema) []*Schema {
	if len(list) < 2 {
		return list
	}
	out := make([]*Schema, 0, len(list))
	for _, s := range list {
		dup := false
		for _, t := range out {
			if schemaEqual(s, t) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// The checks below look at a property's own node, not at what a $ref
// points to, as Confluent's instanceof checks do: a $ref to {} is not an
// empty schema there.

// isOpenObject: additionalProperties allowed without a schema, no
// patternProperties, unevaluatedProperties absent or {}/true.
func isOpenObject(s *Schema) bool {
	if !s.additionalProps || s.additionalSchema != nil || len(s.patternProps) > 0 {
		return false
	}
	return s.unevaluatedProps == nil || s.unevaluatedProps.isEmpty()
}

// partialObjectSchema is the schema that covers a property name in a
// partially open content model, or nil.
func partialObjectSchema(s *Schema, name string) *Schema {
	for _, pp := range s.patternProps {
		if pp.re.MatchString(name) {
			return pp.schema
		}
	}
	if s.additionalSchema != nil {
		return s.additionalSchema
	}
	if s.additionalProps && s.unevaluatedProps != nil {
		uv := s.unevaluatedProps
		if uv.kind != kindFalse && !uv.isEmpty() {
			return s.unevaluatedProps
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func compareObject(c *context, o, u *Schema) {
	// required, only for properties in both schemas.
	c.enter("required")
	for _, name := range o.propertyOrder {
		us, ok := u.properties[name]
		if !ok {
			continue
		}
		or, ur := contains(o.required, name), contains(u.required, name)
		switch {
		case or && !ur:
			c.addAt(name, "REQUIRED_ATTRIBUTE_REMOVED")
		case !or && ur:
			if us.hasDefault {
				c.addAt(name, "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED")
			} else {
				c.addAt(name, "REQUIRED_ATTRIBUTE_ADDED")
			}
		}
	}
	c.leave()

	c.enter("properties")
	for _, name := range o.propertyOrder {
		os := o.properties[name]
		us, ok := u.properties[name]
		c.enter(name)
		if ok {
			compare(c, os, us)
		} else {
			propertyRemoved(c, name, os, u)
		}
		c.leave()
	}
	for _, name := range u.propertyOrder {
		if _, ok := o.properties[name]; ok {
			continue
		}
		c.enter(name)
		propertyAdded(c, name, u.properties[name], o, u)
		c.leave()
	}
	c.leave()

	compareDependencies(c, o, u)

	c.enter("additionalProperties")
	switch {
	case o.additionalProps != u.additionalProps:
		if u.additionalProps {
			// SchemaTranslator (2019-09/2020-12) reports no difference
			// when additionalProperties: false is dropped.
			if u.dialect < draft2019 || u.additionalSchema != nil {
				c.add("ADDITIONAL_PROPERTIES_ADDED")
			}
		} else {
			c.add("ADDITIONAL_PROPERTIES_REMOVED")
		}
	case o.additionalSchema == nil && u.additionalSchema != nil:
		c.add("ADDITIONAL_PROPERTIES_NARROWED")
	case o.additionalSchema != nil && u.additionalSchema == nil:
		c.add("ADDITIONAL_PROPERTIES_EXTENDED")
	default:
		compare(c, o.additionalSchema, u.additionalSchema)
	}
	c.leave()

	compareUnevaluated(c, "unevaluatedProperties", o.unevaluatedProps, u.unevaluatedProps,
		"UNEVALUATED_PROPERTIES_ADDED", "UNEVALUATED_PROPERTIES_REMOVED", "UNEVALUATED_PROPERTIES_EXTENDED", "UNEVALUATED_PROPERTIES_NARROWED")

	oMax, oMin := o.maxProperties, o.minProperties
	if u.dialect >= draft2019 {
		// SchemaTranslator drops a removed min/maxProperties silently.
		if u.maxProperties == nil {
			oMax = nil
		}
		if u.minProperties == nil {
			oMin = nil
		}
	}
	compareLimit(c, "maxProperties", oMax, u.maxProperties, "MAX_PROPERTIES_ADDED", "MAX_PROPERTIES_REMOVED", "MAX_PROPERTIES_INCREASED", "MAX_PROPERTIES_DECREASED")
	compareLimit(c, "minProperties", oMin, u.minProperties, "MIN_PROPERTIES_ADDED", "MIN_PROPERTIES_REMOVED", "MIN_PROPERTIES_INCREASED", "MIN_PROPERTIES_DECREASED")
}

func propertyRemoved(c *context, name string, os, u *Schema) {
	if isOpenObject(u) {
		c.add("PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL")
		return
	}
	if p := partialObjectSchema(u, name); p != nil {
		s := c.sub()
		compare(s, os, p)
		c.diffs = append(c.diffs, s.diffs...)
		if s.compatible() {
			c.add("PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
		} else {
			c.add("PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
		}
		return
	}
	if os.kind == kindFalse {
		c.add("PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
	} else {
		c.add("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL")
	}
}

func propertyAdded(c *context, name string, us, o, u *Schema) {
	required := contains(u.required, name)
	hasDefault := us.hasDefault
	if isOpenObject(o) {
		switch {
		case us.isEmpty():
			c.add("PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
		case required && hasDefault:
			c.add("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL")
		case required:
			c.add("REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
		default:
			c.add("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL")
		}
		return
	}
	if p := partialObjectSchema(o, name); p != nil {
		s := c.sub()
		compare(s, p, us)
		c.diffs = append(c.diffs, s.diffs...)
		if s.compatible() {
			c.add("PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
		} else {
			c.add("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
		}
	}
	switch {
	case required && hasDefault:
		c.add("REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL")
	case required:
		c.add("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
	default:
		c.add("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")
	}
}

func compareDependencies(c *context, o, u *Schema) {
	c.enter("dependencies")
	names := unionKeys(o.propertyDeps, u.propertyDeps)
	for _, name := range names {
		od, oOK := o.propertyDeps[name]
		ud, uOK := u.propertyDeps[name]
		switch {
		case !uOK:
			c.addAt(name, "DEPENDENCY_ARRAY_REMOVED")
		case !oOK:
			c.addAt(name, "DEPENDENCY_ARRAY_ADDED")
		default:
			uHasO, oHasU := containsAllStr(ud, od), containsAllStr(od, ud)
			switch {
			case uHasO && oHasU:
			case uHasO:
				c.addAt(name, "DEPENDENCY_ARRAY_EXTENDED")
			case oHasU:
				c.addAt(name, "DEPENDENCY_ARRAY_NARROWED")
			default:
				c.addAt(name, "DEPENDENCY_ARRAY_CHANGED")
			}
		}
	}
	for _, name := range unionKeys(o.schemaDeps, u.schemaDeps) {
		os, oOK := o.schemaDeps[name]
		us, uOK := u.schemaDeps[name]
		switch {
		case !uOK:
			c.addAt(name, "DEPENDENCY_SCHEMA_REMOVED")
		case !oOK:
			c.addAt(name, "DEPENDENCY_SCHEMA_ADDED")
		default:
			c.enter(name)
			compare(c, os, us)
			c.leave()
		}
	}
	c.leave()
}

func unionKeys[V any](a, b map[string]V) []string {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(a)+len(b))
	var out []string
	for k := range a {
		seen[k] = true
		out = append(out, k)
	}
	for k := range b {
		if !seen[k] {
			out = append(out, k)
		}
	}
	sortStrings(out)
	return out
}

func containsAllStr(set, items []string) bool {
	for _, it := range items {
		if !contains(set, it) {
			return false
		}
	}
	return true
}

func compareUnevaluated(c *context, attr string, o, u *Schema, added, removed, extended, narrowed string) {
	if o == nil && u == nil {
		return
	}
	c.enter(attr)
	defer c.leave()
	var ro, ru *Schema
	if o != nil {
		ro = o
	}
	if u != nil {
		ru = u
	}
	switch {
	case o == nil:
		if ru.kind == kindFalse {
			c.add(removed)
		} else {
			c.add(narrowed)
		}
	case u == nil:
		if ro.kind == kindFalse {
			c.add(added)
		} else {
			c.add(extended)
		}
	case ro.kind == kindFalse && ru.kind != kindFalse:
		c.add(added)
	case ro.kind != kindFalse && ru.kind == kindFalse:
		c.add(removed)
	case ro.isEmpty() && !ru.isEmpty():
		c.add(narrowed)
	case !ro.isEmpty() && ru.isEmpty():
		c.add(extended)
	default:
		compare(c, o, u)
	}
}

func isOpenArray(s *Schema) bool {
	if !s.additionalItems || s.additionalItemsSch != nil {
		return false
	}
	return s.unevaluatedItems == nil || s.unevaluatedItems.isEmpty()
}

func partialArraySchema(s *Schema) *Schema {
	if s.additionalItemsSch != nil {
		return s.additionalItemsSch
	}
	if s.additionalItems && s.unevaluatedItems != nil {
		uv := s.unevaluatedItems
		if uv.kind != kindFalse && !uv.isEmpty() {
			return s.unevaluatedItems
		}
	}
	return nil
}

func compareArray(c *context, o, u *Schema) {
	c.enter("items")
	compare(c, o.allItems, u.allItems)
	c.leave()

	n := min(len(o.itemSchemas), len(u.itemSchemas))
	for i := 0; i < n; i++ {
		c.enter("items/" + itoa(i))
		compare(c, o.itemSchemas[i], u.itemSchemas[i])
		c.leave()
	}
	for i := n; i < len(o.itemSchemas); i++ {
		c.enter("items/" + itoa(i))
		os := o.itemSchemas[i]
		switch p := partialArraySchema(u); {
		case isOpenArray(u):
			c.add("ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL")
		case p != nil:
			s := c.sub()
			compare(s, os, p)
			c.diffs = append(c.diffs, s.diffs...)
			if s.compatible() {
				c.add("ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			} else {
				c.add("ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			}
		case os.kind == kindFalse:
			c.add("ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		default:
			c.add("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL")
		}
		c.leave()
	}
	for i := n; i < len(u.itemSchemas); i++ {
		c.enter("items/" + itoa(i))
		us := u.itemSchemas[i]
		switch p := partialArraySchema(o); {
		case isOpenArray(o):
			if us.isEmpty() {
				c.add("ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL")
			} else {
				c.add("ITEM_ADDED_TO_OPEN_CONTENT_MODEL")
			}
		case p != nil:
			s := c.sub()
			compare(s, p, us)
			c.diffs = append(c.diffs, s.diffs...)
			if s.compatible() {
				c.add("ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			} else {
				c.add("ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL")
			}
		default:
			c.add("ITEM_ADDED_TO_CLOSED_CONTENT_MODEL")
		}
		c.leave()
	}

	c.enter("additionalItems")
	switch {
	case o.additionalItems != u.additionalItems:
		if o.additionalItems {
			c.add("ADDITIONAL_ITEMS_REMOVED")
		} else {
			c.add("ADDITIONAL_ITEMS_ADDED")
		}
	case o.additionalItemsSch == nil && u.additionalItemsSch != nil:
		c.add("ADDITIONAL_ITEMS_NARROWED")
	case o.additionalItemsSch != nil && u.additionalItemsSch == nil:
		c.add("ADDITIONAL_ITEMS_EXTENDED")
	default:
		compare(c, o.additionalItemsSch, u.additionalItemsSch)
	}
	c.leave()

	compareUnevaluated(c, "unevaluatedItems", o.unevaluatedItems, u.unevaluatedItems,
		"UNEVALUATED_ITEMS_ADDED", "UNEVALUATED_ITEMS_REMOVED", "UNEVALUATED_ITEMS_EXTENDED", "UNEVALUATED_ITEMS_NARROWED")

	compareLimit(c, "maxItems", o.maxItems, u.maxItems, "MAX_ITEMS_ADDED", "MAX_ITEMS_REMOVED", "MAX_ITEMS_INCREASED", "MAX_ITEMS_DECREASED")
	compareLimit(c, "minItems", o.minItems, u.minItems, "MIN_ITEMS_ADDED", "MIN_ITEMS_REMOVED", "MIN_ITEMS_INCREASED", "MIN_ITEMS_DECREASED")
	if o.uniqueItems != u.uniqueItems {
		if o.uniqueItems {
			c.addAt("uniqueItems", "UNIQUE_ITEMS_REMOVED")
		} else {
			c.addAt("uniqueItems", "UNIQUE_ITEMS_ADDED")
		}
	}
	compareLimit(c, "maxContains", o.maxContains, u.maxContains, "MAX_CONTAINS_ADDED", "MAX_CONTAINS_REMOVED", "MAX_CONTAINS_INCREASED", "MAX_CONTAINS_DECREASED")
	oMinC := o.minContains
	if u.minContains == nil {
		// Removing minContains reports nothing (SchemaTranslator).
		oMinC = nil
	}
	compareLimit(c, "minContains", oMinC, u.minContains, "MIN_CONTAINS_ADDED", "MIN_CONTAINS_REMOVED", "MIN_CONTAINS_INCREASED", "MIN_CONTAINS_DECREASED")
}
