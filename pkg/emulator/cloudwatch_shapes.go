package emulator

import "time"

// The CloudWatch shapes the emulator implements, one Go struct per Smithy shape with the AWS member
// names as field names (the protocol layer depends on that; see wire/tree.go). Members the
// emulator does not implement are left out and ignored when sent, except where ignoring them would
// silently change what the caller asked for (metric math, anomaly detection), which is rejected.

type cwDimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type cwTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type putMetricAlarmInput struct {
	AlarmName                        string
	AlarmDescription                 *string
	ActionsEnabled                   *bool
	OKActions                        []string
	AlarmActions                     []string
	InsufficientDataActions          []string
	MetricName                       string
	Namespace                        string
	Statistic                        string
	ExtendedStatistic                string
	Dimensions                       []cwDimension
	Period                           *int32
	Unit                             string
	EvaluationPeriods                *int32
	DatapointsToAlarm                *int32
	Threshold                        *float64
	ComparisonOperator               string
	TreatMissingData                 string
	EvaluateLowSampleCountPercentile string
	// Metrics and ThresholdMetricId are read only to reject them: metric math and anomaly
	// detection alarms are not emulated.
	Metrics           []struct{ Id string }
	ThresholdMetricId string
	Tags              []cwTag
}

type alarmNamesInput struct {
	AlarmNames []string
}

type describeAlarmsInput struct {
	AlarmNames          []string
	AlarmNamePrefix     string
	AlarmTypes          []string
	ChildrenOfAlarmName string
	ParentsOfAlarmName  string
	StateValue          string
	ActionPrefix        string
	MaxRecords          *int32
	NextToken           string
}

type describeAlarmsOutput struct {
	// CompositeAlarms is present (and always empty) only when AlarmTypes asks for composite alarms.
	CompositeAlarms []struct{}
	MetricAlarms    []cwMetricAlarm
	NextToken       string
}

// cwMetricAlarm is the MetricAlarm shape DescribeAlarms returns.
type cwMetricAlarm struct {
	AlarmName                          string
	AlarmArn                           string
	AlarmDescription                   string
	AlarmConfigurationUpdatedTimestamp time.Time
	ActionsEnabled                     bool
	OKActions                          []string
	AlarmActions                       []string
	InsufficientDataActions            []string
	StateValue                         string
	StateReason                        string
	StateReasonData                    string
	StateUpdatedTimestamp              time.Time
	MetricName                         string
	Namespace                          string
	Statistic                          string
	ExtendedStatistic                  string
	Dimensions                         []cwDimension
	Period                             int32
	Unit                               string
	EvaluationPeriods                  int32
	DatapointsToAlarm                  *int32
	Threshold                          float64
	ComparisonOperator                 string
	TreatMissingData                   string
	EvaluateLowSampleCountPercentile   string
	StateTransitionedTimestamp         time.Time
}

type setAlarmStateInput struct {
	AlarmName       string
	StateValue      string
	StateReason     *string
	StateReasonData string
}

type putMetricDataInput struct {
	Namespace  string
	MetricData []cwMetricDatum
}

type cwMetricDatum struct {
	MetricName        string
	Dimensions        []cwDimension
	Timestamp         *time.Time
	Value             *float64
	StatisticValues   *cwStatisticSet
	Values            []float64
	Counts            []float64
	Unit              string
	StorageResolution *int32
}

type cwStatisticSet struct {
	SampleCount *float64
	Sum         *float64
	Minimum     *float64
	Maximum     *float64
}

type getMetricStatisticsInput struct {
	Namespace          string
	MetricName         string
	Dimensions         []cwDimension
	StartTime          *time.Time
	EndTime            *time.Time
	Period             *int32
	Statistics         []string
	ExtendedStatistics []string
	Unit               string
}

type getMetricStatisticsOutput struct {
	Label      string
	Datapoints []cwDatapoint
}

type cwDatapoint struct {
	Timestamp          time.Time
	SampleCount        *float64
	Average            *float64
	Sum                *float64
	Minimum            *float64
	Maximum            *float64
	Unit               string
	ExtendedStatistics map[string]float64
}

type describeAlarmHistoryInput struct {
	AlarmName       string
	AlarmTypes      []string
	HistoryItemType string
	StartDate       *time.Time
	EndDate         *time.Time
	MaxRecords      *int32
	NextToken       string
	ScanBy          string
}

type describeAlarmHistoryOutput struct {
	AlarmHistoryItems []cwHistoryItem
	NextToken         string
}

// cwHistoryItem is the AlarmHistoryItem shape; the state keeps history in this form too.
type cwHistoryItem struct {
	AlarmName       string    `json:"alarmName"`
	AlarmType       string    `json:"alarmType"`
	Timestamp       time.Time `json:"timestamp"`
	HistoryItemType string    `json:"historyItemType"`
	HistorySummary  string    `json:"historySummary"`
	HistoryData     string    `json:"historyData"`
}

// noOutput is the output of actions that return nothing but request metadata.
type noOutput struct{}
