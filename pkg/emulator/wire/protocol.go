package wire

import "net/http"

// Protocol is the wire format a request arrived in; its errors (including injected faults) go
// back in the same one.
type Protocol int

const (
	Query Protocol = iota // awsQuery: form-encoded request, XML response
	EC2                   // ec2Query: form-encoded request, XML response without a Result wrapper
	JSON                  // AWS JSON 1.0 (X-Amz-Target)
	CBOR                  // Smithy RPCv2 CBOR
)

// WriteTree writes an output tree in p, which must be JSON or CBOR.
func WriteTree(w http.ResponseWriter, p Protocol, status int, tree any) {
	if p == CBOR {
		WriteCBOR(w, status, tree)
		return
	}
	WriteJSON(w, status, tree)
}

// WriteTreeError writes err as a JSON or CBOR error: {"__type": errType, "message"}, plus the
// x-amzn-query-error header that services with the awsQueryCompatible trait (CloudWatch) send, so
// SDKs and botocore report the Query error code and fault.
func WriteTreeError(w http.ResponseWriter, p Protocol, errType string, err *Error) {
	fault := "Receiver"
	if err.Sender {
		fault = "Sender"
	}
	w.Header().Set("x-amzn-query-error", err.Code+";"+fault)
	recordCode(w, err.Code)
	WriteTree(w, p, err.status(), Struct{{"__type", errType}, {"message", err.Message}})
}
