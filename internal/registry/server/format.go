package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/evctl/evctl/internal/compat"
	"github.com/evctl/evctl/internal/registry/api"
	"github.com/evctl/evctl/internal/registry/store"
)

// checkFormat accepts every ?format= as Confluent does: a format it does
// not know answers the default ("for forward compatibility of formats",
// AvroSchema and JsonSchema.formattedString), "resolved" inlines an Avro
// schema's references (see applyFormat) and "serialized" is a Protobuf
// format, for which Confluent answers Avro and JSON schemas in the default
// one. The exception is "logical" where logical is true (GET
// /subjects/{s}/versions/{v} and registration): there Confluent converts
// to or from its Logical Type form, which this registry cannot, so it is
// refused rather than answered (or read) in the native form.
func checkFormat(r *http.Request, logical bool) error {
	if !logical || r.URL.RawQuery == "" {
		return nil
	}
	if f := r.URL.Query().Get("format"); logical && strings.EqualFold(f, "logical") {
		return errf(http.StatusBadRequest, api.CodeBadRequest, "format %q (Confluent's Logical Type form) is not supported by this registry; leave format out for the native schema", f)
	}
	return nil
}

// applyFormat rewrites sc's text as ?format= asks: with "resolved", an Avro
// schema with references gets every referenced named type written in full
// where it is first used, as Avro's Schema.toString() writes it (Confluent's
// RESOLVED format). JSON schemas are answered as stored, as Confluent does.
func applyFormat(tx store.Tx, r *http.Request, sc *store.StoredSchema) error {
	if !strings.EqualFold(r.URL.Query().Get("format"), "resolved") || sc.Type != compat.Avro || len(sc.References) == 0 {
		return nil
	}
	texts := map[string][]byte{}
	if err := collectRefTexts(tx, sc.Context, sc.References, texts, map[string]bool{}, 0); err != nil {
		return err
	}
	out, err := resolveAvro(sc.Text, texts)
	if err != nil {
		return &store.Error{Op: "resolve references", Err: err}
	}
	sc.Text = out
	return nil
}

// resolveAvro inlines into text the named types that refs define.
func resolveAvro(text string, refs map[string][]byte) (string, error) {
	defs := map[string]*ordObj{}
	for _, t := range refs {
		v, err := decodeOrdered(t)
		if err != nil {
			return "", err
		}
		collectNamed(v, "", defs)
	}
	v, err := decodeOrdered([]byte(text))
	if err != nil {
		return "", err
	}
	v = inlineNamed(v, "", defs, map[string]bool{})
	var buf bytes.Buffer
	if err := encodeOrdered(&buf, v); err != nil {
		return "", err
	}
	return buf.String(), nil
}

var avroNamedKinds = map[string]bool{"record": true, "error": true, "enum": true, "fixed": true}

// avroFullName resolves a name against an explicit namespace and the
// enclosing one; it returns the full name and the namespace it sets.
func avroFullName(name string, nsField any, enclosing string) (full, ns string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name, name[:i]
	}
	if s, ok := nsField.(string); ok {
		enclosing = s
	}
	if enclosing == "" {
		return name, ""
	}
	return enclosing + "." + name, enclosing
}

// collectNamed records every named type definition in v by full name, with
// its namespace made explicit so that it can be written anywhere.
func collectNamed(v any, ns string, defs map[string]*ordObj) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			collectNamed(e, ns, defs)
		}
	case *ordObj:
		typ, _ := x.m["type"].(string)
		name, _ := x.m["name"].(string)
		switch {
		case avroNamedKinds[typ] && name != "":
			full, inner := avroFullName(name, x.m["namespace"], ns)
			if _, ok := x.m["namespace"]; !ok && inner != "" && !strings.Contains(name, ".") {
				x.set("namespace", inner)
			}
			defs[full] = x
			if fields, ok := x.m["fields"].([]any); ok {
				for _, f := range fields {
					if fo, ok := f.(*ordObj); ok {
						collectNamed(fo.m["type"], inner, defs)
					}
				}
			}
		case typ == "array":
			collectNamed(x.m["items"], ns, defs)
		case typ == "map":
			collectNamed(x.m["values"], ns, defs)
		default:
			collectNamed(x.m["type"], ns, defs)
		}
	}
}

var avroPrimitives = map[string]bool{"null": true, "boolean": true, "int": true, "long": true, "float": true, "double": true, "bytes": true, "string": true}

// inlineNamed replaces the first use of each name defs defines (and v does
// not) by its definition.
func inlineNamed(v any, ns string, defs map[string]*ordObj, defined map[string]bool) any {
	switch x := v.(type) {
	case string:
		if avroPrimitives[x] {
			return x
		}
		full, _ := avroFullName(x, nil, ns)
		if d, ok := defs[full]; ok && !defined[full] {
			return inlineNamed(d, ns, defs, defined)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = inlineNamed(e, ns, defs, defined)
		}
		return x
	case *ordObj:
		typ, _ := x.m["type"].(string)
		name, _ := x.m["name"].(string)
		switch {
		case avroNamedKinds[typ] && name != "":
			full, inner := avroFullName(name, x.m["namespace"], ns)
			defined[full] = true
			if fields, ok := x.m["fields"].([]any); ok {
				for _, f := range fields {
					if fo, ok := f.(*ordObj); ok {
						fo.m["type"] = inlineNamed(fo.m["type"], inner, defs, defined)
					}
				}
			}
		case typ == "array":
			x.m["items"] = inlineNamed(x.m["items"], ns, defs, defined)
		case typ == "map":
			x.m["values"] = inlineNamed(x.m["values"], ns, defs, defined)
		default:
			if t, ok := x.m["type"]; ok {
				x.m["type"] = inlineNamed(t, ns, defs, defined)
			}
		}
		return x
	}
	return v
}

// ordObj is a JSON object that keeps its key order.
type ordObj struct {
	keys []string
	m    map[string]any
}

func (o *ordObj) set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

// decodeOrdered decodes JSON with objects as *ordObj and numbers as
// json.Number, so that encodeOrdered writes it back unchanged.
func decodeOrdered(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data after the schema")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &ordObj{m: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

func encodeOrdered(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case *ordObj:
		buf.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeOrdered(buf, k); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := encodeOrdered(buf, x.m[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeOrdered(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
	}
	return nil
}

// qualifyRefs answers ?referenceFormat=qualified as Confluent does for a
// schema read in a context other than the default one: each reference
// subject without a context of its own is written with that context
// (QualifiedSubject.qualifySubjectWithParent). Other values, and schemas
// of the default context, keep the references as registered.
func qualifyRefs(r *http.Request, ctx string, refs []api.Reference) []api.Reference {
	if r.URL.RawQuery == "" || ctx == api.DefaultContext || len(refs) == 0 || r.URL.Query().Get("referenceFormat") != "qualified" {
		return refs
	}
	out := make([]api.Reference, len(refs))
	for i, ref := range refs {
		rctx, name := api.SplitSubject(ref.Subject)
		if rctx == api.DefaultContext {
			ref.Subject = api.QualifySubject(ctx, name)
		}
		out[i] = ref
	}
	return out
}
