package emulator

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// postQuery sends a raw AWS Query request (no SDK) signed, if region is set, for that region.
func postQuery(t *testing.T, h http.Handler, region string, form url.Values) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if region != "" {
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261126/"+region+"/autoscaling/aws4_request, SignedHeaders=host, Signature=abc")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	body, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(body)
}

// queryErrorOf parses a Query error document.
func queryErrorOf(t *testing.T, body string) (typ, code, message string) {
	t.Helper()
	var doc wire.QueryErrorResponse
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("not a Query error document: %v\n%s", err, body)
	}
	return doc.Type, doc.Code, doc.Message
}

func TestRouterQueryErrors(t *testing.T) {
	emu := New(Options{Clock: NewManualClock(asStart)})
	cases := []struct {
		name          string
		form          url.Values
		status        int
		code, message string
	}{
		{"unknown version", url.Values{"Action": {"DescribeAutoScalingGroups"}, "Version": {"2099-01-01"}}, 400, "InvalidParameterValue",
			`Unsupported Version "2099-01-01": send Version=2011-01-01 (Auto Scaling), Version=2010-08-01 (CloudWatch) or Version=2016-11-15 (EC2) with the Action, or use CloudWatch's JSON or CBOR protocol.`},
		{"no action", url.Values{"Version": {"2011-01-01"}}, 400, "MissingAction", "The request must contain the parameter Action."},
		{"unknown action", url.Values{"Action": {"LaunchRockets"}, "Version": {"2011-01-01"}}, 400, "InvalidAction",
			"The action LaunchRockets is not valid for this web service (the emulator implements 35 Auto Scaling actions; see Calls or the package docs)."},
		{"missing required", url.Values{"Action": {"CreateAutoScalingGroup"}, "Version": {"2011-01-01"}, "AutoScalingGroupName": {"g"}, "MaxSize": {"1"}, "LaunchConfigurationName": {"lc"}}, 400, "ValidationError",
			"1 validation error detected: Value null at 'minSize' failed to satisfy constraint: Member must not be null"},
		{"not an integer", url.Values{"Action": {"SetDesiredCapacity"}, "Version": {"2011-01-01"}, "AutoScalingGroupName": {"g"}, "DesiredCapacity": {"many"}}, 400, "ValidationError",
			"Value 'many' for parameter DesiredCapacity is invalid: it must be a 32-bit integer."},
		{"not a boolean", url.Values{"Action": {"DeleteAutoScalingGroup"}, "Version": {"2011-01-01"}, "AutoScalingGroupName": {"g"}, "ForceDelete": {"yes please"}}, 400, "ValidationError",
			"Value 'yes please' for parameter ForceDelete is invalid: it must be true or false."},
		{"bad list index", url.Values{"Action": {"DescribeAutoScalingGroups"}, "Version": {"2011-01-01"}, "AutoScalingGroupNames.member.0": {"g"}}, 400, "ValidationError",
			"Parameter AutoScalingGroupNames.member.0 has an invalid list index: lists are numbered AutoScalingGroupNames.member.1, AutoScalingGroupNames.member.2, ..."},
		{"control character", url.Values{"Action": {"DescribeLoadBalancers"}, "Version": {"2011-01-01"}, "AutoScalingGroupName": {"a\x00b"}}, 400, "ValidationError",
			`1 validation error detected: Value at 'autoScalingGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\r\n\t]*`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := postQuery(t, emu, "us-east-1", c.form)
			typ, code, msg := queryErrorOf(t, body)
			if status != c.status || typ != "Sender" || code != c.code || msg != c.message {
				t.Fatalf("got %d %s %s: %q\nwant %d Sender %s: %q", status, typ, code, msg, c.status, c.code, c.message)
			}
		})
	}
}

// FuzzAutoScalingQuery feeds arbitrary forms to every Auto Scaling action: whatever a client sends,
// the answer is a well-formed response or a 4xx Query error, never a 500 or a panic.
func FuzzAutoScalingQuery(f *testing.F) {
	f.Add("CreateAutoScalingGroup", "AutoScalingGroupName=g&MinSize=1&MaxSize=2&AvailabilityZones.member.1=us-east-1a&LaunchConfigurationName=lc")
	f.Add("PutScalingPolicy", "AutoScalingGroupName=g&PolicyName=p&PolicyType=StepScaling&AdjustmentType=ChangeInCapacity&StepAdjustments.member.1.ScalingAdjustment=1&StepAdjustments.member.1.MetricIntervalLowerBound=NaN")
	f.Add("CreateLaunchConfiguration", "LaunchConfigurationName=lc&ImageId=ami-1&InstanceType=t3.micro&BlockDeviceMappings.member.1.Ebs.VolumeSize=-1")
	f.Add("DescribeTags", "Filters.member.99999999999.Name=key&NextToken=%ff")
	f.Add("ExecutePolicy", "PolicyName=arn:aws:autoscaling:x&MetricValue=1e400")
	f.Add("StartInstanceRefresh", "AutoScalingGroupName=g&Preferences.MinHealthyPercentage=101")
	setup := url.Values{"Action": {"CreateLaunchConfiguration"}, "Version": {"2011-01-01"}, "LaunchConfigurationName": {"lc"}, "ImageId": {"ami-1"}, "InstanceType": {"t3.micro"}}
	f.Fuzz(func(t *testing.T, action, body string) {
		// A fresh, small emulator per input keeps one input's huge group from slowing the rest.
		emu := New(Options{Clock: NewManualClock(asStart), Limits: Limits{MaxInstances: 100}})
		postQuery(t, emu, "", setup)
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		form.Set("Action", action)
		form.Set("Version", "2011-01-01")
		status, resp := postQuery(t, emu, "us-east-1", form)
		if status >= 500 {
			t.Fatalf("%s %s: status %d\n%s", action, body, status, resp)
		}
		if status >= 400 {
			queryErrorOf(t, resp)
		}
	})
}

func TestRegionsAreIsolated(t *testing.T) {
	env := newASEnv(t, Options{})
	west := asClient(env.srv.URL, "us-west-2")
	env.mustLC("lc")
	env.mustGroup("web", "lc", 0, 2, 0)

	out, err := west.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AutoScalingGroups) != 0 {
		t.Fatalf("us-west-2 sees %d groups created in us-east-1", len(out.AutoScalingGroups))
	}
	// The same name is free in another region, and its ARN names that region.
	if _, err := west.CreateLaunchConfiguration(env.ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")}); err != nil {
		t.Fatal(err)
	}
	lcs, err := west.DescribeLaunchConfigurations(env.ctx, &autoscaling.DescribeLaunchConfigurationsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(lcs.LaunchConfigurations[0].LaunchConfigurationARN); !strings.HasPrefix(arn, "arn:aws:autoscaling:us-west-2:123456789012:launchConfiguration:") || !strings.HasSuffix(arn, ":launchConfigurationName/lc") {
		t.Fatalf("ARN %s does not name us-west-2 and the launch configuration", arn)
	}
	// Unsigned requests (SigV2 clients) go to the default region.
	status, body := postQuery(t, env.emu, "", url.Values{"Action": {"DescribeAutoScalingGroups"}, "Version": {"2011-01-01"}})
	if status != 200 || !strings.Contains(body, "<AutoScalingGroupName>web</AutoScalingGroupName>") {
		t.Fatalf("unsigned request: %d\n%s", status, body)
	}
}

func TestPresignedRegionAndGETQuery(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	q := url.Values{"Action": {"DescribeLaunchConfigurations"}, "Version": {"2011-01-01"}, "X-Amz-Credential": {"AKID/20261126/eu-west-1/autoscaling/aws4_request"}}
	resp, err := http.Get(env.srv.URL + "/?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(body), "<LaunchConfigurationName>lc</LaunchConfigurationName>") {
		t.Fatalf("GET presigned for eu-west-1 should see no us-east-1 launch configurations: %d\n%s", resp.StatusCode, body)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("missing x-amzn-RequestId header")
	}
}

func TestResponseEnvelope(t *testing.T) {
	emu := New(Options{Clock: NewManualClock(asStart)})
	status, body := postQuery(t, emu, "us-east-1", url.Values{"Action": {"DescribeAccountLimits"}, "Version": {"2011-01-01"}})
	want := `<DescribeAccountLimitsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeAccountLimitsResult><MaxNumberOfAutoScalingGroups>500</MaxNumberOfAutoScalingGroups><MaxNumberOfLaunchConfigurations>200</MaxNumberOfLaunchConfigurations><NumberOfAutoScalingGroups>0</NumberOfAutoScalingGroups><NumberOfLaunchConfigurations>0</NumberOfLaunchConfigurations></DescribeAccountLimitsResult><ResponseMetadata><RequestId>`
	if status != 200 || !strings.Contains(body, want) {
		t.Fatalf("got %d\n%s\nwant it to contain\n%s", status, body, want)
	}
	status, body = postQuery(t, emu, "us-east-1", url.Values{"Action": {"DeleteAutoScalingGroup"}, "Version": {"2011-01-01"}, "AutoScalingGroupName": {"x"}})
	if status != 400 || !strings.Contains(body, `<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>ValidationError</Code>`) {
		t.Fatalf("error envelope: %d\n%s", status, body)
	}
}

func TestFaultInjectionAndCounters(t *testing.T) {
	env := newASEnv(t, Options{})
	env.emu.Faults().Set("DescribeAutoScalingGroups", FaultRule{FailNext: 2})
	env.emu.Faults().Set("*", FaultRule{FailNext: 1, Code: "ServiceUnavailable"})

	for i, want := range []string{"Throttling", "Throttling", ""} {
		_, err := env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
		if got := apiCode(err); got != want {
			t.Fatalf("DescribeAutoScalingGroups call %d: error %q (%v), want %q", i+1, got, err, want)
		}
	}
	_, err := env.as.DescribeAccountLimits(env.ctx, &autoscaling.DescribeAccountLimitsInput{})
	wantAPIError(t, err, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.")
	var re interface{ HTTPStatusCode() int }
	if !asError(err, &re) || re.HTTPStatusCode() != 503 {
		t.Fatalf("ServiceUnavailable should be HTTP 503: %v", err)
	}

	env.emu.Faults().Set("SetDesiredCapacity", FaultRule{ErrorRate: 1, Code: "InternalFailure"})
	_, err = env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("g"), DesiredCapacity: aws.Int32(1)})
	if !asError(err, &re) || re.HTTPStatusCode() != 500 || apiCode(err) != "InternalFailure" {
		t.Fatalf("InternalFailure should be HTTP 500: %v", err)
	}
	env.emu.Faults().Clear()
	_, err = env.as.SetDesiredCapacity(env.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("g"), DesiredCapacity: aws.Int32(1)})
	if apiCode(err) != "ValidationError" {
		t.Fatalf("after Clear the real error should come back: %v", err)
	}

	want := map[string]int64{
		"DescribeAutoScalingGroups":                3,
		"DescribeAutoScalingGroups:Throttling":     2,
		"DescribeAccountLimits":                    1,
		"DescribeAccountLimits:ServiceUnavailable": 1,
		"SetDesiredCapacity":                       2,
		"SetDesiredCapacity:InternalFailure":       1,
		"SetDesiredCapacity:ValidationError":       1,
	}
	got := env.emu.Calls()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Calls()[%q] = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("Calls() = %v, want exactly %v", got, want)
	}
	env.emu.ResetCalls()
	if n := len(env.emu.Calls()); n != 0 {
		t.Fatalf("after ResetCalls: %d counters", n)
	}
}

func TestFaultLatency(t *testing.T) {
	env := newASEnv(t, Options{})
	env.emu.Faults().Set("DescribeAccountLimits", FaultRule{Latency: 50 * time.Millisecond})
	start := time.Now()
	if _, err := env.as.DescribeAccountLimits(env.ctx, &autoscaling.DescribeAccountLimitsInput{}); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Fatalf("call took %v, want at least the injected 50ms", elapsed)
	}
}

// TestIPAddressRegionFallsBack: boto2 derives the SigV4 region from the endpoint's host, so
// against 127.0.0.1 it signs for region "0"; that is not a region, and the default serves it.
func TestIPAddressRegionFallsBack(t *testing.T) {
	emu := New(Options{Clock: NewManualClock(asStart), DefaultRegion: "eu-west-1"})
	for auth, want := range map[string]string{
		"AWS4-HMAC-SHA256 Credential=AKID/20261126/0/autoscaling/aws4_request, SignedHeaders=host, Signature=x":             "eu-west-1",
		"AWS4-HMAC-SHA256 Credential=AKID/20261126/us-gov-west-1/autoscaling/aws4_request, SignedHeaders=host, Signature=x": "us-gov-west-1",
		"AWS AKID:c2lnbmF0dXJl": "eu-west-1", // SigV2-style header
	} {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Header.Set("Authorization", auth)
		if got := emu.requestRegion(r); got != want {
			t.Errorf("%s: region %q, want %q", auth, got, want)
		}
	}
}

// ExampleNew embeds the emulator in a test: a manual clock, the real SDK, and a group whose
// instances come InService when the clock says so.
func ExampleNew() {
	clock := NewManualClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	emu := New(Options{Clock: clock, LaunchDelay: 30 * time.Second})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	as := asClient(srv.URL, "us-east-1") // autoscaling.New with BaseEndpoint: srv.URL and static credentials
	ctx := context.Background()

	_, _ = as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("web"), ImageId: aws.String("ami-12345678"), InstanceType: aws.String("t3.micro")})
	_, _ = as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), LaunchConfigurationName: aws.String("web"),
		MinSize: aws.Int32(2), MaxSize: aws.Int32(4), AvailabilityZones: []string{"us-east-1a", "us-east-1b"}})
	clock.Advance(time.Minute)

	g := emu.Snapshot().Regions["us-east-1"].Groups["web"]
	fmt.Println(g.DesiredCapacity, g.InService(), emu.Calls()["CreateAutoScalingGroup"])
	// Output: 2 2 1
}
