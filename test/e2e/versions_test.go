package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The end-to-end tests run on the current Prometheus stack, which
// scripts/tools.sh builds and `make test` puts first on PATH: Prometheus 3
// (and its promtool) and a current Alertmanager (and amtool). One test keeps
// Debian stable's Prometheus 2 for compatibility.

var versionLine = regexp.MustCompile(`version (\d+)\.(\d+)\.(\d+)`)

var versions sync.Map // path -> [2]int{major, minor}, or nil

// binaryVersion returns the major and minor version a binary reports with
// --version, or ok=false.
func binaryVersion(path string) (major, minor int, ok bool) {
	if v, found := versions.Load(path); found {
		mm, ok := v.([2]int)
		return mm[0], mm[1], ok
	}
	out, _ := exec.Command(path, "--version").CombinedOutput()
	m := versionLine.FindStringSubmatch(string(out))
	if m == nil {
		versions.Store(path, nil)
		return 0, 0, false
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	versions.Store(path, [2]int{major, minor})
	return major, minor, true
}

// versioned returns the first binary of one of the names, on PATH then in
// extra directories, whose version satisfies want; it fails (SORACOM_E2E=1)
// or skips the test when there is none.
func versioned(t *testing.T, what string, want func(major, minor int) bool, names []string, extra ...string) string {
	t.Helper()
	dirs := append(filepath.SplitList(os.Getenv("PATH")), extra...)
	var seen []string
	for _, dir := range dirs {
		for _, n := range names {
			p := filepath.Join(dir, n)
			if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				continue
			}
			major, minor, ok := binaryVersion(p)
			if ok && want(major, minor) {
				return p
			}
			seen = append(seen, p+" "+strconv.Itoa(major)+"."+strconv.Itoa(minor))
		}
	}
	msg := what + " not found (found: " + strings.Join(seen, ", ") + "); `make test` builds it, or run eval \"$(scripts/tools.sh)\""
	if os.Getenv("SORACOM_E2E") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; set SORACOM_E2E=1 to make this a failure")
	return ""
}

func prometheus3(t *testing.T) string {
	return versioned(t, "Prometheus 3", func(major, _ int) bool { return major == 3 }, []string{"prometheus"})
}

func promtool3(t *testing.T) string {
	return versioned(t, "promtool 3", func(major, _ int) bool { return major == 3 }, []string{"promtool"})
}

// prometheus2 is Debian stable's Prometheus 2, for the compatibility test.
func prometheus2(t *testing.T) string {
	return versioned(t, "Prometheus 2 (Debian package prometheus)", func(major, _ int) bool { return major == 2 }, []string{"prometheus"}, "/usr/bin")
}

func promtool2(t *testing.T) string {
	return versioned(t, "promtool 2 (Debian package prometheus)", func(major, _ int) bool { return major == 2 }, []string{"promtool"}, "/usr/bin")
}

// current Alertmanager: newer than Debian stable's 0.25.
func currentAM(major, minor int) bool { return major > 0 || minor > 25 }

func alertmanager(t *testing.T) string {
	return versioned(t, "a current Alertmanager", currentAM, []string{"alertmanager", "prometheus-alertmanager"})
}

func amtool(t *testing.T) string {
	return versioned(t, "a current amtool", currentAM, []string{"amtool"})
}
