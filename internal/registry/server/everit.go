package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode/utf16"
)

// The order in which Confluent numbers the branches of a JSON Schema
// anyOf/oneOf/allOf in a tag's entity path. JsonSchemaUtils
// .findSubSchemasFromIndex sorts the branches' JSON nodes with
// JsonNodeComparator, which loads each branch on its own with everit's
// SchemaLoader (default settings: draft 4, no defaults, the branch as its
// own root document) and compares the two models with
// JsonSchemaComparator; the sort is Java's stable List.sort. This file
// models the parts of that load the comparator reads, and refuses, rather
// than guesses, whatever it does not model exactly (a $ref, which
// resolves against the branch alone; a boolean branch, which Jackson does
// not read as an object; a $schema, floating-point enum values, ...).

// errEveritUnmodelled reports a branch whose everit model evctl does not
// reproduce exactly.
var errEveritUnmodelled = errors.New("not modelled")

// evSchema is the part of an everit Schema that JsonSchemaComparator
// reads.
type evSchema struct {
	kind        int
	title, desc *string
	enum        []string // ENUM: the distinct values' toString()
	criterion   string   // COMBINED: "allof", "anyof" or "oneof"
	subs        []*evSchema
	not         *evSchema // NOT: the negated schema
	props       []string  // OBJECT: the property names
	required    []string  // OBJECT: the required list
	items       *evSchema // ARRAY: the schema of all items, if any
}

// Draft 4's keywords (everit's SpecificationVersion.DRAFT_4 and
// AbstractSchemaExtractor).
var (
	evObjectKeywords = []string{"properties", "required", "minProperties", "maxProperties", "dependencies", "patternProperties", "additionalProperties"}
	evArrayKeywords  = []string{"items", "additionalItems", "minItems", "maxItems", "uniqueItems"}
	evNumberKeywords = []string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
	evStringKeywords = []string{"minLength", "maxLength", "pattern", "format"}
)

// loadEveritBranch is JsonNodeComparator's load of one branch.
func loadEveritBranch(v any) (*evSchema, error) {
	o, ok := v.(*ordObj)
	if !ok {
		// Jackson reads only an object as org.json's JSONObject.
		return nil, errEveritUnmodelled
	}
	if _, ok := o.m["$schema"]; ok {
		return nil, errEveritUnmodelled
	}
	return loadEverit(v)
}

// loadEverit is SchemaLoader.load in draft 4: a boolean is TrueSchema or
// FalseSchema; an object runs the extractors in everit's order on the
// keys the earlier ones left (enum, the combinators, not, type, then the
// keywords of a kind without its type), one result is the schema, none is
// EmptySchema, more are a synthetic allOf; title and description sit on
// the result.
func loadEverit(v any) (*evSchema, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return &evSchema{kind: everitTrue}, nil
		}
		return &evSchema{kind: everitFalse}, nil
	case *ordObj:
		return loadEveritObject(x)
	}
	return nil, errEveritUnmodelled
}

func loadEveritObject(o *ordObj) (*evSchema, error) {
	if _, ok := o.m["$ref"]; ok {
		return nil, errEveritUnmodelled
	}
	consumed := map[string]bool{}
	has := func(k string) bool {
		_, ok := o.m[k]
		return ok && !consumed[k]
	}
	consume := func(keys ...string) {
		for _, k := range keys {
			consumed[k] = true
		}
	}
	var out []*evSchema
	if has("enum") {
		consume("enum")
		vals, ok := o.m["enum"].([]any)
		if !ok {
			return nil, errEveritUnmodelled
		}
		s := &evSchema{kind: everitEnum}
		seen := map[string]bool{}
		for _, e := range vals {
			str, key, err := javaEnumValue(e)
			if err != nil {
				return nil, err
			}
			if !seen[key] {
				seen[key] = true
				s.enum = append(s.enum, str)
			}
		}
		out = append(out, s)
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		if !has(kw) {
			continue
		}
		consume(kw)
		arr, ok := o.m[kw].([]any)
		if !ok {
			return nil, errEveritUnmodelled
		}
		s := &evSchema{kind: everitCombined, criterion: strings.ToLower(kw)}
		for _, b := range arr {
			c, err := loadEverit(b)
			if err != nil {
				return nil, err
			}
			s.subs = append(s.subs, c)
		}
		out = append(out, s)
	}
	if has("not") {
		consume("not")
		c, err := loadEverit(o.m["not"])
		if err != nil {
			return nil, err
		}
		out = append(out, &evSchema{kind: everitNot, not: c})
	}
	// const is not a draft 4 keyword.
	if has("type") {
		consume("type")
		switch t := o.m["type"].(type) {
		case string:
			s, err := loadEveritTyped(o, t, consume)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		case []any:
			s := &evSchema{kind: everitCombined, criterion: "anyof"}
			for _, e := range t {
				ts, ok := e.(string)
				if !ok {
					return nil, errEveritUnmodelled
				}
				c, err := loadEveritTyped(o, ts, consume)
				if err != nil {
					return nil, err
				}
				s.subs = append(s.subs, c)
			}
			out = append(out, s)
		default:
			return nil, errEveritUnmodelled
		}
	}
	anyOf := func(keys []string) bool { return slices.ContainsFunc(keys, has) }
	var sniffed []string
	if anyOf(evArrayKeywords) {
		sniffed = append(sniffed, "array")
	}
	if anyOf(evObjectKeywords) {
		sniffed = append(sniffed, "object")
	}
	if anyOf(evNumberKeywords) {
		sniffed = append(sniffed, "number")
	}
	if anyOf(evStringKeywords) {
		sniffed = append(sniffed, "string")
	}
	for _, t := range sniffed {
		s, err := loadEveritTyped(o, t, consume)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	var res *evSchema
	switch len(out) {
	case 0:
		res = &evSchema{kind: everitEmpty}
	case 1:
		res = out[0]
	default:
		res = &evSchema{kind: everitCombined, criterion: "allof", subs: out}
	}
	for _, k := range []string{"id", "title", "description"} { // draft 4's id keyword is "id"
		if v, ok := o.m[k]; ok {
			s, isStr := v.(string)
			if !isStr {
				return nil, errEveritUnmodelled
			}
			switch k {
			case "title":
				res.title = &s
			case "description":
				res.desc = &s
			}
		}
	}
	return res, nil
}

// loadEveritTyped is TypeBasedSchemaExtractor.loadForExplicitType (and
// the sniffer's builders): it checks the kind's keywords as everit reads
// them and marks them consumed.
func loadEveritTyped(o *ordObj, t string, consume func(...string)) (*evSchema, error) {
	switch t {
	case "string":
		consume(evStringKeywords...)
		if err := evInts(o, "minLength", "maxLength"); err != nil {
			return nil, err
		}
		if v, ok := o.m["pattern"]; ok {
			p, isStr := v.(string)
			// Java compiles the pattern: evctl accepts one RE2 compiles
			// and that uses none of RE2's own syntax.
			if !isStr || strings.Contains(p, "(?P") {
				return nil, errEveritUnmodelled
			}
			if _, err := regexp.Compile(p); err != nil {
				return nil, errEveritUnmodelled
			}
		}
		if v, ok := o.m["format"]; ok {
			if _, isStr := v.(string); !isStr {
				return nil, errEveritUnmodelled
			}
		}
		return &evSchema{kind: everitString}, nil
	case "integer", "number":
		consume(evNumberKeywords...)
		for _, k := range []string{"minimum", "maximum", "multipleOf"} {
			if v, ok := o.m[k]; ok && !isJSONNumber(v) {
				return nil, errEveritUnmodelled
			}
		}
		for _, k := range []string{"exclusiveMinimum", "exclusiveMaximum"} { // booleans in draft 4
			if v, ok := o.m[k]; ok {
				if _, isBool := v.(bool); !isBool {
					return nil, errEveritUnmodelled
				}
			}
		}
		return &evSchema{kind: everitNumber}, nil
	case "boolean":
		return &evSchema{kind: everitBoolean}, nil
	case "null":
		return &evSchema{kind: everitNull}, nil
	case "array":
		consume(evArrayKeywords...)
		return loadEveritArray(o)
	case "object":
		consume(evObjectKeywords...)
		return loadEveritObjectSchema(o)
	}
	return nil, errEveritUnmodelled // everit: unknown type
}

func loadEveritArray(o *ordObj) (*evSchema, error) {
	if err := evInts(o, "minItems", "maxItems"); err != nil {
		return nil, err
	}
	if v, ok := o.m["uniqueItems"]; ok {
		if _, isBool := v.(bool); !isBool {
			return nil, errEveritUnmodelled
		}
	}
	if v, ok := o.m["additionalItems"]; ok {
		if _, isBool := v.(bool); !isBool {
			if _, err := evChildObject(v); err != nil {
				return nil, err
			}
		}
	}
	s := &evSchema{kind: everitArray}
	if v, ok := o.m["items"]; ok {
		if arr, isArr := v.([]any); isArr {
			for _, e := range arr {
				if _, err := evChildObject(e); err != nil {
					return nil, err
				}
			}
		} else {
			c, err := evChildObject(v) // draft 4: an object only
			if err != nil {
				return nil, err
			}
			s.items = c
		}
	}
	return s, nil
}

func loadEveritObjectSchema(o *ordObj) (*evSchema, error) {
	if err := evInts(o, "minProperties", "maxProperties"); err != nil {
		return nil, err
	}
	s := &evSchema{kind: everitObject}
	if v, ok := o.m["properties"]; ok {
		props, isObj := v.(*ordObj)
		if !isObj {
			return nil, errEveritUnmodelled
		}
		for _, k := range props.keys {
			pv := props.m[k]
			if _, isObj := pv.(*ordObj); k == "id" && !isObj {
				continue // ObjectSchemaLoader skips a non-object "id"
			}
			if _, err := loadEverit(pv); err != nil {
				return nil, err
			}
			s.props = append(s.props, k)
		}
	}
	if v, ok := o.m["additionalProperties"]; ok {
		if _, isBool := v.(bool); !isBool {
			if _, err := evChildObject(v); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := o.m["required"]; ok {
		arr, isArr := v.([]any)
		if !isArr {
			return nil, errEveritUnmodelled
		}
		for _, e := range arr {
			r, isStr := e.(string)
			if !isStr {
				return nil, errEveritUnmodelled
			}
			s.required = append(s.required, r)
		}
	}
	if v, ok := o.m["patternProperties"]; ok {
		pp, isObj := v.(*ordObj)
		if !isObj {
			return nil, errEveritUnmodelled
		}
		for _, k := range pp.keys {
			if strings.Contains(k, "(?P") {
				return nil, errEveritUnmodelled
			}
			if _, err := regexp.Compile(k); err != nil {
				return nil, errEveritUnmodelled
			}
			if _, err := loadEverit(pp.m[k]); err != nil {
				return nil, err
			}
		}
	}
	if v, ok := o.m["dependencies"]; ok {
		deps, isObj := v.(*ordObj)
		if !isObj {
			return nil, errEveritUnmodelled
		}
		for _, k := range deps.keys {
			switch d := deps.m[k].(type) {
			case []any:
				for _, e := range d {
					if _, isStr := e.(string); !isStr {
						return nil, errEveritUnmodelled
					}
				}
			default:
				if _, err := evChildObject(d); err != nil {
					return nil, err
				}
			}
		}
	}
	return s, nil
}

// evChildObject loads a child that draft 4 accepts only as an object.
func evChildObject(v any) (*evSchema, error) {
	if _, ok := v.(*ordObj); !ok {
		return nil, errEveritUnmodelled
	}
	return loadEverit(v)
}

// evInts checks keywords everit reads with requireInteger (a Java int).
func evInts(o *ordObj, keys ...string) error {
	for _, k := range keys {
		v, ok := o.m[k]
		if !ok {
			continue
		}
		n, isNum := v.(json.Number)
		if !isNum {
			return errEveritUnmodelled
		}
		i, err := n.Int64()
		if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
			return errEveritUnmodelled
		}
	}
	return nil
}

func isJSONNumber(v any) bool {
	_, ok := v.(json.Number)
	return ok
}

// javaEnumValue is the toString() of an enum value as everit holds it
// (Jackson's Integer, Long or BigInteger for an integer, String, Boolean,
// null), with a key for Java's equals. Floating-point numbers, objects
// and arrays are refused.
func javaEnumValue(v any) (str, key string, err error) {
	switch x := v.(type) {
	case string:
		return x, "s" + x, nil
	case bool:
		return fmt.Sprint(x), "b" + fmt.Sprint(x), nil
	case nil:
		return "null", "n", nil
	case json.Number:
		s := x.String()
		if strings.ContainsAny(s, ".eE") {
			return "", "", errEveritUnmodelled
		}
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return "", "", errEveritUnmodelled
		}
		return n.String(), "i" + n.String(), nil
	}
	return "", "", errEveritUnmodelled
}

// javaCompare is Java's String.compareTo: by UTF-16 code units.
func javaCompare(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// compareNullsFirst is Comparator.nullsFirst(naturalOrder()).
func compareNullsFirst(a, b *string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return javaCompare(*a, *b)
}

// compareEverit is JsonSchemaComparator.compare. Defaults are not read:
// the branch loader does not load them (no useDefaults).
func compareEverit(a, b *evSchema) int {
	if a == b {
		return 0
	}
	if a == nil {
		return -1
	}
	if b == nil {
		return 1
	}
	if c := a.kind - b.kind; c != 0 {
		return c
	}
	if c := compareNullsFirst(a.title, b.title); c != 0 {
		return c
	}
	if c := compareNullsFirst(a.desc, b.desc); c != 0 {
		return c
	}
	switch a.kind {
	case everitEnum:
		return compareJavaCollections(a.enum, b.enum)
	case everitCombined:
		if c := javaCompare(a.criterion, b.criterion); c != 0 {
			return c
		}
		if c := len(a.subs) - len(b.subs); c != 0 {
			return c
		}
		as, bs := slices.Clone(a.subs), slices.Clone(b.subs)
		slices.SortStableFunc(as, compareEverit)
		slices.SortStableFunc(bs, compareEverit)
		for i := range as {
			if c := compareEverit(as[i], bs[i]); c != 0 {
				return c
			}
		}
		return 0
	case everitNot:
		return compareEverit(a.not, b.not)
	case everitObject:
		if c := compareJavaCollections(a.props, b.props); c != 0 {
			return c
		}
		return compareJavaCollections(a.required, b.required)
	case everitArray:
		return compareEverit(a.items, b.items)
	}
	return 0
}

// compareJavaCollections is JsonSchemaComparator.compareCollections: by
// size, then element-wise after sorting both.
func compareJavaCollections(a, b []string) int {
	if c := len(a) - len(b); c != 0 {
		return c
	}
	as, bs := slices.Clone(a), slices.Clone(b)
	slices.SortFunc(as, javaCompare)
	slices.SortFunc(bs, javaCompare)
	for i := range as {
		if c := javaCompare(as[i], bs[i]); c != 0 {
			return c
		}
	}
	return 0
}
