package cloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// sdkError builds an error shaped like the SDK's: OperationError → ResponseError → APIError.
func sdkError(op, code, msg string, status int) error {
	return &smithy.OperationError{
		ServiceID:     "Auto Scaling",
		OperationName: op,
		Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{
				Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
				Err:      &smithy.GenericAPIError{Code: code, Message: msg},
			},
		},
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		op, code, msg string
		want          Class
	}{
		{"DescribeAutoScalingGroups", "Throttling", "Rate exceeded", ClassRetryable},
		{"CreateLaunchConfiguration", "RequestLimitExceeded", "", ClassRetryable},
		{"UpdateAutoScalingGroup", "InternalFailure", "", ClassRetryable},
		{"UpdateAutoScalingGroup", "ServiceUnavailable", "", ClassRetryable},
		{"UpdateAutoScalingGroup", "ResourceContention", "You already have a pending update", ClassRetryable},
		{"DeleteAutoScalingGroup", "ScalingActivityInProgress", "You cannot delete", ClassWaitAndRequeue},
		{"DeleteAutoScalingGroup", "ResourceInUse", "instances still in the group", ClassWaitAndRequeue},
		{"DeleteLaunchConfiguration", "ResourceInUse", "attached to AutoScalingGroup g", ClassWaitAndRequeue},
		{"CreateLaunchConfiguration", "LimitExceeded", "quota", ClassWaitAndRequeue},
		{"CreateAutoScalingGroup", "ValidationError", "Max bound, 1, must be greater than or equal to min bound, 2", ClassTerminal},
		{"CreateAutoScalingGroup", "InvalidParameterValue", "", ClassTerminal},
		{"CreateAutoScalingGroup", "InvalidParameterCombination", "", ClassTerminal},
		{"CreateAutoScalingGroup", "MissingParameter", "", ClassTerminal},
		{"CreateAutoScalingGroup", "AccessDenied", "not authorized", ClassTerminal},
		{"CreateAutoScalingGroup", "AlreadyExists", "AutoScalingGroup by this name already exists", ClassAlreadyExists},
		{"CreateLaunchConfiguration", "AlreadyExists", "Launch Configuration by this name already exists", ClassAlreadyExists},
		{"DeleteAlarms", "ResourceNotFound", "", ClassNotFound},
		{"DescribeAlarms", "ResourceNotFoundException", "", ClassNotFound},
		// Auto Scaling says "not found" with a ValidationError; whose resource it is decides.
		{"DeleteAutoScalingGroup", "ValidationError", "AutoScalingGroup name not found - AutoScalingGroup g not found", ClassNotFound},
		{"UpdateAutoScalingGroup", "ValidationError", "AutoScalingGroup name not found - AutoScalingGroup g not found", ClassNotFound},
		{"CreateOrUpdateTags", "ValidationError", "Auto Scaling group g does not exist (tag ResourceId).", ClassNotFound},
		{"DeleteLaunchConfiguration", "ValidationError", "Launch configuration name not found - Launch configuration lc not found", ClassNotFound},
		{"CreateAutoScalingGroup", "ValidationError", "Launch configuration name not found - Launch configuration lc not found", ClassWaitAndRequeue},
		{"UpdateAutoScalingGroup", "ValidationError", "Launch configuration name not found - Launch configuration lc not found", ClassWaitAndRequeue},
		{"CreateAutoScalingGroup", "ValidationError", "The subnet ID 'subnet-1' does not exist", ClassTerminal},
		{"DeletePolicy", "ValidationError", "No scaling policy found for AutoScalingGroup g with name p.", ClassNotFound},
		{"PutScalingPolicy", "ValidationError", "No scaling policy found for AutoScalingGroup g with name p.", ClassTerminal},
		{"X", "SomethingNew", "", ClassRetryable},
		{"X", "FooNotFound", "", ClassNotFound},
		{"X", "ExpiredToken", "", ClassWaitAndRequeue},
	}
	for _, c := range cases {
		t.Run(c.op+"/"+c.code, func(t *testing.T) {
			err := wrapError(c.op, sdkError(c.op, c.code, c.msg, 400))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("wrapError returned %T, want *Error", err)
			}
			if e.Class != c.want {
				t.Errorf("class = %v, want %v", e.Class, c.want)
			}
			if got := ClassOf(err); got != c.want {
				t.Errorf("ClassOf = %v, want %v", got, c.want)
			}
			// ClassOf on the SDK's own error finds the action through OperationError.
			if got := ClassOf(sdkError(c.op, c.code, c.msg, 400)); got != c.want {
				t.Errorf("ClassOf(sdk error) = %v, want %v", got, c.want)
			}
			if e.Code != c.code || e.Op != c.op || e.StatusCode != 400 {
				t.Errorf("error = %+v", e)
			}
		})
	}
}

func TestErrorMessageAndHelpers(t *testing.T) {
	err := wrapError("CreateAutoScalingGroup", sdkError("CreateAutoScalingGroup", "ValidationError", "Max bound, 1, must be greater than or equal to min bound, 2", 400))
	if got, want := err.Error(), "AWS ValidationError: Max bound, 1, must be greater than or equal to min bound, 2"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !IsTerminal(err) || IsNotFound(err) || IsAlreadyExists(err) || ErrorCode(err) != "ValidationError" {
		t.Errorf("helpers disagree on %v", err)
	}
	wrapped := fmt.Errorf("creating group: %w", err)
	if !IsTerminal(wrapped) || ErrorCode(wrapped) != "ValidationError" {
		t.Errorf("helpers do not see through wrapping")
	}
	var smithyErr smithy.APIError
	if !errors.As(err, &smithyErr) {
		t.Errorf("the SDK error is not reachable with errors.As")
	}
	if !IsNotFound(wrapError("DeleteAlarms", sdkError("DeleteAlarms", "ResourceNotFound", "", 404))) {
		t.Errorf("ResourceNotFound is not NotFound")
	}
	if !IsAlreadyExists(wrapError("CreateAutoScalingGroup", sdkError("CreateAutoScalingGroup", "AlreadyExists", "x", 400))) {
		t.Errorf("AlreadyExists is not AlreadyExists")
	}
	if !IsWaitAndRequeue(wrapError("DeleteAutoScalingGroup", sdkError("DeleteAutoScalingGroup", "ScalingActivityInProgress", "x", 400))) {
		t.Errorf("ScalingActivityInProgress is not WaitAndRequeue")
	}
	// Errors without an AWS code pass through unchanged and are retryable.
	plain := errors.New("dial tcp: connection refused")
	if wrapError("X", plain) != plain || ClassOf(plain) != ClassRetryable || ErrorCode(plain) != "" {
		t.Errorf("non-AWS error mishandled")
	}
	if ClassOf(context.DeadlineExceeded) != ClassRetryable {
		t.Errorf("deadline is not retryable")
	}
	if wrapError("X", nil) != nil || IsNotFound(nil) {
		t.Errorf("nil mishandled")
	}
	if (&Error{Code: "Throttling"}).Error() != "AWS Throttling" {
		t.Errorf("message without AWS message")
	}
	for c := ClassRetryable; c <= ClassNotFound; c++ {
		if c.String() == "Unknown" {
			t.Errorf("class %d has no name", c)
		}
	}
}
