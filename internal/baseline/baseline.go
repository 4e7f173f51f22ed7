// Package baseline owns the earlier versions check compares a catalog with:
// a git ref of the local repository (blobs, history following renames,
// files at any commit, shallow-clone boundaries) and an older catalog on
// disk. Errors are typed: *UsageError for a malformed --against, *InputError
// for a baseline that cannot be read.
package baseline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/evctl/evctl/internal/schema"
)

// UsageError is a malformed baseline specification (exit 2).
type UsageError struct {
	Msg, Hint string
}

func (e *UsageError) Error() string { return e.Msg }

// InputError is a baseline that cannot be read (exit 3), with a hint.
type InputError struct {
	Err  error
	Hint string
}

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

func inputError(err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Err: err}
}

func withHint(err error, hint string) error {
	var ue *UsageError
	if errors.As(err, &ue) {
		ue.Hint = hint
		return ue
	}
	var ie *InputError
	if errors.As(err, &ie) {
		ie.Hint = hint
		return ie
	}
	return &InputError{Err: err, Hint: hint}
}

// Source is where check finds the earlier versions of the catalog.
type Source interface {
	// Describe names the source for messages ("git:origin/main").
	Describe() string
	// Files returns the baseline schema files under the given catalog paths.
	Files(ctx context.Context, paths []string) ([]schema.FileSource, error)
	// History returns every committed version of a file, oldest first,
	// following renames. Sources without history return just the baseline.
	// A version's Path is "<commit>:<path>" when it comes from a commit.
	History(ctx context.Context, path string) ([]schema.FileSource, error)
	// FilesAt reads files as they were at a commit of the history; a file
	// absent there is left out.
	FilesAt(ctx context.Context, commit string, paths []string) (map[string][]byte, error)
}

// Parse reads an --against specification: git:<ref> or dir:<path>. root is
// the catalog root (paths are relative to it); rel turns a command-line path
// into a catalog path.
func Parse(s, root string, rel func(string) string) (Source, error) {
	switch {
	case strings.HasPrefix(s, "git:"):
		ref := strings.TrimPrefix(s, "git:")
		if ref == "" {
			return nil, usageError("--against git: needs a ref, e.g. git:origin/main or git:HEAD~1")
		}
		if strings.HasSuffix(ref, "/") || strings.HasPrefix(ref, "-") || strings.ContainsAny(ref, " \t\n") || strings.Contains(ref, "..") {
			return nil, withHint(usageError("invalid --against %q: want git:<ref>, e.g. git:origin/main or git:HEAD~1", s),
				"a ref ending in / usually means an empty variable, such as GITHUB_BASE_REF outside a pull request")
		}
		return &Git{ref: ref, dir: root}, nil
	case strings.HasPrefix(s, "dir:"):
		d := strings.TrimPrefix(s, "dir:")
		if d == "" {
			return nil, usageError("--against dir: needs a directory, e.g. dir:../old/schemas")
		}
		return &Dir{arg: d, dir: rel(d), root: root}, nil
	case s == "registry" || strings.HasPrefix(s, "registry:"):
		return nil, usageError("--against registry is handled by the registry client")
	}
	return nil, usageError("invalid --against %q (want git:<ref>, dir:<path> or registry)", s)
}

// Dir is an older catalog on disk; dir is relative to the catalog root,
// arg as the user gave it.
type Dir struct{ arg, dir, root string }

// Root is the directory, relative to the catalog root: the schema root of
// the baseline's files.
func (d *Dir) Root() string { return d.dir }

func (d *Dir) Describe() string { return "dir:" + d.arg }

func (d *Dir) Files(_ context.Context, _ []string) ([]schema.FileSource, error) {
	files, err := schema.Discover([]string{filepath.Join(d.root, filepath.FromSlash(d.dir))}, nil)
	if err != nil {
		return nil, inputError(err)
	}
	var out []schema.FileSource
	for _, abs := range files {
		f := relSlash(d.root, filepath.FromSlash(abs))
		data, err := readFile(abs)
		if err != nil {
			return nil, inputError(err)
		}
		out = append(out, schema.FileSource{Path: f, Data: data})
	}
	return out, nil
}

func (d *Dir) History(ctx context.Context, path string) ([]schema.FileSource, error) {
	data, err := readFile(filepath.Join(d.root, filepath.FromSlash(path)))
	if err != nil {
		return nil, inputError(err)
	}
	return []schema.FileSource{{Path: path, Data: data}}, nil
}

func (d *Dir) FilesAt(context.Context, string, []string) (map[string][]byte, error) {
	return nil, nil
}

// Git reads blobs of a ref from the local repository, without cloning.
type Git struct {
	ref    string
	commit string
	// dir is the catalog root, where git runs: paths are relative to it.
	dir string
	// paths are the catalog paths Files was asked for; History reads the
	// history of all of them in one pass.
	paths    []string
	histOnce sync.Once
	hist     map[string][]schema.FileSource
	histErr  error
	// truncated are the paths whose history reaches a shallow clone's
	// boundary: their earlier versions are unknown.
	truncated map[string]bool
}

func (g *Git) Describe() string { return "git:" + g.ref }

func git(ctx context.Context, dir string, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &out, &errb, stdin
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return out.Bytes(), fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(errb.String()))
		}
		return nil, fmt.Errorf("run git: %w", err)
	}
	return out.Bytes(), nil
}

func (g *Git) resolve(ctx context.Context) error {
	if g.commit != "" {
		return nil
	}
	if _, err := git(ctx, g.dir, nil, "rev-parse", "--git-dir"); err != nil {
		return inputError(fmt.Errorf("--against %s: not inside a git repository: %w", g.Describe(), err))
	}
	out, err := git(ctx, g.dir, nil, "rev-parse", "--verify", "--quiet", g.ref+"^{commit}")
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return withHint(inputError(fmt.Errorf("git ref %q not found in this repository", g.ref)), "fetch it with: "+g.fetchHint(ctx))
	}
	g.commit = strings.TrimSpace(string(out))
	return nil
}

// fetchHint is the git fetch command that makes the ref available.
func (g *Git) fetchHint(ctx context.Context) string {
	shallow := false
	if out, err := git(ctx, g.dir, nil, "rev-parse", "--is-shallow-repository"); err == nil {
		shallow = strings.TrimSpace(string(out)) == "true"
	}
	ref := g.ref
	if i := strings.IndexAny(ref, "~^"); i >= 0 {
		base := ref[:i]
		n := 1
		if rest := ref[i+1:]; rest != "" {
			if v, err := strconv.Atoi(rest); err == nil {
				n = v
			}
		}
		if shallow {
			return fmt.Sprintf("git fetch --deepen=%d", n)
		}
		if base == "HEAD" {
			return "git fetch --unshallow"
		}
		ref = base
	}
	if remote, branch, ok := strings.Cut(ref, "/"); ok && !strings.HasPrefix(ref, "refs/") {
		if remotes, err := git(ctx, g.dir, nil, "remote"); err == nil {
			for _, r := range strings.Fields(string(remotes)) {
				if r == remote {
					return fmt.Sprintf("git fetch --no-tags %s %s:refs/remotes/%s/%s", remote, branch, remote, branch)
				}
			}
		}
	}
	if shallow {
		return "git fetch --unshallow"
	}
	return fmt.Sprintf("git fetch origin %s", ref)
}

func (g *Git) Files(ctx context.Context, paths []string) ([]schema.FileSource, error) {
	if err := g.resolve(ctx); err != nil {
		return nil, err
	}
	g.paths = paths
	args := append([]string{"ls-tree", "-r", "-z", g.commit, "--"}, paths...)
	out, err := git(ctx, g.dir, nil, args...)
	if err != nil {
		return nil, inputError(err)
	}
	// Each entry is "<mode> <type> <object>\t<path>". Reading blobs by
	// object id spares git a tree walk per file.
	var names, objects []string
	for _, entry := range strings.Split(string(out), "\x00") {
		meta, name, ok := strings.Cut(entry, "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 3 || f[1] != "blob" {
			continue
		}
		if _, _, ok := schema.FormatOf(name); ok && !hiddenPath(name) {
			names = append(names, name)
			objects = append(objects, f[2])
		}
	}
	blobs, err := catObjects(ctx, g.dir, objects, names)
	if err != nil {
		return nil, inputError(err)
	}
	return blobs, nil
}

func hiddenPath(p string) bool {
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if strings.HasPrefix(part, ".") && part != "." && part != ".." {
			return true
		}
	}
	return false
}

// catObjects reads many blobs with one git cat-file --batch; specs are
// object ids or rev:path expressions, names the paths to report them under.
func catObjects(ctx context.Context, dir string, specs, names []string) ([]schema.FileSource, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	for _, s := range specs {
		in.WriteString(s)
		in.WriteByte('\n')
	}
	out, err := git(ctx, dir, &in, "cat-file", "--batch")
	if err != nil {
		return nil, err
	}
	r := bufio.NewReader(bytes.NewReader(out))
	res := make([]schema.FileSource, 0, len(specs))
	for i, n := range names {
		header, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("read git cat-file output: %w", err)
		}
		fields := strings.Fields(header)
		if len(fields) == 2 && fields[1] == "missing" {
			continue
		}
		if len(fields) < 3 || fields[1] != "blob" {
			return nil, fmt.Errorf("git cat-file %s: %s", specs[i], strings.TrimSpace(header))
		}
		size, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("git cat-file: bad size in %q", header)
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("read git blob %s: %w", n, err)
		}
		if _, err := r.ReadByte(); err != nil {
			return nil, fmt.Errorf("read git blob %s: %w", n, err)
		}
		res = append(res, schema.FileSource{Path: n, Data: data})
	}
	return res, nil
}

// shallowCommits are the boundary commits of a shallow clone (none in a
// full one).
func (g *Git) shallowCommits(ctx context.Context) (map[string]bool, error) {
	out, err := git(ctx, g.dir, nil, "rev-parse", "--is-shallow-repository")
	if err != nil {
		return nil, inputError(err)
	}
	if strings.TrimSpace(string(out)) != "true" {
		return nil, nil
	}
	p, err := git(ctx, g.dir, nil, "rev-parse", "--path-format=absolute", "--git-path", "shallow")
	if err != nil {
		return nil, inputError(err)
	}
	data, err := os.ReadFile(strings.TrimSpace(string(p)))
	if err != nil {
		return nil, inputError(fmt.Errorf("read the shallow clone's boundary: %w", err))
	}
	set := map[string]bool{}
	for _, l := range strings.Fields(string(data)) {
		set[l] = true
	}
	return set, nil
}

// FilesAt reads paths (relative to the catalog root) at a commit.
func (g *Git) FilesAt(ctx context.Context, commit string, paths []string) (map[string][]byte, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	specs := make([]string, len(paths))
	for i, p := range paths {
		specs[i] = commit + ":./" + p
	}
	blobs, err := catObjects(ctx, g.dir, specs, paths)
	if err != nil {
		return nil, inputError(err)
	}
	out := make(map[string][]byte, len(blobs))
	for _, b := range blobs {
		out[b.Path] = b.Data
	}
	return out, nil
}

// History lists every committed version of path reachable from the ref,
// following renames, oldest first, skipping consecutive duplicates. The
// history of the whole catalog is read once, with one git log and one git
// cat-file.
func (g *Git) History(ctx context.Context, path string) ([]schema.FileSource, error) {
	if err := g.resolve(ctx); err != nil {
		return nil, err
	}
	g.histOnce.Do(func() { g.hist, g.histErr = g.readHistory(ctx) })
	if g.histErr != nil {
		return nil, g.histErr
	}
	if g.truncated[path] {
		return nil, withHint(inputError(fmt.Errorf("the history of %s reaches the boundary of this shallow clone: its earlier versions cannot be checked", path)),
			"fetch the full history with `git fetch --unshallow` (GitHub Actions: actions/checkout with fetch-depth: 0)")
	}
	return g.hist[path], nil
}

// readHistory walks `git log --raw -M` from the ref, newest commit first,
// and collects for every file present at the ref the blob of each commit
// that touched it, following it back through renames.
func (g *Git) readHistory(ctx context.Context) (map[string][]schema.FileSource, error) {
	top, err := git(ctx, g.dir, nil, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, inputError(err)
	}
	prefix := strings.TrimSpace(string(top))
	paths := g.paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	args := append([]string{"log", "--raw", "--no-abbrev", "-M", "-z", "--format=%x01%H", g.commit, "--"}, paths...)
	out, err := git(ctx, g.dir, nil, args...)
	if err != nil {
		return nil, inputError(err)
	}
	type version struct{ commit, blob, path string }
	tracked := map[string]string{} // name at this point of history -> path at the ref
	versions := map[string][]version{}
	// Files present at the ref start out tracked under their own name.
	files, err := git(ctx, g.dir, nil, append([]string{"ls-tree", "-r", "-z", "--full-name", "--name-only", g.commit, "--"}, paths...)...)
	if err != nil {
		return nil, inputError(err)
	}
	for _, f := range strings.Split(string(files), "\x00") {
		if f != "" {
			tracked[f] = strings.TrimPrefix(f, prefix)
		}
	}
	shallow, err := g.shallowCommits(ctx)
	if err != nil {
		return nil, err
	}
	g.truncated = map[string]bool{}
	for _, rec := range strings.Split(string(out), "\x01") {
		if rec == "" {
			continue
		}
		commit, rest, _ := strings.Cut(rec, "\x00")
		commit = strings.TrimSpace(commit)
		fields := strings.Split(rest, "\x00")
		for i := 0; i < len(fields); i++ {
			meta := strings.TrimSpace(fields[i])
			if !strings.HasPrefix(meta, ":") {
				continue
			}
			m := strings.Fields(meta)
			if len(m) < 5 || i+1 >= len(fields) {
				break
			}
			status, blob := m[4], m[3]
			src := fields[i+1]
			dst := src
			i++
			if status[0] == 'R' || status[0] == 'C' {
				if i+1 >= len(fields) {
					break
				}
				dst = fields[i+1]
				i++
			}
			key, ok := tracked[dst]
			if !ok || status[0] == 'D' {
				continue
			}
			versions[key] = append(versions[key], version{commit: commit, blob: blob, path: dst})
			switch status[0] {
			case 'A', 'C':
				delete(tracked, dst) // created here: nothing older
				if shallow[commit] {
					// Or only seemingly created: the commit is a shallow
					// clone's boundary, whose parents are missing.
					g.truncated[key] = true
				}
			case 'R':
				delete(tracked, dst)
				tracked[src] = key
			}
		}
	}
	var specs, names []string
	seen := map[string]bool{}
	for _, vs := range versions {
		for _, v := range vs {
			if !seen[v.blob] {
				seen[v.blob] = true
				specs = append(specs, v.blob)
				names = append(names, v.blob)
			}
		}
	}
	blobs, err := catObjects(ctx, g.dir, specs, names)
	if err != nil {
		return nil, inputError(err)
	}
	data := make(map[string][]byte, len(blobs))
	for _, b := range blobs {
		data[b.Path] = b.Data
	}
	hist := make(map[string][]schema.FileSource, len(versions))
	for key, vs := range versions {
		var res []schema.FileSource
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			if len(res) > 0 && bytes.Equal(res[len(res)-1].Data, data[v.blob]) {
				continue
			}
			res = append(res, schema.FileSource{Path: v.commit[:12] + ":" + strings.TrimPrefix(v.path, prefix), Data: data[v.blob]})
		}
		hist[key] = res
	}
	return hist, nil
}

func relSlash(base, target string) string {
	r, err := filepath.Rel(base, target)
	if err != nil {
		return filepath.ToSlash(target)
	}
	return filepath.ToSlash(r)
}

func readFile(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}
