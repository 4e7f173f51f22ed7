package server

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/evctl/evctl/internal/registry/api"
)

var (
	npmOnce sync.Once
	npmErr  error
)

// jsClients installs testdata/js's locked npm packages (Confluent's
// official JavaScript client) once per test binary and returns the
// directory. Node and npm are installed by .ci/run.
func jsClients(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "js"))
	if err != nil {
		t.Fatal(err)
	}
	npmOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "@confluentinc", "schemaregistry", "package.json")); err == nil {
			return
		}
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			npmErr = &exec.Error{Name: "npm ci: " + strings.TrimSpace(string(out)), Err: err}
		}
	})
	if npmErr != nil {
		t.Fatalf("install the JavaScript clients (node and npm are installed by .ci/run): %v", npmErr)
	}
	return dir
}

// runNode runs a script of testdata/js against the registry at url and
// decodes the one JSON line it prints.
func runNode(t *testing.T, url, script string, v any) {
	t.Helper()
	dir := jsClients(t)
	cmd := exec.Command("node", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REGISTRY_URL="+url)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("node %s: %v\n%s%s", script, err, out, stderr)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node %s printed %q: %v", script, out, err)
	}
}

// TestContractsWithConfluentJSClient registers a CEL domain rule and JSONata
// migration rules through @confluentinc/schemaregistry and checks that its
// serializers execute them: the rules evctl stores reach the client.
func TestContractsWithConfluentJSClient(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	var got struct {
		ID1             int64          `json:"id1"`
		ID2             int64          `json:"id2"`
		LatestRuleNames []string       `json:"latestRuleNames"`
		LatestMetadata  map[string]any `json:"latestMetadata"`
		GoodBytes       int            `json:"goodBytes"`
		Negative        string         `json:"negative"`
		NegativeError   string         `json:"negativeError"`
		Upgraded        map[string]any `json:"upgraded"`
		Downgraded      map[string]any `json:"downgraded"`
	}
	runNode(t, ts.URL, "contracts.js", &got)
	t.Logf("client saw: %+v", got)
	if got.ID1 <= 0 || got.ID2 <= got.ID1 {
		t.Errorf("ids %d, %d", got.ID1, got.ID2)
	}
	if strings.Join(got.LatestRuleNames, ",") != "nonNegativeAmount" {
		t.Errorf("latest version's domain rules: %v", got.LatestRuleNames)
	}
	if got.GoodBytes <= 5 {
		t.Errorf("serialized a valid payment into %d bytes", got.GoodBytes)
	}
	if got.Negative != "rejected" || !strings.Contains(got.NegativeError, "nonNegativeAmount") {
		t.Errorf("amount_cents = -5: %s (%s); the CEL domain rule must reject it", got.Negative, got.NegativeError)
	}
	if got.Upgraded["amount"] != float64(700) || got.Upgraded["amount_cents"] != nil {
		t.Errorf("v1 message read as v2: %v; the UPGRADE migration rule must rename amount_cents to amount", got.Upgraded)
	}
	if got.Downgraded["amount_cents"] != float64(900) || got.Downgraded["amount"] != nil {
		t.Errorf("v2 message read as v1: %v; the DOWNGRADE migration rule must rename amount to amount_cents", got.Downgraded)
	}
}

// TestGUIDsWithConfluentJSClient: header-based schema ids (the GUID in
// __value_schema_id) written and read back by Confluent's JavaScript serde,
// beside the 5-byte prefix.
func TestGUIDsWithConfluentJSClient(t *testing.T) {
	ts := newTestServer(t, ServerOptions{})
	var got struct {
		RegisteredGUID         string         `json:"registeredGuid"`
		RegisteredID           int64          `json:"registeredId"`
		HeaderBytes            int            `json:"headerBytes"`
		PayloadStartsWithMagic bool           `json:"payloadStartsWithMagic"`
		FromHeader             map[string]any `json:"fromHeader"`
		FromPrefix             map[string]any `json:"fromPrefix"`
		ByGUIDSchemaMatches    bool           `json:"byGuidSchemaMatches"`
	}
	runNode(t, ts.URL, "guids.js", &got)
	t.Logf("client saw: %+v", got)
	if !guidRE.MatchString(got.RegisteredGUID) || got.RegisteredID != 1 {
		t.Errorf("registration answered id %d guid %q", got.RegisteredID, got.RegisteredGUID)
	}
	if got.HeaderBytes != 17 || got.PayloadStartsWithMagic {
		t.Errorf("header serializer wrote a %d-byte header (want magic byte + 16-byte GUID) and a payload with magic byte %v", got.HeaderBytes, got.PayloadStartsWithMagic)
	}
	if got.FromHeader["id"] != "o1" || got.FromPrefix["id"] != "o2" {
		t.Errorf("deserialized %v (header) and %v (prefix)", got.FromHeader, got.FromPrefix)
	}
	if !got.ByGUIDSchemaMatches {
		t.Error("getByGuid did not return the schema")
	}
	wantErr(t, ts.do(t, "GET", "/schemas/guids/00000000-0000-4000-8000-000000000000", nil), 404, api.CodeSchemaNotFound)
}
