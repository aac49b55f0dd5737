package wire

import (
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Args reads the parameters of a form-encoded request (awsQuery or ec2Query): flat names
// ("MinSize"), lists, lists of structures and nested structures ("LaunchTemplate.Version"), at
// any depth. The two dialects differ only in how lists are spelled: awsQuery numbers members under
// ".member." ("Filters.member.1.Values.member.3"), ec2Query numbers them directly
// ("Filter.1.Value.3"). A malformed value is remembered as the first error instead of failing each
// call, so handlers read every argument straight through and check Err once.
type Args struct {
	r      *reader
	prefix string
}

// reader is shared by every Args view of one request.
type reader struct {
	form url.Values
	keys []string // sorted, so prefix scans are a binary search
	err  *Error
	// member is what separates a list's name from its index: ".member." or ".".
	member string
	// invalidCode is the error code of a value that does not parse: AWS Query services answer
	// ValidationError, EC2 InvalidParameterValue.
	invalidCode string
	// read records the parameters a handler looked at, for Unread.
	read map[string]bool
}

// QueryArgs reads an awsQuery form (request body and URL query, as http.Request.Form has them).
func QueryArgs(form url.Values) Args { return newArgs(form, ".member.", "ValidationError") }

// EC2Args reads an ec2Query form.
func EC2Args(form url.Values) Args { return newArgs(form, ".", "InvalidParameterValue") }

func newArgs(form url.Values, member, invalidCode string) Args {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return Args{r: &reader{form: form, keys: keys, member: member, invalidCode: invalidCode, read: map[string]bool{}}}
}

// Err is the first malformed argument seen through any view of the request.
func (q Args) Err() *Error { return q.r.err }

// Fail records err unless an earlier error is already recorded.
func (q Args) Fail(err *Error) {
	if q.r.err == nil {
		q.r.err = err
	}
}

// invalid records a value that does not parse as its parameter's type.
func (q Args) invalid(name, value, want string) {
	q.Fail(SenderError(q.r.invalidCode, "Value '%s' for parameter %s is invalid: it must be %s.", value, q.prefix+name, want))
}

// Name is the full name of a parameter of this view, for error messages ("Filter.2.Name").
func (q Args) Name(name string) string { return q.prefix + name }

// Has reports whether the parameter itself, or anything nested under it, was sent.
func (q Args) Has(name string) bool {
	full := q.prefix + name
	if _, ok := q.r.form[full]; ok {
		return true
	}
	i := sort.SearchStrings(q.r.keys, full+".")
	return i < len(q.r.keys) && strings.HasPrefix(q.r.keys[i], full+".")
}

// Str is the parameter's value, "" when absent.
func (q Args) Str(name string) string {
	if v := q.OptStr(name); v != nil {
		return *v
	}
	return ""
}

// OptStr is nil when the parameter is absent, so "not sent" and "sent empty" stay distinct.
func (q Args) OptStr(name string) *string {
	full := q.prefix + name
	vs, ok := q.r.form[full]
	if !ok || len(vs) == 0 {
		return nil
	}
	q.r.read[full] = true
	return &vs[0]
}

// OptInt parses a 32-bit integer parameter; nil when absent.
func (q Args) OptInt(name string) *int {
	s := q.OptStr(name)
	if s == nil {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 32)
	if err != nil {
		q.invalid(name, *s, "a 32-bit integer")
		return nil
	}
	v := int(n)
	return &v
}

// OptInt64 parses a 64-bit integer parameter (EC2's Long); nil when absent.
func (q Args) OptInt64(name string) *int64 {
	s := q.OptStr(name)
	if s == nil {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
	if err != nil {
		q.invalid(name, *s, "a 64-bit integer")
		return nil
	}
	return &n
}

// OptFloat parses a floating-point parameter; nil when absent. NaN and infinities are rejected:
// no AWS number field accepts them and they would poison arithmetic.
func (q Args) OptFloat(name string) *float64 {
	s := q.OptStr(name)
	if s == nil {
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(*s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		q.invalid(name, *s, "a finite number")
		return nil
	}
	return &f
}

// OptBool parses "true"/"false" (any case, as the AWS CLI and SDKs send them); nil when absent.
func (q Args) OptBool(name string) *bool {
	s := q.OptStr(name)
	if s == nil {
		return nil
	}
	b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(*s)))
	if err != nil {
		q.invalid(name, *s, "true or false")
		return nil
	}
	return &b
}

// OptTime parses an ISO 8601 timestamp (what every SDK sends for Query timestamps); nil when absent.
func (q Args) OptTime(name string) *time.Time {
	s := q.OptStr(name)
	if s == nil {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(*s)); err == nil {
			t = t.UTC()
			return &t
		}
	}
	q.invalid(name, *s, "an ISO 8601 timestamp such as 2026-01-02T15:04:05Z")
	return nil
}

// Sub is a view of the structure sent under name ("LaunchTemplate" → "LaunchTemplate.Version").
func (q Args) Sub(name string) Args {
	return Args{r: q.r, prefix: q.prefix + name + "."}
}

// Members are the structures of a list, in index order.
func (q Args) Members(name string) []Args {
	var out []Args
	for _, idx := range q.Indexes(name) {
		out = append(out, Args{r: q.r, prefix: q.listPrefix(name) + strconv.Itoa(idx) + "."})
	}
	return out
}

// List is a list of scalars, in index order.
func (q Args) List(name string) []string {
	var out []string
	for _, idx := range q.Indexes(name) {
		if v := q.OptStr(q.Item(name, idx)); v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// Item is the parameter name of a list's idx-th member relative to this view ("Names.member.2",
// "Filter.2").
func (q Args) Item(name string, idx int) string {
	return strings.TrimPrefix(q.listPrefix(name), q.prefix) + strconv.Itoa(idx)
}

// SentEmpty reports whether the list was sent as "Name=" with no members, which is how Query
// clients send an empty list (to clear one); it counts as reading the parameter.
func (q Args) SentEmpty(name string) bool {
	full := q.prefix + name
	if _, ok := q.r.form[full]; !ok {
		return false
	}
	q.r.read[full] = true
	return len(q.Indexes(name)) == 0
}

func (q Args) listPrefix(name string) string { return q.prefix + name + q.r.member }

// maxIndex bounds list indexes so a hostile "X.member.99999999999" cannot make us allocate.
const maxIndex = 100000

// Indexes are the distinct list indexes sent under name, sorted numerically (member.10 sorts after
// member.9 here, unlike in the sorted key list).
func (q Args) Indexes(name string) []int {
	prefix := q.listPrefix(name)
	seen := map[int]bool{}
	var idxs []int
	for i := sort.SearchStrings(q.r.keys, prefix); i < len(q.r.keys) && strings.HasPrefix(q.r.keys[i], prefix); i++ {
		rest := q.r.keys[i][len(prefix):]
		digits, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(digits)
		if err != nil || n < 1 || n > maxIndex {
			q.Fail(SenderError(q.r.invalidCode, "Parameter %s has an invalid list index: lists are numbered %s1, %s2, ...", q.r.keys[i], prefix, prefix))
			continue
		}
		if !seen[n] {
			seen[n] = true
			idxs = append(idxs, n)
		}
	}
	sort.Ints(idxs)
	return idxs
}

// Unread lists, sorted, the parameters no handler read: what EC2 rejects as UnknownParameter.
// The protocol's own parameters (Action, Version, SigV2 and presigned-URL signing) do not count.
func (q Args) Unread() []string {
	var out []string
	for _, k := range q.r.keys {
		if !q.r.read[k] && !protocolParam(k) {
			out = append(out, k)
		}
	}
	return out
}

func protocolParam(k string) bool {
	switch k {
	case "Action", "Version", "AWSAccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "Timestamp", "Expires", "SecurityToken":
		return true
	}
	return strings.HasPrefix(k, "X-Amz-")
}

// Canonical is the request's parameters in one canonical string (sorted, form-encoded), without
// the protocol's own and the ones named in exclude: what tells a retried request (EC2's
// ClientToken) from a different one.
func (q Args) Canonical(exclude ...string) string {
	var b strings.Builder
	for _, k := range q.r.keys {
		if protocolParam(k) || slices.Contains(exclude, k) {
			continue
		}
		for _, v := range q.r.form[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
		}
	}
	return b.String()
}
