package partitioner_test

import (
	"fmt"
	"time"

	"github.com/kprod-go/kprod/partitioner"
)

// leaders is a topic where every partition has a leader.
type leaders struct{}

func (leaders) Available(int32) bool { return true }

// Keyed messages go where librdkafka (and, for murmur2, the Java client)
// would put them. With the default consistent_random, keyless messages
// stick to one partition for the sticky linger.
func Example() {
	for _, name := range []string{"consistent", "murmur2", "fnv1a"} {
		p, err := partitioner.New(partitioner.Config{Name: name, StickyLinger: 10 * time.Millisecond})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-10s kafka→%d  empty→%d  NULL→%d\n", name,
			p.Partition([]byte("kafka"), 6, leaders{}),
			p.Partition([]byte{}, 6, leaders{}),
			p.Partition(nil, 6, leaders{}))
	}

	p, _ := partitioner.New(partitioner.Config{StickyLinger: 10 * time.Millisecond})
	first := p.Partition(nil, 6, leaders{})
	same := true
	for range 100 {
		same = same && p.Partition(nil, 6, leaders{}) == first
	}
	fmt.Println("keyless messages share one partition:", same)

	_, err := partitioner.New(partitioner.Config{Name: "foo"})
	fmt.Println(err)
	// Output:
	// consistent kafka→5  empty→0  NULL→0
	// murmur2    kafka→4  empty→3  NULL→3
	// fnv1a      kafka→5  empty→3  NULL→3
	// keyless messages share one partition: true
	// invalid value "foo" for configuration property "partitioner"
}

// A custom partitioner plugs in through Config.Custom; partitioner.Func
// adapts a plain function.
func ExampleFunc() {
	byFirstByte := partitioner.Func(func(key []byte, n int32, _ partitioner.Availability) int32 {
		if len(key) == 0 {
			return 0
		}
		return int32(key[0]) % n
	})
	p, _ := partitioner.New(partitioner.Config{Custom: byFirstByte})
	fmt.Println(p.Partition([]byte("a"), 4, nil), p.Partition([]byte{}, 4, nil))
	// Output: 1 0
}
