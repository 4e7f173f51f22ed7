package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/lint"
)

// applyBaseline allows the findings recorded in lint.baseline.
func applyBaseline(ws workspace, cfg *config.Config, ds []diag.Diagnostic) ([]diag.Diagnostic, error) {
	if cfg.Lint.Baseline == "" {
		return ds, nil
	}
	rel := filepath.ToSlash(filepath.Clean(cfg.Lint.Baseline))
	data, err := os.ReadFile(filepath.Join(ws.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, &config.Error{Path: cfg.Path, Msg: fmt.Sprintf("lint.baseline: cannot read %s: %v", rel, unwrapErr(err))}
	}
	b, err := lint.ReadBaseline(data)
	if err != nil {
		return nil, &config.Error{Path: cfg.Path, Msg: fmt.Sprintf("lint.baseline: %s: %v", rel, err)}
	}
	return b.Apply(ds, rel), nil
}

func unwrapErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// writeBaseline writes the findings as a baseline file.
func writeBaseline(app *App, path string, ds []diag.Diagnostic) error {
	var buf bytes.Buffer
	if err := lint.WriteBaseline(&buf, ds); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return inputError(fmt.Errorf("write baseline: %w", err))
	}
	n := 0
	for _, d := range ds {
		if !d.Allowed && (d.Severity == diag.Error || d.Severity == diag.Warning) && d.Rule != findings.StaleException {
			n++
		}
	}
	fmt.Fprintf(app.IO.ErrOut, "wrote %d finding(s) to %s; set lint.baseline: %s in evctl.yaml to accept them\n", n, path, filepath.ToSlash(path))
	return nil
}

// configFile is the config's path as a catalog path, for findings on it.
func configFile(ws workspace, cfg *config.Config) string {
	if cfg.Path == "" {
		return ""
	}
	return ws.fromArg(cfg.Path)
}
