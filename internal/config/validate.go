package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

var accountName = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// simStatuses are the values of Sim.status in the API definition
// (components.schemas.Sim.properties.status.enum).
var simStatuses = []string{"ready", "active", "inactive", "standby", "suspended", "terminated"}

// Validate checks the configuration and reports every problem at once, as
// an *Error. Parse and Load call it; call it again after changing a Config
// in code. It does not read any secret: see ResolveAccounts.
func (c *Config) Validate() error {
	ps := &problems{pos: c.pos}
	if len(c.Accounts) == 0 {
		ps.add("accounts", "no accounts: add at least one SORACOM account under accounts (see examples/soracom_exporter.yml)")
	}
	seen := map[string]int{}
	for i, a := range c.Accounts {
		path := "accounts" + index(i)
		a.validate(path, ps)
		if first, ok := seen[a.Name]; ok && a.Name != "" {
			ps.add(path+".name", "%q is already the name of accounts[%d]: account names must be unique", a.Name, first)
		} else {
			seen[a.Name] = i
		}
	}
	for _, s := range c.Sources.all() {
		s.validate(ps)
	}
	c.SIMs.validate(ps)
	c.SIMs.validateIntelligence(ps)
	c.Webhook.validate(ps)
	c.API.validate(ps)
	return ps.err(c.file)
}

func (a Account) validate(path string, ps *problems) {
	switch {
	case a.Name == "":
		ps.add(path+".name", "missing: give the account a name (letters, digits, _ . -) for logs and the landing page")
	case !accountName.MatchString(a.Name):
		ps.add(path+".name", "%q may contain only letters, digits, _, . and -", a.Name)
	}
	seen := map[soracom.Coverage]bool{}
	for i, cov := range a.Coverages {
		p := path + ".coverages" + index(i)
		if !isCoverage(cov) {
			ps.add(p, "unknown coverage %q: use \"jp\" (Japan) or \"g\" (Global)", cov)
		} else if seen[cov] {
			ps.add(p, "%q is listed twice", cov)
		}
		seen[cov] = true
	}
	a.validateEndpoints(path, ps)
	a.Credentials.validate(path+".credentials", ps)
}

func (a Account) validateEndpoints(path string, ps *problems) {
	if len(a.Endpoints) > 0 && len(a.Coverages) == 0 {
		ps.add(path+".endpoints", "list the account's coverages too: without them the coverage comes from profile %s, which is read only with the credentials",
			a.Credentials.Profile)
		return
	}
	for _, cov := range slices.Sorted(maps.Keys(a.Endpoints)) {
		p := joinKey(path+".endpoints", string(cov))
		switch {
		case !isCoverage(cov):
			ps.add(p, "unknown coverage %q: use \"jp\" (Japan) or \"g\" (Global)", cov)
		// When a coverage is misspelt, that is the thing to fix, not this.
		case !slices.Contains(a.Coverages, cov) && !slices.ContainsFunc(a.Coverages, notCoverage):
			ps.add(p, "this account does not poll coverage %q (coverages: %s): add it to coverages or remove this endpoint",
				cov, coverageList(a.Coverages))
		}
		if _, err := soracom.NormalizeEndpoint(a.Endpoints[cov]); err != nil {
			ps.add(p, "%v", err)
		}
	}
}

func notCoverage(c soracom.Coverage) bool { return !isCoverage(c) }

// isCoverage accepts a coverage exactly as the file must spell it.
func isCoverage(c soracom.Coverage) bool {
	parsed, err := soracom.ParseCoverage(string(c))
	return err == nil && parsed == c
}

func coverageList(cs []soracom.Coverage) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func (s SIMs) validate(ps *problems) {
	f := s.Filters
	for i, st := range f.Status {
		if !slices.Contains(simStatuses, st) {
			ps.add("sims.filters.status"+index(i), "unknown SIM status %q: use one of %s", st, strings.Join(simStatuses, ", "))
		}
	}
	for _, list := range []struct {
		key    string
		values []string
	}{{"group_ids", f.GroupIDs}, {"sim_ids", f.SIMIDs}} {
		for i, v := range list.values {
			if strings.TrimSpace(v) == "" {
				ps.add("sims.filters."+list.key+index(i), "is empty: remove it or give an ID")
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(f.Tags)) {
		if strings.TrimSpace(name) == "" {
			ps.add(joinKey("sims.filters.tags", name), "a tag name cannot be empty")
		}
	}
	s.validateTagLabels(ps)
}

func (s SIMs) validateTagLabels(ps *problems) {
	byLabel := map[string]int{}
	for i, tag := range s.TagLabels {
		p := "sims.tag_labels" + index(i)
		label := exposition.TagLabelName(tag)
		switch {
		case strings.TrimSpace(tag) == "":
			ps.add(p, "a tag name cannot be empty")
			continue
		case tag == "name":
			ps.add(p, `"name" is already exported as the label name of every SIM: remove it`)
			continue
		}
		if first, ok := byLabel[label]; ok {
			other := s.TagLabels[first]
			if other == tag {
				ps.add(p, "%q is listed twice", tag)
			} else {
				ps.add(p, "%q and %q (sims.tag_labels[%d]) would both become the label %s: keep one", tag, other, first, label)
			}
			continue
		}
		byLabel[label] = i
	}
}
