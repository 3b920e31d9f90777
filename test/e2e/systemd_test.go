package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const unitBinary = "/usr/local/bin/soracom_exporter"

// unitCopies writes the shipped systemd units into a temporary directory
// with ExecStart pointing at the freshly built binary: systemd-analyze
// verify checks that the executable exists.
func unitCopies(t *testing.T) (dir string, units []string) {
	t.Helper()
	files, err := filepath.Glob(contribPath(t, "systemd", "soracom_exporter*"))
	if err != nil || len(files) < 3 {
		t.Fatalf("want the service, the textfile service and its timer in contrib/systemd, found %v (%v)", files, err)
	}
	dir = t.TempDir()
	bin := exporterBinary(t)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".service") && !strings.Contains(string(b), "ExecStart="+unitBinary) {
			t.Errorf("%s: ExecStart does not run %s", filepath.Base(f), unitBinary)
		}
		p := filepath.Join(dir, filepath.Base(f))
		writeFile(t, p, strings.ReplaceAll(string(b), unitBinary, bin))
		units = append(units, p)
	}
	return dir, units
}

// TestSystemdUnitsVerify runs `systemd-analyze verify` on the units and
// holds the services to a low exposure score with `systemd-analyze
// security --offline`.
func TestSystemdUnitsVerify(t *testing.T) {
	analyze := tool(t, "systemd-analyze")
	dir, units := unitCopies(t)
	cmd := exec.Command(analyze, append([]string{"verify", "--man=no"}, units...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The drop-in for several accounts, as systemd loads it: from the
	// unit's .d directory next to it.
	b, err := os.ReadFile(contribPath(t, "systemd", "accounts.conf"))
	if err != nil {
		t.Fatal(err)
	}
	dropIn := filepath.Join(dir, "soracom_exporter.service.d")
	if err := os.Mkdir(dropIn, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dropIn, "accounts.conf"), strings.ReplaceAll(string(b), unitBinary, exporterBinary(t)))
	cmd = exec.Command(analyze, "verify", "--man=no", filepath.Join(dir, "soracom_exporter.service"))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify with the accounts.conf drop-in: %v\n%s", err, out)
	}

	for _, u := range units {
		if !strings.HasSuffix(u, ".service") {
			continue
		}
		// Exposure is 0.0 (locked down) to 10.0; the threshold is in tenths.
		cmd := exec.Command(analyze, "security", "--offline=true", "--threshold=20", "--no-pager", u)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("systemd-analyze security %s: exposure above 2.0 or error: %v\n%s", filepath.Base(u), err, tail(string(out), 3000))
		}
	}
}

var execStart = regexp.MustCompile(`(?m)^ExecStart=((?:.*\\\n)*.*)$`)
var flagName = regexp.MustCompile(`--(?:\[no-\])?([a-z][a-z0-9.-]*)`)

// TestSystemdUnitsKeepTheSecretOffTheCommandLine checks the promises of the
// units: their own user, a read-only system, the AuthKey secret handed over
// as a credential file, and only flags the exporter has.
func TestSystemdUnitsKeepTheSecretOffTheCommandLine(t *testing.T) {
	_, units := unitCopies(t)
	// The exit status of --help is not this test's business; the flag list is.
	help, _ := exec.Command(exporterBinary(t), "--help").CombinedOutput()
	if !strings.Contains(string(help), "--web.listen-address") {
		t.Fatalf("--help lists no flags:\n%s", help)
	}
	known := map[string]bool{}
	for _, m := range flagName.FindAllStringSubmatch(string(help), -1) {
		known[m[1]] = true
	}
	for _, u := range units {
		if !strings.HasSuffix(u, ".service") {
			continue
		}
		b, _ := os.ReadFile(u)
		unit := string(b)
		name := filepath.Base(u)
		for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n",
			"LoadCredential=auth_key:/etc/soracom_exporter/auth_key"} {
			if !strings.Contains(unit, want) {
				t.Errorf("%s lacks %q", name, strings.TrimSpace(want))
			}
		}
		if strings.Contains(unit, "SORACOM_AUTH_KEY=") {
			t.Errorf("%s puts the secret in the environment", name)
		}
		m := execStart.FindStringSubmatch(unit)
		if m == nil {
			t.Errorf("%s: no ExecStart", name)
			continue
		}
		cmdline := m[1]
		if !strings.Contains(cmdline, "--soracom.auth-key-file=%d/auth_key") {
			t.Errorf("%s: the secret is not read from the credential: %s", name, cmdline)
		}
		checkFlags(t, name, cmdline, known)
	}
	dropIn, err := os.ReadFile(contribPath(t, "systemd", "accounts.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range execStart.FindAllStringSubmatch(string(dropIn), -1) {
		checkFlags(t, "accounts.conf", m[1], known)
	}
}

func checkFlags(t *testing.T, name, cmdline string, known map[string]bool) {
	t.Helper()
	for _, f := range flagName.FindAllStringSubmatch(cmdline, -1) {
		if !known[f[1]] {
			t.Errorf("%s: ExecStart uses --%s, which the exporter does not have", name, f[1])
		}
	}
}
