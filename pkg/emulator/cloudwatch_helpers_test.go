package emulator

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// cwT0 is where test clocks start: a minute boundary, so periods line up with the test's minutes.
var cwT0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// cwServer is an emulator on a ManualClock behind an httptest server that remembers the protocol
// headers of every request, so tests can prove which protocol a client really spoke.
type cwServer struct {
	*Emulator
	clock *ManualClock
	url   string

	mu       sync.Mutex
	requests []http.Header
}

func newCWServer(t *testing.T) *cwServer {
	t.Helper()
	s := &cwServer{clock: NewManualClock(cwT0)}
	s.Emulator = New(Options{Clock: s.clock})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Header.Clone())
		s.mu.Unlock()
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// seenHeaders returns the headers of every request so far.
func (s *cwServer) seenHeaders() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.requests...)
}

// cwClient is the unmodified SDK client pointed at the emulator. Retries are off so an error
// test sees the first answer.
func (s *cwServer) cwClient() *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.url),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// advance moves the clock by d and runs the simulation up to it.
func (s *cwServer) advance(d time.Duration) {
	s.clock.Advance(d)
	s.Step()
}

// recordAt stores one datapoint as the simulation would (AWS/ namespaces included).
func (s *cwServer) recordAt(namespace, metric string, dims map[string]string, value float64, ts time.Time) {
	s.Emulator.mu.Lock()
	defer s.Emulator.mu.Unlock()
	s.region("us-east-1").cw.record(namespace, metric, dims, value, "Percent", ts)
}

// alarm returns the region's alarm by name, or nil.
func (s *cwServer) alarm(name string) *AlarmSnapshot {
	s.Emulator.mu.Lock()
	defer s.Emulator.mu.Unlock()
	for _, a := range s.region("us-east-1").cw.snapshotAlarms() {
		if a.Name == name {
			return &a
		}
	}
	return nil
}
