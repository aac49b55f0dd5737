package emulator

import (
	"encoding/xml"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// serveCloudWatchQuery answers an AWS Query request (Version=2010-08-01), what older clients send:
// Debian's AWS CLI 2.9, boto 2, the AWS SDK for Go v1. Called with e.mu held.
func (e *Emulator) serveCloudWatchQuery(w http.ResponseWriter, _ *http.Request, rs *regionState, action string, form url.Values) {
	out, err := e.callCloudWatch(rs, protoQuery, action, func(in any) *APIError {
		q := newQueryArgs(form)
		fromForm(reflect.ValueOf(in).Elem(), q)
		return q.err()
	})
	if err != nil {
		writeQueryError(w, cloudWatchXMLNS, err)
		return
	}
	var result any
	if s, ok := out.(wireStruct); ok && len(s) > 0 {
		result = xmlTree{s}
	}
	writeQueryResult(w, cloudWatchXMLNS, action, result)
}

// fromForm fills a shape from Query parameters: members by name, lists as Name.member.N,
// structures as Name.Member.
func fromForm(dst reflect.Value, q queryArgs) {
	for i := range dst.NumField() {
		f := dst.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		field := dst.Field(i)
		switch {
		case field.Kind() == reflect.Slice:
			if !q.has(f.Name) {
				continue
			}
			// "Name=" with no members is an empty list, which is how Query clears a list.
			list := reflect.MakeSlice(field.Type(), 0, 0)
			for _, idx := range q.memberIndexes(f.Name) {
				if v, ok := formValue(field.Type().Elem(), q, f.Name+".member."+strconv.Itoa(idx)); ok {
					list = reflect.Append(list, v)
				}
			}
			field.Set(list)
		case field.Kind() == reflect.Pointer:
			if v, ok := formValue(field.Type().Elem(), q, f.Name); ok {
				p := reflect.New(field.Type().Elem())
				p.Elem().Set(v)
				field.Set(p)
			}
		default:
			if v, ok := formValue(field.Type(), q, f.Name); ok {
				field.Set(v)
			}
		}
	}
}

// formValue reads one scalar or structure of type t; ok is false when it was not sent.
func formValue(t reflect.Type, q queryArgs, name string) (reflect.Value, bool) {
	var v any
	switch {
	case t == timeType:
		if p := q.optTime(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.String:
		if p := q.optStr(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Bool:
		if p := q.optBool(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Int32:
		if p := q.optInt(name); p != nil {
			v = int32(*p)
		}
	case t.Kind() == reflect.Float64:
		if p := q.optFloat(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Struct:
		if q.has(name) {
			s := reflect.New(t).Elem()
			fromForm(s, q.sub(name))
			return s, true
		}
	default:
		panic("fromForm: unsupported type " + t.String())
	}
	if v == nil {
		return reflect.Value{}, false
	}
	return reflect.ValueOf(v).Convert(t), true
}

// xmlTree marshals an output tree as the children of a Query Result element: lists as <member>
// elements, maps as <entry><key/><value/></entry>, timestamps as ISO 8601 with milliseconds.
type xmlTree struct{ wireStruct }

func (t xmlTree) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	return encodeXMLTree(enc, start, t.wireStruct)
}

func encodeXMLTree(enc *xml.Encoder, start xml.StartElement, v any) error {
	element := func(name string) xml.StartElement { return xml.StartElement{Name: xml.Name{Local: name}} }
	var text string
	switch v := v.(type) {
	case wireStruct:
		return encodeXMLChildren(enc, start, len(v), func(i int) error { return encodeXMLTree(enc, element(v[i].Name), v[i].Value) })
	case []any:
		return encodeXMLChildren(enc, start, len(v), func(i int) error { return encodeXMLTree(enc, element("member"), v[i]) })
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		return encodeXMLChildren(enc, start, len(keys), func(i int) error {
			entry := wireStruct{{"key", keys[i]}, {"value", v[keys[i]]}}
			return encodeXMLTree(enc, element("entry"), entry)
		})
	case string:
		text = v
	case bool:
		text = strconv.FormatBool(v)
	case int64:
		text = strconv.FormatInt(v, 10)
	case float64:
		text = strconv.FormatFloat(v, 'g', -1, 64)
	case time.Time:
		text = v.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return enc.EncodeElement(text, start)
}

func encodeXMLChildren(enc *xml.Encoder, start xml.StartElement, n int, child func(i int) error) error {
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	for i := range n {
		if err := child(i); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}
