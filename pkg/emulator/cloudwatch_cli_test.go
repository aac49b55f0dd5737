package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests drive the emulator with the Python clients people use from a shell: botocore
// (boto3 1.43 / AWS CLI v1), which speaks AWS JSON 1.0 to CloudWatch, and Debian's awscli 2.9
// (apt package awscli), whose bundled botocore still speaks AWS Query.

// requireTool skips a test whose external tool is missing, except under CI, where a missing tool
// is a broken CI image and fails the test.
func requireTool(t *testing.T, available bool, why string) {
	t.Helper()
	if available {
		return
	}
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		t.Fatalf("%s; CI must provide it", why)
	}
	t.Skipf("%s; skipping (under CI=true this fails)", why)
}

func TestCloudWatchBotocoreJSON(t *testing.T) {
	python, err := exec.LookPath("python3")
	requireTool(t, err == nil, "python3 is not on PATH (the JSON 1.0 test needs it with a boto3 that speaks JSON to CloudWatch; 1.43 does, Debian's 1.26 does not)")
	s := newCWServer(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "cw_json.py"), s.url, cwT0.Format(time.RFC3339))
	cmd.Env = cwClientEnv(t)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		requireTool(t, false, strings.TrimSpace(string(out)))
	}
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("testdata/cw_json.py failed: %v\n%s", err, out)
	}

	gzipped := false
	for i, h := range s.seenHeaders() {
		if !strings.HasPrefix(h.Get("X-Amz-Target"), "GraniteServiceVersion20100801.") || h.Get("Content-Type") != "application/x-amz-json-1.0" {
			t.Errorf("request %d: X-Amz-Target %q, Content-Type %q; botocore should speak AWS JSON 1.0", i, h.Get("X-Amz-Target"), h.Get("Content-Type"))
		}
		gzipped = gzipped || h.Get("Content-Encoding") == "gzip"
	}
	if !gzipped {
		t.Errorf("no request was gzipped; the script's large PutMetricData should have been")
	}
}

// cwClientEnv is a clean environment for the Python clients: fixed credentials, no profile or
// config from the machine, no pager.
func cwClientEnv(t *testing.T) []string {
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+home, "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_PAGER=")
}

// debianAWS is Debian's awscli; the aws on PATH may be a newer pip-installed CLI that speaks JSON.
const debianAWS = "/usr/bin/aws"

func TestCloudWatchDebianAWSCLIQuery(t *testing.T) {
	version, err := exec.Command(debianAWS, "--version").CombinedOutput()
	requireTool(t, err == nil, debianAWS+" is not installed (apt-get install awscli)")
	t.Logf("%s", strings.TrimSpace(string(version)))
	s := newCWServer(t)

	run := func(args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, debianAWS, append([]string{"--endpoint-url", s.url, "--region", "eu-west-1", "--output", "json", "cloudwatch"}, args...)...)
		cmd.Env = cwClientEnv(t)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out), errors.New(stderr.String())
		}
		return string(out), nil
	}
	mustRun := func(into any, args ...string) {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("aws cloudwatch %s: %v", strings.Join(args, " "), err)
		}
		if into != nil {
			if err := json.Unmarshal([]byte(out), into); err != nil {
				t.Fatalf("aws cloudwatch %s printed %q: %v", args[0], out, err)
			}
		}
	}
	type alarms struct {
		MetricAlarms []struct {
			AlarmName, AlarmArn, StateValue, StateReason, StateUpdatedTimestamp string
			ActionsEnabled                                                      bool
			Dimensions                                                          []cwDimension
			Threshold                                                           float64
		}
	}

	mustRun(nil, "put-metric-alarm", "--alarm-name", "cli-orders", "--namespace", "Shop", "--metric-name", "Orders",
		"--statistic", "Sum", "--period", "60", "--evaluation-periods", "2", "--threshold", "5.5",
		"--comparison-operator", "GreaterThanThreshold", "--dimensions", "Name=Store,Value=berlin",
		"--alarm-actions", "arn:aws:sns:eu-west-1:123456789012:ops", "--tags", "Key=team,Value=shop")
	var described alarms
	mustRun(&described, "describe-alarms", "--alarm-names", "cli-orders")
	if len(described.MetricAlarms) != 1 {
		t.Fatalf("describe-alarms returned %d alarms, want 1", len(described.MetricAlarms))
	}
	a := described.MetricAlarms[0]
	updated, _ := time.Parse(time.RFC3339, a.StateUpdatedTimestamp)
	if a.AlarmArn != "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:cli-orders" || a.StateValue != "INSUFFICIENT_DATA" ||
		a.Threshold != 5.5 || len(a.Dimensions) != 1 || a.Dimensions[0] != (cwDimension{"Store", "berlin"}) || !updated.Equal(cwT0) {
		t.Errorf("describe-alarms: %+v", a)
	}

	var tags struct{ Tags []cwTag }
	mustRun(&tags, "list-tags-for-resource", "--resource-arn", a.AlarmArn)
	if len(tags.Tags) != 1 || tags.Tags[0] != (cwTag{"team", "shop"}) {
		t.Errorf("list-tags-for-resource: %+v, want team=shop", tags.Tags)
	}

	mustRun(nil, "put-metric-data", "--namespace", "Shop", "--metric-data", `[
		{"MetricName": "Orders", "Dimensions": [{"Name": "Store", "Value": "berlin"}], "Timestamp": "2026-11-26T09:55:10Z", "Values": [1, 2, 3], "Counts": [1, 1, 2], "Unit": "Count"},
		{"MetricName": "Orders", "Dimensions": [{"Name": "Store", "Value": "berlin"}], "Timestamp": "2026-11-26T09:56:00Z", "Unit": "Count",
		 "StatisticValues": {"SampleCount": 2, "Sum": 10, "Minimum": 4, "Maximum": 6}}]`)
	var stats struct {
		Label      string
		Datapoints []struct {
			Timestamp          string
			Sum, SampleCount   float64
			Unit               string
			ExtendedStatistics map[string]float64
		}
	}
	query := []string{"get-metric-statistics", "--namespace", "Shop", "--metric-name", "Orders", "--dimensions", "Name=Store,Value=berlin",
		"--start-time", "2026-11-26T09:55:00Z", "--end-time", "2026-11-26T09:57:00Z", "--period", "60"}
	mustRun(&stats, append(query, "--statistics", "Sum", "SampleCount")...)
	var got []string
	for _, d := range stats.Datapoints {
		ts, _ := time.Parse(time.RFC3339, d.Timestamp)
		got = append(got, ts.UTC().Format("15:04")+" sum="+strconv.FormatFloat(d.Sum, 'g', -1, 64)+" n="+strconv.FormatFloat(d.SampleCount, 'g', -1, 64)+" "+d.Unit)
	}
	if strings.Join(got, ", ") != "09:55 sum=9 n=4 Count, 09:56 sum=10 n=2 Count" || stats.Label != "Orders" {
		t.Errorf("get-metric-statistics: label %q, datapoints %v", stats.Label, got)
	}
	mustRun(&stats, append(query, "--extended-statistics", "p50", "p100")...)
	if len(stats.Datapoints) != 1 || stats.Datapoints[0].ExtendedStatistics["p50"] != 2 || stats.Datapoints[0].ExtendedStatistics["p100"] != 3 {
		t.Errorf("percentiles: %+v, want one datapoint with p50=2 p100=3", stats.Datapoints)
	}

	mustRun(nil, "set-alarm-state", "--alarm-name", "cli-orders", "--state-value", "ALARM", "--state-reason", "drill")
	mustRun(nil, "disable-alarm-actions", "--alarm-names", "cli-orders")
	mustRun(&described, "describe-alarms", "--state-value", "ALARM")
	if len(described.MetricAlarms) != 1 || described.MetricAlarms[0].StateReason != "drill" || described.MetricAlarms[0].ActionsEnabled {
		t.Errorf("after set-alarm-state and disable-alarm-actions: %+v", described.MetricAlarms)
	}
	mustRun(nil, "enable-alarm-actions", "--alarm-names", "cli-orders")
	var history struct {
		AlarmHistoryItems []struct{ HistoryItemType, HistorySummary string }
	}
	mustRun(&history, "describe-alarm-history", "--alarm-name", "cli-orders", "--scan-by", "TimestampAscending")
	var summaries []string
	for _, h := range history.AlarmHistoryItems {
		summaries = append(summaries, h.HistoryItemType+": "+h.HistorySummary)
	}
	want := `ConfigurationUpdate: Alarm "cli-orders" created; StateUpdate: Alarm updated from INSUFFICIENT_DATA to ALARM; ` +
		`Action: Successfully executed action arn:aws:sns:eu-west-1:123456789012:ops; ConfigurationUpdate: Alarm "cli-orders" updated; ` +
		`ConfigurationUpdate: Alarm "cli-orders" updated`
	if strings.Join(summaries, "; ") != want {
		t.Errorf("history:\n got %s\nwant %s", strings.Join(summaries, "; "), want)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"set-alarm-state", "--alarm-name", "nope", "--state-value", "OK", "--state-reason", "x"},
			"An error occurred (ResourceNotFound) when calling the SetAlarmState operation: Alarm nope not found"},
		{[]string{"put-metric-alarm", "--alarm-name", "bad", "--namespace", "Shop", "--metric-name", "m", "--statistic", "Sum",
			"--period", "45", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "GreaterThanThreshold"},
			"An error occurred (ValidationError) when calling the PutMetricAlarm operation: Period 45 is not valid"},
		{[]string{"put-metric-data", "--namespace", "AWS/EC2", "--metric-name", "m", "--value", "1"},
			"An error occurred (InvalidParameterValue) when calling the PutMetricData operation: The value AWS/EC2 for parameter Namespace is invalid"},
	} {
		if _, err := run(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("aws cloudwatch %s: error %v, want %q", c.args[0], err, c.want)
		}
	}

	mustRun(nil, "delete-alarms", "--alarm-names", "cli-orders", "never-existed")
	mustRun(&described, "describe-alarms")
	if len(described.MetricAlarms) != 0 {
		t.Errorf("alarms left after delete-alarms: %+v", described.MetricAlarms)
	}

	for i, h := range s.seenHeaders() {
		if !strings.HasPrefix(h.Get("Content-Type"), "application/x-www-form-urlencoded") || h.Get("X-Amz-Target") != "" || h.Get("Smithy-Protocol") != "" {
			t.Errorf("request %d: Content-Type %q, X-Amz-Target %q, Smithy-Protocol %q; %s should speak AWS Query",
				i, h.Get("Content-Type"), h.Get("X-Amz-Target"), h.Get("Smithy-Protocol"), debianAWS)
		}
	}
}
