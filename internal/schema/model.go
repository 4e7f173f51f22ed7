package schema

// TypeKind is a format-neutral type kind.
type TypeKind string

// Type kinds. Avro and JSON Schema kinds share the names where they mean the
// same thing; JSON "integer" and "number" stay distinct from Avro's numeric types.
const (
	KNull    TypeKind = "null"
	KBoolean TypeKind = "boolean"
	KInt     TypeKind = "int"
	KLong    TypeKind = "long"
	KFloat   TypeKind = "float"
	KDouble  TypeKind = "double"
	KBytes   TypeKind = "bytes"
	KString  TypeKind = "string"
	KRecord  TypeKind = "record" // Avro record or JSON object with properties
	KEnum    TypeKind = "enum"
	KFixed   TypeKind = "fixed"
	KArray   TypeKind = "array"
	KMap     TypeKind = "map"
	KUnion   TypeKind = "union" // Avro union or JSON anyOf/oneOf/type array
	KInteger TypeKind = "integer"
	KNumber  TypeKind = "number"
	KAny     TypeKind = "any" // unconstrained or not modelled
)

// Type is one type in the format-neutral view.
type Type struct {
	Kind TypeKind
	// Node is the schema node this type came from (for positions and raw keywords).
	Node *Node
	Pos  Pos
	// Name is the Avro full name of a named type, or the JSON Schema title.
	Name      string
	Namespace string
	// Logical is the Avro logicalType; Format is the JSON Schema format.
	Logical string
	Format  string
	// Fields are the record fields or object properties, in source order.
	Fields []*Field
	// Items is the array item type; Values the map value type.
	Items  *Type
	Values *Type
	// Symbols are the enum symbols (Avro) or string enum values (JSON).
	Symbols []string
	// Branches are the union branches.
	Branches []*Type
	// Ref is the $ref or Avro named-type reference this type was reached through.
	Ref string
	// Recursive is set on a reference back to an enclosing type; its Fields are not repeated.
	Recursive bool
}

// Numeric reports whether values of the type are numbers.
func (t *Type) Numeric() bool {
	if t == nil {
		return false
	}
	switch t.Kind {
	case KInt, KLong, KFloat, KDouble, KInteger, KNumber:
		return true
	case KBytes, KFixed:
		return t.Logical == "decimal"
	}
	return false
}

// Floating reports whether the type is binary floating point.
func (t *Type) Floating() bool {
	return t != nil && (t.Kind == KFloat || t.Kind == KDouble || t.Kind == KNumber)
}

// NonNull returns the type without a null union branch: for ["null", T] it
// returns T; otherwise t itself.
func (t *Type) NonNull() *Type {
	if t == nil || t.Kind != KUnion {
		return t
	}
	var only *Type
	for _, b := range t.Branches {
		if b.Kind == KNull {
			continue
		}
		if only != nil {
			return t
		}
		only = b
	}
	if only == nil {
		return t
	}
	return only
}

// Nullable reports whether null is an allowed value.
func (t *Type) Nullable() bool {
	if t == nil {
		return false
	}
	if t.Kind == KNull {
		return true
	}
	if t.Kind == KUnion {
		for _, b := range t.Branches {
			if b.Kind == KNull {
				return true
			}
		}
	}
	return false
}

// Field is one record field or object property.
type Field struct {
	Name string
	// Pos is where the field is named: the Avro "name" value or the JSON property key.
	Pos Pos
	// Node is the Avro field object or the JSON property schema.
	Node *Node
	Type *Type
	// Required: JSON Schema lists it in "required"; Avro: it is not nullable.
	Required bool
	// Default is the default value, if any.
	Default *Node
	// Unit is the x-unit (JSON Schema) or unit (Avro field) annotation.
	Unit string
	Doc  string
}

// Field returns the field named name, or nil.
func (t *Type) Field(name string) *Field {
	if t == nil {
		return nil
	}
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}
