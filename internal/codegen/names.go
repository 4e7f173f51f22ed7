package codegen

import (
	"go/token"
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
	out := sb.String()
	if out == "" {
		return ""
	}
	if r := []rune(out)[0]; !unicode.IsLetter(r) {
		out = "X" + out
	}
	return out
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

// fileName is the generated file name for an event type ("v1.OrderPlaced" -> "v1_order_placed.go").
func fileName(eventType string) string {
	ws := words(eventType)
	for i := range ws {
		ws[i] = strings.ToLower(ws[i])
	}
	return strings.Join(ws, "_") + ".go"
}
