package app

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
	"github.com/soracom-exporter/soracom_exporter/internal/soracomfake"
	"github.com/soracom-exporter/soracom_exporter/internal/webhook"
)

// TestWebhookOwnListenerServesOnlyTheWebhook: with webhook.listen_address,
// the webhook's listener (TLS from its own web configuration) answers the
// webhook and 404 to /metrics, the landing page and anything else.
func TestWebhookOwnListenerServesOnlyTheWebhook(t *testing.T) {
	dir := t.TempDir()
	pool := writeCert(t, dir)
	webConfig := filepath.Join(dir, "web.yml")
	writeTestFile(t, webConfig, "tls_server_config:\n  cert_file: "+filepath.Join(dir, "cert.pem")+"\n  key_file: "+filepath.Join(dir, "key.pem")+"\n")

	fake := soracomfake.New(soracomfake.Options{Seed: 62, SIMs: 10, Coverages: []string{"jp"}})
	api := httptest.NewServer(fake.Handler("jp"))
	t.Cleanup(api.Close)
	cr := fake.Credentials()
	cfg := sessionsOnly(time.Hour, 30*time.Second, 3*time.Hour)
	cfg.Webhook.Enabled = true
	cfg.Webhook.ListenAddress = "127.0.0.1:0"
	cfg.Webhook.WebConfigFile = webConfig
	const secret = "listener-secret"
	a, err := New(Settings{Config: cfg, WebhookSecret: secret, Targets: []Target{{Account: "main", Coverage: soracom.CoverageJapan,
		Endpoint: api.URL, Credentials: soracom.Credentials{AuthKeyID: cr.AuthKeyID, AuthKey: soracom.Secret(cr.AuthKey)}}}},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if a.WebhookListen.Address != "127.0.0.1:0" || a.WebhookListen.WebConfigFile != webConfig {
		t.Fatalf("listener %+v", a.WebhookListen)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeWebhook(ctx, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + ln.Addr().String()

	for _, path := range []string{"/metrics", "/", "/webhook", "/webhook/session/x", "/debug/pprof/"} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "soracom_") {
			t.Errorf("GET %s on the webhook listener: %s %q", path, resp.Status, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, base+a.WebhookPath, strings.NewReader(`{"imsi":"440103000000001","event":"Created"}`))
	req.Header.Set(webhook.DefaultSecretHeader, secret)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook call: %s", resp.Status)
	}
	// Plain HTTP is refused: the listener speaks TLS only.
	if resp, err := http.Get("http://" + ln.Addr().String() + a.WebhookPath); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("plain HTTP: %s", resp.Status)
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 as cert.pem and
// key.pem in dir and returns a pool that trusts it.
func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "webhook"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "cert.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeTestFile(t, filepath.Join(dir, "key.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
