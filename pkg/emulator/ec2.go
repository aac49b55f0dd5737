package emulator

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// ec2Version is the one API version EC2 has had since 2016: every request sends Version=2016-11-15.
const ec2Version = "2016-11-15"

// ec2Handler handles one EC2 action. It runs with e.mu held and the simulation at now; it returns
// the response's children (an encoding/xml struct, nil for none) or an error.
type ec2Handler func(e *Emulator, rs *regionState, q wire.Args, now time.Time) (any, *APIError)

// ec2Actions are the EC2 actions the emulator implements: launch templates, the instances groups
// launch, and the tags on both.
var ec2Actions = map[string]ec2Handler{
	"CreateLaunchTemplate":           (*Emulator).createLaunchTemplate,
	"CreateLaunchTemplateVersion":    (*Emulator).createLaunchTemplateVersion,
	"DescribeLaunchTemplates":        (*Emulator).describeLaunchTemplates,
	"DescribeLaunchTemplateVersions": (*Emulator).describeLaunchTemplateVersions,
	"ModifyLaunchTemplate":           (*Emulator).modifyLaunchTemplate,
	"DeleteLaunchTemplateVersions":   (*Emulator).deleteLaunchTemplateVersions,
	"DeleteLaunchTemplate":           (*Emulator).deleteLaunchTemplate,
	"DescribeInstances":              (*Emulator).describeInstances,
	"CreateTags":                     (*Emulator).createEC2Tags,
	"DeleteTags":                     (*Emulator).deleteEC2Tags,
	"DescribeTags":                   (*Emulator).describeEC2Tags,
}

// serveEC2 dispatches one ec2Query request. Called with e.mu held.
func (e *Emulator) serveEC2(w http.ResponseWriter, rs *regionState, action string, form url.Values) {
	handle, ok := ec2Actions[action]
	if !ok {
		if action == "" {
			wire.WriteEC2Error(w, senderError("MissingAction", "The request must contain the parameter Action."))
			return
		}
		wire.WriteEC2Error(w, senderError("InvalidAction", "The action %s is not valid for this web service (the emulator implements the EC2 actions %s).",
			truncate(action, 64), strings.Join(slices.Sorted(maps.Keys(ec2Actions)), ", ")))
		return
	}
	q := wire.EC2Args(form)
	result, err := handle(e, rs, q, e.simTime)
	if err != nil {
		e.log.Info("ec2 API error", "action", action, "region", rs.name, "code", err.Code, "message", err.Message)
		wire.WriteEC2Error(w, err)
		return
	}
	wire.WriteEC2Result(w, action, result)
}

// ec2Fault turns an injected fault into what EC2 answers: EC2 throttles with RequestLimitExceeded
// (HTTP 503, which the SDKs retry as throttling) and fails with InternalError and Unavailable,
// where the Query services say Throttling, InternalFailure and ServiceUnavailable.
func ec2Fault(err *APIError) *APIError {
	switch err.Code {
	case "Throttling", "RequestLimitExceeded":
		return &APIError{Code: "RequestLimitExceeded", Message: "Request limit exceeded.", Status: http.StatusServiceUnavailable}
	case "InternalFailure":
		return &APIError{Code: "InternalError", Message: "An internal error has occurred.", Status: http.StatusInternalServerError}
	case "ServiceUnavailable":
		return &APIError{Code: "Unavailable", Message: "The server is overloaded and can't handle the request.", Status: http.StatusServiceUnavailable}
	}
	return err
}

// ec2Checked finishes reading a request, before the handler changes anything: the first malformed
// parameter, else a parameter nothing read (EC2 rejects what it does not know rather than ignore
// it), else, for DryRun=true, the answer a permitted request gets.
func ec2Checked(q wire.Args) *APIError {
	dryRun := q.OptBool("DryRun")
	if err := q.Err(); err != nil {
		return err
	}
	if unread := q.Unread(); len(unread) > 0 {
		return senderError("UnknownParameter", "The parameter %s is not recognized. (The emulator implements a subset of EC2's parameters; AWS may know this one.)", truncate(unread[0], 128))
	}
	if dryRun != nil && *dryRun {
		return &APIError{Code: "DryRunOperation", Message: "Request would have succeeded, but DryRun flag is set.", Status: http.StatusPreconditionFailed, Sender: true}
	}
	return nil
}

// ec2MissingParameter is EC2's error for a required parameter that was not sent.
func ec2MissingParameter(param string) *APIError {
	return senderError("MissingParameter", "The request must contain the parameter %s", param)
}

// ec2InvalidValue is EC2's catch-all for a value it rejects.
func ec2InvalidValue(param string, v any, why string) *APIError {
	return senderError("InvalidParameterValue", "Value (%v) for parameter %s is invalid. %s", truncateAny(v), param, why)
}

func truncateAny(v any) string { return truncate(fmt.Sprint(v), 128) }

// readMaxResults reads MaxResults within EC2's bounds for the action; def when absent.
func readMaxResults(q wire.Args, lo, hi, def int) int {
	n := q.OptInt("MaxResults")
	switch {
	case n == nil:
		return def
	case *n < lo:
		q.Fail(ec2InvalidValue("maxResults", *n, fmt.Sprintf("Expecting a value greater than or equal to %d.", lo)))
	case *n > hi:
		q.Fail(ec2InvalidValue("maxResults", *n, fmt.Sprintf("Expecting a value less than or equal to %d.", hi)))
	}
	return *n
}

// ec2Page pages items as every EC2 describe does; a token it did not hand out is EC2's
// InvalidPaginationToken.
func ec2Page[T any](items []T, key func(T) string, token string, max int) ([]T, string, *APIError) {
	page, next, err := paginate(items, key, true, token, max)
	if err != nil {
		return nil, "", senderError("InvalidPaginationToken", "The specified pagination token is not valid or is expired: %s", truncate(token, 64))
	}
	return page, next, nil
}

// readEC2Filters reads Filter.N.Name / Filter.N.Value.M and rejects names the action does not
// support, as EC2 does. Names ending in ":" accept any suffix ("tag:" for tag:<key>).
func readEC2Filters(q wire.Args, supported ...string) []filter {
	var out []filter
	for _, m := range q.Members("Filter") {
		f := filter{name: m.Str("Name"), values: m.List("Value")}
		known := slices.ContainsFunc(supported, func(s string) bool {
			return s == f.name || (strings.HasSuffix(s, ":") && strings.HasPrefix(f.name, s) && len(f.name) > len(s))
		})
		if !known {
			q.Fail(senderError("InvalidParameterValue", "The filter '%s' is invalid (this action supports %s).", truncate(f.name, 128), strings.Join(supported, ", ")))
			continue
		}
		out = append(out, f)
	}
	return out
}

// matchesAny reports whether v matches any of the filter's values. EC2 filter values are
// wildcards: * is any run of characters, ? one character, \ escapes either.
func matchesAny(values []string, v string) bool {
	return slices.ContainsFunc(values, func(pattern string) bool { return wildcardMatch(pattern, v) })
}

func wildcardMatch(pattern, s string) bool {
	type token struct {
		r    rune
		kind byte // 'l' a literal rune, '*' or '?'
	}
	var toks []token
	pr := []rune(pattern)
	for i := 0; i < len(pr); i++ {
		switch {
		case pr[i] == '\\' && i+1 < len(pr):
			i++
			toks = append(toks, token{pr[i], 'l'})
		case pr[i] == '*' || pr[i] == '?':
			toks = append(toks, token{kind: byte(pr[i])})
		default:
			toks = append(toks, token{pr[i], 'l'})
		}
	}
	str := []rune(s)
	// Greedy with one backtrack point, the last *: linear for the patterns people write.
	ti, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case ti < len(toks) && (toks[ti].kind == '?' || (toks[ti].kind == 'l' && toks[ti].r == str[si])):
			ti, si = ti+1, si+1
		case ti < len(toks) && toks[ti].kind == '*':
			star, mark = ti, si
			ti++
		case star >= 0:
			ti, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].kind == '*' {
		ti++
	}
	return ti == len(toks)
}

// tagsMatch applies the tag filters every EC2 describe shares: tag:<key>, tag-key and tag-value.
// It reports false for other names, which the caller handles.
func tagsMatch(tags []ec2Tag, f filter) (match, handled bool) {
	switch {
	case f.name == "tag-key":
		return slices.ContainsFunc(tags, func(t ec2Tag) bool { return matchesAny(f.values, t.Key) }), true
	case f.name == "tag-value":
		return slices.ContainsFunc(tags, func(t ec2Tag) bool { return matchesAny(f.values, t.Value) }), true
	case strings.HasPrefix(f.name, "tag:"):
		key := strings.TrimPrefix(f.name, "tag:")
		return slices.ContainsFunc(tags, func(t ec2Tag) bool { return t.Key == key && matchesAny(f.values, t.Value) }), true
	}
	return false, false
}

// maxEC2Tags is EC2's limit of tags per resource.
const maxEC2Tags = 50

// checkEC2Tags applies EC2's rules for user tags: keys of 1 to 128 characters that do not start
// with aws: (AWS reserves them), values of up to 256.
func checkEC2Tags(q wire.Args, tags []ec2Tag) {
	for _, t := range tags {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > 128:
			q.Fail(ec2InvalidValue("Tag.Key", t.Key, "Tag keys must be between 1 and 128 characters."))
		case utf8.RuneCountInString(t.Value) > 256:
			q.Fail(ec2InvalidValue("Tag.Value", t.Value, "Tag values must be at most 256 characters."))
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			// AWS rejects these; its exact wording is not documented.
			q.Fail(senderError("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for AWS use: %s", truncate(t.Key, 128)))
		}
	}
	if len(tags) > maxEC2Tags {
		q.Fail(senderError("TagLimitExceeded", "The maximum number of tags (%d) for a resource has been exceeded.", maxEC2Tags))
	}
}

// mergeEC2Tags adds or replaces tags by key, keeping them sorted by key.
func mergeEC2Tags(tags, add []ec2Tag) []ec2Tag {
	out := slices.Clone(tags)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(x ec2Tag) bool { return x.Key == t.Key }); i >= 0 {
			out[i] = t
		} else {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// parseVersionNumber reads a launch template version number as the version lists send it.
func parseVersionNumber(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil && n >= 1
}
