package cloud

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Class says what a controller should do about an error.
type Class int

const (
	// ClassRetryable: a transient failure (throttling, a 5xx, a network error). Retry with backoff.
	ClassRetryable Class = iota
	// ClassWaitAndRequeue: AWS is busy with the resource (a scaling activity, a dependent resource,
	// a quota that frees up as other resources go) or needs a fix outside the spec (credentials).
	// Look again later, at a calm pace, without treating it as a failure of the spec.
	ClassWaitAndRequeue
	// ClassTerminal: AWS rejected the request as invalid or forbidden. Retrying the same request
	// cannot help; report it (Stalled) and wait for the spec to change.
	ClassTerminal
	// ClassAlreadyExists: a create found a same-named resource. Go and look whose it is.
	ClassAlreadyExists
	// ClassNotFound: the resource does not exist. Deletes treat it as success.
	ClassNotFound
)

func (c Class) String() string {
	switch c {
	case ClassRetryable:
		return "Retryable"
	case ClassWaitAndRequeue:
		return "WaitAndRequeue"
	case ClassTerminal:
		return "Terminal"
	case ClassAlreadyExists:
		return "AlreadyExists"
	case ClassNotFound:
		return "NotFound"
	}
	return "Unknown"
}

// Error is an error AWS returned, with the class that decides what to do next. Its message,
// "AWS <Code>: <message>", is meant for conditions and Events as it is.
type Error struct {
	// Op is the API action that failed, for example CreateAutoScalingGroup.
	Op string
	// Code is AWS's error code, for example ValidationError.
	Code string
	// Message is AWS's error message.
	Message string
	// Class says whether to retry.
	Class Class
	// StatusCode is the HTTP status of the response, 0 when unknown.
	StatusCode int
	// Err is the SDK's error.
	Err error
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "AWS " + e.Code
	}
	return "AWS " + e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// errorClasses is the one table that classifies AWS error codes (Auto Scaling's Query codes and
// CloudWatch's). A code not in it is classified by its HTTP status: 5xx is retryable, anything
// else too (with backoff), because wrongly stalling an object is worse than retrying slowly.
var errorClasses = map[string]Class{
	// Throttling and transient service faults. The SDK's standard retryer already retried these
	// (ResourceContention added by us); what reaches a controller is worth another, later try.
	"Throttling":                  ClassRetryable,
	"ThrottlingException":         ClassRetryable,
	"RequestLimitExceeded":        ClassRetryable,
	"RequestThrottled":            ClassRetryable,
	"TooManyRequestsException":    ClassRetryable,
	"InternalFailure":             ClassRetryable,
	"InternalError":               ClassRetryable,
	"InternalServiceFault":        ClassRetryable,
	"InternalServiceError":        ClassRetryable,
	"ServiceUnavailable":          ClassRetryable,
	"ResourceContention":          ClassRetryable,
	"RequestTimeout":              ClassRetryable,
	"RequestTimeoutException":     ClassRetryable,
	"RequestExpired":              ClassRetryable,
	"IDPCommunicationError":       ClassRetryable,
	"ConcurrentModification":      ClassRetryable,
	"ConcurrentModificationFault": ClassRetryable,

	// AWS is working on the resource: deleting a group with an activity running, a launch
	// configuration a group still uses, a group with instances.
	"ScalingActivityInProgress":      ClassWaitAndRequeue,
	"ScalingActivityInProgressFault": ClassWaitAndRequeue,
	"ResourceInUse":                  ClassWaitAndRequeue,
	"ResourceInUseFault":             ClassWaitAndRequeue,
	"InstanceRefreshInProgress":      ClassWaitAndRequeue,
	// A quota: it frees up as other resources are deleted (old launch configuration versions
	// among them), so stalling the object for good would be wrong.
	"LimitExceeded":      ClassWaitAndRequeue,
	"LimitExceededFault": ClassWaitAndRequeue,
	// Credentials are fixed outside the spec; the next look may succeed.
	"ExpiredToken":                ClassWaitAndRequeue,
	"ExpiredTokenException":       ClassWaitAndRequeue,
	"InvalidClientTokenId":        ClassWaitAndRequeue,
	"UnrecognizedClientException": ClassWaitAndRequeue,
	"SignatureDoesNotMatch":       ClassWaitAndRequeue,
	"AuthFailure":                 ClassWaitAndRequeue,
	"MissingAuthenticationToken":  ClassWaitAndRequeue,

	// The request is wrong: only a change of the spec (or of the IAM policy) helps.
	"ValidationError":                ClassTerminal,
	"ValidationException":            ClassTerminal,
	"InvalidParameterValue":          ClassTerminal,
	"InvalidParameterValueException": ClassTerminal,
	"InvalidParameterCombination":    ClassTerminal,
	"InvalidParameter":               ClassTerminal,
	"InvalidParameterInput":          ClassTerminal,
	"MissingParameter":               ClassTerminal,
	"MissingRequiredParameter":       ClassTerminal,
	"InvalidAction":                  ClassTerminal,
	"InvalidQueryParameter":          ClassTerminal,
	"MalformedQueryString":           ClassTerminal,
	"InvalidFormat":                  ClassTerminal,
	"InvalidFormatFault":             ClassTerminal,
	"InvalidNextToken":               ClassTerminal,
	"ServiceLinkedRoleFailure":       ClassTerminal,
	"AccessDenied":                   ClassTerminal,
	"AccessDeniedException":          ClassTerminal,
	"UnauthorizedOperation":          ClassTerminal,
	"OptInRequired":                  ClassTerminal,
	"UnsupportedOperation":           ClassTerminal,
	"UnknownOperationException":      ClassTerminal,

	"AlreadyExists":                  ClassAlreadyExists,
	"AlreadyExistsFault":             ClassAlreadyExists,
	"ResourceAlreadyExistsException": ClassAlreadyExists,

	"ResourceNotFound":          ClassNotFound,
	"ResourceNotFoundException": ClassNotFound,
	"NotFound":                  ClassNotFound,
}

// busyCodes are the wait-and-requeue answers that say AWS is working on the resource and will be
// done soon; the rest of that class (quotas, credentials) needs someone to act first.
var busyCodes = map[string]bool{
	"ScalingActivityInProgress": true, "ScalingActivityInProgressFault": true,
	"ResourceInUse": true, "ResourceInUseFault": true, "InstanceRefreshInProgress": true,
}

// messageRules refine ValidationError, Auto Scaling's catch-all, by the message and the action:
// it says "not found" both for the resource an action is about (NotFound) and for one the request
// merely refers to, such as the launch configuration a group is created with (not NotFound:
// treating that as "the group is gone" would be wrong). The first matching rule wins.
var messageRules = []struct {
	ops     []string // empty: any action
	message *regexp.Regexp
	class   Class
}{
	// The group an action names is gone.
	{nil, regexp.MustCompile(`(?i)AutoScalingGroup name not found|Auto ?Scaling group \S+ (not found|does not exist)`), ClassNotFound},
	// A group refers to a launch configuration that does not exist (yet, or any more).
	{[]string{"CreateAutoScalingGroup", "UpdateAutoScalingGroup"}, regexp.MustCompile(`(?i)launch configuration name not found`), ClassWaitAndRequeue},
	{[]string{"DeleteLaunchConfiguration", "DescribeLaunchConfigurations"}, regexp.MustCompile(`(?i)launch configuration name not found`), ClassNotFound},
	{[]string{"DeletePolicy", "DescribePolicies"}, regexp.MustCompile(`(?i)not found|no (scaling )?policy found|does(n't| not) exist`), ClassNotFound},
}

// classify is the table lookup, refined by messageRules for ValidationError.
func classify(op, code, message string) Class {
	if code == "ValidationError" {
		for _, r := range messageRules {
			if (len(r.ops) == 0 || slices.Contains(r.ops, op)) && r.message.MatchString(message) {
				return r.class
			}
		}
	}
	if c, ok := errorClasses[code]; ok {
		return c
	}
	if strings.HasSuffix(code, "NotFound") || strings.HasSuffix(code, "NotFoundException") {
		return ClassNotFound
	}
	return ClassRetryable
}

// wrapError turns an SDK error into an *Error (keeping the SDK error as its cause); errors that
// carry no AWS error code (network, context) are returned unchanged.
func wrapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err
	}
	status := 0
	var respErr *awshttp.ResponseError
	if errors.As(err, &respErr) {
		status = respErr.HTTPStatusCode()
	}
	code, msg := apiErr.ErrorCode(), apiErr.ErrorMessage()
	return &Error{Op: op, Code: code, Message: msg, Class: classify(op, code, msg), StatusCode: status, Err: err}
}

// ClassOf classifies any error: *Error by its class, an SDK error by its code, anything else
// (network failures, cancelled contexts, exhausted retries without an AWS code) as retryable.
func ClassOf(err error) Class {
	if err == nil {
		return ClassRetryable
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		op := ""
		var opErr *smithy.OperationError
		if errors.As(err, &opErr) {
			op = opErr.Operation()
		}
		return classify(op, apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	return ClassRetryable
}

// ErrorCode returns the AWS error code of err, or "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// IsNotFound reports whether err says the resource does not exist.
func IsNotFound(err error) bool { return err != nil && ClassOf(err) == ClassNotFound }

// IsAlreadyExists reports whether err says a same-named resource exists.
func IsAlreadyExists(err error) bool { return err != nil && ClassOf(err) == ClassAlreadyExists }

// IsTerminal reports whether retrying err unchanged cannot help.
func IsTerminal(err error) bool { return err != nil && ClassOf(err) == ClassTerminal }

// IsWaitAndRequeue reports whether err says AWS is busy with the resource: look again later.
func IsWaitAndRequeue(err error) bool { return err != nil && ClassOf(err) == ClassWaitAndRequeue }

// IsBusy reports whether err says AWS is working on the resource (a scaling activity, a group
// still using it, an instance refresh) and will let go of it soon: worth a quick second look.
func IsBusy(err error) bool { return IsWaitAndRequeue(err) && busyCodes[ErrorCode(err)] }
