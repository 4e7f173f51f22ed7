package glue

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/evctl/evctl/internal/compat"
)

// TestLiveAWS runs evctl's Glue target against real AWS Glue Schema
// Registry. It is opt-in: it runs only when EVCTL_GLUE_LIVE_REGISTRY names
// an existing registry and AWS credentials and a region resolve (see
// LoadCredentials and ResolveRegion); otherwise it is skipped, the only
// skipped test of the repository. It creates a schema named
// evctl-live-<time> and deletes it at the end.
func TestLiveAWS(t *testing.T) {
	registry := os.Getenv("EVCTL_GLUE_LIVE_REGISTRY")
	if registry == "" {
		t.Skip("set EVCTL_GLUE_LIVE_REGISTRY (and AWS credentials and region) to run against real AWS Glue")
	}
	creds, _, err := LoadCredentials(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	region, err := ResolveRegion("", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tg := &Target{C: &Client{Region: region, Creds: creds, Retries: 3, UserAgent: "evctl-live-test"}, Registry: registry, MaxWait: 2 * time.Minute}
	name := fmt.Sprintf("evctl-live-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		if err := tg.C.Call(context.Background(), "DeleteSchema", map[string]any{"SchemaId": tg.id(name)}, nil); err != nil {
			t.Errorf("delete schema %s: %v", name, err)
		}
	})
	v1 := `{"type":"record","name":"Person","fields":[{"name":"name","type":"string"}]}`
	v2bad := `{"type":"record","name":"Person","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]}`
	v2ok := `{"type":"record","name":"Person","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0}]}`
	push := func(def string) (Planned, Version) {
		t.Helper()
		plan, err := tg.Plan(ctx, []Item{{Name: name, File: "live.avsc", Format: FormatAvro, Definition: def}}, ModeBackward)
		if err != nil {
			t.Fatal(err)
		}
		v, err := tg.Apply(ctx, plan[0])
		if err != nil {
			t.Fatal(err)
		}
		return plan[0], v
	}
	if p, v := push(v1); p.Action != ActionCreate || v.Status != "AVAILABLE" {
		t.Fatalf("create: %s %+v", p.Action, v)
	}
	p, bad := push(v2bad)
	if p.Action != ActionNewVersion || bad.Status != "FAILURE" {
		t.Fatalf("incompatible version: %s %+v, want FAILURE", p.Action, bad)
	}
	res, _, err := tg.Explain(ctx, p, nil, bad.VersionNumber, compat.Strict)
	if err != nil || res.Compatible {
		t.Fatalf("evctl's reason for the FAILURE: %+v %v", res, err)
	}
	if again, _ := push(v2bad); again.Action != ActionFailed || again.Version.SchemaVersionId != bad.SchemaVersionId {
		t.Fatalf("re-push of the failed definition: %s %+v", again.Action, again.Version)
	}
	if p, ok := push(v2ok); p.Action != ActionNewVersion || ok.Status != "AVAILABLE" {
		t.Fatalf("compatible version after a FAILURE: %s %+v", p.Action, ok)
	}
}
