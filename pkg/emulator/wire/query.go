package wire

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"time"
)

// List marshals as awsQuery lists do: <Name><member>…</member>…</Name>. Without omitempty an
// empty list is still written as <Name/>, as AWS does for lists that are always present (clients
// then see an empty list, not nil).
type List[T any] []T

func (l List[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodeItems(e, start, "member", l)
}

func encodeItems[T any](e *xml.Encoder, start xml.StartElement, item string, items []T) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	member := xml.StartElement{Name: xml.Name{Local: item}}
	for _, v := range items {
		if err := e.EncodeElement(v, member); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// Time marshals as AWS writes XML timestamps: UTC with milliseconds, 2026-11-26T10:00:00.000Z.
type Time time.Time

func (t Time) MarshalText() ([]byte, error) {
	return []byte(time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z")), nil
}

// OptTime is nil for the zero time, so optional timestamps (EndTime) are left out.
func OptTime(t time.Time) *Time {
	if t.IsZero() {
		return nil
	}
	v := Time(t)
	return &v
}

type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// WriteQueryResult writes a successful awsQuery response:
// <{action}Response xmlns><{action}Result>result</{action}Result><ResponseMetadata/></{action}Response>.
// result is an encoding/xml-marshalable struct whose fields are the Result's children; nil writes
// no Result element, as AWS does for actions without output (DeleteAutoScalingGroup and friends).
func WriteQueryResult(w http.ResponseWriter, xmlns, action string, result any) {
	requestID := NewRequestID()
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
		WriteQueryError(w, xmlns, encodeFailed(action, err))
		return
	}
	writeXML(w, http.StatusOK, requestID, buf.Bytes())
}

func encodeFailed(action string, err error) *Error {
	return InternalError("The emulator could not encode the %s response: %v. This is an emulator bug; please report it.", action, err)
}

func writeXML(w http.ResponseWriter, status int, requestID string, body []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// QueryErrorResponse is the awsQuery error document.
type QueryErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// WriteQueryError writes err as an awsQuery error document with its status (400 if unset).
func WriteQueryError(w http.ResponseWriter, xmlns string, err *Error) {
	requestID := NewRequestID()
	typ := "Receiver"
	if err.Sender {
		typ = "Sender"
	}
	body, merr := xml.Marshal(QueryErrorResponse{Xmlns: xmlns, Type: typ, Code: err.Code, Message: err.Message, RequestID: requestID})
	if merr != nil { // only strings inside: cannot happen, but never send an empty 4xx
		body = []byte("<ErrorResponse><Error><Code>InternalFailure</Code></Error></ErrorResponse>")
	}
	recordCode(w, err.Code)
	writeXML(w, err.status(), requestID, append([]byte(xml.Header), body...))
}
