package wire

import (
	"crypto/rand"
	"fmt"
	"net/http"
)

// Error is an AWS error in protocol-neutral form. Every protocol writer (Query XML, EC2 XML, JSON,
// CBOR) serializes it; SDKs switch on Code, people read Message, and Sender says whether the
// caller (true, HTTP 4xx) or the service (false, "Receiver", HTTP 5xx) is at fault.
type Error struct {
	Code    string
	Message string
	Status  int
	Sender  bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// status is the HTTP status the error goes out with: 400 unless set.
func (e *Error) status() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// SenderError is a 400 client fault with the given AWS error code.
func SenderError(code, format string, a ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, a...), Status: http.StatusBadRequest, Sender: true}
}

// InternalError is a 500 service fault: only for the emulator's own bugs, never for anything a
// client sent.
func InternalError(format string, a ...any) *Error {
	return &Error{Code: "InternalFailure", Message: fmt.Sprintf(format, a...), Status: http.StatusInternalServerError}
}

// SerializationError is what AWS answers when a JSON or CBOR body does not fit the operation's
// input shape.
func SerializationError(format string, a ...any) *Error {
	return SenderError("SerializationException", format, a...)
}

// CodeRecorder is implemented by response writers that want to know the error code a writer sent
// (the emulator counts errors by code whichever protocol carried them).
type CodeRecorder interface {
	RecordErrorCode(code string)
}

func recordCode(w http.ResponseWriter, code string) {
	if r, ok := w.(CodeRecorder); ok {
		r.RecordErrorCode(code)
	}
}

// NewRequestID is a random UUID (version 4), the shape of AWS request ids.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
