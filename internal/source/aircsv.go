package source

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// SORACOM's exported CSV files (Air usage, detailed billing) are UTF-8 with
// a byte order mark, CRLF line ends, a header row naming the columns, and a
// variable set of columns: SORACOM adds columns over time and appends one
// column per tag name and the group name. Columns are therefore found by
// header name, never by position, and unknown columns are ignored. Files
// are read row by row, so memory does not grow with the fleet.

// errNoHeader is openCSV's error for a file without a header row (empty,
// or only a byte order mark).
var errNoHeader = errors.New("CSV file is empty: no header row")

// csvTable reads a header row, then yields rows with fields found by name.
type csvTable struct {
	r      *csv.Reader
	column map[string]int
}

// openCSV strips a BOM and reads the header. A file without even a header
// is an error: SORACOM writes the header for an idle period too.
func openCSV(in io.Reader) (*csvTable, error) {
	br := bufio.NewReader(in)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\ufeff")) {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1 // rows of other widths are checked field by field
	r.ReuseRecord = true
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errNoHeader
	}
	if err != nil {
		return nil, fmt.Errorf("CSV header: %w", err)
	}
	t := &csvTable{r: r, column: make(map[string]int, len(header))}
	for i, name := range header {
		name = strings.TrimSpace(name)
		// The first column of a name wins: data columns come before the
		// tag columns, and a tag may be called "imsi" too.
		if _, dup := t.column[name]; !dup && name != "" {
			t.column[name] = i
		}
	}
	return t, nil
}

// require checks that the named columns exist.
func (t *csvTable) require(names ...string) error {
	var missing []string
	for _, n := range names {
		if _, ok := t.column[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("CSV header lacks the column(s) %s", strings.Join(missing, ", "))
	}
	return nil
}

// csvRow is one record; it is valid until the next call to next.
type csvRow struct {
	t      *csvTable
	fields []string
	line   int
}

// next returns the next row, or io.EOF after the last.
func (t *csvTable) next() (csvRow, error) {
	rec, err := t.r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return csvRow{}, io.EOF
		}
		return csvRow{}, fmt.Errorf("CSV: %w", err)
	}
	line, _ := t.r.FieldPos(0)
	return csvRow{t: t, fields: rec, line: line}, nil
}

// get returns a column's trimmed value; "" when the column or the field is
// absent (a short row).
func (r csvRow) get(name string) string {
	i, ok := r.t.column[name]
	if !ok || i >= len(r.fields) {
		return ""
	}
	return strings.TrimSpace(r.fields[i])
}

// count parses a non-negative integer column; an empty field is 0.
func (r csvRow) count(name string) (int64, error) {
	s := r.get(name)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Be lenient with "123.0", strict with anything else.
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) || f > 1<<62 {
			return 0, fmt.Errorf("CSV line %d: %s is not a count: %q", r.line, name, s)
		}
		v = int64(f)
	}
	if v < 0 {
		return 0, fmt.Errorf("CSV line %d: %s is negative: %d", r.line, name, v)
	}
	return v, nil
}

// AirUsageRow is one row of the Air usage CSV (exportAirStats): one IMSI's
// usage in one period.
type AirUsageRow struct {
	IMSI string
	// Date is yyyyMM for period=month, yyyyMMdd for period=day.
	Date string
	// Type is the speed class (Japan) or subscription (Global).
	Type                           string
	UploadBytes, DownloadBytes     int64
	UploadPackets, DownloadPackets int64
}

// Columns of the Air usage CSV. The packet columns are "Count" here but
// "PacketSizeTotal" in the JSON stats; both spellings are accepted.
const (
	colIMSI          = "imsi"
	colDate          = "date"
	colType          = "type"
	colUploadBytes   = "uploadByteSizeTotal"
	colDownloadBytes = "downloadByteSizeTotal"
)

var (
	colUploadPackets   = []string{"uploadPacketCountTotal", "uploadPacketSizeTotal"}
	colDownloadPackets = []string{"downloadPacketCountTotal", "downloadPacketSizeTotal"}
)

// ReadAirUsageCSV streams the rows of an Air usage CSV to yield. Rows
// without an IMSI (not tied to a SIM) are skipped. A header-only file yields
// nothing and succeeds.
func ReadAirUsageCSV(in io.Reader, yield func(*AirUsageRow) error) error {
	t, err := openCSV(in)
	if err != nil {
		return err
	}
	if err := t.require(colIMSI, colUploadBytes, colDownloadBytes); err != nil {
		return err
	}
	upPackets, downPackets := t.first(colUploadPackets), t.first(colDownloadPackets)
	var row AirUsageRow
	for {
		r, err := t.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		row = AirUsageRow{IMSI: r.get(colIMSI), Date: r.get(colDate), Type: r.get(colType)}
		if row.IMSI == "" {
			continue
		}
		var errs [4]error
		row.UploadBytes, errs[0] = r.count(colUploadBytes)
		row.DownloadBytes, errs[1] = r.count(colDownloadBytes)
		row.UploadPackets, errs[2] = r.count(upPackets)
		row.DownloadPackets, errs[3] = r.count(downPackets)
		if err := errors.Join(errs[:]...); err != nil {
			return err
		}
		if err := yield(&row); err != nil {
			return err
		}
	}
}

// first returns the first of names the header has ("" if none).
func (t *csvTable) first(names []string) string {
	for _, n := range names {
		if _, ok := t.column[n]; ok {
			return n
		}
	}
	return ""
}
