package bench

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Sample is one measured run of a command.
type Sample struct {
	// Seconds of wall time from start to exit of the command.
	Seconds float64 `json:"seconds"`
	// NodePeakMiB is the largest VmHWM read from a node descendant.
	NodePeakMiB float64 `json:"node_peak_mib"`
	// MaxRSSMiB is ru_maxrss of the run (cross-check of NodePeakMiB).
	MaxRSSMiB float64 `json:"max_rss_mib"`
	// CPUSeconds is user+system CPU time of the run and of every descendant
	// it waited for (Node included): close to what the run costs on an idle
	// machine, and much less sensitive than wall time to other load.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// Poll periods of the node watcher: how often the process tree is walked
// to find node descendants, and how often their VmHWM is read.
const (
	treePeriod = 100 * time.Millisecond
	hwmPeriod  = 20 * time.Millisecond
)

// measure runs cmd, timing it and watching the peak memory of its node
// descendants. It returns once the command and every node process it
// started have exited, so that runs never overlap.
func measure(cmd *exec.Cmd) (Sample, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Sample{}, err
	}
	watch := newNodeWatcher(cmd.Process.Pid)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { watch.run(stop); close(done) }()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	<-done
	watch.waitGone(10 * time.Second)
	s := Sample{Seconds: wall.Seconds(), NodePeakMiB: float64(watch.peakKiB()) / 1024}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSSMiB = float64(ru.Maxrss) / 1024
	}
	s.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	if err != nil {
		return s, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, tail(out.String(), 3000))
	}
	return s, nil
}

// measureAll runs the commands at once and measures them together: wall
// time until the last exits, CPU time summed, peak memory of the largest
// Node child.
func measureAll(cmds []*exec.Cmd) (Sample, error) {
	if len(cmds) == 1 {
		return measure(cmds[0])
	}
	type result struct {
		s   Sample
		err error
	}
	results := make(chan result, len(cmds))
	start := time.Now()
	for _, cmd := range cmds {
		go func() {
			s, err := measure(cmd)
			results <- result{s, err}
		}()
	}
	var total Sample
	var firstErr error
	for range cmds {
		r := <-results
		if r.err != nil && firstErr == nil {
			firstErr = r.err
		}
		total.CPUSeconds += r.s.CPUSeconds
		total.NodePeakMiB = max(total.NodePeakMiB, r.s.NodePeakMiB)
		total.MaxRSSMiB = max(total.MaxRSSMiB, r.s.MaxRSSMiB)
	}
	total.Seconds = time.Since(start).Seconds()
	return total, firstErr
}

// nodeWatcher tracks the node processes below one root pid.
type nodeWatcher struct {
	root int
	mu   sync.Mutex
	// hwm is the last VmHWM (KiB) read per node pid.
	hwm map[int]int64
}

func newNodeWatcher(root int) *nodeWatcher {
	return &nodeWatcher{root: root, hwm: map[int]int64{}}
}

// run polls until stop is closed, then takes a last reading.
func (n *nodeWatcher) run(stop <-chan struct{}) {
	hwm := time.NewTicker(hwmPeriod)
	defer hwm.Stop()
	lastTree := time.Time{}
	for {
		if time.Since(lastTree) >= treePeriod {
			n.scanTree()
			lastTree = time.Now()
		}
		n.readHWM()
		select {
		case <-stop:
			n.readHWM()
			return
		case <-hwm.C:
		}
	}
}

// scanTree adds every node process descending from the root, or from a
// node process already known (the root may exit first and its children be
// reparented).
func (n *nodeWatcher) scanTree() {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	children := map[int][]int{}
	comm := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, name, ok := readStat(pid)
		if !ok {
			continue
		}
		children[ppid] = append(children[ppid], pid)
		comm[pid] = name
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	queue := []int{n.root}
	for pid := range n.hwm {
		queue = append(queue, pid)
	}
	seen := map[int]bool{}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if seen[pid] {
			continue
		}
		seen[pid] = true
		if comm[pid] == "node" {
			if _, ok := n.hwm[pid]; !ok {
				n.hwm[pid] = 0
			}
		}
		queue = append(queue, children[pid]...)
	}
}

// readHWM refreshes the VmHWM of every known node process still alive.
func (n *nodeWatcher) readHWM() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for pid, old := range n.hwm {
		if v, ok := readVmHWM(pid); ok && v > old {
			n.hwm[pid] = v
		}
	}
}

func (n *nodeWatcher) peakKiB() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	var peak int64
	for _, v := range n.hwm {
		peak = max(peak, v)
	}
	return peak
}

// waitGone waits until no known node process is alive, at most limit.
func (n *nodeWatcher) waitGone(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		alive := false
		n.mu.Lock()
		for pid := range n.hwm {
			if _, _, ok := readStat(pid); ok {
				alive = true
			}
		}
		n.mu.Unlock()
		if !alive {
			return
		}
		time.Sleep(hwmPeriod)
	}
}

// readStat returns the parent pid and command name of a live process
// (zombies count as gone).
func readStat(pid int) (ppid int, comm string, ok bool) {
	st, ok := readProcStat(pid)
	return st.ppid, st.comm, ok
}

// procStat is what the bench reads from /proc/<pid>/stat.
type procStat struct {
	ppid int
	comm string
	// cpuTicks is utime+stime in clock ticks.
	cpuTicks int64
}

// clockTicks is USER_HZ, the unit of utime and stime (100 on Linux).
const clockTicks = 100

func readProcStat(pid int) (procStat, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, false
	}
	s := string(data)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	// Fields after the command: state(0) ppid(1) ... utime(11) stime(12).
	fields := strings.Fields(s[end+1:])
	if len(fields) < 13 || fields[0] == "Z" || fields[0] == "X" {
		return procStat{}, false
	}
	ppid, err1 := strconv.Atoi(fields[1])
	ut, err2 := strconv.ParseInt(fields[11], 10, 64)
	st, err3 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return procStat{}, false
	}
	return procStat{ppid: ppid, comm: s[open+1 : end], cpuTicks: ut + st}, true
}

// NodeCPUSeconds is the user+system CPU time used so far by the live node
// processes descending from pid: the jsii runtime's share of a run, for a
// program that wants to split its own CPU time from Node's.
func NodeCPUSeconds(pid int) float64 {
	w := newNodeWatcher(pid)
	w.scanTree()
	var ticks int64
	for p := range w.hwm {
		if st, ok := readProcStat(p); ok {
			ticks += st.cpuTicks
		}
	}
	return float64(ticks) / clockTicks
}

// readVmHWM reads the resident-memory high-water mark of a process in KiB.
func readVmHWM(pid int) (int64, bool) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
