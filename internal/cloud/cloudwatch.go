package cloud

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	ec2v1alpha1 "github.com/autoscale-operator/autoscale-operator/api/v1alpha1"
)

// alarmBatch is the most names DescribeAlarms accepts.
const alarmBatch = 100

// cloudWatch implements CloudWatch for one region over the SDK-subset client.
type cloudWatch struct {
	regional
	cw     CloudWatchAPI
	alarms *inventory[*Alarm]

	ownersMu    sync.Mutex
	alarmOwners map[string]string // alarm name → owner tag value, once known
	// noTagging is set once the endpoint answered that it has no CloudWatch tagging API.
	noTagging bool
}

var _ CloudWatch = (*cloudWatch)(nil)

func newCloudWatch(region string, cw CloudWatchAPI, o serviceOptions) *cloudWatch {
	s := &cloudWatch{regional: regional{region}, cw: cw, alarmOwners: map[string]string{}}
	s.alarms = newInventory("MetricAlarm", alarmBatch, o.now, s.fetchAlarms, cloneAlarm)
	s.alarms.log = s.alarms.log.WithValues("region", region)
	return s
}

func (s *cloudWatch) DescribeAlarms(ctx context.Context, names []string, maxAge time.Duration) ([]*Alarm, error) {
	alarms, _, err := s.alarms.getAll(s.logger(ctx), names, maxAge)
	return alarms, err
}

func (s *cloudWatch) fetchAlarms(ctx context.Context, names []string) (map[string]*Alarm, error) {
	out := map[string]*Alarm{}
	pages := cloudwatch.NewDescribeAlarmsPaginator(s.cw, &cloudwatch.DescribeAlarmsInput{
		AlarmNames: names,
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm},
		MaxRecords: aws.Int32(maxRecords),
	})
	err := eachPage(ctx, "DescribeAlarms", pages, func(page *cloudwatch.DescribeAlarmsOutput) {
		for _, ma := range page.MetricAlarms {
			a := alarmFromSDK(ma)
			out[a.Name] = a
		}
	})
	if err != nil {
		return nil, err
	}
	for _, a := range out {
		owner, err := s.alarmOwner(ctx, a)
		if err != nil {
			return nil, err
		}
		a.OwnerTag = owner
	}
	return out, nil
}

// alarmOwner returns the alarm's owner tag. DescribeAlarms does not return tags, so it is read
// once per alarm (ListTagsForResource) and then kept; our own puts and tag changes keep it current.
func (s *cloudWatch) alarmOwner(ctx context.Context, a *Alarm) (string, error) {
	s.ownersMu.Lock()
	owner, known := s.alarmOwners[a.Name]
	noTagging := s.noTagging
	s.ownersMu.Unlock()
	if known || noTagging {
		return owner, nil
	}
	out, err := s.cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: aws.String(a.ARN)})
	if err = wrapError("ListTagsForResource", err); err != nil {
		switch {
		case IsNotFound(err):
			return "", nil // deleted since the describe; the next describe will say so
		case unsupportedOperation(err):
			// An endpoint without CloudWatch's tagging API (an emulator): the owner cannot be
			// known; say so once and report none rather than fail every describe.
			log.FromContext(ctx).Info("CloudWatch endpoint cannot list alarm tags; owners of alarms this process did not create are unknown", "error", err.Error())
			s.ownersMu.Lock()
			s.noTagging = true
			s.ownersMu.Unlock()
			return "", nil
		}
		return "", err
	}
	for _, t := range out.Tags {
		if aws.ToString(t.Key) == ec2v1alpha1.OwnerTagKey {
			owner = aws.ToString(t.Value)
		}
	}
	s.setAlarmOwner(a.Name, owner)
	return owner, nil
}

func unsupportedOperation(err error) bool {
	switch ErrorCode(err) {
	case "UnknownOperationException", "InvalidAction", "UnsupportedOperation":
		return true
	}
	return false
}

func (s *cloudWatch) setAlarmOwner(name, owner string) {
	s.ownersMu.Lock()
	defer s.ownersMu.Unlock()
	s.alarmOwners[name] = owner
}

func (s *cloudWatch) forgetAlarmOwner(name string) {
	s.ownersMu.Lock()
	defer s.ownersMu.Unlock()
	delete(s.alarmOwners, name)
}

func (s *cloudWatch) PutAlarm(ctx context.Context, in *AlarmInput, current *Alarm) (bool, error) {
	upToDate := current != nil && alarmUpToDate(in, current)
	ownerOK := current != nil && current.OwnerTag == in.OwnerTag
	if upToDate && ownerOK {
		return false, nil
	}
	ctx = s.logger(ctx)
	defer s.alarms.invalidate(in.Name)
	wrote := false
	if !upToDate {
		wrote = true
		if _, err := s.cw.PutMetricAlarm(ctx, putAlarmInput(in)); err != nil {
			return wrote, wrapError("PutMetricAlarm", err)
		}
		if current == nil {
			// Created with the owner tag (PutMetricAlarm applies tags on create).
			s.setAlarmOwner(in.Name, in.OwnerTag)
		}
	}
	if current != nil && !ownerOK {
		wrote = true
		var err error
		if in.OwnerTag != "" {
			_, err = s.cw.TagResource(ctx, &cloudwatch.TagResourceInput{
				ResourceARN: aws.String(current.ARN),
				Tags:        []cwtypes.Tag{{Key: aws.String(ec2v1alpha1.OwnerTagKey), Value: aws.String(in.OwnerTag)}},
			})
			err = wrapError("TagResource", err)
		} else {
			_, err = s.cw.UntagResource(ctx, &cloudwatch.UntagResourceInput{
				ResourceARN: aws.String(current.ARN), TagKeys: []string{ec2v1alpha1.OwnerTagKey},
			})
			err = wrapError("UntagResource", err)
		}
		if err != nil {
			s.forgetAlarmOwner(in.Name)
			return wrote, err
		}
		s.setAlarmOwner(in.Name, in.OwnerTag)
	}
	return wrote, nil
}

func (s *cloudWatch) DeleteAlarm(ctx context.Context, name string) error {
	ctx = s.logger(ctx)
	_, err := s.cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{name}})
	if err = wrapError("DeleteAlarms", err); err != nil && !IsNotFound(err) {
		s.alarms.invalidate(name)
		return err
	}
	s.alarms.set(name, nil, false)
	s.forgetAlarmOwner(name)
	return nil
}
