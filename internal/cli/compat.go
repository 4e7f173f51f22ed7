package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/check"
	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
)

const flagJSONPolicy = "json-policy"

type compatOptions struct {
	Files      []string
	Level      string
	JSONPolicy string
	Format     string
}

func newCompatCmd(app *App) *cobra.Command {
	opts := &compatOptions{}
	cmd := &cobra.Command{
		Use:   "compat [--level L] PREVIOUS... NEW",
		Short: "Check that NEW is compatible with earlier versions of a schema",
		Long: `Check whether NEW may follow PREVIOUS (earlier versions, oldest first) under
a Confluent compatibility level, with the verdict Confluent Schema Registry
would give. With one PREVIOUS it is a plain pair check.

The format comes from the extension: .avsc is Avro; .json, .yaml and .yml are
JSON Schema. Any valid document of the format is accepted (naming rules
belong to lint).

Levels: NONE, BACKWARD (default), BACKWARD_TRANSITIVE, FORWARD,
FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE. Non-transitive levels compare with
the last PREVIOUS only.
` + exitStatusHelp,
		Example: `  $ evctl compat schemas/v1/OrderPlaced.avsc new/OrderPlaced.avsc
  $ evctl compat --level FULL_TRANSITIVE v1.json v2.json v3.json
  $ evctl compat --format json old.yaml new.yaml`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			return runCompat(app, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Level, flagLevel, "", "compatibility level (default: compat.level from evctl.yaml, else BACKWARD)")
	f.StringVar(&opts.JSONPolicy, flagJSONPolicy, "", "JSON Schema policy: strict or lenient (default: compat.json_policy, else strict)")
	f.StringVarP(&opts.Format, flagFormat, "f", "text", "output format: text, json or markdown")
	return cmd
}

// readDoc reads a schema file for compat, with the files it references:
// for JSON Schema the files its $refs name (and theirs), for Avro the files
// of the catalog that define the named types it uses.
func readDoc(app *App, path string) (compat.Doc, compat.Format, error) {
	f, isYAML, ok := schema.FormatOf(path)
	if !ok {
		return compat.Doc{}, "", usageError("%s: unknown schema format: want .avsc, .json, .yaml or .yml", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return compat.Doc{}, "", inputError(fmt.Errorf("read %s: %w", path, errors.Unwrap(err)))
	}
	// Syntax errors are reported with their position before the engines
	// see the document.
	root, err := check.ParseRoot(data, isYAML)
	if err != nil {
		var se *schema.SyntaxError
		if errors.As(err, &se) {
			return compat.Doc{}, "", inputError(fmt.Errorf("%s:%d:%d: %s", filepath.ToSlash(path), se.Pos.Line, se.Pos.Col, se.Msg))
		}
		return compat.Doc{}, "", inputError(fmt.Errorf("%s: %w", filepath.ToSlash(path), err))
	}
	d := compat.Doc{Name: filepath.ToSlash(path), Text: data, YAML: isYAML}
	if f != schema.JSONSchema {
		d.References = avroFileRefs(app, path)
		return d, compat.Avro, nil
	}
	refs := schema.JSONRefs(root, filepath.ToSlash(path), func(p string) *schema.Node {
		b, err := os.ReadFile(filepath.FromSlash(p))
		if err != nil {
			return nil
		}
		n, _ := check.ParseRoot(b, strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"))
		return n
	})
	for _, r := range refs {
		if b, err := os.ReadFile(filepath.FromSlash(r.Path)); err == nil {
			if d.References == nil {
				d.References = map[string][]byte{}
			}
			d.References[r.Name] = b
		}
	}
	return d, compat.JSONSchema, nil
}

// avroFileRefs finds the files that define the named types an Avro file
// uses among the catalog (the config roots) and the file's own directory.
func avroFileRefs(app *App, path string) map[string][]byte {
	cfg, err := app.Config()
	if err != nil {
		return nil
	}
	ws, err := app.Workspace()
	if err != nil {
		return nil
	}
	rel := ws.fromArg(path)
	paths := []string{rel}
	inRoot := false
	for _, r := range cfg.Roots {
		if _, err := os.Stat(filepath.Join(ws.root, r)); err == nil {
			paths = append(paths, r)
		}
		r = strings.TrimSuffix(filepath.ToSlash(filepath.Clean(r)), "/")
		inRoot = inRoot || r == "." || strings.HasPrefix(rel, r+"/")
	}
	if dir := filepathDir(rel); dir != "" && !inRoot {
		paths = append(paths, dir)
	}
	opts := loadOptions(ws, cfg)
	opts.Unchecked = true
	cat, err := schema.Load(paths, opts)
	if err != nil {
		return nil
	}
	e := cat.ByPath(rel)
	if e == nil {
		return nil
	}
	var refs map[string][]byte
	for _, r := range cat.RefsOf(e) {
		if o := cat.ByPath(r.Path); o != nil {
			if refs == nil {
				refs = map[string][]byte{}
			}
			refs[r.Name] = o.Source
		}
	}
	return refs
}

func filepathDir(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i]
	}
	return ""
}

func resolveLevel(app *App, flag string) (compat.Level, error) {
	if flag == "" {
		cfg, err := app.Config()
		if err != nil {
			return "", err
		}
		flag = cfg.Compat.Level
	}
	l, err := compat.ParseLevel(flag)
	if err != nil {
		return "", usageError("%w", err)
	}
	return l, nil
}

func resolvePolicy(app *App, flag string) (compat.Policy, error) {
	if flag == "" {
		cfg, err := app.Config()
		if err != nil {
			return "", err
		}
		flag = cfg.Compat.JSONPolicy
	}
	switch strings.ToLower(flag) {
	case "strict":
		return compat.Strict, nil
	case "lenient":
		return compat.Lenient, nil
	}
	return "", usageError("invalid --json-policy %q (want strict or lenient)", flag)
}

func runCompat(app *App, opts *compatOptions) error {
	if err := checkFormat(opts.Format, []string{"text", "json", "markdown"}); err != nil {
		return err
	}
	level, err := resolveLevel(app, opts.Level)
	if err != nil {
		return err
	}
	policy, err := resolvePolicy(app, opts.JSONPolicy)
	if err != nil {
		return err
	}
	var docs []compat.Doc
	var format compat.Format
	for _, p := range opts.Files {
		d, f, err := readDoc(app, p)
		if err != nil {
			return err
		}
		if format != "" && f != format {
			return usageError("%s is %s but %s is %s: compare schemas of one format", opts.Files[0], format, p, f)
		}
		format = f
		docs = append(docs, d)
	}
	newDoc, prev := docs[len(docs)-1], docs[:len(docs)-1]
	res, err := compat.Check(format, level, newDoc, prev, compat.Options{Policy: policy})
	if err != nil {
		if compat.IsParseError(err) {
			return inputError(err)
		}
		return err
	}
	rep := newCompatReport(res, newDoc)
	if err := rep.print(app, opts.Format); err != nil {
		return err
	}
	if !res.Compatible {
		return silentExit(ExitFindings)
	}
	return nil
}

type compatReport struct {
	Version    int             `json:"version"`
	Level      compat.Level    `json:"level"`
	Compatible bool            `json:"compatible"`
	New        string          `json:"new"`
	Changes    []check.Located `json:"changes"`
}

func newCompatReport(res compat.Result, newDoc compat.Doc) *compatReport {
	rep := &compatReport{Version: 1, Level: res.Level, Compatible: res.Compatible, New: newDoc.Name, Changes: []check.Located{}}
	for _, c := range res.Changes {
		rep.Changes = append(rep.Changes, check.Locate(c, newDoc.Name))
	}
	return rep
}

func (r *compatReport) print(app *App, format string) error {
	w := app.IO.Out
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "markdown":
		return r.markdown(w)
	}
	red := app.colorize(31, 1)
	green := app.colorize(32, 1)
	faint := app.colorize(2)
	for _, c := range r.Changes {
		status := red.Sprint("incompatible")
		if c.Compatible {
			status = green.Sprint("compatible")
		}
		var against []string
		if c.Against != "" {
			against = append(against, faint.Sprintf("checked %s against %s", c.Direction, c.Against))
		}
		msg := check.ChangeText(c.Change)
		if err := diag.WriteFinding(w, fmt.Sprintf("%s:%d:%d", c.File, c.Line, c.Column), status, c.Type, msg, against...); err != nil {
			return err
		}
	}
	verdict := green.Sprint("compatible")
	if !r.Compatible {
		verdict = red.Sprint("incompatible")
	}
	_, err := fmt.Fprintf(w, "%s: %s is %s\n", r.Level, r.New, verdict)
	return err
}

func (r *compatReport) markdown(w io.Writer) error {
	var b strings.Builder
	verdict := "compatible"
	if !r.Compatible {
		verdict = "**incompatible**"
	}
	fmt.Fprintf(&b, "### `%s` under %s: %s\n\n", r.New, r.Level, verdict)
	if len(r.Changes) == 0 {
		b.WriteString("No changes.\n")
	} else {
		b.WriteString("| Change | Path | Compatible | Location | Against | Explanation |\n|---|---|---|---|---|---|\n")
		for _, c := range r.Changes {
			ok := "yes"
			if !c.Compatible {
				ok = "**no**"
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | `%s:%d:%d` | `%s` | %s |\n", c.Type, c.Path, ok, c.File, c.Line, c.Column, c.Against, mdCell(c.Message))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdCell(s string) string { return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s) }

type diffOptions struct {
	Old, New   string
	Format     string
	JSONPolicy string
}

func newDiffCmd(app *App) *cobra.Command {
	opts := &diffOptions{}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "List every change between two versions of a schema",
		Long: `List every change from OLD to NEW, compatible or not, for a changelog or a
pull-request comment. Changes are judged in the BACKWARD direction (NEW reads
data written with OLD). diff exits 0 whatever it finds; use compat or check
to gate.
` + exitStatusHelp,
		Example: `  $ evctl diff schemas/v1/OrderPlaced.avsc schemas/v2/OrderPlaced.avsc --format markdown`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Old, opts.New = args[0], args[1]
			return runDiff(app, opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, flagFormat, "f", "text", "output format: text, json or markdown")
	cmd.Flags().StringVar(&opts.JSONPolicy, flagJSONPolicy, "", "JSON Schema policy: strict or lenient")
	return cmd
}

func runDiff(app *App, opts *diffOptions) error {
	if err := checkFormat(opts.Format, []string{"text", "json", "markdown"}); err != nil {
		return err
	}
	policy, err := resolvePolicy(app, opts.JSONPolicy)
	if err != nil {
		return err
	}
	oldDoc, f1, err := readDoc(app, opts.Old)
	if err != nil {
		return err
	}
	newDoc, f2, err := readDoc(app, opts.New)
	if err != nil {
		return err
	}
	if f1 != f2 {
		return usageError("%s is %s but %s is %s: compare schemas of one format", opts.Old, f1, opts.New, f2)
	}
	changes, err := compat.Diff(f1, oldDoc, newDoc, compat.Options{Policy: policy})
	if err != nil {
		if compat.IsParseError(err) {
			return inputError(err)
		}
		return err
	}
	res := compat.Result{Level: compat.Backward, Compatible: true, Changes: changes}
	for _, c := range changes {
		if !c.Compatible {
			res.Compatible = false
		}
	}
	rep := newCompatReport(res, newDoc)
	return rep.print(app, opts.Format)
}
