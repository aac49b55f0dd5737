package emulator

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestEC2Botocore runs the EC2 actions, their paginators and errors through boto3 1.43.
func TestEC2Botocore(t *testing.T) {
	python := asRequireTool(t, "python3", "-c", "import boto3")
	_, url := newASClientServer(t)
	asRunScript(t, python, "ec2_boto3.py", url)
}

// TestEC2DifferentialMoto runs one launch template sequence against moto_server and the emulator
// through the same Go SDK. Response shapes must cover moto's, except where the emulator does not
// model a resource yet (each exception says which); where moto departs from AWS, the test says so
// and checks that the emulator does what AWS does.
func TestEC2DifferentialMoto(t *testing.T) {
	motoURL := startMoto(t)
	env := newASEnv(t, Options{})
	ctx := context.Background()
	moto := struct {
		ec2 *ec2.Client
		as  *autoscaling.Client
	}{ec2Client(motoURL, "us-east-1"), asClient(motoURL, "us-east-1")}
	both := func(name string, call func(*ec2.Client) (any, error)) (any, any) {
		t.Helper()
		e, err := call(env.ec2)
		if err != nil {
			t.Fatalf("emulator %s: %v", name, err)
		}
		m, err := call(moto.ec2)
		if err != nil {
			t.Logf("moto fails %s, which AWS and the emulator answer: %v", name, err)
			return e, nil
		}
		return e, m
	}

	e, m := both("CreateLaunchTemplate", func(c *ec2.Client) (any, error) {
		return c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), VersionDescription: aws.String("first"),
			LaunchTemplateData: ltData("ami-12c6146b"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate,
				Tags: []ec2types.Tag{{Key: aws.String("owner"), Value: aws.String("default/web")}}}}})
	})
	compareShapes(t, "CreateLaunchTemplate", e, m, nil)
	ids := [2]string{aws.ToString(e.(*ec2.CreateLaunchTemplateOutput).LaunchTemplate.LaunchTemplateId)}
	if m != nil {
		ids[1] = aws.ToString(m.(*ec2.CreateLaunchTemplateOutput).LaunchTemplate.LaunchTemplateId)
	}
	client := func(c *ec2.Client) int {
		if c == env.ec2 {
			return 0
		}
		return 1
	}

	e, m = both("CreateLaunchTemplateVersion", func(c *ec2.Client) (any, error) {
		return c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(ids[client(c)]), SourceVersion: aws.String("1"),
			LaunchTemplateData: &ec2types.RequestLaunchTemplateData{InstanceType: ec2types.InstanceTypeM5Large}})
	})
	compareShapes(t, "CreateLaunchTemplateVersion", e, m, nil)
	if m != nil && aws.ToString(m.(*ec2.CreateLaunchTemplateVersionOutput).LaunchTemplateVersion.LaunchTemplateData.ImageId) == "" {
		t.Logf("moto ignores SourceVersion: version 2 inherits nothing from version 1 (AWS: it inherits what it does not set)")
	}
	if got := e.(*ec2.CreateLaunchTemplateVersionOutput).LaunchTemplateVersion.LaunchTemplateData; aws.ToString(got.ImageId) != "ami-12c6146b" {
		t.Errorf("emulator: version 2 from SourceVersion 1 lacks version 1's image: %+v", got)
	}

	e, m = both("DescribeLaunchTemplates", func(c *ec2.Client) (any, error) {
		return c.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{})
	})
	compareShapes(t, "DescribeLaunchTemplates", e, m, nil)
	e, m = both("DescribeLaunchTemplateVersions", func(c *ec2.Client) (any, error) {
		return c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(ids[client(c)])})
	})
	compareShapes(t, "DescribeLaunchTemplateVersions", e, m, nil)
	if m != nil {
		if got := versionNumbers(m.(*ec2.DescribeLaunchTemplateVersionsOutput).LaunchTemplateVersions); !slices.Equal(got, []int64{2, 1}) {
			t.Logf("moto lists versions %v; AWS lists the newest first", got)
		}
	}
	both("ModifyLaunchTemplate", func(c *ec2.Client) (any, error) {
		return c.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(ids[client(c)]), DefaultVersion: aws.String("2")})
	})
	e, m = both("DescribeLaunchTemplateVersions $Default", func(c *ec2.Client) (any, error) {
		return c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(ids[client(c)]), Versions: []string{"$Default"}})
	})
	compareShapes(t, "DescribeLaunchTemplateVersions $Default", e, m, nil)

	// Groups from the template, and the instances EC2 reports for them.
	for i, c := range []*autoscaling.Client{env.as, moto.as} {
		if ids[i] == "" {
			continue
		}
		_, err := c.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
			LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(ids[i]), Version: aws.String("$Latest")},
			MinSize:        aws.Int32(1), MaxSize: aws.Int32(3), DesiredCapacity: aws.Int32(2), AvailabilityZones: []string{"us-east-1a"},
			Tags: []astypes.Tag{{Key: aws.String("team"), Value: aws.String("web"), PropagateAtLaunch: aws.Bool(true)}}})
		if err != nil && i == 0 {
			t.Fatal(err)
		} else if err != nil {
			t.Logf("moto fails CreateAutoScalingGroup from a launch template: %v", err)
		}
	}
	eg, err := env.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if mg, err := moto.as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{}); err == nil {
		compareShapes(t, "DescribeAutoScalingGroups with a launch template", eg, mg, nil)
		if len(mg.AutoScalingGroups) == 1 && len(mg.AutoScalingGroups[0].Instances) > 0 {
			if v := aws.ToString(mg.AutoScalingGroups[0].Instances[0].LaunchTemplate.Version); v != "2" {
				t.Logf("moto reports an instance's template version as %q; AWS reports the number it launched from", v)
			}
		}
	}
	e, m = both("DescribeInstances", func(c *ec2.Client) (any, error) {
		return c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:aws:autoscaling:groupName"), Values: []string{"web"}}}})
	})
	const noVPC = "the emulator does not model VPCs, subnets, network interfaces, IP addresses or security groups yet (issue 18)"
	const noAMI = "the emulator does not model AMIs; these are the image's attributes"
	compareShapes(t, "DescribeInstances", e, m, map[string]string{
		".Reservations[].Instances[].NetworkInterfaces[]*": noVPC, ".Reservations[].Instances[].PrivateIpAddress": noVPC,
		".Reservations[].Instances[].PublicIpAddress": noVPC, ".Reservations[].Instances[].VpcId": noVPC,
		".Reservations[].Instances[].SecurityGroups[]*": noVPC, ".Reservations[].Instances[].PrivateDnsName": noVPC,
		".Reservations[].Instances[].PublicDnsName": noVPC, ".Reservations[].Instances[].SubnetId": noVPC,
		".Reservations[].Instances[].SourceDestCheck": noVPC, ".Reservations[].Groups[]*": noVPC,
		".Reservations[].Instances[].BlockDeviceMappings[]*": "the emulator does not model volumes",
		".Reservations[].Instances[].KernelId":               noAMI, ".Reservations[].Instances[].SriovNetSupport": noAMI,
		".Reservations[].Instances[].EbsOptimized": "the emulator does not report what AWS leaves out unless it is set",
	})
	if er := e.(*ec2.DescribeInstancesOutput).Reservations; len(er) != 2 {
		t.Errorf("emulator: %d instances of the group, want 2", len(er))
	}

	// Errors: the emulator answers as AWS does; where moto does not, say so.
	errs := []struct {
		name string
		call func(*ec2.Client) error
		code string
	}{
		{"duplicate name", func(c *ec2.Client) error {
			_, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateName.AlreadyExistsException"},
		{"unknown name", func(c *ec2.Client) error {
			_, err := c.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateName: aws.String("nope"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateName.NotFoundException"},
		{"unknown id", func(c *ec2.Client) error {
			_, err := c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String("lt-0123456789abcdef0")})
			return err
		}, "InvalidLaunchTemplateId.NotFound"},
		{"unknown version", func(c *ec2.Client) error {
			_, err := c.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(ids[client(c)]), Versions: []string{"7"}})
			return err
		}, "InvalidLaunchTemplateId.VersionNotFound"},
		{"malformed name", func(c *ec2.Client) error {
			_, err := c.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("a b"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
			return err
		}, "InvalidLaunchTemplateName.MalformedException"},
		{"delete versions", func(c *ec2.Client) error {
			_, err := c.DeleteLaunchTemplateVersions(ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(ids[client(c)]), Versions: []string{"1"}})
			return err
		}, ""},
	}
	for _, c := range errs {
		if got := apiCode(c.call(env.ec2)); got != c.code {
			t.Errorf("emulator, %s: error %q, want %q", c.name, got, c.code)
		}
		if err := c.call(moto.ec2); apiCode(err) != c.code || (c.code == "" && err != nil) {
			t.Logf("moto departs from AWS on %s: %v where AWS answers %q", c.name, err, c.code)
		}
	}
	// A group naming a template that does not exist.
	for name, c := range map[string]*autoscaling.Client{"emulator": env.as, "moto": moto.as} {
		_, err := c.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("missing"),
			LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String("nope")},
			MinSize:        aws.Int32(0), MaxSize: aws.Int32(1), AvailabilityZones: []string{"us-east-1a"}})
		switch {
		case name == "emulator" && (apiCode(err) != "ValidationError" || !strings.HasPrefix(err.Error(), "operation error") || !strings.Contains(err.Error(), "You must use a valid fully-formed launch template.")):
			t.Errorf("emulator: a group from a template that does not exist: %v", err)
		case name == "moto" && apiCode(err) != "ValidationError":
			t.Logf("moto departs from AWS on a group from a missing template: %v", err)
		}
	}
}
