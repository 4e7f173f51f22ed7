package validate

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is one step of an instance location, linked to its parent. Generated
// validators build paths on the stack and only render them into a string
// when validation fails, so a valid event costs no allocation.
type Path struct {
	Parent *Path
	// Key is the property name; when Key is empty and IsIndex is set, Index
	// is the array index.
	Key     string
	Index   int
	IsIndex bool
}

// Prop returns the path of property key under p.
func Prop(p *Path, key string) Path { return Path{Parent: p, Key: key} }

// Item returns the path of array item i under p.
func Item(p *Path, i int) Path { return Path{Parent: p, Index: i, IsIndex: true} }

// String renders the path as a JSON pointer ("" for the root, "/a/0/b").
// It neither retains p nor lets anything p points to escape, so paths can
// live on the stack of the generated validators.
func (p *Path) String() string {
	n := 0
	for q := p; q != nil; q = q.Parent {
		n++
	}
	var sb strings.Builder
	for i := n - 1; i >= 0; i-- {
		q := p
		for j := 0; j < i; j++ {
			q = q.Parent
		}
		sb.WriteByte('/')
		if q.IsIndex {
			var buf [20]byte
			sb.Write(strconv.AppendInt(buf[:0], int64(q.Index), 10))
			continue
		}
		for k := 0; k < len(q.Key); k++ {
			switch c := q.Key[k]; c {
			case '~':
				sb.WriteString("~0")
			case '/':
				sb.WriteString("~1")
			default:
				sb.WriteByte(c)
			}
		}
	}
	return sb.String()
}

func escape(tok string) string {
	if !strings.ContainsAny(tok, "~/") {
		return tok
	}
	tok = strings.ReplaceAll(tok, "~", "~0")
	return strings.ReplaceAll(tok, "/", "~1")
}

// Error is the first validation failure of an event. InstanceLocation and
// KeywordLocation are JSON pointers, the way santhosh-tekuri/jsonschema
// reports them: the instance location of the failing value ("/lines/0/sku")
// and the keyword location inside the schema document, fragment only
// ("#/properties/lines/items/properties/sku/minLength"). For Avro events the
// keyword location names the schema attribute that failed ("#/fields/2/type/symbols").
type Error struct {
	InstanceLocation string
	KeywordLocation  string
	// Keyword is the last token of KeywordLocation (e.g. "minLength").
	Keyword string
	Message string
}

func (e *Error) Error() string {
	loc := e.InstanceLocation
	if loc == "" {
		loc = "(root)"
	}
	return fmt.Sprintf("%s: %s (keyword %s at %s)", loc, e.Message, e.Keyword, e.KeywordLocation)
}

// Fail returns an *Error for the value at p. kwloc is the keyword location
// ("#/properties/x/minLength"); msg is formatted with args.
func Fail(p *Path, kwloc string, msg string, args ...any) error {
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	kw := kwloc
	if i := strings.LastIndexByte(kw, '/'); i >= 0 {
		kw = kw[i+1:]
	}
	return &Error{InstanceLocation: p.String(), KeywordLocation: kwloc, Keyword: kw, Message: msg}
}

// FailAt is Fail for the property key of the object at p.
func FailAt(p *Path, key string, kwloc string, msg string, args ...any) error {
	q := Prop(p, key)
	return Fail(&q, kwloc, msg, args...)
}

// Duplicate reports the first pair of equal items of s (uniqueItems over
// strings, numbers and booleans).
func Duplicate[T comparable](s []T) (i, j int, dup bool) {
	for i = 1; i < len(s); i++ {
		for j = 0; j < i; j++ {
			if s[i] == s[j] {
				return j, i, true
			}
		}
	}
	return 0, 0, false
}
