package source

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/soracom-exporter/soracom_exporter/internal/config"
	"github.com/soracom-exporter/soracom_exporter/internal/exposition"
	"github.com/soracom-exporter/soracom_exporter/internal/poll"
	"github.com/soracom-exporter/soracom_exporter/internal/soracom"
)

// AirName is the name of the data usage source.
const AirName = "air"

// Ways the air source learns usage.
const (
	// AirModeExport asks for one operator-wide usage file per poll: a
	// constant number of calls whatever the fleet size.
	AirModeExport = config.AirModeExport
	// AirModePerSIM asks for each SIM's 5-minute buckets, one call per SIM
	// and poll up to a cap: only for small fleets.
	AirModePerSIM = config.AirModePerSIM
)

// Both directions, in label order.
const (
	dirUpload   = "upload"
	dirDownload = "download"
)

const monthNote = " Counts the current UTC month as SORACOM recorded it (about every 5 minutes, sometimes late): it restarts from 0 when a UTC month begins and never decreases within a month."

var (
	famSimAirBytes = exposition.NewFamily("soracom_sim_air_bytes_total",
		"Bytes the SIM sent (upload) and received (download)."+monthNote,
		exposition.Counter, "sim_id", "imsi", "direction")
	famSimAirPackets = exposition.NewFamily("soracom_sim_air_packets_total",
		"Packets the SIM sent (upload) and received (download)."+monthNote,
		exposition.Counter, "sim_id", "imsi", "direction")
	famAirBytes = exposition.NewFamily("soracom_air_bytes_total",
		"Bytes of every SIM of the coverage with usage this month, by direction."+monthNote,
		exposition.Counter, "operator_id", "coverage", "direction")
	famAirPackets = exposition.NewFamily("soracom_air_packets_total",
		"Packets of every SIM of the coverage with usage this month, by direction."+monthNote,
		exposition.Counter, "operator_id", "coverage", "direction")
	famAirMonthStart = exposition.NewFamily("soracom_air_month_start_timestamp_seconds",
		"Start of the UTC month that the air counters count.",
		exposition.Gauge, "operator_id", "coverage")
)

// AirOptions configure the air source. Zero values take the
// configuration's defaults.
type AirOptions struct {
	// Mode is AirModeExport (default) or AirModePerSIM.
	Mode string
	// PerSIMMaxCalls caps the per-SIM calls of one poll (default 100); a
	// larger fleet is covered over several polls, round robin.
	PerSIMMaxCalls int
	// SIMListRefresh is how long a listing of the SIMs (to name IMSIs by
	// SIM ID) is reused (default 1h).
	SIMListRefresh time.Duration
	// ExportFirstPoll is the wait before the first check of an export's
	// state (default: sources.air.export_wait); later checks back off.
	ExportFirstPoll time.Duration
	// Filter keeps the per-SIM series of matching SIMs only; fleet totals
	// always count every SIM.
	Filter Filter
	// Now is the clock that picks the month (default time.Now).
	Now func() time.Time
}

// Air reports each SIM's data usage of the current UTC month as counters.
type Air struct {
	opts    AirOptions
	dir     *simDirectory
	exports *exportTracker

	mu    sync.Mutex
	state map[accountCoverage]*airState
}

// airState is one target's month-to-date maxima.
type airState struct {
	month  time.Time
	byIMSI map[string]*airCounter
	ledger map[string]*minuteLedger // per-SIM mode, by SIM ID
	cursor int                      // per-SIM mode: next SIM of the round
}

type airCounter struct {
	simID string
	usage soracom.DataTrafficStats
}

// newAirSource builds the air source from its validated section.
func newAirSource(c config.AirSettings, env Env) Source {
	return newAir(env, AirOptions{
		Mode:            c.Mode,
		PerSIMMaxCalls:  c.PerSIMMaxCalls,
		SIMListRefresh:  time.Duration(c.SIMListRefresh),
		ExportFirstPoll: time.Duration(c.ExportWait),
		Filter:          filterOf(c.Filters),
	})
}

// NewAir returns the air source.
func NewAir(opts AirOptions) *Air { return newAir(Env{}, opts) }

func newAir(env Env, opts AirOptions) *Air {
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	d := config.Template().Sources.Air
	if opts.Mode == "" {
		opts.Mode = d.Mode
	}
	if opts.PerSIMMaxCalls <= 0 {
		opts.PerSIMMaxCalls = d.PerSIMMaxCalls
	}
	if opts.SIMListRefresh <= 0 {
		opts.SIMListRefresh = time.Duration(d.SIMListRefresh)
	}
	if opts.ExportFirstPoll <= 0 {
		opts.ExportFirstPoll = time.Duration(d.ExportWait)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Air{opts: opts, dir: newSIMDirectory(opts.SIMListRefresh), state: map[accountCoverage]*airState{},
		exports: newExportTracker(AirName, opts.ExportFirstPoll, env)}
}

// Name implements Source.
func (a *Air) Name() string { return AirName }

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// Poll implements Source.
func (a *Air) Poll(ctx context.Context, t Target) (*poll.Result, error) {
	now := a.opts.Now().UTC()
	month := monthStart(now)
	idx, err := a.dir.get(ctx, t, now, &a.opts.Filter)
	if err != nil {
		return nil, err
	}
	var fresh map[string]soracom.DataTrafficStats
	if a.opts.Mode == AirModePerSIM {
		fresh, err = a.pollPerSIM(ctx, t, idx, now, month)
	} else {
		fresh, err = a.pollExport(ctx, t, now, month)
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.stateFor(t, month)
	for imsi, u := range fresh {
		c := st.byIMSI[imsi]
		if c == nil {
			c = &airCounter{}
			st.byIMSI[imsi] = c
		}
		if ref, ok := idx.byIMSI[imsi]; ok {
			c.simID = ref.simID
		}
		c.usage = maxUsage(c.usage, u)
	}
	return a.render(t, st, idx, now), nil
}

// stateFor returns the target's state for month, starting a new month at
// zero. SIMs counted last month stay, at 0, so that the drop shows as a
// counter reset rather than as series that vanish.
func (a *Air) stateFor(t Target, month time.Time) *airState {
	k := keyOf(t)
	st := a.state[k]
	if st == nil {
		st = &airState{month: month, byIMSI: map[string]*airCounter{}, ledger: map[string]*minuteLedger{}}
		a.state[k] = st
	}
	if !st.month.Equal(month) {
		for _, c := range st.byIMSI {
			c.usage = soracom.DataTrafficStats{}
		}
		st.month = month
		st.ledger = map[string]*minuteLedger{}
	}
	return st
}

func maxUsage(a, b soracom.DataTrafficStats) soracom.DataTrafficStats {
	return soracom.DataTrafficStats{
		UploadByteSizeTotal:     max(a.UploadByteSizeTotal, b.UploadByteSizeTotal),
		DownloadByteSizeTotal:   max(a.DownloadByteSizeTotal, b.DownloadByteSizeTotal),
		UploadPacketSizeTotal:   max(a.UploadPacketSizeTotal, b.UploadPacketSizeTotal),
		DownloadPacketSizeTotal: max(a.DownloadPacketSizeTotal, b.DownloadPacketSizeTotal),
	}
}

// pollExport reads every SIM's month-to-date usage from one export:
// exportAirStats (or the export an earlier poll left pending),
// getExportedFile until it is ready, one download.
func (a *Air) pollExport(ctx context.Context, t Target, now, month time.Time) (map[string]soracom.DataTrafficStats, error) {
	yyyymm := month.Format("200601")
	body, err := a.exports.fetch(ctx, t, yyyymm, func(ctx context.Context) (*soracom.FileExport, error) {
		return t.Client.ExportAirStats(ctx, month, now, soracom.PeriodMonth)
	})
	if err != nil {
		return nil, err
	}
	defer body.Close()
	fresh := map[string]soracom.DataTrafficStats{}
	err = ReadAirUsageCSV(body, func(r *AirUsageRow) error {
		// Rows of another month (a file spanning the boundary) would mix
		// two months into one counter.
		if r.Date != "" && !strings.HasPrefix(r.Date, yyyymm) {
			return nil
		}
		fresh[r.IMSI] = fresh[r.IMSI].Add(soracom.DataTrafficStats{
			UploadByteSizeTotal: r.UploadBytes, DownloadByteSizeTotal: r.DownloadBytes,
			UploadPacketSizeTotal: r.UploadPackets, DownloadPacketSizeTotal: r.DownloadPackets})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("air usage file: %w", err)
	}
	return fresh, nil
}

// render builds the snapshot from the month-to-date maxima.
func (a *Air) render(t Target, st *airState, idx *simIndex, listedAt time.Time) *poll.Result {
	b := exposition.NewBuilder()
	operatorID := t.Client.OperatorID()
	cov := string(t.Coverage)
	filtered := !filterIsEmpty(&a.opts.Filter)
	var fleet soracom.DataTrafficStats
	for _, imsi := range slices.Sorted(maps.Keys(st.byIMSI)) {
		c := st.byIMSI[imsi]
		fleet = fleet.Add(c.usage)
		if _, known := idx.byIMSI[imsi]; filtered && !known {
			continue
		}
		u := c.usage
		b.Add(famSimAirBytes, float64(u.UploadByteSizeTotal), c.simID, imsi, dirUpload)
		b.Add(famSimAirBytes, float64(u.DownloadByteSizeTotal), c.simID, imsi, dirDownload)
		b.Add(famSimAirPackets, float64(u.UploadPacketSizeTotal), c.simID, imsi, dirUpload)
		b.Add(famSimAirPackets, float64(u.DownloadPacketSizeTotal), c.simID, imsi, dirDownload)
	}
	b.Add(famAirBytes, float64(fleet.UploadByteSizeTotal), operatorID, cov, dirUpload)
	b.Add(famAirBytes, float64(fleet.DownloadByteSizeTotal), operatorID, cov, dirDownload)
	b.Add(famAirPackets, float64(fleet.UploadPacketSizeTotal), operatorID, cov, dirUpload)
	b.Add(famAirPackets, float64(fleet.DownloadPacketSizeTotal), operatorID, cov, dirDownload)
	b.Add(famAirMonthStart, float64(st.month.Unix()), operatorID, cov)
	return &poll.Result{OperatorID: operatorID, Items: len(st.byIMSI), Families: b.Build(), ListedAt: listedAt}
}

// filterIsEmpty reports whether f keeps every SIM.
func filterIsEmpty(f *Filter) bool {
	return len(f.Statuses) == 0 && len(f.GroupIDs) == 0 && len(f.Tags) == 0 && len(f.SIMIDs) == 0
}
