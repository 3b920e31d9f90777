package soracomfake

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Asynchronous exports (exportAirStats, exportLatestBilling) and
// getExportedFile. The file is rendered when the export is asked for, as a
// snapshot of that moment. It stays "processing" for ExportSettings.
// Processing on the wall clock (by default: for its first status check
// only), then answers "exported" with a download URL on the fake's own host,
// outside /v1/: like SORACOM's pre-signed storage links it needs no API key
// or token, and it refuses requests that carry them. With
// ExportSettings.Fail it answers "failed" instead.

// filesPrefix starts download URLs.
const filesPrefix = "/_files/"

// maxKeptFiles bounds the exported files kept in memory; older ones expire.
const maxKeptFiles = 32

type exportedFile struct {
	id, coverage, signature string
	body                    []byte
	checks                  int // getExportedFile calls so far
	// readyAt is when processing ends; the zero time means "after the
	// first check".
	readyAt time.Time
	failed  bool
}

// ExportSettings shape how asynchronous exports behave.
type ExportSettings struct {
	// Processing is how long a new export stays "processing", on the
	// wall clock. Zero: one "processing" answer, then "exported".
	Processing time.Duration `json:"-"`
	// Fail makes new exports end "failed" instead of "exported".
	Fail bool `json:"fail,omitempty"`
}

// MarshalJSON writes Processing as a duration string.
func (s ExportSettings) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Processing string `json:"processing"`
		Fail       bool   `json:"fail"`
	}{s.Processing.String(), s.Fail})
}

// UnmarshalJSON reads Processing as a duration string ("90s").
func (s *ExportSettings) UnmarshalJSON(b []byte) error {
	var v struct {
		Processing string `json:"processing"`
		Fail       bool   `json:"fail"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.Fail, s.Processing = v.Fail, 0
	if v.Processing != "" {
		d, err := time.ParseDuration(v.Processing)
		if err != nil || d < 0 {
			return fmt.Errorf("processing must be a non-negative duration such as 90s")
		}
		s.Processing = d
	}
	return nil
}

type fileStore struct {
	now func() time.Time

	mu        sync.Mutex
	settings  ExportSettings
	seq       int
	files     map[string]*exportedFile
	order     []string
	downloads int
}

func newFileStore(now func() time.Time, processing time.Duration) *fileStore {
	return &fileStore{now: now, settings: ExportSettings{Processing: processing}, files: map[string]*exportedFile{}}
}

// SetExports changes how exports asked for from now on behave.
func (f *Fake) SetExports(s ExportSettings) error {
	if s.Processing < 0 {
		return fmt.Errorf("processing must not be negative")
	}
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	f.files.settings = s
	return nil
}

// Exports returns the export settings.
func (f *Fake) Exports() ExportSettings {
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	return f.files.settings
}

func (fs *fileStore) add(coverage string, body []byte, seed int64) *exportedFile {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.seq++
	r := newRNG(uint64(seed), hashString("exported file"), uint64(fs.seq))
	ef := &exportedFile{id: fmt.Sprintf("fe_%s", uuidLike(&r)), coverage: coverage, signature: hexID(&r, 32), body: body,
		failed: fs.settings.Fail}
	if fs.settings.Processing > 0 {
		ef.readyAt = fs.now().Add(fs.settings.Processing)
	}
	fs.files[ef.id] = ef
	fs.order = append(fs.order, ef.id)
	if len(fs.order) > maxKeptFiles {
		delete(fs.files, fs.order[0])
		fs.order = fs.order[1:]
	}
	return ef
}

// fileExportJSON is FileExportResponse.
type fileExportJSON struct {
	ExportedFileID   string `json:"exportedFileId,omitempty"`
	ExportedFilePath string `json:"exportedFilePath,omitempty"`
	URL              string `json:"url,omitempty"`
}

// exportedFileJSON is GetExportedFileResponse.
type exportedFileJSON struct {
	Status string `json:"status"`
	URL    string `json:"url,omitempty"`
}

// answerExport stores body and answers as export_mode asks: async gives the
// file ID, sync (the default) the URL at once.
func (rq *request) answerExport(body []byte) {
	mode := rq.r.URL.Query().Get("export_mode")
	if mode != "" && mode != "async" && mode != "sync" {
		rq.fail(http.StatusBadRequest, codeBadRequest, "export_mode must be async or sync")
		return
	}
	ef := rq.f.files.add(rq.coverage, body, rq.f.opts.Seed)
	if mode == "async" {
		rq.ok(fileExportJSON{ExportedFileID: ef.id, ExportedFilePath: "//files/exported/" + ef.id})
		return
	}
	ef.checks = 1
	rq.ok(fileExportJSON{URL: rq.downloadURL(ef)})
}

func (rq *request) downloadURL(ef *exportedFile) string {
	return "http://" + rq.r.Host + filesPrefix + ef.id + "?signature=" + ef.signature
}

// handleGetExportedFile is GET /files/exported/{exported_file_id}
// (operationId getExportedFile).
func handleGetExportedFile(rq *request) {
	fs := rq.f.files
	fs.mu.Lock()
	ef, ok := fs.files[rq.param("exported_file_id")]
	if !ok || ef.coverage != rq.coverage {
		fs.mu.Unlock()
		rq.fail(http.StatusNotFound, codeNotFound, "no such exported file")
		return
	}
	ef.checks++
	ready := ef.checks > 1
	if !ef.readyAt.IsZero() {
		ready = !fs.now().Before(ef.readyAt)
	}
	failed := ef.failed
	fs.mu.Unlock()
	switch {
	case !ready:
		rq.ok(exportedFileJSON{Status: "processing"})
	case failed:
		rq.ok(exportedFileJSON{Status: "failed"})
	default:
		rq.ok(exportedFileJSON{Status: "exported", URL: rq.downloadURL(ef)})
	}
}

// serveFile answers a download URL. It is not an API call: no token, no
// rate limit, not counted with the API calls (see FileDownloads).
func (f *Fake) serveFile(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, filesPrefix)
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.Header.Get("X-Soracom-API-Key") != "" || r.Header.Get("X-Soracom-Token") != "" || r.Header.Get("Authorization") != "" {
		// Pre-signed storage refuses a second authentication method.
		http.Error(w, "only one authentication mechanism allowed: the URL is already signed", http.StatusBadRequest)
		return
	}
	f.files.mu.Lock()
	ef, ok := f.files.files[id]
	signed := ok && subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("signature")), []byte(ef.signature)) == 1
	if signed {
		f.files.downloads++
	}
	f.files.mu.Unlock()
	if !signed {
		http.Error(w, "access denied", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	_, _ = w.Write(ef.body)
}

// FileDownloads returns how many exported files were downloaded (with a
// valid signature).
func (f *Fake) FileDownloads() int {
	f.files.mu.Lock()
	defer f.files.mu.Unlock()
	return f.files.downloads
}
