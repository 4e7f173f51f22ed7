package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/glue"
	"github.com/evctl/evctl/internal/glue/sigv4"
)

// TestAWSValidatedAvroVerdicts replays verdicts recorded against real AWS
// Glue (testdata/README.md) on the server: each case creates a schema with
// the first version, registers the others in order, and compares the
// status of the last one. The FULL_ALL case whose intermediate version
// itself fails shows that FAILURE versions do not count.
func TestAWSValidatedAvroVerdicts(t *testing.T) {
	data, err := os.ReadFile("testdata/aws-validated-avro.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Schemas map[string]string
		Cases   []struct {
			Mode     string
			Versions []string
			Status   string
		}
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Cases) != 16 {
		t.Fatalf("%d cases, want 16", len(suite.Cases))
	}
	srv, err := OpenServer(filepath.Join(t.TempDir(), "glue.db"), ServerOptions{Pending: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if err := srv.EnsureRegistry(context.Background(), "golden"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	tg := &glue.Target{C: &glue.Client{Endpoint: hs.URL, Region: "us-east-1", Creds: sigv4.Credentials{AccessKeyID: "AK", SecretAccessKey: "SK"}}, Registry: "golden", MaxWait: 10 * time.Second}
	ctx := context.Background()
	for i, c := range suite.Cases {
		name := fmt.Sprintf("case%02d-%s-%s", i+1, c.Mode, strings.Join(c.Versions, "-"))
		t.Run(name, func(t *testing.T) {
			var last glue.Version
			for _, v := range c.Versions {
				def, ok := suite.Schemas[v]
				if !ok {
					t.Fatalf("unknown schema %q", v)
				}
				plan, err := tg.Plan(ctx, []glue.Item{{Name: name, File: v, Format: glue.FormatAvro, Definition: def}}, c.Mode)
				if err != nil {
					t.Fatal(err)
				}
				if last, err = tg.Apply(ctx, plan[0]); err != nil {
					t.Fatal(err)
				}
			}
			if last.Status != c.Status {
				t.Errorf("%s: the last version is %s, AWS Glue said %s", c.Mode, last.Status, c.Status)
			}
		})
	}
}
