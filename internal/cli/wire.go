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
	"github.com/evctl/evctl/wire"
)

type wireOptions struct {
	Framing  string
	Base64   bool
	Schema   string
	SchemaID string
	Event    string
	Alias    string // --registry, alias of --registry-url
	Paths    []string
	Headers  []string
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
                    (or 0x01, the schema GUID (16 bytes), the payload)
  confluent-header  the bare payload; the schema id is in the record header
                    __value_schema_id (or __key_schema_id): 0x01 and the
                    schema GUID in Confluent Platform 8.x header mode. Give it
                    with --header __value_schema_id=0x01... (hex, or
                    base64:...) or --schema-id; encode prints it
  glue              AWS Glue Schema Registry: 0x03, compression, schema version
                    UUID, payload (decode only; pass the schema with --schema)
  none              the bare payload (pass the schema with --schema or --schema-id)
  auto              confluent-header when a schema id header is given, else
                    detect from the first byte (decode; the default)
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
	f.StringVar(&o.SchemaID, "schema-id", "", "schema id when the frame does not carry one: an integer, a schema GUID, or a __value_schema_id header value in hex (0x01 and a GUID, 0x00 and an id) or base64:...")
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
	cmd.Flags().StringArrayVar(&o.Headers, "header", nil, "a record header KEY=VALUE, VALUE in hex (0x...) or base64:...; the schema id headers __value_schema_id and __key_schema_id are read (repeatable)")
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
	idHeader, err := schemaIDHeader(o.Headers)
	if err != nil {
		return err
	}
	if idHeader != nil && framing != inspect.Auto && framing != inspect.ConfluentHeader {
		return usageError("a schema id header (--header) is for --framing confluent-header or auto, not %s", framing)
	}
	fr, err := inspect.SplitRecord(data, idHeader, framing)
	if err != nil {
		return inputError(fmt.Errorf("%s: %w", from, err))
	}
	if o.SchemaID != "" {
		if fr.HasSchema() {
			return usageError("the %s frame carries schema %s; --schema-id is for frames without one", fr.Framing, frameSchema(fr))
		}
		ref, err := inspect.ParseSchemaRef(o.SchemaID)
		if err != nil {
			return usageError("--schema-id: %w", err)
		}
		fr.SetSchema(ref)
	}
	desc := fmt.Sprintf("framing %s", fr.Framing)
	if fr.HasSchema() {
		desc += ", schema " + frameSchema(fr)
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
	case fr.HasSchema():
		cfg, err := app.Config()
		if err != nil {
			return err
		}
		c, err := app.registryClient(cfg, rf)
		if err != nil {
			return err
		}
		var s client.Schema
		name := fmt.Sprintf("schema-%d", fr.SchemaID)
		if fr.SchemaGUID != "" {
			s, err = c.SchemaByGUID(ctx, fr.SchemaGUID)
			name = "schema-" + fr.SchemaGUID
		} else {
			s, err = c.SchemaByID(ctx, int(fr.SchemaID))
		}
		if err != nil {
			return registryError(err)
		}
		if ev, err = eventFromText(name, s.Type, []byte(s.Text)); err != nil {
			return err
		}
		desc += fmt.Sprintf(" (%s, from %s)", s.Type, c.URL())
	default:
		return usageError("the %s frame carries no schema id; pass --schema FILE, --schema-id ID or --header __value_schema_id=VALUE", fr.Framing)
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
	var (
		ref    wire.SchemaRef
		hasRef bool
	)
	if o.SchemaID != "" {
		if ref, err = inspect.ParseSchemaRef(o.SchemaID); err != nil {
			return usageError("--schema-id: %w", err)
		}
		hasRef = true
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
		ref, hasRef = wire.SchemaRef{ID: uint32(r.ID)}, true
		if framing == inspect.ConfluentHeader {
			// Header mode names the schema by GUID (Confluent Platform 8.x).
			if r.GUID == "" {
				return registryError(fmt.Errorf("registry %s gives no schema guid for %s; header mode needs Confluent Platform 8 or evctl registry serve (or pass --schema-id)", c.URL(), subj))
			}
			g, err := wire.ParseGUID(r.GUID)
			if err != nil {
				return registryError(fmt.Errorf("registry %s: %w", c.URL(), err))
			}
			ref = wire.SchemaRef{GUID: g, IsGUID: true}
		}
	}
	var idBytes []byte
	if hasRef {
		if ref.IsGUID {
			idBytes = wire.AppendGUIDHeader(nil, ref.GUID)
		} else {
			idBytes = wire.AppendHeader(nil, ref.ID)
		}
	}
	var frame []byte
	switch framing {
	case inspect.Confluent:
		frame = append(idBytes, payload...)
	default:
		frame = payload
	}
	if hasRef {
		what := fmt.Sprintf("schema id %d", ref.ID)
		if ref.IsGUID {
			what = "schema guid " + ref.GUID.String()
		}
		fmt.Fprintf(app.IO.ErrOut, "%s: %s, framing %s, %s\n", from, ev.Type, framing, what)
		if framing == inspect.ConfluentHeader {
			// The record header to send with the payload, in the form
			// wire decode --header reads.
			fmt.Fprintf(app.IO.ErrOut, "header %s=0x%x\n", wire.ValueSchemaIDHeader, idBytes)
		}
	}
	if o.Base64 {
		_, err = fmt.Fprintln(app.IO.Out, base64.StdEncoding.EncodeToString(frame))
		return err
	}
	_, err = app.IO.Out.Write(frame)
	return err
}

// frameSchema names the schema a frame carries: its id or GUID.
func frameSchema(fr *inspect.Frame) string {
	if fr.SchemaGUID != "" {
		return "guid " + fr.SchemaGUID
	}
	return fmt.Sprintf("id %d", fr.SchemaID)
}

// schemaIDHeader returns the value of the schema id header among --header
// KEY=VALUE flags (nil when none). Other headers are refused rather than
// silently ignored: wire decode reads none of them.
func schemaIDHeader(flags []string) ([]byte, error) {
	var (
		val []byte
		key string
	)
	for _, h := range flags {
		k, v, ok := strings.Cut(h, "=")
		if !ok {
			return nil, usageError("--header %q: want KEY=VALUE", h)
		}
		if k != wire.ValueSchemaIDHeader && k != wire.KeySchemaIDHeader {
			return nil, usageError("--header %s: wire decode reads the schema id headers %s and %s only", k, wire.ValueSchemaIDHeader, wire.KeySchemaIDHeader)
		}
		if key != "" {
			return nil, usageError("--header %s and %s: give the schema id header of the one part (value or key) you decode", key, k)
		}
		b, err := inspect.ParseHeaderValue(v)
		if err != nil {
			return nil, usageError("--header %s: %w", k, err)
		}
		if len(b) == 0 {
			return nil, usageError("--header %s: empty value", k)
		}
		key, val = k, b
	}
	return val, nil
}
