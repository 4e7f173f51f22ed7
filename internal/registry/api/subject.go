package api

import "strings"

// Contexts, as Confluent spells them: a subject ":.ctx:name" lives in
// context ".ctx"; a subject without that prefix (or with ":.:") lives in the
// default context ".". Each context has its own schema ids.
const (
	DefaultContext = "."
	// ContextWildcard as a subject prefix matches every context.
	ContextWildcard = ":*:"
	// GlobalContext holds no subjects: its config and mode (GlobalScope,
	// ":.__GLOBAL:") are the last fallback of every subject and context,
	// and the FORWARD mode may only be set there.
	GlobalContext = ".__GLOBAL"
	GlobalScope   = ":" + GlobalContext + ":"
)

// SplitSubject splits a subject into its context and its name within it:
// ":.ctx:orders" is (".ctx", "orders"), "orders" and ":.:orders" are
// (".", "orders"), ":.ctx:" is (".ctx", ""), and ":.ctx" (no second colon)
// names the context alone.
func SplitSubject(s string) (ctx, name string) {
	if !strings.HasPrefix(s, ":.") {
		return DefaultContext, s
	}
	rest := s[1:]
	if i := strings.IndexByte(rest[1:], ':'); i >= 0 {
		return rest[:i+1], rest[i+2:]
	}
	return rest, ""
}

// ContextOf returns the context of subject.
func ContextOf(subject string) string {
	ctx, _ := SplitSubject(subject)
	return ctx
}

// QualifySubject returns the canonical form of name in ctx: the bare name in
// the default context, ":ctx:name" elsewhere.
func QualifySubject(ctx, name string) string {
	if ctx == DefaultContext || ctx == "" {
		return name
	}
	return ":" + ctx + ":" + name
}

// NormalizeSubject returns the canonical spelling of a subject: ":.:x"
// becomes "x".
func NormalizeSubject(s string) string {
	return QualifySubject(SplitSubject(s))
}

// QualifyReference qualifies the subject of a reference made from a schema in
// ctx: a reference subject without a context is in the referencing
// subject's context, as Confluent resolves it.
func QualifyReference(ctx, refSubject string) string {
	if strings.HasPrefix(refSubject, ":.") {
		return NormalizeSubject(refSubject)
	}
	return QualifySubject(ctx, refSubject)
}

// NormalizeContext returns the context a path or parameter names: ".ctx",
// ":.ctx:" and ":.ctx" all name ".ctx"; "" and ":.:" the default context.
// ok is false when it is not a context name.
func NormalizeContext(s string) (ctx string, ok bool) {
	switch {
	case s == "" || s == DefaultContext || s == ":.:":
		return DefaultContext, true
	case strings.HasPrefix(s, ":."):
		c, name := SplitSubject(s)
		if name != "" {
			return "", false
		}
		s = c
	}
	if !strings.HasPrefix(s, ".") || strings.ContainsAny(s, ":/") {
		return "", false
	}
	return s, true
}
