package emulator

import (
	"net/http"
	"net/url"
	"reflect"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// serveCloudWatchQuery answers an AWS Query request (Version=2010-08-01), what older clients send:
// Debian's AWS CLI 2.9, boto 2, the AWS SDK for Go v1. Called with e.mu held.
func (e *Emulator) serveCloudWatchQuery(w http.ResponseWriter, _ *http.Request, rs *regionState, action string, form url.Values) {
	out, err := e.callCloudWatch(rs, wire.Query, action, func(in any) *APIError {
		q := wire.QueryArgs(form)
		wire.FromForm(reflect.ValueOf(in).Elem(), q)
		return q.Err()
	})
	if err != nil {
		wire.WriteQueryError(w, cloudWatchXMLNS, err)
		return
	}
	var result any
	if s, ok := out.(wire.Struct); ok && len(s) > 0 {
		result = wire.XMLTree{Struct: s}
	}
	wire.WriteQueryResult(w, cloudWatchXMLNS, action, result)
}
