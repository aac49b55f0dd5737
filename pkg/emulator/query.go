package emulator

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// queryArgs reads AWS Query parameters: flat names ("MinSize"), lists ("Names.member.1"), lists of
// structures ("Tags.member.2.Key") and nested structures ("LaunchTemplate.Version"), at any depth
// ("Filters.member.1.Values.member.3"). A malformed value is remembered as the first error instead
// of failing each call, so handlers read every argument straight through and check err() once.
type queryArgs struct {
	r      *queryReader
	prefix string
}

// queryReader is shared by every queryArgs view of one request.
type queryReader struct {
	form url.Values
	keys []string // sorted, so prefix scans are a binary search
	err  *APIError
}

// newQueryArgs wraps a parsed form (request body and URL query, as http.Request.Form has them).
func newQueryArgs(form url.Values) queryArgs {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return queryArgs{r: &queryReader{form: form, keys: keys}}
}

// err is the first malformed argument seen through any view of the request.
func (q queryArgs) err() *APIError { return q.r.err }

func (q queryArgs) fail(err *APIError) {
	if q.r.err == nil {
		q.r.err = err
	}
}

// has reports whether the parameter itself, or anything nested under it, was sent.
func (q queryArgs) has(name string) bool {
	full := q.prefix + name
	if _, ok := q.r.form[full]; ok {
		return true
	}
	i := sort.SearchStrings(q.r.keys, full+".")
	return i < len(q.r.keys) && strings.HasPrefix(q.r.keys[i], full+".")
}

// str is the parameter's value, "" when absent.
func (q queryArgs) str(name string) string { return q.r.form.Get(q.prefix + name) }

// optStr is nil when the parameter is absent, so "not sent" and "sent empty" stay distinct.
func (q queryArgs) optStr(name string) *string {
	vs, ok := q.r.form[q.prefix+name]
	if !ok || len(vs) == 0 {
		return nil
	}
	return &vs[0]
}

// optInt parses an integer parameter; nil when absent.
func (q queryArgs) optInt(name string) *int {
	s := q.optStr(name)
	if s == nil {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 32)
	if err != nil {
		q.fail(validationError("Value '%s' for parameter %s is invalid: it must be a 32-bit integer.", *s, q.prefix+name))
		return nil
	}
	v := int(n)
	return &v
}

// optFloat parses a floating-point parameter; nil when absent. NaN and infinities are rejected:
// no AWS number field accepts them and they would poison the simulation's arithmetic.
func (q queryArgs) optFloat(name string) *float64 {
	s := q.optStr(name)
	if s == nil {
		return nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(*s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		q.fail(validationError("Value '%s' for parameter %s is invalid: it must be a finite number.", *s, q.prefix+name))
		return nil
	}
	return &f
}

// optBool parses "true"/"false" (any case, as the AWS CLI and SDKs send them); nil when absent.
func (q queryArgs) optBool(name string) *bool {
	s := q.optStr(name)
	if s == nil {
		return nil
	}
	b, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(*s)))
	if err != nil {
		q.fail(validationError("Value '%s' for parameter %s is invalid: it must be true or false.", *s, q.prefix+name))
		return nil
	}
	return &b
}

// optTime parses an ISO 8601 timestamp (what every SDK sends for Query timestamps); nil when absent.
func (q queryArgs) optTime(name string) *time.Time {
	s := q.optStr(name)
	if s == nil {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(*s)); err == nil {
			t = t.UTC()
			return &t
		}
	}
	q.fail(validationError("Value '%s' for parameter %s is invalid: it must be an ISO 8601 timestamp such as 2026-01-02T15:04:05Z.", *s, q.prefix+name))
	return nil
}

// sub is a view of the structure sent under name ("LaunchTemplate" → "LaunchTemplate.Version").
func (q queryArgs) sub(name string) queryArgs {
	return queryArgs{r: q.r, prefix: q.prefix + name + "."}
}

// members are the structures of a list, in index order: name.member.1., name.member.2., ...
func (q queryArgs) members(name string) []queryArgs {
	var out []queryArgs
	for _, idx := range q.memberIndexes(name) {
		out = append(out, queryArgs{r: q.r, prefix: q.prefix + name + ".member." + strconv.Itoa(idx) + "."})
	}
	return out
}

// list is a list of scalars, in index order: name.member.1, name.member.2, ...
func (q queryArgs) list(name string) []string {
	var out []string
	for _, idx := range q.memberIndexes(name) {
		if v := q.optStr(name + ".member." + strconv.Itoa(idx)); v != nil {
			out = append(out, *v)
		}
	}
	return out
}

// maxMemberIndex bounds list indexes so a hostile "X.member.99999999999" cannot make us allocate.
const maxMemberIndex = 100000

// memberIndexes are the distinct list indexes sent under name, sorted numerically (member.10
// sorts after member.9 here, unlike in the sorted key list).
func (q queryArgs) memberIndexes(name string) []int {
	prefix := q.prefix + name + ".member."
	seen := map[int]bool{}
	var idxs []int
	for i := sort.SearchStrings(q.r.keys, prefix); i < len(q.r.keys) && strings.HasPrefix(q.r.keys[i], prefix); i++ {
		rest := q.r.keys[i][len(prefix):]
		digits, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(digits)
		if err != nil || n < 1 || n > maxMemberIndex {
			q.fail(validationError("Parameter %s has an invalid list index: lists are numbered %s1, %s2, ...", q.r.keys[i], prefix, prefix))
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

// xmlList marshals as AWS Query lists do: <Name><member>…</member>…</Name>. Without omitempty an
// empty list is still written as <Name/>, as AWS does for lists that are always present (clients
// then see an empty list, not nil).
type xmlList[T any] []T

func (l xmlList[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: "member"}}
	for _, v := range l {
		if err := e.EncodeElement(v, member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// awsTime marshals as AWS writes Query timestamps: UTC with milliseconds, 2026-11-26T10:00:00.000Z.
type awsTime time.Time

func (t awsTime) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z")), nil
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// writeQueryResult writes a successful Query response:
// <{action}Response xmlns><{action}Result>result</{action}Result><ResponseMetadata/></{action}Response>.
// result is an encoding/xml-marshalable struct whose fields are the Result's children; nil writes
// no Result element, as AWS does for actions without output (DeleteAutoScalingGroup and friends).
func writeQueryResult(w http.ResponseWriter, xmlns, action string, result any) {
	requestID := newRequestID()
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Space: xmlns, Local: action + "Response"}}
	err := enc.EncodeToken(start)
	if err == nil && result != nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(responseMetadata{RequestID: requestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		writeQueryError(w, xmlns, internalError("The emulator could not encode the %s response: %v. This is an emulator bug; please report it.", action, err))
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

type queryErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// writeQueryError writes err as a Query protocol error document with err.Status (400 if unset).
func writeQueryError(w http.ResponseWriter, xmlns string, err *APIError) {
	requestID := newRequestID()
	typ := "Receiver"
	if err.Sender {
		typ = "Sender"
	}
	body, merr := xml.Marshal(queryErrorResponse{Xmlns: xmlns, Type: typ, Code: err.Code, Message: err.Message, RequestID: requestID})
	if merr != nil { // only strings inside: cannot happen, but never send an empty 4xx
		body = []byte("<ErrorResponse><Error><Code>InternalFailure</Code></Error></ErrorResponse>")
	}
	if rec, ok := w.(*statusRecorder); ok {
		rec.errorCode = err.Code
	}
	status := err.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}

// newRequestID is a random UUID (version 4), the shape of AWS request ids.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomHex is n random hex digits, for instance ids (i- + 17) and the like.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
