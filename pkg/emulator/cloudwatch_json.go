package emulator

import (
	"bytes"
	"net/http"
)

// serveCloudWatchJSON answers an AWS JSON 1.0 request, what botocore and the AWS CLI v1 send:
// POST / with X-Amz-Target: GraniteServiceVersion20100801.<Op>. Called with e.mu held.
func (e *Emulator) serveCloudWatchJSON(w http.ResponseWriter, r *http.Request, rs *regionState, op string) {
	if r.Method != http.MethodPost {
		writeAWSJSONError(w, serializationError("AWS JSON requests must be POSTs, not %s.", r.Method))
		return
	}
	body, err := readCloudWatchBody(w, r)
	if err != nil {
		writeAWSJSONError(w, err)
		return
	}
	tree, decodeErr := decodeJSONTree(body)
	if decodeErr != nil {
		writeAWSJSONError(w, serializationError("The body is not a valid JSON object for %s: %v.", truncate(op, 64), decodeErr))
		return
	}
	out, err := e.callCloudWatch(rs, protoJSON, op, decodeTree(op, tree))
	if err != nil {
		writeAWSJSONError(w, err)
		return
	}
	var buf bytes.Buffer
	encodeJSONTree(&buf, out)
	writeAWSJSON(w, http.StatusOK, buf.Bytes())
}

func writeAWSJSONError(w http.ResponseWriter, err *APIError) {
	status := setErrorHeaders(w, err)
	var buf bytes.Buffer
	encodeJSONTree(&buf, wireStruct{{"__type", cloudWatchErrorType(err.Code)}, {"message", err.Message}})
	writeAWSJSON(w, status, buf.Bytes())
}

func writeAWSJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if w.Header().Get("x-amzn-RequestId") == "" {
		w.Header().Set("x-amzn-RequestId", newRequestID())
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
