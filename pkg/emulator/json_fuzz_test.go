package emulator

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
