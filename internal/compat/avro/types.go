package avro

// IncompatibilityTypes are the types Check reports, with a one-sentence
// explanation each (for `evctl rules explain`).
var IncompatibilityTypes = []struct{ Type, Doc string }{
	{NameMismatch, "The reader's named type (record, enum or fixed) has another name than the writer's and no alias for it: keep the name, or add the old full name to aliases."},
	{FixedSizeMismatch, "A fixed type changed its size: a reader cannot read fixed values of another size; keep the size, or publish a new major version."},
	{MissingEnumSymbols, "The writer may write enum symbols the reader does not have (and the reader's enum has no default): keep every symbol, or give the enum a default symbol first."},
	{ReaderFieldMissingDefaultValue, "The reader has a field the writer's data lacks, and the field has no default: give it a default (null with a [\"null\", ...] union for an optional field)."},
	{TypeMismatch, "The reader's type cannot read the writer's type: keep the type, or change it only along Avro's promotions (int→long→float→double, string↔bytes)."},
	{MissingUnionBranch, "The writer's union has a branch the reader's union lacks: keep every branch of the union."},
	{AmbiguousField, "A reader field matches several writer fields by name and aliases: make names and aliases unique."},
	{TooComplex, "The schemas need too many comparisons to be checked (pathological mutually recursive types): simplify them."},
}

// DiffTypes are the structural change types `evctl diff` reports for Avro,
// with a one-sentence explanation each.
var DiffTypes = []struct{ Type, Doc string }{
	{FieldAdded, "A field was added; compatible when it has a default."},
	{FieldRemoved, "A field was removed; compatible for readers when the old field had a default."},
	{FieldRenamed, "A field was renamed with an alias to the old name."},
	{FieldDocChanged, "A field's doc changed; always compatible."},
	{DefaultAdded, "A field's default was added."},
	{DefaultRemoved, "A field's default was removed; old data without the field can no longer be read by new readers."},
	{DefaultChanged, "A field's default changed; readers of old data see the new default."},
	{TypeChanged, "A type changed; compatible only along Avro's promotions."},
	{NameChanged, "A named type's name changed; compatible only with an alias to the old name."},
	{NamespaceChanged, "A named type's namespace changed; compatible only with an alias to the old full name."},
	{DocChanged, "A type's doc changed; always compatible."},
	{SymbolAdded, "An enum symbol was added; old readers fail on it unless the enum has a default."},
	{SymbolRemoved, "An enum symbol was removed; new readers fail on old data holding it unless the enum has a default."},
	{EnumDefaultChanged, "An enum's default symbol changed."},
	{FixedSizeChanged, "A fixed type's size changed; incompatible."},
	{BranchAdded, "A union branch was added; old readers fail on data of the new branch."},
	{BranchRemoved, "A union branch was removed; new readers fail on old data of that branch."},
	{LogicalTypeChanged, "A logical type changed; the underlying type decides compatibility, the meaning of the data changes."},
}
