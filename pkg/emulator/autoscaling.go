package emulator

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// asHandler handles one Auto Scaling action. It runs with e.mu held and the simulation at now; it
// returns the Result element's content (nil for actions AWS answers without one) or an error.
type asHandler func(e *Emulator, rs *regionState, q wire.Args, now time.Time) (any, *APIError)

// autoScalingActions are the Auto Scaling actions the emulator implements.
var autoScalingActions = map[string]asHandler{
	"CreateLaunchConfiguration":           (*Emulator).createLaunchConfiguration,
	"DescribeLaunchConfigurations":        (*Emulator).describeLaunchConfigurations,
	"DeleteLaunchConfiguration":           (*Emulator).deleteLaunchConfiguration,
	"CreateAutoScalingGroup":              (*Emulator).createAutoScalingGroup,
	"UpdateAutoScalingGroup":              (*Emulator).updateAutoScalingGroup,
	"DescribeAutoScalingGroups":           (*Emulator).describeAutoScalingGroups,
	"DeleteAutoScalingGroup":              (*Emulator).deleteAutoScalingGroup,
	"SetDesiredCapacity":                  (*Emulator).setDesiredCapacity,
	"DescribeAutoScalingInstances":        (*Emulator).describeAutoScalingInstances,
	"SetInstanceHealth":                   (*Emulator).setInstanceHealth,
	"SetInstanceProtection":               (*Emulator).setInstanceProtection,
	"TerminateInstanceInAutoScalingGroup": (*Emulator).terminateInstanceInAutoScalingGroup,
	"DescribeScalingActivities":           (*Emulator).describeScalingActivities,
	"PutScalingPolicy":                    (*Emulator).putScalingPolicy,
	"DescribePolicies":                    (*Emulator).describePolicies,
	"DeletePolicy":                        (*Emulator).deletePolicy,
	"ExecutePolicy":                       (*Emulator).executePolicy,
	"CreateOrUpdateTags":                  (*Emulator).createOrUpdateTags,
	"DeleteTags":                          (*Emulator).deleteTags,
	"DescribeTags":                        (*Emulator).describeTags,
	"SuspendProcesses":                    (*Emulator).suspendProcesses,
	"ResumeProcesses":                     (*Emulator).resumeProcesses,
	"DescribeScalingProcessTypes":         (*Emulator).describeScalingProcessTypes,
	"DescribeAccountLimits":               (*Emulator).describeAccountLimits,
	"DescribeAdjustmentTypes":             (*Emulator).describeAdjustmentTypes,
	"DescribeTerminationPolicyTypes":      (*Emulator).describeTerminationPolicyTypes,
	"AttachLoadBalancers":                 (*Emulator).attachLoadBalancers,
	"DetachLoadBalancers":                 (*Emulator).detachLoadBalancers,
	"DescribeLoadBalancers":               (*Emulator).describeLoadBalancers,
	"AttachLoadBalancerTargetGroups":      (*Emulator).attachLoadBalancerTargetGroups,
	"DetachLoadBalancerTargetGroups":      (*Emulator).detachLoadBalancerTargetGroups,
	"DescribeLoadBalancerTargetGroups":    (*Emulator).describeLoadBalancerTargetGroups,
	"StartInstanceRefresh":                (*Emulator).startInstanceRefresh,
	"DescribeInstanceRefreshes":           (*Emulator).describeInstanceRefreshes,
	"CancelInstanceRefresh":               (*Emulator).cancelInstanceRefresh,
}

// serveAutoScaling dispatches one Auto Scaling Query request. Called with e.mu held.
func (e *Emulator) serveAutoScaling(w http.ResponseWriter, rs *regionState, action string, form url.Values) {
	handle, ok := autoScalingActions[action]
	if !ok {
		if action == "" {
			wire.WriteQueryError(w, autoScalingXMLNS, senderError("MissingAction", "The request must contain the parameter Action."))
			return
		}
		wire.WriteQueryError(w, autoScalingXMLNS, senderError("InvalidAction",
			"The action %s is not valid for this web service (the emulator implements %d Auto Scaling actions; see Calls or the package docs).",
			action, len(autoScalingActions)))
		return
	}
	q := wire.QueryArgs(form)
	result, err := handle(e, rs, q, e.simTime)
	if err == nil {
		err = q.Err()
	}
	if err != nil {
		e.log.Info("autoscaling API error", "action", action, "region", rs.name, "code", err.Code, "message", err.Message)
		wire.WriteQueryError(w, autoScalingXMLNS, err)
		return
	}
	wire.WriteQueryResult(w, autoScalingXMLNS, action, result)
}

// arn builds an Auto Scaling ARN in the region: arn:aws:autoscaling:<region>:<account>:<resource>.
func (e *Emulator) arn(rs *regionState, resource string) string {
	return "arn:aws:autoscaling:" + rs.name + ":" + e.opts.AccountID + ":" + resource
}

// lowerFirst turns a parameter name into the member name AWS's validation messages use.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// memberNull is AWS's message for a missing required parameter.
func memberNull(param string) *APIError {
	return validationError("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(param))
}

// reqString reads a required string parameter of at most max characters.
func reqString(q wire.Args, param string, max int) string {
	v := q.OptStr(param)
	if v == nil {
		q.Fail(memberNull(param))
		return ""
	}
	checkString(q, param, *v, 1, max)
	return *v
}

// optString reads an optional string parameter of at most max characters; "" when absent.
func optString(q wire.Args, param string, max int) string {
	v := q.OptStr(param)
	if v == nil {
		return ""
	}
	checkString(q, param, *v, 1, max)
	return *v
}

// checkString applies AWS's XmlString constraints: length in characters and no control characters
// other than tab, CR and LF.
func checkString(q wire.Args, param, v string, min, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case !utf8.ValidString(v):
		q.Fail(validationError("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must be valid UTF-8", lowerFirst(param)))
	case n < min:
		q.Fail(validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", v, lowerFirst(param), min))
	case max > 0 && n > max:
		q.Fail(validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", truncate(v, 64), lowerFirst(param), max))
	case strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\t' && r != '\r' && r != '\n' }) >= 0:
		q.Fail(validationError("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*", lowerFirst(param)))
	}
}

// truncate keeps error messages readable when a client sends a huge value.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "..."
}

// checkEnum fails unless v is one of allowed (v == "" means not sent and passes).
func checkEnum(q wire.Args, param, v string, allowed ...string) {
	if v == "" {
		return
	}
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	q.Fail(validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", v, lowerFirst(param), strings.Join(allowed, ", ")))
}

// checkRange fails unless min <= *v <= max (nil passes).
func checkRange(q wire.Args, param string, v *int, min, max int) {
	if v == nil {
		return
	}
	if *v < min {
		q.Fail(validationError("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", *v, lowerFirst(param), min))
	} else if *v > max {
		q.Fail(validationError("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *v, lowerFirst(param), max))
	}
}

// maxRecords reads MaxRecords, defaulting to def and allowing 1..limit.
func maxRecords(q wire.Args, def, limit int) int {
	v := q.OptInt("MaxRecords")
	if v == nil {
		return def
	}
	checkRange(q, "MaxRecords", v, 1, limit)
	return *v
}

// paginate returns one page of items and the token for the next. Tokens carry the key of the next
// page's first item. With sortedByKey the page restarts at the first key at or after the token's,
// so deleting items between pages (an operator relisting while it deletes) skips nothing.
func paginate[T any](items []T, key func(T) string, sortedByKey bool, token string, max int) ([]T, string, *APIError) {
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", invalidNextToken(token)
		}
		k := string(raw)
		if sortedByKey {
			start = sort.Search(len(items), func(i int) bool { return key(items[i]) >= k })
		} else {
			start = -1
			for i, it := range items {
				if key(it) == k {
					start = i
					break
				}
			}
			if start < 0 {
				return nil, "", invalidNextToken(token)
			}
		}
	}
	end := start + max
	if end >= len(items) {
		return items[start:], "", nil
	}
	return items[start:end], base64.RawURLEncoding.EncodeToString([]byte(key(items[end]))), nil
}

func invalidNextToken(token string) *APIError {
	return senderError("InvalidNextToken", "The NextToken value %q is invalid: pass the NextToken of the previous response unchanged.", truncate(token, 64))
}

// groupNotFound is AWS's error for actions naming a group that does not exist.
func groupNotFound(name string) *APIError {
	return validationError("AutoScalingGroup name not found - AutoScalingGroup %s not found", name)
}

// lookupGroup finds a group by name or ARN, as AWS accepts either.
func (rs *regionState) lookupGroup(nameOrARN string) (*asGroup, *APIError) {
	if g, ok := rs.as.Groups[nameOrARN]; ok {
		return g, nil
	}
	if strings.HasPrefix(nameOrARN, "arn:") {
		for _, g := range rs.as.Groups {
			if g.ARN == nameOrARN {
				return g, nil
			}
		}
	}
	return nil, groupNotFound(nameOrARN)
}

// findInstance finds an instance of any group in the region.
func (rs *regionState) findInstance(id string) (*asGroup, *instance) {
	for _, g := range rs.as.Groups {
		for _, in := range g.Instances {
			if in.ID == id {
				return g, in
			}
		}
	}
	return nil, nil
}

// sortedGroups are the region's groups by name, the order AWS lists them in.
func (rs *regionState) sortedGroups() []*asGroup {
	groups := make([]*asGroup, 0, len(rs.as.Groups))
	for _, g := range rs.as.Groups {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
	return groups
}

// isoSeconds formats a time as AWS writes it inside activity causes: 2026-11-26T10:00:00Z.
func isoSeconds(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// boolOr dereferences an optional boolean.
func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

func intOr(v *int, def int) int {
	if v == nil {
		return def
	}
	return *v
}

func ptr[T any](v T) *T { return &v }

// uuid is a random UUID, the shape AWS gives activity, refresh and resource ids.
func uuid() string { return wire.NewRequestID() }

// fromTo is the "from 2 to 4" of AWS activity causes.
func fromTo(a, b int) string { return fmt.Sprintf("from %d to %d", a, b) }

// sortBy sorts s by a string key, keeping equal keys in their order.
func sortBy[T any](s []T, key func(T) string) {
	sort.SliceStable(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}
