package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildah runs Debian's buildah on a storage of the test's own (vfs: works
// without overlay support, as in CI sandboxes).
type buildah struct {
	bin, root string
}

func (b buildah) cmd(args ...string) *exec.Cmd {
	return exec.Command(b.bin, append([]string{"--root", filepath.Join(b.root, "storage"), "--runroot", filepath.Join(b.root, "run"),
		"--storage-driver", "vfs"}, args...)...)
}

func (b buildah) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := b.cmd(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 3000))
	}
	return strings.TrimSpace(string(out))
}

// TestContainerImage builds the image from the Containerfile with the
// binary packed as `make image` does, checks what the image promises (a
// non-root user, the entrypoint, port 9881, OCI labels, CA roots in the
// binary), then starts the entrypoint from the image with --demo and
// scrapes /metrics. The container runs with buildah's chroot isolation;
// where that is refused, the image is mounted and its entrypoint binary run
// from the mounted filesystem.
func TestContainerImage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("building and mounting images with buildah's vfs storage needs root")
	}
	b := buildah{bin: tool(t, "buildah"), root: t.TempDir()}
	ctx := t.TempDir()
	copyFile(t, staticBinary(t), filepath.Join(ctx, "soracom_exporter"), 0o755)
	containerfile, err := filepath.Abs("../../Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	image := "localhost/soracom_exporter:e2e"
	b.run(t, "build", "--isolation", "chroot", "--build-arg", "BINARY=prebuilt", "--build-arg", "VERSION=e2e",
		"--build-arg", "REVISION=0123abc", "-f", containerfile, "-t", image, ctx)

	var cfg struct {
		OCIv1 struct {
			Config struct {
				User         string              `json:"User"`
				Entrypoint   []string            `json:"Entrypoint"`
				Cmd          []string            `json:"Cmd"`
				ExposedPorts map[string]struct{} `json:"ExposedPorts"`
				Labels       map[string]string   `json:"Labels"`
			} `json:"config"`
		} `json:"OCIv1"`
	}
	if err := json.Unmarshal([]byte(b.run(t, "inspect", "--type", "image", image)), &cfg); err != nil {
		t.Fatal(err)
	}
	c := cfg.OCIv1.Config
	if c.User != "65534:65534" {
		t.Errorf("image user %q, want 65534:65534 (nobody)", c.User)
	}
	if strings.Join(c.Entrypoint, " ") != "/bin/soracom_exporter" || len(c.Cmd) != 0 {
		t.Errorf("entrypoint %q cmd %q, want the binary alone, so that arguments go to it", c.Entrypoint, c.Cmd)
	}
	if _, ok := c.ExposedPorts["9881/tcp"]; !ok || len(c.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v, want 9881/tcp", c.ExposedPorts)
	}
	for label, want := range map[string]string{
		"org.opencontainers.image.title": "soracom_exporter", "org.opencontainers.image.version": "e2e",
		"org.opencontainers.image.revision": "0123abc", "org.opencontainers.image.source": "https://",
		"org.opencontainers.image.description": "SORACOM",
	} {
		if !strings.Contains(c.Labels[label], want) {
			t.Errorf("label %s = %q, want it to contain %q", label, c.Labels[label], want)
		}
	}

	// The image's filesystem: the binary and nothing else (no shell, no CA
	// bundle), so the binary must carry its CA roots.
	container := b.run(t, "from", "--quiet", image)
	t.Cleanup(func() { _ = b.cmd("rm", container).Run() })
	mnt := b.run(t, "mount", container)
	t.Cleanup(func() { _ = b.cmd("umount", container).Run() })
	var files []string
	_ = filepath.Walk(mnt, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(mnt, p)
			files = append(files, rel)
		}
		return nil
	})
	if strings.Join(files, " ") != "bin/soracom_exporter" {
		t.Errorf("the image holds %v, want only bin/soracom_exporter", files)
	}
	modules, err := exec.Command("go", "version", "-m", filepath.Join(mnt, "bin", "soracom_exporter")).CombinedOutput()
	if err != nil || !strings.Contains(string(modules), "golang.org/x/crypto/x509roots/fallback") {
		t.Errorf("the image's binary does not carry the fallback CA roots (golang.org/x/crypto/x509roots/fallback): %v\n%s", err, modules)
	}

	// Start the container; scrape its demo.
	addr := freePort(t)
	args := []string{"--demo", "--web.listen-address", addr, "--source.sessions.interval", "10s"}
	p := start(t, "container", nil, nil, b.bin, append([]string{"--root", filepath.Join(b.root, "storage"), "--runroot", filepath.Join(b.root, "run"),
		"--storage-driver", "vfs", "run", "--isolation", "chroot", container, "--", "/bin/soracom_exporter"}, args...)...)
	how := "the container (buildah run --isolation chroot)"
	if !serves(addr, 30*time.Second, p) {
		t.Logf("the container did not start here; running the entrypoint from the mounted image instead:\n%s", tail(p.output(), 2000))
		addr = freePort(t)
		args[2] = addr
		p = start(t, "entrypoint from the image", nil, nil, filepath.Join(mnt, "bin", "soracom_exporter"), args...)
		how = "the image's entrypoint binary"
		if !serves(addr, 30*time.Second, p) {
			t.Fatalf("%s serves nothing on %s:\n%s", how, addr, tail(p.output(), 3000))
		}
	}
	eventually(t, 30*time.Second, "the demo fleet on "+how+"'s /metrics", func() (bool, string) {
		n := strings.Count(string(fetch("http://"+addr+"/metrics")), "\nsoracom_sim_session_online{")
		return n == 300, fmt.Sprintf("%d SIMs", n)
	})
	if uid := processUID(addr); uid != "65534" && how == "the container (buildah run --isolation chroot)" {
		t.Errorf("%s runs as uid %q, want 65534, the image's user", how, uid)
	}
	t.Logf("%s serves the demo fleet on %s", how, addr)
}

var (
	staticOnce sync.Once
	staticPath string
	staticErr  error
)

// staticBinary builds the exporter as the image ships it (no cgo, so it
// runs in an empty root), once per test process.
func staticBinary(t *testing.T) string {
	t.Helper()
	staticOnce.Do(func() {
		dir, err := os.MkdirTemp("", "soracom-e2e-static-")
		if err != nil {
			staticErr = err
			return
		}
		staticPath = filepath.Join(dir, "soracom_exporter")
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", staticPath, "../../cmd/soracom_exporter")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			staticErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if staticErr != nil {
		t.Fatal(staticErr)
	}
	return staticPath
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// serves reports whether something answers HTTP on addr before the
// process p exits or the timeout passes.
func serves(addr string, timeout time.Duration, p *process) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if fetch("http://"+addr+"/") != nil {
			return true
		}
		select {
		case <-p.done:
			return false
		case <-time.After(250 * time.Millisecond):
		}
	}
	return false
}

// processUID returns the real user id of the process started with
// --web.listen-address addr, or "" if it is not found.
func processUID(addr string) string {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.HasPrefix(filepath.Base(strings.SplitN(string(cmdline), "\x00", 2)[0]), "soracom_exporter") ||
			!strings.Contains(string(cmdline), "\x00"+addr) {
			continue
		}
		status, _ := os.ReadFile(filepath.Join(d, "status"))
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
				return f[1]
			}
		}
	}
	return ""
}
