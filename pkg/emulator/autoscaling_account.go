package emulator

import (
	"time"
)

func (e *Emulator) describeAccountLimits(rs *regionState, _ queryArgs, _ time.Time) (any, *APIError) {
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

func (e *Emulator) describeAdjustmentTypes(*regionState, queryArgs, time.Time) (any, *APIError) {
	type adjustmentType struct {
		AdjustmentType string `xml:"AdjustmentType"`
	}
	return struct {
		AdjustmentTypes xmlList[adjustmentType] `xml:"AdjustmentTypes"`
	}{xmlList[adjustmentType]{{adjustChange}, {adjustExact}, {adjustPercent}}}, nil
}

func (e *Emulator) describeTerminationPolicyTypes(*regionState, queryArgs, time.Time) (any, *APIError) {
	return struct {
		TerminationPolicyTypes xmlList[string] `xml:"TerminationPolicyTypes"`
	}{terminationPolicyTypes}, nil
}
