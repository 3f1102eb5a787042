//go:build unix

// Package e2e builds the real service binaries and checks their graceful
// shutdown from the outside: start the process, keep requests in flight,
// send SIGTERM, and watch readiness, the listener, the in-flight requests
// and the exit code against the budget a rendered Deployment gives.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The budget as the operator renders it (api/spec/shutdown.ts resolveShutdown;
// https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination):
// terminationGracePeriodSeconds = spec.shutdown
// preStopSleepSeconds + timeoutSeconds + margin. The kubelet runs the preStop
// sleep, then sends SIGTERM, then SIGKILLs whatever still runs when the grace
// period ends. The app gets timeoutSeconds as SHUTDOWN_TIMEOUT. Smaller
// numbers than the defaults (5 + 20 + 5) keep the test short.
const (
	preStopSleep    = 2 * time.Second                         // spec.shutdown.preStopSleepSeconds (runs before SIGTERM)
	shutdownTimeout = 5 * time.Second                         // spec.shutdown.timeoutSeconds → SHUTDOWN_TIMEOUT
	margin          = 1 * time.Second                         // the renderer's margin (5s by default)
	gracePeriod     = preStopSleep + shutdownTimeout + margin // terminationGracePeriodSeconds = 8s
	afterSIGTERM    = gracePeriod - preStopSleep              // SIGKILL comes this long after SIGTERM

	drainDelay = 500 * time.Millisecond // READINESS_DRAIN_DELAY
	slowFor    = 2500 * time.Millisecond
)

var (
	binDir    string // created by TestMain, filled by build
	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "msvc-services-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// build compiles the three binaries once per run. It runs inside a test, not
// in TestMain, because only files opened while tests run count for the test
// cache (see trackSources).
func build(t *testing.T) {
	t.Helper()
	buildOnce.Do(func() {
		if buildErr = trackSources(".."); buildErr != nil {
			return
		}
		// go test puts its own GOROOT/bin first on PATH, so this is the same toolchain.
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-o", binDir+string(filepath.Separator), "./cmd/...")
		cmd.Dir = ".." // the module root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("building the services: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

// trackSources opens every source file of the module. This package imports
// none of the code it tests (it runs the binaries), so without this "go test"
// would serve a cached PASS after cmd/ or internal/ changed; files a test
// opens are part of the cache key.
func trackSources(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(path, ".go") || d.Name() == "go.mod" {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			return f.Close()
		}
		return nil
	})
}

// proc is one running service binary.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	exited chan struct{} // closed after Wait; then exitCode and logs are final
	code   int
	mu     sync.Mutex
	logs   []map[string]any
}

func start(t *testing.T, service string, env ...string) *proc {
	t.Helper()
	build(t)
	cmd := exec.Command(filepath.Join(binDir, service))
	cmd.Env = append([]string{
		"HOST=127.0.0.1", "PORT=0", "LOG_LEVEL=debug", "DEBUG_ENDPOINTS=true",
		// upstreams are never called here; keep them on loopback anyway
		"USER_URL=http://127.0.0.1:1", "ORDER_URL=http://127.0.0.1:1",
	}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Errorf("%s: log line is not JSON: %q", service, sc.Text())
				continue
			}
			p.mu.Lock()
			p.logs = append(p.logs, rec)
			p.mu.Unlock()
			if rec["msg"] == "listening" {
				addr <- rec["addr"].(string)
			}
		}
		err := cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		if err != nil && p.code == -1 {
			t.Errorf("%s: %v", service, err)
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.exited:
		t.Fatalf("%s exited with %d before listening", service, p.code)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not log its address", service)
	}
	if !strings.HasPrefix(p.url, "http://127.0.0.1:") {
		t.Fatalf("listening on %s, want 127.0.0.1", p.url)
	}
	p.waitStatus("/readyz", http.StatusOK, 5*time.Second)
	return p
}

// fresh makes a request on a new connection, as a client arriving now would.
func (p *proc) fresh(path string) (int, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}, Timeout: 2 * time.Second}
	resp, err := c.Get(p.url + path)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (p *proc) waitStatus(path string, want int, within time.Duration) {
	p.t.Helper()
	var code int
	var err error
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if code, err = p.fresh(path); err == nil && code == want {
			return
		}
	}
	p.t.Fatalf("%s: last answer %d, %v; want %d within %v", path, code, err, want, within)
}

func (p *proc) sawLog(msg string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.ContainsFunc(p.logs, func(r map[string]any) bool { return r["msg"] == msg })
}

// slow starts n requests to /debug/slow and returns once all are on the
// wire, plus a channel that yields each one's outcome.
func (p *proc) slow(n int, d time.Duration) <-chan error {
	out := make(chan error, n)
	var sent sync.WaitGroup
	for range n {
		sent.Add(1)
		go func() {
			var once sync.Once
			trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { once.Do(sent.Done) }}
			ctx := httptrace.WithClientTrace(context.Background(), trace)
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/debug/slow?ms=%d", p.url, d.Milliseconds()), nil)
			resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
			once.Do(sent.Done)
			if err != nil {
				out <- err
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "slept_ms") {
				out <- fmt.Errorf("status %d body %q", resp.StatusCode, body)
				return
			}
			out <- nil
		}()
	}
	sent.Wait()
	time.Sleep(100 * time.Millisecond) // let the server read them
	return out
}

func TestGracefulShutdownWithinRenderedBudget(t *testing.T) {
	for _, service := range []string{"gateway", "order", "user"} {
		t.Run(service, func(t *testing.T) {
			t.Parallel()
			p := start(t, service,
				// whole seconds, as a manifest would carry spec.shutdown.timeoutSeconds
				"SHUTDOWN_TIMEOUT="+strconv.Itoa(int(shutdownTimeout.Seconds())),
				"READINESS_DRAIN_DELAY="+drainDelay.String())

			// /healthz carries the runtime report under the documented names.
			resp, err := http.Get(p.url + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			var h map[string]any
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if err != nil || h["service"] != service || !strings.HasPrefix(h["go_version"].(string), "go1.") {
				t.Fatalf("healthz %v (%v)", h, err)
			}
			for _, k := range []string{"gomaxprocs", "memory_limit_bytes", "gc_percent", "goroutines"} {
				if _, ok := h[k].(float64); !ok {
					t.Fatalf("healthz: %s missing or not a number: %v", k, h)
				}
			}

			const n = 4
			slowStarted := time.Now()
			results := p.slow(n, slowFor)
			var finished atomic.Int32
			done := make(chan error, n)
			go func() {
				for range n {
					err := <-results
					finished.Add(1)
					done <- err
				}
			}()

			sigterm := time.Now()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			// Drain delay: readiness fails at once, the process still answers.
			p.waitStatus("/readyz", http.StatusServiceUnavailable, drainDelay)
			if code, err := p.fresh("/healthz"); time.Since(sigterm) < drainDelay && (err != nil || code != 200) {
				t.Errorf("healthz during drain delay: %d, %v; want 200 (liveness must not fail)", code, err)
			}
			// After it: the listener is closed, new connections are refused...
			var refusedAt time.Duration
			for deadline := sigterm.Add(drainDelay + time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
				if _, err := p.fresh("/healthz"); err != nil {
					refusedAt = time.Since(sigterm)
					break
				}
			}
			if refusedAt == 0 {
				t.Fatal("new connections still accepted a second after the drain delay")
			}
			// ...while the requests already in flight are still running.
			if f := finished.Load(); f != 0 {
				t.Fatalf("%d in-flight requests ended before the listener closed; test timing is off", f)
			}
			for range n {
				if err := <-done; err != nil {
					t.Errorf("in-flight request failed: %v", err)
				}
			}
			if d := time.Since(slowStarted); d < slowFor {
				t.Errorf("in-flight requests returned after %v, before their %v", d, slowFor)
			}

			select {
			case <-p.exited:
			case <-time.After(afterSIGTERM):
				t.Fatalf("still running %v after SIGTERM: the kubelet would SIGKILL it now", afterSIGTERM)
			}
			elapsed := time.Since(sigterm)
			if p.code != 0 {
				t.Fatalf("exit code %d, want 0", p.code)
			}
			if elapsed > shutdownTimeout {
				t.Errorf("exited %v after SIGTERM; SHUTDOWN_TIMEOUT is %v", elapsed, shutdownTimeout)
			}
			for _, msg := range []string{"shutdown started", "shutdown complete"} {
				if !p.sawLog(msg) {
					t.Errorf("no %q log record", msg)
				}
			}
			t.Logf("readyz 503 during the drain delay, refused after %v, exit 0 after %v (budget %v, SIGKILL at %v)",
				refusedAt.Round(time.Millisecond), elapsed.Round(time.Millisecond), shutdownTimeout, afterSIGTERM)
		})
	}
}

// A request longer than the budget must not hold the pod past it: the
// process closes the connection and exits 1 on time, before any SIGKILL.
func TestShutdownBudgetCutsOffLongRequests(t *testing.T) {
	const budget = time.Second
	p := start(t, "user", "SHUTDOWN_TIMEOUT="+budget.String())
	results := p.slow(1, time.Minute)
	sigterm := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(budget + 2*time.Second):
		t.Fatal("did not exit after its budget")
	}
	elapsed := time.Since(sigterm)
	if p.code != 1 || elapsed < budget {
		t.Fatalf("exit %d after %v; want 1 after about %v", p.code, elapsed, budget)
	}
	if err := <-results; err == nil {
		t.Fatal("the over-budget request should have been cut off")
	}
	if !p.sawLog("shutdown forced") {
		t.Error(`no "shutdown forced" log record`)
	}
}
