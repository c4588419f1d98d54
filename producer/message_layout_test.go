package producer

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// The report path reads valueLen and drChan and writes Err, Status and
// Offset: they share one cache line (a Message is three 64-byte lines,
// 64-aligned in its size class), so counting a report out costs no line
// the report does not write anyway. valueLen fills padding: the struct
// did not grow for it.
func TestMessageLayoutKeepsTheReportOnOneLine(t *testing.T) {
	var m Message
	require.Equal(t, uintptr(192), unsafe.Sizeof(m))
	line := func(off uintptr) uintptr { return off / 64 }
	for name, off := range map[string]uintptr{
		"valueLen": unsafe.Offsetof(m.valueLen), "drChan": unsafe.Offsetof(m.drChan), "waiter": unsafe.Offsetof(m.waiter),
		"Err": unsafe.Offsetof(m.Err), "Status": unsafe.Offsetof(m.Status), "Offset": unsafe.Offsetof(m.Offset),
	} {
		require.Equal(t, line(unsafe.Offsetof(m.Err)), line(off), "%s at %d", name, off)
	}
	require.NotEqual(t, line(unsafe.Offsetof(m.Value)+8), line(unsafe.Offsetof(m.valueLen)), "len(Value) is on another line: the one not read")
}
