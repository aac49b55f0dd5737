package wire

import (
	"bytes"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// fuzzShape exercises every kind FromTree and ToTree handle.
type fuzzShape struct {
	Name      string
	Enabled   *bool
	Actions   []string
	Period    *int32
	Count     int64
	Threshold *float64
	Start     *time.Time
	Values    []float64
	Dims      []dimension
	Stats     *struct {
		Sum, Minimum *float64
		Samples      int32
	}
}

// roundTrip decodes body with decode, copies it into a shape and, if that works, encodes the shape
// with encode and reads it back, twice: whatever a client sends, decoding never panics, rejects
// with a SerializationException, and a shape that went out and came back once is stable. (Once,
// not zero times: ToTree leaves out empty strings, inside lists too, so [""] comes back as [].)
func roundTrip(t *testing.T, body []byte, decode func([]byte) (map[string]any, error), encode func(any) []byte) {
	tree, err := decode(body)
	if err != nil {
		return
	}
	var first fuzzShape
	if err := FromTree(reflect.ValueOf(&first).Elem(), tree, "FuzzInput"); err != nil {
		if err.Code != "SerializationException" || err.Status != 400 {
			t.Fatalf("FromTree rejected %q with %+v, want a 400 SerializationException", body, err)
		}
		return
	}
	second := encodeDecode(t, first, decode, encode)
	if third := encodeDecode(t, second, decode, encode); !reflect.DeepEqual(second, third) {
		t.Fatalf("round trip is not stable:\n%+v\n%+v", second, third)
	}
}

func encodeDecode(t *testing.T, in fuzzShape, decode func([]byte) (map[string]any, error), encode func(any) []byte) fuzzShape {
	t.Helper()
	out, _ := ToTree(reflect.ValueOf(in))
	tree, err := decode(encode(out))
	if err != nil {
		t.Fatalf("cannot decode our own encoding of %+v: %v", in, err)
	}
	var back fuzzShape
	if err := FromTree(reflect.ValueOf(&back).Elem(), tree, "FuzzInput"); err != nil {
		t.Fatalf("cannot read back our own encoding of %+v: %v", in, err)
	}
	return back
}

func FuzzDecodeJSON(f *testing.F) {
	f.Add(`{"Name":"a","Enabled":true,"Actions":["x"],"Period":60,"Count":-9007199254740993,"Threshold":80.5,"Start":1764151200.123,` +
		`"Values":[1,2e300],"Dims":[{"Name":"AutoScalingGroupName","Value":"web"}],"Stats":{"Sum":2,"Minimum":-1,"Samples":1}}`)
	f.Add(`{"Period":"60"}`)
	f.Add(`{"Period":60.5,"Threshold":null}`)
	f.Add(`{"Start":1e300}`)
	f.Add(`[{"Name":"a"}]`)
	f.Add(`{"Name":"a"} trailing`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, body string) {
		roundTrip(t, []byte(body), DecodeJSON, func(tree any) []byte {
			var buf bytes.Buffer
			EncodeJSON(&buf, tree)
			return buf.Bytes()
		})
	})
}

func FuzzDecodeCBOR(f *testing.F) {
	ts := &cbor.Tag{ID: 1, Value: cbor.Float64(1764151200.5)}
	f.Add(cbor.Encode(cbor.Map{"Name": cbor.String("a"), "Enabled": cbor.Bool(false), "Actions": cbor.List{cbor.String("x")},
		"Period": cbor.Uint(60), "Count": cbor.NegInt(5), "Threshold": cbor.Float32(1.5), "Start": ts,
		"Values": cbor.List{cbor.Float64(1), cbor.Uint(2)}, "Dims": cbor.List{cbor.Map{"Name": cbor.String("n"), "Value": cbor.String("v")}},
		"Stats": cbor.Map{"Sum": cbor.NegInt(3), "Samples": cbor.Uint(1)}}))
	f.Add(cbor.Encode(cbor.Map{"Start": &cbor.Tag{ID: 1, Value: cbor.Uint(1764151200)}, "Period": cbor.Uint(1 << 40)}))
	f.Add([]byte{})
	f.Add([]byte{0xbf, 0x61, 0x41, 0xff})                   // indefinite-length map
	f.Add([]byte{0xa1, 0x66, 'P', 'e', 'r', 'i', 'o', 'd'}) // truncated
	f.Add([]byte{0x9f, 0x9f, 0x9f, 0xff, 0xff, 0xff})       // a list, not a map
	f.Fuzz(func(t *testing.T, body []byte) {
		roundTrip(t, body, DecodeCBOR, func(tree any) []byte { return cbor.Encode(EncodeCBOR(tree)) })
	})
}

// FuzzFormArgs reads arbitrary forms in both dialects into nested shapes: never a panic, and a
// malformed value is a 400 with the dialect's code.
func FuzzFormArgs(f *testing.F) {
	f.Add(false, "AlarmName=a&OKActions=&Period=60&Dimensions.member.1.Name=A&Dimensions.member.99999999999.Value=1&Threshold=1e400")
	f.Add(true, "D.ImageId=ami-1&D.SecurityGroupId.1=sg-1&D.BlockDeviceMapping.1.Ebs.VolumeSize=x&D.Version=-1&D.ValidUntil=now")
	f.Add(true, "D.BlockDeviceMapping.0.DeviceName=a&D.Monitoring.Enabled=maybe&D.BlockDeviceMapping..Ebs=1")
	f.Fuzz(func(t *testing.T, ec2 bool, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		q, code := QueryArgs(form), "ValidationError"
		if ec2 {
			q, code = EC2Args(form), "InvalidParameterValue"
		}
		var alarm alarmInput
		FromForm(reflect.ValueOf(&alarm).Elem(), q)
		var data templateData
		FromForm(reflect.ValueOf(&data).Elem(), q.Sub("D"))
		q.Unread()
		if err := q.Err(); err != nil && (err.Code != code || err.Status != 400 || !err.Sender) {
			t.Fatalf("%q: %+v, want a 400 %s", body, err, code)
		}
	})
}
