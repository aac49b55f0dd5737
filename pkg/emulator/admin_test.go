package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// adminDo calls the admin API and returns the status and body.
func adminDo(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminAPI(t *testing.T) {
	env := newASEnv(t, Options{})
	base := env.srv.URL + "/_emulator"
	env.mustLC("lc")
	env.mustGroup("web", "lc", 1, 3, 1)

	if code, body := adminDo(t, "POST", base+"/faults", `{"action":"DescribeAutoScalingGroups","code":"Throttling","failNext":1}`); code != 204 {
		t.Fatalf("set fault: %d %s", code, body)
	}
	_, err := env.as.DescribeAutoScalingGroups(env.ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	wantAPIError(t, err, "Throttling", "Rate exceeded")
	if code, body := adminDo(t, "GET", base+"/faults", ""); code != 200 || !strings.Contains(body, `"DescribeAutoScalingGroups"`) {
		t.Fatalf("get faults: %d %s", code, body)
	}
	if code, _ := adminDo(t, "DELETE", base+"/faults", ""); code != 204 || len(env.emu.Faults().Rules()) != 0 {
		t.Fatalf("clear faults: %d", code)
	}

	code, body := adminDo(t, "GET", base+"/calls", "")
	var calls map[string]int64
	if code != 200 || json.Unmarshal([]byte(body), &calls) != nil || calls["DescribeAutoScalingGroups:Throttling"] != 1 || calls["CreateAutoScalingGroup"] != 1 {
		t.Fatalf("calls: %d %s", code, body)
	}
	if code, _ := adminDo(t, "DELETE", base+"/calls", ""); code != 204 || len(env.emu.Calls()) != 0 {
		t.Fatalf("reset calls: %d", code)
	}

	if code, body := adminDo(t, "POST", base+"/load", `{"group":"web","cpu":77}`); code != 204 {
		t.Fatalf("load: %d %s", code, body)
	}
	if code, body := adminDo(t, "POST", base+"/clock/advance", `{"seconds":45}`); code != 200 || !strings.Contains(body, "2026-11-26T10:00:45Z") {
		t.Fatalf("advance: %d %s", code, body)
	}
	code, body = adminDo(t, "GET", base+"/snapshot", "")
	var snap Snapshot
	if code != 200 || json.Unmarshal([]byte(body), &snap) != nil {
		t.Fatalf("snapshot: %d %s", code, body)
	}
	g := snap.Regions["us-east-1"].Groups["web"]
	if g.Load != 77 || g.InService() != 1 || !snap.Time.Equal(asStart.Add(45*time.Second)) {
		t.Fatalf("snapshot group %+v at %v", g, snap.Time)
	}
	if code, body := adminDo(t, "POST", base+"/instances/"+g.Instances[0].ID+"/unhealthy", ""); code != 204 {
		t.Fatalf("unhealthy: %d %s", code, body)
	}
	if acts := env.activities("web"); len(acts) != 3 {
		t.Fatalf("marking unhealthy should terminate and replace: %d activities", len(acts))
	}

	for _, c := range []struct{ method, path, body, want string }{
		{"POST", "/faults", `{"code":"Throttling"}`, `"action" is required`},
		{"POST", "/faults", `{"action":"*","latency":"soon"}`, `"latency" must be a non-negative Go duration`},
		{"POST", "/faults", `{"action":"*","errorRate":2}`, `"errorRate" must be between 0 and 1`},
		{"POST", "/load", `{"cpu":5}`, `send {"group"`},
		{"POST", "/load", `{"group":"web","cpu":5,"extra":1}`, `unknown field`},
		{"POST", "/clock/advance", `{"seconds":-1}`, `must not be negative`},
		{"POST", "/instances/i-0nothere/unhealthy", ``, `not in any Auto Scaling group`},
	} {
		code, body := adminDo(t, c.method, base+c.path, c.body)
		var e struct{ Error string }
		if code < 400 || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, c.want) {
			t.Errorf("%s %s %s: %d %s, want an error containing %q", c.method, c.path, c.body, code, body, c.want)
		}
	}
}

func TestAdminClockNeedsManualClock(t *testing.T) {
	emu := New(Options{})
	url := httptestServer(t, emu)
	if code, body := adminDo(t, "POST", url+"/_emulator/clock/advance", `{"seconds":1}`); code != http.StatusConflict || !strings.Contains(body, "cannot be advanced") {
		t.Fatalf("%d %s", code, body)
	}
}
