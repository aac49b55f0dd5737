package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// The CloudWatch request fuzzers drive whole requests through the emulator, handlers included;
// the codecs alone are fuzzed in package wire.

// fuzzOps are the operations the request fuzzers aim at, picked by the fuzzed index; the last
// one does not exist.
var fuzzOps = []string{"PutMetricAlarm", "DescribeAlarms", "DeleteAlarms", "EnableAlarmActions", "DisableAlarmActions",
	"SetAlarmState", "DescribeAlarmHistory", "PutMetricData", "GetMetricStatistics", "TagResource", "UntagResource",
	"ListTagsForResource", "NoSuchOperation"}

// fuzzCloudWatch sends one fuzzed request to a fresh emulator and fails on what a client must
// never see: a panic (the fuzzer reports it), a 5xx, or a body its protocol cannot decode.
func fuzzCloudWatch(t *testing.T, req *http.Request, decodes func([]byte) error) {
	rec := httptest.NewRecorder()
	New(Options{Clock: NewManualClock(cwT0)}).ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("status %d for a client's request: %s", rec.Code, rec.Body.Bytes())
	}
	if rec.Code != http.StatusOK && rec.Code != http.StatusBadRequest && rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 200, 400 or 404", rec.Code)
	}
	if err := decodes(rec.Body.Bytes()); err != nil {
		t.Fatalf("status %d with an undecodable body %q: %v", rec.Code, rec.Body.Bytes(), err)
	}
}

func cborSeed(m cbor.Map) []byte { return cbor.Encode(m) }

func FuzzCloudWatchCBORRequest(f *testing.F) {
	ts := &cbor.Tag{ID: 1, Value: cbor.Float64(wire.EpochSeconds(cwT0))}
	dims := cbor.List{cbor.Map{"Name": cbor.String("AutoScalingGroupName"), "Value": cbor.String("web")}}
	f.Add(uint8(0), cborSeed(cbor.Map{
		"AlarmName": cbor.String("a"), "Namespace": cbor.String("AWS/EC2"), "MetricName": cbor.String("CPUUtilization"),
		"Statistic": cbor.String("Average"), "Period": cbor.Uint(60), "EvaluationPeriods": cbor.Uint(6),
		"Threshold": cbor.Float64(80), "ComparisonOperator": cbor.String("GreaterThanThreshold"), "Dimensions": dims,
		"AlarmActions": cbor.List{cbor.String("arn:aws:sns:us-east-1:123456789012:t")}, "ActionsEnabled": cbor.Bool(true),
	}))
	f.Add(uint8(1), cborSeed(cbor.Map{"AlarmNames": cbor.List{cbor.String("a")}, "MaxRecords": cbor.Uint(5), "NextToken": cbor.String("YQ")}))
	f.Add(uint8(2), cborSeed(cbor.Map{"AlarmNames": cbor.List{}}))
	f.Add(uint8(5), cborSeed(cbor.Map{"AlarmName": cbor.String("a"), "StateValue": cbor.String("ALARM"), "StateReason": cbor.String("x"), "StateReasonData": cbor.String("{}")}))
	f.Add(uint8(6), cborSeed(cbor.Map{"StartDate": ts, "EndDate": ts, "ScanBy": cbor.String("TimestampAscending")}))
	f.Add(uint8(7), cborSeed(cbor.Map{"Namespace": cbor.String("Shop"), "MetricData": cbor.List{
		cbor.Map{"MetricName": cbor.String("m"), "Timestamp": ts, "Values": cbor.List{cbor.Float64(1), cbor.Uint(2)}, "Counts": cbor.List{cbor.Uint(1), cbor.Float32(3)}},
		cbor.Map{"MetricName": cbor.String("m"), "StatisticValues": cbor.Map{"SampleCount": cbor.Uint(1), "Sum": cbor.NegInt(3), "Minimum": cbor.NegInt(3), "Maximum": cbor.NegInt(3)}},
	}}))
	f.Add(uint8(8), cborSeed(cbor.Map{"Namespace": cbor.String("Shop"), "MetricName": cbor.String("m"), "StartTime": ts,
		"EndTime": &cbor.Tag{ID: 1, Value: cbor.Uint(uint64(cwT0.Unix() + 600))}, "Period": cbor.Uint(60),
		"ExtendedStatistics": cbor.List{cbor.String("p99.9")}, "Dimensions": dims}))
	f.Add(uint8(9), []byte{})
	f.Add(uint8(0), []byte{0xbf, 0x61, 0x41, 0xff})                   // indefinite-length map
	f.Add(uint8(0), []byte{0xa1, 0x66, 'P', 'e', 'r', 'i', 'o', 'd'}) // truncated
	f.Add(uint8(8), []byte{0x9f, 0x9f, 0x9f, 0xff, 0xff, 0xff})       // a list, not a map
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		req := httptest.NewRequest(http.MethodPost, cborPathPrefix+fuzzOps[int(op)%len(fuzzOps)], bytes.NewReader(body))
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		req.Header.Set("Content-Type", "application/cbor")
		fuzzCloudWatch(t, req, func(b []byte) error {
			v, err := cbor.Decode(b)
			if err == nil {
				if _, ok := v.(cbor.Map); !ok {
					t.Fatalf("response is a %T, not a CBOR map", v)
				}
			}
			return err
		})
	})
}

func FuzzCloudWatchJSONRequest(f *testing.F) {
	f.Add(uint8(0), `{"AlarmName":"a","Namespace":"AWS/EC2","MetricName":"CPUUtilization","Statistic":"Average","Period":60,`+
		`"EvaluationPeriods":6,"DatapointsToAlarm":3,"Threshold":80.5,"ComparisonOperator":"GreaterThanThreshold",`+
		`"TreatMissingData":"breaching","Dimensions":[{"Name":"AutoScalingGroupName","Value":"web"}],"Tags":[{"Key":"k","Value":"v"}]}`)
	f.Add(uint8(1), `{"AlarmNamePrefix":"a","StateValue":"ALARM","AlarmTypes":["MetricAlarm","CompositeAlarm"],"MaxRecords":100}`)
	f.Add(uint8(2), `{"AlarmNames":["a","b"]}`)
	f.Add(uint8(5), `{"AlarmName":"a","StateValue":"OK","StateReason":"x","StateReasonData":"{\"recentDatapoints\":[1]}"}`)
	f.Add(uint8(6), `{"AlarmName":"a","HistoryItemType":"Action","StartDate":1764151200,"EndDate":1764151200.5,"MaxRecords":1}`)
	f.Add(uint8(7), `{"Namespace":"Shop","MetricData":[{"MetricName":"m","Timestamp":1764151200,"Value":1e300,"Unit":"Count"},`+
		`{"MetricName":"m","Values":[1,2],"Counts":[1,2]},{"MetricName":"m","StatisticValues":{"SampleCount":1,"Sum":2,"Minimum":2,"Maximum":2}}]}`)
	f.Add(uint8(8), `{"Namespace":"Shop","MetricName":"m","StartTime":1764150000,"EndTime":1764151200,"Period":60,"Statistics":["Average","p50"]}`)
	f.Add(uint8(9), `{}`)
	f.Add(uint8(0), `{"Period":"60"}`)
	f.Add(uint8(0), `{"Period":60.5,"Threshold":null}`)
	f.Add(uint8(7), `[{"Namespace":"Shop"}]`)
	f.Add(uint8(7), `{"Namespace":"Shop"} trailing`)
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", cloudWatchService+"."+fuzzOps[int(op)%len(fuzzOps)])
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		fuzzCloudWatch(t, req, func(b []byte) error {
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				return err
			}
			if v == nil {
				return errors.New("response is not a JSON object")
			}
			return nil
		})
	})
}
