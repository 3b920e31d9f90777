package soracomfake

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"
)

// exportRequestJSON is ExportRequest; from and to are UNIX seconds.
type exportRequestJSON struct {
	From   *int64 `json:"from"`
	To     *int64 `json:"to"`
	Period string `json:"period"`
}

// airStatsJSON is AirStatsResponse.
type airStatsJSON struct {
	DataTrafficStatsMap map[string]dataTrafficStatsJSON `json:"dataTrafficStatsMap"`
	Date                string                          `json:"date"`
	Unixtime            int64                           `json:"unixtime"`
}

// dataTrafficStatsJSON is DataTrafficStats.
type dataTrafficStatsJSON struct {
	DownloadByteSizeTotal   int64 `json:"downloadByteSizeTotal"`
	DownloadPacketSizeTotal int64 `json:"downloadPacketSizeTotal"`
	UploadByteSizeTotal     int64 `json:"uploadByteSizeTotal"`
	UploadPacketSizeTotal   int64 `json:"uploadPacketSizeTotal"`
}

// maxStatsBuckets bounds one per-SIM answer with period=minutes.
const maxStatsBuckets = 20_000

// maxStatsSpan is the longest span (to - from, seconds) one getAirStatsOfSim
// call may ask for, per period, as SORACOM's usage documentation states it:
// 3 days of minutes, 92 days of days. The documentation does not say what
// the API does with a longer span; the fake refuses it with 400, so that a
// client asking for more than is documented fails in tests rather than
// getting silently cut answers in production.
var maxStatsSpan = map[string]int64{"minutes": 3 * 24 * 3600, "day": 92 * 24 * 3600}

// window is one row of a stats answer: buckets starting in [from, to) ms.
type window struct {
	from, to int64
	date     string
}

// windows cuts [from, to] (ms) into the periods a stats call aggregates:
// the whole UTC months or days that contain them, or buckets.
func (f *Fake) windows(period string, from, to int64) ([]window, bool) {
	var out []window
	switch period {
	case "month", "day":
		t := time.UnixMilli(from).UTC()
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
		step, layout := func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }, "200601"
		if period == "day" {
			t = time.UnixMilli(from).UTC().Truncate(24 * time.Hour)
			step, layout = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }, "20060102"
		}
		for ; t.UnixMilli() <= to; t = step(t) {
			out = append(out, window{t.UnixMilli(), step(t).UnixMilli(), t.Format(layout)})
		}
	case "minutes":
		b := f.traffic.bucket
		first, last := floorDiv(from, b), floorDiv(to, b)
		if last-first >= maxStatsBuckets {
			return nil, false
		}
		for k := first; k <= last; k++ {
			out = append(out, window{k * b, (k + 1) * b, time.UnixMilli(k * b).UTC().Format("20060102150405")})
		}
	default:
		return nil, false
	}
	return out, true
}

// handleGetAirStatsOfSim is GET /stats/air/sims/{sim_id} (operationId
// getAirStatsOfSim): one entry per period with traffic, keyed by the SIM's
// speed class.
func handleGetAirStatsOfSim(rq *request) {
	q := rq.r.URL.Query()
	from, errFrom := strconv.ParseInt(q.Get("from"), 10, 64)
	to, errTo := strconv.ParseInt(q.Get("to"), 10, 64)
	if errFrom != nil || errTo != nil || from < 0 || to < from {
		rq.fail(http.StatusBadRequest, codeBadRequest, "from and to must be UNIX times in seconds, from <= to")
		return
	}
	f := rq.f
	f.mu.RLock()
	defer f.mu.RUnlock()
	s, ok := f.fleet(rq.coverage).byID[rq.param("sim_id")]
	if !ok {
		rq.fail(http.StatusNotFound, codeNotFound, "no such SIM")
		return
	}
	period := q.Get("period")
	if period == "minutes" && from*1000 < f.now-int64(32*24*time.Hour/time.Millisecond) {
		rq.fail(http.StatusBadRequest, codeBadRequest, "with period=minutes, from must be within the last 32 days")
		return
	}
	if span, ok := maxStatsSpan[period]; ok && to-from > span {
		rq.fail(http.StatusBadRequest, codeBadRequest, fmt.Sprintf("with period=%s, to - from must not exceed %d seconds", period, span))
		return
	}
	wins, ok := f.windows(period, from*1000, to*1000)
	if !ok {
		rq.fail(http.StatusBadRequest, codeBadRequest, "period must be month, day or minutes (minutes: at most 20000 buckets)")
		return
	}
	p := f.traffic.profile(s)
	out := []airStatsJSON{}
	for _, w := range wins {
		u := f.traffic.recorded(p, w.from, w.to, f.now)
		if u.isZero() {
			continue
		}
		out = append(out, airStatsJSON{Date: w.date, Unixtime: w.from / 1000, DataTrafficStatsMap: map[string]dataTrafficStatsJSON{
			s.speedClass: {DownloadByteSizeTotal: u.DownloadBytes, DownloadPacketSizeTotal: u.DownloadPackets,
				UploadByteSizeTotal: u.UploadBytes, UploadPacketSizeTotal: u.UploadPackets}}})
	}
	rq.ok(out)
}

// handleExportAirStats is POST /stats/air/operators/{operator_id}/export
// (operationId exportAirStats): every SIM's usage per month or day as the
// Air usage CSV.
func handleExportAirStats(rq *request) {
	f := rq.f
	if rq.param("operator_id") != f.opts.OperatorID {
		rq.fail(http.StatusNotFound, codeNotFound, "no such operator")
		return
	}
	var req exportRequestJSON
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, 64<<10))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil || req.From == nil || req.To == nil || *req.From < 0 || *req.To < *req.From {
		rq.fail(http.StatusBadRequest, codeBadRequest, "the body must be an ExportRequest with from <= to in UNIX seconds")
		return
	}
	if req.Period != "month" && req.Period != "day" {
		// The fake renders months and days; minute rows have no documented
		// date format.
		rq.fail(http.StatusBadRequest, codeBadRequest, "period must be month or day")
		return
	}
	f.mu.RLock()
	wins, _ := f.windows(req.Period, *req.From*1000, *req.To*1000)
	csvBody := f.airUsageCSV(rq.coverage, wins)
	f.mu.RUnlock()
	rq.answerExport(csvBody)
}

// utf8BOM starts every SORACOM CSV file.
const utf8BOM = "\ufeff"

// airUsageCSV renders the Air usage CSV (UTF-8 with BOM, CRLF): the usage
// columns, then one column per tag name of the fleet and the group name.
// Idle SIMs have no row, so an idle period gives a header-only file.
func (f *Fake) airUsageCSV(coverage string, wins []window) []byte {
	fl := f.fleet(coverage)
	tagNames := fleetTagNames(fl)
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	header := append([]string{"imsi", "date", "type", "uploadByteSizeTotal", "uploadPacketCountTotal",
		"downloadByteSizeTotal", "downloadPacketCountTotal"}, tagNames...)
	_ = w.Write(append(header, "group"))
	for _, s := range fl.sims {
		p := f.traffic.profile(s)
		if p == (trafficProfile{}) {
			continue
		}
		for _, win := range wins {
			u := f.traffic.recorded(p, win.from, win.to, f.now)
			if u.isZero() {
				continue
			}
			typ := s.speedClass
			if coverage == CoverageGlobal {
				typ = s.primary().plan.name
			}
			row := []string{s.primary().imsi, win.date, typ, itoa(u.UploadBytes), itoa(u.UploadPackets),
				itoa(u.DownloadBytes), itoa(u.DownloadPackets)}
			row = append(row, tagValues(s, tagNames)...)
			_ = w.Write(append(row, groupName(fl, s)))
		}
	}
	w.Flush()
	return buf.Bytes()
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func fleetTagNames(fl *fleet) []string {
	seen := map[string]bool{}
	for _, s := range fl.sims {
		for _, t := range s.tags {
			seen[t.name] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func tagValues(s *sim, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i], _ = s.tags.get(n)
	}
	return out
}

func groupName(fl *fleet, s *sim) string {
	if g, ok := fl.groupsBy[s.groupID]; ok {
		return g.name
	}
	return ""
}
