package security

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// grant is one permission: a verb on a resource (with its subresource, "pods/status") of an API
// group. RBAC rules are cross products of these; comparing sets of grants catches an extra verb
// however the rules are grouped.
type grant struct{ group, resource, verb string }

func (g grant) String() string {
	group := g.group
	if group == "" {
		group = "core"
	}
	return group + " " + g.resource + " " + g.verb
}

// reviewed is a hand-reviewed permission table: each row says which code needs it. A permission in
// the generated role but not here is privilege the code does not use, and fails the test.
type reviewed struct {
	group     string
	resources []string
	verbs     []string
	why       string
}

var operatorKinds = []string{"launchconfigurations", "autoscalinggroups", "triggers"}

func suffixed(kinds []string, sub string) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k + "/" + sub
	}
	return out
}

// managerRole is what the reconcilers call (controllers/*.go, cmd/manager).
var managerRole = []reviewed{
	{"ec2.autoscale-operator.io", operatorKinds, []string{"get", "list", "watch"},
		"the informers behind the manager's cached client (Get and List of the three kinds, the field indexes)"},
	{"ec2.autoscale-operator.io", operatorKinds, []string{"patch"},
		"patcher.patch: finalizers and the launch-configurations annotation, one merge patch with an optimistic lock"},
	{"ec2.autoscale-operator.io", suffixed(operatorKinds, "status"), []string{"patch"},
		"patcher.patch: one status merge patch per reconcile (status is never read through the subresource)"},
	{"", []string{"secrets"}, []string{"get"},
		"LaunchConfigurationReconciler.userData reads the user-data Secret live through the API reader (never cached)"},
	{"", []string{"secrets"}, []string{"list", "watch"},
		"the metadata-only Secret watch that re-reconciles launch configurations when their Secret appears or changes"},
	{"events.k8s.io", []string{"events"}, []string{"create", "patch"},
		"mgr.GetEventRecorder (events/v1): create, and patch for an event series"},
}

// leaderElectionRole is what controller-runtime's leader election calls in the manager's namespace.
var leaderElectionRole = []reviewed{
	{"coordination.k8s.io", []string{"leases"}, []string{"get", "create", "update"},
		"client-go's LeaseLock: Get, Create, Update (also on release: LeaderElectionReleaseOnCancel)"},
	{"", []string{"events"}, []string{"create", "patch"},
		"the leader-election event recorder (core/v1 events: create, patch for a repeated event)"},
}

func expand(rows []reviewed) map[grant]string {
	out := map[grant]string{}
	for _, r := range rows {
		for _, res := range r.resources {
			for _, v := range r.verbs {
				out[grant{r.group, res, v}] = r.why
			}
		}
	}
	return out
}

func grantsOfRules(rules []rbacv1.PolicyRule) map[grant]bool {
	out := map[grant]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[grant{g, res, v}] = true
				}
			}
		}
	}
	return out
}

// compareGrants fails on any permission granted but not reviewed (extra privilege) or reviewed but
// not granted (the code would be forbidden).
func compareGrants(t *testing.T, what string, got map[grant]bool, want map[grant]string) {
	t.Helper()
	for _, g := range sortedGrantKeys(got) {
		if _, ok := want[g]; !ok {
			t.Errorf("%s grants %q, which no code uses (extra privilege): remove it (its kubebuilder marker, or the YAML)", what, g)
		}
	}
	for _, g := range sortedGrantKeys(want) {
		if !got[g] {
			t.Errorf("%s lacks %q, which the code needs: %s", what, g, want[g])
		}
	}
}

func sortedGrantKeys[V any](m map[grant]V) []grant {
	keys := make([]grant, 0, len(m))
	for g := range m {
		keys = append(keys, g)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

// rolesIn returns the Roles and ClusterRoles among objs by name.
func rolesIn(t *testing.T, objs []*unstructured.Unstructured) map[string][]rbacv1.PolicyRule {
	t.Helper()
	out := map[string][]rbacv1.PolicyRule{}
	for _, o := range objs {
		switch o.GetKind() {
		case "Role", "ClusterRole":
			var role rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &role); err != nil {
				t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
			}
			if role.AggregationRule != nil {
				t.Errorf("%s %s aggregates other roles: its permissions cannot be reviewed here", o.GetKind(), o.GetName())
			}
			out[o.GetKind()+"/"+o.GetName()] = role.Rules
		}
	}
	return out
}

// dangerousVerbs let a subject grant itself more than it has.
var dangerousVerbs = []string{"escalate", "bind", "impersonate"}

// checkRules fails on wildcards and privilege-escalation verbs in any rule.
func checkRules(t *testing.T, where, role string, rules []rbacv1.PolicyRule) {
	t.Helper()
	for i, r := range rules {
		for field, values := range map[string][]string{
			"apiGroups": r.APIGroups, "resources": r.Resources, "verbs": r.Verbs,
			"resourceNames": r.ResourceNames, "nonResourceURLs": r.NonResourceURLs,
		} {
			for _, v := range values {
				if strings.Contains(v, "*") {
					t.Errorf("%s: %s rule %d has a wildcard in %s: %q", where, role, i, field, v)
				}
			}
		}
		if len(r.NonResourceURLs) > 0 {
			t.Errorf("%s: %s rule %d grants non-resource URLs %v, which the manager never calls", where, role, i, r.NonResourceURLs)
		}
		for _, v := range r.Verbs {
			if slices.Contains(dangerousVerbs, v) {
				t.Errorf("%s: %s rule %d grants %q", where, role, i, v)
			}
		}
		if len(r.APIGroups) == 0 || len(r.Resources) == 0 || len(r.Verbs) == 0 {
			t.Errorf("%s: %s rule %d is incomplete: %+v", where, role, i, r)
		}
	}
}

// checkBindings fails on bindings to roles not defined here (cluster-admin, edit, ...) or to
// subjects other than the manager's service account.
func checkBindings(t *testing.T, where string, objs []*unstructured.Unstructured, roles map[string][]rbacv1.PolicyRule, serviceAccount string) int {
	t.Helper()
	n := 0
	for _, o := range objs {
		if o.GetKind() != "RoleBinding" && o.GetKind() != "ClusterRoleBinding" {
			continue
		}
		n++
		var b rbacv1.RoleBinding
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &b); err != nil {
			t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
		}
		if _, ok := roles[b.RoleRef.Kind+"/"+b.RoleRef.Name]; !ok {
			t.Errorf("%s: %s %s binds %s %s, which is not one of the reviewed roles here", where, o.GetKind(), o.GetName(), b.RoleRef.Kind, b.RoleRef.Name)
		}
		if o.GetKind() == "ClusterRoleBinding" && b.RoleRef.Kind == "Role" {
			t.Errorf("%s: ClusterRoleBinding %s refers to a Role", where, o.GetName())
		}
		for _, s := range b.Subjects {
			if s.Kind != rbacv1.ServiceAccountKind || s.Name != serviceAccount {
				t.Errorf("%s: %s %s binds %s %q; only the manager's service account %q may be bound", where, o.GetKind(), o.GetName(), s.Kind, s.Name, serviceAccount)
			}
		}
	}
	return n
}

// TestRBACHasNoWildcards checks every Role and ClusterRole in config/ (as written, and as
// `kustomize build config/default` deploys them) for wildcards, escalation verbs and bindings
// to anything but the manager's own service account.
func TestRBACHasNoWildcards(t *testing.T) {
	var objs []*unstructured.Unstructured
	for _, m := range configManifests(t) {
		objs = append(objs, m.obj)
	}
	roles := rolesIn(t, objs)
	if len(roles) < 2 {
		t.Fatalf("found roles %v in config/, want at least manager-role and leader-election-role", keys(roles))
	}
	for name, rules := range roles {
		checkRules(t, "config/", name, rules)
	}
	if n := checkBindings(t, "config/", objs, roles, "controller-manager"); n < 2 {
		t.Errorf("found %d bindings in config/, want the manager's ClusterRoleBinding and the leader-election RoleBinding", n)
	}

	t.Run("kustomize build config/default", func(t *testing.T) {
		built := kustomizeBuild(t, "config/default")
		roles := rolesIn(t, built)
		for name, rules := range roles {
			checkRules(t, "config/default", name, rules)
		}
		sa := ""
		for _, o := range built {
			if o.GetKind() == "Deployment" {
				sa, _, _ = unstructured.NestedString(o.Object, "spec", "template", "spec", "serviceAccountName")
			}
		}
		if sa == "" {
			t.Fatal("config/default builds no Deployment with a serviceAccountName")
		}
		checkBindings(t, "config/default", built, roles, sa)
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestManagerRoleGrantsOnlyWhatTheCodeUses compares the generated manager-role with the reviewed
// table of calls the reconcilers make, both ways.
func TestManagerRoleGrantsOnlyWhatTheCodeUses(t *testing.T) {
	roles := rolesIn(t, objectsOf(configManifests(t), "config/rbac/role.yaml"))
	rules, ok := roles["ClusterRole/manager-role"]
	if !ok {
		t.Fatalf("config/rbac/role.yaml holds %v, want ClusterRole/manager-role (make manifests)", keys(roles))
	}
	compareGrants(t, "ClusterRole manager-role", grantsOfRules(rules), expand(managerRole))
}

// TestLeaderElectionRoleGrantsOnlyWhatLeaderElectionUses does the same for the namespaced Role
// of leader election.
func TestLeaderElectionRoleGrantsOnlyWhatLeaderElectionUses(t *testing.T) {
	roles := rolesIn(t, objectsOf(configManifests(t), "config/rbac/leader_election_role.yaml"))
	rules, ok := roles["Role/leader-election-role"]
	if !ok {
		t.Fatalf("config/rbac/leader_election_role.yaml holds %v, want Role/leader-election-role", keys(roles))
	}
	compareGrants(t, "Role leader-election-role", grantsOfRules(rules), expand(leaderElectionRole))
}

func objectsOf(ms []manifest, file string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, m := range ms {
		if filepath.ToSlash(m.file) == file {
			out = append(out, m.obj)
		}
	}
	return out
}

// rbacMarker matches a kubebuilder RBAC marker: // +kubebuilder:rbac:groups=...,resources=...,verbs=...
var rbacMarker = regexp.MustCompile(`^\s*//\s*\+kubebuilder:rbac:(.*)$`)

// markerGrants reads every RBAC marker in the non-test Go files under dirs.
func markerGrants(t *testing.T, root string, dirs ...string) (map[grant]bool, []string) {
	t.Helper()
	out := map[grant]bool{}
	var where []string
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			line := 0
			for sc.Scan() {
				line++
				m := rbacMarker.FindStringSubmatch(sc.Text())
				if m == nil {
					continue
				}
				rel, _ := filepath.Rel(root, path)
				where = append(where, fmt.Sprintf("%s:%d", rel, line))
				fields := map[string][]string{}
				for _, kv := range strings.Split(m[1], ",") {
					k, v, _ := strings.Cut(kv, "=")
					for _, item := range strings.Split(v, ";") {
						fields[k] = append(fields[k], strings.Trim(item, `"`))
					}
				}
				if fields["namespace"] != nil {
					t.Errorf("%s:%d: a namespaced RBAC marker; this test expects only the cluster role", rel, line)
				}
				for _, g := range fields["groups"] {
					for _, r := range fields["resources"] {
						for _, v := range fields["verbs"] {
							out[grant{g, r, v}] = true
						}
					}
				}
			}
			return sc.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out, where
}

// TestRoleIsGeneratedFromMarkers checks that config/rbac/role.yaml is exactly what the markers
// say (no hand edits, not stale), so the review above is a review of the code's markers.
func TestRoleIsGeneratedFromMarkers(t *testing.T) {
	root := repoRoot(t)
	fromMarkers, where := markerGrants(t, root, "controllers", "cmd", "internal", "pkg", "api")
	if len(where) == 0 {
		t.Fatal("no +kubebuilder:rbac markers found")
	}
	roles := rolesIn(t, objectsOf(configManifests(t), "config/rbac/role.yaml"))
	got := grantsOfRules(roles["ClusterRole/manager-role"])
	for _, g := range sortedGrantKeys(got) {
		if !fromMarkers[g] {
			t.Errorf("config/rbac/role.yaml grants %q, which no marker asks for: run `make manifests`", g)
		}
	}
	for _, g := range sortedGrantKeys(fromMarkers) {
		if !got[g] {
			t.Errorf("a marker asks for %q but config/rbac/role.yaml lacks it: run `make manifests`", g)
		}
	}
	if t.Failed() {
		t.Logf("markers at %s", strings.Join(where, ", "))
	}
}
