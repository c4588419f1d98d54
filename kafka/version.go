package kafka

import (
	"strconv"
	"strings"

	"github.com/kprod-go/kprod/producer"
)

// LibraryVersion returns kprod's version where confluent-kafka-go returns
// librdkafka's: the string is "kprod " and producer.Version ("kprod
// 0.1.0"); the int is that version in librdkafka's layout, 0xMMmmrrpp
// (major, minor, revision, and 0xff for a release), so 0.1.0 is 0x000100ff.
// Checks written against librdkafka's numbers (>= 0x020000ff for 2.0.0)
// compare kprod's version instead, and fail.
func LibraryVersion() (int, string) {
	v := 0
	parts := strings.SplitN(strings.SplitN(producer.Version, "-", 2)[0], ".", 3)
	for i := range 3 {
		n := 0
		if i < len(parts) {
			n, _ = strconv.Atoi(parts[i])
		}
		v = v<<8 | n&0xff
	}
	return v<<8 | 0xff, "kprod " + producer.Version
}
