package emulator

import (
	"net/http"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// serveCloudWatchCBOR answers a Smithy RPCv2 CBOR request, what aws-sdk-go-v2 sends:
// POST /service/GraniteServiceVersion20100801/operation/<Op> with a CBOR map body. Called with
// e.mu held.
func (e *Emulator) serveCloudWatchCBOR(w http.ResponseWriter, r *http.Request, rs *regionState, op string) {
	// The protocol requires the header; checking it catches a client speaking something else to
	// the CBOR path.
	if got := r.Header.Get("Smithy-Protocol"); got != "rpc-v2-cbor" {
		writeCloudWatchError(w, wire.CBOR, wire.SerializationError("Missing or wrong Smithy-Protocol header %q: RPCv2 CBOR requests must send Smithy-Protocol: rpc-v2-cbor.", truncate(got, 64)))
		return
	}
	e.serveCloudWatchTree(w, r, rs, wire.CBOR, op, wire.DecodeCBOR)
}
