// Command secure produces to a Kafka cluster over TLS with SASL
// authentication, configured with librdkafka's properties exactly as a
// confluent-kafka-go service writes them for a managed cluster.
//
// With no -brokers flag it starts an embedded broker (kfake) that serves
// TLS with a certificate authority made for the run and SASL
// SCRAM-SHA-512, so it runs anywhere Go does:
//
//	go run ./examples/secure
//
// Against a real SASL_SSL cluster (the system's roots verify the broker
// unless -ca names a CA file):
//
//	go run ./examples/secure -brokers broker:9093 -mechanism PLAIN \
//	    -username "$KAFKA_USER" -password "$KAFKA_PASSWORD" -topic events
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/kprod-go/kprod/producer"
)

func main() {
	brokers := flag.String("brokers", "", "bootstrap servers, host:port[,host:port]; empty starts an embedded broker")
	mechanism := flag.String("mechanism", "SCRAM-SHA-512", "sasl.mechanisms: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
	username := flag.String("username", "", "sasl.username")
	password := flag.String("password", "", "sasl.password")
	ca := flag.String("ca", "", "ssl.ca.location: the CA that signed the brokers' certificates; empty uses the system roots")
	topic := flag.String("topic", "secure", "topic to produce to")
	count := flag.Int("n", 1000, "messages to produce")
	flag.Parse()

	if *brokers == "" {
		b, err := startEmbedded(*topic)
		if err != nil {
			fmt.Fprintln(os.Stderr, "secure:", err)
			os.Exit(1)
		}
		defer b.close()
		*brokers, *ca, *mechanism, *username, *password = b.addrs, b.caFile, "SCRAM-SHA-512", b.user, b.password
		fmt.Printf("embedded broker at %s: TLS (CA %s) and SASL SCRAM-SHA-512\n", *brokers, *ca)
	}
	conf := producer.ConfigMap{
		"bootstrap.servers": *brokers,
		"security.protocol": "SASL_SSL",
		"sasl.mechanisms":   *mechanism,
		"sasl.username":     *username,
		"sasl.password":     *password,
		"acks":              "all",
	}
	if *ca != "" {
		conf["ssl.ca.location"] = *ca
	}
	if err := run(conf, *topic, *count); err != nil {
		fmt.Fprintln(os.Stderr, "secure:", err)
		os.Exit(1)
	}
}

func run(conf producer.ConfigMap, topic string, count int) error {
	p, err := producer.New(conf)
	if err != nil {
		return err // names the property that is wrong; never its secret value
	}
	defer p.Close()

	for i := range count {
		m := &producer.Message{Topic: topic, Value: fmt.Appendf(nil, "secure message %d", i)}
		if err := p.Produce(m, nil); err != nil {
			return err
		}
	}
	// A failed TLS handshake or authentication comes from Poll as an Error
	// event (_SSL, _AUTHENTICATION) with the reason; the messages then
	// wait for a connection until message.timeout.ms.
	delivered, failed := 0, 0
	deadline := time.Now().Add(30 * time.Second)
	for delivered+failed < count && time.Now().Before(deadline) {
		switch e := p.Poll(100 * time.Millisecond).(type) {
		case *producer.Message:
			if e.Err != nil {
				failed++
			} else {
				delivered++
			}
		case producer.Error:
			fmt.Fprintln(os.Stderr, "producer error:", e)
		}
	}
	fmt.Printf("%d delivered, %d failed, %d without a report\n", delivered, failed, count-delivered-failed)
	if delivered != count {
		return fmt.Errorf("%d of %d messages not delivered", count-delivered, count)
	}
	return nil
}
