package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/scaffold"
	"github.com/evctl/evctl/internal/version"
)

type initOptions struct {
	Dir    string
	Format string
}

func newInitCmd(app *App) *cobra.Command {
	opts := &initOptions{}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Set up evctl in a repository: config, an example event, CI workflow, pre-commit hook",
		Long: `Write what a repository needs to be gated by evctl, in DIR (default: the
current directory):

  evctl.yaml                     the config, commented, with a
                                 yaml-language-server $schema line for editors
  schemas/v1/OrderPlaced.json    an example event that lints clean (--format
                                 picks json, yaml or avro); not written when
                                 the schema root already holds schemas
  .github/workflows/evctl.yml    a pull request workflow using the evctl action
  .pre-commit-config.yaml        the evctl-lint hook: the file is created, or
                                 the hook is appended to its repos: list

In a subdirectory of a git repository, the workflow (running the action in
DIR) and the pre-commit config go at the repository's top.

init never overwrites a file: it lists what it skipped and why. When
evctl.yaml exists, the example goes under its first root. Right after init,
evctl lint and evctl check --against git:HEAD pass.
` + exitStatusHelp,
		Example: `  $ evctl init
  $ evctl init --format avro
  $ evctl init services/orders`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = "."
			if len(args) == 1 {
				opts.Dir = args[0]
			}
			return runInit(app, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, flagFormat, "json", "format of the example event: json, yaml or avro")
	return cmd
}

func runInit(app *App, opts *initOptions) error {
	if err := checkFormat(opts.Format, scaffold.Formats); err != nil {
		return err
	}
	if fi, err := os.Stat(opts.Dir); err != nil || !fi.IsDir() {
		return usageError("init: %s is not a directory", opts.Dir)
	}
	plan, err := scaffold.Plan(opts.Dir, scaffold.Options{Format: opts.Format, Version: version.String()})
	if err != nil {
		return err
	}
	if err := scaffold.Apply(opts.Dir, plan); err != nil {
		return inputError(fmt.Errorf("init: %w", err))
	}
	created := 0
	for _, f := range plan {
		// Paths relative to the working directory.
		f.Path = filepath.ToSlash(filepath.Join(opts.Dir, filepath.FromSlash(f.Path)))
		switch f.Action {
		case scaffold.Create:
			created++
			fmt.Fprintf(app.IO.Out, "created  %s\n", f.Path)
		case scaffold.Append:
			created++
			fmt.Fprintf(app.IO.Out, "appended %s (the evctl-lint hook)\n", f.Path)
		case scaffold.Skip:
			reason, rest, _ := strings.Cut(f.Reason, "\n")
			fmt.Fprintf(app.IO.Out, "skipped  %s: %s\n", f.Path, reason)
			if rest != "" {
				fmt.Fprint(app.IO.Out, rest)
			}
		}
	}
	if created > 0 {
		fmt.Fprintln(app.IO.ErrOut, "next: evctl lint, then commit; pull requests are checked by .github/workflows/evctl.yml")
	}
	return nil
}
