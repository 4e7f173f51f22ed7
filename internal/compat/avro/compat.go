package avro

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/evctl/evctl/internal/compat/change"
)

// The incompatibility types of Java's SchemaCompatibility.SchemaIncompatibilityType.
const (
	NameMismatch                   = "NAME_MISMATCH"
	FixedSizeMismatch              = "FIXED_SIZE_MISMATCH"
	MissingEnumSymbols             = "MISSING_ENUM_SYMBOLS"
	ReaderFieldMissingDefaultValue = "READER_FIELD_MISSING_DEFAULT_VALUE"
	TypeMismatch                   = "TYPE_MISMATCH"
	MissingUnionBranch             = "MISSING_UNION_BRANCH"
	// AmbiguousField is not a Java incompatibility type: Java throws an
	// AvroRuntimeException when a reader field matches several writer fields
	// (by name and aliases) and Confluent turns that into a single error
	// (errorType 'AvroRuntimeException'). It is reported alone.
	AmbiguousField = "READER_FIELD_MATCHES_MULTIPLE_WRITER_FIELDS"
	// TooComplex is reported, alone, when a pair of schemas needs more than
	// maxSteps comparisons (pathological mutually recursive schemas).
	TooComplex = "SCHEMAS_TOO_COMPLEX"
)

// Incompatibility is one incompatibility exactly as Java reports it.
type Incompatibility struct {
	Type     string
	Location string // JSON pointer, e.g. "/fields/1/type"
	Detail   string // Java's message, e.g. "reader type: INT not compatible with writer type: LONG"

	// Structured details for explanations.
	Field       string   // READER_FIELD_MISSING_DEFAULT_VALUE, AmbiguousField
	ReaderType  string   // TYPE_MISMATCH (Avro type names)
	WriterType  string   // TYPE_MISMATCH, MISSING_UNION_BRANCH
	WriterName  string   // NAME_MISMATCH
	ReaderName  string   // NAME_MISMATCH
	Symbols     []string // MISSING_ENUM_SYMBOLS, sorted
	ReaderSize  int      // FIXED_SIZE_MISMATCH
	WriterSize  int      // FIXED_SIZE_MISMATCH
	WriterField string   // AmbiguousField
	// RenamedFrom is, for READER_FIELD_MISSING_DEFAULT_VALUE, the one writer
	// field of the same type that no reader field reads: likely the field
	// before a rename, to be named in "aliases".
	RenamedFrom string
}

// Limits that keep pathological (mutually recursive) schema pairs from
// making a check run for long; real schemas stay far below them. Beyond any
// of them the check stops with a single TooComplex incompatibility.
const (
	// maxSteps bounds the number of reader/writer pairs compared.
	maxSteps = 200_000
	// maxPairDepth bounds how deeply pair comparisons nest.
	maxPairDepth = 4 * MaxDepth
	// maxWork bounds location segments rendered plus incompatibilities
	// copied while merging results.
	maxWork = 20_000_000
)

// MaxIncompatibilities caps the incompatibilities collected for one pair.
// Java reuses the memoised result of a named-type pair at every place the
// pair occurs again, so nested records that reference an incompatible named
// type many times multiply their incompatibilities (exponentially in the
// nesting depth); beyond this many, further ones are dropped.
const MaxIncompatibilities = 1000

type pair struct{ r, w *Schema }

// memo is the result of one pair; done is false while the pair is being
// compared (Java's RECURSION_IN_PROGRESS).
type memo struct {
	done bool
	incs []Incompatibility
}

type checker struct {
	memo  map[pair]*memo
	steps int
	depth int
	work  int
	abort *Incompatibility
}

// spend charges work and reports whether the check may go on.
func (c *checker) spend(n int) bool {
	c.work += n
	if c.work > maxWork && c.abort == nil {
		c.abort = &Incompatibility{Type: TooComplex, Location: "/", Detail: "comparison exceeds the work limit"}
	}
	return c.abort == nil
}

// at renders the current location, charging its length.
func (c *checker) at(loc []string) string {
	c.spend(len(loc))
	return location(loc)
}

// merge appends add to res, keeping at most MaxIncompatibilities.
func (c *checker) merge(res, add []Incompatibility) []Incompatibility {
	if room := MaxIncompatibilities - len(res); room < len(add) {
		if room <= 0 {
			return res
		}
		add = add[:room]
	}
	if len(add) == 0 || !c.spend(len(add)) {
		return res
	}
	return append(res, add...)
}

// Incompatibilities returns every reason a reader with schema reader may
// fail to decode data written with schema writer, in the order Java's
// SchemaCompatibility.checkReaderWriterCompatibility(reader, writer)
// reports them (getResult().getIncompatibilities()). Empty means compatible.
func Incompatibilities(reader, writer *Schema) []Incompatibility {
	if reader == nil || writer == nil {
		return nil
	}
	c := &checker{memo: make(map[pair]*memo, 16)}
	loc := make([]string, 0, 16)
	res := c.get("", reader, writer, &loc)
	if c.abort != nil {
		return []Incompatibility{*c.abort}
	}
	return res
}

// get is Java's getCompatibility(referenceToken, reader, writer, location).
func (c *checker) get(token string, r, w *Schema, loc *[]string) []Incompatibility {
	*loc = append(*loc, token)
	defer func() { *loc = (*loc)[:len(*loc)-1] }()
	if c.abort != nil {
		return nil
	}
	k := pair{r, w}
	if m, ok := c.memo[k]; ok {
		if !m.done {
			return nil // recursion in progress: assumed compatible
		}
		return m.incs
	}
	c.steps++
	if c.steps > maxSteps || c.depth >= maxPairDepth {
		c.abort = &Incompatibility{Type: TooComplex, Location: "/", Detail: "too many or too deeply nested schema pairs to compare"}
		return nil
	}
	m := &memo{}
	c.memo[k] = m
	c.depth++
	res := c.calculate(r, w, loc)
	c.depth--
	m.incs = res[:len(res):len(res)]
	m.done = true
	return m.incs
}

// fresh is Java's two-argument getCompatibility(reader, writer), which
// starts a new location stack.
func (c *checker) fresh(r, w *Schema) []Incompatibility {
	loc := make([]string, 0, 8)
	return c.get("", r, w, &loc)
}

func location(loc []string) string {
	var b strings.Builder
	b.WriteByte('/')
	for i, p := range loc[1:] {
		if i > 0 {
			b.WriteByte('/')
		}
		if strings.ContainsAny(p, "~/") {
			p = strings.ReplaceAll(p, "~", "~0")
			p = strings.ReplaceAll(p, "/", "~1")
		}
		b.WriteString(p)
	}
	return b.String()
}

func (c *checker) calculate(r, w *Schema, loc *[]string) []Incompatibility {
	var res []Incompatibility
	if r.Type == w.Type {
		switch r.Type {
		case Array:
			return c.get("items", r.Items, w.Items, loc)
		case Map:
			return c.get("values", r.Values, w.Values, loc)
		case Fixed:
			res = c.checkNames(res, r, w, loc)
			if r.Size != w.Size {
				*loc = append(*loc, "size")
				res = append(res, Incompatibility{
					Type: FixedSizeMismatch, Location: c.at(*loc),
					Detail:     fmt.Sprintf("expected: %d, found: %d", w.Size, r.Size),
					ReaderName: r.FullName, ReaderSize: r.Size, WriterSize: w.Size,
				})
				*loc = (*loc)[:len(*loc)-1]
			}
			return res
		case Enum:
			res = c.checkNames(res, r, w, loc)
			return c.checkEnum(res, r, w, loc)
		case Record:
			res = c.checkNames(res, r, w, loc)
			return c.checkFields(res, r, w, loc)
		case Union:
			for i, wb := range w.Branches {
				*loc = append(*loc, strconv.Itoa(i))
				if len(c.fresh(r, wb)) > 0 {
					res = c.merge(res, []Incompatibility{{
						Type: MissingUnionBranch, Location: c.at(*loc),
						Detail:     "reader union lacking writer type: " + wb.Type.javaName(),
						WriterType: wb.Type.String(),
					}})
				}
				*loc = (*loc)[:len(*loc)-1]
			}
			return res
		default:
			return nil
		}
	}
	if w.Type == Union {
		for i, wb := range w.Branches {
			res = c.merge(res, c.get(strconv.Itoa(i), r, wb, loc))
		}
		return res
	}
	switch r.Type {
	case Long:
		if w.Type == Int {
			return nil
		}
	case Float:
		if w.Type == Int || w.Type == Long {
			return nil
		}
	case Double:
		if w.Type == Int || w.Type == Long || w.Type == Float {
			return nil
		}
	case Bytes:
		if w.Type == String {
			return nil
		}
	case String:
		if w.Type == Bytes {
			return nil
		}
	case Union:
		for _, rb := range r.Branches {
			if len(c.fresh(rb, w)) == 0 {
				return nil
			}
		}
		return []Incompatibility{{
			Type: MissingUnionBranch, Location: c.at(*loc),
			Detail:     "reader union lacking writer type: " + w.Type.javaName(),
			WriterType: w.Type.String(),
		}}
	}
	return []Incompatibility{{
		Type: TypeMismatch, Location: c.at(*loc),
		Detail:     fmt.Sprintf("reader type: %s not compatible with writer type: %s", r.Type.javaName(), w.Type.javaName()),
		ReaderType: r.Type.String(), WriterType: w.Type.String(),
	}}
}

// nameEquals is Java's schemaNameEquals: unqualified names, or a reader
// alias equal to the writer's full name.
func nameEquals(r, w *Schema) bool {
	if r.Name == w.Name {
		return true
	}
	for _, a := range r.Aliases {
		if a == w.FullName {
			return true
		}
	}
	return false
}

func (c *checker) checkNames(res []Incompatibility, r, w *Schema, loc *[]string) []Incompatibility {
	if nameEquals(r, w) {
		return res
	}
	*loc = append(*loc, "name")
	res = append(res, Incompatibility{
		Type: NameMismatch, Location: c.at(*loc),
		Detail:     "expected: " + w.FullName,
		ReaderName: r.FullName, WriterName: w.FullName,
	})
	*loc = (*loc)[:len(*loc)-1]
	return res
}

func (c *checker) checkEnum(res []Incompatibility, r, w *Schema, loc *[]string) []Incompatibility {
	var missing []string
	for _, s := range w.Symbols {
		found := false
		for _, rs := range r.Symbols {
			if rs == s {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 || r.HasEnumDefault {
		return res
	}
	sortJava(missing)
	*loc = append(*loc, "symbols")
	res = append(res, Incompatibility{
		Type: MissingEnumSymbols, Location: c.at(*loc),
		Detail:     "[" + strings.Join(missing, ", ") + "]",
		ReaderName: r.FullName, Symbols: missing,
	})
	*loc = (*loc)[:len(*loc)-1]
	return res
}

// sortJava sorts like a Java TreeSet<String> (UTF-16 code unit order) and
// drops duplicates.
func sortJava(s []string) {
	less := func(a, b string) bool {
		ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
		for i := 0; i < len(ua) && i < len(ub); i++ {
			if ua[i] != ub[i] {
				return ua[i] < ub[i]
			}
		}
		return len(ua) < len(ub)
	}
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func (c *checker) checkFields(res []Incompatibility, r, w *Schema, loc *[]string) []Incompatibility {
	*loc = append(*loc, "fields")
	for _, rf := range r.Fields {
		*loc = append(*loc, strconv.Itoa(rf.Pos))
		wf, ambiguous := lookupWriterField(w, rf)
		switch {
		case ambiguous != nil:
			if c.abort == nil {
				c.abort = &Incompatibility{
					Type: AmbiguousField, Location: c.at(*loc),
					Detail: fmt.Sprintf("Reader record field %s type:%s pos:%d matches multiple fields in writer record schema %s", rf.Name, rf.Type.Type.javaName(), rf.Pos, w.FullName),
					Field:  rf.Name, WriterField: ambiguous.Name,
				}
			}
		case wf == nil:
			if !rf.HasDefault {
				if rf.Type.Type == Enum && rf.Type.HasEnumDefault {
					res = c.merge(res, c.get("type", rf.Type, w, loc))
				} else {
					res = c.merge(res, []Incompatibility{{
						Type: ReaderFieldMissingDefaultValue, Location: c.at(*loc),
						Detail: rf.Name, Field: rf.Name, RenamedFrom: renameCandidate(r, w, rf),
					}})
				}
			}
		default:
			res = c.merge(res, c.get("type", rf.Type, wf.Type, loc))
		}
		*loc = (*loc)[:len(*loc)-1]
	}
	*loc = (*loc)[:len(*loc)-1]
	return res
}

// lookupWriterField is Java's lookupWriterField: the writer field with the
// reader field's name, plus those named like one of the reader field's
// aliases. More than one hit is an error (returned as the second result).
// renameCandidate returns the name of the one field of w of the same type
// as rf that no field of r reads (by name or alias), or "".
func renameCandidate(r, w *Schema, rf *Field) string {
	read := map[*Field]bool{}
	for _, f := range r.Fields {
		if wf, _ := lookupWriterField(w, f); wf != nil {
			read[wf] = true
		}
	}
	found := ""
	for _, wf := range w.Fields {
		if read[wf] || wf.Type.Type != rf.Type.Type || wf.Type.FullName != rf.Type.FullName {
			continue
		}
		if found != "" {
			return "" // ambiguous
		}
		found = wf.Name
	}
	return found
}

func lookupWriterField(w *Schema, rf *Field) (found, ambiguous *Field) {
	if f := w.byName[rf.Name]; f != nil {
		found = f
	}
	for _, a := range rf.Aliases {
		if f := w.byName[a]; f != nil {
			if found != nil {
				return nil, f
			}
			found = f
		}
	}
	return found, nil
}

// CanRead reports why a consumer using schema reader may fail to read data
// written with schema writer: one incompatible change.Change per Java
// incompatibility, in Java's order, with Path = Java's location. Messages
// assume reader is the new schema and writer the old one (Confluent's
// backward check); use Explain for the other direction. Empty means
// compatible.
func CanRead(reader, writer *Schema) []change.Change {
	return Explain(Incompatibilities(reader, writer), true)
}

// Explain turns incompatibilities into changes whose messages say what is
// wrong and how to fix it. readerIsNew tells whether the reader schema is
// the new schema (backward check) or the old one (forward check).
func Explain(incs []Incompatibility, readerIsNew bool) []change.Change {
	if len(incs) == 0 {
		return nil
	}
	out := make([]change.Change, len(incs))
	for i, in := range incs {
		out[i] = change.Change{Type: in.Type, Path: in.Location, Compatible: false, Message: message(in, readerIsNew)}
	}
	return out
}

// typeAt names the type an incompatibility location points into:
// "/fields/1/type/size" -> "the type at /fields/1/type".
func typeAt(loc string) string {
	for _, suffix := range []string{"/name", "/size", "/symbols"} {
		loc = strings.TrimSuffix(loc, suffix)
	}
	if loc == "" || loc == "/" {
		return "the top-level type"
	}
	return "the type at " + loc
}

func message(in Incompatibility, readerIsNew bool) string {
	reader, writer := "new schema", "old schema"
	oldSize := in.WriterSize
	if !readerIsNew {
		reader, writer = "old schema", "new schema"
		oldSize = in.ReaderSize
	}
	at := in.Location
	switch in.Type {
	case ReaderFieldMissingDefaultValue:
		if readerIsNew {
			if in.RenamedFrom != "" {
				return fmt.Sprintf("field %q at %s has no default and is missing in the old schema, which has a field %q of the same type that the new schema no longer reads: if %q is %q renamed, add \"aliases\": [%q] to it; otherwise give it a default", in.Field, at, in.RenamedFrom, in.Field, in.RenamedFrom, in.RenamedFrom)
			}
			return fmt.Sprintf("field %q at %s has no default and is missing in the old schema, so the new schema cannot read old data; give it a default (null, with a [\"null\", ...] union, for an optional field) or leave the field out of this version", in.Field, at)
		}
		return fmt.Sprintf("field %q at %s of the old schema has no default and is missing in the new schema, so consumers on the old schema cannot read new data; keep the field in the new schema (it can be deprecated), or first release a version where it has a default", in.Field, at)
	case TypeMismatch:
		fix := fmt.Sprintf("keep the type %s, or change it only along an allowed promotion (int→long→float→double, string↔bytes)", in.WriterType)
		if !readerIsNew {
			fix = fmt.Sprintf("keep the type %s in the new schema; old readers can only follow promotions (int→long→float→double, string↔bytes), so the new type must be one the old type promotes from", in.ReaderType)
		}
		return fmt.Sprintf("the %s reads %s at %s but the %s writes %s there, which Avro cannot convert; %s", reader, article(in.ReaderType), at, writer, article(in.WriterType), fix)
	case NameMismatch:
		if readerIsNew {
			return fmt.Sprintf("%s is named %q in the new schema but %q in the old schema; keep the old name, or add %q to the new type's aliases", typeAt(at), in.ReaderName, in.WriterName, in.WriterName)
		}
		return fmt.Sprintf("%s is named %q in the old schema but %q in the new schema, and old readers cannot follow the rename; keep the name %q", typeAt(at), in.ReaderName, in.WriterName, in.ReaderName)
	case FixedSizeMismatch:
		return fmt.Sprintf("fixed type %q (%s) has size %d in the %s but %d in the %s; the size of a fixed type cannot change: keep size %d, or add a new field with a new fixed type", in.ReaderName, typeAt(at), in.ReaderSize, reader, in.WriterSize, writer, oldSize)
	case MissingEnumSymbols:
		syms := strings.Join(in.Symbols, ", ")
		if readerIsNew {
			return fmt.Sprintf("enum %q (%s) in the new schema lacks symbols [%s] that the old schema can write; keep those symbols, or give the new enum a \"default\" symbol", in.ReaderName, typeAt(at), syms)
		}
		return fmt.Sprintf("enum %q (%s) gained symbols [%s] that the old schema cannot read (its enum has no \"default\"); don't add symbols here, or first release a version whose enum has a \"default\" symbol", in.ReaderName, typeAt(at), syms)
	case MissingUnionBranch:
		if readerIsNew {
			return fmt.Sprintf("the old schema can write %s at %s but no branch of the new schema's type there can read it; keep a %s branch in the union (or one it promotes to)", article(in.WriterType), at, in.WriterType)
		}
		return fmt.Sprintf("the new schema can write %s at %s but no branch of the old schema's type there can read it; don't add that type or union branch, or first release a version whose union accepts %s", article(in.WriterType), at, in.WriterType)
	case AmbiguousField:
		return fmt.Sprintf("field %q at %s of the %s matches several fields of the %s through its name and aliases (e.g. %q); remove the ambiguous alias", in.Field, at, reader, writer, in.WriterField)
	case TooComplex:
		return "the schemas are too complex to compare (" + in.Detail + "); simplify the recursive types"
	}
	return in.Detail
}

func article(t string) string {
	switch t {
	case "":
		return "a value"
	case "int", "enum", "array":
		return "an " + t
	}
	return "a " + t
}
