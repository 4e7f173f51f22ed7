package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/evctl/evctl/internal/registry/client"
	"github.com/evctl/evctl/internal/registry/server"
	"github.com/evctl/evctl/internal/registry/store/sqlite"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// recordedRequest is one request the registry received.
type recordedRequest struct {
	Method, Path string
	Body         map[string]any
}

// startRecordingRegistry serves the real registry over httptest and records
// every request.
func startRecordingRegistry(t *testing.T) (*httptest.Server, func() []recordedRequest) {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	h := server.NewServer(st, server.ServerOptions{})
	var mu sync.Mutex
	var reqs []recordedRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recordedRequest{Method: r.Method, Path: r.URL.Path}
		if len(body) > 0 {
			if err := json.Unmarshal(body, &rec.Body); err != nil {
				t.Errorf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err)
			}
		}
		mu.Lock()
		reqs = append(reqs, rec)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		st.Close()
	})
	return srv, func() []recordedRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]recordedRequest(nil), reqs...)
	}
}

// runCLI runs evctl in dir (the test's working directory from then on)
// with env and returns the exit code and output.
func runCLI(t *testing.T, dir string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, IOStreams{
		In: strings.NewReader(""), Out: &out, ErrOut: &errOut,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errOut.String()
}

// bundledSchemas is the repository's schemas/ directory; call it before
// runCLI changes the working directory.
func bundledSchemas(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs(filepath.Join("..", "..", "schemas"))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// copyBundled copies the bundled catalog into a new directory's schemas/.
func copyBundled(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "schemas"), os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dir
}

const (
	moneyJSON = `{
  "title": "v1.Money",
  "type": "object",
  "properties": {"cents": {"type": "integer", "default": 0, "description": "Minor units."}}
}
`
	authorizedJSON = `{"title": "v1.PaymentAuthorized", "type": "object",
  "properties": {"amount": {"$ref": "Money.json#/properties/cents"}, "total": {"$ref": "Money.json"}}}
`
)

// TestPushSendsSourceText checks what push sends: each file's source
// exactly (JSON Schema in YAML as the equivalent JSON, keys in source
// order), each new subject's level before its first registration, and
// referenced schemas first, as references.
func TestPushSendsSourceText(t *testing.T) {
	srv, requests := startRecordingRegistry(t)
	dir := copyBundled(t, bundledSchemas(t))
	for name, text := range map[string]string{"Money.json": moneyJSON, "PaymentAuthorized.json": authorizedJSON} {
		if err := os.WriteFile(filepath.Join(dir, "schemas", "v1", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "evctl.yaml"), []byte("compat:\n  level: FORWARD_TRANSITIVE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{client.EnvURL: srv.URL}
	if code, out, errOut := runCLI(t, dir, env, "push"); code != ExitOK {
		t.Fatalf("push: exit %d\n%s%s", code, out, errOut)
	}

	sent := map[string]recordedRequest{}
	var order []string
	leveled := map[string]bool{}
	for _, r := range requests() {
		rest, isSubject := strings.CutPrefix(r.Path, "/subjects/")
		subj, isVersions := strings.CutSuffix(rest, "/versions")
		switch {
		case r.Method == http.MethodPut && strings.HasPrefix(r.Path, "/config/"):
			s := strings.TrimPrefix(r.Path, "/config/")
			if got := r.Body["compatibility"]; got != "FORWARD_TRANSITIVE" {
				t.Errorf("level of %s = %v, want FORWARD_TRANSITIVE", s, got)
			}
			leveled[s] = true
		case r.Method == http.MethodPost && isSubject && isVersions:
			if !leveled[subj] {
				t.Errorf("%s was registered before its level was set", subj)
			}
			sent[subj] = r
			order = append(order, subj)
		}
	}
	if len(sent) != 9 {
		t.Errorf("%d subjects registered, want 9: %v", len(sent), order)
	}
	for subj, path := range map[string]string{
		"v1.OrderPlaced": "v1/OrderPlaced.avsc", "v1.OrderShipped": "v1/OrderShipped.json",
		"v1.Money": "v1/Money.json", "v1.PaymentAuthorized": "v1/PaymentAuthorized.json", "v2.OrderPlaced": "v2/OrderPlaced.avsc",
	} {
		src, err := os.ReadFile(filepath.Join(dir, "schemas", path))
		if err != nil {
			t.Fatal(err)
		}
		if got := sent[subj].Body["schema"]; got != string(src) {
			t.Errorf("%s: sent schema differs from the file's source:\n got %q\nwant %q", subj, got, src)
		}
	}
	if got := sent["v1.OrderShipped"].Body["schemaType"]; got != "JSON" {
		t.Errorf("JSON Schema sent as type %v", got)
	}
	if got, ok := sent["v1.OrderPlaced"].Body["schemaType"]; ok && got != "AVRO" {
		t.Errorf("Avro sent as type %v", got)
	}

	// YAML: the equivalent JSON, keys in source order, nothing dropped.
	yamlSrc, err := os.ReadFile(filepath.Join(dir, "schemas", "v1", "PaymentCaptured.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := sent["v1.PaymentCaptured"].Body["schema"].(string)
	if sent["v1.PaymentCaptured"].Body["schemaType"] != "JSON" {
		t.Errorf("YAML schema sent as type %v", sent["v1.PaymentCaptured"].Body["schemaType"])
	}
	var fromYAML, fromJSON any
	if err := yaml.Unmarshal(yamlSrc, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(got), &fromJSON); err != nil {
		t.Fatalf("YAML schema not sent as JSON: %v\n%s", err, got)
	}
	// Compare as JSON values (YAML decodes integers as int).
	yj, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	fromYAML = nil
	if err := json.Unmarshal(yj, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromYAML, fromJSON); diff != "" {
		t.Errorf("YAML schema sent with another meaning (-yaml +sent):\n%s", diff)
	}
	if !strings.HasPrefix(got, `{"$schema":"http://json-schema.org/draft-07/schema#","$id":`) || !strings.Contains(got, `"pattern":"^[A-Z]{3}$"`) {
		t.Errorf("YAML schema lost its key order or content: %s", got)
	}

	// References: Money first, then the schema that references it.
	mi, pi := -1, -1
	for i, s := range order {
		switch s {
		case "v1.Money":
			mi = i
		case "v1.PaymentAuthorized":
			pi = i
		}
	}
	if mi < 0 || pi < mi {
		t.Errorf("registration order %v: v1.Money must come before v1.PaymentAuthorized", order)
	}
	wantRefs := []any{map[string]any{"name": "Money.json", "subject": "v1.Money", "version": float64(1)}}
	if diff := cmp.Diff(wantRefs, sent["v1.PaymentAuthorized"].Body["references"]); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	if refs, ok := sent["v1.Money"].Body["references"]; ok {
		t.Errorf("v1.Money sent references: %v", refs)
	}

	// A second push registers nothing and sets no level.
	before := len(requests())
	if code, out, errOut := runCLI(t, dir, env, "push"); code != ExitOK || !strings.Contains(errOut, "0 created, 0 new version(s), 9 unchanged") {
		t.Fatalf("second push: exit %d\n%s%s", code, out, errOut)
	}
	for _, r := range requests()[before:] {
		if r.Method == http.MethodPut || (r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/versions")) {
			t.Errorf("second push sent %s %s", r.Method, r.Path)
		}
	}
}

func TestPushSubjectStrategies(t *testing.T) {
	srv, _ := startRecordingRegistry(t)
	src := bundledSchemas(t)
	cases := []struct {
		config string
		want   []string
		code   int
	}{
		{"registry:\n  subject_strategy: topic\n  topics:\n    v1.OrderPlaced: orders\n    v1.OrderShipped: shipments\n",
			[]string{"orders-value", "shipments-value"}, ExitOK},
		{"registry:\n  subject_strategy: topic_record\n  topics:\n    v1.OrderPlaced: orders\n    v1.OrderShipped: orders\n",
			[]string{"orders-com.acme.orders.v1.OrderPlaced", "orders-v1.OrderShipped"}, ExitOK},
		{"registry:\n  subject_strategy: topic\n  topics:\n    v1.OrderPlaced: orders\n    v1.OrderShipped: orders\n", nil, ExitUsage},
		{"registry:\n  subject_strategy: topic\n  topics:\n    v1.OrderPlaced: orders\n", nil, ExitUsage},
		{"registry:\n  subject_strategy: TopicNameStrategy\n", nil, ExitUsage},
	}
	for _, tc := range cases {
		dir := copyBundled(t, src)
		if err := os.WriteFile(filepath.Join(dir, "evctl.yaml"), []byte(tc.config), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCLI(t, dir, map[string]string{client.EnvURL: srv.URL}, "push", "--dry-run", "schemas/v1/OrderPlaced.avsc", "schemas/v1/OrderShipped.json")
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.config, code, tc.code, out, errOut)
			continue
		}
		if tc.code != ExitOK {
			continue
		}
		var subjects []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			if f := strings.Fields(l); len(f) > 0 {
				subjects = append(subjects, f[0])
			}
		}
		if diff := cmp.Diff(tc.want, subjects); diff != "" {
			t.Errorf("%s: subjects (-want +got):\n%s", tc.config, diff)
		}
	}
}

type workflowStep struct {
	Uses string            `yaml:"uses"`
	With map[string]any    `yaml:"with"`
	Run  string            `yaml:"run"`
	Env  map[string]string `yaml:"env"`
}

// TestGitHubWorkflowExample keeps examples/github-workflow.yml and the
// testscript that runs its commands in step.
func TestGitHubWorkflowExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "github-workflow.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf struct {
		On struct {
			PullRequest *struct{} `yaml:"pull_request"`
			Push        struct {
				Branches []string `yaml:"branches"`
			} `yaml:"push"`
		} `yaml:"on"`
		Jobs map[string]struct {
			If    string         `yaml:"if"`
			Steps []workflowStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if on, _ := raw["on"].(map[string]any); on == nil || !hasKey(on, "pull_request") || !cmp.Equal(wf.On.Push.Branches, []string{"main"}) {
		t.Errorf("the workflow must run on pull_request and on push to main: %v", raw["on"])
	}
	// The check job uses the evctl action (cmd/evctl's TestExampleWorkflow
	// checks its inputs against action.yml).
	const checkAction = "evctl/evctl@"
	const pushCmd = "evctl push"
	check, push := wf.Jobs["check"], wf.Jobs["push"]
	if !strings.Contains(check.If, "pull_request") || !strings.Contains(push.If, "refs/heads/main") {
		t.Errorf("job conditions: check %q, push %q", check.If, push.If)
	}
	runs := func(steps []workflowStep, cmd string) bool {
		for _, s := range steps {
			if strings.TrimSpace(s.Run) == cmd {
				return true
			}
		}
		return false
	}
	usesAction := false
	for _, s := range check.Steps {
		usesAction = usesAction || strings.HasPrefix(s.Uses, checkAction)
	}
	if !usesAction {
		t.Errorf("the check job does not use %s", checkAction)
	}
	if !runs(push.Steps, pushCmd) {
		t.Errorf("the push job does not run %q", pushCmd)
	}
	fetchAll := false
	for _, s := range check.Steps {
		if strings.HasPrefix(s.Uses, "actions/checkout@") && s.With["fetch-depth"] == 0 {
			fetchAll = true
		}
	}
	if !fetchAll {
		t.Error("the check job must check out with fetch-depth: 0")
	}
	for _, s := range push.Steps {
		for k, v := range s.Env {
			if (k == client.EnvPassword || k == client.EnvToken) && !strings.HasPrefix(v, "${{ secrets.") {
				t.Errorf("%s must come from a secret, not %q", k, v)
			}
		}
	}
	script, err := os.ReadFile(filepath.Join("..", "..", "cmd", "evctl", "testdata", "script", "registry_workflow.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "exec "+pushCmd+"\n") && !strings.Contains(string(script), " "+pushCmd+"\n") {
		t.Errorf("registry_workflow.txtar does not run %q", pushCmd)
	}
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}
