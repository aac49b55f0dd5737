package wire

import (
	"bytes"
	"encoding/xml"
	"net/http"
)

// EC2XMLNS is the namespace of every ec2Query response.
const EC2XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"

// ItemSet marshals as ec2Query lists do: <fooSet><item>…</item>…</fooSet>. Like List, it is
// written even when empty unless its field says omitempty.
type ItemSet[T any] []T

func (l ItemSet[T]) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return encodeItems(e, start, "item", l)
}

// WriteEC2Result writes a successful ec2Query response: <{action}Response xmlns> holding the
// requestId and then result's fields as its children, with no Result wrapper. result is an
// encoding/xml-marshalable struct (its field tags name the lowerCamel elements); nil writes the
// requestId alone.
func WriteEC2Result(w http.ResponseWriter, action string, result any) {
	requestID := NewRequestID()
	var body bytes.Buffer
	if result != nil {
		// Encode the result under a throwaway element and keep only its children: encoding/xml
		// has no way to write a struct's fields into an element opened elsewhere.
		enc := xml.NewEncoder(&body)
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: "r"}}); err != nil {
			WriteEC2Error(w, encodeFailed(action, err))
			return
		}
		if err := enc.Flush(); err != nil {
			WriteEC2Error(w, encodeFailed(action, err))
			return
		}
	}
	inner := bytes.TrimSuffix(bytes.TrimPrefix(body.Bytes(), []byte("<r>")), []byte("</r>"))
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString(`<` + action + `Response xmlns="` + EC2XMLNS + `"><requestId>` + requestID + `</requestId>`)
	buf.Write(inner)
	buf.WriteString(`</` + action + `Response>`)
	writeXML(w, http.StatusOK, requestID, buf.Bytes())
}

// EC2ErrorResponse is the ec2Query error document. Unlike awsQuery it has no Type: the HTTP
// status alone says whose fault it is.
type EC2ErrorResponse struct {
	XMLName   xml.Name `xml:"Response"`
	Code      string   `xml:"Errors>Error>Code"`
	Message   string   `xml:"Errors>Error>Message"`
	RequestID string   `xml:"RequestID"`
}

// WriteEC2Error writes err as an ec2Query error document with its status (400 if unset).
func WriteEC2Error(w http.ResponseWriter, err *Error) {
	requestID := NewRequestID()
	body, merr := xml.Marshal(EC2ErrorResponse{Code: err.Code, Message: err.Message, RequestID: requestID})
	if merr != nil { // only strings inside: cannot happen, but never send an empty 4xx
		body = []byte("<Response><Errors><Error><Code>InternalError</Code></Error></Errors></Response>")
	}
	recordCode(w, err.Code)
	writeXML(w, err.status(), requestID, append([]byte(xml.Header), body...))
}
