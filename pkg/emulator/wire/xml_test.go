package wire

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/ec2query"
)

type item struct {
	Key   string `xml:"key"`
	Value string `xml:"value,omitempty"`
}

type ec2Result struct {
	Items    ItemSet[item]   `xml:"tagSet"`
	Empty    ItemSet[string] `xml:"emptySet"`
	Omitted  ItemSet[string] `xml:"omittedSet,omitempty"`
	Groups   []string        `xml:"groupSet>groupId,omitempty"`
	Created  Time            `xml:"createTime"`
	Deleted  *Time           `xml:"deleteTime,omitempty"`
	Number   int64           `xml:"versionNumber"`
	HasValue bool            `xml:"return"`
}

func TestWriteEC2Result(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteEC2Result(rec, "DescribeTags", ec2Result{
		Items: ItemSet[item]{{"team", "web"}, {Key: "empty"}}, Empty: ItemSet[string]{}, Groups: []string{"sg-1"},
		Created: Time(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)), Deleted: OptTime(time.Time{}), Number: 3, HasValue: true,
	})
	body := rec.Body.String()
	want := `<DescribeTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>` + rec.Header().Get("x-amzn-RequestId") + `</requestId>` +
		`<tagSet><item><key>team</key><value>web</value></item><item><key>empty</key></item></tagSet><emptySet></emptySet>` +
		`<groupSet><groupId>sg-1</groupId></groupSet><createTime>2026-11-26T10:00:00.000Z</createTime><versionNumber>3</versionNumber>` +
		`<return>true</return></DescribeTagsResponse>`
	if rec.Code != 200 || !strings.HasPrefix(body, xml.Header) || strings.TrimPrefix(body, xml.Header) != want {
		t.Fatalf("status %d, body\n%s\nwant\n%s", rec.Code, body, want)
	}

	rec = httptest.NewRecorder()
	WriteEC2Result(rec, "DeleteTags", nil)
	if !strings.HasSuffix(rec.Body.String(), `<DeleteTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>`+rec.Header().Get("x-amzn-RequestId")+`</requestId></DeleteTagsResponse>`) {
		t.Errorf("no result: %s", rec.Body.String())
	}
}

// codeRecorder records the code a writer reports, as the emulator's call counter does.
type codeRecorder struct {
	*httptest.ResponseRecorder
	code string
}

func (c *codeRecorder) RecordErrorCode(code string) { c.code = code }

// The EC2 error document is what the SDK's own ec2query parser reads.
func TestWriteEC2Error(t *testing.T) {
	rec := &codeRecorder{ResponseRecorder: httptest.NewRecorder()}
	WriteEC2Error(rec, &Error{Code: "RequestLimitExceeded", Message: "Request limit exceeded.", Status: http.StatusServiceUnavailable})
	got, err := ec2query.GetErrorResponseComponents(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != 503 || got.Code != "RequestLimitExceeded" || got.Message != "Request limit exceeded." || got.RequestID != rec.Header().Get("x-amzn-RequestId") || rec.code != got.Code {
		t.Fatalf("status %d, parsed %+v, recorded %q", rec.Code, got, rec.code)
	}
	rec = &codeRecorder{ResponseRecorder: httptest.NewRecorder()}
	WriteEC2Error(rec, &Error{Code: "InvalidParameterValue", Message: "<&>"})
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "<Message>&lt;&amp;&gt;</Message>") {
		t.Fatalf("status %d (an unset status is 400), body %s", rec.Code, rec.Body.String())
	}
}

func TestWriteQueryError(t *testing.T) {
	rec := &codeRecorder{ResponseRecorder: httptest.NewRecorder()}
	WriteQueryError(rec, "http://autoscaling.amazonaws.com/doc/2011-01-01/", SenderError("ValidationError", "bad %s", "input"))
	var doc QueryErrorResponse
	if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 400 || doc.Type != "Sender" || doc.Code != "ValidationError" || doc.Message != "bad input" || rec.code != "ValidationError" {
		t.Fatalf("status %d, %+v, recorded %q", rec.Code, doc, rec.code)
	}
}
