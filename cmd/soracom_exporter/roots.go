package main

// CA roots compiled into the binary, used only where the system has none
// (the container image is built FROM scratch): HTTPS to api.soracom.io
// verifies without a CA bundle on disk. Where the system has roots, they
// win, so a corporate TLS-inspecting proxy's CA still works.
import _ "golang.org/x/crypto/x509roots/fallback"
