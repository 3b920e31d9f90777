package output

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Textfile writes the exposition to a file for node_exporter's textfile
// collector. Every write goes to a temporary file in the same directory,
// which is synced and then renamed over the target, so a reader sees either
// the previous file or the new one, never a partial one. The temporary name
// does not end in .prom, so node_exporter never reads it.
type Textfile struct {
	Path string
	Exp  *Exposition
	Log  *slog.Logger
}

// CheckTextfilePath reports a textfile path node_exporter would not read or
// that cannot be written, before any polling starts.
func CheckTextfilePath(path string) error {
	if !strings.HasSuffix(path, ".prom") {
		return fmt.Errorf("--output.textfile=%s: node_exporter's textfile collector only reads files ending in .prom", path)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("--output.textfile=%s: directory %s does not exist (create it, or point at node_exporter's --collector.textfile.directory)", path, dir)
	}
	return nil
}

// NewTextfile checks the path and returns a writer for it.
func NewTextfile(path string, exp *Exposition, log *slog.Logger) (*Textfile, error) {
	if err := CheckTextfilePath(path); err != nil {
		return nil, err
	}
	return &Textfile{Path: path, Exp: exp, Log: log}, nil
}

// Write replaces the file atomically.
func (t *Textfile) Write() (err error) {
	dir, base := filepath.Split(t.Path)
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing textfile: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err = t.Exp.WriteText(bw, true); err != nil {
		return fmt.Errorf("writing textfile: %w", err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing textfile %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), t.Path); err != nil {
		return fmt.Errorf("replacing textfile %s: %w", t.Path, err)
	}
	return nil
}

// MinTextfileGap spaces the rewrites of the file. node_exporter reads it
// when it is scraped, every 15 s or more, so writing it more often, say for
// every webhook refresh of a busy fleet (each rewrite of 100,000 SIMs is
// 119 MB), would only cost disk writes: a change within the gap after a
// write is written at the end of the gap, with every change made meanwhile.
const MinTextfileGap = 5 * time.Second

// Run rewrites the file after every successful poll, at most once per
// MinTextfileGap, and when data ages past its max age (checked every
// recheck interval), until ctx ends.
func (t *Textfile) Run(ctx context.Context, recheck time.Duration) {
	tick := time.NewTicker(recheck)
	defer tick.Stop()
	lastView := t.Exp.Store.View(t.Exp.now())
	var lastWrite time.Time
	var due <-chan time.Time // set while a change waits for the gap to end
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.Exp.Store.Changed():
			if due != nil {
				continue // written when the gap ends
			}
			if wait := MinTextfileGap - time.Since(lastWrite); wait > 0 {
				due = time.After(wait)
				continue
			}
		case <-due:
			due = nil
		case <-tick.C:
			if v := t.Exp.Store.View(t.Exp.now()); due != nil || v == lastView {
				continue
			}
		}
		lastView = t.Exp.Store.View(t.Exp.now())
		lastWrite = time.Now()
		if err := t.Write(); err != nil {
			t.Log.Error("textfile not updated; the previous file stays", "path", t.Path, "err", err)
		}
	}
}
