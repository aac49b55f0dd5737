package emulator

import (
	"fmt"
	"net/http"
)

// APIError is an AWS error in protocol-neutral form. Every protocol writer (Query XML, JSON, CBOR)
// serializes it; SDKs switch on Code, people read Message, and Sender says whether the caller
// (true, HTTP 4xx) or the service (false, "Receiver", HTTP 5xx) is at fault.
type APIError struct {
	Code    string
	Message string
	Status  int
	Sender  bool
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// validationError is AWS's catch-all for bad input: HTTP 400, code ValidationError.
func validationError(format string, a ...any) *APIError {
	return senderError("ValidationError", format, a...)
}

// senderError is a 400 client fault with the given AWS error code.
func senderError(code, format string, a ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, a...), Status: http.StatusBadRequest, Sender: true}
}

// internalError is a 500 service fault. The emulator returns it only for its own bugs, never for
// anything a client sent.
func internalError(format string, a ...any) *APIError {
	return &APIError{Code: "InternalFailure", Message: fmt.Sprintf(format, a...), Status: http.StatusInternalServerError}
}

// The Auto Scaling error codes the AWS SDKs model as typed errors (AlreadyExistsFault and friends
// carry these codes on the wire).
func alreadyExists(format string, a ...any) *APIError {
	return senderError("AlreadyExists", format, a...)
}
func resourceInUse(format string, a ...any) *APIError {
	return senderError("ResourceInUse", format, a...)
}
func limitExceeded(format string, a ...any) *APIError {
	return senderError("LimitExceeded", format, a...)
}
func scalingActivityInProgress(format string, a ...any) *APIError {
	return senderError("ScalingActivityInProgress", format, a...)
}
