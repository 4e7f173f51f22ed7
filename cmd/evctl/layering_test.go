package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestLayering enforces the dependency direction
// cli → {lint, compat, codegen, registry} → schema → diag:
// lint, compat and codegen never import each other, contract (which lint
// consults for rule ids) imports none of them, the registry server may
// import compat, and nothing but cmd/evctl imports cli. Inside the
// registry, api ← {client, store ← server}; the CLI wires a server to a store.
func TestLayering(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-json", "github.com/evctl/evctl/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/evctl/evctl/"
	forbidden := map[string][]string{
		"internal/schema":   {"internal/lint", "internal/compat", "internal/codegen", "internal/registry", "internal/cli"},
		"internal/diag":     {"internal/schema", "internal/lint", "internal/compat", "internal/codegen", "internal/registry", "internal/cli"},
		"internal/config":   {"internal/lint", "internal/compat", "internal/codegen", "internal/registry", "internal/cli"},
		"internal/lint":     {"internal/compat", "internal/codegen", "internal/registry", "internal/cli"},
		"internal/compat":   {"internal/lint", "internal/codegen", "internal/registry", "internal/cli"},
		"internal/codegen":  {"internal/lint", "internal/compat", "internal/cli"},
		"internal/registry": {"internal/lint", "internal/codegen", "internal/cli"},
		"internal/contract": {"internal/lint", "internal/compat", "internal/codegen", "internal/registry", "internal/cli"},
		"wire":              {"internal/cli", "internal/lint", "internal/codegen"},
		"internal/findings": {"internal/cli", "internal/registry", "internal/codegen"},
		"internal/publish":  {"internal/cli", "internal/lint", "internal/codegen", "internal/check"},
		"internal/check":    {"internal/cli", "internal/lint", "internal/codegen"},
		"internal/baseline": {"internal/cli", "internal/lint", "internal/compat", "internal/codegen", "internal/registry", "internal/check"},
		"internal/glue":     {"internal/lint", "internal/codegen", "internal/registry", "internal/cli"},
		// The registry's packages: api is the wire format of both sides;
		// the client never links the server or a store, the server only
		// the Store interface (the CLI picks the backend).
		"internal/registry/api":    {"internal/registry/client", "internal/registry/server", "internal/registry/store", "internal/compat"},
		"internal/registry/client": {"internal/registry/server", "internal/registry/store"},
		"internal/registry/store":  {"internal/registry/server", "internal/registry/client"},
		"internal/registry/server": {"internal/registry/client", "internal/registry/store/sqlite", "internal/registry/store/postgres"},
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, mod)
		for prefix, bans := range forbidden {
			if rel != prefix && !strings.HasPrefix(rel, prefix+"/") {
				continue
			}
			checked++
			for _, imp := range p.Imports {
				irel := strings.TrimPrefix(imp, mod)
				for _, ban := range bans {
					if irel == ban || strings.HasPrefix(irel, ban+"/") {
						t.Errorf("%s imports %s: the layering forbids it", rel, irel)
					}
				}
			}
		}
	}
	if checked < 6 {
		t.Fatalf("only %d packages checked; is go list output complete?", checked)
	}
}
