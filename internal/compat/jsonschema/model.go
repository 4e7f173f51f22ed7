package jsonschema

import "math/big"

// kind is the Everit schema class of a node. Two nodes of different kinds
// are a TYPE_CHANGED (with the exceptions in compareNode).
type kind uint8

const (
	kindEmpty kind = iota // {} (EmptySchema)
	kindTrue              // true (TrueSchema, a subclass of EmptySchema)
	kindFalse             // false (FalseSchema)
	kindString
	kindNumber // "number" and "integer"
	kindBoolean
	kindNull
	kindObject
	kindArray
	kindEnum
	kindConst
	kindCombined
	kindNot
	kindConditional
	kindRef
)

func (k kind) String() string {
	switch k {
	case kindEmpty:
		return "empty schema"
	case kindTrue:
		return "true schema"
	case kindFalse:
		return "false schema"
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindBoolean:
		return "boolean"
	case kindNull:
		return "null"
	case kindObject:
		return "object"
	case kindArray:
		return "array"
	case kindEnum:
		return "enum"
	case kindConst:
		return "const"
	case kindCombined:
		return "combined schema"
	case kindNot:
		return "not schema"
	case kindConditional:
		return "if/then/else schema"
	case kindRef:
		return "$ref"
	}
	return "unknown"
}

// Combination criteria of a combined schema.
const (
	allOf = "allOf"
	anyOf = "anyOf"
	oneOf = "oneOf"
)

// Schema is one node of a parsed JSON Schema in Everit's object model.
// Build one with Parse; the zero value is the empty schema {}. A parsed
// Schema is never modified afterwards, so it may be shared between
// goroutines and compared concurrently.
type Schema struct {
	kind kind

	// Attributes every schema class carries (compared before the
	// type-specific rules).
	id          *string
	title       *string
	description *string
	def         any
	hasDefault  bool
	connectType string // unprocessed "connect.type" when it is a string

	// String.
	minLength, maxLength *int
	pattern              *string

	// Number.
	requiresInteger                    bool
	minimum, maximum                   *float64
	exclusiveMinimum, exclusiveMaximum *float64
	multipleOf                         *big.Rat

	// Enum and const.
	enum     []any
	constVal any

	// Combined.
	criterion  string
	subschemas []*Schema

	// Not.
	not *Schema

	// Object.
	properties       map[string]*Schema
	propertyOrder    []string
	required         []string
	additionalProps  bool    // permitsAdditionalProperties
	additionalSchema *Schema // schemaOfAdditionalProperties
	patternProps     []patternProperty
	propertyDeps     map[string][]string
	schemaDeps       map[string]*Schema
	minProperties    *int
	maxProperties    *int
	unevaluatedProps *Schema

	// Array.
	allItems           *Schema
	itemSchemas        []*Schema
	additionalItems    bool    // permitsAdditionalItems
	additionalItemsSch *Schema // schemaOfAdditionalItems
	unevaluatedItems   *Schema
	minItems, maxItems *int
	uniqueItems        bool
	minContains        *int
	maxContains        *int

	// dialect is the draft of the document the node was loaded from.
	dialect draft
	// raw is the schema object the node was loaded from, with rawType the
	// single type name when the node is one member of a type array; both
	// serve the structural equality Confluent uses to de-duplicate
	// combined subschemas.
	raw     any
	rawType string

	// Reference.
	ref    string
	target *Schema
}

type patternProperty struct {
	source string
	re     matcher
	schema *Schema
}

// matcher finds a pattern anywhere in a property name (Everit uses an
// unanchored regex search).
type matcher interface {
	MatchString(string) bool
}

// resolved follows $ref nodes to the schema they point at. A cycle of
// references that never reaches a real schema resolves to the empty schema.
func (s *Schema) resolved() *Schema {
	for i := 0; s != nil && s.kind == kindRef; i++ {
		if s.target == nil || i > 64 {
			return &Schema{}
		}
		s = s.target
	}
	return s
}

// isEmpty reports whether s is {} or true (Everit's EmptySchema family).
func (s *Schema) isEmpty() bool {
	return s != nil && (s.kind == kindEmpty || s.kind == kindTrue)
}
