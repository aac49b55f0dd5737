package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// DecodeCBOR reads a Smithy RPCv2 CBOR body into an input tree (see tree.go), using
// the same CBOR decoder the AWS SDK uses. An empty body is an empty input: the SDK sends no body
// when no input member is set.
func DecodeCBOR(body []byte) (map[string]any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, err
	}
	tree, err := cborToTree(v)
	if err != nil {
		return nil, err
	}
	m, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the body is %s, not a CBOR map", describe(tree))
	}
	return m, nil
}

func cborToTree(v cbor.Value) (any, error) {
	switch v := v.(type) {
	case cbor.Map:
		m := make(map[string]any, len(v))
		for k, item := range v {
			t, err := cborToTree(item)
			if err != nil {
				return nil, err
			}
			m[k] = t
		}
		return m, nil
	case cbor.List:
		list := make([]any, len(v))
		for i, item := range v {
			t, err := cborToTree(item)
			if err != nil {
				return nil, err
			}
			list[i] = t
		}
		return list, nil
	case cbor.String:
		return string(v), nil
	case cbor.Bool:
		return bool(v), nil
	case *cbor.Nil, *cbor.Undefined:
		return nil, nil
	case cbor.Uint:
		return json.Number(strconv.FormatUint(uint64(v), 10)), nil
	case cbor.NegInt:
		if v == 0 { // the wraparound encoding of -2^64
			return nil, fmt.Errorf("negative integer out of range")
		}
		// The decoder has already applied CBOR's -1 bias: NegInt(n) is the integer -n.
		return json.Number("-" + strconv.FormatUint(uint64(v), 10)), nil
	case cbor.Float32:
		return floatNumber(float64(v))
	case cbor.Float64:
		return floatNumber(float64(v))
	case *cbor.Tag:
		if v.ID != 1 {
			return nil, fmt.Errorf("unsupported CBOR tag %d (only tag 1, epoch timestamps, is used by CloudWatch)", v.ID)
		}
		secs, err := cbor.AsFloat64(v.Value)
		// ±1e11 s is beyond year 5000: anything further is garbage, not a date.
		if err != nil || math.IsNaN(secs) || math.Abs(secs) > 1e11 {
			return nil, fmt.Errorf("tag 1 must hold epoch seconds as a number")
		}
		return time.UnixMilli(int64(math.Round(secs * 1000))).UTC(), nil
	case cbor.Slice:
		return nil, fmt.Errorf("byte strings are not used by any CloudWatch input")
	}
	return nil, fmt.Errorf("unsupported CBOR value %T", v)
}

func floatNumber(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("NaN and infinities are not valid CloudWatch values")
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// EncodeCBOR encodes an output tree; timestamps are tag 1 around float64 epoch seconds, exactly
// what the SDK's own serializer writes.
func EncodeCBOR(v any) cbor.Value {
	switch v := v.(type) {
	case Struct:
		m := make(cbor.Map, len(v))
		for _, f := range v {
			m[f.Name] = EncodeCBOR(f.Value)
		}
		return m
	case map[string]any:
		m := make(cbor.Map, len(v))
		for k, item := range v {
			m[k] = EncodeCBOR(item)
		}
		return m
	case []any:
		list := make(cbor.List, len(v))
		for i, item := range v {
			list[i] = EncodeCBOR(item)
		}
		return list
	case string:
		return cbor.String(v)
	case bool:
		return cbor.Bool(v)
	case int64:
		if v < 0 {
			return cbor.NegInt(uint64(-v))
		}
		return cbor.Uint(uint64(v))
	case float64:
		return cbor.Float64(v)
	case time.Time:
		return &cbor.Tag{ID: 1, Value: cbor.Float64(EpochSeconds(v))}
	}
	panic(fmt.Sprintf("treeToCBOR: unexpected %T", v))
}

// WriteCBOR writes an output tree as an RPCv2 CBOR response.
func WriteCBOR(w http.ResponseWriter, status int, tree any) {
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("x-amzn-RequestId", NewRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(cbor.Encode(EncodeCBOR(tree)))
}
