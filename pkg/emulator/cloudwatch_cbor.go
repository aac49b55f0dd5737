package emulator

import (
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// serveCloudWatchCBOR answers a Smithy RPCv2 CBOR request, what aws-sdk-go-v2 sends:
// POST /service/GraniteServiceVersion20100801/operation/<Op> with a CBOR map body. Called with
// e.mu held.
func (e *Emulator) serveCloudWatchCBOR(w http.ResponseWriter, r *http.Request, rs *regionState, op string) {
	if r.Method != http.MethodPost {
		writeCBORError(w, serializationError("RPCv2 CBOR requests must be POSTs, not %s.", r.Method))
		return
	}
	// The protocol requires the header; checking it catches a client speaking something else
	// to the CBOR path.
	if r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		writeCBORError(w, serializationError("Missing or wrong Smithy-Protocol header %q: RPCv2 CBOR requests must send Smithy-Protocol: rpc-v2-cbor.", r.Header.Get("Smithy-Protocol")))
		return
	}
	body, err := readCloudWatchBody(w, r)
	if err != nil {
		writeCBORError(w, err)
		return
	}
	tree, decodeErr := decodeCBORTree(body)
	if decodeErr != nil {
		writeCBORError(w, serializationError("The body is not a valid CBOR map for %s: %v.", truncate(op, 64), decodeErr))
		return
	}
	out, err := e.callCloudWatch(rs, protoCBOR, op, decodeTree(op, tree))
	if err != nil {
		writeCBORError(w, err)
		return
	}
	writeCBOR(w, http.StatusOK, treeToCBOR(out))
}

func writeCBORError(w http.ResponseWriter, err *APIError) {
	status := setErrorHeaders(w, err)
	writeCBOR(w, status, cbor.Map{"__type": cbor.String(cloudWatchErrorType(err.Code)), "message": cbor.String(err.Message)})
}

func writeCBOR(w http.ResponseWriter, status int, v cbor.Value) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	if w.Header().Get("x-amzn-RequestId") == "" {
		w.Header().Set("x-amzn-RequestId", newRequestID())
	}
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(v))
}
