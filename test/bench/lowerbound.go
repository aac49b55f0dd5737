package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"golang.org/x/time/rate"

	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// sdkClients are plain aws-sdk-go-v2 clients for an endpoint: what any program would build.
type sdkClients struct {
	as *autoscaling.Client
	cw *cloudwatch.Client
}

func newSDKClients(endpoint string) sdkClients {
	cfg := aws.Config{
		Region:      harness.Region,
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
	}
	return sdkClients{
		as: autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = aws.String(endpoint) }),
		cw: cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.BaseEndpoint = aws.String(endpoint) }),
	}
}

// limiter waits for a token of a per-service rate limit; a nil limiter lets everything through.
type limiter struct{ as, cw *rate.Limiter }

func newLimiter(perSecond float64, burst int) limiter {
	if perSecond <= 0 {
		return limiter{}
	}
	return limiter{as: rate.NewLimiter(rate.Limit(perSecond), burst), cw: rate.NewLimiter(rate.Limit(perSecond), burst)}
}

func wait(ctx context.Context, l *rate.Limiter) error {
	if l == nil {
		return nil
	}
	return l.Wait(ctx)
}

// lowerBound creates n sets the way a hand-written program would: for each set, one
// CreateLaunchConfiguration, one CreateAutoScalingGroup with the owner tag, two PutScalingPolicy
// (SimpleScaling, the samples' +10 and -5) and two PutMetricAlarm (with the policy ARNs as actions
// and the owner tag), with `workers` sets in flight at once; then DescribeAutoScalingGroups, 100
// names a call, until every group has its instances InService. It returns how long that took.
func lowerBound(ctx context.Context, endpoint string, n, workers int, lim limiter) (time.Duration, error) {
	c := newSDKClients(endpoint)
	start := time.Now()
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := createSet(ctx, c, lim, i); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	names := make([]string, n)
	for i := range names {
		names[i] = groupName(i)
	}
	for {
		pending, err := notInService(ctx, c, lim, names)
		if err != nil {
			return 0, err
		}
		if len(pending) == 0 {
			return time.Since(start), nil
		}
		names = pending
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func groupName(i int) string { return "default-" + harness.SetName("lb", i) }

func createSet(ctx context.Context, c sdkClients, lim limiter, i int) error {
	name := groupName(i)
	owner := "bench/default/" + harness.SetName("lb", i)
	lc := name + "-0123456789"
	if err := wait(ctx, lim.as); err != nil {
		return err
	}
	if _, err := c.as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(lc),
		ImageId:                 aws.String("ami-12345678"),
		InstanceType:            aws.String("t3.micro"),
	}); err != nil {
		return fmt.Errorf("CreateLaunchConfiguration: %w", err)
	}
	if err := wait(ctx, lim.as); err != nil {
		return err
	}
	if _, err := c.as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName:    aws.String(name),
		LaunchConfigurationName: aws.String(lc),
		MinSize:                 aws.Int32(1),
		MaxSize:                 aws.Int32(2),
		AvailabilityZones:       []string{harness.Region + "a"},
		Tags: []astypes.Tag{{
			Key: aws.String("autoscale-operator.io/owner"), Value: aws.String(owner),
			ResourceId: aws.String(name), ResourceType: aws.String("auto-scaling-group"), PropagateAtLaunch: aws.Bool(false),
		}},
	}); err != nil {
		return fmt.Errorf("CreateAutoScalingGroup: %w", err)
	}
	for _, side := range []struct {
		suffix     string
		adjustment int32
		threshold  float64
		comparison cwtypes.ComparisonOperator
	}{
		{"upper", 10, 80, cwtypes.ComparisonOperatorGreaterThanThreshold},
		{"lower", -5, 40, cwtypes.ComparisonOperatorLessThanThreshold},
	} {
		if err := wait(ctx, lim.as); err != nil {
			return err
		}
		p, err := c.as.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{
			AutoScalingGroupName: aws.String(name),
			PolicyName:           aws.String(name + "-" + side.suffix),
			PolicyType:           aws.String("SimpleScaling"),
			AdjustmentType:       aws.String("ChangeInCapacity"),
			ScalingAdjustment:    aws.Int32(side.adjustment),
		})
		if err != nil {
			return fmt.Errorf("PutScalingPolicy: %w", err)
		}
		if err := wait(ctx, lim.cw); err != nil {
			return err
		}
		if _, err := c.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName:          aws.String(name + "-" + side.suffix),
			MetricName:         aws.String("CPUUtilization"),
			Namespace:          aws.String("AWS/EC2"),
			Statistic:          cwtypes.StatisticAverage,
			Unit:               cwtypes.StandardUnitPercent,
			Dimensions:         []cwtypes.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String(name)}},
			Period:             aws.Int32(60),
			EvaluationPeriods:  aws.Int32(6),
			Threshold:          aws.Float64(side.threshold),
			ComparisonOperator: side.comparison,
			AlarmActions:       []string{aws.ToString(p.PolicyARN)},
			Tags:               []cwtypes.Tag{{Key: aws.String("autoscale-operator.io/owner"), Value: aws.String(owner)}},
		}); err != nil {
			return fmt.Errorf("PutMetricAlarm: %w", err)
		}
	}
	return nil
}

// notInService describes the groups 100 at a time and returns those without all their desired
// instances InService.
func notInService(ctx context.Context, c sdkClients, lim limiter, names []string) ([]string, error) {
	var pending []string
	for start := 0; start < len(names); start += 100 {
		batch := names[start:min(start+100, len(names))]
		if err := wait(ctx, lim.as); err != nil {
			return nil, err
		}
		out, err := c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{
			AutoScalingGroupNames: batch,
			MaxRecords:            aws.Int32(100),
		})
		if err != nil {
			return nil, fmt.Errorf("DescribeAutoScalingGroups: %w", err)
		}
		ready := map[string]bool{}
		for _, g := range out.AutoScalingGroups {
			in := int32(0)
			for _, i := range g.Instances {
				if i.LifecycleState == astypes.LifecycleStateInService {
					in++
				}
			}
			ready[aws.ToString(g.AutoScalingGroupName)] = in >= aws.ToInt32(g.DesiredCapacity)
		}
		for _, n := range batch {
			if !ready[n] {
				pending = append(pending, n)
			}
		}
	}
	return pending, nil
}
