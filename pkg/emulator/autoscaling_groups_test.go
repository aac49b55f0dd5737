package emulator

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

func TestGroupLaunchesPendingThenInService(t *testing.T) {
	env := newASEnv(t, Options{})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 10, 4)

	if g := env.group("web"); g.desired != 4 || g.states["Pending"] != 4 {
		t.Fatalf("right after create: %+v, want 4 Pending", g)
	}
	env.advance(29 * time.Second)
	if g := env.group("web"); g.states["Pending"] != 4 {
		t.Fatalf("after 29s: %+v, want still 4 Pending (launch delay 30s)", g)
	}
	env.advance(time.Second)
	if g := env.group("web"); g.states["InService"] != 4 {
		t.Fatalf("after 30s: %+v, want 4 InService", g)
	}

	acts, err := env.as.DescribeScalingActivities(env.ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if len(acts.Activities) != 4 {
		t.Fatalf("got %d activities, want 4", len(acts.Activities))
	}
	a := acts.Activities[0]
	wantCause := "At 2026-11-26T10:00:00Z a user request created an AutoScalingGroup changing the desired capacity from 0 to 4.  At 2026-11-26T10:00:00Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 4."
	if aws.ToString(a.Cause) != wantCause {
		t.Errorf("cause = %q\nwant    %q", aws.ToString(a.Cause), wantCause)
	}
	if !strings.HasPrefix(aws.ToString(a.Description), "Launching a new EC2 instance: i-0") {
		t.Errorf("description = %q", aws.ToString(a.Description))
	}
	if a.StatusCode != "Successful" || aws.ToInt32(a.Progress) != 100 || !a.EndTime.Equal(asStart.Add(30*time.Second)) {
		t.Errorf("activity = %s %d%% end %v, want Successful 100%% at +30s", a.StatusCode, aws.ToInt32(a.Progress), a.EndTime)
	}
	if !strings.HasPrefix(aws.ToString(a.Details), `{"Availability Zone":"us-east-1`) {
		t.Errorf("details = %q", aws.ToString(a.Details))
	}
}
