package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
)

// These tests drive every CloudWatch action through the unmodified aws-sdk-go-v2 client, which
// speaks Smithy RPCv2 CBOR.

func cwPutAlarm(name string) *cloudwatch.PutMetricAlarmInput {
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName:          aws.String(name),
		AlarmDescription:   aws.String("CPU above 80% for 6 minutes"),
		Namespace:          aws.String("AWS/EC2"),
		MetricName:         aws.String("CPUUtilization"),
		Dimensions:         []types.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String("web")}},
		Statistic:          types.StatisticAverage,
		Period:             aws.Int32(60),
		EvaluationPeriods:  aws.Int32(6),
		Threshold:          aws.Float64(80),
		ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
		Unit:               types.StandardUnitPercent,
		AlarmActions:       []string{"arn:aws:sns:us-east-1:123456789012:ops"},
		Tags:               []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	}
}

func TestCloudWatchCBORAlarmLifecycle(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()

	if _, err := cw.PutMetricAlarm(ctx, cwPutAlarm("web-cpu-high")); err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"web-cpu-high"}})
	if err != nil {
		t.Fatalf("DescribeAlarms: %v", err)
	}
	if len(out.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms returned %d alarms, want 1", len(out.MetricAlarms))
	}
	a := out.MetricAlarms[0]
	checks := []struct{ field, got, want string }{
		{"AlarmArn", aws.ToString(a.AlarmArn), "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-cpu-high"},
		{"StateValue", string(a.StateValue), "INSUFFICIENT_DATA"},
		{"StateReason", aws.ToString(a.StateReason), "Unchecked: Initial alarm creation"},
		{"AlarmDescription", aws.ToString(a.AlarmDescription), "CPU above 80% for 6 minutes"},
		{"Namespace", aws.ToString(a.Namespace), "AWS/EC2"},
		{"Statistic", string(a.Statistic), "Average"},
		{"ComparisonOperator", string(a.ComparisonOperator), "GreaterThanThreshold"},
		{"Unit", string(a.Unit), "Percent"},
		{"Dimensions", fmt.Sprint(aws.ToString(a.Dimensions[0].Name), "=", aws.ToString(a.Dimensions[0].Value)), "AutoScalingGroupName=web"},
		{"AlarmActions", strings.Join(a.AlarmActions, ","), "arn:aws:sns:us-east-1:123456789012:ops"},
		{"Period/EvaluationPeriods/Threshold", fmt.Sprint(aws.ToInt32(a.Period), aws.ToInt32(a.EvaluationPeriods), aws.ToFloat64(a.Threshold)), "60 6 80"},
		{"ActionsEnabled", fmt.Sprint(aws.ToBool(a.ActionsEnabled)), "true"},
		{"StateUpdatedTimestamp", aws.ToTime(a.StateUpdatedTimestamp).UTC().Format(time.RFC3339), cwT0.Format(time.RFC3339)},
		{"AlarmConfigurationUpdatedTimestamp", aws.ToTime(a.AlarmConfigurationUpdatedTimestamp).UTC().Format(time.RFC3339), cwT0.Format(time.RFC3339)},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}

	s.advance(30 * time.Second)
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{
		AlarmName: aws.String("web-cpu-high"), StateValue: types.StateValueAlarm, StateReason: aws.String("testing the pager"),
	}); err != nil {
		t.Fatalf("SetAlarmState: %v", err)
	}
	out, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueAlarm})
	if err != nil {
		t.Fatalf("DescribeAlarms(StateValue=ALARM): %v", err)
	}
	if len(out.MetricAlarms) != 1 || aws.ToString(out.MetricAlarms[0].StateReason) != "testing the pager" {
		t.Fatalf("after SetAlarmState, DescribeAlarms(ALARM) = %+v, want the alarm with reason %q", out.MetricAlarms, "testing the pager")
	}

	if _, err := cw.DisableAlarmActions(ctx, &cloudwatch.DisableAlarmActionsInput{AlarmNames: []string{"web-cpu-high", "no-such-alarm"}}); err != nil {
		t.Fatalf("DisableAlarmActions: %v", err)
	}
	if s.alarm("web-cpu-high").ActionsEnabled {
		t.Errorf("ActionsEnabled is still true after DisableAlarmActions")
	}
	if _, err := cw.EnableAlarmActions(ctx, &cloudwatch.EnableAlarmActionsInput{AlarmNames: []string{"web-cpu-high"}}); err != nil {
		t.Fatalf("EnableAlarmActions: %v", err)
	}
	if !s.alarm("web-cpu-high").ActionsEnabled {
		t.Errorf("ActionsEnabled is still false after EnableAlarmActions")
	}

	hist, err := cw.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("web-cpu-high"), ScanBy: types.ScanByTimestampAscending})
	if err != nil {
		t.Fatalf("DescribeAlarmHistory: %v", err)
	}
	var summaries []string
	for _, h := range hist.AlarmHistoryItems {
		summaries = append(summaries, string(h.HistoryItemType)+": "+aws.ToString(h.HistorySummary))
	}
	wantSummaries := []string{
		`ConfigurationUpdate: Alarm "web-cpu-high" created`,
		"StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM",
		"Action: Successfully executed action arn:aws:sns:us-east-1:123456789012:ops",
		`ConfigurationUpdate: Alarm "web-cpu-high" updated`,
		`ConfigurationUpdate: Alarm "web-cpu-high" updated`,
	}
	if strings.Join(summaries, "\n") != strings.Join(wantSummaries, "\n") {
		t.Errorf("history =\n%s\nwant\n%s", strings.Join(summaries, "\n"), strings.Join(wantSummaries, "\n"))
	}
	var created struct {
		Type         string `json:"type"`
		CreatedAlarm struct {
			AlarmName             string `json:"alarmName"`
			Threshold             float64
			StateUpdatedTimestamp string `json:"stateUpdatedTimestamp"`
		} `json:"createdAlarm"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(hist.AlarmHistoryItems[0].HistoryData)), &created); err != nil ||
		created.Type != "Create" || created.CreatedAlarm.AlarmName != "web-cpu-high" || created.CreatedAlarm.Threshold != 80 ||
		created.CreatedAlarm.StateUpdatedTimestamp != "2026-11-26T10:00:00.000+0000" {
		t.Errorf("creation HistoryData %s (%v)", aws.ToString(hist.AlarmHistoryItems[0].HistoryData), err)
	}
	if got := aws.ToTime(hist.AlarmHistoryItems[1].Timestamp).UTC(); !got.Equal(cwT0.Add(30 * time.Second)) {
		t.Errorf("StateUpdate timestamp = %v, want %v", got, cwT0.Add(30*time.Second))
	}

	if _, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"web-cpu-high"}}); err != nil {
		t.Fatalf("DeleteAlarms: %v", err)
	}
	out, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	if err != nil {
		t.Fatalf("DescribeAlarms after delete: %v", err)
	}
	if len(out.MetricAlarms) != 0 {
		t.Errorf("DescribeAlarms after DeleteAlarms returned %d alarms, want 0", len(out.MetricAlarms))
	}

	for i, h := range s.seenHeaders() {
		// Requests with no input member set have no body, hence no Content-Type.
		if ct := h.Get("Content-Type"); h.Get("Smithy-Protocol") != "rpc-v2-cbor" || ct != "" && ct != "application/cbor" {
			t.Errorf("request %d: Smithy-Protocol %q, Content-Type %q; the SDK should speak RPCv2 CBOR", i, h.Get("Smithy-Protocol"), ct)
		}
	}
	if n := len(s.seenHeaders()); n != 9 {
		t.Errorf("server saw %d requests, want 9 (one per call)", n)
	}
}

func TestCloudWatchCBORMetricStatistics(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()
	dims := []types.Dimension{{Name: aws.String("Service"), Value: aws.String("checkout")}}
	at := func(sec int) *time.Time { return aws.Time(cwT0.Add(time.Duration(sec) * time.Second)) }

	_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{
		Namespace: aws.String("Shop"),
		MetricData: []types.MetricDatum{
			// minute 0: 10, 20 and 30 (once each) and 40 (twice)
			{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: at(5), Value: aws.Float64(10), Unit: types.StandardUnitMilliseconds},
			{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: at(15), Values: []float64{20, 30, 40}, Counts: []float64{1, 1, 2}, Unit: types.StandardUnitMilliseconds},
			// minute 1: a statistic set of 4 samples summing to 200
			{MetricName: aws.String("Latency"), Dimensions: dims, Timestamp: at(70), Unit: types.StandardUnitMilliseconds,
				StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(4), Sum: aws.Float64(200), Minimum: aws.Float64(5), Maximum: aws.Float64(100)}},
			// another metric (no dimensions): must not leak into the query above
			{MetricName: aws.String("Latency"), Timestamp: at(5), Value: aws.Float64(9999)},
		},
	})
	if err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}

	out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Shop"), MetricName: aws.String("Latency"), Dimensions: dims,
		StartTime: at(0), EndTime: at(180), Period: aws.Int32(60),
		Statistics: []types.Statistic{types.StatisticSampleCount, types.StatisticAverage, types.StatisticSum, types.StatisticMinimum, types.StatisticMaximum},
	})
	if err != nil {
		t.Fatalf("GetMetricStatistics: %v", err)
	}
	if aws.ToString(out.Label) != "Latency" {
		t.Errorf("Label = %q, want Latency", aws.ToString(out.Label))
	}
	var got []string
	for _, d := range out.Datapoints {
		got = append(got, fmt.Sprintf("%s n=%v avg=%v sum=%v min=%v max=%v %s", aws.ToTime(d.Timestamp).UTC().Format("15:04:05"),
			aws.ToFloat64(d.SampleCount), aws.ToFloat64(d.Average), aws.ToFloat64(d.Sum), aws.ToFloat64(d.Minimum), aws.ToFloat64(d.Maximum), d.Unit))
	}
	want := []string{
		"10:00:00 n=5 avg=28 sum=140 min=10 max=40 Milliseconds",
		"10:01:00 n=4 avg=50 sum=200 min=5 max=100 Milliseconds",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("datapoints =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	pct, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String("Shop"), MetricName: aws.String("Latency"), Dimensions: dims,
		StartTime: at(0), EndTime: at(180), Period: aws.Int32(60), Unit: types.StandardUnitMilliseconds,
		ExtendedStatistics: []string{"p50", "p100"},
	})
	if err != nil {
		t.Fatalf("GetMetricStatistics(percentiles): %v", err)
	}
	// Minute 1 holds only a statistic set, which has no distribution: no percentiles, no datapoint.
	if len(pct.Datapoints) != 1 {
		t.Fatalf("percentile datapoints = %d, want 1 (minute 0 only)", len(pct.Datapoints))
	}
	if ext := pct.Datapoints[0].ExtendedStatistics; ext["p50"] != 30 || ext["p100"] != 40 {
		t.Errorf("ExtendedStatistics = %v, want p50=30 p100=40 (samples 10 20 30 40 40)", ext)
	}
}

func TestCloudWatchCBORDescribeAlarmsFilters(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()
	for _, name := range []string{"api-latency", "web-cpu-high", "web-cpu-low", "web-errors"} {
		in := cwPutAlarm(name)
		if name == "web-errors" {
			in.AlarmActions = []string{"arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:abc:autoScalingGroupName/web:policyName/up"}
		}
		if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
			t.Fatalf("PutMetricAlarm(%s): %v", name, err)
		}
	}
	names := func(in *cloudwatch.DescribeAlarmsInput) []string {
		t.Helper()
		var all []string
		p := cloudwatch.NewDescribeAlarmsPaginator(cw, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("DescribeAlarms(%+v): %v", in, err)
			}
			for _, a := range out.MetricAlarms {
				all = append(all, aws.ToString(a.AlarmName))
			}
		}
		return all
	}
	cases := []struct {
		name string
		in   *cloudwatch.DescribeAlarmsInput
		want string
	}{
		{"all, one per page", &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(1)}, "api-latency web-cpu-high web-cpu-low web-errors"},
		{"prefix", &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("web-cpu")}, "web-cpu-high web-cpu-low"},
		{"names", &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"web-errors", "missing", "api-latency"}}, "api-latency web-errors"},
		{"action prefix", &cloudwatch.DescribeAlarmsInput{ActionPrefix: aws.String("arn:aws:autoscaling:")}, "web-errors"},
		{"state", &cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueOk}, ""},
		{"composite only", &cloudwatch.DescribeAlarmsInput{AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm}}, ""},
	}
	for _, c := range cases {
		if got := strings.Join(names(c.in), " "); got != c.want {
			t.Errorf("%s: alarms = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCloudWatchCBORGzipPutMetricData(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	// 500 datums are well over the SDK's 10 KiB compression threshold.
	var data []types.MetricDatum
	for i := range 500 {
		data = append(data, types.MetricDatum{MetricName: aws.String("Requests"), Value: aws.Float64(1),
			Dimensions: []types.Dimension{{Name: aws.String("Shard"), Value: aws.String(fmt.Sprintf("shard-%03d", i))}}})
	}
	if _, err := cw.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("Shop"), MetricData: data}); err != nil {
		t.Fatalf("PutMetricData: %v", err)
	}
	if enc := s.seenHeaders()[0].Get("Content-Encoding"); enc != "gzip" {
		t.Fatalf("Content-Encoding = %q; the SDK was expected to gzip a request this large", enc)
	}
	s.Emulator.mu.Lock()
	n := len(s.region("us-east-1").cw.Series)
	s.Emulator.mu.Unlock()
	if n != 500 {
		t.Errorf("stored %d metrics, want 500", n)
	}
}

func TestCloudWatchCBORErrors(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()
	if _, err := cw.PutMetricAlarm(ctx, cwPutAlarm("existing")); err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	s.Emulator.mu.Lock()
	s.region("us-east-1").cw.AlarmLimit = 1
	s.Emulator.mu.Unlock()

	badPeriod := cwPutAlarm("bad-period")
	badPeriod.Period = aws.Int32(45)
	tooManyM := cwPutAlarm("m-over-n")
	tooManyM.DatapointsToAlarm = aws.Int32(7)
	band := cwPutAlarm("band")
	band.ComparisonOperator = types.ComparisonOperatorLessThanLowerOrGreaterThanUpperThreshold

	cases := []struct {
		name     string
		call     func() error
		code     string
		typed    any // the modeled error type the SDK should produce, nil for unmodeled codes
		contains string
	}{
		{"SetAlarmState on a missing alarm", func() error {
			_, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("x")})
			return err
		}, "ResourceNotFound", &types.ResourceNotFound{}, "Alarm nope not found"},
		{"SetAlarmState with invalid StateReasonData", func() error {
			_, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("existing"), StateValue: types.StateValueOk, StateReason: aws.String("x"), StateReasonData: aws.String("{not json")})
			return err
		}, "InvalidFormat", &types.InvalidFormatFault{}, "not valid JSON"},
		{"period 45", func() error { _, err := cw.PutMetricAlarm(ctx, badPeriod); return err }, "ValidationError", nil, "use 10, 20, 30 or a multiple of 60"},
		{"DatapointsToAlarm > EvaluationPeriods", func() error { _, err := cw.PutMetricAlarm(ctx, tooManyM); return err }, "ValidationError", nil, "DatapointsToAlarm (7)"},
		{"anomaly band operator", func() error { _, err := cw.PutMetricAlarm(ctx, band); return err }, "ValidationError", nil, "anomaly detection"},
		{"alarm limit", func() error { _, err := cw.PutMetricAlarm(ctx, cwPutAlarm("second")); return err }, "LimitExceeded", &types.LimitExceededFault{}, "maximum number of alarms (1)"},
		{"bad NextToken", func() error {
			_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{NextToken: aws.String("!!!")})
			return err
		}, "InvalidNextToken", &types.InvalidNextToken{}, "NextToken"},
		{"AWS/ namespace", func() error {
			_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/EC2"), MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1)}}})
			return err
		}, "InvalidParameterValue", &types.InvalidParameterValueException{}, "reserved for AWS"},
		{"Value and StatisticValues", func() error {
			_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Shop"), MetricData: []types.MetricDatum{{MetricName: aws.String("m"), Value: aws.Float64(1),
				StatisticValues: &types.StatisticSet{SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}}}})
			return err
		}, "InvalidParameterCombination", &types.InvalidParameterCombinationException{}, "mutually exclusive"},
		{"datum without a value", func() error {
			_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: aws.String("Shop"), MetricData: []types.MetricDatum{{MetricName: aws.String("m")}}})
			return err
		}, "MissingParameter", &types.MissingRequiredParameterException{}, "MetricData.member.1.Value"},
		{"StartTime after EndTime", func() error {
			_, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("Shop"), MetricName: aws.String("m"),
				StartTime: aws.Time(cwT0), EndTime: aws.Time(cwT0.Add(-time.Hour)), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
			return err
		}, "InvalidParameterValue", &types.InvalidParameterValueException{}, "StartTime must be less than"},
		{"too many datapoints", func() error {
			_, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("Shop"), MetricName: aws.String("m"),
				StartTime: aws.Time(cwT0.Add(-48 * time.Hour)), EndTime: aws.Time(cwT0), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
			return err
		}, "InvalidParameterCombination", &types.InvalidParameterCombinationException{}, "requested up to 2880 datapoints"},
		{"unsupported operation", func() error {
			_, err := cw.ListDashboards(ctx, &cloudwatch.ListDashboardsInput{})
			return err
		}, "UnknownOperationException", nil, "ListDashboards"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want a smithy.APIError with code %s", err, c.code)
			}
			if apiErr.ErrorCode() != c.code {
				t.Errorf("ErrorCode() = %q, want %q (message %q)", apiErr.ErrorCode(), c.code, apiErr.ErrorMessage())
			}
			if apiErr.ErrorFault() != smithy.FaultClient {
				t.Errorf("ErrorFault() = %v, want client", apiErr.ErrorFault())
			}
			if !strings.Contains(apiErr.ErrorMessage(), c.contains) {
				t.Errorf("message %q does not contain %q", apiErr.ErrorMessage(), c.contains)
			}
			if c.typed != nil && fmt.Sprintf("%T", apiErr) != fmt.Sprintf("%T", c.typed) {
				t.Errorf("error type %T, want the modeled %T", apiErr, c.typed)
			}
		})
	}
}

func TestCloudWatchCBORTags(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()
	if _, err := cw.PutMetricAlarm(ctx, cwPutAlarm("web-cpu-high")); err != nil { // tagged team=web
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	arn := aws.String("arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-cpu-high")
	tags := func() string {
		t.Helper()
		out, err := cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: arn})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		var kv []string
		for _, tag := range out.Tags {
			kv = append(kv, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
		return strings.Join(kv, " ")
	}
	if got := tags(); got != "team=web" {
		t.Errorf("tags from PutMetricAlarm: %q, want team=web", got)
	}
	if _, err := cw.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: arn, Tags: []types.Tag{
		{Key: aws.String("owner"), Value: aws.String("autoscale-operator")}, {Key: aws.String("team"), Value: aws.String("platform")}}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if got := tags(); got != "team=platform owner=autoscale-operator" {
		t.Errorf("after TagResource: %q, want team replaced and owner added", got)
	}
	if _, err := cw.UntagResource(ctx, &cloudwatch.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if got := tags(); got != "owner=autoscale-operator" {
		t.Errorf("after UntagResource: %q", got)
	}

	var many []types.Tag
	for i := range 50 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")})
	}
	_, err := cw.TagResource(ctx, &cloudwatch.TagResourceInput{ResourceARN: arn, Tags: many})
	var invalid *types.InvalidParameterValueException
	if !errors.As(err, &invalid) || invalid.ErrorCode() != "InvalidParameterValue" {
		t.Errorf("51 tags: %v, want InvalidParameterValue", err)
	}
	for _, other := range []string{"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-cpu-high", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:gone"} {
		_, err := cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(other)})
		var notFound *types.ResourceNotFoundException
		if !errors.As(err, &notFound) || notFound.ErrorCode() != "ResourceNotFoundException" {
			t.Errorf("ListTagsForResource(%s): %v, want ResourceNotFoundException", other, err)
		}
	}
}
