package codegen

import (
	"go/token"
	"strconv"
	"strings"
	"unicode"
)

var initialisms = map[string]string{
	"id": "ID", "uuid": "UUID", "url": "URL", "uri": "URI", "http": "HTTP", "https": "HTTPS",
	"json": "JSON", "api": "API", "ip": "IP", "sku": "SKU", "sql": "SQL", "ttl": "TTL",
	"html": "HTML", "xml": "XML", "utc": "UTC", "cpu": "CPU", "dns": "DNS", "tcp": "TCP",
}

// words splits an identifier-ish string into words on non-alphanumerics and
// lower-to-upper case changes.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := cur[len(cur)-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// exported turns s into an exported Go identifier ("event_id" -> "EventID").
// It returns "" if s has no letters or digits.
func exported(s string) string {
	out := exportedWords(s)
	if out == "" {
		return ""
	}
	if r := []rune(out)[0]; !unicode.IsLetter(r) {
		out = "X" + out
	}
	return out
}

// exportedWords is exported without the X before a leading digit.
func exportedWords(s string) string {
	var sb strings.Builder
	for _, w := range words(s) {
		lw := strings.ToLower(w)
		if in, ok := initialisms[lw]; ok {
			sb.WriteString(in)
			continue
		}
		rs := []rune(w)
		if strings.ToUpper(w) == w {
			// An all-caps word (an Avro enum symbol such as CUSTOMER_REQUEST) becomes Title case.
			rs = []rune(strings.ToLower(w))
		}
		rs[0] = unicode.ToUpper(rs[0])
		sb.WriteString(string(rs))
	}
	return sb.String()
}

// unexported turns s into an unexported Go identifier.
func unexported(s string) string {
	e := exported(s)
	if e == "" {
		return ""
	}
	rs := []rune(e)
	// Lower the leading run of upper-case letters ("V1Order" -> "v1Order", "IDs" -> "ids").
	i := 0
	for i < len(rs) && (unicode.IsUpper(rs[i]) || unicode.IsDigit(rs[i])) {
		i++
	}
	if i > 1 && i < len(rs) && unicode.IsLower(rs[i]) {
		i--
	}
	for j := 0; j < i || j == 0; j++ {
		rs[j] = unicode.ToLower(rs[j])
	}
	out := string(rs)
	if token.IsKeyword(out) {
		out += "_"
	}
	return out
}

// fileName is the generated file name for an event type ("v1.OrderPlaced"
// -> "v1_order_placed.go"), unique among used (which it extends). A name
// the go tool would treat specially gets "_event" appended: one ending in
// _test, or in a GOOS or GOARCH (a build constraint), or the shared file's.
func fileName(eventType string, used map[string]bool) string {
	ws := words(eventType)
	for i := range ws {
		ws[i] = strings.ToLower(ws[i])
	}
	base := strings.Join(ws, "_")
	if len(ws) > 0 && (ws[len(ws)-1] == "test" || knownOS[ws[len(ws)-1]] || knownArch[ws[len(ws)-1]]) {
		base += "_event"
	}
	if base == "" || base+".go" == SharedFile {
		base += "_event"
	}
	name := base + ".go"
	for i := 2; used[name]; i++ {
		name = base + "_" + strconv.Itoa(i) + ".go"
	}
	used[name] = true
	return name
}

// knownOS and knownArch are the GOOS and GOARCH values the go tool reads
// from file name suffixes (go/build's lists, including reserved ones).
var knownOS = setOf("aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
	"nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos")

var knownArch = setOf("386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle",
	"mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x",
	"sparc", "sparc64", "wasm")

func setOf(xs ...string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// reservedAll are the methods every generated struct may have;
// reservedTop those only the event struct has. A field with one of these
// names gets "Field" appended.
var reservedAll = setOf("Validate", "ValidateJSON", "UnmarshalJSON", "MarshalJSON", "AppendJSON", "AppendAvro", "String")

var reservedTop = setOf("EventType", "Subject", "Schema", "SchemaType", "RegistrySchema", "PartitionKey", "AppendValidatedJSON",
	"EnvelopeEventID", "SetEnvelopeEventID", "EnvelopeOccurredAt", "SetEnvelopeOccurredAt",
	"EnvelopeCorrelationID", "SetEnvelopeCorrelationID")

// fieldName gives a property or Avro field its Go field name, never one in
// taken (the names of the struct's earlier fields) nor a method name:
//   - exported(key), with a leading sign spelled out ("+1" -> Plus1,
//     "-1" -> Minus1), or "Field" for a key without letters or digits;
//   - "Field" appended when that is a method of the struct
//     ("subject" -> SubjectField, "$schema" -> SchemaField);
//   - then 2, 3... appended while an earlier field has the name
//     ("order_id", "orderId" -> OrderID, OrderID2).
func fieldName(key string, taken map[string]string, top bool) string {
	base := exported(key)
	switch {
	case strings.HasPrefix(key, "+"):
		base = "Plus" + exportedWords(key[1:])
	case strings.HasPrefix(key, "-"):
		base = "Minus" + exportedWords(key[1:])
	case base == "":
		base = "Field"
	}
	if reservedAll[base] || (top && reservedTop[base]) {
		base += "Field"
	}
	name := base
	for i := 2; ; i++ {
		if _, ok := taken[name]; !ok {
			return name
		}
		name = base + strconv.Itoa(i)
	}
}

// validTagName reports whether encoding/json accepts key as the name in a
// json struct tag (its isValidTag); any other key would be encoded under
// the Go field name instead.
func validTagName(key string) bool {
	if key == "" {
		return false
	}
	for _, c := range key {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}
