"""Drives every Auto Scaling action the emulator implements through boto3/botocore.

Run by TestBotocore (autoscaling_clients_test.go) against an emulator on a manual clock:
    python3 autoscaling_boto3.py http://127.0.0.1:PORT
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


def client(region="us-east-1"):
    return boto3.client(
        "autoscaling", region_name=region, endpoint_url=URL,
        aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}))


def advance(seconds):
    req = urllib.request.Request(URL + "/_emulator/clock/advance", data=json.dumps({"seconds": seconds}).encode(), method="POST")
    urllib.request.urlopen(req).read()


def error_of(fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None, None


asg = client()

# Launch configurations: every field round-trips; botocore base64-encodes UserData itself.
asg.create_launch_configuration(
    LaunchConfigurationName="lc", ImageId="ami-0123456789abcdef0", InstanceType="t3.small",
    KeyName="ops", SecurityGroups=["sg-1"], UserData="#!/bin/sh\necho hi\n",
    InstanceMonitoring={"Enabled": False}, EbsOptimized=True,
    BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True}}],
    MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"})
for i in range(3):
    asg.create_launch_configuration(LaunchConfigurationName="lc-%d" % i, ImageId="ami-1", InstanceType="t3.micro")
lc = asg.describe_launch_configurations(LaunchConfigurationNames=["lc"])["LaunchConfigurations"][0]
check(lc["UserData"] == base64.b64encode(b"#!/bin/sh\necho hi\n").decode(), "UserData round-trips base64: %r" % lc["UserData"])
check(lc["BlockDeviceMappings"][0]["Ebs"] == {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True}, "Ebs: %r" % lc["BlockDeviceMappings"])
check(lc["MetadataOptions"] == {"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"}, "MetadataOptions: %r" % lc.get("MetadataOptions"))
check(lc["InstanceMonitoring"] == {"Enabled": False} and lc["EbsOptimized"] is True, "monitoring/ebs: %r" % lc)
check(lc["LaunchConfigurationARN"].startswith("arn:aws:autoscaling:us-east-1:123456789012:launchConfiguration:"), "LC ARN")
names = [l["LaunchConfigurationName"] for page in asg.get_paginator("describe_launch_configurations").paginate(PaginationConfig={"PageSize": 2}) for l in page["LaunchConfigurations"]]
check(names == ["lc", "lc-0", "lc-1", "lc-2"], "LC paginator: %r" % names)
code, msg, status = error_of(asg.create_launch_configuration, LaunchConfigurationName="lc", ImageId="ami-1", InstanceType="t3.micro")
check((code, status) == ("AlreadyExists", 400), "duplicate LC: %r %r" % (code, msg))

# Groups.
asg.create_auto_scaling_group(
    AutoScalingGroupName="web", LaunchConfigurationName="lc", MinSize=1, MaxSize=6, DesiredCapacity=3,
    VPCZoneIdentifier="subnet-0aa11111,subnet-0bb22222", HealthCheckGracePeriod=0,
    Tags=[{"Key": "team", "Value": "web", "PropagateAtLaunch": True}])
g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][0]
check([i["LifecycleState"] for i in g["Instances"]] == ["Pending"] * 3, "pending after create: %r" % g["Instances"])
check(g["Tags"][0]["ResourceType"] == "auto-scaling-group" and g["Tags"][0]["PropagateAtLaunch"] is True, "tags: %r" % g["Tags"])
check(g["VPCZoneIdentifier"] == "subnet-0aa11111,subnet-0bb22222" and g["HealthCheckType"] == "EC2" and g["DefaultCooldown"] == 300, "group fields: %r" % g)
check(g["LoadBalancerNames"] == [] and g["SuspendedProcesses"] == [] and g["EnabledMetrics"] == [], "empty lists present: %r" % g)
advance(60)
g = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][0]
check([i["LifecycleState"] for i in g["Instances"]] == ["InService"] * 3, "in service: %r" % g["Instances"])
code, msg, status = error_of(asg.create_auto_scaling_group, AutoScalingGroupName="bad", LaunchConfigurationName="lc", MinSize=1, MaxSize=4, DesiredCapacity=5, AvailabilityZones=["us-east-1a"])
check((code, msg, status) == ("ValidationError", "Desired capacity:5 must be between the specified min size:1 and max size:4", 400), "desired error: %r %r" % (code, msg))
code, msg, _ = error_of(asg.delete_launch_configuration, LaunchConfigurationName="lc")
check(code == "ResourceInUse", "LC in use: %r" % code)
for i in range(4):
    asg.create_auto_scaling_group(AutoScalingGroupName="z-%d" % i, LaunchConfigurationName="lc-0", MinSize=0, MaxSize=1, AvailabilityZones=["us-east-1c"])
names = [x["AutoScalingGroupName"] for page in asg.get_paginator("describe_auto_scaling_groups").paginate(PaginationConfig={"PageSize": 2}) for x in page["AutoScalingGroups"]]
check(names == ["web", "z-0", "z-1", "z-2", "z-3"], "group paginator: %r" % names)
filtered = asg.describe_auto_scaling_groups(Filters=[{"Name": "tag:team", "Values": ["web"]}])["AutoScalingGroups"]
check([x["AutoScalingGroupName"] for x in filtered] == ["web"], "tag filter: %r" % filtered)
asg.update_auto_scaling_group(AutoScalingGroupName="web", MaxSize=8, TerminationPolicies=["OldestInstance"], NewInstancesProtectedFromScaleIn=False)

# Desired capacity, cooldown and activities.
asg.set_desired_capacity(AutoScalingGroupName="web", DesiredCapacity=4)
code, _, _ = error_of(asg.set_desired_capacity, AutoScalingGroupName="web", DesiredCapacity=5, HonorCooldown=True)
check(code == "ScalingActivityInProgress", "honor cooldown: %r" % code)
acts = [a for page in asg.get_paginator("describe_scaling_activities").paginate(AutoScalingGroupName="web", PaginationConfig={"PageSize": 2}) for a in page["Activities"]]
check(len(acts) == 4, "activities: %d" % len(acts))
check(acts[0]["Cause"].startswith("At 2026-11-26T10:01:00Z a user request explicitly set group desired capacity changing the desired capacity from 3 to 4.  At 2026-11-26T10:01:00Z an instance was started"), "cause: %r" % acts[0]["Cause"])
check(acts[0]["StatusCode"] == "InProgress" and acts[-1]["StatusCode"] == "Successful" and acts[-1]["Progress"] == 100, "status codes: %r" % [a["StatusCode"] for a in acts])
check(json.loads(acts[0]["Details"])["Availability Zone"].startswith("us-east-1"), "details: %r" % acts[0]["Details"])
one = asg.describe_scaling_activities(ActivityIds=[acts[1]["ActivityId"]])["Activities"]
check(len(one) == 1 and one[0]["ActivityId"] == acts[1]["ActivityId"], "by activity id")
advance(60)

# Instances.
inst = asg.describe_auto_scaling_instances()["AutoScalingInstances"]
check(len(inst) == 4 and all(i["AutoScalingGroupName"] == "web" and i["HealthStatus"] == "HEALTHY" for i in inst), "instances: %r" % inst)
victim = inst[0]["InstanceId"]
asg.set_instance_protection(AutoScalingGroupName="web", InstanceIds=[victim], ProtectedFromScaleIn=True)
check(asg.describe_auto_scaling_instances(InstanceIds=[victim])["AutoScalingInstances"][0]["ProtectedFromScaleIn"] is True, "protection")
act = asg.terminate_instance_in_auto_scaling_group(InstanceId=victim, ShouldDecrementDesiredCapacity=True)["Activity"]
check(act["Description"] == "Terminating EC2 instance: " + victim and "shrinking the capacity from 4 to 3" in act["Cause"], "terminate activity: %r" % act)
other = inst[1]["InstanceId"]
asg.set_instance_health(InstanceId=other, HealthStatus="Unhealthy", ShouldRespectGracePeriod=False)
check(asg.describe_scaling_activities(AutoScalingGroupName="web", MaxRecords=2)["Activities"][1]["Cause"].endswith("an instance was taken out of service in response to a user health-check."), "health replacement")

# Policies.
simple = asg.put_scaling_policy(AutoScalingGroupName="web", PolicyName="up", AdjustmentType="PercentChangeInCapacity", ScalingAdjustment=40, MinAdjustmentMagnitude=2, Cooldown=60)
check(simple["PolicyARN"].endswith(":autoScalingGroupName/web:policyName/up") and simple["Alarms"] == [], "put simple: %r" % simple)
asg.put_scaling_policy(AutoScalingGroupName="web", PolicyName="steps", PolicyType="StepScaling", AdjustmentType="ChangeInCapacity",
                       StepAdjustments=[{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
                                        {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2}])
asg.put_scaling_policy(AutoScalingGroupName="web", PolicyName="track", PolicyType="TargetTrackingScaling",
                       TargetTrackingConfiguration={"TargetValue": 40.0, "CustomizedMetricSpecification": {
                           "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
                           "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "web"}]}})
pols = [p for page in asg.get_paginator("describe_policies").paginate(AutoScalingGroupName="web", PaginationConfig={"PageSize": 1}) for p in page["ScalingPolicies"]]
check([p["PolicyName"] for p in pols] == ["steps", "track", "up"], "policies: %r" % [p["PolicyName"] for p in pols])
check(pols[1]["TargetTrackingConfiguration"]["CustomizedMetricSpecification"]["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "web"}], "tt: %r" % pols[1])
check(pols[0]["StepAdjustments"][1] == {"MetricIntervalLowerBound": 10.0, "ScalingAdjustment": 2} and pols[0]["MetricAggregationType"] == "Average", "steps: %r" % pols[0])
before = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][0]["DesiredCapacity"]
asg.execute_policy(AutoScalingGroupName="web", PolicyName="up")
after = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][0]["DesiredCapacity"]
check(after == before + 2, "percent policy with MinAdjustmentMagnitude 2: %d -> %d" % (before, after))
asg.execute_policy(AutoScalingGroupName="web", PolicyName="steps", MetricValue=95, BreachThreshold=80)
check(asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][0]["DesiredCapacity"] == after + 2, "step policy +2")
asg.delete_policy(AutoScalingGroupName="web", PolicyName="track")
check(len(asg.describe_policies(AutoScalingGroupName="web", PolicyTypes=["TargetTrackingScaling"])["ScalingPolicies"]) == 0, "deleted policy")

# Tags.
asg.create_or_update_tags(Tags=[{"ResourceId": "web", "ResourceType": "auto-scaling-group", "Key": "env", "Value": "prod", "PropagateAtLaunch": False}])
tags = [t for page in asg.get_paginator("describe_tags").paginate(Filters=[{"Name": "auto-scaling-group", "Values": ["web"]}], PaginationConfig={"PageSize": 1}) for t in page["Tags"]]
check([(t["Key"], t["Value"]) for t in tags] == [("env", "prod"), ("team", "web")], "tags: %r" % tags)
asg.delete_tags(Tags=[{"ResourceId": "web", "ResourceType": "auto-scaling-group", "Key": "env"}])
check(len(asg.describe_tags(Filters=[{"Name": "key", "Values": ["env"]}])["Tags"]) == 0, "deleted tag")

# Processes.
asg.suspend_processes(AutoScalingGroupName="web", ScalingProcesses=["AZRebalance", "AlarmNotification"])
sp = asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"][0]["SuspendedProcesses"]
check(sorted(p["ProcessName"] for p in sp) == ["AZRebalance", "AlarmNotification"], "suspended: %r" % sp)
asg.resume_processes(AutoScalingGroupName="web")
check(len(asg.describe_scaling_process_types()["Processes"]) == 9, "process types")
code, msg, _ = error_of(asg.suspend_processes, AutoScalingGroupName="web", ScalingProcesses=["Nap"])
check(code == "ValidationError" and "Nap" in msg, "bad process: %r" % msg)

# Load balancers and target groups.
asg.attach_load_balancers(AutoScalingGroupName="web", LoadBalancerNames=["clb"])
asg.attach_load_balancer_target_groups(AutoScalingGroupName="web", TargetGroupARNs=["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1"])
check(asg.describe_load_balancers(AutoScalingGroupName="web")["LoadBalancers"] == [{"LoadBalancerName": "clb", "State": "Adding"}], "lb adding")
advance(10)
check(asg.describe_load_balancer_target_groups(AutoScalingGroupName="web")["LoadBalancerTargetGroups"][0]["State"] == "Added", "tg added")
asg.detach_load_balancers(AutoScalingGroupName="web", LoadBalancerNames=["clb"])
asg.detach_load_balancer_target_groups(AutoScalingGroupName="web", TargetGroupARNs=["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/1"])
advance(10)
check(asg.describe_load_balancers(AutoScalingGroupName="web")["LoadBalancers"] == [], "lb detached")

# Instance refresh.
advance(120)
rid = asg.start_instance_refresh(AutoScalingGroupName="web", Preferences={"MinHealthyPercentage": 50, "InstanceWarmup": 0})["InstanceRefreshId"]
r = asg.describe_instance_refreshes(AutoScalingGroupName="web")["InstanceRefreshes"][0]
check(r["InstanceRefreshId"] == rid and r["Status"] == "Pending" and r["PercentageComplete"] == 0, "refresh pending: %r" % r)
code, _, _ = error_of(asg.start_instance_refresh, AutoScalingGroupName="web")
check(code == "InstanceRefreshInProgress", "second refresh: %r" % code)
advance(900)
r = asg.describe_instance_refreshes(AutoScalingGroupName="web", InstanceRefreshIds=[rid])["InstanceRefreshes"][0]
check(r["Status"] == "Successful" and r["PercentageComplete"] == 100 and "EndTime" in r, "refresh done: %r" % r)
code, _, _ = error_of(asg.cancel_instance_refresh, AutoScalingGroupName="web")
check(code == "ActiveInstanceRefreshNotFound", "cancel without refresh: %r" % code)

# Account-wide.
limits = asg.describe_account_limits()
check(limits["MaxNumberOfAutoScalingGroups"] == 500 and limits["NumberOfAutoScalingGroups"] == 5 and limits["NumberOfLaunchConfigurations"] == 4, "limits: %r" % limits)
check([a["AdjustmentType"] for a in asg.describe_adjustment_types()["AdjustmentTypes"]] == ["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"], "adjustment types")
check("Default" in asg.describe_termination_policy_types()["TerminationPolicyTypes"], "termination policy types")

# Another region sees nothing of this one.
check(client("eu-central-1").describe_auto_scaling_groups()["AutoScalingGroups"] == [], "region isolation")

# Deleting.
code, msg, _ = error_of(asg.delete_auto_scaling_group, AutoScalingGroupName="web")
check(code in ("ResourceInUse", "ScalingActivityInProgress"), "delete with instances: %r" % code)
asg.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
advance(60)
check(asg.describe_auto_scaling_groups(AutoScalingGroupNames=["web"])["AutoScalingGroups"] == [], "force deleted")
asg.delete_launch_configuration(LaunchConfigurationName="lc")

print("checks: %d ok, %d failing" % (checks - len(failures), len(failures)))
sys.exit(1 if failures else 0)
