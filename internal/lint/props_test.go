package lint

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/evctl/evctl/internal/schema"
)

// TestJSONPropertyCycles: $ref and allOf cycles, within a file and across
// files, end at the first repeat; a property declared anywhere on the cycle
// is found, and one declared nowhere is not.
func TestJSONPropertyCycles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"schemas/v1/Looped.json": `{
  "title": "v1.Looped",
  "type": "object",
  "required": ["id"],
  "allOf": [{"$ref": "#"}, {"$ref": "#/definitions/a"}, {"$ref": "../common/other.json"}],
  "definitions": {
    "a": {"allOf": [{"$ref": "#/definitions/b"}]},
    "b": {"allOf": [{"$ref": "#/definitions/a"}], "properties": {"id": {"type": "string"}}}
  }
}`,
		"schemas/common/other.json": `{
  "allOf": [{"$ref": "../v1/Looped.json"}, {"$ref": "#"}],
  "properties": {"time": {"$ref": "#/definitions/t"}},
  "definitions": {"t": {"$ref": "#/definitions/t2"}, "t2": {"$ref": "#/definitions/t"}}
}`,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cat, err := schema.Load([]string{"schemas"}, schema.LoadOptions{Dir: dir, Unchecked: true})
	if err != nil {
		t.Fatal(err)
	}
	ev := cat.ByPath("schemas/v1/Looped.json")
	if ev == nil {
		t.Fatalf("event not loaded: %v", cat.Errors)
	}
	start := jsonNode{ev, ev.Root}
	// Each schema once: the event's root and its three allOf branches,
	// definitions a and b and their branches (b's leads back to a), the
	// shared file's root and its two branches (both lead back). The
	// shared file's definitions are not conjuncts.
	if n := len(conjuncts(cat, start)); n != 11 {
		t.Errorf("conjuncts: got %d schemas, want 11", n)
	}
	f, _ := jsonProperty(cat, start, "id")
	if f == nil || !f.Required || f.Type.Kind != schema.KString {
		t.Errorf("id: got %+v, want a required string", f)
	}
	f, in := jsonProperty(cat, start, "time")
	if f == nil || f.Required || in.doc.Path != "schemas/common/other.json" {
		t.Errorf("time: got %+v in %v, want an optional field of the shared file", f, in.doc)
	}
	if f, _ := jsonProperty(cat, start, "missing"); f != nil {
		t.Errorf("missing: got %+v, want none", f)
	}
}
