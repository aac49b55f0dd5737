package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// History item types, as AWS names them.
const (
	historyConfigurationUpdate = "ConfigurationUpdate"
	historyStateUpdate         = "StateUpdate"
	historyAction              = "Action"
)

// cwHistoryRecord is a history item with the sequence number that pages through history.
type cwHistoryRecord struct {
	Seq int64 `json:"seq"`
	cwHistoryItem
}

func (c *cloudWatchState) addHistory(name, itemType string, at time.Time, summary string, data any) {
	c.NextSeq++
	c.History = append(c.History, cwHistoryRecord{Seq: c.NextSeq, cwHistoryItem: cwHistoryItem{
		AlarmName:       name,
		AlarmType:       "MetricAlarm",
		Timestamp:       at,
		HistoryItemType: itemType,
		HistorySummary:  summary,
		HistoryData:     marshalHistoryJSON(data),
	}})
}

// marshalHistoryJSON writes HistoryData and StateReasonData as AWS does, without HTML escaping
// ("OK -> ALARM", not "OK -\u003e ALARM").
func marshalHistoryJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // only maps, strings and finite numbers: cannot happen
		return fmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// addConfigHistory records a create, update or delete: `Alarm "name" created`, with data (the
// change's type and the alarm configurations, see historyJSON) as HistoryData.
func (c *cloudWatchState) addConfigHistory(name string, at time.Time, verb string, data map[string]any) {
	data["version"] = "1.0"
	c.addHistory(name, historyConfigurationUpdate, at, fmt.Sprintf("Alarm %q %s", name, verb), data)
}

// addStateHistory records a state change: "Alarm updated from OK to ALARM".
func (c *cloudWatchState) addStateHistory(a *cwAlarm, newState, newReason, newReasonData string, at time.Time) {
	state := func(value, reason, data string) map[string]any {
		s := map[string]any{"stateValue": value, "stateReason": reason}
		if data != "" && json.Valid([]byte(data)) {
			s["stateReasonData"] = json.RawMessage(data)
		}
		return s
	}
	c.addHistory(a.AlarmName, historyStateUpdate, at, fmt.Sprintf("Alarm updated from %s to %s", a.StateValue, newState), map[string]any{
		"version":  "1.0",
		"oldState": state(a.StateValue, a.StateReason, a.StateReasonData),
		"newState": state(newState, newReason, newReasonData),
	})
}

// addActionHistory records one action the alarm ran and how it went.
func (c *cloudWatchState) addActionHistory(name, arn string, at time.Time, actionErr error) {
	data := map[string]any{"actionState": "Succeeded", "stateUpdateTimestamp": at.UnixMilli(), "notificationResource": arn}
	summary := "Successfully executed action " + arn
	if actionErr != nil {
		data["actionState"] = "Failed"
		data["error"] = actionErr.Error()
		summary = fmt.Sprintf("Failed to execute action %s. Received error: %q", arn, actionErr.Error())
	}
	c.addHistory(name, historyAction, at, summary, data)
}

// historyJSON renders an alarm the way HistoryData embeds it: camelCase members, ISO timestamps.
func historyJSON(alarm cwMetricAlarm) any {
	tree, _ := wire.ToTree(reflect.ValueOf(alarm))
	var convert func(v any) any
	convert = func(v any) any {
		switch v := v.(type) {
		case wire.Struct:
			m := make(map[string]any, len(v))
			for _, f := range v {
				m[lowerFirst(f.Name)] = convert(f.Value)
			}
			return m
		case []any:
			out := make([]any, len(v))
			for i, item := range v {
				out[i] = convert(item)
			}
			return out
		case time.Time:
			return reasonDataTime(v)
		}
		return v
	}
	return convert(tree)
}

func (e *Emulator) describeAlarmHistory(rs *regionState, in *describeAlarmHistoryInput, _ time.Time) (*describeAlarmHistoryOutput, *APIError) {
	var v cwValidator
	v.length("AlarmName", in.AlarmName, 1, 255)
	v.enum("HistoryItemType", in.HistoryItemType, historyConfigurationUpdate, historyStateUpdate, historyAction, "AlarmContributorStateUpdate", "AlarmContributorAction")
	v.enum("ScanBy", in.ScanBy, "TimestampDescending", "TimestampAscending")
	for _, t := range in.AlarmTypes {
		v.enum("AlarmTypes.member", t, "CompositeAlarm", "MetricAlarm")
	}
	v.atLeast("MaxRecords", in.MaxRecords, 1)
	v.atMost("MaxRecords", in.MaxRecords, 100)
	if v.err != nil {
		return nil, v.err
	}

	var matched []cwHistoryRecord
	if len(in.AlarmTypes) == 0 || slices.Contains(in.AlarmTypes, "MetricAlarm") {
		for _, h := range rs.cw.History {
			if historyMatches(h, in) {
				matched = append(matched, h)
			}
		}
	}
	if in.ScanBy != "TimestampAscending" {
		slices.Reverse(matched)
	}
	pageSize := 100
	if in.MaxRecords != nil {
		pageSize = int(*in.MaxRecords)
	}
	page, next, err := paginate(matched, func(h cwHistoryRecord) string { return strconv.FormatInt(h.Seq, 10) }, false, in.NextToken, pageSize)
	if err != nil {
		return nil, err
	}
	out := &describeAlarmHistoryOutput{AlarmHistoryItems: make([]cwHistoryItem, 0, len(page)), NextToken: next}
	for _, h := range page {
		out.AlarmHistoryItems = append(out.AlarmHistoryItems, h.cwHistoryItem)
	}
	return out, nil
}

func historyMatches(h cwHistoryRecord, in *describeAlarmHistoryInput) bool {
	switch {
	case in.AlarmName != "" && h.AlarmName != in.AlarmName:
		return false
	case in.HistoryItemType != "" && h.HistoryItemType != in.HistoryItemType:
		return false
	case in.StartDate != nil && h.Timestamp.Before(*in.StartDate):
		return false
	case in.EndDate != nil && h.Timestamp.After(*in.EndDate):
		return false
	}
	return true
}
