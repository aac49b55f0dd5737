"""The boto2 Auto Scaling tutorial, step by step, against the emulator (Debian's python3-boto).

Run by TestBoto2 (autoscaling_clients_test.go): /usr/bin/python3 autoscaling_boto2.py http://127.0.0.1:PORT
boto2 is the oldest client the emulator supports: its own Query serializer and XML parser, and
CloudWatch through the Query protocol. Time moves through the admin API. Exits 1 on a failed check.
"""
import json
import sys
import urllib.parse
import urllib.request

import boto.ec2.autoscale
import boto.ec2.cloudwatch
from boto.ec2.autoscale import AutoScalingGroup, LaunchConfiguration, ScalingPolicy, Tag
from boto.ec2.cloudwatch import MetricAlarm
from boto.exception import BotoServerError
from boto.regioninfo import RegionInfo

URL = sys.argv[1]
host, port = urllib.parse.urlparse(URL).hostname, urllib.parse.urlparse(URL).port
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def admin(path, body):
    req = urllib.request.Request(URL + "/_emulator/" + path, data=json.dumps(body).encode(), method="POST")
    urllib.request.urlopen(req).read()


def connect(cls):
    return cls(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
               region=RegionInfo(name="us-east-1", endpoint=host), port=port, is_secure=False)


conn = connect(boto.ec2.autoscale.AutoScaleConnection)
cloudwatch = connect(boto.ec2.cloudwatch.CloudWatchConnection)

lc = LaunchConfiguration(name="my-launch_config", image_id="ami-12345678", key_name="my_key_name",
                         security_groups=["my_security_groups"], instance_type="t3.micro")
conn.create_launch_configuration(lc)
got = conn.get_all_launch_configurations(names=["my-launch_config"])
check(len(got) == 1 and got[0].image_id == "ami-12345678" and got[0].instance_type == "t3.micro", "launch configuration: %r" % got)

ag = AutoScalingGroup(group_name="my_group", load_balancers=["my-lb"], availability_zones=["us-east-1a", "us-east-1b"],
                      launch_config=lc, min_size=2, max_size=8, connection=conn,
                      tags=[Tag(key="team", value="web", propagate_at_launch=True, resource_id="my_group")])
conn.create_auto_scaling_group(ag)
groups = conn.get_all_groups(names=["my_group"])
check(len(groups) == 1 and groups[0].desired_capacity == 2 and len(groups[0].instances) == 2, "group: %r" % groups)
check(groups[0].instances[0].lifecycle_state == "Pending", "pending: %r" % groups[0].instances[0].lifecycle_state)
check([lb for lb in groups[0].load_balancers] == ["my-lb"], "load balancers: %r" % groups[0].load_balancers)
check(groups[0].tags[0].key == "team" and groups[0].tags[0].value == "web", "tags: %r" % groups[0].tags)
admin("clock/advance", {"seconds": 60})
check([i.lifecycle_state for i in conn.get_all_autoscaling_instances()] == ["InService", "InService"], "in service")

activities = ag.get_activities()
check(len(activities) == 2 and activities[0].status_code == "Successful", "activities: %r" % activities)
check("a user request created an AutoScalingGroup changing the desired capacity from 0 to 2." in activities[0].cause, "cause: %r" % activities[0].cause)

scale_up = ScalingPolicy(name="scale_up", adjustment_type="ChangeInCapacity", as_name="my_group", scaling_adjustment=1, cooldown=180)
scale_down = ScalingPolicy(name="scale_down", adjustment_type="ChangeInCapacity", as_name="my_group", scaling_adjustment=-1, cooldown=180)
conn.create_scaling_policy(scale_up)
conn.create_scaling_policy(scale_down)
scale_up = conn.get_all_policies(as_group="my_group", policy_names=["scale_up"])[0]
check(scale_up.policy_arn.endswith(":autoScalingGroupName/my_group:policyName/scale_up"), "policy ARN: %r" % scale_up.policy_arn)

alarm = MetricAlarm(name="scale_up_on_cpu", namespace="AWS/EC2", metric="CPUUtilization", statistic="Average",
                    comparison=">", threshold="70", period="60", evaluation_periods=2,
                    alarm_actions=[scale_up.policy_arn], dimensions={"AutoScalingGroupName": "my_group"})
cloudwatch.create_alarm(alarm)
check([a.name for a in cloudwatch.describe_alarms()] == ["scale_up_on_cpu"], "alarm created")

admin("load", {"group": "my_group", "cpu": 90})
admin("clock/advance", {"seconds": 180})
g = conn.get_all_groups(names=["my_group"])[0]
check(g.desired_capacity == 3, "alarm scaled the group up: desired %r" % g.desired_capacity)
check("a monitor alarm scale_up_on_cpu in state ALARM triggered policy scale_up changing the desired capacity from 2 to 3." in g.get_activities()[0].cause, "alarm cause: %r" % g.get_activities()[0].cause)

conn.execute_policy("scale_down", as_group="my_group", honor_cooldown=False)
check(conn.get_all_groups(names=["my_group"])[0].desired_capacity == 2, "scale_down executed")
try:
    conn.execute_policy("scale_down", as_group="my_group", honor_cooldown=True)
    check(False, "honor cooldown should fail while scaling")
except BotoServerError as e:
    check(e.error_code == "ScalingActivityInProgress" and e.status == 400, "honor cooldown: %s %s" % (e.status, e.error_code))

conn.suspend_processes("my_group", ["AlarmNotification"])
check([p.process_name for p in conn.get_all_groups(names=["my_group"])[0].suspended_processes] == ["AlarmNotification"], "suspended")
conn.resume_processes("my_group")

try:
    conn.create_auto_scaling_group(AutoScalingGroup(group_name="my_group", availability_zones=["us-east-1a"], launch_config=lc, min_size=1, max_size=1, connection=conn))
    check(False, "duplicate group should fail")
except BotoServerError as e:
    check(e.error_code == "AlreadyExists" and e.message == "AutoScalingGroup by this name already exists - A group with the name my_group already exists", "duplicate: %s %s" % (e.error_code, e.message))

ag.shutdown_instances()
admin("clock/advance", {"seconds": 60})
check(conn.get_all_groups(names=["my_group"])[0].instances == [], "shut down")
ag.delete()
check(conn.get_all_groups(names=["my_group"]) == [], "deleted")
cloudwatch.delete_alarms(["scale_up_on_cpu"])
conn.delete_launch_configuration("my-launch_config")
check(conn.get_all_launch_configurations() == [], "launch configuration deleted")

print("checks: %d ok, %d failing" % (checks - len(failures), len(failures)))
sys.exit(1 if failures else 0)
