package jsonschema

import "github.com/evctl/evctl/internal/compat"

// Importing this package makes compat.Check and compat.Diff support JSON
// Schema (registering again, as some callers do, is harmless).
func init() {
	compat.RegisterJSONSchema(Parse, CanRead)
}
