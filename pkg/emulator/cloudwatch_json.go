package emulator

import (
	"bytes"
	"net/http"
)

// serveCloudWatchJSON answers an AWS JSON 1.0 request, what botocore and the AWS CLI v1 send:
// POST / with X-Amz-Target: GraniteServiceVersion20100801.<Op>. Called with e.mu held.
func (e *Emulator) serveCloudWatchJSON(w http.ResponseWriter, r *http.Request, rs *regionState, op string) {
	e.serveCloudWatchTree(w, r, rs, protoJSON, op, decodeJSONTree)
}

// writeAWSJSON writes an output tree as an AWS JSON 1.0 response.
func writeAWSJSON(w http.ResponseWriter, status int, tree any) {
	var buf bytes.Buffer
	encodeJSONTree(&buf, tree)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-RequestId", newRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
