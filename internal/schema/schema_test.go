package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseJSONPositions(t *testing.T) {
	t.Parallel()
	src := "{\n  \"a\": [1, {\"b\": \"é\"}],\n  \"c\": true\n}"
	n, err := ParseJSON([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Pos{
		"root": n.Pos,
		"a":    n.Member("a").KeyPos,
		"a/0":  n.Pointer("/a/0").Pos,
		"a/1b": n.Pointer("/a/1/b").Pos,
		"c":    n.Get("c").Pos,
	}
	want := map[string]Pos{
		"root": {1, 1}, "a": {2, 3}, "a/0": {2, 9}, "a/1b": {2, 18}, "c": {3, 8},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("positions (-want +got):\n%s", diff)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		yaml      bool
		want      string
	}{
		{"trailing comma", "{\"a\": 1,}", false, "1:9: expected a string key"},
		{"duplicate key", "{\"a\": 1,\n \"a\": 2}", false, "2:2: duplicate key \"a\""},
		{"unterminated", "{\"a\": \"x", false, "unterminated string"},
		{"garbage after", "{} x", false, "1:4: unexpected \"x\" after the document"},
		{"too deep", strings.Repeat("[", MaxDepth+2), false, "nests deeper"},
		{"yaml bad indent", "a: b\n c: d\n", true, "line 2"},
		{"yaml duplicate", "a: 1\na: 2\n", true, "duplicate key \"a\""},
		{"yaml non-string key", "? [a]\n: b\n", true, "object keys must be strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tt.yaml {
				_, err = ParseYAML([]byte(tt.src))
			} else {
				_, err = ParseJSON([]byte(tt.src))
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestVersionOf(t *testing.T) {
	t.Parallel()
	tests := map[string]int{
		"schemas/v1/OrderPlaced.avsc":         1,
		"schemas/v12/orders/OrderPlaced.avsc": 12,
		"schemas/v0/OrderPlaced.avsc":         0,
		"schemas/OrderPlaced.avsc":            0,
		"v2/x/v3/OrderPlaced.json":            3,
		"schemas/v01/OrderPlaced.json":        0,
	}
	for path, want := range tests {
		if got, _ := VersionOf(path); got != want {
			t.Errorf("VersionOf(%q) = %d, want %d", path, got, want)
		}
	}
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"v1/BadJSON.json":    "{\n  \"type\": \"object\",\n}",
		"v1/BadAvro.avsc":    `{"type":"record","name":"BadAvro","fields":[{"name":"a","type":"nope"}]}`,
		"v1/BadMeta.json":    "{\n  \"type\": \"object\",\n  \"minLength\": -1\n}",
		"v1/BadRef.yaml":     "type: object\nproperties:\n  a:\n    $ref: '#/definitions/missing'\n",
		"v1/BadFileRef.json": `{"properties":{"a":{"$ref":"Nope.json"}}}`,
		"v1/Dup.avsc":        `{"type":"record","name":"Dup","fields":[]}`,
		"v1/Dup.json":        `{"type":"object"}`,
		"v1/Good.json":       `{"type":"object","properties":{"m":{"$ref":"Money.json#/definitions/m"}}}`,
		"v1/Money.json":      `{"definitions":{"m":{"type":"integer"}}}`,
		"v1/notes.txt":       "ignored",
		".hidden/v1/X.json":  "not even json",
	})
	// A lean load (lint) and a load without compiled schemas (push) reject
	// the same files as a full one.
	for _, mode := range []struct {
		name string
		opts LoadOptions
	}{{"full", LoadOptions{}}, {"lean", LoadOptions{Lean: true}}, {"no-compiled", LoadOptions{NoCompiled: true}}} {
		t.Run(mode.name, func(t *testing.T) { checkLoadErrors(t, dir, mode.opts) })
	}
}

func checkLoadErrors(t *testing.T, dir string, opts LoadOptions) {
	cat, err := Load([]string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Events {
		if e.Format != JSONSchema {
			continue
		}
		if wantCompiled := !opts.Lean && !opts.NoCompiled; (e.JSON != nil) != wantCompiled {
			t.Errorf("%s: compiled schema kept: %v, want %v", e.Path, e.JSON != nil, wantCompiled)
		}
		if e.Draft != 7 {
			t.Errorf("%s: draft %d, want 7", e.Path, e.Draft)
		}
		if (e.Source != nil) != !opts.Lean {
			t.Errorf("%s: source kept: %v, want %v", e.Path, e.Source != nil, !opts.Lean)
		}
	}
	var got []string
	for _, e := range cat.Errors {
		rel, _ := filepath.Rel(dir, e.Path)
		got = append(got, filepath.ToSlash(rel)+":"+strings.SplitN(e.Error()[len(e.Path)+1:], ":", 3)[0]+":"+strings.SplitN(e.Error()[len(e.Path)+1:], ":", 3)[1])
	}
	want := []string{
		"v1/BadAvro.avsc:1:64",
		"v1/BadFileRef.json:1:28",
		"v1/BadJSON.json:3:1",
		"v1/BadMeta.json:3:16",
		"v1/BadRef.yaml:4:11",
		"v1/Dup.json:1:1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		for _, e := range cat.Errors {
			t.Log(e)
		}
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	var types []string
	for _, e := range cat.Events {
		types = append(types, e.Type)
	}
	if diff := cmp.Diff([]string{"v1.Dup", "v1.Good", "v1.Money"}, types); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestModel(t *testing.T) {
	t.Parallel()
	cat, err := Load([]string{"../../schemas"}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Errors) > 0 {
		t.Fatalf("bundled catalog has errors: %v", cat.Errors)
	}
	op := cat.ByKey("v1.OrderPlaced")
	if op == nil || op.Format != Avro || op.Version != 1 {
		t.Fatalf("v1.OrderPlaced not loaded as Avro v1: %+v", op)
	}
	f := op.Top.Field("occurred_at")
	if f == nil || f.Type.Logical != "timestamp-millis" || !f.Required {
		t.Errorf("occurred_at: %+v", f)
	}
	if c := op.Top.Field("coupon_code"); c == nil || c.Required || c.Type.NonNull().Kind != KString {
		t.Errorf("coupon_code should be optional string: %+v", c)
	}
	lines := op.Top.Field("lines")
	if lines == nil || lines.Type.Kind != KArray || lines.Type.Items.Kind != KRecord || lines.Type.Items.Name != "OrderLine" {
		t.Errorf("lines: %+v", lines)
	}
	pc := cat.ByKey("v1.PaymentCaptured")
	if pc == nil || !pc.YAML || pc.JSON == nil {
		t.Fatalf("v1.PaymentCaptured not compiled from YAML: %+v", pc)
	}
	if a := pc.Top.Field("amount_cents"); a == nil || a.Type.Kind != KInteger || !a.Required || a.Pos.Line == 0 {
		t.Errorf("amount_cents: %+v", a)
	}
}

func TestFileRefs(t *testing.T) {
	t.Parallel()
	n, err := ParseJSON([]byte(`{"properties": {
		"a": {"$ref": "Money.json#/definitions/m"},
		"b": {"items": {"$ref": "sub/Address.json"}},
		"c": {"$ref": "#/definitions/local"},
		"d": {"$ref": "https://example.com/x.json"},
		"e": {"$ref": "Money.json"},
		"f": {"enum": [{"$ref": "Data.json"}], "default": {"$ref": "Data.json"}}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"Money.json", "sub/Address.json"}, FileRefs(n)); diff != "" {
		t.Errorf("FileRefs (-want +got):\n%s", diff)
	}
}

func TestCatalogLookups(t *testing.T) {
	t.Parallel()
	cat := LoadSources([]FileSource{
		{Path: "schemas/v1/A.json", Data: []byte(`{"type":"object"}`)},
		{Path: "schemas/v2/A.json", Data: []byte(`{"type":"object"}`)},
	})
	if e := cat.ByKey("v2.A"); e == nil || e.Path != "schemas/v2/A.json" {
		t.Errorf("ByType(v2.A) = %v", e)
	}
	if e := cat.ByPath("schemas/v1/A.json"); e == nil || e.Type != "v1.A" {
		t.Errorf("ByPath = %v", e)
	}
	if cat.ByKey("v3.A") != nil || cat.ByPath("nope") != nil {
		t.Error("lookups of absent events found something")
	}
}

// TestRecursiveAvroRecordDefault: a valid recursive Avro schema whose field
// default holds a record loads without error (hamba/avro alone panics on
// it); a wrong default in the same place is an error.
func TestRecursiveAvroRecordDefault(t *testing.T) {
	ok := `{"type":"record","name":"Tree","fields":[{"name":"kids","type":{"type":"array","items":"Tree"},"default":[{"kids":[]}]}]}`
	bad := `{"type":"record","name":"Tree","fields":[{"name":"kids","type":{"type":"array","items":"Tree"},"default":[{"kids":1}]}]}`
	cat := LoadSources([]FileSource{{Path: "v1/Tree.avsc", Data: []byte(ok)}})
	if len(cat.Errors) > 0 || len(cat.Events) != 1 {
		t.Fatalf("valid schema: errors %v", cat.Errors)
	}
	cat = LoadSources([]FileSource{{Path: "v1/Tree.avsc", Data: []byte(bad)}})
	if len(cat.Errors) != 1 || !strings.Contains(cat.Errors[0].Error(), "invalid default for field kids") {
		t.Fatalf("bad default: errors %v", cat.Errors)
	}
}
