// Package config reads the exporter's YAML configuration file: the SORACOM
// accounts to poll, how often each source polls, and which SIMs to export.
//
// Reading is strict. An unknown key, a value of the wrong type, or a setting
// that makes no sense is an error that names the file, the key path and the
// line, and says what to change; all problems are reported at once.
//
// Secrets are never written in the file. An account names where its secret
// lives (an environment variable, a file, a soracom-cli profile), and reading
// those is a separate step (Account.Resolve, Config.ResolveAccounts), so that
// the structure can be checked on a machine that does not hold the secrets.
package config
