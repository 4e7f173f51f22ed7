package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/contract"
	"github.com/evctl/evctl/internal/findings"
	"github.com/evctl/evctl/internal/lint"
)

func newRulesCmd(app *App) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the lint rules",
		Long:  "List every lint rule with its default severity, the severity configured in evctl.yaml, and its doc.\n" + exitStatusHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, []string{"text", "json"}); err != nil {
				return err
			}
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			if err := validateConfig(cfg); err != nil {
				return err
			}
			if format == "json" {
				type ruleJSON struct {
					ID         string `json:"id"`
					Default    string `json:"default"`
					Configured string `json:"configured"`
					Doc        string `json:"doc"`
				}
				var out []ruleJSON
				for _, r := range lint.All() {
					out = append(out, ruleJSON{ID: r.ID, Default: string(r.Default), Configured: string(lint.Severity(cfg, r)), Doc: r.Doc})
				}
				for _, r := range contract.Rules() {
					out = append(out, ruleJSON{ID: r.ID, Default: string(r.Default), Configured: string(contract.Severity(cfg, r)), Doc: r.Doc})
				}
				enc := json.NewEncoder(app.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(app.IO.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tDEFAULT\tCONFIGURED\tDOC")
			for _, r := range lint.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Default, lint.Severity(cfg, r), r.Doc)
			}
			for _, r := range contract.Rules() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Default, contract.Severity(cfg, r), r.Doc)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&format, flagFormat, "f", "text", "output format: text or json")
	cmd.AddCommand(&cobra.Command{
		Use:   "explain ID",
		Short: "Explain any finding id: a lint rule (with a bad and a good example), a check id or a change type",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cr := contract.RuleByID(args[0]); cr != nil {
				_, err := fmt.Fprintf(app.IO.Out, "%s (default: %s)\n\n%s\n\nChecked by evctl lint and evctl check against the consumer contracts (contracts/<consumer>/<event-type>.yaml), and by evctl contract verify.\n\nBad:\n\n%s\n\nGood:\n\n%s\n", cr.ID, cr.Default, cr.Doc, indent(cr.Bad), indent(cr.Good))
				return err
			}
			in, ok := findings.Lookup(args[0])
			if !ok {
				return withHint(usageError("unknown finding id %q%s", args[0], findings.Suggest(args[0])),
					"`evctl rules` lists the lint rules; every id evctl prints can be explained")
			}
			var b strings.Builder
			fmt.Fprintf(&b, "%s (%s; default: %s)\n\n%s\n", in.ID, in.Kind, in.Default, in.Doc)
			if r := in.Rule; r != nil {
				if len(r.Formats) > 0 {
					fmt.Fprintf(&b, "\nApplies to: %v\n", r.Formats)
				}
				if r.Policy != "" {
					fmt.Fprintf(&b, "\nPolicy:\n\n%s\n", indent(r.Policy))
				}
				fmt.Fprintf(&b, "\nBad:\n\n%s\n\nGood:\n\n%s\n", indent(r.Bad), indent(r.Good))
			}
			_, err := fmt.Fprint(app.IO.Out, b.String())
			return err
		},
	})
	return cmd
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "    " + l
		}
	}
	return strings.Join(lines, "\n")
}
