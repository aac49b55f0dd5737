package cloud

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/prometheus/client_golang/prometheus"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// The launch configuration and group lifecycles also run against moto_server, so the
// conversions and the normalisation are never fitted to our own emulator alone. Skipped with a
// message where moto_server is missing, unless CI is set.

func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("moto_server not found under CI: %v", err)
		}
		t.Skipf("moto_server not installed (pip install 'moto[server]'): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	logFile, err := os.Create(t.TempDir() + "/moto.log")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			if out, err := os.ReadFile(logFile.Name()); err == nil {
				lines := strings.Split(string(out), "\n")
				t.Logf("moto_server's log (last lines):\n%s", strings.Join(lines[max(0, len(lines)-40):], "\n"))
			}
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto_server did not answer on %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestMotoLaunchConfigurationAndGroupLifecycle(t *testing.T) {
	url := startMoto(t)
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	p, err := NewProvider(ctx, ProviderOptions{
		Region: "us-east-1", Endpoint: url, RateLimit: -1, Registerer: reg,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
	if err != nil {
		t.Fatal(err)
	}
	s := servicesOf(p, "")
	writeCalls := func() float64 {
		families, _ := reg.Gather()
		var n float64
		for _, f := range families {
			if f.GetName() != MetricCalls {
				continue
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "action" && !strings.HasPrefix(l.GetValue(), "Describe") {
						n += m.GetCounter().GetValue()
					}
				}
			}
		}
		return n
	}

	lcName := "default-web-0123abcd"
	if lc, err := s.DescribeLaunchConfiguration(ctx, lcName); err != nil || lc != nil {
		t.Fatalf("missing launch configuration: %v %v", lc, err)
	}
	// No security groups: moto launches real (fake) EC2 instances and needs them to exist.
	lcSpec := &ec2v1alpha1.LaunchConfigurationSpec{ImageID: "ami-12c6146b", InstanceType: "t3.micro"}
	if err := s.CreateLaunchConfiguration(ctx, lcName, lcSpec, "echo hi"); err != nil {
		t.Fatalf("create launch configuration: %v", err)
	}
	// AWS refuses a second create with AlreadyExists; moto 5 overwrites silently.
	if err := s.CreateLaunchConfiguration(ctx, lcName, lcSpec, ""); err != nil && !IsAlreadyExists(err) {
		t.Errorf("second create: %v, want AlreadyExists", err)
	}
	if lc, err := s.DescribeLaunchConfiguration(ctx, lcName); err != nil || lc == nil || lc.Name != lcName {
		t.Fatalf("describe launch configuration: %+v %v", lc, err)
	}

	in := &GroupInput{
		Name: "web", LaunchConfigurationName: lcName, OwnerTag: "test/default/web",
		Spec: &ec2v1alpha1.AutoScalingGroupSpec{
			MinSize: 1, MaxSize: 3,
			AvailabilityZones:  []string{"us-east-1b", "us-east-1a"},
			SuspendedProcesses: []string{"AZRebalance"},
			Tags:               []ec2v1alpha1.Tag{{Key: "team", Value: "web", PropagateAtLaunch: true}, {Key: "env", Value: "prod"}},
		},
	}
	if err := s.CreateGroup(ctx, in); err != nil {
		t.Fatalf("create group: %v", err)
	}
	// AWS says AlreadyExists; moto 5 replaces the group.
	if err := s.CreateGroup(ctx, in); err != nil && !IsAlreadyExists(err) {
		t.Errorf("second create: %v, want AlreadyExists", err)
	}
	g, err := s.DescribeGroup(ctx, "web", 0)
	if err != nil || g == nil || g.OwnerTag() != "test/default/web" || g.LaunchConfigurationName != lcName {
		t.Fatalf("describe group: %+v %v", g, err)
	}
	// moto fills and orders differently from our emulator; the sync of an unchanged group still
	// writes nothing.
	before := writeCalls()
	for range 2 {
		g, err = s.DescribeGroup(ctx, "web", 0)
		if err != nil {
			t.Fatal(err)
		}
		if wrote, err := s.UpdateGroup(ctx, in, g); wrote || err != nil {
			t.Fatalf("unchanged group against moto: wrote %v %v, plan %v (group %+v)", wrote, err, planGroupUpdate(in, g).changedFields, g)
		}
	}
	if writeCalls() != before {
		t.Errorf("unchanged group made writes")
	}

	changed := *in
	spec := *in.Spec
	changed.Spec = &spec
	spec.MaxSize = 5
	spec.DesiredCapacity = aws.Int32(2)
	spec.Tags = []ec2v1alpha1.Tag{{Key: "team", Value: "platform"}}
	spec.SuspendedProcesses = []string{"Launch"}
	if wrote, err := s.UpdateGroup(ctx, &changed, g); !wrote || err != nil {
		t.Fatalf("update: %v %v", wrote, err)
	}
	g, err = s.DescribeGroup(ctx, "web", 0)
	if err != nil || g.MaxSize != 5 || g.DesiredCapacity != 2 || g.OwnerTag() != "test/default/web" {
		t.Fatalf("after update: %+v %v", g, err)
	}
	if plan := planGroupUpdate(&changed, g); !plan.empty() {
		t.Errorf("after update against moto the plan is %v (group %+v)", plan.changedFields, g)
	}

	if users, err := s.GroupsUsingLaunchConfiguration(ctx, lcName); err != nil || !slices.Equal(users, []string{"web"}) {
		t.Errorf("users = %v %v", users, err)
	}
	if err := s.SetOwnerTag(ctx, "web", ""); err != nil {
		t.Fatal(err)
	}
	if g, _ = s.DescribeGroup(ctx, "web", 0); g.OwnerTag() != "" || len(g.Tags) != 1 {
		t.Errorf("tags after orphaning: %v", g.Tags)
	}

	if err := s.DeleteGroup(ctx, "web", true); err != nil {
		t.Fatalf("delete group: %v", err)
	}
	if err := s.DeleteGroup(ctx, "web", true); err != nil {
		t.Errorf("delete of a deleted group: %v", err)
	}
	if g, err := s.DescribeGroup(ctx, "web", 0); err != nil || g != nil {
		t.Errorf("after delete: %+v %v", g, err)
	}
	if err := s.DeleteLaunchConfiguration(ctx, lcName); err != nil {
		t.Errorf("delete launch configuration: %v", err)
	}
	if err := s.DeleteLaunchConfiguration(ctx, lcName); err != nil {
		t.Errorf("delete of a deleted launch configuration: %v", err)
	}
	if lc, err := s.DescribeLaunchConfiguration(ctx, lcName); err != nil || lc != nil {
		t.Errorf("after delete: %+v %v", lc, err)
	}
}
