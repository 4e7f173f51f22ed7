package contract

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/evctl/evctl/internal/schema"
)

// TestImportPact converts the pacts that Pact's JavaScript library wrote
// (testdata/pact/generate.mjs: a V3 message pact and a V4 one) and compares
// the contracts with testdata/pact/want (EVCTL_UPDATE=1 rewrites them). The
// contracts parse, and they are checked against a schema that adds an enum
// value the V3 pact's regex does not allow.
func TestImportPact(t *testing.T) {
	files, _ := filepath.Glob("testdata/pact/pacts/*.json")
	if len(files) != 2 {
		t.Fatalf("want the 2 generated pacts, have %v", files)
	}
	set := &Set{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := ImportPact(data, "")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range cs {
			got := Format(c)
			want := filepath.Join("testdata/pact/want", c.File)
			if os.Getenv("EVCTL_UPDATE") != "" {
				if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			w, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run with EVCTL_UPDATE=1)", err)
			}
			if string(got) != string(w) {
				t.Errorf("%s from %s:\n--- got\n%s--- want\n%s", c.File, f, got, w)
			}
			parsed, perr := Parse(want, got)
			if perr != nil {
				t.Fatalf("the imported contract does not parse: %v", perr)
			}
			set.Contracts = append(set.Contracts, parsed)
		}
	}
	cat, err := schema.Load([]string{"testdata/pact/schemas"}, schema.LoadOptions{})
	if err != nil || len(cat.Errors) > 0 {
		t.Fatalf("%v %v", err, cat.Errors)
	}
	fs, errs := Check(set, cat, nil)
	if len(errs) > 0 {
		t.Fatalf("imported contracts do not resolve: %v", errs[0])
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Rule+" "+f.Contract.Consumer+" "+strings.SplitN(f.Message, ":", 2)[0])
	}
	want := []string{"consumer-enum-unhandled email-service status"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestImportPactErrors(t *testing.T) {
	for _, c := range []struct{ data, want string }{
		{`{`, "not a Pact file"},
		{`{"consumer": {"name": "x"}}`, "no message interactions"},
		{`{"consumer": {"name": "x"}, "messages": [{"description": "d", "contents": {"a": 1}}]}`, `message "d": no event type`},
		{`{"consumer": {"name": "x"}, "messages": [{"description": "d", "contents": {}, "metadata": {"event": "v1.A"}}]}`, "no fields to read"},
	} {
		_, err := ImportPact([]byte(c.data), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.data, err, c.want)
		}
	}
	cs, err := ImportPact([]byte(`{"consumer": {"name": "x"}, "messages": [{"description": "d", "contents": {"a": [1]}}]}`), "v1.A")
	if err != nil || len(cs) != 1 || cs[0].Event != "v1.A" || cs[0].Reads[0].Path != "a[]" || cs[0].Reads[0].Type != "integer" {
		t.Errorf("--event: %v %+v", err, cs)
	}
}

func TestExampleServer(t *testing.T) {
	cat, err := schema.Load([]string{"testdata/pact/schemas"}, schema.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/pact/pacts/billing-service-order-service.json")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := PactMessages(data, cat)
	if err != nil {
		t.Fatal(err)
	}
	// billing-service's regex allows REFUNDED: the all-fields example.
	if len(msgs) != 1 || msgs[0].Case != "all-fields" || msgs[0].Metadata["event"] != "v1.OrderPlaced" {
		t.Fatalf("messages: %+v", msgs)
	}
	srv := httptest.NewServer(ExampleServer(msgs))
	defer srv.Close()
	for _, c := range []struct {
		method, body string
		code         int
		want         string
	}{
		{"POST", `{"description": "an order was placed (billing)"}`, 200, `"order_id"`},
		{"POST", `{"description": "nope"}`, 404, `known: "an order was placed (billing)"`},
		{"POST", `{`, 400, "bad request body"},
		{"GET", ``, 405, "POST the message description"},
	} {
		req, _ := http.NewRequest(c.method, srv.URL, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(string(b), c.want) {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.body, resp.StatusCode, b, c.code, c.want)
		}
		if c.code == 200 {
			meta, err := base64.StdEncoding.DecodeString(resp.Header.Get("Pact-Message-Metadata"))
			if err != nil || !strings.Contains(string(meta), `"event":"v1.OrderPlaced"`) {
				t.Errorf("metadata %q: %v", meta, err)
			}
		}
	}
	if _, err := PactMessages(data, &schema.Catalog{}); err == nil || !strings.Contains(err.Error(), "not in the catalog") {
		t.Errorf("empty catalog: %v", err)
	}
}
