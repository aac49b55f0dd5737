package emulator

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

func TestSimulationRecordsCPUOncePerMinute(t *testing.T) {
	env := newASEnv(t, Options{DefaultLoad: 35})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 1, 1)
	env.emu.SetGroupLoad("us-east-1", "other", 99) // another group's load does not leak
	env.advance(5 * time.Minute)
	id := aws.ToString(env.describe("web").Instances[0].InstanceId)

	env.emu.mu.Lock()
	defer env.emu.mu.Unlock()
	cw := env.emu.regions["us-east-1"].cw
	inst := cw.series("AWS/EC2", "CPUUtilization", []cwDimension{{Name: "InstanceId", Value: id}})
	group := cw.series("AWS/EC2", "CPUUtilization", []cwDimension{{Name: "AutoScalingGroupName", Value: "web"}})
	if inst == nil || group == nil {
		t.Fatalf("missing series: instance %v group %v", inst, group)
	}
	// InService at 10:00:30; minute boundaries 10:01 … 10:05.
	if len(inst.Points) != 5 || len(group.Points) != 5 {
		t.Fatalf("got %d instance and %d group points over 5 minutes, want 5 each", len(inst.Points), len(group.Points))
	}
	for i, p := range group.Points {
		if want := asStart.Add(time.Duration(i+1) * time.Minute); !p.Timestamp.Equal(want) || p.Sum != 35 || p.Unit != "Percent" {
			t.Fatalf("point %d: %+v, want 35 Percent at %v", i, p, want)
		}
	}
}

// TestClockJumpsAreCheap: days of emulated time cost nothing in a region with nothing to simulate,
// and stay well under a second for a region with instances.
func TestClockJumpsAreCheap(t *testing.T) {
	env := newASEnv(t, Options{})
	start := time.Now()
	env.advance(365 * 24 * time.Hour)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("a year in an empty emulator took %v", d)
	}
	env.mustLC("lc")
	env.mustGroup("web", "lc", 2, 2, 2)
	start = time.Now()
	env.advance(3 * 24 * time.Hour)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("three days with two instances took %v", d)
	}
	t.Logf("three days with two instances: %v", time.Since(start))
	if g := env.group("web"); g.states["InService"] != 2 {
		t.Fatalf("after the jump: %+v", g)
	}
}

func TestScaledClock(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewScaledClock(start, 1000)
	time.Sleep(5 * time.Millisecond) // real time must pass for a real-time clock; the bound below is loose
	if got := c.Now().Sub(start); got < 5*time.Second || got > time.Hour {
		t.Fatalf("after ≥5 ms at ×1000 the clock moved %v, want ≥5 s", got)
	}
}

// TestRunStepsWithoutRequests: a real-time server's background loop brings instances InService
// with no request arriving, and saves the state file when stopped.
func TestRunStepsWithoutRequests(t *testing.T) {
	env := newASEnv(t, Options{StateFile: t.TempDir() + "/state.json"})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 1, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- env.emu.Run(ctx) }()

	env.clock.Advance(time.Minute) // no Step, no request: Run has to notice
	deadline := time.Now().Add(5 * time.Second)
	for {
		env.emu.mu.Lock()
		state := env.emu.regions["us-east-1"].as.Groups["web"].Instances[0].LifecycleState
		env.emu.mu.Unlock()
		if state == stateInService {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not step the simulation: instance still %s", state)
		}
		time.Sleep(10 * time.Millisecond) // polling for a background goroutine, not for correctness
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run's final save: %v", err)
	}
	reloaded := New(Options{Clock: env.clock, StateFile: env.emu.opts.StateFile})
	if g := reloaded.Snapshot().Regions["us-east-1"].Groups["web"]; g.InService() != 1 {
		t.Fatalf("state saved by Run: %+v", g)
	}
}

func TestStateFileRestart(t *testing.T) {
	path := t.TempDir() + "/state.json"
	env := newASEnv(t, Options{StateFile: path})
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 5, 3)
	if _, err := env.as.PutScalingPolicy(env.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("up"),
		AdjustmentType: aws.String("ChangeInCapacity"), ScalingAdjustment: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	env.emu.SetGroupLoad("us-east-1", "web", 64)
	env.advance(10 * time.Second) // still Pending when saved
	if err := env.emu.SaveState(); err != nil {
		t.Fatal(err)
	}
	before := env.describe("web")

	// A new emulator on the same file (and clock) carries on: same ARNs, ids, activities; the
	// pending launches complete on time.
	emu2 := New(Options{Clock: env.clock, LaunchDelay: 30 * time.Second, StateFile: path})
	env2 := &asEnv{t: t, emu: emu2, clock: env.clock, ctx: env.ctx}
	srv := httptestServer(t, emu2)
	env2.as = asClient(srv, "us-east-1")
	after := env2.describe("web")
	if aws.ToString(after.AutoScalingGroupARN) != aws.ToString(before.AutoScalingGroupARN) || len(after.Instances) != 3 ||
		aws.ToString(after.Instances[0].InstanceId) != aws.ToString(before.Instances[0].InstanceId) || after.Instances[0].LifecycleState != "Pending" {
		t.Fatalf("reloaded group differs:\nbefore %+v\nafter  %+v", before, after)
	}
	env2.advance(20 * time.Second)
	if g := env2.group("web"); g.states["InService"] != 3 {
		t.Fatalf("pending launches should complete after the restart: %+v", g)
	}
	if n := len(env2.activities("web")); n != 3 {
		t.Fatalf("activities after restart: %d", n)
	}
	if snap := emu2.Snapshot().Regions["us-east-1"].Groups["web"]; snap.Load != 64 || len(snap.Policies) != 1 {
		t.Fatalf("load and policies after restart: %+v", snap)
	}
}

func TestCorruptStateFileStartsEmpty(t *testing.T) {
	path := t.TempDir() + "/state.json"
	if err := writeFile(path, "{not json"); err != nil {
		t.Fatal(err)
	}
	emu := New(Options{Clock: NewManualClock(asStart), StateFile: path})
	if n := len(emu.Snapshot().Regions); n != 0 {
		t.Fatalf("corrupt state file: %d regions loaded", n)
	}
}
