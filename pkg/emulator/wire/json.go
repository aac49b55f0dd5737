package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// DecodeJSON reads an AWS JSON 1.0 body into an input tree (see tree.go). Numbers
// stay json.Number so an integer member can tell 5 from 5.5; an empty body is an empty input, as
// SDKs send nothing for operations whose input has no members set.
func DecodeJSON(body []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON document")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the body is %s, not a JSON object", describe(v))
	}
	return m, nil
}

// EncodeJSON writes an output tree as AWS JSON 1.0: structures and maps as objects, timestamps
// as epoch seconds with millisecond fractions.
func EncodeJSON(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case Struct:
		buf.WriteByte('{')
		for i, f := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, f.Name)
			buf.WriteByte(':')
			EncodeJSON(buf, f.Value)
		}
		buf.WriteByte('}')
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k)
			buf.WriteByte(':')
			EncodeJSON(buf, v[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, item := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			EncodeJSON(buf, item)
		}
		buf.WriteByte(']')
	case string:
		writeJSONString(buf, v)
	case bool:
		buf.WriteString(strconv.FormatBool(v))
	case int64:
		buf.WriteString(strconv.FormatInt(v, 10))
	case float64:
		buf.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case time.Time:
		buf.WriteString(strconv.FormatFloat(EpochSeconds(v), 'f', -1, 64))
	default:
		panic(fmt.Sprintf("EncodeJSON: unexpected %T", v))
	}
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s) // a string always marshals
	buf.Write(b)
}

// EpochSeconds is how JSON and CBOR carry timestamps: seconds, milliseconds as the fraction.
func EpochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// WriteJSON writes an output tree as an AWS JSON 1.0 response.
func WriteJSON(w http.ResponseWriter, status int, tree any) {
	var buf bytes.Buffer
	EncodeJSON(&buf, tree)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("x-amzn-RequestId", NewRequestID())
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
