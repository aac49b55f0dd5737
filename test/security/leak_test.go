package security

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
	"github.com/autoscale-operator/autoscale-operator/test/fixtures"
	"github.com/autoscale-operator/autoscale-operator/test/harness"
)

// operatorNamespace is where config/default installs the manager and its service account.
const operatorNamespace = "autoscale-operator-system"

func canary(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// forms are the encodings in which a secret could show up: as is, base64 (how AWS carries user
// data), and form-encoded base64 (a logged Query request body).
func forms(secret string) map[string]string {
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	return map[string]string{
		"plain":               secret,
		"base64":              b64,
		"form-encoded base64": url.QueryEscape(b64),
	}
}

// TestSecretsNeverLeak runs bin/manager the way config/default deploys it: as the
// controller-manager service account with only the roles in config/rbac (impersonated through the
// control plane's admin), leader election on, AWS credentials from the environment, and logging
// at the highest verbosity (AWS call traces included). A launch configuration takes its user data
// from a Secret; the manager creates, updates (a new Secret value), survives injected AWS errors
// and deletes everything. Then the user data (both values) and the credentials must appear in none
// of: the manager's log, any Event, any object of the API (status included), the metrics.
//
// Running as the service account also proves the reviewed roles suffice: a missing permission
// would keep the manager from getting anything Ready.
func TestSecretsNeverLeak(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	secrets := map[string]string{
		"user data":             "#!/bin/sh\necho " + canary("USERDATA-ONE-"),
		"updated user data":     "#!/bin/sh\necho " + canary("USERDATA-TWO-"),
		"AWS_ACCESS_KEY_ID":     canary("AKIA"),
		"AWS_SECRET_ACCESS_KEY": canary("secretkey/"),
		"AWS_SESSION_TOKEN":     canary("sessiontoken+"),
	}

	dir := t.TempDir()
	saKubeconfig := filepath.Join(dir, "service-account.kubeconfig")
	env, err := harness.Start(ctx, harness.Options{
		NoManager:  true,
		SyncPeriod: 5 * time.Second,
		ManagerArgs: []string{
			"--kubeconfig", saKubeconfig, // the last --kubeconfig wins over the harness's admin one
			"--zap-log-level=10", // every V level: AWS call traces are V(1)
			"--leader-elect=true",
			"--leader-election-namespace", operatorNamespace,
		},
		ManagerEnv: []string{
			"AWS_ACCESS_KEY_ID=" + secrets["AWS_ACCESS_KEY_ID"],
			"AWS_SECRET_ACCESS_KEY=" + secrets["AWS_SECRET_ACCESS_KEY"],
			"AWS_SESSION_TOKEN=" + secrets["AWS_SESSION_TOKEN"],
		},
		Emulator: emulator.Options{LaunchDelay: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := env.Close(); err != nil {
			t.Error(err)
		}
	}()
	c := env.Client

	installRBAC(ctx, t, c)
	writeServiceAccountKubeconfig(t, env.Kubeconfig, saKubeconfig, operatorNamespace, "autoscale-operator-controller-manager")
	if err := env.Manager.Start(ctx); err != nil {
		t.Fatal(err)
	}

	ns := "leak"
	must(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "boot-script"},
		Data:       map[string][]byte{"script": []byte(secrets["user data"])},
	}
	must(t, c.Create(ctx, secret))
	lc := fixtures.LaunchConfiguration(ns, "web")
	lc.Spec.UserDataSecretRef = &ec2v1alpha1.SecretKeySelector{Name: secret.Name, Key: "script"}
	g := fixtures.AutoScalingGroup(ns, "leak-web", lc.Name, 1, 2)
	tr := fixtures.Trigger(ns, "leak-web", g.Name)
	// Errors on the way: their messages and Events must not carry the secrets either.
	env.Emulator.Faults().Set("CreateLaunchConfiguration", emulator.FaultRule{Code: "InternalFailure", FailNext: 6})
	env.Emulator.Faults().Set("CreateAutoScalingGroup", emulator.FaultRule{Code: "Throttling", FailNext: 3})
	for _, o := range []client.Object{lc, g, tr} {
		must(t, c.Create(ctx, o))
	}
	waitReady(ctx, t, c, lc, g, tr)
	firstName := getLC(ctx, t, c, lc).Status.AWSName
	snapshots := []string{dumpObjects(ctx, t, c)}

	// A new Secret value rolls the launch configuration; the group moves to the new one.
	secret.Data["script"] = []byte(secrets["updated user data"])
	must(t, c.Update(ctx, secret))
	poll(ctx, t, "the launch configuration to roll to the new user data", func() error {
		cur := getLC(ctx, t, c, lc)
		if cur.Status.AWSName == firstName || !harness.IsReady(cur) {
			return fmt.Errorf("status.awsName still %s", cur.Status.AWSName)
		}
		return nil
	})
	waitReady(ctx, t, c, lc, g, tr)
	snapshots = append(snapshots, dumpObjects(ctx, t, c))

	// Prove AWS saw the user data (so it passed through the manager) before looking for leaks.
	snap := env.Emulator.Snapshot().Regions[harness.Region]
	if len(snap.LaunchConfigurations) == 0 {
		t.Fatal("no launch configuration in the emulator")
	}

	for _, o := range []client.Object{tr, g, lc} {
		must(t, client.IgnoreNotFound(c.Delete(ctx, o)))
	}
	poll(ctx, t, "every object to be deleted", func() error {
		for _, o := range []client.Object{tr, g, lc} {
			if err := c.Get(ctx, client.ObjectKeyFromObject(o), o); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%T %s still exists (%v)", o, o.GetName(), err)
			}
		}
		return nil
	})
	if n := len(env.Emulator.Snapshot().Regions[harness.Region].LaunchConfigurations); n != 0 {
		t.Errorf("%d launch configurations left in the emulator after deletion", n)
	}

	metrics := scrape(ctx, t, env.Manager.MetricsURL())
	if err := env.Manager.Stop(); err != nil {
		t.Errorf("stopping the manager: %v", err)
	}
	logData, err := os.ReadFile(env.Manager.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	logText := string(logData)
	// The log must be verbose enough to have shown a leak had there been one.
	for _, want := range []string{`"AWS call"`, "CreateLaunchConfiguration", "DeleteLaunchConfiguration", "Reconciler error"} {
		if !strings.Contains(logText, want) {
			t.Errorf("the manager's log has no %q: is it verbose enough for this test to mean anything?", want)
		}
	}

	events := dumpEvents(ctx, t, c)
	if !strings.Contains(events, "Created launch configuration") {
		t.Errorf("no launch configuration Event recorded; the Event check would be vacuous")
	}
	places := map[string]string{
		"the manager's log":                logText,
		"Events":                           events,
		"objects while Ready":              snapshots[0],
		"objects after the update":         snapshots[1],
		"the manager's metrics":            metrics,
		"objects after deletion":           dumpObjects(ctx, t, c),
		"the leader-election Lease/Events": dumpLeases(ctx, t, c),
	}
	for what, value := range secrets {
		for form, s := range forms(value) {
			for place, text := range places {
				if strings.Contains(text, s) {
					t.Errorf("%s (%s) appears in %s", what, form, place)
				}
			}
		}
	}
	t.Logf("checked %d KiB of manager log, %d KiB of Events, %d KiB of objects", len(logText)/1024, len(events)/1024, (len(snapshots[0])+len(snapshots[1]))/1024)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func poll(ctx context.Context, t *testing.T, what string, f func() error) {
	t.Helper()
	var last error
	for {
		if last = f(); last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last: %v)", what, ctx.Err(), last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func getLC(ctx context.Context, t *testing.T, c client.Client, lc *ec2v1alpha1.LaunchConfiguration) *ec2v1alpha1.LaunchConfiguration {
	t.Helper()
	cur := &ec2v1alpha1.LaunchConfiguration{}
	must(t, c.Get(ctx, client.ObjectKeyFromObject(lc), cur))
	return cur
}

// waitReady waits until every object is Ready for its current generation.
func waitReady(ctx context.Context, t *testing.T, c client.Client, objs ...harness.Object) {
	t.Helper()
	poll(ctx, t, "Ready", func() error {
		for _, o := range objs {
			cur := o.DeepCopyObject().(harness.Object)
			if err := c.Get(ctx, client.ObjectKeyFromObject(o), cur); err != nil {
				return err
			}
			if !harness.IsReady(cur) {
				gvk, _ := c.GroupVersionKindFor(cur)
				return fmt.Errorf("%s %s not Ready (generation %d, observed %d): %+v", gvk.Kind, cur.GetName(),
					cur.GetGeneration(), cur.GetObservedGeneration(), cur.GetConditions())
			}
		}
		return nil
	})
}

// dumpObjects is every object of the three kinds, in full (metadata, spec, status), as JSON.
func dumpObjects(ctx context.Context, t *testing.T, c client.Client) string {
	t.Helper()
	var b strings.Builder
	for _, l := range []client.ObjectList{&ec2v1alpha1.LaunchConfigurationList{}, &ec2v1alpha1.AutoScalingGroupList{}, &ec2v1alpha1.TriggerList{}} {
		must(t, c.List(ctx, l))
		raw, err := json.Marshal(l)
		must(t, err)
		b.Write(raw)
	}
	return b.String()
}

// dumpEvents is every Event of every namespace (core/v1 and events.k8s.io/v1 share one store).
func dumpEvents(ctx context.Context, t *testing.T, c client.Client) string {
	t.Helper()
	var list corev1.EventList
	must(t, c.List(ctx, &list))
	raw, err := json.Marshal(list)
	must(t, err)
	return string(raw)
}

func dumpLeases(ctx context.Context, t *testing.T, c client.Client) string {
	t.Helper()
	u := &unstructured.UnstructuredList{}
	u.SetAPIVersion("coordination.k8s.io/v1")
	u.SetKind("LeaseList")
	must(t, c.List(ctx, u, client.InNamespace(operatorNamespace)))
	if len(u.Items) == 0 {
		t.Errorf("no leader-election Lease in %s: was leader election on?", operatorNamespace)
	}
	raw, err := json.Marshal(u)
	must(t, err)
	return string(raw)
}

func scrape(ctx context.Context, t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	must(t, err)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return string(b)
}

// installRBAC applies the RBAC objects of `kustomize build config/default` (namespace, service
// account, roles, bindings), exactly as `make deploy` would.
func installRBAC(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	n := 0
	for _, o := range kustomizeBuild(t, "config/default") {
		switch o.GetKind() {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			must(t, c.Create(ctx, o))
			n++
		}
	}
	if n < 6 {
		t.Fatalf("config/default built only %d RBAC objects", n)
	}
}

// writeServiceAccountKubeconfig copies the admin kubeconfig with impersonation of the service
// account added: the API server then authorizes every request as the service account alone.
func writeServiceAccountKubeconfig(t *testing.T, adminPath, path, namespace, name string) {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(adminPath)
	must(t, err)
	for _, ai := range cfg.AuthInfos {
		ai.Impersonate = "system:serviceaccount:" + namespace + ":" + name
		ai.ImpersonateGroups = []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"}
	}
	must(t, clientcmd.WriteToFile(*cfg, path))
}
