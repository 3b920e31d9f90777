package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
)

func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsageErrorsNameTheFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--coverage", "eu"}, "--coverage=eu: use jp or g"},
		{[]string{"--deny", "deleteEverything"}, "--deny=deleteEverything"},
		{[]string{"--rate-limit.group", "sims"}, "--rate-limit.group=sims"},
		{[]string{"--rate-limit.group", "a=/sims", "--rate-limit.group", "b=/v1/sims"}, "/sims is in groups a and b"},
		{[]string{"--rate-limit.path", "/sims"}, "--rate-limit.path=/sims: write /path=N"},
		{[]string{"--rate-limit.path", "/sims=0"}, "--rate-limit.path=/sims=0: write /path=N"},
		{[]string{"--rate-limit.path", "/sim=20"}, "/sim is not a path the fake serves"},
		{[]string{"--rate-limit.path", "/sims=20", "--rate-limit.path", "/v1/sims=30"}, "/sims given twice"},
		{[]string{"--rate-limit.group", "sim=/sims,/sims/{sim_id}", "--rate-limit.path", "/sims=20"}, "/sims is in --rate-limit.group sim"},
		{[]string{"--no-such-flag"}, "see --help"},
	} {
		code, _, stderr := runArgs(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args, code, stderr, c.want)
		}
	}
}

func TestHelpAndVersionExitZero(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"--version"}} {
		code, stdout, stderr := runArgs(t, args...)
		if code != 0 || stdout+stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// syncWriter lets the test read what run printed while it runs.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestServesWithDeniedOperationsAndSlowExports(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--sims", "10", "--coverage", "jp", "--deny", "getSubscriber", "--export.processing", "5m",
			"--rate-limit.group", "sim=/sims,/sims/{sim_id}"}, &syncWriter{w: pw}, io.Discard)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var out info
	if err := json.Unmarshal([]byte(line), &out); err != nil || out.Endpoints["jp"] == "" || out.AuthKey == "" || out.SIMs["jp"] != 10 {
		t.Fatalf("printed %q (%v)", line, err)
	}
	get := func(path string) string {
		resp, err := http.Get(out.Endpoints["jp"] + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get("/_fake/permissions"); !strings.Contains(got, `"getSubscriber"`) {
		t.Fatalf("permissions %s", got)
	}
	if got := get("/_fake/exports"); !strings.Contains(got, `"processing":"5m0s"`) {
		t.Fatalf("exports %s", got)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop when its context ended")
	}
}

func TestPathRateLimitsAreKeyedByTemplate(t *testing.T) {
	var o soracomfake.Options
	if err := pathRateLimits(&o, []string{"/v1/sims=20", "/sims/{sim_id}=5"}); err != nil {
		t.Fatal(err)
	}
	if len(o.RateLimitPerMinute) != 2 || o.RateLimitPerMinute["/sims"] != 20 || o.RateLimitPerMinute["/sims/{sim_id}"] != 5 {
		t.Fatalf("limits %v", o.RateLimitPerMinute)
	}
}
