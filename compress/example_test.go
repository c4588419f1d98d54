package compress_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/kprod-go/kprod/compress"
)

// The producer's use of a codec: parse the configuration once, then per
// batch compress the records into the request buffer, and fall back to no
// compression when that does not make the batch smaller.
func Example() {
	typ, err := compress.ParseType("zstd") // compression.type
	if err != nil {
		log.Fatal(err)
	}
	codec, err := compress.New(typ, -1) // compression.level
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v at level %d, needs Produce v%d\n", codec.Type(), codec.Level(), compress.MinProduceVersion(typ))

	records := []byte(strings.Repeat(`{"user":"alice","event":"click","path":"/cart"}`, 100))
	request := make([]byte, 0, 4096) // reused from batch to batch
	for _, batch := range [][]byte{records, []byte("x")} {
		payload, err := codec.AppendEncoded(request[:0], batch)
		if err != nil {
			log.Fatal(err)
		}
		attr := codec.Type()
		if len(payload) >= len(batch) {
			payload, attr = batch, compress.None // send it uncompressed
		}
		fmt.Printf("%d bytes of records sent as %v\n", len(batch), attr)

		if attr != compress.None {
			decoded, err := codec.AppendDecoded(nil, payload)
			fmt.Println("decodes to the records:", err == nil && bytes.Equal(decoded, batch))
		}
	}
	// Output:
	// zstd at level 3, needs Produce v7
	// 4700 bytes of records sent as zstd
	// decodes to the records: true
	// 1 bytes of records sent as none
}

func ExampleParseType() {
	for _, v := range []string{"lz4", " GZIP ", "brotli"} {
		t, err := compress.ParseType(v)
		fmt.Println(t, err)
	}
	// Output:
	// lz4 <nil>
	// gzip <nil>
	// none compress: invalid configuration: invalid value "brotli" for configuration property "compression.type": want one of none, gzip, snappy, lz4, zstd
}
