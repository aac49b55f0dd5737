package emulator

import (
	"strings"
	"testing"
	"time"
)

// TestEC2AWSCLI drives the EC2 actions with the two generations of the AWS CLI that TestAWSCLI
// uses (v1 on current botocore, Debian's v2.9.19 with its older bundled botocore): launch
// templates and their versions, a group that launches from one, and the instances and tags EC2
// reports for it.
func TestEC2AWSCLI(t *testing.T) {
	for _, c := range []struct{ name, bin string }{
		{"v1-current-botocore", "/root/.pyenv/shims/aws"},
		{"debian-v2.9.19", "/usr/bin/aws"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // each command is a CLI process start; two at a time halves the wait
			bin := asRequireTool(t, c.bin, "--version")
			emu, url := newASClientServer(t)
			must := func(args ...string) map[string]any {
				t.Helper()
				out, err := awsCLI(t, bin, url, args...)
				if err != nil {
					t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
				}
				return out
			}
			data := `{"ImageId":"ami-0abcdef1234567890","InstanceType":"t3.micro","UserData":"IyEvYmluL3NoCg==",` +
				`"SecurityGroupIds":["sg-0123456789abcdef0"],"MetadataOptions":{"HttpTokens":"required"},` +
				`"BlockDeviceMappings":[{"DeviceName":"/dev/xvda","Ebs":{"VolumeSize":20,"VolumeType":"gp3"}}],` +
				`"TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"role","Value":"web"}]}]}`
			created := must("ec2", "create-launch-template", "--launch-template-name", "web", "--version-description", "first",
				"--launch-template-data", data, "--tag-specifications", `ResourceType=launch-template,Tags=[{Key=owner,Value=default/web}]`)
			lt := created["LaunchTemplate"].(map[string]any)
			id := lt["LaunchTemplateId"].(string)
			if !strings.HasPrefix(id, "lt-") || lt["LatestVersionNumber"] != 1.0 || lt["Tags"].([]any)[0].(map[string]any)["Value"] != "default/web" {
				t.Fatalf("create-launch-template: %v", lt)
			}
			v2 := must("ec2", "create-launch-template-version", "--launch-template-id", id, "--source-version", "1",
				"--version-description", "bigger", "--launch-template-data", `{"InstanceType":"m5.large"}`)["LaunchTemplateVersion"].(map[string]any)
			v2data := v2["LaunchTemplateData"].(map[string]any)
			if v2["VersionNumber"] != 2.0 || v2data["InstanceType"] != "m5.large" || v2data["ImageId"] != "ami-0abcdef1234567890" ||
				v2data["SecurityGroupIds"].([]any)[0] != "sg-0123456789abcdef0" || v2data["BlockDeviceMappings"].([]any)[0].(map[string]any)["Ebs"].(map[string]any)["VolumeSize"] != 20.0 {
				t.Fatalf("create-launch-template-version --source-version: %v", v2)
			}
			// '$Latest' and a number together, a page at a time: the CLI follows NextToken.
			versions := must("ec2", "describe-launch-template-versions", "--launch-template-name", "web", "--versions", "$Latest", "1", "--page-size", "1")["LaunchTemplateVersions"].([]any)
			if len(versions) != 2 || versions[0].(map[string]any)["VersionNumber"] != 2.0 || versions[1].(map[string]any)["DefaultVersion"] != true {
				t.Fatalf("describe-launch-template-versions: %v", versions)
			}
			must("ec2", "modify-launch-template", "--launch-template-id", id, "--default-version", "2")
			templates := must("ec2", "describe-launch-templates", "--filters", "Name=tag:owner,Values=default/*")["LaunchTemplates"].([]any)
			if len(templates) != 1 || templates[0].(map[string]any)["DefaultVersionNumber"] != 2.0 {
				t.Fatalf("describe-launch-templates: %v", templates)
			}

			must("autoscaling", "create-auto-scaling-group", "--auto-scaling-group-name", "web", "--launch-template", "LaunchTemplateName=web,Version=$Latest",
				"--min-size", "1", "--max-size", "3", "--desired-capacity", "2", "--availability-zones", "us-east-1a", "us-east-1b",
				"--tags", "Key=team,Value=web,PropagateAtLaunch=true")
			group := must("autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "web")["AutoScalingGroups"].([]any)[0].(map[string]any)
			if group["LaunchTemplate"].(map[string]any)["LaunchTemplateId"] != id || group["Instances"].([]any)[0].(map[string]any)["LaunchTemplate"].(map[string]any)["Version"] != "2" {
				t.Fatalf("group: %v", group)
			}
			emu.clock.(*ManualClock).Advance(time.Minute)
			reservations := must("ec2", "describe-instances", "--filters", "Name=tag:aws:autoscaling:groupName,Values=web", "Name=instance-state-name,Values=running")["Reservations"].([]any)
			if len(reservations) != 2 {
				t.Fatalf("describe-instances: %v", reservations)
			}
			in := reservations[0].(map[string]any)["Instances"].([]any)[0].(map[string]any)
			tags := map[string]string{}
			for _, tg := range in["Tags"].([]any) {
				tags[tg.(map[string]any)["Key"].(string)] = tg.(map[string]any)["Value"].(string)
			}
			if in["InstanceType"] != "m5.large" || in["State"].(map[string]any)["Name"] != "running" || tags["aws:ec2launchtemplate:version"] != "2" ||
				tags["role"] != "web" || tags["team"] != "web" {
				t.Fatalf("instance: %v", in)
			}
			must("ec2", "create-tags", "--resources", id, "--tags", "Key=env,Value=prod")
			described := must("ec2", "describe-tags", "--filters", "Name=resource-type,Values=launch-template")["Tags"].([]any)
			if len(described) != 2 {
				t.Fatalf("describe-tags: %v", described)
			}

			deleted := must("ec2", "delete-launch-template-versions", "--launch-template-id", id, "--versions", "1", "2")
			ok, failed := deleted["SuccessfullyDeletedLaunchTemplateVersions"].([]any), deleted["UnsuccessfullyDeletedLaunchTemplateVersions"].([]any)
			if len(ok) != 1 || len(failed) != 1 || failed[0].(map[string]any)["ResponseError"].(map[string]any)["Code"] != "unexpectedError" {
				t.Fatalf("delete-launch-template-versions: %v", deleted)
			}
			_, err := awsCLI(t, bin, url, "ec2", "create-launch-template", "--launch-template-name", "web", "--launch-template-data", "{}")
			if err == nil || !strings.Contains(err.Error(), "(InvalidLaunchTemplateName.AlreadyExistsException) when calling the CreateLaunchTemplate operation: Launch template name already in use.") {
				t.Fatalf("duplicate name through the CLI: %v", err)
			}
			must("ec2", "delete-launch-template", "--launch-template-id", id)
			if left := emu.Snapshot().Regions["us-east-1"].LaunchTemplates; len(left) != 0 {
				t.Fatalf("after delete-launch-template: %v", left)
			}
		})
	}
}
