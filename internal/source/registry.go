package source

import (
	"context"
	"log/slog"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
)

// Registry lists every source. Adding a source means its section in
// package config, its file here, and one line below; nothing in the
// command line or the wiring names it.
var Registry = []Definition{
	define(SessionsName, (*config.Config).SessionsSettings, newSessionsSource),
	define(AirName, (*config.Config).AirSettings, newAirSource),
	define(BillingName, (*config.Config).BillingSettings, newBillingSource),
}

// Definition describes one source to the exporter.
type Definition struct {
	Name string
	// Schedule is when the source polls, from a validated configuration.
	Schedule func(*config.Config) config.SourceConfig
	// Settings is the section of a validated configuration the source is
	// built from. A source whose section did not change between two
	// configurations can be kept, with its memory (counters, session event
	// positions), rather than built again.
	Settings func(*config.Config) any
	// New builds the source from a validated configuration.
	New func(*config.Config, Env) Source
}

// Env is what a source gets from its surroundings rather than from its
// settings.
type Env struct {
	Logger *slog.Logger
	// Exports records the asynchronous exports (may be nil).
	Exports ExportObserver
}

// section is what every source's settings provide.
type section interface {
	Schedule() config.SourceConfig
}

func define[S section](name string, settings func(*config.Config) S, build func(S, Env) Source) Definition {
	return Definition{
		Name:     name,
		Schedule: func(c *config.Config) config.SourceConfig { return settings(c).Schedule() },
		Settings: func(c *config.Config) any { return settings(c) },
		New: func(c *config.Config, env Env) Source {
			if env.Logger == nil {
				env.Logger = slog.New(slog.DiscardHandler)
			}
			return build(settings(c), env.withSource(name))
		},
	}
}

func (e Env) withSource(name string) Env {
	e.Logger = e.Logger.With("source", name)
	return e
}

// filterOf turns the configuration's SIM filters into a Filter.
func filterOf(f config.Filters) Filter {
	return Filter{Statuses: f.Status, GroupIDs: f.GroupIDs, Tags: f.Tags, SIMIDs: f.SIMIDs}
}

// Refresher is a source that can re-read single SIMs between polls, for
// the Event Handler webhook. A refresh merges into the source's memory of
// the target, so the result covers every SIM, and it is as old as the
// listing it was merged into.
type Refresher interface {
	Source
	// Knows reports whether the target's last listing had the SIM.
	Knows(t Target, ref SIMRef) bool
	Refresh(ctx context.Context, t Target, refs ...SIMRef) (*poll.Result, error)
}

// The sessions source serves the webhook.
var _ Refresher = (*Sessions)(nil)
