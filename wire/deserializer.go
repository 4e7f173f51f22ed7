package wire

import (
	"context"
	"fmt"
	"sync"

	"github.com/hamba/avro/v2"

	"github.com/evctl/evctl/internal/avroparse"
	"github.com/evctl/evctl/wire/validate"
)

// Deserializer reads Confluent frames (and, made by NewDualDeserializer,
// Glue frames) into generated event types. Writer schemas are fetched by id
// once and cached; Avro payloads are decoded with writer-to-reader schema
// resolution. It is safe for concurrent use.
type Deserializer struct {
	reg  Registry
	glue GlueRegistry
	// Validate, when set, checks every event and wraps ErrInvalidEvent on
	// failure. A JSON Schema event with a ValidateJSON method (every one
	// gen go writes) is checked on the received bytes, before decoding, by
	// santhosh-tekuri/jsonschema against the event's own schema: explicit
	// nulls, missing required and unknown properties, number forms and
	// formats are judged as the schema says. Other events (Avro) run
	// Validate on the decoded value.
	Validate bool

	mu       sync.Mutex
	writers  map[schemaKey]*writerSchema
	readers  map[string]avro.Schema      // reader schema text -> parsed
	resolved map[resolvedKey]avro.Schema // (writer id, reader text) -> resolved
}

type writerSchema struct {
	typ  string
	text string
	avro avro.Schema
}

// schemaKey names a writer schema: a Confluent id, a schema GUID or a
// Glue version id.
type schemaKey struct {
	id   uint32
	uuid [16]byte
	kind uint8
}

const (
	keyID uint8 = iota
	keyGUID
	keyGlue
)

func (k schemaKey) String() string {
	switch k.kind {
	case keyGlue:
		return "version " + GlueVersionID(k.uuid).String()
	case keyGUID:
		return "guid " + GUID(k.uuid).String()
	}
	return fmt.Sprint(k.id)
}

type resolvedKey struct {
	id     schemaKey
	reader string
}

// jsonValidator is implemented by generated JSON Schema events.
type jsonValidator interface {
	ValidateJSON(data []byte) error
}

// NewDeserializer returns a Deserializer fetching writer schemas from reg.
func NewDeserializer(reg Registry) *Deserializer {
	return &Deserializer{reg: reg, writers: map[schemaKey]*writerSchema{}, readers: map[string]avro.Schema{}, resolved: map[resolvedKey]avro.Schema{}}
}

// Deserialize decodes frame into into. The frame starts with 0x00 and a
// 4-byte schema id, 0x01 and a 16-byte schema GUID or (with a GlueRegistry)
// a Glue header.
func (d *Deserializer) Deserialize(ctx context.Context, frame []byte, into Event) error {
	return d.DeserializeHeader(ctx, nil, frame, into)
}

// DeserializeHeader decodes a record in either mode, as Confluent's
// DualSchemaIDDeserializer does: header is the value of the record's
// __value_schema_id (or __key_schema_id) header, nil when it has none.
// When the header is non-empty and parses (0x01 and a GUID, or 0x00 and an
// id) it names the schema and data is the bare payload; otherwise data is
// a frame as Deserialize reads it.
func (d *Deserializer) DeserializeHeader(ctx context.Context, header, data []byte, into Event) error {
	var (
		id      schemaKey
		payload []byte
		w       *writerSchema
		err     error
	)
	switch {
	case len(header) == 0 && len(data) > 0 && data[0] == GlueHeaderVersion:
		if d.glue == nil {
			return fmt.Errorf("%w: %w", ErrBadFrame, errNoGlue)
		}
		id.kind = keyGlue
		var gid GlueVersionID
		if gid, payload, err = SplitGlueFrame(data); err != nil {
			return err
		}
		id.uuid = gid
		w, err = d.glueWriter(ctx, gid)
	default:
		if d.reg == nil && (len(header) > 0 || len(data) > 0 && (data[0] == Magic || data[0] == MagicGUID)) {
			return fmt.Errorf("%w: %w", ErrBadFrame, errNoConfluent)
		}
		var ref SchemaRef
		if ref, payload, err = SplitDual(header, data); err != nil {
			return err
		}
		if ref.IsGUID {
			id.kind, id.uuid = keyGUID, ref.GUID
			w, err = d.guidWriter(ctx, ref.GUID)
		} else {
			id.id = ref.ID
			w, err = d.writer(ctx, ref.ID)
		}
	}
	if err != nil {
		return err
	}
	if w.typ != into.SchemaType() {
		return fmt.Errorf("schema %s is %s, but %s is %s", id, w.typ, into.EventType(), into.SchemaType())
	}
	switch w.typ {
	case "AVRO":
		sch, err := d.readerFor(id, w, into)
		if err != nil {
			return err
		}
		if err := avro.Unmarshal(sch, payload, into); err != nil {
			return fmt.Errorf("decode %s from schema %s: %w", into.EventType(), id, err)
		}
	case "JSON":
		jv, hasJV := into.(jsonValidator)
		if d.Validate && hasJV {
			// The received bytes are checked, not the decoded struct:
			// presence, nulls, unknown keys and number forms survive only there.
			if err := jv.ValidateJSON(payload); err != nil {
				return fmt.Errorf("%s: %w: %w", into.EventType(), ErrInvalidEvent, err)
			}
		}
		if err := validate.DecodeJSON(payload, into); err != nil {
			return fmt.Errorf("decode %s from schema %s: %w", into.EventType(), id, err)
		}
		if hasJV {
			return nil
		}
	default:
		return fmt.Errorf("schema %s: unsupported schema type %q", id, w.typ)
	}
	if d.Validate {
		if err := into.Validate(); err != nil {
			return fmt.Errorf("%s: %w: %w", into.EventType(), ErrInvalidEvent, err)
		}
	}
	return nil
}

func (d *Deserializer) writer(ctx context.Context, id uint32) (*writerSchema, error) {
	d.mu.Lock()
	w, ok := d.writers[schemaKey{id: id}]
	d.mu.Unlock()
	if ok {
		return w, nil
	}
	typ, text, err := d.reg.SchemaByID(ctx, int(id))
	if err != nil {
		return nil, err
	}
	return d.addWriter(schemaKey{id: id}, typ, text)
}

func (d *Deserializer) guidWriter(ctx context.Context, g GUID) (*writerSchema, error) {
	key := schemaKey{kind: keyGUID, uuid: g}
	d.mu.Lock()
	w, ok := d.writers[key]
	d.mu.Unlock()
	if ok {
		return w, nil
	}
	greg, ok := d.reg.(GUIDRegistry)
	if !ok {
		return nil, fmt.Errorf("schema guid %s: the registry client does not look up schema guids (a wire.GUIDRegistry); %T is not one", g, d.reg)
	}
	typ, text, err := greg.SchemaByGUID(ctx, g)
	if err != nil {
		return nil, err
	}
	return d.addWriter(key, typ, text)
}

func (d *Deserializer) addWriter(id schemaKey, typ, text string) (*writerSchema, error) {
	if typ == "" {
		typ = "AVRO"
	}
	w := &writerSchema{typ: typ, text: text}
	if typ == "AVRO" {
		var err error
		w.avro, err = avroparse.Parse([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("schema %s: parse Avro writer schema: %w", id, err)
		}
	}
	d.mu.Lock()
	d.writers[id] = w
	d.mu.Unlock()
	return w, nil
}

func (d *Deserializer) readerFor(id schemaKey, w *writerSchema, into Event) (avro.Schema, error) {
	text := into.Schema()
	key := resolvedKey{id: id, reader: text}
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.resolved[key]; ok {
		return s, nil
	}
	reader, ok := d.readers[text]
	if !ok {
		var err error
		reader, err = avroparse.Parse([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("parse reader schema of %s: %w", into.EventType(), err)
		}
		d.readers[text] = reader
	}
	var sch avro.Schema = reader
	if reader.Fingerprint() != w.avro.Fingerprint() {
		res, err := avro.NewSchemaCompatibility().Resolve(reader, w.avro)
		if err != nil {
			return nil, fmt.Errorf("resolve schema %s to the reader schema of %s: %w", id, into.EventType(), err)
		}
		sch = res
	}
	d.resolved[key] = sch
	return sch, nil
}
