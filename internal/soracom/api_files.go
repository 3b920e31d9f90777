package soracom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// GetExportedFile returns the state of an asynchronous export (GET
// /v1/files/exported/{exported_file_id}, operationId getExportedFile).
func (c *Client) GetExportedFile(ctx context.Context, exportedFileID string) (*ExportedFile, error) {
	var out ExportedFile
	if err := c.getJSON(ctx, "/files/exported/{exported_file_id}", "/files/exported/"+pathEscape(exportedFileID), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ErrExportFailed is returned when SORACOM reports an export as failed.
var ErrExportFailed = errors.New("soracom: the export failed")

// ExportPendingError is returned by WaitExportedFile when ctx ended while the
// export was still processing. The export goes on at SORACOM: a later call
// resumes waiting on ExportedFileID (WaitExportedFile with
// &FileExport{ExportedFileID: id}, or GetExportedFile) instead of starting
// a new one. It unwraps to ctx's error.
type ExportPendingError struct {
	ExportedFileID string
	Err            error
}

func (e *ExportPendingError) Error() string {
	return fmt.Sprintf("soracom: exported file %s still processing: %v", e.ExportedFileID, e.Err)
}

func (e *ExportPendingError) Unwrap() error { return e.Err }

// WaitExportedFile follows an export until its file can be downloaded and
// returns the download URL. A synchronous export already carries it. The
// state is asked for first after firstPoll, then at growing intervals (at
// most maxExportPoll) until ctx ends; an export still processing then gives
// an *ExportPendingError. To resume waiting on an export started earlier,
// pass &FileExport{ExportedFileID: id}.
func (c *Client) WaitExportedFile(ctx context.Context, exp *FileExport, firstPoll time.Duration) (string, error) {
	if exp.URL != "" {
		return exp.URL, nil
	}
	if exp.ExportedFileID == "" {
		return "", &MalformedResponseError{Method: http.MethodPost, Operation: "export", Err: errors.New("neither exportedFileId nor url in the answer")}
	}
	wait := max(firstPoll, time.Millisecond)
	for {
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return "", &ExportPendingError{ExportedFileID: exp.ExportedFileID, Err: err}
		}
		f, err := c.GetExportedFile(ctx, exp.ExportedFileID)
		if err != nil {
			if ctx.Err() != nil {
				return "", &ExportPendingError{ExportedFileID: exp.ExportedFileID, Err: err}
			}
			return "", err
		}
		switch f.Status {
		case ExportExported:
			if f.URL == "" {
				return "", &MalformedResponseError{Method: http.MethodGet, Operation: "/files/exported/{exported_file_id}", Err: errors.New("status exported without url")}
			}
			return f.URL, nil
		case ExportFailed:
			return "", fmt.Errorf("%w (exported file %s)", ErrExportFailed, exp.ExportedFileID)
		}
		wait = min(wait*2, maxExportPoll)
	}
}

const maxExportPoll = 15 * time.Second

// DownloadExportedFile fetches an exported file from its download URL with a
// plain GET: the URL is pre-signed storage, which must not receive the
// SORACOM API key and token (and would refuse a second authentication).
// Errors never quote the URL, whose query is a credential. The caller
// closes the body; ctx bounds the whole download.
func (c *Client) DownloadExportedFile(ctx context.Context, url string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, errors.New("soracom: download of exported file: invalid URL")
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &transportError{method: http.MethodGet, op: "exported file download", err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		return nil, fmt.Errorf("soracom: download of exported file: HTTP %d", resp.StatusCode)
	}
	return resp.Body, nil
}
