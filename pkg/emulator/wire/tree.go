package wire

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
)

// A service that speaks several protocols with one data model (CloudWatch: Query, JSON 1.0 and
// CBOR) defines every shape as a plain Go struct whose field names are the AWS member names, and
// each protocol only translates between its bytes and a small tree of Go values:
//
//   - decoders (DecodeJSON, DecodeCBOR) produce an input tree: map[string]any, []any, string,
//     bool, json.Number, time.Time (CBOR's tagged timestamps) and nil; FromTree copies it into a
//     shape;
//   - ToTree turns an output shape into an output tree: Struct (fields in declaration order, so
//     XML comes out in the model's order), map[string]any (a Go map, e.g. ExtendedStatistics),
//     []any, string, bool, int64, float64 and time.Time; the encoders (JSON, CBOR, XMLTree) write it.
//
// Form requests skip the tree: FromForm reads the form straight into the shape.

// Struct is an encoded structure: its members in declaration order, absent ones left out.
type Struct []Field

// Field is one member of a Struct.
type Field struct {
	Name  string
	Value any
}

var timeType = reflect.TypeFor[time.Time]()

// ToTree encodes a shape. Presence follows what AWS sends: nil pointers, empty strings, zero times
// and nil slices are absent; non-pointer numbers and bools are always present (0 and false are
// real values there); a non-nil empty slice is an empty list (DescribeAlarms always has
// MetricAlarms, even when it is empty).
func ToTree(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return ToTree(v.Elem())
	case reflect.String:
		return v.String(), v.Len() > 0
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Float64:
		return v.Float(), true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		list := make([]any, 0, v.Len())
		for i := range v.Len() {
			if item, ok := ToTree(v.Index(i)); ok {
				list = append(list, item)
			}
		}
		return list, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			if item, ok := ToTree(it.Value()); ok {
				m[it.Key().String()] = item
			}
		}
		return m, true
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			return t, !t.IsZero()
		}
		var s Struct
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if item, ok := ToTree(v.Field(i)); ok {
				s = append(s, Field{Name: v.Type().Field(i).Name, Value: item})
			}
		}
		return s, true
	}
	// Shapes hold only the kinds above; anything else is a programming error caught by the tests.
	panic(fmt.Sprintf("ToTree: unsupported kind %s", v.Kind()))
}

// FromTree copies an input tree into dst; path names dst in errors ("PutMetricAlarmInput").
// Unknown members are ignored, as AWS ignores members a newer SDK sends; a member of the wrong
// type is a SerializationException naming the member.
func FromTree(dst reflect.Value, src any, path string) *Error {
	if src == nil { // JSON null and CBOR nil mean "not sent"
		return nil
	}
	if dst.Kind() == reflect.Pointer {
		elem := reflect.New(dst.Type().Elem())
		if err := FromTree(elem.Elem(), src, path); err != nil {
			return err
		}
		dst.Set(elem)
		return nil
	}
	mismatch := func(want string) *Error {
		return SerializationError("Member %s must be %s, but the request has %s; send it as the %s shape defines it.",
			path, want, describe(src), path)
	}
	switch dst.Kind() {
	case reflect.Slice:
		items, ok := src.([]any)
		if !ok {
			return mismatch("a list")
		}
		list := reflect.MakeSlice(dst.Type(), len(items), len(items))
		for i, item := range items {
			if err := FromTree(list.Index(i), item, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(list)
		return nil
	case reflect.Struct:
		if dst.Type() == timeType {
			return timeFromWire(dst, src, mismatch)
		}
		members, ok := src.(map[string]any)
		if !ok {
			return mismatch("a structure")
		}
		for name, value := range members {
			field, ok := dst.Type().FieldByName(name)
			if !ok || !field.IsExported() || len(field.Index) != 1 {
				continue
			}
			if err := FromTree(dst.FieldByIndex(field.Index), value, path+"."+name); err != nil {
				return err
			}
		}
		return nil
	}
	return scalarFromTree(dst, src, path, mismatch)
}

// scalarFromTree copies a string, boolean or number.
func scalarFromTree(dst reflect.Value, src any, path string, mismatch func(string) *Error) *Error {
	switch dst.Kind() {
	case reflect.String:
		s, ok := src.(string)
		if !ok {
			return mismatch("a string")
		}
		dst.SetString(s)
	case reflect.Bool:
		b, ok := src.(bool)
		if !ok {
			return mismatch("a boolean")
		}
		dst.SetBool(b)
	case reflect.Int32, reflect.Int64:
		n, ok := src.(json.Number)
		if !ok {
			return mismatch("an integer")
		}
		i, err := strconv.ParseInt(string(n), 10, dst.Type().Bits())
		if err != nil {
			return mismatch(fmt.Sprintf("an integer that fits in %d bits", dst.Type().Bits()))
		}
		dst.SetInt(i)
	case reflect.Float64:
		n, ok := src.(json.Number)
		if !ok {
			return mismatch("a number")
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return mismatch("a finite number")
		}
		dst.SetFloat(f)
	default:
		panic(fmt.Sprintf("FromTree: unsupported kind %s at %s", dst.Kind(), path))
	}
	return nil
}

// timeFromWire accepts CBOR's tagged timestamps and JSON's epoch seconds (fractions allowed).
func timeFromWire(dst reflect.Value, src any, mismatch func(string) *Error) *Error {
	switch t := src.(type) {
	case time.Time:
		dst.Set(reflect.ValueOf(t.UTC()))
	case json.Number:
		secs, err := strconv.ParseFloat(string(t), 64)
		// ±1e11 s is beyond year 5000: anything further is garbage, not a date.
		if err != nil || math.IsNaN(secs) || math.Abs(secs) > 1e11 {
			return mismatch("a timestamp in epoch seconds")
		}
		dst.Set(reflect.ValueOf(time.UnixMilli(int64(math.Round(secs * 1000))).UTC()))
	default:
		return mismatch("a timestamp in epoch seconds")
	}
	return nil
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "a structure"
	case time.Time:
		return "a timestamp"
	}
	return fmt.Sprintf("a %T", v)
}
