package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/evctl/evctl/internal/registry/client"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evctl/evctl/internal/inspect"
	"github.com/evctl/evctl/internal/schema"
)

type wireOptions struct {
	Framing  string
	Base64   bool
	Schema   string
	SchemaID string
	Event    string
	Alias    string // --registry, alias of --registry-url
	Paths    []string
}

func newWireCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wire",
		Short: "Look inside messages: decode a frame to JSON, or encode JSON to a frame",
		Long: `wire decode names a message's framing and schema id, fetches the schema,
decodes and validates the payload, and prints the event as JSON. wire encode
does the reverse for an event type of the catalog.

Framings:
  confluent         0x00, the schema id (4 bytes, big-endian), the payload
  confluent-header  the bare payload; the schema id is in the __value_schema_id
                    header (pass it with --schema-id, as an integer or the
                    header's bytes in hex)
  glue              AWS Glue Schema Registry: 0x03, compression, schema version
                    UUID, payload (decode only; pass the schema with --schema)
  none              the bare payload (pass the schema with --schema or --schema-id)
  auto              detect from the first byte (decode; the default)
` + registryHelp,
	}
	cmd.AddCommand(newWireDecodeCmd(app), newWireEncodeCmd(app))
	return cmd
}

func addWireFlags(cmd *cobra.Command, o *wireOptions, rf *registryFlags) {
	addRegistryFlags(cmd, rf)
	f := cmd.Flags()
	f.StringVar(&o.Alias, "registry", "", "alias of --registry-url")
	f.BoolVar(&o.Base64, "base64", false, "the message is base64 text (decode input, encode output)")
	f.StringVar(&o.SchemaID, "schema-id", "", "schema id when the frame does not carry one: an integer, or a __value_schema_id header value in hex")
}

func (o *wireOptions) registryURL(rf *registryFlags) error {
	if o.Alias != "" {
		if rf.URL != "" && rf.URL != o.Alias {
			return usageError("--registry and --registry-url name different registries")
		}
		rf.URL = o.Alias
	}
	return nil
}

func newWireDecodeCmd(app *App) *cobra.Command {
	o := &wireOptions{}
	rf := &registryFlags{}
	cmd := &cobra.Command{
		Use:   "decode [FILE|-]",
		Short: "Decode a message and print the event as JSON (exit 1 when it does not validate)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWireDecode(cmd.Context(), app, o, rf, args)
		},
	}
	addWireFlags(cmd, o, rf)
	cmd.Flags().StringVar(&o.Framing, "framing", "auto", "auto, confluent, confluent-header, glue or none")
	cmd.Flags().StringVar(&o.Schema, "schema", "", "schema file (.avsc, .json, .yaml) to decode with instead of the registry's")
	return cmd
}

func newWireEncodeCmd(app *App) *cobra.Command {
	o := &wireOptions{}
	rf := &registryFlags{}
	cmd := &cobra.Command{
		Use:   "encode --event TYPE [FILE|-]",
		Short: "Validate a JSON event and write it as a frame (exit 1 when it does not validate)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWireEncode(cmd.Context(), app, o, rf, args)
		},
	}
	addWireFlags(cmd, o, rf)
	cmd.Flags().StringVar(&o.Framing, "framing", "confluent", "confluent, confluent-header (prints the payload; the id goes in the header) or none")
	cmd.Flags().StringVar(&o.Event, "event", "", "event type of the catalog, e.g. v1.OrderPlaced (required)")
	cmd.Flags().StringArrayVar(&o.Paths, "catalog", nil, "schema roots (default: roots of evctl.yaml)")
	return cmd
}

func readInput(app *App, args []string) ([]byte, string, error) {
	if len(args) == 0 || args[0] == "-" {
		b, err := io.ReadAll(app.IO.In)
		if err != nil {
			return nil, "", inputError(fmt.Errorf("read stdin: %w", err))
		}
		return b, "stdin", nil
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return nil, "", inputError(fmt.Errorf("read message: %w", err))
	}
	return b, args[0], nil
}

// eventFromText parses a schema text (from a file or the registry) into a
// one-event catalog.
func eventFromText(name, typ string, text []byte) (*schema.Event, error) {
	ext := ".json"
	switch {
	case strings.EqualFold(typ, "AVRO"):
		ext = ".avsc"
	case strings.EqualFold(typ, "JSON"):
	default:
		return nil, inputError(fmt.Errorf("schema %s is of type %s; evctl wire decodes AVRO and JSON", name, typ))
	}
	cat := schema.LoadSources([]schema.FileSource{{Path: name + ext, Data: text}})
	if len(cat.Errors) > 0 {
		return nil, inputError(fmt.Errorf("schema %s: %w", name, cat.Errors[0]))
	}
	// A registered schema stands alone: outside any v<N> directory it
	// loads as a shared definition, which is what is decoded here.
	all := cat.All()
	if len(all) != 1 {
		return nil, inputError(fmt.Errorf("schema %s: not an event schema", name))
	}
	return all[0], nil
}

func runWireDecode(ctx context.Context, app *App, o *wireOptions, rf *registryFlags, args []string) error {
	framing, err := inspect.ParseFraming(o.Framing)
	if err != nil {
		return usageError("%w", err)
	}
	if err := o.registryURL(rf); err != nil {
		return err
	}
	data, from, err := readInput(app, args)
	if err != nil {
		return err
	}
	if o.Base64 {
		data, err = base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
		if err != nil {
			return inputError(fmt.Errorf("%s: not base64: %w", from, err))
		}
	}
	fr, err := inspect.Split(data, framing)
	if err != nil {
		return inputError(fmt.Errorf("%s: %w", from, err))
	}
	if o.SchemaID != "" {
		if fr.SchemaID >= 0 {
			return usageError("the %s frame carries schema id %d; --schema-id is for frames without one", fr.Framing, fr.SchemaID)
		}
		id, err := inspect.ParseHeaderSchemaID(o.SchemaID)
		if err != nil {
			return usageError("--schema-id: %w", err)
		}
		fr.SchemaID = id
	}
	desc := fmt.Sprintf("framing %s", fr.Framing)
	if fr.SchemaID >= 0 {
		desc += fmt.Sprintf(", schema id %d", fr.SchemaID)
	}
	if fr.GlueSchemaVersion != "" {
		desc += ", Glue schema version " + fr.GlueSchemaVersion
	}
	var ev *schema.Event
	switch {
	case o.Schema != "":
		text, err := os.ReadFile(o.Schema)
		if err != nil {
			return inputError(fmt.Errorf("read schema: %w", err))
		}
		cat := schema.LoadSources([]schema.FileSource{{Path: filepath.Base(o.Schema), Data: text}})
		if len(cat.Errors) > 0 {
			return inputError(fmt.Errorf("schema %s: %w", o.Schema, cat.Errors[0]))
		}
		all := cat.All()
		if len(all) != 1 {
			return inputError(fmt.Errorf("schema %s: not an event schema", o.Schema))
		}
		ev = all[0]
		desc += ", schema " + o.Schema
	case fr.SchemaID >= 0:
		cfg, err := app.Config()
		if err != nil {
			return err
		}
		c, err := app.registryClient(cfg, rf)
		if err != nil {
			return err
		}
		s, err := c.SchemaByID(ctx, int(fr.SchemaID))
		if err != nil {
			return registryError(err)
		}
		if ev, err = eventFromText(fmt.Sprintf("schema-%d", fr.SchemaID), s.Type, []byte(s.Text)); err != nil {
			return err
		}
		desc += fmt.Sprintf(" (%s, from %s)", s.Type, c.URL())
	default:
		return usageError("the %s frame carries no schema id; pass --schema FILE or --schema-id ID", fr.Framing)
	}
	fmt.Fprintf(app.IO.ErrOut, "%s: %s\n", from, desc)
	out, err := inspect.Decode(ev, fr.Payload)
	var inv *inspect.InvalidError
	if errors.As(err, &inv) {
		fmt.Fprintf(app.IO.ErrOut, "%s: invalid: %s\n", from, inv.Msg)
		return silentExit(ExitFindings)
	}
	if err != nil {
		return inputError(err)
	}
	_, err = fmt.Fprintf(app.IO.Out, "%s\n", out)
	return err
}

func runWireEncode(ctx context.Context, app *App, o *wireOptions, rf *registryFlags, args []string) error {
	if o.Event == "" {
		return usageError("wire encode needs --event TYPE (e.g. v1.OrderPlaced)")
	}
	framing, err := inspect.ParseFraming(o.Framing)
	if err != nil {
		return usageError("%w", err)
	}
	if framing == inspect.Glue || framing == inspect.Auto {
		return usageError("wire encode writes --framing confluent, confluent-header or none")
	}
	if err := o.registryURL(rf); err != nil {
		return err
	}
	cfg, err := app.Config()
	if err != nil {
		return err
	}
	cat, _, err := loadCatalog(app, cfg, o.Paths)
	if err != nil {
		return err
	}
	var ev *schema.Event
	for _, e := range cat.Events {
		if e.Type == o.Event {
			ev = e
		}
	}
	if ev == nil {
		ws, err := app.Workspace()
		if err != nil {
			return err
		}
		paths, _ := catalogPaths(ws, cfg, o.Paths)
		return usageError("event type %q is not in the catalog (%s)", o.Event, strings.Join(paths, ", "))
	}
	for _, e := range cat.Errors {
		if e.Path == ev.Path {
			return inputError(fmt.Errorf("%s: %w", ev.Path, e))
		}
	}
	data, from, err := readInput(app, args)
	if err != nil {
		return err
	}
	payload, err := inspect.Encode(ev, data)
	var inv *inspect.InvalidError
	if errors.As(err, &inv) {
		fmt.Fprintf(app.IO.ErrOut, "%s: invalid: %s\n", from, inv.Msg)
		return silentExit(ExitFindings)
	}
	if err != nil {
		return inputError(err)
	}
	var id int64 = -1
	if o.SchemaID != "" {
		if id, err = inspect.ParseHeaderSchemaID(o.SchemaID); err != nil {
			return usageError("--schema-id: %w", err)
		}
	} else if framing != inspect.None {
		c, err := app.registryClient(cfg, rf)
		if err != nil {
			return err
		}
		subject, err := subjectFunc(cfg)
		if err != nil {
			return err
		}
		subj, err := subject(ev)
		if err != nil {
			return usageError("%w", err)
		}
		text := string(ev.Source)
		if ev.YAML {
			b, err := ev.Root.CompactJSON()
			if err != nil {
				return inputError(err)
			}
			text = string(b)
		}
		typ := "AVRO"
		if ev.Format == schema.JSONSchema {
			typ = "JSON"
		}
		r, found, err := c.Lookup(ctx, subj, client.Schema{Text: text, Type: typ})
		if err != nil {
			return registryError(err)
		}
		if !found {
			return registryError(fmt.Errorf("subject %s of %s does not hold %s; push it first (evctl push)", subj, c.URL(), ev.Path))
		}
		id = int64(r.ID)
	}
	var frame []byte
	switch framing {
	case inspect.Confluent:
		frame = append([]byte{0, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}, payload...)
	default:
		frame = payload
	}
	if id >= 0 {
		fmt.Fprintf(app.IO.ErrOut, "%s: %s, framing %s, schema id %d\n", from, ev.Type, framing, id)
	}
	if o.Base64 {
		_, err = fmt.Fprintln(app.IO.Out, base64.StdEncoding.EncodeToString(frame))
		return err
	}
	_, err = app.IO.Out.Write(frame)
	return err
}
