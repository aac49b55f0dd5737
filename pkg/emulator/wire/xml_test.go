package wire

import (
	"encoding/xml"
	"net/http/httptest"
	"testing"
)

// codeRecorder records the code a writer reports, as the emulator's call counter does.
type codeRecorder struct {
	*httptest.ResponseRecorder
	code string
}

func (c *codeRecorder) RecordErrorCode(code string) { c.code = code }

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
