package config

import "time"

// SourceConfig is the schedule every source shares. A source with settings
// of its own embeds it inline next to them.
type SourceConfig struct {
	Enabled bool `yaml:"enabled"`
	// Interval is the time between the starts of two polls.
	Interval Duration `yaml:"interval"`
	// Timeout bounds one poll; it is at most Interval so that polls of one
	// source never overlap.
	Timeout Duration `yaml:"timeout"`
	// MaxAge is how long a poll's data is served after it was taken; older
	// data is withdrawn rather than shown as if current.
	MaxAge Duration `yaml:"max_age"`
}

// Sources holds the settings of each source.
type Sources struct {
	// Sessions lists every SIM (GET /v1/sims) for session status and
	// inventory.
	Sessions SourceConfig `yaml:"sessions"`
}

// sourceDefaults are one source's defaults and limits.
type sourceDefaults struct {
	interval time.Duration
	// minInterval refuses polling so often that it would only spend the
	// per-minute API rate limit that the other sources share.
	minInterval time.Duration
	// timeoutCap: the default timeout is the smaller of the interval and this.
	timeoutCap time.Duration
	// maxAgeIntervals: the default max_age is this many intervals, so that
	// one or two failed polls do not make the data disappear.
	maxAgeIntervals int
}

var sessionsDefaults = sourceDefaults{
	interval:        60 * time.Second,
	minInterval:     10 * time.Second,
	timeoutCap:      60 * time.Second,
	maxAgeIntervals: 3,
}

// namedSource ties a source's settings to its key and defaults.
type namedSource struct {
	key      string
	config   *SourceConfig
	defaults sourceDefaults
}

// all lists every source. Adding a source means a field in Sources, its
// defaults, and one line here.
func (s *Sources) all() []namedSource {
	return []namedSource{
		{key: "sessions", config: &s.Sessions, defaults: sessionsDefaults},
	}
}

func (s namedSource) applyDefaults() {
	c := s.config
	if c.Timeout == 0 {
		c.Timeout = Duration(min(time.Duration(c.Interval), s.defaults.timeoutCap))
	}
	if c.MaxAge == 0 {
		c.MaxAge = c.Interval * Duration(s.defaults.maxAgeIntervals)
	}
}

func (s namedSource) validate(ps *problems) {
	path := "sources." + s.key
	c := s.config
	for _, d := range []struct {
		key   string
		value Duration
	}{{"interval", c.Interval}, {"timeout", c.Timeout}, {"max_age", c.MaxAge}} {
		if d.value <= 0 {
			ps.add(path+"."+d.key, "must be a positive duration such as 60s")
		}
	}
	if c.Interval > 0 && time.Duration(c.Interval) < s.defaults.minInterval {
		ps.add(path+".interval", "%s is below the minimum of %s: polling more often only spends the API rate limit",
			c.Interval, Duration(s.defaults.minInterval))
	}
	if c.Timeout > c.Interval && c.Interval > 0 {
		ps.add(path+".timeout", "%s is longer than the interval (%s): a poll must end before the next one starts; lower timeout or raise interval",
			c.Timeout, c.Interval)
	}
	if c.MaxAge > 0 && c.MaxAge < c.Interval {
		ps.add(path+".max_age", "%s is shorter than the interval (%s), so the data would vanish between polls; use at least the interval (default: %d × interval)",
			c.MaxAge, c.Interval, s.defaults.maxAgeIntervals)
	}
}
