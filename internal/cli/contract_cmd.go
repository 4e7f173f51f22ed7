package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/evctl/evctl/internal/registry/client"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/baseline"
	"github.com/evctl/evctl/internal/config"
	"github.com/evctl/evctl/internal/contract"
	"github.com/evctl/evctl/internal/diag"
	"github.com/evctl/evctl/internal/schema"
	"github.com/evctl/evctl/internal/suggest"
)

func newContractCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "contract",
		Short: "Consumer contracts: verify them, list who reads what, write example events",
		Long: `A consumer contract, contracts/<consumer>/<event-type>.yaml (the directory is
contracts: in evctl.yaml), is owned by the consuming team and declares the
fields it reads:

  consumer: email-service
  event: v1.OrderPlaced
  reads:
    order_id: {type: string}
    status: {type: string, enum: [PLACED, PAID], unknown: fail}
    gift_note: {type: string, optional: true}
    lines[].sku: {type: string}
    shipping_address.city: {type: string}
  tolerates_new_fields: true

Paths use . for nesting and [] for array items, in Avro and JSON Schema alike.
type is one of string, integer, number, boolean, object, array, bytes; an
integer satisfies number. A read is required unless optional: true. With an
enum, unknown: fail (the default) means a value outside it breaks the consumer;
unknown: ignore means the consumer skips it. tolerates_new_fields: false makes
a field added next to a read field a break (default true).

evctl lint and evctl check check every contract on the producer's side;
evctl contract verify checks them on the consumer's side.
` + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withHint(usageError("contract needs a subcommand: verify, list, examples, import or serve-examples"), "run 'evctl contract --help'")
		},
	}
	cmd.AddCommand(newContractVerifyCmd(app), newContractListCmd(app), newContractExamplesCmd(app), newContractImportCmd(app), newContractServeExamplesCmd(app))
	return cmd
}

type verifyOptions struct {
	Against  string
	Schemas  []string
	Format   string
	Registry registryFlags
}

func newContractVerifyCmd(app *App) *cobra.Command {
	opts := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [CONTRACT...] --against SOURCE",
		Short: "The consumer's CI gate: check contracts against every live version of the producer's schemas",
		Long: `Check the consumer's contracts (the files given, else every contract under the
contracts directory) against the producer's schemas from SOURCE, and fail when
the producer may send something a contract does not handle: a field or event
it reads that is absent, optional or nullable, of another type, or an enum
value it does not list.

  git:<ref>    the schemas of a ref of the local repository, under --schemas
               (default: the roots of evctl.yaml); fetch the producer's
               repository first, e.g. git fetch <producer-url> main, then
               --against git:FETCH_HEAD
  dir:<path>   the producer's catalog on disk
  registry     every live version of each event's subject in the registry
               (see evctl push for the subject names); an event with no live
               version is an error

Findings are located in the contract, with the schema position beside them.
` + exitStatusHelp,
		Example: `  $ git fetch https://github.com/acme/order-events main
  $ evctl contract verify --against git:FETCH_HEAD
  $ evctl contract verify --against registry --registry-url https://sr.acme.example
  $ evctl contract verify contracts/email-service/v1.OrderPlaced.yaml --against dir:../order-events/schemas`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContractVerify(cmd.Context(), app, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Against, flagAgainst, "", "the producer's schemas: git:<ref>, dir:<path> or registry (required)")
	f.StringSliceVar(&opts.Schemas, "schemas", nil, "schema roots inside the git ref (default: roots from evctl.yaml)")
	f.StringVarP(&opts.Format, flagFormat, "f", "text", "output format: text, json, github, sarif or markdown")
	addRegistryFlags(cmd, &opts.Registry)
	return cmd
}

// contractSet loads the contracts given, else the contracts directory; no
// contract at all is an input error.
func contractSet(cfg *config.Config, files []string) (*contract.Set, error) {
	var set *contract.Set
	var err error
	if len(files) > 0 {
		set, err = contract.LoadFiles(files)
		if err != nil {
			return nil, inputError(err)
		}
	} else {
		set, err = loadContracts(cfg)
		if err != nil {
			return nil, err
		}
	}
	if len(set.Contracts) == 0 && len(set.Errors) == 0 {
		dir, _ := contractsDir(cfg)
		return nil, inputError(fmt.Errorf("no contracts found in %s (contracts/<consumer>/<event-type>.yaml)", dir))
	}
	return set, nil
}

func runContractVerify(ctx context.Context, app *App, opts *verifyOptions, args []string) error {
	if err := checkFormat(opts.Format, diag.Formats); err != nil {
		return err
	}
	if opts.Against == "" {
		return withHint(usageError("contract verify needs --against (git:<ref>, dir:<path> or registry)"),
			"fetch the producer's repository and pass --against git:FETCH_HEAD, or --against registry")
	}
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	set, err := contractSet(cfg, args)
	if err != nil {
		return err
	}
	var fs []contract.Finding
	var title string
	if opts.Against == againstRegistryKeyword {
		c, err := app.registryClient(cfg, &opts.Registry)
		if err != nil {
			return err
		}
		title = "registry " + c.URL()
		fs, err = verifyRegistry(ctx, cfg, c, set)
		if err != nil {
			var re *client.Error
			if errors.As(err, &re) {
				return registryError(err)
			}
			return err
		}
	} else {
		ws, err := app.Workspace()
		if err != nil {
			return err
		}
		src, err := baseline.Parse(opts.Against, ws.root, ws.fromArg)
		if err != nil {
			return err
		}
		paths, _ := catalogPaths(ws, cfg, opts.Schemas)
		files, err := src.Files(ctx, paths)
		if err != nil {
			return err
		}
		if len(files) == 0 {
			return inputError(fmt.Errorf("no schema files in %s under %s", src.Describe(), strings.Join(paths, ", ")))
		}
		cat := schema.LoadSourcesWith(files, schema.LoadOptions{Unchecked: true, Roots: cfg.Roots, Shared: cfg.Shared})
		if len(cat.Errors) > 0 {
			e := cat.Errors[0]
			return inputError(fmt.Errorf("%s:%s:%d:%d: the producer's schema does not parse: %s", src.Describe(), e.Path, e.Pos.Line, e.Pos.Col, e.Msg))
		}
		title = src.Describe()
		fs = contract.Verify(set, cat, src.Describe())
	}
	ds := diag.Sort(contract.ConsumerDiagnostics(cfg, fs, set.Errors))
	sum := diag.Summarize(ds, len(set.Contracts)+len(set.Errors))
	tool := toolInfo()
	p := diag.Printer{Format: opts.Format, Color: app.UseColor(), Tool: tool, Title: "evctl contract verify against " + title}
	if err := p.Print(app.IO.Out, ds, sum); err != nil {
		return err
	}
	if opts.Format == "text" {
		fmt.Fprintf(app.IO.ErrOut, "verified %d contract(s) against %s: %d error(s), %d warning(s)\n", len(set.Contracts), title, sum.Errors, sum.Warnings)
	}
	switch {
	case len(set.Errors) > 0:
		return silentExit(ExitInput)
	case sum.Errors > 0:
		return silentExit(ExitFindings)
	}
	return nil
}

// verifyRegistry verifies each contract against every live version of its
// event's subject.
func verifyRegistry(ctx context.Context, cfg *config.Config, c *client.Client, set *contract.Set) ([]contract.Finding, error) {
	namer, err := subjectNamer(cfg)
	if err != nil {
		return nil, err
	}
	if namer.Strategy == client.StrategyTopicRecord {
		return nil, usageError("contract verify --against registry supports subject_strategy record and topic, not topic_record")
	}
	var fs []contract.Finding
	for _, ct := range set.Contracts {
		one := &contract.Set{Contracts: []*contract.Contract{ct}}
		subject, err := namer.Subject(client.SubjectInput{EventType: ct.Event})
		if err != nil {
			return nil, usageError("%s: %w", ct.File, err)
		}
		versions, err := c.Versions(ctx, subject)
		if err != nil {
			return nil, err
		}
		if len(versions) == 0 {
			fs = append(fs, contract.Verify(one, &schema.Catalog{}, "registry subject "+subject)...)
			continue
		}
		for _, v := range versions {
			reg, err := c.Version(ctx, subject, v)
			if err != nil {
				return nil, err
			}
			ext := ".avsc"
			switch strings.ToUpper(reg.Type) {
			case "", "AVRO":
			case "JSON":
				ext = ".json"
			default:
				return nil, inputError(fmt.Errorf("subject %s version %d is %s; contracts cover Avro and JSON Schema", subject, v, reg.Type))
			}
			path := strings.ReplaceAll(ct.Event, ".", "/") + ext
			cat := schema.LoadSourcesWith([]schema.FileSource{{Path: path, Data: []byte(reg.Text)}}, schema.LoadOptions{Unchecked: true})
			label := fmt.Sprintf("registry:%s/versions/%d", subject, v)
			if len(cat.Errors) > 0 {
				return nil, inputError(fmt.Errorf("%s: the registered schema does not parse: %s", label, cat.Errors[0].Msg))
			}
			fs = append(fs, contract.Verify(one, cat, label)...)
		}
	}
	return fs, nil
}

func newContractListCmd(app *App) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list [PATH...]",
		Short: "Show, per event, its consumers, the fields each reads, and the fields no consumer reads",
		Long: `List every event of the catalog (PATH, default the roots of evctl.yaml) and
every event a contract names, with the consumers that have a contract on it
and the field paths each reads, and the leaf fields no consumer reads:
candidates for removal in the next major version.
` + exitStatusHelp,
		Example: `  $ evctl contract list
  $ evctl contract list -f markdown > CONSUMERS.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, []string{"text", "json", "markdown"}); err != nil {
				return err
			}
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			cat, _, err := loadCatalog(app, cfg, args)
			if err != nil {
				return err
			}
			if len(cat.Errors) > 0 {
				e := cat.Errors[0]
				return inputError(fmt.Errorf("%s:%d:%d: %s", e.Path, e.Pos.Line, e.Pos.Col, e.Msg))
			}
			set, err := loadContracts(cfg)
			if err != nil {
				return err
			}
			if len(set.Errors) > 0 {
				return inputError(set.Errors[0])
			}
			return printUsage(app, format, contract.Usage(set, cat))
		},
	}
	cmd.Flags().StringVarP(&format, flagFormat, "f", "text", "output format: text, json or markdown")
	return cmd
}

func printUsage(app *App, format string, us []contract.EventUsage) error {
	w := app.IO.Out
	switch format {
	case "json":
		if us == nil {
			us = []contract.EventUsage{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(us)
	case "markdown":
		fmt.Fprintln(w, "| Event | Consumer | Reads |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, u := range us {
			for _, c := range u.Consumers {
				fmt.Fprintf(w, "| `%s` | %s | %s |\n", u.Event, c.Consumer, codeList(c.Reads))
			}
			if len(u.Consumers) == 0 {
				fmt.Fprintf(w, "| `%s` | (none) | |\n", u.Event)
			}
			if len(u.Unread) > 0 && len(u.Consumers) > 0 {
				fmt.Fprintf(w, "| `%s` | *unread by any consumer* | %s |\n", u.Event, codeList(u.Unread))
			}
		}
		return nil
	}
	width := len("  unread")
	for _, u := range us {
		width = max(width, len(u.Event))
		for _, c := range u.Consumers {
			width = max(width, 2+len(c.Consumer))
		}
	}
	for _, u := range us {
		file := u.File
		if file == "" {
			file = "not in the catalog"
		}
		fmt.Fprintf(w, "%-*s  (%s)\n", width, u.Event, file)
		if len(u.Consumers) == 0 {
			fmt.Fprintln(w, "  no consumer contracts")
		}
		for _, c := range u.Consumers {
			fmt.Fprintf(w, "%-*s  %s\n", width, "  "+c.Consumer, strings.Join(c.Reads, ", "))
		}
		if len(u.Unread) > 0 && len(u.Consumers) > 0 {
			fmt.Fprintf(w, "%-*s  %s\n", width, "  unread", strings.Join(u.Unread, ", "))
		}
	}
	return nil
}

func codeList(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return strings.Join(out, ", ")
}

func newContractExamplesCmd(app *App) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "examples EVENT [--out DIR]",
		Short: "Write schema-valid edge-case events of an event type for the consumer's handler tests",
		Long: `Write example events of EVENT (an event type of the catalog, such as
v1.OrderPlaced) that the schema accepts, one per edge case: every field
present (all-fields), only the required ones (required-only), each enum value
(status=REFUNDED), each optional field absent (gift_note-absent), the least and
greatest numbers (lines[].quantity-min, -max), empty and long strings, empty
arrays, and unknown extra fields where the JSON Schema model is open
(unknown-fields). Feed them to the consumer's handler in its tests, so that a
value it does not handle fails by execution too.

JSON Schema events are plain JSON; Avro events are in Avro's JSON encoding
(unions as {"type": value}), which kafka-avro-console-producer and avro-tools
read. With --out, each example is written to DIR/<event>.<case>.json; without
it, the examples are printed as JSON lines {"event", "case", "value"}.
` + exitStatusHelp,
		Example: `  $ evctl contract examples v1.OrderPlaced --out testdata/events
  $ evctl contract examples v1.OrderPlaced | jq -c .value`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			cat, _, err := loadCatalog(app, cfg, nil)
			if err != nil {
				return err
			}
			ev := cat.ByKey(args[0])
			if ev == nil {
				for _, e := range cat.Errors {
					fmt.Fprintf(app.IO.ErrOut, "evctl: %s:%d:%d: %s\n", e.Path, e.Pos.Line, e.Pos.Col, e.Msg)
				}
				var types []string
				for _, e := range cat.Events {
					types = append(types, e.Type)
				}
				return inputError(fmt.Errorf("event %s is not in the catalog%s", args[0], suggest.DidYouMean(args[0], types)))
			}
			exs, err := contract.Examples(ev)
			if err != nil {
				return inputError(fmt.Errorf("%s: %w", ev.Path, err))
			}
			if out == "" {
				enc := json.NewEncoder(app.IO.Out)
				for _, ex := range exs {
					line := struct {
						Event string          `json:"event"`
						Case  string          `json:"case"`
						Value json.RawMessage `json:"value"`
					}{ev.Type, ex.Name, json.RawMessage(bytes.TrimSpace(ex.JSON))}
					if err := enc.Encode(line); err != nil {
						return err
					}
				}
				return nil
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return inputError(err)
			}
			for _, ex := range exs {
				p := filepath.Join(out, ev.Type+"."+exampleFileName(ex.Name)+".json")
				if err := os.WriteFile(p, ex.JSON, 0o644); err != nil {
					return inputError(err)
				}
			}
			fmt.Fprintf(app.IO.ErrOut, "wrote %d example(s) of %s to %s\n", len(exs), ev.Type, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write <event>.<case>.json files to (default: JSON lines on stdout)")
	return cmd
}

// exampleFileName makes a case name safe as a file name: lines[].sku=A/B
// becomes lines_.sku=A_B.
func exampleFileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '/', '\\', '[', ']', ':', '*', '?', '"', '<', '>', '|', ' ':
			return '_'
		}
		return r
	}, s)
}

func newContractImportCmd(app *App) *cobra.Command {
	var out, event string
	cmd := &cobra.Command{
		Use:   "import PACT.json... [--out DIR]",
		Short: "Convert Pact V3/V4 message pacts into contract files",
		Long: `Convert the message interactions of Pact V3 message pacts and V4 pacts
(Asynchronous/Messages) into contracts, <out>/<consumer>/<event-type>.yaml
(--out default: the contracts directory). The leaves of each message's
contents become reads; the type, integer, decimal and boolean matchers
become types; a regex matcher of the form ^(A|B)$ becomes an enum with
unknown: fail; arrays (eachLike) become [] paths. The event type is the
message metadata "event" (or eventType, event_type), else --event. Messages
of one consumer and event are merged into one contract; an existing contract
file is replaced. Each written contract is checked like every contract by
evctl lint and evctl check.
` + exitStatusHelp,
		Example: `  $ evctl contract import pacts/email-service-order-service.json
  $ evctl contract import --event v1.OrderPlaced --out contracts pact.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			if out == "" {
				out, _ = contractsDir(cfg)
			}
			n := 0
			for _, f := range args {
				data, err := readFile(f)
				if err != nil {
					return inputError(err)
				}
				cs, err := contract.ImportPact(data, event)
				if err != nil {
					return inputError(fmt.Errorf("%s: %w", f, err))
				}
				for _, c := range cs {
					p := filepath.Join(out, filepath.FromSlash(c.File))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						return inputError(err)
					}
					if err := os.WriteFile(p, contract.Format(c), 0o644); err != nil {
						return inputError(err)
					}
					fmt.Fprintf(app.IO.Out, "%s: %d read(s) of %s by %s\n", filepath.ToSlash(p), len(c.Reads), c.Event, c.Consumer)
					n++
				}
			}
			fmt.Fprintf(app.IO.ErrOut, "wrote %d contract(s)\n", n)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory to write <consumer>/<event-type>.yaml to (default: the contracts directory)")
	cmd.Flags().StringVar(&event, "event", "", "event type of messages whose metadata names none")
	return cmd
}

func newContractServeExamplesCmd(app *App) *cobra.Command {
	var addr string
	var pacts []string
	cmd := &cobra.Command{
		Use:   "serve-examples [PATH...] --pact PACT.json... [--addr HOST:PORT]",
		Short: "Answer the Pact verifier's message requests with schema-valid example events",
		Long: `Serve the message-provider endpoint the Pact verifier calls (POST
{"description": ...}) for the message interactions of the given pacts, so
that a producer team on Pact verifies its consumers' message pacts against
the schemas of the catalog (PATH, default the roots of evctl.yaml) instead
of hand-written provider code. Each message's event type is its metadata
"event" (or eventType, event_type). The answer is an example event of that
type (see evctl contract examples), in plain JSON, with the metadata in the
Pact-Message-Metadata header: the example of an enum value the pact's regex
does not allow when the schema has one, so the verifier fails on a value the
consumer does not handle; else the all-fields example. SIGINT or SIGTERM
stops the server.
` + exitStatusHelp,
		Example: `  $ evctl contract serve-examples --pact pacts/email-service-order-service.json --addr 127.0.0.1:8090 &
  $ pact verifier -f pacts/email-service-order-service.json -h 127.0.0.1 -p 8090`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(pacts) == 0 {
				return usageError("serve-examples needs --pact PACT.json")
			}
			cfg, err := app.Config()
			if err != nil {
				return err
			}
			cat, _, err := loadCatalog(app, cfg, args)
			if err != nil {
				return err
			}
			if len(cat.Errors) > 0 {
				e := cat.Errors[0]
				return inputError(fmt.Errorf("%s:%d:%d: %s", e.Path, e.Pos.Line, e.Pos.Col, e.Msg))
			}
			var msgs []contract.Message
			for _, f := range pacts {
				data, err := readFile(f)
				if err != nil {
					return inputError(err)
				}
				ms, err := contract.PactMessages(data, cat)
				if err != nil {
					return inputError(fmt.Errorf("%s: %w", f, err))
				}
				msgs = append(msgs, ms...)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return inputError(fmt.Errorf("listen on %s: %w", addr, err))
			}
			for _, m := range msgs {
				fmt.Fprintf(app.IO.ErrOut, "%q: %s example %s\n", m.Description, m.Event, m.Case)
			}
			fmt.Fprintf(app.IO.ErrOut, "serving %d message(s) on http://%s\n", len(msgs), ln.Addr())
			srv := &http.Server{Handler: contract.ExampleServer(msgs), ReadHeaderTimeout: 10 * time.Second}
			done := make(chan error, 1)
			go func() { done <- srv.Serve(ln) }()
			select {
			case <-cmd.Context().Done():
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				return srv.Shutdown(ctx)
			case err := <-done:
				return err
			}
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8090", "listen address (port 0 picks a free one)")
	cmd.Flags().StringSliceVar(&pacts, "pact", nil, "pact file whose message interactions to serve (repeatable)")
	return cmd
}

// subjectNamer checks registry.subject_strategy.
func subjectNamer(cfg *config.Config) (client.SubjectNamer, error) {
	n, err := client.NewSubjectNamer(cfg.Registry.SubjectStrategy, cfg.Registry.Topics)
	if err != nil {
		return n, usageError("%w", err)
	}
	return n, nil
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
