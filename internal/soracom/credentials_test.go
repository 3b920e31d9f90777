package soracom

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secretValue = "s3cr3t-AuthKey-value-that-must-never-leak"

func TestSecretNeverPrints(t *testing.T) {
	c := Credentials{AuthKeyID: "keyId-abc", AuthKey: Secret(secretValue)}
	var logbuf strings.Builder
	log := slog.New(slog.NewTextHandler(&logbuf, nil))
	log.Info("creds", "c", c, "key", c.AuthKey)
	js, _ := json.Marshal(c)
	outputs := []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.AuthKey, c.AuthKey, c.AuthKey),
		string(js), logbuf.String(), c.AuthKey.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, secretValue) || strings.Contains(out, fmt.Sprintf("%x", secretValue)) {
			t.Fatalf("secret leaked: %s", out)
		}
	}
	if c.AuthKey.Reveal() != secretValue {
		t.Fatal("Reveal lost the value")
	}
}

func TestCredentialsValidate(t *testing.T) {
	for _, tc := range []struct {
		c    Credentials
		want string
	}{
		{Credentials{AuthKeyID: "keyId-x", AuthKey: "k"}, ""},
		{Credentials{Email: "a@b", Password: "p"}, ""},
		{Credentials{OperatorID: "OP1", UserName: "u", Password: "p"}, ""},
		{Credentials{}, "no credentials"},
		{Credentials{AuthKeyID: "keyId-x"}, "both its ID"},
		{Credentials{Email: "a@b"}, "password"},
		{Credentials{OperatorID: "OP1", Password: "p"}, "SAM user"},
		{Credentials{AuthKeyID: "keyId-x", AuthKey: "k", Email: "a@b", Password: "p"}, "several kinds"},
	} {
		err := tc.c.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want %q", tc.c.Kind(), err, tc.want)
		}
	}
}

func writeProfile(t *testing.T, dir, name string, mode os.FileMode, body string) {
	t.Helper()
	p := filepath.Join(dir, name+".json")
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	writeProfile(t, dir, "prod", 0o600, `{"coverageType":"g","authKeyId":"keyId-1","authKey":"`+secretValue+`","endpoint":"http://127.0.0.1:9/v1/"}`)
	p, err := LoadProfile(dir, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if p.CoverageType != CoverageGlobal || p.Credentials.AuthKeyID != "keyId-1" || p.Credentials.AuthKey.Reveal() != secretValue || p.Endpoint != "http://127.0.0.1:9" {
		t.Fatalf("got %+v", p)
	}

	writeProfile(t, dir, "open", 0o644, `{"authKeyId":"keyId-1","authKey":"`+secretValue+`"}`)
	_, err = LoadProfile(dir, "open")
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group/other-readable profile accepted or unhelpful error: %v", err)
	}

	writeProfile(t, dir, "broken", 0o600, `{"authKey":"`+secretValue+`",`)
	_, err = LoadProfile(dir, "broken")
	if err == nil || strings.Contains(err.Error(), secretValue) {
		t.Fatalf("broken profile: %v", err)
	}

	if _, err := LoadProfile(dir, "missing"); err == nil || !strings.Contains(err.Error(), "soracom configure --profile missing") {
		t.Fatalf("missing profile: %v", err)
	}
	if _, err := LoadProfile(dir, "../etc/passwd"); err == nil {
		t.Fatal("path traversal accepted")
	}
}

func TestProfileDirFromEnvironment(t *testing.T) {
	t.Setenv("SORACOM_PROFILE_DIR", "/somewhere")
	if d, err := ProfileDir(nil); err != nil || d != "/somewhere" {
		t.Fatalf("%q %v", d, err)
	}
}

func TestNormalizeEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.soracom.io":        "https://api.soracom.io",
		"https://api.soracom.io/":       "https://api.soracom.io",
		"https://g.api.soracom.io/v1":   "https://g.api.soracom.io",
		"http://127.0.0.1:8080/v1/":     "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/prefix/": "http://127.0.0.1:8080/prefix",
	} {
		if got, err := NormalizeEndpoint(in); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "api.soracom.io", "ftp://x", "https://user:pw@api.soracom.io", "https://x/?a=b"} {
		if _, err := NormalizeEndpoint(bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("password shown in %v", err)
		}
	}
}

func TestLoadProfileSandboxAndUnsupportedKinds(t *testing.T) {
	dir := t.TempDir()
	// What `soracom configure-sandbox` writes: the production AuthKey that
	// created the sandbox account, and that account's login.
	writeProfile(t, dir, "sandbox", 0o600, `{"sandbox":true,"coverageType":"jp","authKeyId":"keyId-prod","authKey":"`+secretValue+
		`","email":"dev@example.com","password":"pw-sandbox","registerPaymentMethod":true}`)
	p, err := LoadProfile(dir, "sandbox")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Sandbox || p.Credentials.Kind() != "root" || p.Credentials.Email != "dev@example.com" || p.Credentials.AuthKey != "" {
		t.Fatalf("sandbox profile read as %+v", p)
	}

	for name, c := range map[string]struct{ body, field string }{
		"command": {`{"profileCommand":"/usr/local/bin/get-soracom-credentials"}`, "profileCommand"},
		"switch":  {`{"operatorId":"OP0099999999","username":"ops","sourceProfile":"default"}`, "sourceProfile"},
	} {
		writeProfile(t, dir, name, 0o600, c.body)
		_, err := LoadProfile(dir, name)
		if err == nil || !strings.Contains(err.Error(), c.field) || strings.Contains(err.Error(), "no credentials") {
			t.Errorf("%s profile: %v, want an error naming %s", name, err, c.field)
		}
	}
}
