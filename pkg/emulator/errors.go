package emulator

import "github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"

// APIError is an AWS error in protocol-neutral form (see wire.Error): every protocol writer
// serializes it.
type APIError = wire.Error

// validationError is AWS's catch-all for bad input: HTTP 400, code ValidationError.
func validationError(format string, a ...any) *APIError {
	return senderError("ValidationError", format, a...)
}

// senderError is a 400 client fault with the given AWS error code.
func senderError(code, format string, a ...any) *APIError {
	return wire.SenderError(code, format, a...)
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
