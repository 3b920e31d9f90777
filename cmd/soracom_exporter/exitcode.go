package main

import "errors"

// Exit codes: 1 for a failed poll or serve, 2 for bad usage or configuration,
// so scripts and systemd can tell a broken setup from a passing outage.
const (
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks an error the user must fix in flags or configuration.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	return exitFailure
}
