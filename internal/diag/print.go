package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fatih/color"
)

// Formats for Print.
var Formats = []string{"text", "json", "github", "sarif", "markdown"}

// Tool describes the program for SARIF output.
type Tool struct {
	Name    string
	Version string
	URI     string
	Rules   []RuleInfo
}

// RuleInfo is a rule's metadata for SARIF.
type RuleInfo struct {
	ID  string
	Doc string
}

// Printer writes diagnostics in one format.
type Printer struct {
	Format string
	// Color enables colour in text output.
	Color bool
	Tool  Tool
	// Title heads markdown output.
	Title string
	// Display maps a file path for text and markdown output (relative to
	// the working directory); Repo maps it for github and sarif output
	// (relative to the repository). nil leaves paths as they are; json
	// output always keeps them as they are (relative to the catalog root).
	Display, Repo func(string) string
}

func mapFiles(ds []Diagnostic, f func(string) string) []Diagnostic {
	if f == nil {
		return ds
	}
	out := make([]Diagnostic, len(ds))
	for i, d := range ds {
		d.File = f(d.File)
		out[i] = d
	}
	return out
}

// Print writes the (sorted) diagnostics and summary.
func (p Printer) Print(w io.Writer, ds []Diagnostic, sum Summary) error {
	switch p.Format {
	case "", "text":
		return printText(w, ds, p.Display, p.Color)
	case "json":
		return printJSON(w, ds, sum)
	case "github":
		return printGitHub(w, mapFiles(ds, p.Repo))
	case "sarif":
		return printSARIF(w, mapFiles(ds, p.Repo), p.Tool)
	case "markdown":
		return printMarkdown(w, mapFiles(ds, p.Display), sum, p.Title)
	}
	return fmt.Errorf("unknown format %q (want %s)", p.Format, strings.Join(Formats, ", "))
}

func printText(w io.Writer, ds []Diagnostic, display func(string) string, useColor bool) error {
	red := color.New(color.FgRed, color.Bold)
	yellow := color.New(color.FgYellow, color.Bold)
	faint := color.New(color.Faint)
	for _, c := range []*color.Color{red, yellow, faint} {
		if useColor {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	for _, d := range ds {
		sev := string(d.Severity)
		switch d.Severity {
		case Error:
			sev = red.Sprint(sev)
		case Warning:
			sev = yellow.Sprint(sev)
		}
		msg := withoutSelf(d)
		var extra []string
		if d.Allowed {
			sev = "allowed"
			extra = append(extra, "reason: "+d.Reason)
		}
		file := d.File
		if display != nil {
			file = display(file)
		}
		if err := WriteFinding(w, fmt.Sprintf("%s:%d:%d", file, d.Line, d.Column), sev, faint.Sprint(d.Rule), msg, extra...); err != nil {
			return err
		}
	}
	return nil
}

type jsonOut struct {
	Version     int          `json:"version"`
	Diagnostics []Diagnostic `json:"diagnostics"`
	Summary     Summary      `json:"summary"`
}

func printJSON(w io.Writer, ds []Diagnostic, sum Summary) error {
	if ds == nil {
		ds = []Diagnostic{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonOut{Version: 1, Diagnostics: ds, Summary: sum})
}

func ghEscapeData(s string) string {
	r := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	return r.Replace(s)
}

func ghEscapeProp(s string) string {
	r := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
	return r.Replace(s)
}

func printGitHub(w io.Writer, ds []Diagnostic) error {
	for _, d := range ds {
		level := "error"
		switch d.Severity {
		case Warning:
			level = "warning"
		case Info:
			level = "notice"
		}
		if _, err := fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", level,
			ghEscapeProp(d.File), d.Line, d.Column, ghEscapeProp(d.Rule), ghEscapeData(d.Message)); err != nil {
			return err
		}
	}
	return nil
}

func printMarkdown(w io.Writer, ds []Diagnostic, sum Summary, title string) error {
	if title == "" {
		title = "evctl"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", title)
	if len(ds) == 0 {
		b.WriteString("No findings.\n")
	} else {
		b.WriteString("| Severity | Location | Rule | Message |\n|---|---|---|---|\n")
		for _, d := range ds {
			fmt.Fprintf(&b, "| %s | `%s:%d:%d` | `%s` | %s |\n", d.Severity, d.File, d.Line, d.Column, d.Rule, mdEscape(d.Message))
		}
	}
	fmt.Fprintf(&b, "\n%d error(s), %d warning(s) in %d file(s).\n", sum.Errors, sum.Warnings, sum.Files)
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string    `json:"id"`
	ShortDescription sarifText `json:"shortDescription"`
	FullDescription  sarifText `json:"fullDescription"`
	Help             sarifText `json:"help"`
}

// firstSentence is a doc's first sentence, for SARIF's short description.
func firstSentence(doc string) string {
	if i := strings.Index(doc, ". "); i >= 0 {
		return doc[:i+1]
	}
	return doc
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
}

// sarifSuppression records an audited exception: in source (inline
// x-evctl-ignore) or external (evctl.yaml, the baseline).
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
}

// sarifBase is the uriBaseId of a relative file path: the repository root.
func sarifBase(file string) string {
	if file == "" || strings.HasPrefix(file, "/") || strings.Contains(file, ":") {
		return ""
	}
	return "%SRCROOT%"
}

func printSARIF(w io.Writer, ds []Diagnostic, tool Tool) error {
	docs := map[string]string{}
	for _, r := range tool.Rules {
		docs[r.ID] = r.Doc
	}
	// The rules the results use, each with its help text.
	rules := map[string]string{}
	for _, d := range ds {
		if doc, ok := docs[d.Rule]; ok {
			rules[d.Rule] = doc
		} else {
			rules[d.Rule] = d.Rule
		}
	}
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := map[string]int{}
	driver := sarifDriver{Name: tool.Name, Version: tool.Version, InformationURI: tool.URI, Rules: []sarifRule{}}
	if driver.Name == "" {
		driver.Name = "evctl"
	}
	for i, id := range ids {
		index[id] = i
		driver.Rules = append(driver.Rules, sarifRule{ID: id, ShortDescription: sarifText{Text: firstSentence(rules[id])},
			FullDescription: sarifText{Text: rules[id]}, Help: sarifText{Text: rules[id]}})
	}
	results := []sarifResult{}
	for _, d := range ds {
		level := "error"
		switch d.Severity {
		case Warning:
			level = "warning"
		case Info:
			level = "note"
		}
		line, col := d.Line, d.Column
		if line < 1 {
			line = 1
		}
		if col < 1 {
			col = 1
		}
		r := sarifResult{RuleID: d.Rule, RuleIndex: index[d.Rule], Level: level, Message: sarifText{Text: d.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: d.File, URIBaseID: sarifBase(d.File)}, Region: sarifRegion{StartLine: line, StartColumn: col}}}}}
		if d.Allowed {
			r.Suppressions = []sarifSuppression{{Kind: "external", Justification: d.Reason}}
		}
		results = append(results, r)
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{{Tool: sarifTool{Driver: driver}, Results: results}}}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
