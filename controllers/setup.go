package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// Field indexes on references, so a watch on the referenced kind finds the referring objects
// without listing a namespace.
const (
	indexGroupByLaunchConfiguration  = "spec.launchConfigurationRef.name"
	indexTriggerByGroup              = "spec.autoScalingGroupRef.name"
	indexLaunchConfigurationBySecret = "spec.userDataSecretRef.name"
	indexGroupByAWSName              = "status.awsName"
)

// Setup registers the field indexes and the three reconcilers with mgr.
func Setup(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	opts = opts.withDefaults()
	if opts.Cloud == nil {
		return fmt.Errorf("controllers.Setup: Options.Cloud is required")
	}
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &ec2v1alpha1.AutoScalingGroup{}, indexGroupByLaunchConfiguration, func(o client.Object) []string {
		return []string{o.(*ec2v1alpha1.AutoScalingGroup).Spec.LaunchConfigurationRef.Name}
	}); err != nil {
		return fmt.Errorf("indexing groups by launch configuration: %w", err)
	}
	if err := idx.IndexField(ctx, &ec2v1alpha1.Trigger{}, indexTriggerByGroup, func(o client.Object) []string {
		return []string{o.(*ec2v1alpha1.Trigger).Spec.AutoScalingGroupRef.Name}
	}); err != nil {
		return fmt.Errorf("indexing triggers by group: %w", err)
	}
	if err := idx.IndexField(ctx, &ec2v1alpha1.LaunchConfiguration{}, indexLaunchConfigurationBySecret, func(o client.Object) []string {
		if ref := o.(*ec2v1alpha1.LaunchConfiguration).Spec.UserDataSecretRef; ref != nil {
			return []string{ref.Name}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing launch configurations by Secret: %w", err)
	}

	if err := idx.IndexField(ctx, &ec2v1alpha1.AutoScalingGroup{}, indexGroupByAWSName, func(o client.Object) []string {
		if name := o.(*ec2v1alpha1.AutoScalingGroup).Status.AWSName; name != "" {
			return []string{name}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing groups by AWS name: %w", err)
	}
	// The provider's activity feeds run with the manager (on the leader only).
	if err := mgr.Add(opts.Cloud); err != nil {
		return fmt.Errorf("adding the AWS provider to the manager: %w", err)
	}

	newBase := func(kind string) base {
		return base{Client: mgr.GetClient(), opts: opts, recorder: mgr.GetEventRecorder("autoscale-operator"), kind: kind}
	}
	lc := &LaunchConfigurationReconciler{base: newBase("LaunchConfiguration"), secrets: mgr.GetAPIReader()}
	if err := lc.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the LaunchConfiguration controller: %w", err)
	}
	g := &AutoScalingGroupReconciler{base: newBase(kindGroup)}
	if err := g.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the AutoScalingGroup controller: %w", err)
	}
	t := &TriggerReconciler{base: newBase("Trigger")}
	if err := t.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the Trigger controller: %w", err)
	}
	return nil
}

// referrers returns requests for the objects of list's kind, in obj's namespace, whose index field
// names obj: the objects a watch event on obj concerns.
func referrers(ctx context.Context, c client.Reader, list client.ObjectList, index string, obj client.Object) []reconcile.Request {
	if err := c.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{index: obj.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "listing referring objects", "index", index, "name", obj.GetName())
		return nil
	}
	var reqs []reconcile.Request
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o.(client.Object))})
		return nil
	})
	return reqs
}
