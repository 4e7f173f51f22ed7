package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/diag"
)

const flagReport = "report"

// report is one --report FORMAT=FILE: the findings written to FILE in
// FORMAT besides the output on stdout.
type report struct{ Format, Path string }

func addReportFlag(cmd *cobra.Command, specs *[]string) {
	cmd.Flags().StringArrayVar(specs, flagReport, nil, "also write the findings as FORMAT to FILE (FORMAT=FILE: json, github, sarif, markdown or text; repeatable)")
}

func parseReports(specs []string) ([]report, error) {
	var out []report
	for _, s := range specs {
		f, p, ok := strings.Cut(s, "=")
		if !ok || p == "" {
			return nil, usageError("invalid --report %q (want FORMAT=FILE, e.g. sarif=evctl.sarif)", s)
		}
		if !slices.Contains(diag.Formats, f) {
			return nil, usageError("invalid --report format %q (want %s)", f, strings.Join(diag.Formats, ", "))
		}
		out = append(out, report{Format: f, Path: p})
	}
	return out, nil
}

// writeReports writes each report; a file that cannot be written is an
// input error (exit 3).
func writeReports(reports []report, p diag.Printer, ds []diag.Diagnostic, sum diag.Summary) error {
	p.Color = false
	for _, r := range reports {
		if dir := filepath.Dir(r.Path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return inputError(fmt.Errorf("write report: %w", err))
			}
		}
		f, err := os.Create(r.Path)
		if err != nil {
			return inputError(fmt.Errorf("write report: %w", err))
		}
		p.Format = r.Format
		err = p.Print(f, ds, sum)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return inputError(fmt.Errorf("write report %s: %w", r.Path, err))
		}
	}
	return nil
}
