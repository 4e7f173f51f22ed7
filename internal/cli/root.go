package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/version"
)

const (
	flagConfig = "config"
	flagColor  = "color"
	flagFormat = "format"
	flagLevel  = "level"
)

func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "evctl",
		Short: "The contract gate for event schemas",
		Long: `evctl lints Avro and JSON Schema event definitions, checks compatibility
between versions with Confluent Schema Registry's exact verdicts, pushes
schemas to a registry, generates Go code, and serves a Confluent-compatible
registry.
` + exitStatusHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version.String(),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			switch app.ColorMode {
			case "auto", "always", "never":
			default:
				return usageError("invalid --color %q (want auto, always or never)", app.ColorMode)
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &flagError{err: err} })
	pf := root.PersistentFlags()
	pf.StringVar(&app.ConfigPath, flagConfig, "", "config file (default: evctl.yaml at the repository root)")
	pf.StringVar(&app.ColorMode, flagColor, "auto", "colour output: auto, always or never (NO_COLOR is honoured)")
	root.SetVersionTemplate("evctl {{.Version}}\n")

	root.AddCommand(
		newLintCmd(app),
		newRulesCmd(app),
		newCompatCmd(app),
		newDiffCmd(app),
		newCheckCmd(app),
		newContractCmd(app),
		newPushCmd(app),
		newRegistryCmd(app),
		newGenCmd(app),
		newWireCmd(app),
		newVersionCmd(app),
		newInitCmd(app),
		newDocsCmd(app),
	)
	return root
}

func newVersionCmd(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the evctl version",
		Long: `Print the evctl version: the one a release build stamps, else the module
version of a ` + "`go install github.com/evctl/evctl/cmd/evctl@vX`" + ` build, else "dev".
The same as --version.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(app.IO.Out, "evctl %s\n", version.String())
			return err
		},
	}
}
