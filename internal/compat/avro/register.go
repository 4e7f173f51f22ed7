package avro

import "github.com/evctl/evctl/internal/compat"

// Importing this package makes compat.Check and compat.Diff support Avro.
func init() {
	compat.RegisterFormat(compat.Avro,
		func(d compat.Doc, isNew bool) (*Schema, error) {
			if isNew {
				return Parse(d.Text, d.References)
			}
			return ParseLenient(d.Text, d.References)
		},
		func(reader, writer *Schema, readerIsNew bool, _ compat.Options) []compat.Change {
			return Explain(Incompatibilities(reader, writer), readerIsNew)
		})
}
