package proc

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStartStopAndLog(t *testing.T) {
	dir := t.TempDir()
	// The shell ignores SIGTERM, so Stop must fall back to SIGKILL.
	p, err := Start("sh", filepath.Join(dir, "sh.log"), nil, "/bin/sh", "-c", "trap '' TERM; echo one; echo two; while :; do sleep 1; done")
	if err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(p.Tail(5), "two") {
		select {
		case <-p.Exited():
			t.Fatalf("exited early: %s", p.Tail(5))
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.Stop(100 * time.Millisecond)
	select {
	case <-p.Exited():
	default:
		t.Fatal("Stop returned before the process exited")
	}
	if got := p.Tail(1); got != "two" {
		t.Errorf("Tail(1) = %q, want the last line", got)
	}
	p.Stop(time.Second) // a second Stop is harmless
}

func TestFreePortIsLoopback(t *testing.T) {
	port, err := FreePort()
	if err != nil || port <= 0 {
		t.Fatalf("FreePort() = %d, %v", port, err)
	}
}

func TestLastLines(t *testing.T) {
	if got := LastLines("a\nb\nc\n", 2); got != "b\nc" {
		t.Errorf("LastLines = %q", got)
	}
	if got := Tail(filepath.Join(t.TempDir(), "none"), 3); got != "(no log)" {
		t.Errorf("Tail of a missing file = %q", got)
	}
}
