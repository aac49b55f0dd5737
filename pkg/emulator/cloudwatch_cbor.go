package emulator

import (
	"net/http"

	"github.com/aws/smithy-go/encoding/cbor"
)

// serveCloudWatchCBOR answers a Smithy RPCv2 CBOR request, what aws-sdk-go-v2 sends:
// POST /service/GraniteServiceVersion20100801/operation/<Op> with a CBOR map body. Called with
// e.mu held.
func (e *Emulator) serveCloudWatchCBOR(w http.ResponseWriter, r *http.Request, rs *regionState, op string) {
	// The protocol requires the header; checking it catches a client speaking something else to
	// the CBOR path.
	if got := r.Header.Get("Smithy-Protocol"); got != "rpc-v2-cbor" {
		writeCloudWatchError(w, protoCBOR, serializationError("Missing or wrong Smithy-Protocol header %q: RPCv2 CBOR requests must send Smithy-Protocol: rpc-v2-cbor.", truncate(got, 64)))
		return
	}
	e.serveCloudWatchTree(w, r, rs, protoCBOR, op, decodeCBORTree)
}

// writeCBOR writes an output tree as an RPCv2 CBOR response.
func writeCBOR(w http.ResponseWriter, status int, tree any) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(treeToCBOR(tree)))
}
