package server

import (
	"net/http"

	"github.com/evctl/evctl/internal/registry/api"
)

const (
	statusForIncompatible        = http.StatusConflict
	statusForUnprocessableEntity = http.StatusUnprocessableEntity
)

// apiError is an error answered to the client as {"error_code","message"}.
type apiError = api.Error

func errf(status, code int, format string, args ...any) *apiError {
	return api.Errorf(status, code, format, args...)
}

func errSubjectNotFound(s string) *apiError {
	return errf(http.StatusNotFound, api.CodeSubjectNotFound, "Subject '%s' not found.", s)
}

func errVersionNotFound(v int) *apiError {
	return errf(http.StatusNotFound, api.CodeVersionNotFound, "Version %d not found.", v)
}

func errSchemaNotFound() *apiError {
	return errf(http.StatusNotFound, api.CodeSchemaNotFound, "Schema not found")
}

func errInvalidSchema(format string, args ...any) *apiError {
	return errf(statusForUnprocessableEntity, api.CodeInvalidSchema, "Invalid schema: "+format, args...)
}

func errInvalidVersion(v string) *apiError {
	return errf(statusForUnprocessableEntity, api.CodeInvalidVersion,
		"The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", v)
}

func errInvalidSubject(s string) *apiError {
	return errf(statusForUnprocessableEntity, api.CodeInvalidSubject, "The specified subject %q is not valid.", s)
}

func errNotPermitted(format string, args ...any) *apiError {
	return errf(statusForUnprocessableEntity, api.CodeOperationNotPermitted, format, args...)
}
