package controllers

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

func TestScaleSelectorAlwaysParses(t *testing.T) {
	for _, name := range []string{"my-group", "a.b.c", strings.Repeat("g", 63), strings.Repeat("g", 64), strings.Repeat("x", 253)} {
		sel := scaleSelector(name)
		if _, err := labels.Parse(sel); err != nil {
			t.Errorf("scaleSelector(%d chars) = %q does not parse: %v", len(name), sel, err)
		}
	}
	if got := scaleSelector("my-group"); got != scaleSelectorLabel+"=my-group" {
		t.Errorf("scaleSelector(my-group) = %q", got)
	}
	if scaleSelector(strings.Repeat("g", 64)) == scaleSelector(strings.Repeat("g", 65)) {
		t.Error("two long names share a selector")
	}
}
