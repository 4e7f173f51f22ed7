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
	if !strings.HasPrefix(text, "a.avsc:1:9: error: first (a)\n") || strings.Contains(text, "\x1b[") {
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
