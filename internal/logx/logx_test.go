package logx

import (
	"testing"
)

func TestParseContextsNamesLibrdkafkasContexts(t *testing.T) {
	cases := []struct {
		names []string
		want  Context
	}{
		{nil, 0},
		{[]string{"broker", "msg"}, Broker | Msg},
		{[]string{"all"}, All},
		{[]string{"cgrp", "fetch"}, 0}, // consumer contexts: nothing to log in a producer
	}
	for _, c := range cases {
		if got := ParseContexts(c.names); got != c.want {
			t.Errorf("ParseContexts(%q) = %v, want %v", c.names, got, c.want)
		}
	}
	if got, want := (Broker | EOS | Generic).String(), "generic,broker,eos"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestADebugContextRaisesTheLevelToDebug(t *testing.T) {
	var got []Line
	l := New(Topic, Info, func(line Line) { got = append(got, line) })
	l.Debugf(Topic, "TOPIC", "new %s", "t")
	l.Debugf(Msg, "DR", "not on")
	l.Logf(Err, "FAIL", "down")
	if len(got) != 2 || got[0].Facility != "TOPIC" || got[0].Message != "new t" || got[0].Level != Debug || got[0].Context != Topic ||
		got[1].Facility != "FAIL" || got[1].Level != Err || got[1].Context != 0 {
		t.Errorf("got %+v", got)
	}
}

func TestLogLevelFiltersLinesWithoutDebug(t *testing.T) {
	n := 0
	l := New(0, Warning, func(Line) { n++ })
	l.Logf(Notice, "PARTCNT", "x")
	l.Logf(Warning, "W", "x")
	l.Logf(Err, "FAIL", "x")
	if n != 2 {
		t.Errorf("%d lines logged at log_level 4, want 2 (warning and error)", n)
	}
}

func TestANilLoggerLogsNothing(t *testing.T) {
	var l *Logger
	if l.On(All) || l.Enabled(Emerg) {
		t.Error("a nil Logger reports something on")
	}
	l.Debugf(All, "X", "x")
	l.Logf(Emerg, "X", "x")
	if New(All, Debug, nil) != nil {
		t.Error("New with a nil sink returned a Logger")
	}
}

func TestAContextThatIsOffCostsNoAllocation(t *testing.T) {
	l := New(Broker, Info, func(Line) { t.Fatal("logged") })
	n := 42
	if a := testing.AllocsPerRun(1000, func() {
		if l.On(Msg) {
			l.Debugf(Msg, "DR", "message %d", n)
		}
	}); a != 0 {
		t.Errorf("%v allocations per check, want 0", a)
	}
}
