package emulator

import (
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator/wire"
)

// clientTokenTTL is how long EC2 remembers a ClientToken: AWS documents "at least 24 hours".
const clientTokenTTL = 24 * time.Hour

// clientToken is a write made with a ClientToken: a retry with the same token and the same
// parameters gets the first answer again instead of doing the write twice.
type clientToken struct {
	action      string
	fingerprint string
	result      any
	at          time.Time
}

// replay answers a request whose ClientToken was seen before: the recorded result, or
// IdempotentParameterMismatch if the request differs. done is false for a token not seen (or none).
func (s *ec2State) replay(token, action string, q wire.Args, now time.Time) (result any, err *APIError, done bool) {
	rec, ok := s.clientTokens[token]
	if token == "" || !ok || now.Sub(rec.at) >= clientTokenTTL {
		return nil, nil, false
	}
	if rec.action != action || rec.fingerprint != q.Canonical("ClientToken", "DryRun") {
		return nil, senderError("IdempotentParameterMismatch",
			"The client token %s was used with different parameters (or another action) before: retry with the first request's parameters, or use a new token.", truncate(token, 64)), true
	}
	return rec.result, nil, true
}

// remember records a write made with a ClientToken.
func (s *ec2State) remember(token, action string, q wire.Args, now time.Time, result any) {
	if token == "" {
		return
	}
	if s.clientTokens == nil {
		s.clientTokens = map[string]clientToken{}
	}
	s.clientTokens[token] = clientToken{action: action, fingerprint: q.Canonical("ClientToken", "DryRun"), result: result, at: now}
}
