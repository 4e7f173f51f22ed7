package lint

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestOddSchemas runs every rule on schemas that load but are unusual as
// events (primitive, enum, boolean, recursive, empty), which must give
// well-formed findings and never a panic.
func TestOddSchemas(t *testing.T) {
	files := []struct{ Name, Data string }{
		{Name: "schemas/v1/StringSent.avsc", Data: `"string"` + "\n"},
		{Name: "schemas/v1/ColorChosen.avsc", Data: `{"type": "enum", "name": "ColorChosen", "namespace": "com.acme.v1", "symbols": ["RED", "GREEN"]}` + "\n"},
		{Name: "schemas/v1/ListBuilt.avsc", Data: `{"type": "array", "items": "long"}` + "\n"},
		{Name: "schemas/v1/NodeLinked.avsc", Data: `{"type": "record", "name": "NodeLinked", "namespace": "com.acme.v1", "fields": [
  {"name": "node_id", "type": "string"},
  {"name": "next", "type": ["null", "NodeLinked"], "default": null},
  {"name": "children", "type": {"type": "array", "items": "NodeLinked"}}
]}` + "\n"},
		{Name: "schemas/v1/AnythingHappened.json", Data: "true\n"},
		{Name: "schemas/v1/NothingHappened.json", Data: "{}\n"},
		{Name: "schemas/v1/TreeGrown.json", Data: `{
  "title": "v1.TreeGrown",
  "type": ["object", "null"],
  "properties": {"tree_id": {"type": "string"}, "child": {"$ref": "#"}, "size": {"type": ["integer", "string"]}},
  "additionalProperties": {"type": "object", "properties": {"id": {"type": "string"}}}
}` + "\n"},
		{Name: "schemas/v1/_.yaml", Data: "type: object\nproperties: {}\n"},
		{Name: "schemas/v1/ComposedMade.json", Data: `{
  "title": "v1.ComposedMade",
  "allOf": [{"$ref": "#/definitions/A"}, {"properties": {"total": {"type": "number"}}}],
  "definitions": {"A": {"type": "object", "properties": {"amount": {"type": "integer"}}}}
}` + "\n"},
	}
	a := &txtar.Archive{}
	for _, f := range files {
		a.Files = append(a.Files, txtar.File{Name: f.Name, Data: []byte(f.Data)})
	}
	out := lintArchive(t, t.TempDir(), a, "")
	if out == "" {
		t.Fatal("odd schemas give no finding at all")
	}
	// Each finding is "file:line:col: severity rule-id: title", then
	// indented lines of why and how to fix.
	head := regexp.MustCompile(`^schemas/v1/\w+\.(json|avsc|yaml):\d+:\d+: (error|warning) [a-z]+(-[a-z]+)*: \S`)
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(line, "    ") && i > 0 && strings.TrimSpace(line) != "" {
			continue
		}
		if !head.MatchString(line) {
			t.Errorf("malformed finding %q", line)
		}
	}
	t.Log(out)
}
