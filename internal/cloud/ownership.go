package cloud

import (
	"fmt"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// Ownership is what an object may do with a same-named resource it found in AWS, judged by the
// resource's owner tag.
type Ownership int

const (
	// Owned: the resource carries the object's owner tag.
	Owned Ownership = iota
	// Adoptable: the resource is untagged and the object asks to adopt it.
	Adoptable
	// Conflicting: untagged without the adopt annotation, or someone else's. Touch nothing.
	Conflicting
)

// Ownership compares the group's owner tag with ours; on a conflict the message says what to do.
func (g *Group) Ownership(ours string, adopt bool) (Ownership, string) {
	return ownership("An Auto Scaling group", g.OwnerTag(), ours, adopt)
}

// Ownership compares the alarm's owner tag with ours; on a conflict the message names the alarm
// and says what to do.
func (a *Alarm) Ownership(ours string, adopt bool) (Ownership, string) {
	o, msg := ownership("An alarm", a.OwnerTag, ours, adopt)
	if msg != "" {
		msg = fmt.Sprintf("CloudWatch alarm %s: %s", a.Name, msg)
	}
	return o, msg
}

// ownership decides from the owner tags; what is how the message names the resource.
func ownership(what, actual, ours string, adopt bool) (Ownership, string) {
	switch {
	case actual == ours:
		return Owned, ""
	case actual == "" && adopt:
		return Adoptable, ""
	case actual == "":
		return Conflicting, fmt.Sprintf("%s with this name already exists and is not managed by the operator; "+
			"annotate the object with %s: \"true\" to adopt it, or rename the object", what, ec2v1alpha1.AdoptAnnotation)
	default:
		return Conflicting, fmt.Sprintf("%s with this name is managed by %s (owner tag %s); it is left alone: rename the object",
			what, actual, ec2v1alpha1.OwnerTagKey)
	}
}
