package schema

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// plainEdgeCases are documents near the edges of plainDraft07's subset.
var plainEdgeCases = []string{
	`true`, `false`, `{}`, `{"type":"object"}`, `{"type":"objekt"}`, `{"type":["string","null"]}`, `{"type":["string","string"]}`,
	`{"type":[]}`, `{"type":5}`, `{"required":["a","a"]}`, `{"required":["a",1]}`, `{"required":"a"}`,
	`{"enum":[]}`, `{"enum":["a","a"]}`, `{"enum":[1,1.0]}`, `{"enum":[1,"1",true,null]}`, `{"enum":[{"a":1}]}`, `{"enum":"a"}`,
	`{"minLength":-1}`, `{"minLength":1.5}`, `{"minLength":"1"}`, `{"minLength":1e2}`, `{"minLength":0}`,
	`{"multipleOf":0}`, `{"multipleOf":0.5}`, `{"multipleOf":-2}`, `{"multipleOf":"2"}`,
	`{"minimum":"0"}`, `{"minimum":-1.5e3}`, `{"uniqueItems":"yes"}`, `{"readOnly":1}`,
	`{"items":[]}`, `{"items":[{"type":"string"},true]}`, `{"items":{"type":"strin"}}`, `{"allOf":[]}`, `{"anyOf":[{}]}`,
	`{"oneOf":[{"type":1}]}`, `{"properties":{"a":{"type":"string","minLength":-1}}}`, `{"properties":[]}`,
	`{"definitions":{"a":{"type":"integer"}},"properties":{"b":{"$ref":"#/definitions/a"}}}`,
	`{"definitions":{"a":{"type":"integer"}},"properties":{"b":{"$ref":"#/definitions/c"}}}`,
	`{"$ref":"#"}`, `{"$ref":"#/definitions/a b"}`, `{"$ref":"Other.json"}`,
	`{"$schema":"http://json-schema.org/draft-07/schema#","type":"string"}`,
	`{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"string"}`, `{"$schema":"http://json-schema.org/draft-07/schema","type":"string"}`,
	`{"$schema":"http://json-schema.org/draft-04/schema#","exclusiveMinimum":true}`,
	`{"properties":{"a":{"$schema":"http://json-schema.org/draft-07/schema#"}}}`,
	`{"pattern":"["}`, `{"pattern":"^a$"}`, `{"$id":"::"}`, `{"format":"date-time"}`, `{"format":5}`, `{"format":"nope"}`,
	`{"x-unit":"cents","x-evctl-ignore":{"a":"b"}}`, `{"$defs":{"a":{}}}`, `{"id":"x"}`, `{"$foo":1}`,
	`{"dependencies":{"a":["b"]}}`, `{"if":{"type":"string"},"then":{"minLength":1},"else":false}`,
	`{"contains":{"const":1},"propertyNames":{"maxLength":3},"not":{"type":"null"}}`,
	`{"title":1}`, `{"description":null}`, `{"examples":{}}`, `{"examples":[1,2]}`, `{"const":{"a":[1]}}`, `{"default":null}`,
	`{"additionalProperties":{"type":"string"},"additionalItems":false}`,
}

// jsonDocuments collects JSON and YAML documents of the repository and the
// edge cases above.
func jsonDocuments(t *testing.T) map[string][]byte {
	t.Helper()
	docs := map[string][]byte{}
	for i, s := range plainEdgeCases {
		docs[fmt.Sprintf("edge case %d", i)] = []byte(s)
	}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".json", ".yaml", ".yml":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			docs[p] = b
			if strings.HasSuffix(p, "jsonschema-cases.json") {
				var cases []map[string]json.RawMessage
				if json.Unmarshal(b, &cases) == nil {
					for i, c := range cases {
						for k, v := range c {
							if len(v) > 0 && v[0] == '{' {
								docs[fmt.Sprintf("%s:%d:%s", p, i, k)] = v
							}
						}
					}
				}
			}
		case ".txtar":
			a, err := txtar.ParseFile(p)
			if err != nil {
				return err
			}
			for _, f := range a.Files {
				switch filepath.Ext(f.Name) {
				case ".json", ".yaml", ".yml":
					docs[p+":"+f.Name] = f.Data
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// santhoshCompiles compiles a document alone with santhosh as the loader
// does (draft-07 by default).
func santhoshCompiles(root *Node) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(catalogLoader{docs: map[string]*Event{"file:///doc.json": {Root: root}}})
	return c.Compile("file:///doc.json")
}

func checkPlain(t *testing.T, name string, root *Node) bool {
	if !plainDraft07(root) {
		return false
	}
	sch, err := santhoshCompiles(root)
	if err != nil {
		t.Errorf("%s: plainDraft07 accepts what santhosh rejects: %v", name, err)
		return true
	}
	if sch.DraftVersion != 7 {
		t.Errorf("%s: draft %d, want 7", name, sch.DraftVersion)
	}
	return true
}

// TestPlainDraft07: every document of the repository (JSON and YAML files,
// txtar sections, conformance cases) and every edge case that plainDraft07
// accepts compiles with santhosh as draft-07.
func TestPlainDraft07(t *testing.T) {
	plain, other := 0, 0
	for name, doc := range jsonDocuments(t) {
		var root *Node
		var err error
		if strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") {
			root, err = ParseYAML(doc)
		} else {
			root, err = ParseJSON(doc)
		}
		if err != nil || (root.Kind != Object && root.Kind != Bool) {
			continue
		}
		if checkPlain(t, name, root) {
			plain++
		} else {
			other++
		}
	}
	t.Logf("%d documents judged plain draft-07, %d left to santhosh", plain, other)
	if plain < 100 {
		t.Errorf("only %d plain documents", plain)
	}
}

// FuzzPlainDraft07 checks the same on any input.
func FuzzPlainDraft07(f *testing.F) {
	for _, s := range append(append([]string{}, plainEdgeCases...), fuzzSeedsJSON...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, err := ParseJSON(data)
		if err != nil || (root.Kind != Object && root.Kind != Bool) {
			return
		}
		checkPlain(t, "input", root)
	})
}
