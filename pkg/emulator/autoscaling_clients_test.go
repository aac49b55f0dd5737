package emulator

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// asRequireTool returns the path of an external client the tests drive, or skips the test when it
// is missing on a developer's machine. In CI (CI set) a missing tool fails: .ci/run installs them
// (Debian's awscli and python3-boto; python3 with boto3 and moto comes with the machine).
func asRequireTool(t *testing.T, path string, probe ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping external AWS clients in -short mode")
	}
	full, err := exec.LookPath(path)
	if err == nil && len(probe) > 0 {
		err = exec.Command(full, probe...).Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s %s is unavailable in CI (%v); .ci/run must install it", path, strings.Join(probe, " "), err)
		}
		t.Skipf("skipping: %s %s is unavailable (%v); install it to run this test (CI does)", path, strings.Join(probe, " "), err)
	}
	return full
}

// asClientEnv is an environment for external AWS clients that reads no local configuration or
// credentials and never reaches a real AWS endpoint.
func asClientEnv() []string {
	env := []string{"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER="}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "BOTO_") {
			env = append(env, kv)
		}
	}
	return env
}

// newASClientServer is an emulator on a manual clock behind a loopback server, for external clients.
func newASClientServer(t *testing.T) (*Emulator, string) {
	t.Helper()
	emu := New(Options{Clock: NewManualClock(asStart), LaunchDelay: 30 * time.Second})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, srv.URL
}

// asRunScript runs a Python test script from testdata against url and fails with its output.
func asRunScript(t *testing.T, python, script, url string) {
	t.Helper()
	cmd := exec.Command(python, "testdata/"+script, url)
	cmd.Env = asClientEnv()
	out, err := cmd.CombinedOutput()
	t.Logf("%s:\n%s", script, out)
	if err != nil {
		t.Fatalf("%s failed: %v", script, err)
	}
}

// TestBotocore runs every Auto Scaling action through boto3 1.43 (current botocore).
func TestBotocore(t *testing.T) {
	python := asRequireTool(t, "python3", "-c", "import boto3")
	_, url := newASClientServer(t)
	asRunScript(t, python, "autoscaling_boto3.py", url)
}

// awsCLI runs one AWS CLI command against url and decodes its JSON output (nil for no output).
// A failing command returns its stderr as the error.
func awsCLI(t *testing.T, bin, url string, args ...string) (map[string]any, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--endpoint-url", url, "--region", "us-east-1", "--output", "json"}, args...)...)
	cmd.Env = asClientEnv()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.String())
	}
	if strings.TrimSpace(stdout.String()) == "" {
		return nil, nil
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(stdout.String()), &out); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, stdout.String())
	}
	return out, nil
}

// TestAWSCLI drives the emulator with two generations of the AWS CLI: v1 on current botocore
// (pyenv's aws) and Debian's v2.9.19 with its much older bundled botocore, through the same
// sequence, so both old and new request serializers (and response parsers) are covered.
func TestAWSCLI(t *testing.T) {
	for _, c := range []struct{ name, bin string }{
		{"v1-current-botocore", "/root/.pyenv/shims/aws"},
		{"debian-v2.9.19", "/usr/bin/aws"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // each command is a CLI process start; two at a time halves the wait
			bin := asRequireTool(t, c.bin, "--version")
			emu, url := newASClientServer(t)
			must := func(args ...string) map[string]any {
				t.Helper()
				out, err := awsCLI(t, bin, url, args...)
				if err != nil {
					t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
				}
				return out
			}
			must("autoscaling", "create-launch-configuration", "--launch-configuration-name", "lc", "--image-id", "ami-1", "--instance-type", "t3.micro",
				"--user-data", "hello", "--block-device-mappings", `[{"DeviceName":"/dev/xvda","Ebs":{"VolumeSize":8}}]`)
			lcs := must("autoscaling", "describe-launch-configurations")["LaunchConfigurations"].([]any)
			lc := lcs[0].(map[string]any)
			if lc["UserData"] != "aGVsbG8=" || lc["BlockDeviceMappings"].([]any)[0].(map[string]any)["Ebs"].(map[string]any)["VolumeSize"] != 8.0 {
				t.Fatalf("launch configuration: %v", lc)
			}
			for _, name := range []string{"web", "api", "db"} {
				must("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", name, "--launch-configuration-name", "lc",
					"--min-size", "1", "--max-size", "4", "--desired-capacity", "2", "--availability-zones", "us-east-1a", "us-east-1b",
					"--tags", "Key=team,Value="+name+",PropagateAtLaunch=true")
			}
			// --page-size makes the CLI follow NextToken across three requests.
			groups := must("autoscaling", "describe-auto-scaling-groups", "--page-size", "1")["AutoScalingGroups"].([]any)
			if len(groups) != 3 || groups[0].(map[string]any)["AutoScalingGroupName"] != "api" {
				t.Fatalf("groups: %v", groups)
			}
			if in := groups[2].(map[string]any)["Instances"].([]any); len(in) != 2 || in[0].(map[string]any)["LifecycleState"] != "Pending" {
				t.Fatalf("instances right after create: %v", in)
			}
			emu.clock.(*ManualClock).Advance(time.Minute)

			must("autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "web", "--desired-capacity", "3")
			acts := must("autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "web", "--page-size", "2")["Activities"].([]any)
			if len(acts) != 3 || !strings.HasPrefix(acts[0].(map[string]any)["Cause"].(string), "At 2026-11-26T10:01:00Z a user request explicitly set group desired capacity changing the desired capacity from 2 to 3.") ||
				acts[2].(map[string]any)["StatusCode"] != "Successful" {
				t.Fatalf("activities: %v", acts)
			}
			pol := must("autoscaling", "put-scaling-policy", "--auto-scaling-group-name", "web", "--policy-name", "up", "--adjustment-type", "ChangeInCapacity", "--scaling-adjustment", "1")
			if !strings.HasSuffix(pol["PolicyARN"].(string), ":autoScalingGroupName/web:policyName/up") {
				t.Fatalf("policy: %v", pol)
			}
			must("autoscaling", "execute-policy", "--auto-scaling-group-name", "web", "--policy-name", "up")
			if p := must("autoscaling", "describe-policies", "--auto-scaling-group-name", "web")["ScalingPolicies"].([]any); len(p) != 1 {
				t.Fatalf("policies: %v", p)
			}
			must("autoscaling", "create-or-update-tags", "--tags", "ResourceId=web,ResourceType=auto-scaling-group,Key=env,Value=prod,PropagateAtLaunch=false")
			if tags := must("autoscaling", "describe-tags", "--filters", "Name=auto-scaling-group,Values=web")["Tags"].([]any); len(tags) != 2 {
				t.Fatalf("tags: %v", tags)
			}
			must("autoscaling", "suspend-processes", "--auto-scaling-group-name", "web", "--scaling-processes", "Launch")
			must("autoscaling", "resume-processes", "--auto-scaling-group-name", "web")
			inst := must("autoscaling", "describe-auto-scaling-instances")["AutoScalingInstances"].([]any)
			if len(inst) != 8 {
				t.Fatalf("%d instances, want 2+2+2 created, +1 set, +1 policy", len(inst))
			}
			id := inst[0].(map[string]any)["InstanceId"].(string)
			term := must("autoscaling", "terminate-instance-in-auto-scaling-group", "--instance-id", id, "--should-decrement-desired-capacity")
			if term["Activity"].(map[string]any)["Description"] != "Terminating EC2 instance: "+id {
				t.Fatalf("terminate: %v", term)
			}
			limits := must("autoscaling", "describe-account-limits")
			if limits["NumberOfAutoScalingGroups"] != 3.0 {
				t.Fatalf("limits: %v", limits)
			}

			_, err := awsCLI(t, bin, url, "autoscaling", "set-desired-capacity", "--auto-scaling-group-name", "web", "--desired-capacity", "9")
			if err == nil || !strings.Contains(err.Error(), "(ValidationError) when calling the SetDesiredCapacity operation: New SetDesiredCapacity value 9 is above max value 4 for the AutoScalingGroup.") {
				t.Fatalf("validation error through the CLI: %v", err)
			}
			_, err = awsCLI(t, bin, url, "autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "db")
			if err == nil || !strings.Contains(err.Error(), "(ResourceInUse)") {
				t.Fatalf("delete with instances through the CLI: %v", err)
			}
			must("autoscaling", "delete-auto-scaling-group", "--auto-scaling-group-name", "db", "--force-delete")
			if g := must("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "db")["AutoScalingGroups"].([]any); len(g) != 0 {
				t.Fatalf("db after force delete: %v", g)
			}
		})
	}
}

// TestBoto2 runs the boto2 Auto Scaling tutorial (launch configuration, group, policies, a
// CloudWatch alarm that scales the group) with Debian's python3-boto, the oldest client supported.
func TestBoto2(t *testing.T) {
	python := asRequireTool(t, "/usr/bin/python3", "-c", "import boto.ec2.autoscale")
	_, url := newASClientServer(t)
	asRunScript(t, python, "autoscaling_boto2.py", url)
}
