package server

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/evctl/evctl/internal/registry/api"
)

// rewriteContextPath serves /contexts/{ctx}/… as Confluent's ContextFilter
// does: the path without its /contexts/{ctx} prefix, with the context put
// on the subject after /subjects/ (and after a leading /config or /mode,
// whose bare form becomes the context's own scope ":.ctx:"), on ?subject=
// of /schemas/ids/… and on ?subjectPrefix= of /subjects and /schemas, each
// unless it names a context already. /contexts and /contexts/{ctx} are
// left alone.
func rewriteContextPath(r *http.Request) *apiError {
	raw := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	segs := strings.Split(raw, "/")
	if len(segs) < 3 || segs[0] != "contexts" || segs[2] == "" {
		return nil
	}
	name, err := url.PathUnescape(segs[1])
	if err != nil {
		return errf(http.StatusBadRequest, api.CodeBadRequest, "Invalid context %q", segs[1])
	}
	ctx, ok := api.NormalizeContext(name)
	if !ok {
		return errf(http.StatusBadRequest, api.CodeBadRequest, "Invalid context %q: want .name", name)
	}
	prefix := api.QualifySubject(ctx, "")
	hasContext := func(s string) bool {
		if u, err := url.PathUnescape(s); err == nil {
			s = u
		}
		return strings.HasPrefix(s, ":.") || strings.HasPrefix(s, api.ContextWildcard)
	}
	var out []string
	first, subjectNext, configOrMode := true, false, false
	for _, s := range segs[2:] {
		m := s
		switch {
		case subjectNext:
			if !hasContext(s) {
				m = url.PathEscape(prefix) + s
			}
			subjectNext = false
		case s == "subjects":
			subjectNext = true
		case first && (s == "config" || s == "mode"):
			subjectNext, configOrMode = true, true
		}
		out = append(out, m)
		if first && s != "" {
			first = false
		}
	}
	if configOrMode && subjectNext && prefix != "" {
		out = append(out, url.PathEscape(prefix))
	}
	escaped := "/" + strings.Join(out, "/")
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return errf(http.StatusBadRequest, api.CodeBadRequest, "Invalid path %q", r.URL.Path)
	}
	r.URL.Path, r.URL.RawPath = path, escaped
	rest := strings.TrimSuffix(strings.TrimPrefix(path, "/"), "/")
	q := r.URL.Query()
	switch {
	case strings.HasPrefix(rest, "schemas/ids"):
		if s := q.Get("subject"); !hasContext(s) {
			q.Set("subject", prefix+s)
		}
	case rest == "schemas" || rest == "subjects":
		prefixes := q["subjectPrefix"]
		if len(prefixes) == 0 {
			prefixes = []string{""}
		}
		for i, p := range prefixes {
			if !hasContext(p) {
				prefixes[i] = prefix + p
			}
		}
		q["subjectPrefix"] = prefixes
	}
	r.URL.RawQuery = q.Encode()
	return nil
}
