package bench

import (
	"math"
	"testing"
)

// A time of floor + k x stacks must fit an exponent well below 1, and the
// time above the floor exactly 1.
func TestFitSeparatesTheFloorFromLinearGrowth(t *testing.T) {
	const floor, perStack = 7.0, 0.05
	cases := []CaseResult{{Case: Case{Name: "floor", Floor: true}, CPUSeconds: floor, MedianSeconds: floor}}
	for _, n := range []int{16, 56, 208} {
		s := floor + perStack*float64(n)
		cases = append(cases, CaseResult{Case: Case{Name: "mesh-x"}, Counts: Counts{Stacks: n}, MedianSeconds: s, CPUSeconds: s})
	}
	f := fits(cases)
	if len(f) != 4 { // wall and cpu, over every app case and over the meshes
		t.Fatalf("want 4 fits, got %d: %+v", len(f), f)
	}
	got := f[0]
	if math.Abs(got.ExcessExponent-1) > 1e-9 {
		t.Errorf("excess exponent %v, want 1", got.ExcessExponent)
	}
	if got.Exponent <= 0 || got.Exponent >= 0.7 {
		t.Errorf("exponent %v, want sub-linear", got.Exponent)
	}
	if math.Abs(got.SecondsPerStack-perStack) > 1e-9 || math.Abs(got.InterceptSeconds-floor) > 1e-9 {
		t.Errorf("linear fit %v s + %v s/stack, want %v + %v", got.InterceptSeconds, got.SecondsPerStack, floor, perStack)
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{5, 1, 3}); m != 3 {
		t.Errorf("median of 5 1 3 = %v", m)
	}
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median of 4 1 3 2 = %v", m)
	}
}

// readProcStat reads pid 1, which has no parent.
func TestReadProcStatOfThisProcess(t *testing.T) {
	st, ok := readProcStat(1)
	if !ok || st.comm == "" {
		t.Skip("no /proc/1/stat here")
	}
	if st.ppid != 0 {
		t.Errorf("pid 1 has parent %d", st.ppid)
	}
}
