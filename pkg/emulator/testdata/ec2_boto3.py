"""Drives the EC2 actions the emulator implements through boto3/botocore.

Run by TestEC2Botocore (ec2_clients_test.go) against an emulator on a manual clock:
    python3 ec2_boto3.py http://127.0.0.1:PORT
Time moves only through the emulator's admin API (POST /_emulator/clock/advance). Prints one line
per failed check and exits 1 if any failed.
"""
import base64
import json
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

URL = sys.argv[1]
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def client(service):
    # total_max_attempts=1: no retries, so an injected throttle reaches the script.
    return boto3.client(
        service, region_name="us-east-1", endpoint_url=URL,
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1}))


def admin(path, body):
    req = urllib.request.Request(URL + "/_emulator/" + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req).read()


def error_of(fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None, None


ec2 = client("ec2")
asg = client("autoscaling")

# Launch template data is sent as is: unlike RunInstances, botocore does not base64 UserData here.
user_data = base64.b64encode(b"#!/bin/sh\necho hi\n").decode()
lt = ec2.create_launch_template(
    LaunchTemplateName="web", VersionDescription="first",
    TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "owner", "Value": "default/web"}]}],
    LaunchTemplateData={
        "ImageId": "ami-0123456789abcdef0", "InstanceType": "t3.small", "UserData": user_data,
        "IamInstanceProfile": {"Arn": "arn:aws:iam::123456789012:instance-profile/web"},
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True, "Groups": ["sg-1", "sg-2"]}],
        "InstanceMarketOptions": {"MarketType": "spot", "SpotOptions": {"MaxPrice": "0.02"}},
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True}}],
        "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
        "Monitoring": {"Enabled": True},
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "role", "Value": "web"}]}],
    })["LaunchTemplate"]
lt_id = lt["LaunchTemplateId"]
check(lt["LaunchTemplateName"] == "web" and lt["DefaultVersionNumber"] == 1 and lt["Tags"] == [{"Key": "owner", "Value": "default/web"}],
      "create_launch_template: %s" % lt)

v1 = ec2.describe_launch_template_versions(LaunchTemplateId=lt_id)["LaunchTemplateVersions"][0]
data = v1["LaunchTemplateData"]
check(data["UserData"] == user_data and data["NetworkInterfaces"][0]["Groups"] == ["sg-1", "sg-2"]
      and data["InstanceMarketOptions"]["SpotOptions"]["MaxPrice"] == "0.02"
      and data["BlockDeviceMappings"][0]["Ebs"] == {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True}
      and data["MetadataOptions"]["HttpTokens"] == "required" and data["MetadataOptions"]["State"] == "applied"
      and data["IamInstanceProfile"] == {"Arn": "arn:aws:iam::123456789012:instance-profile/web"},
      "version 1 data: %s" % data)

for i in range(2, 8):
    ec2.create_launch_template_version(LaunchTemplateName="web", SourceVersion="$Latest", VersionDescription="v%d" % i,
                                       LaunchTemplateData={"InstanceType": "t3.large" if i % 2 else "t3.medium"})
versions = []
for page in ec2.get_paginator("describe_launch_template_versions").paginate(LaunchTemplateId=lt_id, PaginationConfig={"PageSize": 3}):
    versions += [v["VersionNumber"] for v in page["LaunchTemplateVersions"]]
check(versions == [7, 6, 5, 4, 3, 2, 1], "versions through the paginator: %s" % versions)
latest = ec2.describe_launch_template_versions(LaunchTemplateId=lt_id, Versions=["$Latest"])["LaunchTemplateVersions"][0]
check(latest["LaunchTemplateData"]["ImageId"] == "ami-0123456789abcdef0" and latest["LaunchTemplateData"]["InstanceType"] == "t3.large",
      "$Latest inherits through SourceVersion: %s" % latest["LaunchTemplateData"])
ranged = ec2.describe_launch_template_versions(LaunchTemplateId=lt_id, MinVersion="3", MaxVersion="4",
                                                Filters=[{"Name": "instance-type", "Values": ["t3.*"]}])["LaunchTemplateVersions"]
check([v["VersionNumber"] for v in ranged] == [4, 3], "Min/MaxVersion: %s" % ranged)

ec2.modify_launch_template(LaunchTemplateId=lt_id, DefaultVersion="3")
res = ec2.delete_launch_template_versions(LaunchTemplateId=lt_id, Versions=["3", "4", "5"])
check([v["VersionNumber"] for v in res["SuccessfullyDeletedLaunchTemplateVersions"]] == [4, 5]
      and res["UnsuccessfullyDeletedLaunchTemplateVersions"][0]["ResponseError"]["Code"] == "unexpectedError",
      "delete_launch_template_versions: %s" % res)

for i in range(5):
    ec2.create_launch_template(LaunchTemplateName="extra-%d" % i, LaunchTemplateData={"ImageId": "ami-1"})
names = []
for page in ec2.get_paginator("describe_launch_templates").paginate(PaginationConfig={"PageSize": 2}):
    names += [t["LaunchTemplateName"] for t in page["LaunchTemplates"]]
check(names == ["extra-0", "extra-1", "extra-2", "extra-3", "extra-4", "web"], "templates through the paginator: %s" % names)

# Errors, as botocore parses EC2's <Response><Errors> document.
code, msg, status = error_of(ec2.create_launch_template, LaunchTemplateName="web", LaunchTemplateData={})
check((code, msg, status) == ("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.", 400),
      "duplicate name: %s %s %s" % (code, msg, status))
code, _, _ = error_of(ec2.describe_launch_template_versions, LaunchTemplateId=lt_id, Versions=["4"])
check(code == "InvalidLaunchTemplateId.VersionNotFound", "deleted version: %s" % code)
code, _, status = error_of(ec2.describe_launch_templates, DryRun=True)
check((code, status) == ("DryRunOperation", 412), "dry run: %s %s" % (code, status))
admin("faults", {"action": "DescribeLaunchTemplates", "failNext": 1})
code, msg, status = error_of(ec2.describe_launch_templates)
check((code, msg, status) == ("RequestLimitExceeded", "Request limit exceeded.", 503), "throttled: %s %s %s" % (code, msg, status))

# A group from the template, and the instances EC2 reports for it.
asg.create_auto_scaling_group(AutoScalingGroupName="web", LaunchTemplate={"LaunchTemplateId": lt_id, "Version": "$Default"},
                              MinSize=0, MaxSize=10, DesiredCapacity=7, AvailabilityZones=["us-east-1a", "us-east-1b"],
                              Tags=[{"Key": "team", "Value": "web", "PropagateAtLaunch": True}])
group = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][0]
check(group["LaunchTemplate"] == {"LaunchTemplateId": lt_id, "LaunchTemplateName": "web", "Version": "$Default"}
      and {i["LaunchTemplate"]["Version"] for i in group["Instances"]} == {"3"}, "group: %s" % group)
admin("clock/advance", {"seconds": 60})
instances = []
for page in ec2.get_paginator("describe_instances").paginate(
        Filters=[{"Name": "tag:team", "Values": ["web"]}, {"Name": "instance-state-name", "Values": ["running"]}],
        PaginationConfig={"PageSize": 5}):
    for r in page["Reservations"]:
        instances += r["Instances"]
check(len(instances) == 7, "running instances through the paginator: %d" % len(instances))
first = instances[0]
tags = {t["Key"]: t["Value"] for t in first["Tags"]}
check(first["InstanceType"] == "t3.large" and first["ImageId"] == "ami-0123456789abcdef0" and first["State"] == {"Code": 16, "Name": "running"}
      and tags.get("aws:ec2launchtemplate:id") == lt_id and tags.get("aws:ec2launchtemplate:version") == "3" and tags.get("role") == "web",
      "instance: %s" % first)
described = []
for page in ec2.get_paginator("describe_tags").paginate(Filters=[{"Name": "resource-id", "Values": [first["InstanceId"], lt_id]}]):
    described += page["Tags"]
check(len(described) == 6, "describe_tags: %s" % described)

ec2.delete_launch_template(LaunchTemplateId=lt_id)
asg.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=8)
activity = asg.describe_scaling_activities(AutoScalingGroupName="web")["Activities"][0]
check(activity["StatusCode"] == "Failed" and activity["StatusMessage"] ==
      "The specified launch template, with template ID %s, does not exist. Launching EC2 instance failed." % lt_id,
      "launch after the template was deleted: %s" % activity)

print("%d checks, %d failed" % (checks, len(failures)))
sys.exit(1 if failures else 0)
