package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net/url"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var printer = message.NewPrinter(language.English)

// Fallback validates one subschema of an embedded JSON Schema with
// santhosh-tekuri/jsonschema, for keywords that the generator does not
// compile to Go. The schema is compiled on first use, once.
type Fallback struct {
	doc     string // the schema as JSON text
	pointer string // the subschema, e.g. "/properties/payment"
	once    sync.Once
	sch     *jsonschema.Schema
	err     error
	url     string     // the document's URL ("" for fallbackURL)
	refs    []Resource // the documents it references
}

// Resource is a JSON Schema document that another one references: its URL
// and its JSON text. A $ref finds it by the URL or by its $id. The same
// document may be listed under several URLs (its path, its $id); a
// relative $id resolves against the URL of its first entry.
type Resource struct {
	URL string
	Doc string
}

// resourceLoader serves the referenced documents; any other URL is an
// error (nothing is fetched). A document is served with its $id resolved
// against the URL of its first entry: santhosh resolves a root $id against
// the URL it loads the document from, so a relative $id would otherwise be
// resolved twice for a document found by its $id ("common/user.json" at
// mem://evctl/v1/common/user.json is mem://evctl/v1/common/common/user.json),
// and the document's own $refs would point nowhere.
type resourceLoader struct {
	docs map[string]string // URL -> document
	ids  map[string]string // document -> its first entry's URL
}

func newResourceLoader(refs []Resource) resourceLoader {
	l := resourceLoader{docs: map[string]string{}, ids: map[string]string{}}
	for _, r := range refs {
		l.docs[r.URL] = r.Doc
		if _, ok := l.ids[r.Doc]; !ok {
			l.ids[r.Doc] = r.URL
		}
	}
	return l
}

func (l resourceLoader) Load(u string) (any, error) {
	doc, ok := l.docs[u]
	if !ok {
		return nil, fmt.Errorf("%s is not an embedded schema", u)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	if err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok {
			base, err1 := url.Parse(l.ids[doc])
			ref, err2 := url.Parse(id)
			if err1 == nil && err2 == nil {
				r := base.ResolveReference(ref)
				r.Fragment = ""
				m["$id"] = r.String()
			}
		}
	}
	return v, nil
}

// NewFallback returns a fallback for the subschema at pointer (a JSON
// pointer, "" for the root) of the JSON Schema document doc.
func NewFallback(doc, pointer string) *Fallback {
	return &Fallback{doc: doc, pointer: pointer}
}

// NewFallbackIn is NewFallback for a document, at url, that $refs the
// documents refs (directly or through each other): they are added to the
// compiler as resources, so that references to other files resolve.
func NewFallbackIn(doc, url, pointer string, refs []Resource) *Fallback {
	return &Fallback{doc: doc, pointer: pointer, url: url, refs: refs}
}

const fallbackURL = "mem://evctl/schema.json"

func (f *Fallback) compile() {
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(f.doc))
	if err != nil {
		f.err = fmt.Errorf("parse embedded schema: %w", err)
		return
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	u := f.url
	if u == "" {
		u = fallbackURL
	}
	if err := c.AddResource(u, inst); err != nil {
		f.err = fmt.Errorf("add embedded schema: %w", err)
		return
	}
	if len(f.refs) > 0 {
		// Served on demand by URL: a document is loaded once, under the
		// URL its $ref names (its path, or its $id).
		c.UseLoader(newResourceLoader(f.refs))
	}
	f.sch, f.err = c.Compile(u + "#" + f.pointer)
	if f.err != nil {
		f.err = fmt.Errorf("compile embedded schema at #%s: %w", f.pointer, f.err)
	}
}

// Validate validates v (any value encoding/json can marshal) at instance
// location p against the subschema. The first failure is returned as an
// *Error located in the whole event.
func (f *Fallback) Validate(p *Path, v any) error {
	f.once.Do(f.compile)
	if f.err != nil {
		return f.err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Fail(p, "#"+f.pointer, "cannot encode value as JSON: %v", err)
	}
	return f.validateBytes(p, b)
}

// ValidateJSON validates the JSON text data, exactly as received, at
// instance location p against the subschema: explicit nulls, missing and
// unknown properties, number forms (1.0, 1e2, integers beyond int64) and
// formats are judged by santhosh-tekuri/jsonschema on the text itself,
// never on a Go value decoded from it.
func (f *Fallback) ValidateJSON(p *Path, data []byte) error {
	f.once.Do(f.compile)
	if f.err != nil {
		return f.err
	}
	return f.validateBytes(p, data)
}

func (f *Fallback) validateBytes(p *Path, b []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return Fail(p, "#"+f.pointer, "cannot decode value: %v", err)
	}
	err = f.sch.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	leaf := FirstLeaf(ve)
	prefix := p.String()
	inLoc := prefix + JSONPointer(leaf.InstanceLocation)
	e := &Error{InstanceLocation: inLoc, KeywordLocation: KeywordLocation(leaf), Message: leaf.ErrorKind.LocalizedString(printer)}
	e.Keyword = e.KeywordLocation[strings.LastIndexByte(e.KeywordLocation, '/')+1:]
	return e
}

// FirstLeaf returns the first error without causes in a santhosh error tree.
func FirstLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return ve
}

// Leaves returns every error without causes in a santhosh error tree.
func Leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, Leaves(c)...)
	}
	return out
}

// KeywordLocation renders the keyword location of a santhosh error the way
// Error.KeywordLocation holds it: the fragment of the failing subschema's
// URL followed by the keyword path ("#/properties/x/minLength").
func KeywordLocation(ve *jsonschema.ValidationError) string {
	frag := "#"
	if i := strings.IndexByte(ve.SchemaURL, '#'); i >= 0 {
		frag = ve.SchemaURL[i:]
	}
	return frag + JSONPointer(ve.ErrorKind.KeywordPath())
}

// JSONPointer renders tokens as a JSON pointer ("" for none).
func JSONPointer(toks []string) string {
	var sb strings.Builder
	for _, t := range toks {
		sb.WriteByte('/')
		sb.WriteString(escape(t))
	}
	return sb.String()
}

// Decimal reports whether r fits an Avro decimal of the given precision and
// scale: r times 10^scale is an integer with at most precision digits.
// Values whose numerator and denominator fit in int64 are checked without
// allocating.
func Decimal(r *big.Rat, precision, scale int) bool {
	if r == nil {
		return false
	}
	num, den := r.Num(), r.Denom()
	if num.IsInt64() && den.IsInt64() && num.Int64() != math.MinInt64 && scale <= 18 && precision <= 18 {
		n, d := num.Int64(), den.Int64()
		p10 := int64(1)
		for i := 0; i < scale; i++ {
			p10 *= 10
		}
		if p10%d != 0 {
			return false
		}
		m := p10 / d
		if n < 0 {
			n = -n
		}
		limit := int64(1)
		for i := 0; i < precision; i++ {
			limit *= 10
		}
		// n*m < limit without overflow.
		return n < (limit+m-1)/m
	}
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !scaled.IsInt() {
		return false
	}
	abs := new(big.Int).Abs(scaled.Num())
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(precision)), nil)
	return abs.Cmp(limit) < 0
}
