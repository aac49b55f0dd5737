"""Drives every CloudWatch action the emulator implements through boto3/botocore, which speaks AWS
JSON 1.0 to CloudWatch. Run by TestCloudWatchBotocoreJSON:

    python3 cw_json.py ENDPOINT_URL EMULATOR_TIME_ISO8601

Exit status 0: every check passed. 3: boto3 is missing or too old to speak JSON to CloudWatch (the
Go test skips, or fails under CI). Anything else: a check failed; the reason is on stderr.
"""

import datetime
import sys

try:
    import boto3
    import botocore.exceptions
except ImportError as e:
    print(f"boto3 is not installed for {sys.executable}: {e}", file=sys.stderr)
    sys.exit(3)

endpoint, now_iso = sys.argv[1], sys.argv[2]
now = datetime.datetime.fromisoformat(now_iso.replace("Z", "+00:00"))
cw = boto3.client(
    "cloudwatch",
    endpoint_url=endpoint,
    region_name="us-west-2",
    aws_access_key_id="AKIDEXAMPLE",
    aws_secret_access_key="secret",
)

protocol = getattr(cw.meta.service_model, "resolved_protocol", cw.meta.service_model.protocol)
if protocol != "json":
    print(f"botocore {botocore.__version__} speaks {protocol!r} to CloudWatch, not 'json'", file=sys.stderr)
    sys.exit(3)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def error_code(call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return type(e).__name__, e.response["Error"]["Code"], e.response["Error"]["Message"]
    raise AssertionError(f"{call.__name__}({kwargs}) succeeded; expected an error")


store = [{"Name": "Store", "Value": "berlin"}]

cw.put_metric_alarm(
    AlarmName="py-orders",
    AlarmDescription="orders spike",
    Namespace="Shop",
    MetricName="Orders",
    Dimensions=store,
    Statistic="Sum",
    Period=60,
    EvaluationPeriods=3,
    DatapointsToAlarm=2,
    Threshold=5,
    ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching",
    AlarmActions=["arn:aws:sns:us-west-2:123456789012:ops"],
    Tags=[{"Key": "team", "Value": "shop"}],
)
for name in ("py-a", "py-b"):
    cw.put_metric_alarm(AlarmName=name, Namespace="Shop", MetricName="Refunds", ExtendedStatistic="p90",
                        Period=300, EvaluationPeriods=1, Threshold=1, ComparisonOperator="LessThanThreshold")

alarm = cw.describe_alarms(AlarmNames=["py-orders"])["MetricAlarms"][0]
check(alarm["AlarmArn"] == "arn:aws:cloudwatch:us-west-2:123456789012:alarm:py-orders", f"AlarmArn {alarm['AlarmArn']}")
check(alarm["StateValue"] == "INSUFFICIENT_DATA", f"StateValue {alarm['StateValue']}")
check(alarm["DatapointsToAlarm"] == 2 and alarm["Threshold"] == 5.0, f"M/threshold {alarm}")
check(alarm["Dimensions"] == store, f"Dimensions {alarm['Dimensions']}")
check(alarm["StateUpdatedTimestamp"] == now, f"StateUpdatedTimestamp {alarm['StateUpdatedTimestamp']} != {now}")

arn = alarm["AlarmArn"]
check(cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "shop"}], "tags from PutMetricAlarm")
cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "owner", "Value": "autoscale-operator"}])
cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
tags = cw.list_tags_for_resource(ResourceARN=arn)["Tags"]
check(tags == [{"Key": "owner", "Value": "autoscale-operator"}], f"tags after TagResource and UntagResource: {tags}")
check(error_code(cw.list_tags_for_resource, ResourceARN=arn + "-gone")[:2] == ("ResourceNotFoundException", "ResourceNotFoundException"),
      "ListTagsForResource on a missing alarm")

names = []
for page in cw.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 1}):
    names += [a["AlarmName"] for a in page["MetricAlarms"]]
check(names == ["py-a", "py-b", "py-orders"], f"paginated names {names}")
p90 = cw.describe_alarms(AlarmNamePrefix="py-a")["MetricAlarms"][0]
check(p90["ExtendedStatistic"] == "p90" and "Statistic" not in p90, f"extended statistic alarm {p90}")

t = now - datetime.timedelta(minutes=5)
cw.put_metric_data(Namespace="Shop", MetricData=[
    {"MetricName": "Orders", "Dimensions": store, "Timestamp": t, "Value": 3, "Unit": "Count"},
    {"MetricName": "Orders", "Dimensions": store, "Timestamp": t + datetime.timedelta(seconds=20),
     "Values": [1, 2, 3], "Counts": [1, 1, 2], "Unit": "Count"},
    {"MetricName": "Orders", "Dimensions": store, "Timestamp": t + datetime.timedelta(minutes=1), "Unit": "Count",
     "StatisticValues": {"SampleCount": 2, "Sum": 10, "Minimum": 4, "Maximum": 6}},
])
# Big enough for botocore to gzip the body (its threshold is 10 KiB).
cw.put_metric_data(Namespace="Shop", MetricData=[
    {"MetricName": "Clicks", "Dimensions": [{"Name": "Button", "Value": f"button-{i:04d}"}], "Timestamp": t, "Value": i}
    for i in range(400)
])

stats = cw.get_metric_statistics(Namespace="Shop", MetricName="Orders", Dimensions=store,
                                 StartTime=t, EndTime=t + datetime.timedelta(minutes=2), Period=60,
                                 Statistics=["Sum", "SampleCount", "Maximum"])
got = [(d["Timestamp"], d["Sum"], d["SampleCount"], d["Maximum"], d["Unit"]) for d in stats["Datapoints"]]
want = [(t, 12.0, 5.0, 3.0, "Count"), (t + datetime.timedelta(minutes=1), 10.0, 2.0, 6.0, "Count")]
check(got == want, f"GetMetricStatistics {got} != {want}")
pct = cw.get_metric_statistics(Namespace="Shop", MetricName="Orders", Dimensions=store,
                               StartTime=t, EndTime=t + datetime.timedelta(minutes=1), Period=60,
                               ExtendedStatistics=["p50"])
check(pct["Datapoints"][0]["ExtendedStatistics"] == {"p50": 3.0}, f"p50 {pct['Datapoints']}")
clicks = cw.get_metric_statistics(Namespace="Shop", MetricName="Clicks", Dimensions=[{"Name": "Button", "Value": "button-0399"}],
                                  StartTime=t, EndTime=t + datetime.timedelta(minutes=1), Period=60, Statistics=["Sum"])
check(clicks["Datapoints"][0]["Sum"] == 399.0, f"gzipped datum {clicks['Datapoints']}")

cw.set_alarm_state(AlarmName="py-orders", StateValue="ALARM", StateReason="drill")
check(cw.describe_alarms(StateValue="ALARM")["MetricAlarms"][0]["StateReason"] == "drill", "SetAlarmState")
cw.disable_alarm_actions(AlarmNames=["py-orders"])
check(cw.describe_alarms(AlarmNames=["py-orders"])["MetricAlarms"][0]["ActionsEnabled"] is False, "DisableAlarmActions")
cw.enable_alarm_actions(AlarmNames=["py-orders"])
check(cw.describe_alarms(AlarmNames=["py-orders"])["MetricAlarms"][0]["ActionsEnabled"] is True, "EnableAlarmActions")

history = cw.describe_alarm_history(AlarmName="py-orders", ScanBy="TimestampAscending")["AlarmHistoryItems"]
summaries = [(h["HistoryItemType"], h["HistorySummary"]) for h in history]
check(summaries[:3] == [
    ("ConfigurationUpdate", 'Alarm "py-orders" created'),
    ("StateUpdate", "Alarm updated from INSUFFICIENT_DATA to ALARM"),
    ("Action", "Successfully executed action arn:aws:sns:us-west-2:123456789012:ops"),
], f"history {summaries}")
check(cw.describe_alarm_history(AlarmName="py-orders", HistoryItemType="Action", MaxRecords=1)["AlarmHistoryItems"][0]["Timestamp"] == now,
      "history timestamp")

check(error_code(cw.set_alarm_state, AlarmName="nope", StateValue="OK", StateReason="x")[:2] == ("ResourceNotFound", "ResourceNotFound"),
      "SetAlarmState on a missing alarm")
check(error_code(cw.put_metric_data, Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1}])[:2]
      == ("InvalidParameterValueException", "InvalidParameterValue"), "AWS/ namespace")
check(error_code(cw.put_metric_data, Namespace="Shop", MetricData=[{"MetricName": "m", "Value": 1, "Values": [1]}])[:2]
      == ("InvalidParameterCombinationException", "InvalidParameterCombination"), "Value with Values")
code = error_code(cw.put_metric_alarm, AlarmName="bad", Namespace="Shop", MetricName="m", Statistic="Sum", Period=45,
                  EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
check(code[1] == "ValidationError" and "multiple of 60" in code[2], f"Period 45: {code}")
check(error_code(cw.describe_alarms, NextToken="!!")[1] == "InvalidNextToken", "bad NextToken")

cw.delete_alarms(AlarmNames=["py-orders", "py-a", "py-b", "never-existed"])
check(cw.describe_alarms()["MetricAlarms"] == [], "alarms left after DeleteAlarms")
print("ok")
