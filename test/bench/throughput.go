package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// throughputGroups is how many groups the call mix spreads over.
const throughputGroups = 20

// Mix names a call mix of S4.
type Mix string

const (
	// MixAutoScaling is DescribeAutoScalingGroups (10 names), SetDesiredCapacity (alternating 1
	// and 2, so instances launch and terminate) and DescribeScalingActivities, in equal parts:
	// what moto and our emulator both speak through the Go SDK.
	MixAutoScaling Mix = "autoscaling"
	// MixFull adds CloudWatch's PutMetricAlarm and DescribeAlarms (the Go SDK speaks RPCv2 CBOR to
	// CloudWatch, which moto does not), so it runs against our emulator only.
	MixFull Mix = "autoscaling+cloudwatch"
)

// seedThroughput creates the launch configuration and groups the mix works on.
func seedThroughput(ctx context.Context, c sdkClients) error {
	if _, err := c.as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String("tp-lc"),
		ImageId:                 aws.String("ami-12345678"),
		InstanceType:            aws.String("t3.micro"),
	}); err != nil {
		return fmt.Errorf("seeding CreateLaunchConfiguration: %w", err)
	}
	for i := range throughputGroups {
		if _, err := c.as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
			AutoScalingGroupName:    aws.String(fmt.Sprintf("tp-%02d", i)),
			LaunchConfigurationName: aws.String("tp-lc"),
			MinSize:                 aws.Int32(0),
			MaxSize:                 aws.Int32(4),
			DesiredCapacity:         aws.Int32(1),
			AvailabilityZones:       []string{harness.Region + "a"},
		}); err != nil {
			return fmt.Errorf("seeding CreateAutoScalingGroup: %w", err)
		}
	}
	return nil
}

// call makes the k-th call of the mix.
func (m Mix) call(ctx context.Context, c sdkClients, k int) error {
	g := fmt.Sprintf("tp-%02d", k%throughputGroups)
	ops := 3
	if m == MixFull {
		ops = 5
	}
	var err error
	switch k % ops {
	case 0:
		names := make([]string, 10)
		for j := range names {
			names[j] = fmt.Sprintf("tp-%02d", (k+j)%throughputGroups)
		}
		_, err = c.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: names})
	case 1:
		_, err = c.as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{
			AutoScalingGroupName: aws.String(g), DesiredCapacity: aws.Int32(int32(1 + (k/ops)%2)),
		})
	case 2:
		_, err = c.as.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
			AutoScalingGroupName: aws.String(g), MaxRecords: aws.Int32(20),
		})
	case 3:
		_, err = c.cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName: aws.String(g + "-high"), MetricName: aws.String("CPUUtilization"), Namespace: aws.String("AWS/EC2"),
			Statistic: cwtypes.StatisticAverage, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(2),
			Threshold: aws.Float64(80), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
			Dimensions: []cwtypes.Dimension{{Name: aws.String("AutoScalingGroupName"), Value: aws.String(g)}},
		})
	case 4:
		_, err = c.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{g + "-high"}})
	}
	return err
}

// Throughput is one S4 measurement.
type Throughput struct {
	Calls          int64   `json:"calls"`
	Errors         int64   `json:"errors"`
	Seconds        float64 `json:"seconds"`
	CallsPerSecond float64 `json:"callsPerSecond"`
}

// mixRunner drives one call mix against one endpoint, slice by slice, and adds up what completed.
type mixRunner struct {
	c       sdkClients
	mix     Mix
	workers int
	next    atomic.Int64
	total   Throughput
}

// newMixRunner seeds the endpoint and warms up connections and code paths.
func newMixRunner(ctx context.Context, endpoint string, mix Mix, workers int) (*mixRunner, error) {
	r := &mixRunner{c: newSDKClients(endpoint), mix: mix, workers: workers}
	if err := seedThroughput(ctx, r.c); err != nil {
		return nil, err
	}
	for k := range 3 * 5 {
		if err := mix.call(ctx, r.c, k); err != nil {
			return nil, fmt.Errorf("warm-up call %d: %w", k, err)
		}
	}
	return r, nil
}

// run makes calls with r.workers concurrent callers for d and adds them to the total.
func (r *mixRunner) run(ctx context.Context, d time.Duration) error {
	var ok, failed atomic.Int64
	var firstErr atomic.Value
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range r.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for runCtx.Err() == nil {
				err := r.mix.call(runCtx, r.c, int(r.next.Add(1)))
				switch {
				case err == nil:
					ok.Add(1)
				case runCtx.Err() != nil:
					// Cut off by the deadline: not counted either way.
				default:
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	r.total.Calls += ok.Load()
	r.total.Errors += failed.Load()
	r.total.Seconds += time.Since(start).Seconds()
	r.total.CallsPerSecond = float64(r.total.Calls) / r.total.Seconds
	if n := failed.Load(); n > 0 && n*10 > ok.Load() {
		return fmt.Errorf("%d of %d calls failed, first: %v", n, n+ok.Load(), firstErr.Load())
	}
	return nil
}

// interleave runs the runners in turn, `slices` times each, d/slices at a time, so a change in the
// shared machine's load hits all of them alike.
func interleave(ctx context.Context, runners []*mixRunner, d time.Duration, slices int) error {
	slice := d / time.Duration(slices)
	for range slices {
		for _, r := range runners {
			if err := r.run(ctx, slice); err != nil {
				return err
			}
		}
	}
	return nil
}

// moto is a moto_server child process on a loopback port.
type moto struct {
	url  string
	cmd  *exec.Cmd
	done chan struct{}
}

// startMoto starts moto_server (path from PATH when empty) on a free loopback port.
func startMoto(ctx context.Context, path string) (*moto, error) {
	if path == "" {
		var err error
		if path, err = exec.LookPath("moto_server"); err != nil {
			return nil, fmt.Errorf("moto_server is not on PATH: %w", err)
		}
	}
	addr, err := harness.FreeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(path, "-H", host, "-p", port)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if os.Getenv("BENCH_MOTO_LOG") == "" {
		cmd.Stdout, cmd.Stderr = nil, nil
	} else {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	m := &moto{url: "http://" + addr, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(m.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(m.url + "/moto-api/"); err == nil {
			_ = resp.Body.Close()
			return m, nil
		}
		select {
		case <-m.done:
			return nil, errors.New("moto_server exited while starting (BENCH_MOTO_LOG=1 shows its output)")
		case <-ctx.Done():
			m.stop()
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	m.stop()
	return nil, fmt.Errorf("moto_server did not answer on %s within 60 s", m.url)
}

// reset drops all of moto's state.
func (m *moto) reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.url+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("moto reset: %s", resp.Status)
	}
	return nil
}

func (m *moto) stop() {
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-m.done
	}
}
