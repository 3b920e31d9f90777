package soracom

import "time"

// StatsPeriod is the unit of aggregation of the stats calls (the spec's
// period parameter and ExportRequest.period).
type StatsPeriod string

// Periods the stats calls accept.
const (
	PeriodMonth   StatsPeriod = "month"
	PeriodDay     StatsPeriod = "day"
	PeriodMinutes StatsPeriod = "minutes"
)

// DataTrafficStats is one entry of AirStatsResponse.dataTrafficStatsMap:
// bytes and packets per direction. The spec calls the packet counts
// "PacketSizeTotal"; the CSV export calls them "PacketCountTotal".
type DataTrafficStats struct {
	UploadByteSizeTotal     int64 `json:"uploadByteSizeTotal"`
	DownloadByteSizeTotal   int64 `json:"downloadByteSizeTotal"`
	UploadPacketSizeTotal   int64 `json:"uploadPacketSizeTotal"`
	DownloadPacketSizeTotal int64 `json:"downloadPacketSizeTotal"`
}

// Add returns the sum of s and o.
func (s DataTrafficStats) Add(o DataTrafficStats) DataTrafficStats {
	return DataTrafficStats{
		UploadByteSizeTotal:     s.UploadByteSizeTotal + o.UploadByteSizeTotal,
		DownloadByteSizeTotal:   s.DownloadByteSizeTotal + o.DownloadByteSizeTotal,
		UploadPacketSizeTotal:   s.UploadPacketSizeTotal + o.UploadPacketSizeTotal,
		DownloadPacketSizeTotal: s.DownloadPacketSizeTotal + o.DownloadPacketSizeTotal,
	}
}

// AirStats is one bucket of a SIM's usage (AirStatsResponse). The map is
// keyed by speed class; Unixtime is the bucket's start in seconds.
type AirStats struct {
	DataTrafficStatsMap map[string]DataTrafficStats `json:"dataTrafficStatsMap"`
	Date                string                      `json:"date"`
	Unixtime            int64                       `json:"unixtime"`
}

// Total sums the bucket over every speed class.
func (a *AirStats) Total() DataTrafficStats {
	var t DataTrafficStats
	for _, s := range a.DataTrafficStatsMap {
		t = t.Add(s)
	}
	return t
}

// Start returns the bucket's start.
func (a *AirStats) Start() time.Time { return time.Unix(a.Unixtime, 0).UTC() }

// exportRequest is the ExportRequest body; from and to are UNIX seconds.
type exportRequest struct {
	From   int64       `json:"from"`
	To     int64       `json:"to"`
	Period StatsPeriod `json:"period"`
}

// FileExport is FileExportResponse: an asynchronous export carries
// ExportedFileID (and ExportedFilePath), a synchronous one the URL.
type FileExport struct {
	ExportedFileID   string `json:"exportedFileId"`
	ExportedFilePath string `json:"exportedFilePath"`
	URL              string `json:"url"`
}

// Export states of GetExportedFileResponse.status.
const (
	ExportProcessing = "processing"
	ExportExported   = "exported"
	ExportFailed     = "failed"
)

// ExportedFile is GetExportedFileResponse. URL is set once Status is
// "exported"; it is a pre-signed download link and must not be logged.
type ExportedFile struct {
	Status string `json:"status"`
	URL    string `json:"url"`
}
