package emulator

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// BenchmarkSDKCalls measures Auto Scaling calls per second through the real SDK and HTTP stack,
// in the operator's mix: three DescribeAutoScalingGroups of one group for every SetDesiredCapacity,
// over 100 groups of 3 instances.
func BenchmarkSDKCalls(b *testing.B) {
	emu := New(Options{Clock: NewManualClock(asStart)})
	as := asClient(httptestServerB(b, emu), "us-east-1")
	ctx := b.Context()
	if _, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("lc"), ImageId: aws.String("ami-1"), InstanceType: aws.String("t3.micro")}); err != nil {
		b.Fatal(err)
	}
	const groups = 100
	for i := range groups {
		if _, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(fmt.Sprintf("g%03d", i)),
			LaunchConfigurationName: aws.String("lc"), MinSize: aws.Int32(0), MaxSize: aws.Int32(10), DesiredCapacity: aws.Int32(3),
			AvailabilityZones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		name := fmt.Sprintf("g%03d", i%groups)
		var err error
		if i%4 == 3 {
			_, err = as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String(name), DesiredCapacity: aws.Int32(int32(3 + i/4%2))})
		} else {
			_, err = as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

func httptestServerB(b *testing.B, emu *Emulator) string {
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	return srv.URL
}
