package emulator

import (
	"compress/gzip"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// cloudWatchOp is one CloudWatch action, independent of protocol: it makes an empty input shape
// for the protocol to fill, and runs the action on the filled shape.
type cloudWatchOp struct {
	newInput func() any
	run      func(e *Emulator, rs *regionState, in any, now time.Time) (any, *APIError)
}

// cwAction adapts a typed action function to cloudWatchOp.
func cwAction[I, O any](f func(*Emulator, *regionState, *I, time.Time) (*O, *APIError)) cloudWatchOp {
	return cloudWatchOp{
		newInput: func() any { return new(I) },
		run: func(e *Emulator, rs *regionState, in any, now time.Time) (any, *APIError) {
			out, err := f(e, rs, in.(*I), now)
			if err != nil {
				return nil, err
			}
			return out, nil
		},
	}
}

// cloudWatchOps are the CloudWatch actions the emulator implements, by operation name.
var cloudWatchOps = map[string]cloudWatchOp{
	"PutMetricAlarm":       cwAction((*Emulator).putMetricAlarm),
	"DescribeAlarms":       cwAction((*Emulator).describeAlarms),
	"DeleteAlarms":         cwAction((*Emulator).deleteAlarms),
	"EnableAlarmActions":   cwAction((*Emulator).enableAlarmActions),
	"DisableAlarmActions":  cwAction((*Emulator).disableAlarmActions),
	"SetAlarmState":        cwAction((*Emulator).setAlarmState),
	"DescribeAlarmHistory": cwAction((*Emulator).describeAlarmHistory),
	"PutMetricData":        cwAction((*Emulator).putMetricData),
	"GetMetricStatistics":  cwAction((*Emulator).getMetricStatistics),
	"TagResource":          cwAction((*Emulator).tagResource),
	"UntagResource":        cwAction((*Emulator).untagResource),
	"ListTagsForResource":  cwAction((*Emulator).listTagsForResource),
}

// callCloudWatch runs op: decode fills the input shape from the request, and the result is the
// output tree for the protocol to encode (an empty wire.Struct for actions without output).
func (e *Emulator) callCloudWatch(rs *regionState, p wire.Protocol, op string, decode func(in any) *APIError) (any, *APIError) {
	o, ok := cloudWatchOps[op]
	if !ok {
		return nil, unknownCloudWatchOp(p, op)
	}
	in := o.newInput()
	err := decode(in)
	var out any
	if err == nil {
		out, err = o.run(e, rs, in, e.simTime)
	}
	if err != nil {
		e.log.Info("cloudwatch API error", "action", op, "region", rs.name, "code", err.Code, "message", err.Message)
		return nil, err
	}
	tree, _ := wire.ToTree(reflect.ValueOf(out))
	return tree, nil
}

func unknownCloudWatchOp(p wire.Protocol, op string) *APIError {
	supported := strings.Join(slices.Sorted(maps.Keys(cloudWatchOps)), ", ")
	switch {
	case p == wire.Query && op == "":
		return senderError("MissingAction", "The request must contain the parameter Action (one of %s).", supported)
	case p == wire.Query:
		return senderError("InvalidAction", "The action %s is not valid for this web service; the emulator implements the CloudWatch actions %s.", truncate(op, 64), supported)
	}
	return senderError("UnknownOperationException", "The operation %s is not supported by the emulator; it implements %s.", truncate(op, 64), supported)
}

// maxCloudWatchBody bounds a JSON or CBOR body before and after decompression: PutMetricData's
// largest legal request is 1 MB.
const maxCloudWatchBody = 8 << 20

// readCloudWatchBody reads a JSON or CBOR request body, gunzipping it if the client compressed it
// (the SDKs and botocore gzip large PutMetricData requests).
func readCloudWatchBody(w http.ResponseWriter, r *http.Request) ([]byte, *APIError) {
	var body io.Reader = http.MaxBytesReader(w, r.Body, maxCloudWatchBody)
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, wire.SerializationError("The body is declared gzip (Content-Encoding: gzip) but is not: %v.", err)
		}
		body = io.LimitReader(zr, maxCloudWatchBody+1)
	default:
		return nil, wire.SerializationError("Content-Encoding %q is not supported; send the body uncompressed or gzip-compressed.", truncate(enc, 32))
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, wire.SerializationError("The request body could not be read: %v.", err)
	}
	if len(raw) > maxCloudWatchBody {
		return nil, wire.SerializationError("The request body is larger than %d bytes; send fewer metric data per request.", maxCloudWatchBody)
	}
	return raw, nil
}

// decodeTree fills a shape from an input tree, naming the operation in errors.
func decodeTree(op string, tree map[string]any) func(in any) *APIError {
	return func(in any) *APIError {
		return wire.FromTree(reflect.ValueOf(in).Elem(), tree, op+"Input")
	}
}

// cloudWatchErrorShapes maps the error codes clients see (the awsQueryError codes) to the modeled
// error shapes newer SDKs deserialize; codes missing here (ValidationError, Throttling, ...) are not
// modeled and travel as plain codes.
var cloudWatchErrorShapes = map[string]string{
	"ResourceNotFound":            "ResourceNotFound",
	"ResourceNotFoundException":   "ResourceNotFoundException",
	"LimitExceeded":               "LimitExceededFault",
	"InvalidParameterValue":       "InvalidParameterValueException",
	"InvalidParameterCombination": "InvalidParameterCombinationException",
	"MissingParameter":            "MissingRequiredParameterException",
	"InvalidNextToken":            "InvalidNextToken",
	"InvalidFormat":               "InvalidFormatFault",
	"InternalServiceError":        "InternalServiceFault",
}

// cloudWatchErrorType is the __type a JSON or CBOR error carries.
func cloudWatchErrorType(code string) string {
	if shape, ok := cloudWatchErrorShapes[code]; ok {
		return "com.amazonaws.cloudwatch#" + shape
	}
	return code
}

// serveCloudWatchTree is what the JSON and CBOR protocols share: both POST a body that decodes
// to a tree of the same shape, and answer with a tree in the same format, errors included.
func (e *Emulator) serveCloudWatchTree(w http.ResponseWriter, r *http.Request, rs *regionState, p wire.Protocol, op string,
	decode func([]byte) (map[string]any, error)) {
	if r.Method != http.MethodPost {
		writeCloudWatchError(w, p, wire.SerializationError("CloudWatch requests must be POSTs, not %s.", truncate(r.Method, 16)))
		return
	}
	body, err := readCloudWatchBody(w, r)
	if err != nil {
		writeCloudWatchError(w, p, err)
		return
	}
	tree, decodeErr := decode(body)
	if decodeErr != nil {
		writeCloudWatchError(w, p, wire.SerializationError("The body cannot be read as %s input: %v.", truncate(op, 64), decodeErr))
		return
	}
	out, err := e.callCloudWatch(rs, p, op, decodeTree(op, tree))
	if err != nil {
		writeCloudWatchError(w, p, err)
		return
	}
	wire.WriteTree(w, p, http.StatusOK, out)
}

// writeCloudWatchError writes a CloudWatch error in the request's protocol. JSON and CBOR errors
// carry the modeled shape's __type and, because CloudWatch is awsQueryCompatible, the Query code.
func writeCloudWatchError(w http.ResponseWriter, p wire.Protocol, err *APIError) {
	if p == wire.Query {
		wire.WriteQueryError(w, cloudWatchXMLNS, err)
		return
	}
	wire.WriteTreeError(w, p, cloudWatchErrorType(err.Code), err)
}
