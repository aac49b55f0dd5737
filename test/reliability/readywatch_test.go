package reliability

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// readyWatch records, from watch events, every change of the Ready condition's status of every
// object of the three kinds in a namespace, so a test can tell a flapping object (Ready toggling
// back and forth) from one that went down once and came back once.
type readyWatch struct {
	mu      sync.Mutex
	start   time.Time
	last    map[string]metav1.ConditionStatus
	history map[string][]readyChange
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// watchReady starts recording; the initial state of each object counts as its first entry.
func watchReady(t *testing.T, ns string) *readyWatch {
	t.Helper()
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	w := &readyWatch{start: time.Now(), last: map[string]metav1.ConditionStatus{}, history: map[string][]readyChange{}, cancel: cancel}
	for _, list := range []client.ObjectList{&ec2v1alpha1.LaunchConfigurationList{}, &ec2v1alpha1.AutoScalingGroupList{}, &ec2v1alpha1.TriggerList{}} {
		wi, err := wc.Watch(ctx, list, client.InNamespace(ns))
		must(t, err)
		w.done.Add(1)
		go func() {
			defer w.done.Done()
			defer wi.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-wi.ResultChan():
					if !ok {
						return
					}
					if ev.Type == watch.Added || ev.Type == watch.Modified {
						w.observe(ev.Object.(harness.Object))
					}
				}
			}
		}()
	}
	t.Cleanup(w.stop)
	return w
}

// readyChange is one change of an object's Ready condition, at a time since the watch started.
type readyChange struct {
	at     time.Duration
	status metav1.ConditionStatus
	reason string
}

func (w *readyWatch) observe(obj harness.Object) {
	status, reason := metav1.ConditionUnknown, ""
	if c := meta.FindStatusCondition(obj.GetConditions(), ec2v1alpha1.ConditionReady); c != nil {
		status, reason = c.Status, c.Reason
	}
	gvk, err := env.Client.GroupVersionKindFor(obj)
	if err != nil {
		return
	}
	kind := gvk.Kind
	key := kind + "/" + obj.GetName()
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, seen := w.last[key]; seen && prev == status {
		return
	}
	w.last[key] = status
	w.history[key] = append(w.history[key], readyChange{at: time.Since(w.start), status: status, reason: reason})
}

func (w *readyWatch) stop() {
	w.cancel()
	w.done.Wait()
}

// flips is the number of Ready status changes of each object since the watch started.
func (w *readyWatch) flips() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for k, h := range w.history {
		out[k] = len(h) - 1
	}
	return out
}

// summary renders each object's Ready history, for failure messages.
func (w *readyWatch) summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var lines []string
	for k, h := range w.history {
		var s []string
		for _, c := range h {
			s = append(s, fmt.Sprintf("%s(%s @%s)", c.status, c.reason, c.at.Round(time.Second)))
		}
		lines = append(lines, fmt.Sprintf("%s: %s", k, strings.Join(s, "→")))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
