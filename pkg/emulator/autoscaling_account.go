package emulator

import (
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

func (e *Emulator) describeAccountLimits(rs *regionState, _ wire.Args, _ time.Time) (any, *APIError) {
	return struct {
		MaxNumberOfAutoScalingGroups    int `xml:"MaxNumberOfAutoScalingGroups"`
		MaxNumberOfLaunchConfigurations int `xml:"MaxNumberOfLaunchConfigurations"`
		NumberOfAutoScalingGroups       int `xml:"NumberOfAutoScalingGroups"`
		NumberOfLaunchConfigurations    int `xml:"NumberOfLaunchConfigurations"`
	}{
		e.opts.Limits.MaxNumberOfAutoScalingGroups, e.opts.Limits.MaxNumberOfLaunchConfigurations,
		len(rs.as.Groups), len(rs.as.LaunchConfigs),
	}, nil
}

func (e *Emulator) describeAdjustmentTypes(*regionState, wire.Args, time.Time) (any, *APIError) {
	type adjustmentType struct {
		AdjustmentType string `xml:"AdjustmentType"`
	}
	return struct {
		AdjustmentTypes wire.List[adjustmentType] `xml:"AdjustmentTypes"`
	}{wire.List[adjustmentType]{{adjustChange}, {adjustExact}, {adjustPercent}}}, nil
}

func (e *Emulator) describeTerminationPolicyTypes(*regionState, wire.Args, time.Time) (any, *APIError) {
	return struct {
		TerminationPolicyTypes wire.List[string] `xml:"TerminationPolicyTypes"`
	}{terminationPolicyTypes}, nil
}
