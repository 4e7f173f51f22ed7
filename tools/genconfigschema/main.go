// Command genconfigschema writes the JSON Schema of evctl.yaml, generated
// from the config types by internal/configschema:
//
//	go run ./tools/genconfigschema -src internal/config -o schema/evctl.schema.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/evctl/evctl/internal/configschema"
)

func main() {
	src := flag.String("src", "internal/config", "directory of the config package's source (for the doc comments)")
	out := flag.String("o", "schema/evctl.schema.json", "output file")
	flag.Parse()
	b, err := configschema.Generate(*src)
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genconfigschema:", err)
		os.Exit(1)
	}
}
