package wire

import (
	"encoding/xml"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// FromForm fills the shape dst (a struct) from form parameters: members by field name, or by the
// field's `query:"Name"` tag where the wire name differs (EC2's singular list names, "Id" for ID);
// lists in the Args' dialect; structures as Name.Member. Fields tagged `query:"-"` are skipped.
// Malformed values are recorded in q (see Args.Err).
func FromForm(dst reflect.Value, q Args) {
	for i := range dst.NumField() {
		f := dst.Type().Field(i)
		name := f.Name
		if tag := f.Tag.Get("query"); tag != "" {
			name = tag
		}
		if !f.IsExported() || name == "-" {
			continue
		}
		field := dst.Field(i)
		switch {
		case field.Kind() == reflect.Slice:
			if !q.Has(name) {
				continue
			}
			// "Name=" with no members is an empty list, which is how Query clears a list.
			q.SentEmpty(name)
			list := reflect.MakeSlice(field.Type(), 0, 0)
			for _, idx := range q.Indexes(name) {
				if v, ok := formValue(field.Type().Elem(), q, q.Item(name, idx)); ok {
					list = reflect.Append(list, v)
				}
			}
			field.Set(list)
		case field.Kind() == reflect.Pointer:
			if v, ok := formValue(field.Type().Elem(), q, name); ok {
				p := reflect.New(field.Type().Elem())
				p.Elem().Set(v)
				field.Set(p)
			}
		default:
			if v, ok := formValue(field.Type(), q, name); ok {
				field.Set(v)
			}
		}
	}
}

// formValue reads one scalar or structure of type t; ok is false when it was not sent.
func formValue(t reflect.Type, q Args, name string) (reflect.Value, bool) {
	var v any
	switch {
	case t == timeType:
		if p := q.OptTime(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.String:
		if p := q.OptStr(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Bool:
		if p := q.OptBool(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Int32, t.Kind() == reflect.Int:
		if p := q.OptInt(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Int64:
		if p := q.OptInt64(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Float64:
		if p := q.OptFloat(name); p != nil {
			v = *p
		}
	case t.Kind() == reflect.Struct:
		if q.Has(name) {
			s := reflect.New(t).Elem()
			FromForm(s, q.Sub(name))
			return s, true
		}
	default:
		panic("FromForm: unsupported type " + t.String())
	}
	if v == nil {
		return reflect.Value{}, false
	}
	return reflect.ValueOf(v).Convert(t), true
}

// XMLTree marshals an output tree as the children of an awsQuery Result element: lists as
// <member> elements, maps as <entry><key/><value/></entry>, timestamps as ISO 8601 with
// milliseconds.
type XMLTree struct{ Struct }

func (t XMLTree) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	return encodeXMLTree(enc, start, t.Struct)
}

func encodeXMLTree(enc *xml.Encoder, start xml.StartElement, v any) error {
	element := func(name string) xml.StartElement { return xml.StartElement{Name: xml.Name{Local: name}} }
	var text string
	switch v := v.(type) {
	case Struct:
		return encodeXMLChildren(enc, start, len(v), func(i int) error { return encodeXMLTree(enc, element(v[i].Name), v[i].Value) })
	case []any:
		return encodeXMLChildren(enc, start, len(v), func(i int) error { return encodeXMLTree(enc, element("member"), v[i]) })
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		return encodeXMLChildren(enc, start, len(keys), func(i int) error {
			entry := Struct{{"key", keys[i]}, {"value", v[keys[i]]}}
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
