package emulator

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// ltData is launch template data that sets a field of every kind the emulator models: scalars,
// enums, nested structures, lists of strings and of structures, and the one list whose members
// are named (a network interface's groups).
func ltData(image string) *ec2types.RequestLaunchTemplateData {
	return &ec2types.RequestLaunchTemplateData{
		ImageId: aws.String(image), InstanceType: ec2types.InstanceTypeT3Micro, KeyName: aws.String("ops"),
		UserData:           aws.String("IyEvYmluL3NoCmVjaG8gaGk="),
		IamInstanceProfile: &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String("web-profile")},
		Monitoring:         &ec2types.LaunchTemplatesMonitoringRequest{Enabled: aws.Bool(true)},
		EbsOptimized:       aws.Bool(true),
		NetworkInterfaces: []ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{
			DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(true), Groups: []string{"sg-0123456789abcdef0", "sg-0fedcba9876543210"},
			DeleteOnTermination: aws.Bool(true),
		}},
		InstanceMarketOptions: &ec2types.LaunchTemplateInstanceMarketOptionsRequest{MarketType: ec2types.MarketTypeSpot,
			SpotOptions: &ec2types.LaunchTemplateSpotMarketOptionsRequest{MaxPrice: aws.String("0.05")}},
		Placement: &ec2types.LaunchTemplatePlacementRequest{Tenancy: ec2types.TenancyDedicated},
		BlockDeviceMappings: []ec2types.LaunchTemplateBlockDeviceMappingRequest{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(20), VolumeType: ec2types.VolumeTypeGp3,
				DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(true), Iops: aws.Int32(3000), Throughput: aws.Int32(125)}},
			{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
			{DeviceName: aws.String("/dev/sdc"), NoDevice: aws.String("")},
		},
		MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired,
			HttpPutResponseHopLimit: aws.Int32(2), HttpEndpoint: ec2types.LaunchTemplateInstanceMetadataEndpointStateEnabled},
		TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{{ResourceType: ec2types.ResourceTypeInstance,
			Tags: []ec2types.Tag{{Key: aws.String("role"), Value: aws.String("web")}}}},
		CreditSpecification: &ec2types.CreditSpecificationRequest{CpuCredits: aws.String("unlimited")},
	}
}

// sameData fails unless every member the request set comes back with the same value: request and
// response types differ, but their member names are the same, so their JSON can be compared key
// by key over the request's keys.
func sameData(t *testing.T, sent *ec2types.RequestLaunchTemplateData, got *ec2types.ResponseLaunchTemplateData) {
	t.Helper()
	var a, b any
	ja, _ := json.Marshal(sent)
	jb, _ := json.Marshal(got)
	_ = json.Unmarshal(ja, &a)
	_ = json.Unmarshal(jb, &b)
	if path := firstDifference(a, b, "LaunchTemplateData"); path != "" {
		t.Fatalf("LaunchTemplateData differs at %s:\nsent %s\ngot  %s", path, ja, jb)
	}
}

// firstDifference is the first path where want (a request's JSON) and got differ, considering
// only what want has; "" when none.
func firstDifference(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		for k, v := range w {
			if v == nil {
				continue
			}
			if d := firstDifference(v, g[k], path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, _ := got.([]any)
		if len(g) != len(w) {
			return path + " (length)"
		}
		for i := range w {
			if d := firstDifference(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return path
	}
	return ""
}

func (env *asEnv) mustTemplate(name, image string) *ec2types.LaunchTemplate {
	env.t.Helper()
	out, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(image), InstanceType: ec2types.InstanceTypeT3Micro}})
	if err != nil {
		env.t.Fatalf("CreateLaunchTemplate %s: %v", name, err)
	}
	return out.LaunchTemplate
}

func (env *asEnv) mustVersion(id, image string) int64 {
	env.t.Helper()
	out, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(id),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(image), InstanceType: ec2types.InstanceTypeT3Small}})
	if err != nil {
		env.t.Fatalf("CreateLaunchTemplateVersion %s: %v", id, err)
	}
	return aws.ToInt64(out.LaunchTemplateVersion.VersionNumber)
}

func (env *asEnv) versions(in *ec2.DescribeLaunchTemplateVersionsInput) []ec2types.LaunchTemplateVersion {
	env.t.Helper()
	out, err := env.ec2.DescribeLaunchTemplateVersions(env.ctx, in)
	if err != nil {
		env.t.Fatalf("DescribeLaunchTemplateVersions: %v", err)
	}
	var n []ec2types.LaunchTemplateVersion
	return append(n, out.LaunchTemplateVersions...)
}

func versionNumbers(vs []ec2types.LaunchTemplateVersion) []int64 {
	var out []int64
	for _, v := range vs {
		out = append(out, aws.ToInt64(v.VersionNumber))
	}
	return out
}

// TestEC2LaunchTemplates runs every launch template action through the Go SDK and checks what
// comes back against what AWS documents.
func TestEC2LaunchTemplates(t *testing.T) {
	env := newASEnv(t, Options{})
	data := ltData("ami-0abcdef1234567890")
	created, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("ns/web_(prod).v1"), VersionDescription: aws.String("first"), LaunchTemplateData: data,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate,
			Tags: []ec2types.Tag{{Key: aws.String("autoscale-operator/owner"), Value: aws.String("default/web")}, {Key: aws.String("team"), Value: aws.String("")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lt := created.LaunchTemplate
	id := aws.ToString(lt.LaunchTemplateId)
	if !strings.HasPrefix(id, "lt-0") || len(id) != 20 || aws.ToString(lt.LaunchTemplateName) != "ns/web_(prod).v1" ||
		aws.ToInt64(lt.DefaultVersionNumber) != 1 || aws.ToInt64(lt.LatestVersionNumber) != 1 || !lt.CreateTime.Equal(asStart) ||
		aws.ToString(lt.CreatedBy) != "arn:aws:iam::123456789012:root" || len(lt.Tags) != 2 || aws.ToString(lt.Tags[0].Key) != "autoscale-operator/owner" {
		t.Fatalf("created: %+v", lt)
	}
	v1 := env.versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id)})
	if len(v1) != 1 || !aws.ToBool(v1[0].DefaultVersion) || aws.ToString(v1[0].VersionDescription) != "first" || aws.ToString(v1[0].LaunchTemplateName) != "ns/web_(prod).v1" {
		t.Fatalf("version 1: %+v", v1)
	}
	sameData(t, data, v1[0].LaunchTemplateData)
	if got := v1[0].LaunchTemplateData.MetadataOptions.State; got != ec2types.LaunchTemplateInstanceMetadataOptionsStateApplied {
		t.Errorf("MetadataOptions.State %q, want applied (AWS reports it)", got)
	}

	// SourceVersion: version 2 inherits version 1's data except the members it sends.
	env.clock.Advance(time.Minute)
	v2out, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateName: aws.String("ns/web_(prod).v1"),
		SourceVersion: aws.String("1"), VersionDescription: aws.String("bigger"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{InstanceType: ec2types.InstanceTypeM5Large,
			BlockDeviceMappings: []ec2types.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: aws.String("/dev/xvda"),
				Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(50)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	v2 := v2out.LaunchTemplateVersion
	inherited := *data
	inherited.InstanceType = ec2types.InstanceTypeM5Large
	inherited.BlockDeviceMappings = []ec2types.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: aws.String("/dev/xvda"),
		Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(50)}}}
	if aws.ToInt64(v2.VersionNumber) != 2 || aws.ToBool(v2.DefaultVersion) || !v2.CreateTime.Equal(asStart.Add(time.Minute)) {
		t.Fatalf("version 2: %+v", v2)
	}
	sameData(t, &inherited, v2.LaunchTemplateData)
	env.mustVersion(id, "ami-3")
	env.mustVersion(id, "ami-4")

	// Versions: numbers, aliases, ranges and filters.
	for _, c := range []struct {
		in   ec2.DescribeLaunchTemplateVersionsInput
		want []int64
	}{
		{ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id)}, []int64{4, 3, 2, 1}},
		{ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: []string{"$Latest", "$Default", "2"}}, []int64{4, 2, 1}},
		{ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("ns/web_(prod).v1"), MinVersion: aws.String("2"), MaxVersion: aws.String("3")}, []int64{3, 2}},
		{ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Filters: []ec2types.Filter{{Name: aws.String("instance-type"), Values: []string{"t3.*"}}}}, []int64{4, 3, 1}},
		{ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Filters: []ec2types.Filter{{Name: aws.String("is-default-version"), Values: []string{"true"}}}}, []int64{1}},
		{ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Filters: []ec2types.Filter{{Name: aws.String("image-id"), Values: []string{"ami-3", "ami-4"}}}}, []int64{4, 3}},
		{ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{"$Latest"}}, []int64{4}},
	} {
		if got := versionNumbers(env.versions(&c.in)); !slices.Equal(got, c.want) {
			t.Errorf("DescribeLaunchTemplateVersions %+v: %v, want %v", c.in, got, c.want)
		}
	}

	// ModifyLaunchTemplate moves $Default.
	mod, err := env.ec2.ModifyLaunchTemplate(env.ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(id), DefaultVersion: aws.String("3")})
	if err != nil || aws.ToInt64(mod.LaunchTemplate.DefaultVersionNumber) != 3 || aws.ToInt64(mod.LaunchTemplate.LatestVersionNumber) != 4 {
		t.Fatalf("ModifyLaunchTemplate: %v %+v", err, mod)
	}
	if got := versionNumbers(env.versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: []string{"$Default"}})); !slices.Equal(got, []int64{3}) {
		t.Errorf("$Default after ModifyLaunchTemplate: %v", got)
	}

	// DeleteLaunchTemplateVersions reports each version; the default one stays.
	del, err := env.ec2.DeleteLaunchTemplateVersions(env.ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: []string{"1", "3", "4", "9", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	var deleted []int64
	for _, d := range del.SuccessfullyDeletedLaunchTemplateVersions {
		deleted = append(deleted, aws.ToInt64(d.VersionNumber))
	}
	failed := map[int64]ec2types.LaunchTemplateErrorCode{}
	for _, d := range del.UnsuccessfullyDeletedLaunchTemplateVersions {
		if aws.ToString(d.LaunchTemplateId) != id || aws.ToString(d.ResponseError.Message) == "" {
			t.Errorf("unsuccessful item %+v", d)
		}
		failed[aws.ToInt64(d.VersionNumber)] = d.ResponseError.Code
	}
	if !slices.Equal(deleted, []int64{1, 4}) || len(failed) != 3 || failed[3] != ec2types.LaunchTemplateErrorCodeUnexpectedError ||
		failed[9] != ec2types.LaunchTemplateErrorCodeLaunchTemplateVersionDoesNotExist || failed[0] != ec2types.LaunchTemplateErrorCodeLaunchTemplateVersionDoesNotExist {
		t.Fatalf("deleted %v, not deleted %v", deleted, failed)
	}
	// Numbers are never reused: the next version is 5, though 4 is gone, and $Latest is 5.
	if n := env.mustVersion(id, "ami-5"); n != 5 {
		t.Errorf("next version after deleting 4: %d, want 5", n)
	}
	desc, err := env.ec2.DescribeLaunchTemplates(env.ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{id}})
	if err != nil || len(desc.LaunchTemplates) != 1 || aws.ToInt64(desc.LaunchTemplates[0].LatestVersionNumber) != 5 {
		t.Fatalf("DescribeLaunchTemplates: %v %+v", err, desc)
	}

	// DescribeLaunchTemplates: names, filters (tag:<key>, tag-key, launch-template-name wildcards).
	env.mustTemplate("other", "ami-9")
	for _, c := range []struct {
		in   ec2.DescribeLaunchTemplatesInput
		want []string
	}{
		{ec2.DescribeLaunchTemplatesInput{}, []string{"ns/web_(prod).v1", "other"}},
		{ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"other"}}, []string{"other"}},
		{ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:autoscale-operator/owner"), Values: []string{"default/*"}}}}, []string{"ns/web_(prod).v1"}},
		{ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{"team"}}}}, []string{"ns/web_(prod).v1"}},
		{ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("launch-template-name"), Values: []string{"oth?r", "nope"}}}}, []string{"other"}},
		{ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("launch-template-name"), Values: []string{"ns/*"}},
			{Name: aws.String("tag-key"), Values: []string{"nope"}}}}, nil},
	} {
		out, err := env.ec2.DescribeLaunchTemplates(env.ctx, &c.in)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, lt := range out.LaunchTemplates {
			names = append(names, aws.ToString(lt.LaunchTemplateName))
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("DescribeLaunchTemplates %+v: %v, want %v", c.in, names, c.want)
		}
	}

	gone, err := env.ec2.DeleteLaunchTemplate(env.ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String("other")})
	if err != nil || aws.ToString(gone.LaunchTemplate.LaunchTemplateName) != "other" {
		t.Fatalf("DeleteLaunchTemplate: %v %+v", err, gone)
	}
	_, err = env.ec2.DescribeLaunchTemplates(env.ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"other"}})
	wantAPIError(t, err, "InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist.")
}

// rawEC2 sends a form straight to the emulator, signed for us-east-1, for what no SDK sends, and
// parses the error document of a failure.
func rawEC2(t *testing.T, env *asEnv, params string) (int, wire.EC2ErrorResponse) {
	t.Helper()
	form, err := url.ParseQuery("Version=2016-11-15&" + params)
	if err != nil {
		t.Fatal(err)
	}
	status, body := postQuery(t, env.emu, "us-east-1", form)
	var doc wire.EC2ErrorResponse
	if status != 200 {
		if err := xml.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("not an EC2 error document: %v\n%s", err, body)
		}
	}
	return status, doc
}

func TestEC2Errors(t *testing.T) {
	env := newASEnv(t, Options{})
	lt := env.mustTemplate("web", "ami-1")
	id := aws.ToString(lt.LaunchTemplateId)
	const missingID = "lt-0123456789abcdef0"
	cases := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"name taken", func() error { env.mustTemplate("web", "ami-1"); return nil }, "", ""},
		{"unknown id", func() error {
			_, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(missingID), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID " + missingID + ", does not exist."},
		{"unknown name", func() error {
			_, err := env.ec2.ModifyLaunchTemplate(env.ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateName: aws.String("nope"), DefaultVersion: aws.String("1")})
			return err
		}, "InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name nope, does not exist."},
		{"malformed id", func() error {
			_, err := env.ec2.DeleteLaunchTemplate(env.ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String("web")})
			return err
		}, "InvalidLaunchTemplateId.Malformed", `Invalid id: "web" (expecting "lt-...")`},
		{"malformed name", func() error {
			_, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("a b"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateName.MalformedException", "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _."},
		{"name too long", func() error {
			_, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(strings.Repeat("a", 129)), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateName.MalformedException", ""},
		{"unknown source version", func() error {
			_, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(id), SourceVersion: aws.String("7"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateId.VersionNotFound", ""},
		{"unknown default version", func() error {
			_, err := env.ec2.ModifyLaunchTemplate(env.ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(id), DefaultVersion: aws.String("2")})
			return err
		}, "InvalidLaunchTemplateId.VersionNotFound", ""},
		{"unknown version described", func() error {
			_, err := env.ec2.DescribeLaunchTemplateVersions(env.ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: []string{"1", "2"}})
			return err
		}, "InvalidLaunchTemplateId.VersionNotFound", ""},
		{"id and name", func() error {
			_, err := env.ec2.DeleteLaunchTemplate(env.ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(id), LaunchTemplateName: aws.String("web")})
			return err
		}, "InvalidParameterCombination", ""},
		{"neither id nor name", func() error {
			_, err := env.ec2.DeleteLaunchTemplate(env.ctx, &ec2.DeleteLaunchTemplateInput{})
			return err
		}, "MissingParameter", ""},
		{"wrong tag resource type", func() error {
			_, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("tagged"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{},
				TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}})
			return err
		}, "InvalidParameterValue", "'instance' is not a valid taggable resource type for this operation."},
		{"reserved tag key", func() error {
			_, err := env.ec2.CreateTags(env.ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("aws:cloudformation:stack-name"), Value: aws.String("x")}}})
			return err
		}, "InvalidParameterValue", ""},
		{"user data not base64", func() error {
			_, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(id), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{UserData: aws.String("#!/bin/sh")}})
			return err
		}, "InvalidUserData.Malformed", "The user data you have provided is invalid."},
		{"enum", func() error {
			_, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(id), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
				MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: "sometimes"}}})
			return err
		}, "InvalidParameterValue", ""},
		{"bad filter", func() error {
			_, err := env.ec2.DescribeLaunchTemplates(env.ctx, &ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("colour"), Values: []string{"red"}}}})
			return err
		}, "InvalidParameterValue", ""},
		{"max results", func() error {
			_, err := env.ec2.DescribeInstances(env.ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(2)})
			return err
		}, "InvalidParameterValue", "Value (2) for parameter maxResults is invalid. Expecting a value greater than or equal to 5."},
		{"ids with max results", func() error {
			_, err := env.ec2.DescribeInstances(env.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}, MaxResults: aws.Int32(5)})
			return err
		}, "InvalidParameterCombination", "The parameter instancesSet cannot be used with the parameter maxResults"},
		{"unknown instance", func() error {
			_, err := env.ec2.DescribeInstances(env.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
			return err
		}, "InvalidInstanceID.NotFound", "The instance ID 'i-0123456789abcdef0' does not exist"},
		{"malformed instance", func() error {
			_, err := env.ec2.DescribeInstances(env.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"web-1"}})
			return err
		}, "InvalidInstanceID.Malformed", ""},
		{"bad token", func() error {
			_, err := env.ec2.DescribeLaunchTemplates(env.ctx, &ec2.DescribeLaunchTemplatesInput{NextToken: aws.String("!!")})
			return err
		}, "InvalidPaginationToken", ""},
		{"too many versions to delete", func() error {
			vs := make([]string, 201)
			for i := range vs {
				vs[i] = fmt.Sprint(i + 2)
			}
			_, err := env.ec2.DeleteLaunchTemplateVersions(env.ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(id), Versions: vs})
			return err
		}, "InvalidParameterValue", ""},
		{"dry run", func() error {
			_, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{DryRun: aws.Bool(true), LaunchTemplateName: aws.String("dry"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."},
	}
	_, err := env.ec2.CreateLaunchTemplate(env.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
	wantAPIError(t, err, "InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
	for _, c := range cases[1:] {
		t.Run(c.name, func(t *testing.T) { wantAPIError(t, c.call(), c.code, c.msg) })
	}
	// Nothing the failed calls sent was created.
	if snap := env.emu.Snapshot().Regions["us-east-1"].LaunchTemplates; len(snap) != 1 || len(snap["web"].Versions) != 1 {
		t.Fatalf("after the failed calls: %+v", snap)
	}

	// DeleteLaunchTemplateVersions answers per version even when the template does not exist.
	del, err := env.ec2.DeleteLaunchTemplateVersions(env.ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(missingID), Versions: []string{"2"}})
	if err != nil || len(del.UnsuccessfullyDeletedLaunchTemplateVersions) != 1 ||
		del.UnsuccessfullyDeletedLaunchTemplateVersions[0].ResponseError.Code != ec2types.LaunchTemplateErrorCodeLaunchTemplateIdDoesNotExist {
		t.Fatalf("DeleteLaunchTemplateVersions of a missing template: %v %+v", err, del)
	}

	// What no SDK sends: an unknown parameter, an unknown action, no action.
	for _, c := range []struct{ params, code string }{
		{"Action=DescribeLaunchTemplates&Colour=red", "UnknownParameter"},
		{"Action=CreateLaunchTemplate&LaunchTemplateName=x1y&LaunchTemplateData.InstanceRequirements.VCpuCount.Min=2", "UnknownParameter"},
		{"Action=RunInstances&ImageId=ami-1&MinCount=1&MaxCount=1", "InvalidAction"},
		{"Action=", "MissingAction"},
		{"Action=DescribeLaunchTemplates&LaunchTemplateId.0=lt-1", "InvalidParameterValue"},
	} {
		if status, doc := rawEC2(t, env, c.params); status != 400 || doc.Code != c.code {
			t.Errorf("%s: %d %+v, want 400 %s", c.params, status, doc, c.code)
		}
	}
}

// The DryRun error is a 412, as in AWS, and no retryer retries it.
func TestEC2DryRunStatus(t *testing.T) {
	env := newASEnv(t, Options{})
	status, doc := rawEC2(t, env, "Action=DescribeInstances&DryRun=true")
	if status != http.StatusPreconditionFailed || doc.Code != "DryRunOperation" {
		t.Fatalf("%d %+v", status, doc)
	}
}

// ClientToken makes a create safe to retry: the same token and request get the first answer, a
// different request with the token is refused.
func TestEC2ClientToken(t *testing.T) {
	env := newASEnv(t, Options{})
	lt := env.mustTemplate("web", "ami-1")
	in := &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: lt.LaunchTemplateId, ClientToken: aws.String("default/web@7"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-2")}}
	first, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(time.Hour)
	again, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, in)
	if err != nil || aws.ToInt64(again.LaunchTemplateVersion.VersionNumber) != 2 || !again.LaunchTemplateVersion.CreateTime.Equal(*first.LaunchTemplateVersion.CreateTime) {
		t.Fatalf("retry: %v %+v", err, again)
	}
	if n := versionNumbers(env.versions(&ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: lt.LaunchTemplateId})); !slices.Equal(n, []int64{2, 1}) {
		t.Fatalf("versions after a retried create: %v", n)
	}
	in.LaunchTemplateData.ImageId = aws.String("ami-3")
	_, err = env.ec2.CreateLaunchTemplateVersion(env.ctx, in)
	if apiCode(err) != "IdempotentParameterMismatch" {
		t.Fatalf("same token, other data: %v", err)
	}
	// A day later the token is forgotten and means a new request.
	env.advance(25 * time.Hour)
	if out, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, in); err != nil || aws.ToInt64(out.LaunchTemplateVersion.VersionNumber) != 3 {
		t.Fatalf("after the token expired: %v %+v", err, out)
	}
}

// The 10,000-version cap: the 10,000th version is created, the next is refused.
func TestEC2VersionCap(t *testing.T) {
	env := newASEnv(t, Options{})
	lt := env.mustTemplate("web", "ami-1")
	env.emu.mu.Lock()
	tmpl := env.emu.region("us-east-1").ec2.LaunchTemplates[aws.ToString(lt.LaunchTemplateId)]
	for n := int64(2); n < maxTemplateVersions; n++ {
		tmpl.Versions = append(tmpl.Versions, &launchTemplateVersion{Number: n, Created: asStart})
		tmpl.LastNumber = n
	}
	env.emu.mu.Unlock()
	if n := env.mustVersion(aws.ToString(lt.LaunchTemplateId), "ami-2"); n != maxTemplateVersions {
		t.Fatalf("version %d, want %d", n, maxTemplateVersions)
	}
	_, err := env.ec2.CreateLaunchTemplateVersion(env.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: lt.LaunchTemplateId, LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
	if apiCode(err) != "ResourceLimitExceeded" {
		t.Fatalf("version 10,001: %v", err)
	}
}

// TestEC2Paginators reads every describe through the SDK's paginators, a page of a few at a time.
func TestEC2Paginators(t *testing.T) {
	env := newASEnv(t, Options{LaunchDelay: time.Minute})
	var ids []string
	for i := range 7 {
		ids = append(ids, aws.ToString(env.mustTemplate(fmt.Sprintf("tmpl-%d", i), "ami-1").LaunchTemplateId))
	}
	for range 11 {
		env.mustVersion(ids[3], "ami-2")
	}
	var names []string
	lp := ec2.NewDescribeLaunchTemplatesPaginator(env.ec2, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(2)})
	pages := 0
	for lp.HasMorePages() {
		out, err := lp.NextPage(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, lt := range out.LaunchTemplates {
			names = append(names, aws.ToString(lt.LaunchTemplateName))
		}
	}
	if pages != 4 || !slices.Equal(names, []string{"tmpl-0", "tmpl-1", "tmpl-2", "tmpl-3", "tmpl-4", "tmpl-5", "tmpl-6"}) {
		t.Errorf("templates in %d pages: %v", pages, names)
	}

	var numbers []int64
	vp := ec2.NewDescribeLaunchTemplateVersionsPaginator(env.ec2, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(ids[3]), MaxResults: aws.Int32(5)})
	for vp.HasMorePages() {
		out, err := vp.NextPage(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, versionNumbers(out.LaunchTemplateVersions)...)
	}
	if !slices.Equal(numbers, []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}) {
		t.Errorf("versions: %v", numbers)
	}

	env.mustTemplateGroup("web", ids[0], "$Latest", 12)
	var instances []string
	ip := ec2.NewDescribeInstancesPaginator(env.ec2, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	for ip.HasMorePages() {
		out, err := ip.NextPage(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				instances = append(instances, aws.ToString(in.InstanceId))
			}
		}
	}
	if len(instances) != 12 || !slices.IsSorted(instances) {
		t.Errorf("instances: %v", instances)
	}

	tags := 0
	tp := ec2.NewDescribeTagsPaginator(env.ec2, &ec2.DescribeTagsInput{MaxResults: aws.Int32(5),
		Filters: []ec2types.Filter{{Name: aws.String("resource-type"), Values: []string{"instance"}}}})
	for tp.HasMorePages() {
		out, err := tp.NextPage(env.ctx)
		if err != nil {
			t.Fatal(err)
		}
		tags += len(out.Tags)
	}
	if tags != 12*4 { // aws:autoscaling:groupName, aws:ec2launchtemplate:id and :version, the group's team
		t.Errorf("%d instance tags, want 48", tags)
	}
}

// Injected faults reach EC2 clients as EC2 answers them: RequestLimitExceeded over HTTP 503, which
// the SDK's retryer treats as throttling, so it backs off and tries again.
func TestEC2InjectedFaults(t *testing.T) {
	env := newASEnv(t, Options{})
	env.emu.Faults().Set("DescribeLaunchTemplates", FaultRule{FailNext: 1}) // Throttling, the default
	env.emu.Faults().Set("DescribeInstances", FaultRule{FailNext: 1, Code: "InternalFailure"})
	_, err := env.ec2.DescribeLaunchTemplates(env.ctx, &ec2.DescribeLaunchTemplatesInput{})
	var re interface{ HTTPStatusCode() int }
	if apiCode(err) != "RequestLimitExceeded" || !asError(err, &re) || re.HTTPStatusCode() != 503 {
		t.Fatalf("throttled DescribeLaunchTemplates: %v", err)
	}
	if _, throttle := retry.DefaultThrottleErrorCodes[apiCode(err)]; !throttle {
		t.Errorf("the SDK does not treat %s as throttling", apiCode(err))
	}
	var ae smithy.APIError
	_, err = env.ec2.DescribeInstances(env.ctx, &ec2.DescribeInstancesInput{})
	if !asError(err, &ae) || ae.ErrorCode() != "InternalError" || !asError(err, &re) || re.HTTPStatusCode() != 500 {
		t.Fatalf("failed DescribeInstances: %v", err)
	}
	calls := env.emu.Calls()
	if calls["DescribeLaunchTemplates:RequestLimitExceeded"] != 1 || calls["DescribeInstances:InternalError"] != 1 {
		t.Errorf("counters: %v", calls)
	}

	// With the SDK's standard retryer (no delay, so the test does not wait), a throttle is retried
	// and the call succeeds.
	retrying := ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: aws.String(env.srv.URL), Credentials: env.ec2.Options().Credentials,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})})
	env.emu.Faults().Set("DescribeLaunchTemplates", FaultRule{FailNext: 2})
	if _, err := retrying.DescribeLaunchTemplates(env.ctx, &ec2.DescribeLaunchTemplatesInput{}); err != nil {
		t.Fatalf("retried DescribeLaunchTemplates: %v", err)
	}
	if n := env.emu.Calls()["DescribeLaunchTemplates:RequestLimitExceeded"]; n != 3 {
		t.Errorf("%d throttles counted, want 3", n)
	}
}

func TestEC2Tags(t *testing.T) {
	env := newASEnv(t, Options{})
	a := aws.ToString(env.mustTemplate("a-template", "ami-1").LaunchTemplateId)
	b := aws.ToString(env.mustTemplate("b-template", "ami-1").LaunchTemplateId)
	_, err := env.ec2.CreateTags(env.ctx, &ec2.CreateTagsInput{Resources: []string{a, b},
		Tags: []ec2types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("web")}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = env.ec2.DeleteTags(env.ctx, &ec2.DeleteTagsInput{Resources: []string{a}, Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("api")}, {Key: aws.String("env")}}})
	if err != nil {
		t.Fatal(err)
	}
	describe := func(filters ...ec2types.Filter) []string {
		t.Helper()
		out, err := env.ec2.DescribeTags(env.ctx, &ec2.DescribeTagsInput{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range out.Tags {
			if d.ResourceType != ec2types.ResourceTypeLaunchTemplate {
				t.Errorf("resource type %q", d.ResourceType)
			}
			got = append(got, aws.ToString(d.ResourceId)[:4]+":"+aws.ToString(d.Key)+"="+aws.ToString(d.Value))
		}
		return got
	}
	// team=web stays on a: DeleteTags with a value deletes only a matching tag.
	if got := describe(ec2types.Filter{Name: aws.String("resource-id"), Values: []string{a}}); len(got) != 1 || !strings.HasSuffix(got[0], ":team=web") {
		t.Errorf("a's tags: %v", got)
	}
	if got := describe(ec2types.Filter{Name: aws.String("key"), Values: []string{"env"}}, ec2types.Filter{Name: aws.String("resource-type"), Values: []string{"launch-template"}}); len(got) != 1 {
		t.Errorf("env tags: %v", got)
	}
	out, err := env.ec2.DescribeLaunchTemplates(env.ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{b}})
	if err != nil || len(out.LaunchTemplates[0].Tags) != 2 {
		t.Fatalf("b: %v %+v", err, out)
	}
	// DeleteTags without tags removes them all.
	if _, err := env.ec2.DeleteTags(env.ctx, &ec2.DeleteTagsInput{Resources: []string{b}}); err != nil {
		t.Fatal(err)
	}
	if got := describe(ec2types.Filter{Name: aws.String("resource-id"), Values: []string{b}}); len(got) != 0 {
		t.Errorf("b after deleting all: %v", got)
	}
	_, err = env.ec2.CreateTags(env.ctx, &ec2.CreateTagsInput{Resources: []string{a, "lt-0123456789abcdef0"}, Tags: []ec2types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	wantAPIError(t, err, "InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID lt-0123456789abcdef0, does not exist.")
	_, err = env.ec2.CreateTags(env.ctx, &ec2.CreateTagsInput{Resources: []string{"vol-1"}, Tags: []ec2types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}})
	wantAPIError(t, err, "InvalidID", "The ID 'vol-1' is not valid")
	if got := describe(ec2types.Filter{Name: aws.String("key"), Values: []string{"x"}}); len(got) != 0 {
		t.Errorf("a failed CreateTags tagged something: %v", got)
	}
	many := make([]ec2types.Tag, 50)
	for i := range many {
		many[i] = ec2types.Tag{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}
	}
	_, err = env.ec2.CreateTags(env.ctx, &ec2.CreateTagsInput{Resources: []string{a}, Tags: many})
	wantAPIError(t, err, "TagLimitExceeded", "")
}
