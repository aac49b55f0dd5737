// Command autoscale-emulator serves the emulated AWS Auto Scaling, CloudWatch and EC2 (launch
// templates, instances) APIs over HTTP, for running the operator, the AWS CLI or any SDK against it:
//
//	autoscale-emulator --addr 127.0.0.1:4566 --launch-delay 30s --time-scale 10
//	aws --endpoint-url http://127.0.0.1:4566 autoscaling describe-auto-scaling-groups
//
// The region of each request is the one it is signed for. The emulator's control API lives
// under /_emulator/ (see package emulator).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/autoscale-operator/autoscale-operator/pkg/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "autoscale-emulator:", err)
		os.Exit(1)
	}
}

// run parses args, serves until ctx is done, then shuts down gracefully: in-flight requests
// finish and the state file (if any) is written one last time.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("autoscale-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:4566", "address to listen on; the default is loopback only, and port 0 picks a free port")
	launchDelay := fs.Duration("launch-delay", 30*time.Second, "how long launched instances stay Pending before they are InService (emulated time)")
	terminationDelay := fs.Duration("termination-delay", 10*time.Second, "how long terminating instances stay in their group (emulated time)")
	region := fs.String("region", "us-east-1", "region for requests whose signature names none (SigV2, unsigned)")
	timeScale := fs.Float64("time-scale", 1, "how much faster than real time the emulated clock runs (10 makes a 5-minute alarm period pass in 30 s)")
	stateFile := fs.String("state-file", "", "JSON file to load at start and keep saved (empty: keep everything in memory)")
	accountID := fs.String("account-id", "123456789012", "AWS account id in ARNs")
	maxGroups := fs.Int("max-groups", emulator.DefaultLimits.MaxNumberOfAutoScalingGroups, "account limit on Auto Scaling groups per region")
	maxLCs := fs.Int("max-launch-configurations", emulator.DefaultLimits.MaxNumberOfLaunchConfigurations, "account limit on launch configurations per region")
	maxInstances := fs.Int("max-instances", emulator.DefaultLimits.MaxInstances, "instances per region before launches fail for lack of capacity")
	denyLCs := fs.Bool("deny-launch-configurations", false, "act as an AWS account created since 2024-10-01: CreateLaunchConfiguration fails with UnsupportedOperation (the admin API's /_emulator/account changes it while running)")
	verbose := fs.Bool("v", false, "log every API error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q: all options are flags (see -h)", fs.Args())
	}
	if *timeScale <= 0 {
		return fmt.Errorf("--time-scale must be positive, got %v", *timeScale)
	}

	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	opts := emulator.Options{
		LaunchDelay:              *launchDelay,
		TerminationDelay:         *terminationDelay,
		DefaultRegion:            *region,
		AccountID:                *accountID,
		StateFile:                *stateFile,
		Limits:                   emulator.Limits{MaxNumberOfAutoScalingGroups: *maxGroups, MaxNumberOfLaunchConfigurations: *maxLCs, MaxInstances: *maxInstances},
		Logger:                   slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
		DenyLaunchConfigurations: *denyLCs,
	}
	if *timeScale != 1 {
		opts.Clock = emulator.NewScaledClock(time.Now(), *timeScale)
	}
	emu := emulator.New(opts)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (choose another --addr, or port 0 for a free one)", *addr, err)
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "autoscale-emulator listening on http://%s\n", ln.Addr())

	simDone := make(chan error, 1)
	simCtx, stopSim := context.WithCancel(context.Background())
	go func() { simDone <- emu.Run(simCtx) }()
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.Serve(ln) }()

	select {
	case err = <-serveDone:
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	// Stop the simulation only after the last request, so the final save includes it.
	stopSim()
	return errors.Join(err, <-simDone)
}
