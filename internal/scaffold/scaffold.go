// Package scaffold owns the files evctl init writes into a repository: the
// commented evctl.yaml, an example event that lints clean, a GitHub workflow
// that uses the evctl action, and the pre-commit hook entry. It plans the
// changes and applies them without ever overwriting a file.
package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/evctl/evctl/internal/config"
)

//go:embed templates/*.tmpl
var templates embed.FS

// Formats of the example event.
var Formats = []string{"json", "yaml", "avro"}

// Paths of the files outside the schema root.
const (
	WorkflowPath  = ".github/workflows/evctl.yml"
	PreCommitPath = ".pre-commit-config.yaml"
	exampleStem   = "OrderPlaced"
)

// Options configure Plan.
type Options struct {
	// Format of the example event: json, yaml or avro.
	Format string
	// Version is the evctl version (a release tag such as v0.1.0, else
	// anything): it pins the action, the pre-commit hook and the schema URL.
	Version string
}

// Action is what Apply does with a file.
type Action int

// Actions.
const (
	Create Action = iota // write a new file
	Append               // append to an existing file
	Skip                 // leave it alone; Reason says why
)

// File is one planned change, its path relative to the repository.
type File struct {
	Path   string
	Action Action
	Data   []byte
	Reason string // why it is skipped
}

var (
	releaseTag    = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	pseudoVersion = regexp.MustCompile(`\d{14}-[0-9a-f]{12}$`)
)

// Ref is the git ref that pins the action, the hook and the schema URL: the
// release tag of version, else main.
func Ref(version string) string {
	if releaseTag.MatchString(version) && !pseudoVersion.MatchString(version) {
		return version
	}
	return "main"
}

// Plan decides what to write in the repository at dir.
func Plan(dir string, o Options) ([]File, error) {
	ext, ok := map[string]string{"json": ".json", "yaml": ".yaml", "avro": ".avsc"}[o.Format]
	if !ok {
		return nil, fmt.Errorf("unknown example format %q (want %s)", o.Format, strings.Join(Formats, ", "))
	}
	ref := Ref(o.Version)
	data := map[string]string{
		"WorkDir":   "",
		"Ref":       ref,
		"Root":      "schemas",
		"SchemaURL": strings.Replace(config.SchemaURL, "/main/", "/"+ref+"/", 1),
	}
	var plan []File

	// evctl.yaml; an existing one says where the schemas are.
	root := "schemas"
	if exists(filepath.Join(dir, config.FileName)) {
		cfg, err := config.Load(filepath.Join(dir, config.FileName))
		if err != nil {
			return nil, err
		}
		root = filepath.ToSlash(cfg.Roots[0])
		plan = append(plan, File{Path: config.FileName, Action: Skip, Reason: "it exists"})
	} else {
		b, err := render("evctl.yaml.tmpl", data)
		if err != nil {
			return nil, err
		}
		plan = append(plan, File{Path: config.FileName, Action: Create, Data: b})
	}

	// The example event, unless the root already holds schemas.
	example := root + "/v1/" + exampleStem + ext
	switch n := countSchemas(filepath.Join(dir, filepath.FromSlash(root))); {
	case exists(filepath.Join(dir, filepath.FromSlash(example))):
		plan = append(plan, File{Path: example, Action: Skip, Reason: "it exists"})
	case n > 0:
		plan = append(plan, File{Path: example, Action: Skip, Reason: fmt.Sprintf("%s/ already holds %d schema file(s)", root, n)})
	default:
		b, err := render("example"+ext+".tmpl", data)
		if err != nil {
			return nil, err
		}
		plan = append(plan, File{Path: example, Action: Create, Data: b})
	}

	// The workflow and the pre-commit config belong at the top of the git
	// repository; in a subdirectory, the action runs there.
	top, sub, err := repoTop(dir)
	if err != nil {
		return nil, err
	}
	data["WorkDir"] = sub
	workflow := relPath(dir, filepath.Join(top, filepath.FromSlash(WorkflowPath)))
	if exists(filepath.Join(dir, filepath.FromSlash(workflow))) {
		plan = append(plan, File{Path: workflow, Action: Skip, Reason: "it exists"})
	} else {
		b, err := render("workflow.yml.tmpl", data)
		if err != nil {
			return nil, err
		}
		plan = append(plan, File{Path: workflow, Action: Create, Data: b})
	}

	f, err := planPreCommit(filepath.Join(top, PreCommitPath), ref)
	if err != nil {
		return nil, err
	}
	f.Path = relPath(dir, filepath.Join(top, PreCommitPath))
	return append(plan, f), nil
}

// repoTop returns the top of the git repository holding dir (dir itself
// when it is in none) and dir's slash path below it ("" at the top).
func repoTop(dir string) (top, sub string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if exists(filepath.Join(d, ".git")) {
			rel, err := filepath.Rel(d, abs)
			if err != nil || rel == "." {
				return abs, "", err
			}
			return d, filepath.ToSlash(rel), nil
		}
		if filepath.Dir(d) == d {
			return abs, "", nil
		}
	}
}

// relPath is target relative to dir, with slashes.
func relPath(dir, target string) string {
	abs, err := filepath.Abs(dir)
	if err == nil {
		if rel, err := filepath.Rel(abs, target); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(target)
}

// PreCommitEntry is the repos: entry of the evctl-lint hook, at indent.
func PreCommitEntry(indent, ref string) []byte {
	b, err := render("pre-commit-entry.tmpl", map[string]string{"Indent": indent, "Ref": ref})
	if err != nil {
		panic(err) // the embedded template is tested
	}
	return b
}

// planPreCommit creates .pre-commit-config.yaml, or appends the hook to its
// repos: list when that list is the file's last key in block style; any
// other layout is left for the user to edit.
func planPreCommit(path, ref string) (File, error) {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return File{Path: PreCommitPath, Action: Create, Data: append([]byte("repos:\n"), PreCommitEntry("  ", ref)...)}, nil
	}
	if err != nil {
		return File{}, err
	}
	if bytes.Contains(old, []byte("github.com/evctl/evctl")) {
		return File{Path: PreCommitPath, Action: Skip, Reason: "it already has the evctl hook"}, nil
	}
	manual := File{Path: PreCommitPath, Action: Skip, Reason: "add this entry under repos: by hand:\n" + string(PreCommitEntry("  ", ref))}
	var doc yaml.Node
	if err := yaml.Unmarshal(old, &doc); err != nil || len(doc.Content) == 0 {
		return manual, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode || len(top.Content) < 2 {
		return manual, nil
	}
	key, repos := top.Content[len(top.Content)-2], top.Content[len(top.Content)-1]
	if key.Value != "repos" || repos.Kind != yaml.SequenceNode || repos.Style&yaml.FlowStyle != 0 || len(repos.Content) == 0 {
		return manual, nil
	}
	// The indentation of the items' dashes, from the first item's line.
	lines := strings.Split(string(old), "\n")
	first := repos.Content[0]
	if first.Line < 1 || first.Line > len(lines) {
		return manual, nil
	}
	line := lines[first.Line-1]
	indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
	if !strings.HasPrefix(strings.TrimLeft(line, " "), "-") {
		return manual, nil
	}
	data := PreCommitEntry(indent, ref)
	if !bytes.HasSuffix(old, []byte("\n")) {
		data = append([]byte("\n"), data...)
	}
	return File{Path: PreCommitPath, Action: Append, Data: data}, nil
}

// Apply carries out the plan in dir. It never overwrites a file: a file
// that appeared since Plan is an error.
func Apply(dir string, plan []File) error {
	for _, f := range plan {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		switch f.Action {
		case Create:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			w, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			_, err = w.Write(f.Data)
			if err := errors.Join(err, w.Close()); err != nil {
				return err
			}
		case Append:
			w, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				return err
			}
			_, err = w.Write(f.Data)
			if err := errors.Join(err, w.Close()); err != nil {
				return err
			}
		}
	}
	return nil
}

func render(name string, data any) ([]byte, error) {
	t, err := template.ParseFS(templates, "templates/"+name)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// countSchemas counts the schema files under root.
func countSchemas(root string) int {
	n := 0
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".avsc", ".json", ".yaml", ".yml":
			if !d.IsDir() {
				n++
			}
		}
		return nil
	})
	return n
}
