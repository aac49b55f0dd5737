package controllers

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// object is what the reconcile skeleton needs of a kind: a Kubernetes object whose status holds
// kstatus conditions and observedGeneration (the accessors in api/v1alpha1/conditions.go).
type object interface {
	client.Object
	GetConditions() []metav1.Condition
	SetConditions([]metav1.Condition)
	GetObservedGeneration() int64
	SetObservedGeneration(int64)
}

// normalPhase works an object towards its spec. It records progress in c; through p it writes
// early only what must be in the API server before an AWS call (the finalizer, recorded names).
type normalPhase[T object] func(ctx context.Context, obj T, p *patcher, c conditions) (ctrl.Result, error)

// deletePhase deletes (or orphans) an object's AWS resources and removes the finalizer once they
// are gone.
type deletePhase[T object] func(ctx context.Context, obj T, c conditions) (ctrl.Result, error)

// reconcileObject is the skeleton of every reconciler: read the object into obj (gone is done),
// defer one patch of status and finalizers, then run the deletion or the normal phase.
func reconcileObject[T object](ctx context.Context, b *base, req ctrl.Request, obj T, normal normalPhase[T], del deletePhase[T]) (result ctrl.Result, retErr error) {
	if err := b.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			b.opts.Metrics.observe(b.kind, req.NamespacedName, "")
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	p := newPatcher(obj)
	c := newConditions(obj)
	readyBefore := c.ready().DeepCopy()
	defer func() {
		retErr = b.finish(ctx, obj, p, c, readyBefore, retErr)
	}()

	if !obj.GetDeletionTimestamp().IsZero() {
		return del(ctx, obj, c)
	}
	return normal(ctx, obj, p, c)
}

// finish is the deferred end of every reconcile: observedGeneration, a Warning Event if Ready
// moved to a new problem, one patch, the state gauge.
func (b *base) finish(ctx context.Context, obj object, p *patcher, c conditions, readyBefore *metav1.Condition, retErr error) error {
	deleting := !obj.GetDeletionTimestamp().IsZero()
	obj.SetObservedGeneration(observedGenerationFor(c, obj.GetObservedGeneration()))
	b.announce(obj, readyBefore, c)
	if err := p.patch(ctx, b.Client, obj); err != nil {
		// Not terminal, even if the reconcile was: the status must still be written.
		return errors.Join(err, unwrapTerminal(retErr))
	}
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
	if deleting && !controllerutil.ContainsFinalizer(obj, Finalizer) {
		b.opts.Metrics.observe(b.kind, key, "")
	} else {
		b.opts.Metrics.observe(b.kind, key, stateOf(c, deleting))
	}
	return retErr
}

// unwrapTerminal strips reconcile.TerminalError so the error is retried.
func unwrapTerminal(err error) error {
	if err != nil && errors.Is(err, reconcile.TerminalError(nil)) {
		if u := errors.Unwrap(err); u != nil {
			return u
		}
	}
	return err
}

// ensureFinalizer adds the finalizer and writes it at once: it must be in the API server before
// the first AWS write, or a deletion racing the create would leak the resource.
func (b *base) ensureFinalizer(ctx context.Context, obj client.Object, p *patcher) error {
	if controllerutil.AddFinalizer(obj, Finalizer) {
		return p.patch(ctx, b.Client, obj)
	}
	return nil
}
