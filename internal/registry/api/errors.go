package api

import "fmt"

// Confluent error codes (Errors.java). Each goes with the HTTP status that is
// its first three digits.
const (
	CodeSubjectNotFound       = 40401
	CodeVersionNotFound       = 40402
	CodeSchemaNotFound        = 40403
	CodeSubjectSoftDeleted    = 40404
	CodeSubjectNotSoftDeleted = 40405
	CodeVersionSoftDeleted    = 40406
	CodeVersionNotSoftDeleted = 40407
	CodeSubjectConfigNotFound = 40408
	CodeSubjectModeNotFound   = 40409
	CodeIncompatibleSchema    = 40901
	CodeInvalidSchema         = 42201
	CodeInvalidVersion        = 42202
	CodeInvalidCompatibility  = 42203
	CodeInvalidMode           = 42204
	CodeOperationNotPermitted = 42205
	CodeReferenceExists       = 42206
	CodeInvalidSubject        = 42208
	CodeSchemaTooLarge        = 42209
	CodeInvalidRuleSet        = 42210
	CodeContextNotEmpty       = 42211
	CodeStoreError            = 50001
	CodeOperationTimeout      = 50002
	CodeUnauthorized          = 401
	CodeForbidden             = 403
	CodeNotFound              = 404
	CodeMethodNotAllowed      = 405
	CodeNotAcceptable         = 406
	CodePayloadTooLarge       = 413
	CodeTooManyRequests       = 429
	CodeUnsupportedMediaType  = 415
	CodeBadRequest            = 400
	CodeUnprocessable         = 422
	CodeInternal              = 500
)

// Error is the API's error body, {"error_code","message"}, with the HTTP
// status it is answered with.
type Error struct {
	Status  int    `json:"-"`
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %d: %s", e.Status, e.Code, e.Message) }

// Errorf returns an Error with a formatted message.
func Errorf(status, code int, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}
