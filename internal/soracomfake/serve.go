package soracomfake

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Serve starts one HTTP server per coverage on listenHost (default
// 127.0.0.1), each on a free port, and returns coverage → base URL
// ("http://127.0.0.1:port", without /v1: the form of soracom-cli's
// SORACOM_ENDPOINT). The servers stop when ctx is done.
func (f *Fake) Serve(ctx context.Context, listenHost string) (map[string]string, error) {
	if listenHost == "" {
		listenHost = "127.0.0.1"
	}
	endpoints := map[string]string{}
	var servers []*http.Server
	for _, cov := range f.opts.Coverages {
		ln, err := net.Listen("tcp", net.JoinHostPort(listenHost, "0"))
		if err != nil {
			for _, s := range servers {
				_ = s.Close()
			}
			return nil, err
		}
		srv := &http.Server{Handler: f.Handler(cov), ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		endpoints[cov] = "http://" + ln.Addr().String()
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				_ = ln.Close()
			}
		}()
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, s := range servers {
			_ = s.Shutdown(shutdown)
		}
	}()
	return endpoints, nil
}

// RunDemoClock advances the fake clock by tick×speed every tick of real
// time until ctx is done, so a demo fleet keeps moving (speed 1: real time;
// 60: a simulated minute per second).
func (f *Fake) RunDemoClock(ctx context.Context, tick time.Duration, speed float64) {
	if tick <= 0 || speed <= 0 {
		return
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	step := time.Duration(float64(tick) * speed)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.Advance(step)
		}
	}
}
