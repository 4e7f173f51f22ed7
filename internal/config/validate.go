package config

import (
	"fmt"
	"go/token"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/evctl/evctl/internal/suggest"
)

// Rule is what a `validate` struct tag says about a value. A tag is a
// comma-separated list of items; on a slice they apply to each element, on
// a map to each value (keys=... applies to the keys):
//
//	enum=a|b|c   one of the listed values, exactly
//	glob         a path glob (** for any number of directories)
//	file         an existing file, relative to the config
//	root         a directory, relative to the config; a missing one is an
//	             error when a directory of a near name exists (a typo): a
//	             root removed on purpose is for evctl check to report
//	duration     a Go duration such as 10s
//	url          an http or https URL
//	envvar       an environment variable name
//	goident      a Go identifier (a package name)
//	event        an event type (v1.OrderPlaced) or a major version (v1)
//	fieldpath    a field name or a dotted path to a nested field (context.id)
//	required     present and not empty
//	min=N, max=N bounds of an integer
//	keys=rule    map keys are lint rule ids (checked by the lint package)
type Rule struct {
	Enum                          []string
	Glob, Root, File, Duration    bool
	URL, EnvVar, GoIdent, Require bool
	Event, FieldPath              bool
	Min, Max                      *int
	Keys                          string
}

// ParseRule parses a `validate` tag.
func ParseRule(tag string) (Rule, error) {
	var r Rule
	if tag == "" {
		return r, nil
	}
	for _, item := range strings.Split(tag, ",") {
		name, val, _ := strings.Cut(item, "=")
		switch name {
		case "enum":
			r.Enum = strings.Split(val, "|")
		case "glob":
			r.Glob = true
		case "root":
			r.Root = true
		case "file":
			r.File = true
		case "duration":
			r.Duration = true
		case "url":
			r.URL = true
		case "envvar":
			r.EnvVar = true
		case "goident":
			r.GoIdent = true
		case "event":
			r.Event = true
		case "fieldpath":
			r.FieldPath = true
		case "required":
			r.Require = true
		case "min", "max":
			n, err := strconv.Atoi(val)
			if err != nil {
				return r, fmt.Errorf("validate tag %q: %s wants an integer", tag, name)
			}
			if name == "min" {
				r.Min = &n
			} else {
				r.Max = &n
			}
		case "keys":
			r.Keys = val
		default:
			return r, fmt.Errorf("validate tag %q: unknown item %q", tag, name)
		}
	}
	return r, nil
}

// Field is one key of a config section.
type Field struct {
	Name  string // the YAML key
	Index []int  // the struct field's index path (reflect.Type.FieldByIndex)
	Rule  Rule
}

// Fields lists the YAML keys of a config struct type in declaration order,
// with the keys of `yaml:",inline"` structs in place.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if opts == "inline" && f.Type.Kind() == reflect.Struct {
			for _, in := range Fields(f.Type) {
				in.Index = append([]int{i}, in.Index...)
				out = append(out, in)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		r, err := ParseRule(f.Tag.Get("validate"))
		if err != nil {
			panic(fmt.Sprintf("config.%s.%s: %v", t.Name(), f.Name, err)) // a programming error, caught by every test
		}
		out = append(out, Field{Name: name, Index: []int{i}, Rule: r})
	}
	return out
}

// validator walks the YAML tree alongside the config types.
type validator struct {
	path    string
	dir     string // "" skips the file system checks
	err     *Error
	rulePos map[string]Pos
}

func (v *validator) fail(n *yaml.Node, format string, args ...any) {
	if v.err == nil {
		v.err = &Error{Path: v.path, Line: n.Line, Col: n.Column, Msg: fmt.Sprintf(format, args...)}
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func (v *validator) walk(n *yaml.Node, t reflect.Type, key string, r Rule) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v.err != nil || isNull(n) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return // the decoder reports the type error
		}
		fields := Fields(t)
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Name
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			idx := -1
			for j, f := range fields {
				if f.Name == k.Value {
					idx = j
				}
			}
			if idx < 0 {
				sect := key
				if sect == "" {
					sect = "config"
				}
				v.fail(k, "unknown key %q in %s section%s", k.Value, sect, suggest.DidYouMean(k.Value, names))
				return
			}
			f := fields[idx]
			v.walk(val, t.FieldByIndex(f.Index).Type, join(key, f.Name), f.Rule)
		}
		for _, f := range fields {
			if f.Rule.Require && mapValue(n, f.Name) == nil {
				v.fail(n, "%s: %s is required", key, f.Name)
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for i, e := range n.Content {
			v.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", key, i), r)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if r.Keys == "rule" {
				if _, seen := v.rulePos[k.Value]; !seen {
					v.rulePos[k.Value] = Pos{k.Line, k.Column}
				}
			}
			v.walk(n.Content[i+1], t.Elem(), join(key, k.Value), Rule{Enum: r.Enum, Glob: r.Glob, Root: r.Root, File: r.File,
				Duration: r.Duration, URL: r.URL, EnvVar: r.EnvVar, GoIdent: r.GoIdent, Event: r.Event, FieldPath: r.FieldPath, Min: r.Min, Max: r.Max})
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return
		}
		if t == durationType {
			r.Duration = true
		}
		v.scalar(n, key, r)
	}
}

var durationType = reflect.TypeOf(time.Duration(0))

// Patterns of the envvar and goident checks, shared with the JSON Schema.
const (
	EnvVarPattern  = `^[A-Za-z_][A-Za-z0-9_]*$`
	GoIdentPattern = `^[A-Za-z_][A-Za-z0-9_]*$`
	EventPattern   = `^([^\s\\]+/)?v[1-9][0-9]*(\.[^/\\\s]+)?$`
	// FieldPathPattern is a field name or a dotted path (context.id): no
	// empty segment, no white space, no JSON pointer or pattern characters.
	FieldPathPattern = `^[^.\s/*\[\]#$]+(\.[^.\s/*\[\]#$]+)*$`
)

var (
	envVarRE = regexp.MustCompile(EnvVarPattern)
	goIdent  = regexp.MustCompile(GoIdentPattern)
	eventRE  = regexp.MustCompile(EventPattern)
	fieldRE  = regexp.MustCompile(FieldPathPattern)
)

func (v *validator) scalar(n *yaml.Node, key string, r Rule) {
	s := n.Value
	switch {
	case r.Require && s == "":
		v.fail(n, "%s must not be empty", key)
	case len(r.Enum) > 0 && !contains(r.Enum, s):
		v.fail(n, "%s: unknown value %q (want %s)%s", key, s, strings.Join(r.Enum, ", "), suggest.DidYouMean(s, r.Enum))
	case r.Glob:
		if err := CheckGlob(s); err != nil {
			v.fail(n, "%s: %v", key, err)
		}
	case r.Duration:
		if d, err := time.ParseDuration(s); err != nil || d <= 0 {
			v.fail(n, "%s: invalid duration %q (want a positive Go duration such as 10s or 1m30s)", key, s)
		}
	case r.URL:
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.fail(n, "%s: invalid URL %q (want http://host:port or https://host)", key, s)
		}
	case r.EnvVar && !envVarRE.MatchString(s):
		v.fail(n, "%s: %q is not an environment variable name", key, s)
	case r.GoIdent && (!goIdent.MatchString(s) || token.IsKeyword(s)):
		v.fail(n, "%s: %q is not a valid Go package name", key, s)
	case r.FieldPath && !fieldRE.MatchString(s):
		v.fail(n, "%s: %q can never match a field: write a field name or a dotted path like context.id (no empty segment, spaces, /, *, [, ], # or $)", key, s)
	case r.Event && !eventRE.MatchString(s):
		v.fail(n, "%s: %q is neither an event type (v1.OrderPlaced) nor a major version (v1)", key, s)
	case r.Min != nil || r.Max != nil:
		i, err := strconv.Atoi(s)
		if err != nil {
			return // the decoder reports the type error
		}
		if (r.Min != nil && i < *r.Min) || (r.Max != nil && i > *r.Max) {
			v.fail(n, "%s: %d is out of range (want %s to %s)", key, i, deref(r.Min), deref(r.Max))
		}
	case (r.Root || r.File) && v.dir != "":
		v.path1(n, key, r.Root)
	}
}

// path1 checks that a path of the config names an existing directory (or
// file), suggesting a near name from its parent directory when it does not.
func (v *validator) path1(n *yaml.Node, key string, wantDir bool) {
	p := n.Value
	full := p
	if !filepath.IsAbs(p) {
		full = filepath.Join(v.dir, p)
	}
	kind := "file"
	if wantDir {
		kind = "directory"
	}
	fi, err := os.Stat(full)
	switch {
	case err == nil && fi.IsDir() == wantDir:
		return
	case err == nil:
		v.fail(n, "%s: %s is not a %s", key, p, kind)
		return
	}
	var names []string
	if ents, err := os.ReadDir(filepath.Dir(full)); err == nil {
		for _, e := range ents {
			if e.IsDir() == wantDir {
				names = append(names, e.Name())
			}
		}
	}
	hint := ""
	if c := suggest.Closest(filepath.Base(p), names); c != "" {
		hint = fmt.Sprintf("; did you mean %q?", filepath.Join(filepath.Dir(p), c))
	} else if wantDir {
		return // no near name: not a typo; the commands report a missing root
	}
	v.fail(n, "%s: %s %s does not exist (relative to %s)%s", key, kind, p, relDir(v.dir), hint)
}

func relDir(d string) string {
	if d == "" || d == "." {
		return "the config's directory"
	}
	return d
}

// CheckGlob reports a malformed path glob.
func CheckGlob(g string) error {
	if g == "" {
		return fmt.Errorf("empty glob")
	}
	if strings.Contains(g, `\`) {
		return fmt.Errorf("glob %q: use / as the path separator", g)
	}
	if filepath.IsAbs(g) {
		return fmt.Errorf("glob %q is absolute; globs match paths relative to the repository", g)
	}
	for _, part := range strings.Split(g, "/") {
		if part == "**" {
			continue
		}
		if strings.Contains(part, "**") {
			return fmt.Errorf("glob %q: ** must be a whole path element, as in a/**/b", g)
		}
		if _, err := filepath.Match(part, ""); err != nil {
			return fmt.Errorf("glob %q: malformed pattern %q (an unclosed [ or a trailing \\)", g, part)
		}
	}
	return nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func deref(p *int) string {
	if p == nil {
		return "any"
	}
	return strconv.Itoa(*p)
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
