package source

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAll(t *testing.T, in string) ([]AirUsageRow, error) {
	t.Helper()
	var rows []AirUsageRow
	err := ReadAirUsageCSV(strings.NewReader(in), func(r *AirUsageRow) error {
		rows = append(rows, *r)
		return nil
	})
	return rows, err
}

const airHeader = "imsi,date,type,uploadByteSizeTotal,uploadPacketCountTotal,downloadByteSizeTotal,downloadPacketCountTotal"

func TestReadAirUsageCSV(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []AirUsageRow
	}{
		{"BOM and CRLF", "\ufeff" + airHeader + "\r\n440100000000001,202511,s1.standard,100,2,300,4\r\n",
			[]AirUsageRow{{IMSI: "440100000000001", Date: "202511", Type: "s1.standard", UploadBytes: 100, UploadPackets: 2, DownloadBytes: 300, DownloadPackets: 4}}},
		{"header only: idle period", "\ufeff" + airHeader + "\r\n", nil},
		{"columns found by name in any order",
			"downloadByteSizeTotal,imsi,uploadByteSizeTotal\n7,440100000000002,5\n",
			[]AirUsageRow{{IMSI: "440100000000002", UploadBytes: 5, DownloadBytes: 7}}},
		{"tag and group columns, one named like a data column, quoted values",
			airHeader + ",name,imsi,group\n" +
				`440100000000003,202511,s1.fast,1,1,2,1,"meter, ""north""",999,"group
with newline"` + "\n",
			[]AirUsageRow{{IMSI: "440100000000003", Date: "202511", Type: "s1.fast", UploadBytes: 1, UploadPackets: 1, DownloadBytes: 2, DownloadPackets: 1}}},
		{"JSON spelling of packet columns, empty counts, row without IMSI skipped",
			"imsi,uploadByteSizeTotal,downloadByteSizeTotal,uploadPacketSizeTotal,downloadPacketSizeTotal\n,9,9,9,9\n440100000000004,,12,,3\n",
			[]AirUsageRow{{IMSI: "440100000000004", DownloadBytes: 12, DownloadPackets: 3}}},
		{"short row reads missing fields as empty", airHeader + "\n440100000000005,202511\n",
			[]AirUsageRow{{IMSI: "440100000000005", Date: "202511"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := readAll(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(tc.want) {
				t.Fatalf("got %d rows %+v, want %+v", len(rows), rows, tc.want)
			}
			for i := range rows {
				if rows[i] != tc.want[i] {
					t.Errorf("row %d: got %+v, want %+v", i, rows[i], tc.want[i])
				}
			}
		})
	}
}

func TestReadAirUsageCSVRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty file":         "",
		"BOM only":           "\ufeff",
		"missing imsi":       "uploadByteSizeTotal,downloadByteSizeTotal\n1,2\n",
		"negative count":     airHeader + "\n440100000000001,202511,x,-1,0,0,0\n",
		"not a number":       airHeader + "\n440100000000001,202511,x,lots,0,0,0\n",
		"broken quote":       airHeader + "\n\"440100000000001,202511,x,1,0,0,0\n",
		"fractional count":   airHeader + "\n440100000000001,202511,x,1.5,0,0,0\n",
		"missing byte total": "imsi,uploadByteSizeTotal\n1,2\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := readAll(t, in); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestReadAirUsageCSVStopsOnYieldError(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := ReadAirUsageCSV(strings.NewReader(airHeader+"\n1,2,3,4,5,6,7\n8,9,10,11,12,13,14\n"), func(*AirUsageRow) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d calls", err, calls)
	}
}

func TestReadBillingCSVBySIM(t *testing.T) {
	in := "\ufeffimsi,vpgId,date,billItemName,unitPrice,quantity,amount,name,group\r\n" +
		"440100000000001,,20251101,Basic fee,10,,10,a,g\r\n" +
		"440100000000001,,20251101,Data usage fee,0.0000002,1000000,0.2,a,g\r\n" +
		",vpg-1,20251101,VPG,100,,100,,\r\n" +
		"440100000000002,,202511,Free tier,,,-5,b,g\r\n"
	got, err := ReadBillingCSVBySIM(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["440100000000001"] != 10.2 || got["440100000000002"] != -5 {
		t.Fatalf("got %v", got)
	}
	if _, err := ReadBillingCSVBySIM(strings.NewReader("imsi,amount\n1,NaN\n")); err == nil {
		t.Fatal("NaN amount accepted")
	}
}

// FuzzReadAirUsageCSV: any input either fails cleanly or yields rows with an
// IMSI and non-negative counts; never a panic.
func FuzzReadAirUsageCSV(f *testing.F) {
	for _, seed := range []string{
		"\ufeff" + airHeader + "\r\n440100000000001,202511,s1.standard,100,2,300,4\r\n",
		"\ufeff" + airHeader + "\r\n",
		airHeader + ",name,group\n440100000000001,202511,s1.fast,1,1,2,1,\"a,b\",\"g\"\"1\"\n",
		"downloadByteSizeTotal,imsi,uploadByteSizeTotal\n7,440100000000002,5\n",
		airHeader + ",imsi\n1,2,3,4,5,6,7,8\n",
		"imsi,uploadByteSizeTotal,downloadByteSizeTotal\n\"x\ny\",1,2\n",
		"",
		"\ufeff",
		"imsi\n\"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		err := ReadAirUsageCSV(strings.NewReader(in), func(r *AirUsageRow) error {
			if r.IMSI == "" {
				t.Fatalf("row without IMSI: %+v", r)
			}
			if r.UploadBytes < 0 || r.DownloadBytes < 0 || r.UploadPackets < 0 || r.DownloadPackets < 0 {
				t.Fatalf("negative count: %+v", r)
			}
			return nil
		})
		if errors.Is(err, io.EOF) {
			t.Fatal("io.EOF leaked out")
		}
		_, _ = ReadBillingCSVBySIM(strings.NewReader(in))
	})
}
