package diag

import (
	"fmt"
	"io"
	"strings"
)

// Text layout: every finding is one line with its location, severity, id and
// a short title, then indented lines saying why and how to fix it:
//
//	schemas/v1/OrderPlaced.avsc:11:5: error READER_FIELD_MISSING_DEFAULT_VALUE: field "customer_id" at /fields/5 has no default and is missing in the old schema
//	    so the new schema cannot read old data
//	    give it a default (null, with a ["null", ...] union, for an optional field) or leave the field out of this version
//
// Messages are written as "title; why; how to fix" (clauses separated by
// "; "); Layout splits them at the top level, outside quotes and brackets.

// Indent starts each line of why and how to fix under a finding.
const Indent = "    "

// Layout splits a message into its short title (the first clause) and the
// lines that explain it: each further "; "-separated clause, and a
// consequence the title states with ", so ..." on a line of its own.
// Separators inside quotes, parentheses, brackets and braces do not split.
func Layout(msg string) (title string, details []string) {
	msg = strings.TrimSuffix(strings.ReplaceAll(strings.TrimSpace(msg), "\n", " "), ";")
	parts := splitTop(msg, "; ")
	title = parts[0]
	if i := indexTop(title, ", so "); i > 0 {
		details = append(details, title[i+2:])
		title = title[:i]
	}
	for _, p := range parts[1:] {
		if p = strings.TrimSpace(p); p != "" {
			details = append(details, p)
		}
	}
	return title, details
}

// splitTop splits s at every sep outside quotes and brackets.
func splitTop(s, sep string) []string {
	var out []string
	for {
		i := indexTop(s, sep)
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i+len(sep):]
	}
}

// indexTop is the index of the first sep in s outside double quotes,
// backquotes and (), [], {}; -1 if none.
func indexTop(s, sep string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch {
			case c == '\\' && quote == '"':
				i++
			case c == quote:
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '`':
			quote = c
			continue
		case '(', '[', '{':
			depth++
			continue
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth == 0 && strings.HasPrefix(s[i:], sep) {
			return i
		}
	}
	return -1
}

// WriteFinding writes one finding in the text layout: loc is "path:line:col"
// (or empty), sev the (possibly coloured) severity, id the finding id, and
// extra lines follow the message's own why and how to fix.
func WriteFinding(w io.Writer, loc, sev, id, msg string, extra ...string) error {
	title, details := Layout(msg)
	var b strings.Builder
	if loc != "" {
		b.WriteString(loc)
		b.WriteString(": ")
	}
	b.WriteString(sev)
	if id != "" {
		b.WriteString(" ")
		b.WriteString(id)
	}
	b.WriteString(": ")
	b.WriteString(title)
	b.WriteByte('\n')
	for _, d := range append(details, extra...) {
		b.WriteString(Indent)
		b.WriteString(d)
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// withoutSelf removes a reference to the finding's own location, " (FILE:LINE:COL)",
// from its message: text output names the location once, at the start.
func withoutSelf(d Diagnostic) string {
	return strings.ReplaceAll(d.Message, fmt.Sprintf(" (%s:%d:%d)", d.File, d.Line, d.Column), "")
}
