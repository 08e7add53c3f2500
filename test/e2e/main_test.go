package e2e

import (
	"fmt"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"testing"
)

// TestMain makes an interrupted run (Ctrl-C, SIGTERM from a CI runner) stop
// every emulator and Terraform process it started and remove its work
// folders: t.Cleanup does not run when the process is killed by a signal.
func TestMain(m *testing.M) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "e2e: %v: stopping the emulators and Terraform, removing work folders\n", s)
		interrupted.runAll()
		code := 130
		if s == syscall.SIGTERM {
			code = 143
		}
		os.Exit(code)
	}()
	code := m.Run()
	signal.Stop(sigs)
	os.Exit(code)
}

// undoList holds what must be undone if the process is interrupted, in
// registration order; it is undone in reverse.
type undoList struct {
	mu    sync.Mutex
	next  int
	funcs map[int]func()
}

var interrupted = &undoList{funcs: map[int]func(){}}

// add registers f and returns a function that unregisters it.
func (u *undoList) add(f func()) (remove func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	id := u.next
	u.next++
	u.funcs[id] = f
	return func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		delete(u.funcs, id)
	}
}

// runAll runs every registered function, newest first.
func (u *undoList) runAll() {
	u.mu.Lock()
	ids := make([]int, 0, len(u.funcs))
	for id := range u.funcs {
		ids = append(ids, id)
	}
	funcs := u.funcs
	u.funcs = map[int]func(){}
	u.mu.Unlock()
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	for _, id := range ids {
		funcs[id]()
	}
}

// workDir creates a temporary folder that is removed when the test ends or
// the process is interrupted. Unlike t.TempDir it is kept when
// MPC_E2E_KEEP=1, so that the logs (one per stack and Terraform command,
// each ending with its wall and CPU time) and the state can be read.
func workDir(t *testing.T, pattern string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		t.Fatal(err)
	}
	remove := func() { os.RemoveAll(dir) }
	unregister := interrupted.add(remove)
	t.Cleanup(func() {
		unregister()
		if os.Getenv("MPC_E2E_KEEP") == "1" {
			t.Logf("MPC_E2E_KEEP=1: work folder kept in %s", dir)
			return
		}
		remove()
	})
	return dir
}
