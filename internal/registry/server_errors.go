package registry

import (
	"fmt"
	"net/http"
)

// Confluent error codes (Errors.java). Each goes with the HTTP status that is
// its first three digits.
const (
	codeSubjectNotFound          = 40401
	codeVersionNotFound          = 40402
	codeSchemaNotFound           = 40403
	codeSubjectSoftDeleted       = 40404
	codeSubjectNotSoftDeleted    = 40405
	codeVersionSoftDeleted       = 40406
	codeVersionNotSoftDeleted    = 40407
	codeSubjectConfigNotFound    = 40408
	codeSubjectModeNotFound      = 40409
	codeIncompatibleSchema       = 40901
	codeInvalidSchema            = 42201
	codeInvalidVersion           = 42202
	codeInvalidCompatibility     = 42203
	codeInvalidMode              = 42204
	codeOperationNotPermitted    = 42205
	codeReferenceExists          = 42206
	codeInvalidSubject           = 42208
	codeSchemaTooLarge           = 42209
	codeStoreError               = 50001
	codeOperationTimeout         = 50002
	codeUnauthorized             = 401
	codeForbidden                = 403
	codeNotFound                 = 404
	codeMethodNotAllowed         = 405
	codeNotAcceptable            = 406
	codePayloadTooLarge          = 413
	codeTooManyRequests          = 429
	codeUnsupportedMediaType     = 415
	codeBadRequest               = 400
	codeUnprocessable            = 422
	codeInternal                 = 500
	statusForIncompatible        = http.StatusConflict
	statusForUnprocessableEntity = http.StatusUnprocessableEntity
)

// apiError is an error answered to the client as {"error_code","message"}.
type apiError struct {
	Status  int    `json:"-"`
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d: %s", e.Status, e.Code, e.Message) }

func errf(status, code int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errSubjectNotFound(s string) *apiError {
	return errf(http.StatusNotFound, codeSubjectNotFound, "Subject '%s' not found.", s)
}

func errVersionNotFound(v int) *apiError {
	return errf(http.StatusNotFound, codeVersionNotFound, "Version %d not found.", v)
}

func errSchemaNotFound() *apiError {
	return errf(http.StatusNotFound, codeSchemaNotFound, "Schema not found")
}

func errInvalidSchema(format string, args ...any) *apiError {
	return errf(statusForUnprocessableEntity, codeInvalidSchema, "Invalid schema: "+format, args...)
}

func errInvalidVersion(v string) *apiError {
	return errf(statusForUnprocessableEntity, codeInvalidVersion,
		"The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", v)
}

func errInvalidSubject(s string) *apiError {
	return errf(statusForUnprocessableEntity, codeInvalidSubject, "The specified subject %q is not valid.", s)
}

func errNotPermitted(format string, args ...any) *apiError {
	return errf(statusForUnprocessableEntity, codeOperationNotPermitted, format, args...)
}
