package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
)

// Protocol edge cases no well-behaved SDK produces, and the exact bytes of Query answers.

func TestCloudWatchProtocolErrors(t *testing.T) {
	gz := func(s string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return b.String()
	}
	cborPath := cborPathPrefix + "DescribeAlarms"
	jsonTarget := map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"}
	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		body    string
		status  int
		code    string // x-amzn-query-error code, or the Query error code
	}{
		{"CBOR without Smithy-Protocol", "POST", cborPath, nil, "", 400, "SerializationException"},
		{"CBOR GET", "GET", cborPath, map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, "", 400, "SerializationException"},
		{"CBOR garbage", "POST", cborPath, map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, "\xff\x00", 400, "SerializationException"},
		{"CBOR unknown operation", "POST", cborPathPrefix + "ListMetrics", map[string]string{"Smithy-Protocol": "rpc-v2-cbor"}, "", 400, "UnknownOperationException"},
		{"JSON wrong member type", "POST", "/", jsonTarget, `{"MaxRecords":"ten"}`, 400, "SerializationException"},
		{"JSON not an object", "POST", "/", jsonTarget, `[1]`, 400, "SerializationException"},
		{"JSON gzip", "POST", "/", map[string]string{"X-Amz-Target": jsonTarget["X-Amz-Target"], "Content-Encoding": "gzip"}, gz(`{"MaxRecords":5}`), 200, ""},
		{"JSON broken gzip", "POST", "/", map[string]string{"X-Amz-Target": jsonTarget["X-Amz-Target"], "Content-Encoding": "gzip"}, "not gzip", 400, "SerializationException"},
		{"JSON brotli", "POST", "/", map[string]string{"X-Amz-Target": jsonTarget["X-Amz-Target"], "Content-Encoding": "br"}, "{}", 400, "SerializationException"},
		{"JSON MaxRecords out of range", "POST", "/", jsonTarget, `{"MaxRecords":101}`, 400, "ValidationError"},
		{"Query unknown action", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=ListMetrics&Version=2010-08-01", 400, "InvalidAction"},
		{"Query bad integer", "POST", "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=DescribeAlarms&Version=2010-08-01&MaxRecords=x", 400, "ValidationError"},
	}
	e := New(Options{Clock: NewManualClock(cwT0)})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body.String())
			}
			if c.code == "" {
				return
			}
			if strings.HasPrefix(c.name, "Query") {
				if !strings.Contains(rec.Body.String(), "<Code>"+c.code+"</Code>") {
					t.Errorf("Query error %s, want code %s", rec.Body.String(), c.code)
				}
				return
			}
			if got := rec.Header().Get("x-amzn-query-error"); got != c.code+";Sender" {
				t.Errorf("x-amzn-query-error %q, want %q", got, c.code+";Sender")
			}
		})
	}
}

func TestCloudWatchCBORResponseFormat(t *testing.T) {
	e := New(Options{Clock: NewManualClock(cwT0)})
	put := cbor.Encode(cbor.Map{"AlarmName": cbor.String("a"), "Namespace": cbor.String("Shop"), "MetricName": cbor.String("m"),
		"Statistic": cbor.String("Sum"), "Period": cbor.Uint(60), "EvaluationPeriods": cbor.Uint(1), "Threshold": cbor.NegInt(2),
		"ComparisonOperator": cbor.String("LessThanThreshold")})
	for _, step := range []struct{ op, body string }{{"PutMetricAlarm", string(put)}, {"DescribeAlarms", ""}} {
		req := httptest.NewRequest("POST", cborPathPrefix+step.op, strings.NewReader(step.body))
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || rec.Header().Get("Content-Type") != "application/cbor" {
			t.Fatalf("%s: status %d, headers %v", step.op, rec.Code, rec.Header())
		}
		v, err := cbor.Decode(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("%s: response is not CBOR: %v", step.op, err)
		}
		if step.op == "PutMetricAlarm" {
			if m, ok := v.(cbor.Map); !ok || len(m) != 0 {
				t.Errorf("PutMetricAlarm answered %#v, want an empty map", v)
			}
			continue
		}
		alarm := v.(cbor.Map)["MetricAlarms"].(cbor.List)[0].(cbor.Map)
		if th, _ := cbor.AsFloat64(alarm["Threshold"]); th != -2 {
			t.Errorf("Threshold %#v, want -2", alarm["Threshold"])
		}
		if ts, err := cbor.AsTime(alarm["StateUpdatedTimestamp"]); err != nil || !ts.Equal(cwT0) {
			t.Errorf("StateUpdatedTimestamp %#v (%v), want tag 1 holding %v", alarm["StateUpdatedTimestamp"], err, cwT0)
		}
		if _, absent := alarm["AlarmDescription"]; absent {
			t.Errorf("unset members must be left out, got AlarmDescription %#v", alarm["AlarmDescription"])
		}
	}
}

func TestCloudWatchQueryResponseXML(t *testing.T) {
	e := New(Options{Clock: NewManualClock(cwT0)})
	query := func(params string) string {
		t.Helper()
		req := httptest.NewRequest("POST", "/", strings.NewReader("Version=2010-08-01&"+params))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: status %d: %s", params, rec.Code, rec.Body.String())
		}
		body, _ := io.ReadAll(rec.Body)
		return string(body)
	}
	put := url.Values{"Action": {"PutMetricAlarm"}, "AlarmName": {"a"}, "Namespace": {"Shop"}, "MetricName": {"m"}, "Statistic": {"Sum"},
		"Period": {"60"}, "EvaluationPeriods": {"1"}, "Threshold": {"1.5"}, "ComparisonOperator": {"GreaterThanThreshold"},
		"Dimensions.member.1.Name": {"Store"}, "Dimensions.member.1.Value": {"berlin"}, "OKActions": {""}}
	if got := query(put.Encode()); strings.Contains(got, "PutMetricAlarmResult") || !strings.Contains(got, "<PutMetricAlarmResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">") {
		t.Errorf("PutMetricAlarm answer: %s", got)
	}
	got := query("Action=DescribeAlarms")
	for _, want := range []string{
		"<DescribeAlarmsResult><MetricAlarms><member><AlarmName>a</AlarmName><AlarmArn>arn:aws:cloudwatch:us-east-1:123456789012:alarm:a</AlarmArn>",
		"<AlarmConfigurationUpdatedTimestamp>2026-11-26T10:00:00.000Z</AlarmConfigurationUpdatedTimestamp><ActionsEnabled>true</ActionsEnabled><OKActions></OKActions>",
		"<Dimensions><member><Name>Store</Name><Value>berlin</Value></member></Dimensions>",
		"<Threshold>1.5</Threshold>",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("DescribeAlarms XML lacks %s:\n%s", want, got)
		}
	}

	data := url.Values{"Action": {"PutMetricData"}, "Namespace": {"Shop"}, "MetricData.member.1.MetricName": {"m"},
		"MetricData.member.1.Timestamp": {"2026-11-26T09:59:00Z"}, "MetricData.member.1.Values.member.1": {"4"},
		"MetricData.member.1.Values.member.2": {"8"}}
	query(data.Encode())
	got = query("Action=GetMetricStatistics&Namespace=Shop&MetricName=m&StartTime=2026-11-26T09:59:00Z&EndTime=2026-11-26T10:00:00Z&Period=60&ExtendedStatistics.member.1=p100")
	if !strings.Contains(got, "<ExtendedStatistics><entry><key>p100</key><value>8</value></entry></ExtendedStatistics>") {
		t.Errorf("GetMetricStatistics XML maps must be entry/key/value:\n%s", got)
	}

}

// Injected faults reach CloudWatch clients in their own protocol, with the codes SDKs retry on.
func TestCloudWatchInjectedFaults(t *testing.T) {
	s := newCWServer(t)
	s.Faults().Set("DescribeAlarms", FaultRule{FailNext: 1}) // Throttling, the default
	s.Faults().Set("GetMetricStatistics", FaultRule{FailNext: 1, Code: "InternalFailure"})
	ctx := context.Background()
	cw := s.cwClient()

	_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "Throttling" || apiErr.ErrorFault() != smithy.FaultClient {
		t.Errorf("throttled DescribeAlarms: %v, want a client-fault Throttling error", err)
	}
	if _, throttle := retry.DefaultThrottleErrorCodes[apiErr.ErrorCode()]; !throttle {
		t.Errorf("the SDK does not treat %q as throttling, so it would not back off", apiErr.ErrorCode())
	}
	_, err = cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("Shop"), MetricName: aws.String("m"),
		StartTime: aws.Time(cwT0.Add(-time.Hour)), EndTime: aws.Time(cwT0), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InternalFailure" || apiErr.ErrorFault() != smithy.FaultServer {
		t.Errorf("failed GetMetricStatistics: %v, want a server-fault InternalFailure", err)
	}
	// Faults are one-shot here: the next calls succeed.
	if _, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); err != nil {
		t.Errorf("DescribeAlarms after the fault: %v", err)
	}
}
