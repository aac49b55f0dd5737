package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// pattern turns "0X-" (oldest first: 0 not breaching, X breaching, - missing) into evaluated
// points newest first, as alarmPoints returns them; values are 10 and 90 against a threshold of 80.
func pattern(p string) []evalPoint {
	points := make([]evalPoint, len(p))
	for i, c := range p {
		pt := evalPoint{start: cwT0.Add(time.Duration(i) * time.Minute)}
		switch c {
		case '0':
			pt.present, pt.value, pt.sampleCount = true, 10, 1
		case 'X':
			pt.present, pt.value, pt.sampleCount, pt.breaching = true, 90, 1, true
		}
		points[len(p)-1-i] = pt
	}
	return points
}

func TestCloudWatchDecideTreatMissingData(t *testing.T) {
	// Each row gives the outcome for missing, ignore, breaching and notBreaching; "keep" means the
	// alarm stays in its current state. The 3-of-3 rows are AWS's documented table.
	cases := []struct {
		m, n    int
		data    string
		missing string
		ignore  string
		breach  string
		notBr   string
	}{
		{3, 3, "XXX", "ALARM", "ALARM", "ALARM", "ALARM"},
		{3, 3, "0XX", "OK", "OK", "OK", "OK"},
		{3, 3, "0--", "OK", "OK", "OK", "OK"},
		{3, 3, "---", "INSUFFICIENT_DATA", "keep", "ALARM", "OK"},
		{3, 3, "-X-", "ALARM", "keep", "ALARM", "OK"},
		{3, 3, "XX-", "ALARM", "keep", "ALARM", "OK"},
		{3, 5, "0X0X0", "OK", "OK", "OK", "OK"},
		{3, 5, "X0X0X", "ALARM", "ALARM", "ALARM", "ALARM"},
		{3, 5, "X-X--", "ALARM", "keep", "ALARM", "OK"},
		{3, 5, "00---", "OK", "keep", "ALARM", "OK"},
		{3, 5, "000--", "OK", "OK", "OK", "OK"},
	}
	for _, c := range cases {
		for i, treat := range []string{"missing", "ignore", "breaching", "notBreaching"} {
			want := []string{c.missing, c.ignore, c.breach, c.notBr}[i]
			a := &cwAlarm{cwMetricAlarm: cwMetricAlarm{EvaluationPeriods: int32(c.n), DatapointsToAlarm: ptr(int32(c.m)), TreatMissingData: treat}}
			v, ok := decide(a, pattern(c.data))
			got := v.state
			if !ok {
				got = "keep"
			}
			if got != want {
				t.Errorf("%d of %d, %s, TreatMissingData=%s: %s, want %s", c.m, c.n, c.data, treat, got, want)
			}
		}
	}
}

func TestCloudWatchStateReason(t *testing.T) {
	alarm := func(m, n int, treat string, state string) *cwAlarm {
		a := &cwAlarm{cwMetricAlarm: cwMetricAlarm{EvaluationPeriods: int32(n), Threshold: 80,
			ComparisonOperator: "GreaterThanThreshold", TreatMissingData: treat, StateValue: state}}
		if m != n {
			a.DatapointsToAlarm = ptr(int32(m))
		}
		return a
	}
	cases := []struct {
		alarm *cwAlarm
		data  string
		want  string
	}{
		{alarm(3, 3, "", "OK"), "XXX",
			"Threshold Crossed: 3 datapoints [90.0 (26/11/26 10:02:00), 90.0 (26/11/26 10:01:00), 90.0 (26/11/26 10:00:00)] were greater than the threshold (80.0)."},
		{alarm(1, 1, "", "ALARM"), "0",
			"Threshold Crossed: 1 datapoint [10.0 (26/11/26 10:00:00)] was not greater than the threshold (80.0)."},
		{alarm(2, 3, "", "OK"), "X0X",
			"Threshold Crossed: 2 out of the last 3 datapoints [90.0 (26/11/26 10:02:00), 90.0 (26/11/26 10:00:00)] were greater than the threshold (80.0) (minimum 2 datapoints for OK -> ALARM transition)."},
		{alarm(2, 3, "", "ALARM"), "X00",
			"Threshold Crossed: 2 out of the last 3 datapoints [10.0 (26/11/26 10:02:00), 10.0 (26/11/26 10:01:00)] were not greater than the threshold (80.0) (minimum 2 datapoints for ALARM -> OK transition)."},
		{alarm(2, 2, "breaching", "OK"), "--",
			"Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."},
		{alarm(2, 2, "breaching", "OK"), "X-",
			"Threshold Crossed: 1 datapoint [90.0 (26/11/26 10:00:00)] was greater than the threshold (80.0) and 1 missing datapoint was treated as [Breaching]."},
		{alarm(3, 3, "missing", "OK"), "---", "Insufficient Data: 3 datapoints were unknown."},
		// With "missing", a partial window needs only the datapoints it has.
		{alarm(2, 3, "missing", "OK"), "--X",
			"Threshold Crossed: 1 out of the last 3 datapoints [90.0 (26/11/26 10:02:00)] was greater than the threshold (80.0) (minimum 1 datapoint for OK -> ALARM transition)."},
	}
	for _, c := range cases {
		v, ok := decide(c.alarm, pattern(c.data))
		if !ok {
			t.Fatalf("%s: no decision", c.data)
		}
		if got := stateReason(c.alarm, v); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.data, got, c.want)
		}
	}
}

func TestCloudWatchAlarmStatistics(t *testing.T) {
	c := newCloudWatchState()
	dims := map[string]string{"AutoScalingGroupName": "web"}
	for i, v := range []float64{10, 20, 30, 40, 100} { // one period, five samples
		c.record("AWS/EC2", "CPUUtilization", dims, v, "Percent", cwT0.Add(time.Duration(i)*10*time.Second))
	}
	c.record("AWS/EC2", "CPUUtilization", dims, 999, "Count", cwT0.Add(55*time.Second)) // another unit
	cases := []struct {
		stat, unit string
		want       float64
	}{
		{"Average", "Percent", 40},
		{"Sum", "Percent", 200},
		{"Minimum", "Percent", 10},
		{"Maximum", "Percent", 100},
		{"SampleCount", "Percent", 5},
		{"p0", "Percent", 10},
		{"p20", "Percent", 10},
		{"p50", "Percent", 30},
		{"p90", "Percent", 100},
		{"p100", "Percent", 100},
		{"Maximum", "", 999}, // without a Unit every unit counts, as in AWS
		{"SampleCount", "", 6},
	}
	for _, tc := range cases {
		a := &cwAlarm{cwMetricAlarm: cwMetricAlarm{Namespace: "AWS/EC2", MetricName: "CPUUtilization",
			Dimensions: []cwDimension{{"AutoScalingGroupName", "web"}}, Period: 60, EvaluationPeriods: 1,
			Threshold: 50, ComparisonOperator: "GreaterThanThreshold", Unit: tc.unit}}
		if strings.HasPrefix(tc.stat, "p") {
			a.ExtendedStatistic = tc.stat
		} else {
			a.Statistic = tc.stat
		}
		points := alarmPoints(c, a, cwT0.Add(time.Minute))
		if len(points) != 1 || !points[0].present || points[0].value != tc.want {
			t.Errorf("%s (unit %q): points %+v, want one with value %v", tc.stat, tc.unit, points, tc.want)
		}
	}
	// A different dimension set is a different metric.
	a := &cwAlarm{cwMetricAlarm: cwMetricAlarm{Namespace: "AWS/EC2", MetricName: "CPUUtilization", Statistic: "Average", Period: 60, EvaluationPeriods: 1}}
	if p := alarmPoints(c, a, cwT0.Add(time.Minute)); p[0].present {
		t.Errorf("an alarm without dimensions saw the group's datapoints: %+v", p)
	}
}

// The seed scenario: an alarm on AWS/EC2 CPUUtilization Average > 80 over 6 periods of 60 seconds
// fires after the sixth breaching minute, not before, with AWS's reason and history.
func TestCloudWatchSeedScenarioAlarmFiresAfterSixBreachingPeriods(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()
	in := cwPutAlarm("web-cpu-high")
	in.AlarmActions = nil
	if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	dims := map[string]string{"AutoScalingGroupName": "web"}

	// Ten quiet minutes, then the load goes to 90%.
	minute := 0
	runMinute := func(load float64) string {
		s.recordAt("AWS/EC2", "CPUUtilization", dims, load, cwT0.Add(time.Duration(minute)*time.Minute))
		minute++
		s.advance(time.Minute)
		return s.alarm("web-cpu-high").State
	}
	for range 10 {
		runMinute(20)
	}
	if st := s.alarm("web-cpu-high").State; st != "OK" {
		t.Fatalf("after ten quiet minutes the alarm is %s, want OK", st)
	}
	for i := 1; i <= 5; i++ {
		if st := runMinute(90); st != "OK" {
			t.Fatalf("after %d breaching minutes the alarm is %s; it must wait for 6", i, st)
		}
	}
	if st := runMinute(90); st != "ALARM" {
		t.Fatalf("after 6 breaching minutes the alarm is %s, want ALARM", st)
	}

	a := s.alarm("web-cpu-high")
	wantReason := "Threshold Crossed: 6 datapoints [90.0 (26/11/26 10:15:00), 90.0 (26/11/26 10:14:00), 90.0 (26/11/26 10:13:00), " +
		"90.0 (26/11/26 10:12:00), 90.0 (26/11/26 10:11:00), 90.0 (26/11/26 10:10:00)] were greater than the threshold (80.0)."
	if a.Reason != wantReason {
		t.Errorf("reason\n got %s\nwant %s", a.Reason, wantReason)
	}
	if want := cwT0.Add(16 * time.Minute); !a.StateUpdated.Equal(want) {
		t.Errorf("state changed at %v, want %v (the end of the sixth breaching period)", a.StateUpdated, want)
	}

	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"web-cpu-high"}})
	if err != nil {
		t.Fatalf("DescribeAlarms: %v", err)
	}
	var data struct {
		Statistic        string    `json:"statistic"`
		Period           int       `json:"period"`
		Threshold        float64   `json:"threshold"`
		RecentDatapoints []float64 `json:"recentDatapoints"`
		StartDate        string    `json:"startDate"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.MetricAlarms[0].StateReasonData)), &data); err != nil {
		t.Fatalf("StateReasonData is not JSON: %v", err)
	}
	if got := fmt.Sprintf("%s %d %v %v %s", data.Statistic, data.Period, data.Threshold, data.RecentDatapoints, data.StartDate); got != "Average 60 80 [90 90 90 90 90 90] 2026-11-26T10:10:00.000+0000" {
		t.Errorf("StateReasonData = %s", got)
	}

	hist, err := cw.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("web-cpu-high"), HistoryItemType: types.HistoryItemTypeStateUpdate})
	if err != nil {
		t.Fatalf("DescribeAlarmHistory: %v", err)
	}
	var summaries []string
	for _, h := range hist.AlarmHistoryItems {
		summaries = append(summaries, aws.ToString(h.HistorySummary))
	}
	if got := strings.Join(summaries, "; "); got != "Alarm updated from OK to ALARM; Alarm updated from INSUFFICIENT_DATA to OK" {
		t.Errorf("state history (newest first) = %s", got)
	}
	var change struct {
		OldState struct{ StateValue string } `json:"oldState"`
		NewState struct {
			StateValue      string          `json:"stateValue"`
			StateReason     string          `json:"stateReason"`
			StateReasonData json.RawMessage `json:"stateReasonData"`
		} `json:"newState"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(hist.AlarmHistoryItems[0].HistoryData)), &change); err != nil {
		t.Fatalf("HistoryData is not JSON: %v", err)
	}
	if change.OldState.StateValue != "OK" || change.NewState.StateValue != "ALARM" || change.NewState.StateReason != wantReason || len(change.NewState.StateReasonData) == 0 {
		t.Errorf("HistoryData = %s", aws.ToString(hist.AlarmHistoryItems[0].HistoryData))
	}
}

// actionHistory lists the alarm's Action history summaries, oldest first.
func actionHistory(t *testing.T, s *cwServer, name string) []string {
	t.Helper()
	s.Emulator.mu.Lock()
	defer s.Emulator.mu.Unlock()
	var out []string
	for _, h := range s.region("us-east-1").cw.History {
		if h.AlarmName == name && h.HistoryItemType == historyAction {
			out = append(out, h.Timestamp.Format("15:04:05")+" "+h.HistorySummary)
		}
	}
	return out
}

func TestCloudWatchAlarmActionsRepeatForAutoScalingOnly(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()
	const policy = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:0000:autoScalingGroupName/web:policyName/gone"
	in := cwPutAlarm("web-cpu-high")
	in.EvaluationPeriods = aws.Int32(1)
	in.AlarmActions = []string{"arn:aws:sns:us-east-1:123456789012:ops", policy}
	if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	dims := map[string]string{"AutoScalingGroupName": "web"}
	for m := range 3 {
		s.recordAt("AWS/EC2", "CPUUtilization", dims, 95, cwT0.Add(time.Duration(m)*time.Minute))
		s.advance(time.Minute)
	}
	got := actionHistory(t, s, "web-cpu-high")
	// ALARM at 10:01 runs both actions; the Auto Scaling one repeats each minute after. The policy
	// does not exist, so each run fails and says why.
	if len(got) != 4 ||
		got[0] != "10:01:00 Successfully executed action arn:aws:sns:us-east-1:123456789012:ops" ||
		!strings.HasPrefix(got[1], "10:01:00 Failed to execute action "+policy+". Received error: ") ||
		!strings.HasPrefix(got[2], "10:02:00 Failed to execute action "+policy) ||
		!strings.HasPrefix(got[3], "10:03:00 Failed to execute action "+policy) {
		t.Errorf("action history:\n%s", strings.Join(got, "\n"))
	}

	if _, err := cw.DisableAlarmActions(ctx, &cloudwatch.DisableAlarmActionsInput{AlarmNames: []string{"web-cpu-high"}}); err != nil {
		t.Fatalf("DisableAlarmActions: %v", err)
	}
	s.advance(3 * time.Minute)
	if after := actionHistory(t, s, "web-cpu-high"); len(after) != len(got) {
		t.Errorf("actions ran with ActionsEnabled=false:\n%s", strings.Join(after[len(got):], "\n"))
	}
}

func TestCloudWatchSetAlarmStateThenEvaluationRestoresState(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	ctx := context.Background()
	in := cwPutAlarm("web-cpu-high")
	in.EvaluationPeriods = aws.Int32(1)
	if _, err := cw.PutMetricAlarm(ctx, in); err != nil {
		t.Fatalf("PutMetricAlarm: %v", err)
	}
	dims := map[string]string{"AutoScalingGroupName": "web"}
	for m := range 2 {
		s.recordAt("AWS/EC2", "CPUUtilization", dims, 10, cwT0.Add(time.Duration(m)*time.Minute))
	}
	s.advance(time.Minute)
	if st := s.alarm("web-cpu-high").State; st != "OK" {
		t.Fatalf("state %s, want OK", st)
	}
	s.advance(20 * time.Second)
	if _, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("web-cpu-high"), StateValue: types.StateValueAlarm,
		StateReason: aws.String("drill"), StateReasonData: aws.String(`{"recentDatapoints":[97.5]}`)}); err != nil {
		t.Fatalf("SetAlarmState: %v", err)
	}
	if a := s.alarm("web-cpu-high"); a.State != "ALARM" || a.Reason != "drill" {
		t.Fatalf("after SetAlarmState: %s %q, want ALARM drill", a.State, a.Reason)
	}
	s.Emulator.mu.Lock()
	value, threshold, ok := s.alarmBreach(s.region("us-east-1"), "web-cpu-high")
	s.Emulator.mu.Unlock()
	if !ok || value != 97.5 || threshold != 80 {
		t.Errorf("alarmBreach = %v, %v, %v; want 97.5 against 80 from StateReasonData", value, threshold, ok)
	}
	if got := actionHistory(t, s, "web-cpu-high"); len(got) != 1 || got[0] != "10:01:20 Successfully executed action arn:aws:sns:us-east-1:123456789012:ops" {
		t.Errorf("SetAlarmState must run the ALARM actions once; history: %v", got)
	}

	s.advance(40 * time.Second) // the next period ends: the data says OK again
	a := s.alarm("web-cpu-high")
	if a.State != "OK" || !strings.HasPrefix(a.Reason, "Threshold Crossed: 1 datapoint [10.0 (26/11/26 10:01:00)] was not greater than") {
		t.Errorf("after the next evaluation: %s %q, want OK from the data", a.State, a.Reason)
	}
}

func TestCloudWatchPolicyAlarms(t *testing.T) {
	s := newCWServer(t)
	cw := s.cwClient()
	const policy = "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:autoScalingGroupName/web:policyName/up"
	for _, name := range []string{"b-high", "a-high", "unrelated"} {
		in := cwPutAlarm(name)
		if name != "unrelated" {
			in.OKActions = []string{policy}
		}
		if _, err := cw.PutMetricAlarm(context.Background(), in); err != nil {
			t.Fatalf("PutMetricAlarm: %v", err)
		}
	}
	s.Emulator.mu.Lock()
	got := s.policyAlarms(s.region("us-east-1"), policy)
	s.Emulator.mu.Unlock()
	if fmt.Sprint(got) != "[{a-high arn:aws:cloudwatch:us-east-1:123456789012:alarm:a-high} {b-high arn:aws:cloudwatch:us-east-1:123456789012:alarm:b-high}]" {
		t.Errorf("policyAlarms = %v", got)
	}
}

func TestCloudWatchPruneDropsOldDataAndHistory(t *testing.T) {
	c := newCloudWatchState()
	c.record("Shop", "Orders", nil, 1, "Count", cwT0)
	c.record("Shop", "Orders", nil, 2, "Count", cwT0.Add(24*time.Hour))
	c.record("Shop", "Refunds", nil, 1, "Count", cwT0)
	c.addHistory("a", historyAction, cwT0, "old", map[string]any{})
	c.addHistory("a", historyAction, cwT0.Add(20*24*time.Hour), "new", map[string]any{})

	c.maybePrune(cwT0.Add(15*24*time.Hour + time.Minute))
	if len(c.Series) != 1 || len(c.series("Shop", "Orders", nil).Points) != 1 {
		t.Errorf("after 15 days: %d series, want only Orders with its newer point", len(c.Series))
	}
	c.maybePrune(cwT0.Add(31 * 24 * time.Hour))
	if len(c.History) != 1 || c.History[0].HistorySummary != "new" {
		t.Errorf("after 31 days history = %+v, want only the 20-day-old item", c.History)
	}
}

// The state file keeps alarms (state, M of N, timestamps), metric data and history, and a
// restarted emulator carries on evaluating where it stopped.
func TestCloudWatchStateFileRoundTrip(t *testing.T) {
	file := t.TempDir() + "/state.json"
	clock := NewManualClock(cwT0)
	e := New(Options{Clock: clock, StateFile: file})
	e.mu.Lock()
	rs := e.region("us-east-1")
	in := &putMetricAlarmInput{AlarmName: "web", Namespace: "AWS/EC2", MetricName: "CPUUtilization", Statistic: "Average",
		Period: ptr(int32(60)), EvaluationPeriods: ptr(int32(3)), DatapointsToAlarm: ptr(int32(2)), Threshold: ptr(80.0),
		ComparisonOperator: "GreaterThanThreshold", Dimensions: []cwDimension{{"AutoScalingGroupName", "web"}}}
	if _, err := e.putMetricAlarm(rs, in, cwT0); err != nil {
		t.Fatalf("putMetricAlarm: %v", err)
	}
	for m := range 3 {
		rs.cw.record("AWS/EC2", "CPUUtilization", map[string]string{"AutoScalingGroupName": "web"}, 95, "Percent", cwT0.Add(time.Duration(m)*time.Minute))
	}
	e.mu.Unlock()
	if err := e.SaveState(); err != nil {
		t.Fatalf("SaveState: %v", err)
	}

	restarted := New(Options{Clock: clock, StateFile: file})
	clock.Advance(2 * time.Minute) // periods end while "down"; the restarted emulator catches up
	restarted.Step()
	restarted.mu.Lock()
	defer restarted.mu.Unlock()
	cw := restarted.region("us-east-1").cw
	a := cw.Alarms["web"]
	if a == nil || a.StateValue != "ALARM" || a.datapointsToAlarm() != 2 || !a.AlarmConfigurationUpdatedTimestamp.Equal(cwT0) {
		t.Fatalf("restored alarm: %+v", a)
	}
	if len(cw.History) != 2 || cw.History[0].HistorySummary != `Alarm "web" created` ||
		cw.History[1].HistorySummary != "Alarm updated from INSUFFICIENT_DATA to ALARM" || !cw.History[1].Timestamp.Equal(cwT0.Add(time.Minute)) {
		t.Errorf("restored history: %+v", cw.History)
	} else if !strings.Contains(cw.History[1].HistoryData, "for INSUFFICIENT_DATA -> ALARM transition") {
		t.Errorf("HistoryData should carry the reason unescaped, as AWS writes it: %s", cw.History[1].HistoryData)
	}
	if s := cw.series("AWS/EC2", "CPUUtilization", []cwDimension{{"AutoScalingGroupName", "web"}}); s == nil || len(s.Points) != 3 {
		t.Errorf("restored series: %+v", s)
	}

	var empty cloudWatchState
	if err := json.Unmarshal([]byte(`{"series":null}`), &empty); err != nil || empty.Series == nil || empty.Alarms == nil {
		t.Errorf("a state without maps must come back with empty maps: %+v, %v", empty, err)
	}
}

func TestCloudWatchComparisonOperators(t *testing.T) {
	cases := []struct {
		op               string
		below, at, above bool // does 79, 80 and 81 breach a threshold of 80?
	}{
		{"GreaterThanThreshold", false, false, true},
		{"GreaterThanOrEqualToThreshold", false, true, true},
		{"LessThanThreshold", true, false, false},
		{"LessThanOrEqualToThreshold", true, true, false},
	}
	for _, c := range cases {
		got := [3]bool{breaches(c.op, 79, 80), breaches(c.op, 80, 80), breaches(c.op, 81, 80)}
		if got != [3]bool{c.below, c.at, c.above} {
			t.Errorf("%s: 79, 80, 81 breach %v, want %v", c.op, got, [3]bool{c.below, c.at, c.above})
		}
		if _, ok := comparisonPhrases[c.op]; !ok {
			t.Errorf("%s has no phrase for state reasons", c.op)
		}
	}
}
