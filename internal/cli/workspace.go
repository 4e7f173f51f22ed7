package cli

import (
	"os"
	"path/filepath"
	"strings"
)

// workspace locates a run: the working directory, the catalog root (the
// directory of evctl.yaml; without one, the nearest directory at or above
// the working directory, up to the git top level, that holds the default
// schema root schemas/; else the git top level, else the working directory)
// and the repository top level. Catalog paths are relative to the
// root, so that a command gives the same findings from any directory.
type workspace struct {
	cwd, root, top string // absolute
}

func newWorkspace(cwd, configDir, defaultRoot string) workspace {
	w := workspace{cwd: cwd}
	w.top = gitTop(cwd)
	switch {
	case configDir != "":
		w.root = absFrom(cwd, configDir)
		if t := gitTop(w.root); t != "" {
			w.top = t
		}
	case holding(cwd, w.top, defaultRoot) != "":
		w.root = holding(cwd, w.top, defaultRoot)
	case w.top != "":
		w.root = w.top
	default:
		w.root = cwd
	}
	if w.top == "" {
		w.top = w.root
	}
	return w
}

func absFrom(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}

// holding is the nearest directory from dir up to top (or the file system
// root when top is "") that has a subdirectory named sub, or "".
func holding(dir, top, sub string) string {
	if sub == "" {
		return ""
	}
	for d := dir; ; {
		if fi, err := os.Stat(filepath.Join(d, sub)); err == nil && fi.IsDir() {
			return d
		}
		parent := filepath.Dir(d)
		if d == top || parent == d {
			return ""
		}
		d = parent
	}
}

// gitTop is the nearest directory at or above dir holding .git, or "".
func gitTop(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// fromArg turns a path given on the command line (relative to the working
// directory) into a catalog path (relative to the root, slash-separated).
func (w workspace) fromArg(p string) string {
	return relSlash(w.root, absFrom(w.cwd, p))
}

// display turns a catalog path into one relative to the working directory,
// as compilers print them. Paths that name no file of the working tree
// ("git:HEAD:schemas/…") are left as they are.
func (w workspace) display(p string) string {
	if p == "" || strings.Contains(p, ":") {
		return p
	}
	return relSlash(w.cwd, absFrom(w.root, filepath.FromSlash(p)))
}

// repo turns a catalog path into one relative to the repository top level,
// where GitHub annotations and SARIF results attach.
func (w workspace) repo(p string) string {
	if p == "" || strings.Contains(p, ":") {
		return p
	}
	return relSlash(w.top, absFrom(w.root, filepath.FromSlash(p)))
}

func relSlash(base, target string) string {
	r, err := filepath.Rel(base, target)
	if err != nil {
		return filepath.ToSlash(target)
	}
	return filepath.ToSlash(r)
}
