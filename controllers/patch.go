package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// patchTimeout bounds a patch that outlives its reconcile's context (see patch).
const patchTimeout = 15 * time.Second

// patcher remembers an object as it was read so that, at the end of a reconcile, exactly what
// changed is written: finalizers and annotations in one metadata patch (with an optimistic lock,
// so a concurrent finalizer change by someone else is never overwritten), status in one status
// patch. Nothing is written when nothing changed, so an unchanged sync costs no API write and
// triggers no watch event.
type patcher struct {
	before client.Object
}

func newPatcher(obj client.Object) *patcher {
	return &patcher{before: obj.DeepCopyObject().(client.Object)}
}

// patch writes the changes to obj since newPatcher (or the previous patch). It runs on a context
// that survives the reconcile's cancellation: a manager shutting down right after an AWS call
// should still record what it did.
func (p *patcher) patch(ctx context.Context, c client.Client, obj client.Object) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), patchTimeout)
	defer cancel()

	if !slices.Equal(p.before.GetFinalizers(), obj.GetFinalizers()) ||
		!maps.Equal(p.before.GetAnnotations(), obj.GetAnnotations()) {
		base := p.before.DeepCopyObject().(client.Object)
		target := p.before.DeepCopyObject().(client.Object)
		target.SetFinalizers(obj.GetFinalizers())
		target.SetAnnotations(obj.GetAnnotations())
		if err := c.Patch(ctx, target, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			if apierrors.IsNotFound(err) {
				return nil // the last finalizer went and the object with it
			}
			return fmt.Errorf("patching metadata: %w", err)
		}
		obj.SetResourceVersion(target.GetResourceVersion())
		obj.SetGeneration(target.GetGeneration())
		if target.GetDeletionTimestamp() != nil && len(target.GetFinalizers()) == 0 {
			return nil
		}
	}

	beforeStatus, err := statusOf(p.before)
	if err != nil {
		return err
	}
	afterStatus, err := statusOf(obj)
	if err != nil {
		return err
	}
	if !equality.Semantic.DeepEqual(beforeStatus, afterStatus) {
		data, err := statusMergePatch(obj, beforeStatus, afterStatus)
		if err != nil {
			return err
		}
		if err := c.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, data)); err != nil {
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("patching status: %w", err)
		}
	}
	p.before = obj.DeepCopyObject().(client.Object)
	return nil
}

// statusOf returns obj's status in unstructured form, so one patcher serves every kind.
func statusOf(obj client.Object) (any, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", obj, err)
	}
	return u["status"], nil
}

// statusMergePatch is the JSON merge patch from one status to another; fields that disappeared
// become nulls, so they are removed rather than left behind.
func statusMergePatch(obj client.Object, before, after any) ([]byte, error) {
	wrap := func(status any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{}}
		if status != nil {
			u.Object["status"] = status
		}
		return u
	}
	data, err := client.MergeFrom(wrap(before)).Data(wrap(after))
	if err != nil {
		return nil, fmt.Errorf("computing status patch of %s: %w", obj.GetName(), err)
	}
	return data, nil
}
