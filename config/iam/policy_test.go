// Package iam_test checks config/iam/policy.json against the code: the policy must grant exactly
// the AWS actions the operator calls, with no wildcard actions.
package iam_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// impliedActions are permissions AWS checks on the operator's behalf without an API call of its
// own, each with the reason it is needed.
var impliedActions = map[string]string{
	// CreateLaunchConfiguration with an IamInstanceProfile passes the profile's role to EC2.
	"iam:PassRole": "launch configurations with iamInstanceProfile",
	// The first CreateAutoScalingGroup in an account creates AWSServiceRoleForAutoScaling.
	"iam:CreateServiceLinkedRole": "first group in an account",
}

type statement struct {
	Sid      string
	Effect   string
	Action   any
	Resource any
}

func loadPolicy(t *testing.T) []statement {
	t.Helper()
	b, err := os.ReadFile("policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []statement
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("policy.json is not a valid policy document: %v", err)
	}
	if doc.Version != "2012-10-17" {
		t.Errorf("policy Version = %q, want 2012-10-17", doc.Version)
	}
	return doc.Statement
}

// stringList reads a policy field that may be a string or a list of strings.
func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, s := range v {
			out = append(out, s.(string))
		}
		return out
	}
	return nil
}

// calledActions lists "<service>:<Action>" for every method of the cloud package's SDK-subset
// interfaces (one per AWS service, named after it: AutoScalingAPI is autoscaling, CloudWatchAPI
// cloudwatch), and checks each is really used by the package's non-test code, so an interface
// method kept but no longer used cannot keep a permission alive.
func calledActions(t *testing.T) []string {
	t.Helper()
	files := cloudFiles(t)
	calls := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			// x.Action, called at once or passed on as a method value; an SDK paginator,
			// New<Action>Paginator, calls <Action>.
			if sel, ok := n.(*ast.SelectorExpr); ok {
				calls[sel.Sel.Name] = true
				if action, ok := strings.CutPrefix(sel.Sel.Name, "New"); ok {
					if action, ok = strings.CutSuffix(action, "Paginator"); ok {
						calls[action] = true
					}
				}
			}
			return true
		})
	}
	var out []string
	services := 0
	for _, f := range files {
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts := spec.(*ast.TypeSpec)
				it, ok := ts.Type.(*ast.InterfaceType)
				if !ok || !strings.HasSuffix(ts.Name.Name, "API") {
					continue
				}
				services++
				svc := strings.ToLower(strings.TrimSuffix(ts.Name.Name, "API"))
				for _, m := range it.Methods.List {
					for _, name := range m.Names {
						if !calls[name.Name] {
							t.Errorf("cloud.%s declares %s but nothing in internal/cloud uses it: remove it from the interface and from policy.json", ts.Name.Name, name.Name)
						}
						out = append(out, svc+":"+name.Name)
					}
				}
			}
		}
	}
	if services < 2 {
		t.Fatalf("found %d SDK-subset interfaces (…API) in internal/cloud, want one per AWS service the operator calls", services)
	}
	slices.Sort(out)
	return out
}

// cloudFiles parses internal/cloud's non-test files.
func cloudFiles(t *testing.T) []*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob(filepath.Join("..", "..", "internal", "cloud", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

func TestPolicyGrantsExactlyTheActionsTheCodeCalls(t *testing.T) {
	statements := loadPolicy(t)
	granted := map[string]bool{}
	for _, s := range statements {
		if s.Effect != "Allow" {
			t.Errorf("statement %q: Effect %q; the policy should only allow", s.Sid, s.Effect)
		}
		for _, a := range stringList(s.Action) {
			if strings.ContainsAny(a, "*?") {
				t.Errorf("statement %q: wildcard action %q; list the exact actions", s.Sid, a)
			}
			granted[a] = true
		}
		if len(stringList(s.Resource)) == 0 {
			t.Errorf("statement %q has no Resource", s.Sid)
		}
	}

	want := map[string]bool{}
	for _, a := range calledActions(t) {
		want[a] = true
		if !granted[a] {
			t.Errorf("the code calls %s but config/iam/policy.json does not allow it", a)
		}
	}
	for a := range impliedActions {
		want[a] = true
		if !granted[a] {
			t.Errorf("policy.json lacks %s, needed for %s", a, impliedActions[a])
		}
	}
	for a := range granted {
		if !want[a] {
			t.Errorf("policy.json allows %s, which nothing in the operator calls: remove it", a)
		}
	}
	t.Logf("policy grants %d actions; the code calls %d, plus %d implied", len(granted), len(want)-len(impliedActions), len(impliedActions))
}

// Mutations of groups and alarms must be scoped by the owner tag, so the operator cannot touch
// resources it does not own even when it is wrong about ownership.
func TestPolicyScopesGroupAndAlarmMutationsByOwnerTag(t *testing.T) {
	b, err := os.ReadFile("policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Action    any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	scoped := []string{
		"autoscaling:UpdateAutoScalingGroup", "autoscaling:DeleteAutoScalingGroup", "autoscaling:CreateAutoScalingGroup",
		"autoscaling:PutScalingPolicy", "autoscaling:DeletePolicy", "autoscaling:DeleteTags",
		"cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:UntagResource",
	}
	for _, action := range scoped {
		found := false
		for _, s := range doc.Statement {
			if !slices.Contains(stringList(s.Action), action) {
				continue
			}
			found = true
			tagged := false
			for _, keys := range s.Condition {
				for k := range keys {
					if strings.HasSuffix(k, "Tag/autoscale-operator.io/owner") {
						tagged = true
					}
				}
			}
			if !tagged {
				t.Errorf("statement %q allows %s without an owner-tag condition", s.Sid, action)
			}
		}
		if !found {
			t.Errorf("no statement allows %s", action)
		}
	}
}
