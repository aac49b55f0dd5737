package cloud

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/log"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// Batch sizes: the most names each describe accepts.
const (
	groupBatch  = 100 // DescribeAutoScalingGroups: names up to MaxRecords (100)
	lcBatch     = 50  // DescribeLaunchConfigurations: 50 names
	policyBatch = 50  // DescribePolicies: 50 policy names
	maxRecords  = 100
	// AttachLoadBalancers and AttachLoadBalancerTargetGroups take at most 10 a call.
	attachBatch = 10
)

// autoScaling implements AutoScaling for one region over the SDK-subset client.
type autoScaling struct {
	regional
	as   AutoScalingAPI
	opts serviceOptions

	groups   *inventory[*Group]
	lcs      *inventory[*LaunchConfiguration]
	policies *inventory[*Policy]
	feed     *activityFeed
	listing  *freshFlight[map[string][]string]
}

var _ AutoScaling = (*autoScaling)(nil)

func newAutoScaling(region string, as AutoScalingAPI, o serviceOptions) *autoScaling {
	s := &autoScaling{regional: regional{region}, as: as, opts: o}
	s.groups = newInventory("AutoScalingGroup", groupBatch, o.now, s.fetchGroups, cloneGroup)
	s.lcs = newInventory("LaunchConfiguration", lcBatch, o.now, s.fetchLaunchConfigurations,
		func(lc *LaunchConfiguration) *LaunchConfiguration {
			if lc == nil {
				return nil
			}
			c := *lc
			return &c
		})
	s.policies = newInventory("ScalingPolicy", policyBatch, o.now, s.fetchPolicies, clonePolicy)
	for _, l := range []*logr.Logger{&s.groups.log, &s.lcs.log, &s.policies.log} {
		*l = l.WithValues("region", region)
	}
	s.feed = newActivityFeed(as, o.now, o.activityPollInterval)
	s.feed.log = log.Log.WithName("aws-activities").WithValues("region", region)
	s.listing = &freshFlight[map[string][]string]{run: s.listGroupsByLaunchConfiguration}
	return s
}

// --- launch configurations ---------------------------------------------------------------------

func (s *autoScaling) DescribeLaunchConfiguration(ctx context.Context, name string) (*LaunchConfiguration, error) {
	lc, found, err := s.lcs.get(s.logger(ctx), name, s.opts.cacheTTL)
	if err != nil || !found {
		return nil, err
	}
	return lc, nil
}

func (s *autoScaling) fetchLaunchConfigurations(ctx context.Context, names []string) (map[string]*LaunchConfiguration, error) {
	out := map[string]*LaunchConfiguration{}
	pages := autoscaling.NewDescribeLaunchConfigurationsPaginator(s.as, &autoscaling.DescribeLaunchConfigurationsInput{
		LaunchConfigurationNames: names, MaxRecords: aws.Int32(maxRecords),
	})
	err := eachPage(ctx, "DescribeLaunchConfigurations", pages, func(page *autoscaling.DescribeLaunchConfigurationsOutput) {
		for _, lc := range page.LaunchConfigurations {
			c := launchConfigurationFromSDK(lc)
			out[c.Name] = c
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *autoScaling) CreateLaunchConfiguration(ctx context.Context, name string, spec *ec2v1alpha1.LaunchConfigurationSpec, userData string) error {
	ctx = s.logger(ctx)
	_, err := s.as.CreateLaunchConfiguration(ctx, createLaunchConfigurationInput(name, spec, userData))
	// Created, or someone else's: either way what we had cached is wrong.
	s.lcs.invalidate(name)
	return wrapError("CreateLaunchConfiguration", err)
}

func (s *autoScaling) DeleteLaunchConfiguration(ctx context.Context, name string) error {
	ctx = s.logger(ctx)
	_, err := s.as.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(name),
	})
	if err = wrapError("DeleteLaunchConfiguration", err); err != nil && !IsNotFound(err) {
		s.lcs.invalidate(name)
		return err
	}
	s.lcs.set(name, nil, false)
	return nil
}

func (s *autoScaling) GroupsUsingLaunchConfiguration(ctx context.Context, name string) ([]string, error) {
	ctx = s.logger(ctx)
	// A user in the inventory is enough to keep the launch configuration: deletion waits anyway,
	// and the answer only names who holds it.
	var users []string
	for _, g := range s.groups.cached(s.opts.cacheTTL) {
		if g.LaunchConfigurationName == name {
			users = append(users, g.Name)
		}
	}
	if len(users) > 0 {
		slices.Sort(users)
		return users, nil
	}
	// "Nobody" must be true: list every group in the region, in a listing that starts after now.
	byLC, err := s.listing.do(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(byLC[name]), nil
}

// listGroupsByLaunchConfiguration lists every group of the region (without instances, to keep
// the pages small) and indexes them by launch configuration.
func (s *autoScaling) listGroupsByLaunchConfiguration(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(s.as, &autoscaling.DescribeAutoScalingGroupsInput{
		MaxRecords: aws.Int32(maxRecords), IncludeInstances: aws.Bool(false),
	})
	err := eachPage(ctx, "DescribeAutoScalingGroups", pages, func(page *autoscaling.DescribeAutoScalingGroupsOutput) {
		for _, g := range page.AutoScalingGroups {
			if lc := aws.ToString(g.LaunchConfigurationName); lc != "" {
				out[lc] = append(out[lc], aws.ToString(g.AutoScalingGroupName))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out, nil
}

// --- groups ------------------------------------------------------------------------------------

func (s *autoScaling) DescribeGroup(ctx context.Context, name string, maxAge time.Duration) (*Group, error) {
	g, found, err := s.groups.get(s.logger(ctx), name, maxAge)
	if err != nil || !found {
		return nil, err
	}
	return g, nil
}

func (s *autoScaling) fetchGroups(ctx context.Context, names []string) (map[string]*Group, error) {
	start := s.opts.now()
	out := map[string]*Group{}
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(s.as, &autoscaling.DescribeAutoScalingGroupsInput{
		AutoScalingGroupNames: names, MaxRecords: aws.Int32(maxRecords),
	})
	err := eachPage(ctx, "DescribeAutoScalingGroups", pages, func(page *autoscaling.DescribeAutoScalingGroupsOutput) {
		for _, g := range page.AutoScalingGroups {
			c := groupFromSDK(g)
			c.ObservedAt = start
			out[c.Name] = c
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *autoScaling) CreateGroup(ctx context.Context, in *GroupInput) error {
	ctx = s.logger(ctx)
	// With one account-wide activity poll done before the create, the new group's activities
	// all come with the polls that follow, and it never needs a per-group history read.
	if !s.feed.hasPolled() {
		_ = s.feed.ensurePolled(ctx, time.Duration(math.MaxInt64))
	}
	polledBefore := s.feed.hasPolled()
	_, err := s.as.CreateAutoScalingGroup(ctx, createGroupInput(in))
	s.groups.invalidate(in.Name)
	if err != nil {
		return wrapError("CreateAutoScalingGroup", err)
	}
	s.feed.groupCreated(in.Name, polledBefore)
	if procs := normalizedSet(in.Spec.SuspendedProcesses); len(procs) > 0 {
		_, err := s.as.SuspendProcesses(ctx, &autoscaling.SuspendProcessesInput{
			AutoScalingGroupName: aws.String(in.Name), ScalingProcesses: procs,
		})
		return wrapError("SuspendProcesses", err)
	}
	return nil
}

func (s *autoScaling) UpdateGroup(ctx context.Context, in *GroupInput, current *Group) (bool, error) {
	if current == nil {
		return false, errors.New("UpdateGroup: the current group is required; create it first")
	}
	plan := planGroupUpdate(in, current)
	if plan.empty() {
		return false, nil
	}
	ctx = s.logger(ctx)
	log.FromContext(ctx).V(1).Info("updating AWS group", "group", in.Name, "changed", plan.changedFields)
	// Any write, even a failed one, may have changed the group.
	defer s.groups.invalidate(in.Name)
	for _, w := range plan.writes(s.as, in.Name) {
		if err := wrapError(w.op, w.call(ctx)); err != nil {
			return true, err
		}
	}
	return true, nil
}

func (s *autoScaling) SetOwnerTag(ctx context.Context, group, value string) error {
	ctx = s.logger(ctx)
	defer s.groups.invalidate(group)
	if value == "" {
		_, err := s.as.DeleteTags(ctx, &autoscaling.DeleteTagsInput{Tags: sdkTagKeys(group, []string{ec2v1alpha1.OwnerTagKey})})
		return wrapError("DeleteTags", err)
	}
	_, err := s.as.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{
		Tags: []astypes.Tag{sdkTag(group, ec2v1alpha1.Tag{Key: ec2v1alpha1.OwnerTagKey, Value: value})},
	})
	return wrapError("CreateOrUpdateTags", err)
}

func (s *autoScaling) DeleteGroup(ctx context.Context, name string, force bool) error {
	ctx = s.logger(ctx)
	_, err := s.as.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name),
		ForceDelete:          aws.Bool(force),
	})
	s.groups.invalidate(name)
	if err = wrapError("DeleteAutoScalingGroup", err); err != nil && !IsNotFound(err) {
		return err
	}
	// AWS deletes the group's policies with it.
	prefix := policyKey(name, "")
	s.policies.invalidateIf(func(k string) bool { return strings.HasPrefix(k, prefix) })
	s.feed.forget(name)
	return nil
}

func (s *autoScaling) ScalingActivities(ctx context.Context, group string, since time.Time, limit int) ([]Activity, time.Time, error) {
	return s.feed.activities(s.logger(ctx), group, since, limit)
}

// --- policies ----------------------------------------------------------------------------------

// policyKey keys the policy inventory: policy names are unique per group, not per region.
func policyKey(group, name string) string { return group + "\x00" + name }

func (s *autoScaling) DescribePolicies(ctx context.Context, group string, names []string) ([]*Policy, error) {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = policyKey(group, n)
	}
	policies, _, err := s.policies.getAll(s.logger(ctx), keys, s.opts.cacheTTL)
	return policies, err
}

// fetchPolicies describes policies by name across groups (50 names a call) and keeps the ones
// asked for. When the names repeat across groups (every group's policy called "scale-up"), a
// by-name describe would return every group's, so it asks group by group instead.
func (s *autoScaling) fetchPolicies(ctx context.Context, keys []string) (map[string]*Policy, error) {
	want := map[string]bool{}
	byGroup := map[string][]string{}
	var names []string
	for _, k := range keys {
		want[k] = true
		g, n, _ := strings.Cut(k, "\x00")
		byGroup[g] = append(byGroup[g], n)
		names = append(names, n)
	}
	slices.Sort(names)
	names = slices.Compact(names)

	var inputs []*autoscaling.DescribePoliciesInput
	if 2*len(names) >= len(keys) {
		inputs = append(inputs, &autoscaling.DescribePoliciesInput{PolicyNames: names, MaxRecords: aws.Int32(maxRecords)})
	} else {
		for _, g := range slices.Sorted(maps.Keys(byGroup)) {
			inputs = append(inputs, &autoscaling.DescribePoliciesInput{
				AutoScalingGroupName: aws.String(g), PolicyNames: byGroup[g], MaxRecords: aws.Int32(maxRecords),
			})
		}
	}
	out := map[string]*Policy{}
	for _, in := range inputs {
		err := eachPage(ctx, "DescribePolicies", autoscaling.NewDescribePoliciesPaginator(s.as, in), func(page *autoscaling.DescribePoliciesOutput) {
			for _, sp := range page.ScalingPolicies {
				p := policyFromSDK(sp)
				if k := policyKey(p.Group, p.Name); want[k] {
					out[k] = p
				}
			}
		})
		// A per-group describe of a group that is gone: none of its policies exist.
		if err != nil && (in.AutoScalingGroupName == nil || !IsNotFound(err)) {
			return nil, err
		}
	}
	return out, nil
}

func (s *autoScaling) PutPolicy(ctx context.Context, in *PolicyInput, current *Policy) (string, bool, error) {
	if policyUpToDate(in, current) {
		return current.ARN, false, nil
	}
	ctx = s.logger(ctx)
	key := policyKey(in.Group, in.Name)
	out, err := s.as.PutScalingPolicy(ctx, putPolicyInput(in))
	if err != nil {
		s.policies.invalidate(key)
		return "", true, wrapError("PutScalingPolicy", err)
	}
	arn := aws.ToString(out.PolicyARN)
	s.policies.set(key, policyFromInput(in, arn), true)
	return arn, true, nil
}

func (s *autoScaling) DeletePolicy(ctx context.Context, group, name string) error {
	ctx = s.logger(ctx)
	key := policyKey(group, name)
	_, err := s.as.DeletePolicy(ctx, &autoscaling.DeletePolicyInput{
		AutoScalingGroupName: aws.String(group), PolicyName: aws.String(name),
	})
	if err = wrapError("DeletePolicy", err); err != nil && !IsNotFound(err) {
		s.policies.invalidate(key)
		return err
	}
	s.policies.set(key, nil, false)
	return nil
}

// --- helpers -----------------------------------------------------------------------------------

// freshFlight runs a call on behalf of concurrent callers, each of whom gets the result of a run
// that started after it asked (unlike singleflight, which may hand out an older run's result).
type freshFlight[T any] struct {
	run func(ctx context.Context) (T, error)

	mu      sync.Mutex
	pending *flightCall[T]
	running bool
}

type flightCall[T any] struct {
	ctx  context.Context
	done chan struct{}
	val  T
	err  error
}

func (f *freshFlight[T]) do(ctx context.Context) (T, error) {
	f.mu.Lock()
	c := f.pending
	if c == nil {
		c = &flightCall[T]{ctx: context.WithoutCancel(ctx), done: make(chan struct{})}
		f.pending = c
	}
	if !f.running {
		f.running = true
		go f.loop()
	}
	f.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (f *freshFlight[T]) loop() {
	for {
		f.mu.Lock()
		c := f.pending
		if c == nil {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.pending = nil
		f.mu.Unlock()
		ctx, cancel := context.WithTimeout(c.ctx, flushTimeout)
		c.val, c.err = f.run(ctx)
		cancel()
		close(c.done)
	}
}
