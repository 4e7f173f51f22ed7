package diag

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sample() []Diagnostic {
	return []Diagnostic{
		{Rule: "b", Severity: Warning, File: "b.avsc", Line: 2, Column: 1, Message: "second"},
		{Rule: "a", Severity: Error, File: "a.avsc", Line: 3, Column: 5, Message: "x, with: 100% problems\nand a newline"},
		{Rule: "a", Severity: Error, File: "a.avsc", Line: 3, Column: 5, Message: "x, with: 100% problems\nand a newline"},
		{Rule: "a", Severity: Error, File: "a.avsc", Line: 1, Column: 9, Message: "first"},
		{Rule: "c", Severity: Info, File: "a.avsc", Line: 1, Column: 9, Message: "note"},
	}
}

func TestSortDedups(t *testing.T) {
	t.Parallel()
	got := Sort(sample())
	var keys []string
	for _, d := range got {
		keys = append(keys, d.File+":"+d.Rule+":"+d.Message[:4])
	}
	want := []string{"a.avsc:a:firs", "a.avsc:c:note", "a.avsc:a:x, w", "b.avsc:b:seco"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Summary{Errors: 2, Warnings: 1, Files: 2}, Summarize(got, 2)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestPrinters(t *testing.T) {
	t.Parallel()
	ds := Sort(sample())
	sum := Summarize(ds, 2)
	print := func(format string, color bool) string {
		var b bytes.Buffer
		if err := (Printer{Format: format, Color: color, Tool: Tool{Name: "evctl", Rules: []RuleInfo{{ID: "a", Doc: "Rule a."}}}}).Print(&b, ds, sum); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	text := print("text", false)
	if !strings.HasPrefix(text, "a.avsc:1:9: error a: first\n") || strings.Contains(text, "\x1b[") {
		t.Errorf("text:\n%s", text)
	}
	if colored := print("text", true); !strings.Contains(colored, "\x1b[") {
		t.Errorf("colour requested but absent:\n%s", colored)
	}
	gh := print("github", false)
	if !strings.Contains(gh, "::error file=a.avsc,line=3,col=5,title=a::x, with: 100%25 problems%0Aand a newline\n") || !strings.Contains(gh, "::notice file=a.avsc") {
		t.Errorf("github:\n%s", gh)
	}
	var js struct {
		Version     int
		Diagnostics []Diagnostic
		Summary     Summary
	}
	if err := json.Unmarshal([]byte(print("json", false)), &js); err != nil || js.Version != 1 || len(js.Diagnostics) != 4 {
		t.Errorf("json: %v %+v", err, js)
	}
	var sarif struct {
		Version string
		Runs    []struct {
			Results []struct{ RuleID, Level string }
		}
	}
	if err := json.Unmarshal([]byte(print("sarif", false)), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs[0].Results) != 4 || sarif.Runs[0].Results[1].Level != "note" {
		t.Errorf("sarif: %v %+v", err, sarif)
	}
	if md := print("markdown", false); !strings.Contains(md, "| error | `a.avsc:3:5` | `a` | x, with: 100% problems and a newline |") {
		t.Errorf("markdown:\n%s", md)
	}
	var b bytes.Buffer
	if err := (Printer{Format: "yaml"}).Print(&b, ds, sum); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		msg, title string
		details    []string
	}{
		{"first", "first", nil},
		{`field "a; b" at /fields/1 has no default, so old data cannot be read; give it a default (null, with a ["null", ...] union; for example); or leave it out`,
			`field "a; b" at /fields/1 has no default`,
			[]string{"so old data cannot be read", `give it a default (null, with a ["null", ...] union; for example)`, "or leave it out"}},
		{"x, with: 100% problems\nand a newline", "x, with: 100% problems and a newline", nil},
		{"a {b; c, so d}; ", "a {b; c, so d}", nil},
	} {
		title, details := Layout(c.msg)
		if title != c.title || !cmp.Equal(details, c.details) {
			t.Errorf("Layout(%q) = %q, %q; want %q, %q", c.msg, title, details, c.title, c.details)
		}
	}
}

func TestTextLayout(t *testing.T) {
	t.Parallel()
	ds := []Diagnostic{
		{Rule: "consumer-field-removed", Severity: Error, File: "contracts/c.yaml", Line: 7, Column: 3,
			Message: "gift_note: consumer c reads gift_note (contracts/c.yaml:7:3), which may be missing (other.yaml:1:1); keep the field"},
		{Rule: "event-removed", Severity: Error, File: "schemas/v1/A.avsc", Line: 1, Column: 1, Message: "event v1.A was removed"},
	}
	ds[1].Allow("replaced by v2")
	var b bytes.Buffer
	p := Printer{Format: "text", Display: func(s string) string { return "../" + s }}
	if err := p.Print(&b, ds, Summarize(ds, 2)); err != nil {
		t.Fatal(err)
	}
	want := `../contracts/c.yaml:7:3: error consumer-field-removed: gift_note: consumer c reads gift_note, which may be missing (other.yaml:1:1)
    keep the field
../schemas/v1/A.avsc:1:1: allowed event-removed: event v1.A was removed
    reason: replaced by v2
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
}
