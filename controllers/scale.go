package controllers

import (
	"crypto/sha256"
	"encoding/hex"

	"k8s.io/apimachinery/pkg/util/validation"
)

// scaleSelectorLabel is the label of status.selector, the selector of a group's scale subresource.
const scaleSelectorLabel = "autoscale-operator.io/autoscalinggroup"

// scaleSelector is a group's status.selector. A HorizontalPodAutoscaler refuses a scale target
// without one, though it only lists pods with it; no pod carries the label. A name too long for
// a label value is replaced by its hash, so the selector always parses.
func scaleSelector(groupName string) string {
	value := groupName
	if len(validation.IsValidLabelValue(value)) > 0 {
		sum := sha256.Sum256([]byte(groupName))
		value = hex.EncodeToString(sum[:])[:validation.LabelValueMaxLength]
	}
	return scaleSelectorLabel + "=" + value
}
