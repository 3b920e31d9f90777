// Package source turns SORACOM API answers into rendered metrics. Each
// source (sessions, air, billing) is a self-describing unit: a name, a
// section of the configuration (with its defaults and validation, in
// package config), a constructor from that validated section, and a Poll
// that returns a poll.Result. Registry lists them; the exporter loops over
// it and never names a source.
//
// A source does not know who calls it: it neither schedules itself nor
// stores its results.
package source

import (
	"context"

	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// Target is one account on one coverage, with the client that reaches it.
// Sources keep their memory (counters, event positions) per target.
type Target struct {
	Account  string
	Coverage soracom.Coverage
	Client   *soracom.Client
}

// Source reads one kind of data. One value serves every target and must be
// safe for concurrent use; the caller runs one Poll per target at a time.
type Source interface {
	Name() string
	Poll(ctx context.Context, t Target) (*poll.Result, error)
}
