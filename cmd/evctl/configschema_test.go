package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/evctl/evctl/internal/config"
)

// configSchemaCmd is the testscript command `configschema FILE...`: each
// YAML FILE must validate against the repository's JSON Schema of
// evctl.yaml (with !, each must not).
func configSchemaCmd(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: configschema FILE...")
	}
	f, err := os.Open(filepath.Join("..", "..", filepath.FromSlash(config.SchemaPath)))
	ts.Check(err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	ts.Check(err)
	c := jsonschema.NewCompiler()
	ts.Check(c.AddResource(config.SchemaURL, doc))
	sch, err := c.Compile(config.SchemaURL)
	ts.Check(err)
	for _, name := range args {
		var v any
		ts.Check(yaml.Unmarshal([]byte(ts.ReadFile(name)), &v))
		b, err := json.Marshal(v)
		ts.Check(err)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		ts.Check(err)
		err = sch.Validate(inst)
		if neg && err == nil {
			ts.Fatalf("%s validates against %s", name, config.SchemaPath)
		}
		if !neg && err != nil {
			ts.Fatalf("%s does not validate against %s: %v", name, config.SchemaPath, err)
		}
	}
}
