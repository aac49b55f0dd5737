package emulator

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// cwValidator keeps the first validation failure, so an action checks its whole input in a row and
// reports what AWS would report first. Messages follow AWS's wording for the same constraint.
type cwValidator struct{ err *APIError }

func (v *cwValidator) fail(err *APIError) {
	if v.err == nil {
		v.err = err
	}
}

// required fails with AWS's "Member must not be null" unless the member was sent.
func (v *cwValidator) required(param string, sent bool) {
	if !sent {
		v.fail(memberNull(param))
	}
}

// length checks a string's length in characters (min 0 and an empty string pass: not sent).
func (v *cwValidator) length(param, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min <= 1:
	case n < min:
		v.fail(validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", s, lowerFirst(param), min))
	case n > max:
		v.fail(validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", truncate(s, 64), lowerFirst(param), max))
	}
}

// count checks how many members a list has.
func (v *cwValidator) count(param string, n, max int) {
	if n > max {
		v.fail(validationError("1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have length less than or equal to %d (it has %d)", lowerFirst(param), max, n))
	}
}

// enum fails unless s is one of allowed ("" passes: not sent).
func (v *cwValidator) enum(param, s string, allowed ...string) {
	if s != "" && !slices.Contains(allowed, s) {
		v.fail(validationError("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", truncate(s, 64), lowerFirst(param), strings.Join(allowed, ", ")))
	}
}

// atLeast checks an optional integer's minimum.
func (v *cwValidator) atLeast(param string, n *int32, min int32) {
	if n != nil && *n < min {
		v.fail(validationError("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", *n, lowerFirst(param), min))
	}
}

// atMost checks an optional integer's maximum.
func (v *cwValidator) atMost(param string, n *int32, max int32) {
	if n != nil && *n > max {
		v.fail(validationError("1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *n, lowerFirst(param), max))
	}
}

// dimensions checks a metric's dimensions: at most 30, names and values of AWS's lengths, and no
// name twice (a metric cannot have two values for one dimension).
func (v *cwValidator) dimensions(param string, dims []cwDimension) {
	v.count(param, len(dims), 30)
	seen := map[string]bool{}
	for _, d := range dims {
		v.required(param+".member.Name", d.Name != "")
		v.required(param+".member.Value", d.Value != "")
		v.length(param+".member.Name", d.Name, 1, 255)
		v.length(param+".member.Value", d.Value, 1, 1024)
		if seen[d.Name] {
			v.fail(senderError("InvalidParameterValue", "The dimension %s appears more than once in %s; give each dimension name one value.", d.Name, param))
		}
		seen[d.Name] = true
	}
}

// standardUnits is the StandardUnit enum.
var standardUnits = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
	"Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}
