package emulator

import (
	"net/http"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// serveCloudWatchJSON answers an AWS JSON 1.0 request, what botocore and the AWS CLI v1 send:
// POST / with X-Amz-Target: GraniteServiceVersion20100801.<Op>. Called with e.mu held.
func (e *Emulator) serveCloudWatchJSON(w http.ResponseWriter, r *http.Request, rs *regionState, op string) {
	e.serveCloudWatchTree(w, r, rs, wire.JSON, op, wire.DecodeJSON)
}
