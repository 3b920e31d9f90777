// Package e2e runs the real soracom_exporter binary against the fake SORACOM
// API together with the real Prometheus tools: Prometheus 3, promtool,
// Alertmanager and amtool of their current releases (built by
// scripts/tools.sh), Debian's prometheus-node-exporter, and Debian stable's
// Prometheus 2 for one compatibility test, all on loopback ports chosen at
// run time. With SORACOM_E2E=1 (as `make test` sets it) a missing tool fails the
// test; without it the tests skip, so `go test ./...` works anywhere.
package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// tool returns the path of an external binary, skipping or failing the test
// when it is missing.
func tool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if os.Getenv("SORACOM_E2E") == "1" {
		t.Fatalf("%s not found: install the Debian packages prometheus and prometheus-node-exporter (make test does)", names[0])
	}
	t.Skipf("%s not installed; set SORACOM_E2E=1 to make this a failure", names[0])
	return ""
}

// binary builds one command of the project once per test process.
type binary struct {
	pkg  string
	once sync.Once
	path string
	err  error
}

func (b *binary) build(t *testing.T) string {
	t.Helper()
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "soracom-e2e-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, filepath.Base(b.pkg))
		out, err := exec.Command("go", "build", "-o", b.path, b.pkg).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", b.pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

var (
	exporterBin = &binary{pkg: "../../cmd/soracom_exporter"}
	fakeBin     = &binary{pkg: "../../cmd/soracom_fake"}
)

// exporterBinary builds the exporter once per test process.
func exporterBinary(t *testing.T) string { return exporterBin.build(t) }

// fakeBinary builds the fake SORACOM API once per test process.
func fakeBinary(t *testing.T) string { return fakeBin.build(t) }

// freePort returns a loopback address with a free port.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// process is a started command whose output is kept for failure messages.
type process struct {
	name string
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  strings.Builder
	done chan struct{}
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// start runs a command until the test ends, then stops it (SIGTERM, then
// SIGKILL), and prints its output if the test failed.
// env, when not nil, replaces the environment.
func start(t *testing.T, name string, stdout io.Writer, env []string, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stderr = p
	if stdout != nil {
		p.cmd.Stdout = io.MultiWriter(stdout, p)
	} else {
		p.cmd.Stdout = p
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("--- output of %s:\n%s", name, tail(p.output(), 4000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// fakeAPI is a standalone fake SORACOM API started as `soracom_fake`.
type fakeAPI struct {
	Endpoints  map[string]string `json:"endpoints"`
	AuthKeyID  string            `json:"authKeyId"`
	AuthKey    string            `json:"authKey"`
	SIMs       map[string]int    `json:"sims"`
	OperatorID string            `json:"operatorId"`
}

func (f *fakeAPI) total() int {
	n := 0
	for _, c := range f.SIMs {
		n += c
	}
	return n
}

func startFakeAPI(t *testing.T, sims int, extra ...string) *fakeAPI {
	t.Helper()
	pr, pw := io.Pipe()
	args := append([]string{"--sims", strconv.Itoa(sims), "--listen-host", "127.0.0.1", "--seed", "7"}, extra...)
	p := start(t, "soracom_fake", pw, nil, fakeBinary(t), args...)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "{") {
				lines <- sc.Text()
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case line := <-lines:
		var f fakeAPI
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("soracom_fake printed %q: %v", line, err)
		}
		return &f
	case <-p.done:
		t.Fatalf("soracom_fake exited:\n%s", p.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("soracom_fake printed no endpoints:\n%s", p.output())
	}
	return nil
}

// promQuery runs an instant query against Prometheus' HTTP API and returns
// the first sample's value, or ok=false when the result is empty.
func promQuery(t *testing.T, promAddr, query string) (float64, bool) {
	t.Helper()
	resp, err := http.Get("http://" + promAddr + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("query %q: status %s, error %q, decode %v", query, r.Status, r.Error, err)
	}
	if len(r.Data.Result) == 0 {
		return 0, false
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// eventually retries cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := ""
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s (last: %s)", timeout, what, last)
}

func waitHTTP(t *testing.T, u string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, u+" to answer", func() (bool, string) {
		resp, err := http.Get(u)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode < 500, resp.Status
	})
}

// startPrometheus runs Prometheus 3 with config (a prometheus.yml) in dir,
// until the test ends, and returns its address once it is ready.
func startPrometheus(t *testing.T, dir, config string) string {
	t.Helper()
	addr, _ := startPrometheusBinary(t, prometheus3(t), dir, config)
	return addr
}

// startPrometheusBinary runs the given Prometheus binary and returns its
// address once it is ready, and its process (for its log).
func startPrometheusBinary(t *testing.T, prometheus, dir, config string) (string, *process) {
	t.Helper()
	addr := freePort(t)
	cfg := filepath.Join(dir, "prometheus.yml")
	writeFile(t, cfg, config)
	p := start(t, "prometheus", nil, nil, prometheus, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr)
	waitHTTP(t, "http://"+addr+"/-/ready", 60*time.Second)
	return addr, p
}
