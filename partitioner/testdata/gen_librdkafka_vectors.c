/*
 * gen_librdkafka_vectors writes librdkafka_vectors.txt.gz's content: the
 * partitions librdkafka's own partitioner functions choose for a fixed set
 * of keys and partition counts. The Go tests replay every row.
 *
 * Build and run (Debian: apt-get install librdkafka-dev):
 *
 *   cc -O2 -o /tmp/gen gen_librdkafka_vectors.c -lrdkafka
 *   /tmp/gen | gzip -9n > librdkafka_vectors.txt.gz
 *
 * Output: '#' comment lines, then one line per key:
 *
 *   KEY N:CONSISTENT:MURMUR2:FNV1A N:CONSISTENT:MURMUR2:FNV1A ...
 *
 * KEY is "-" for a NULL key, "=" for an empty key, else the key in hex; each
 * group after it is one partition count N and the partition each function
 * chose.
 * The *_random variants are checked here to agree with their base function
 * wherever they are deterministic (non-empty keys for consistent_random,
 * non-NULL keys for murmur2_random and fnv1a_random); the program aborts
 * otherwise. The functions are called with a NULL topic, which the
 * deterministic paths never touch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <librdkafka/rdkafka.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next32(void) {
        /* xorshift64*: deterministic, good enough for test keys. */
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        return (uint32_t)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

static const int32_t fixed_counts[] = {1, 2, 6, 17, 997, 1000};

static void group(const unsigned char *key, size_t len, int32_t n) {
        int32_t c = rd_kafka_msg_partitioner_consistent(NULL, key, len, n, NULL, NULL);
        int32_t m = rd_kafka_msg_partitioner_murmur2(NULL, key, len, n, NULL, NULL);
        int32_t f = rd_kafka_msg_partitioner_fnv1a(NULL, key, len, n, NULL, NULL);

        if (len > 0 &&
            rd_kafka_msg_partitioner_consistent_random(NULL, key, len, n, NULL, NULL) != c)
                abort();
        if (key &&
            (rd_kafka_msg_partitioner_murmur2_random(NULL, key, len, n, NULL, NULL) != m ||
             rd_kafka_msg_partitioner_fnv1a_random(NULL, key, len, n, NULL, NULL) != f))
                abort();
        printf(" %d:%d:%d:%d", n, c, m, f);
}

static void key_rows(const unsigned char *key, size_t len) {
        size_t i;
        if (!key)
                fputs("-", stdout);
        else if (len == 0)
                fputs("=", stdout);
        else
                for (i = 0; i < len; i++)
                        printf("%02x", key[i]);
        for (i = 0; i < sizeof(fixed_counts) / sizeof(*fixed_counts); i++)
                group(key, len, fixed_counts[i]);
        /* Two more counts per key, anywhere in 1..1000. */
        for (i = 0; i < 2; i++)
                group(key, len, 1 + (int32_t)(next32() % 1000));
        putchar('\n');
}

int main(void) {
        static const char *words[] = {
            "kafka", "amqp", "giberish123456789", "1234", "234", "34", "4",
            "PreAmbleWillBeRemoved,ThePrePartThatIs", "hejsan", "23456",
            "this is another string with more length to it perhaps",
            "21", "foobar", "a-little-bit-long-string",
            "a-little-bit-longer-string",
            "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", "abc",
            "\xc3\xa5\xc3\xa4\xc3\xb6", "key with spaces", " ", "\t", "0",
        };
        unsigned char buf[4096];
        char text[64];
        size_t i, j, len;

        printf("# librdkafka %s: rd_kafka_msg_partitioner_{consistent,murmur2,fnv1a}\n",
               rd_kafka_version_str());
        printf("# KEY N:CONSISTENT:MURMUR2:FNV1A ... (KEY: - NULL, = empty, else hex)\n");

        key_rows(NULL, 0);
        key_rows((const unsigned char *)"", 0);
        for (i = 0; i < sizeof(words) / sizeof(*words); i++)
                key_rows((const unsigned char *)words[i], strlen(words[i]));

        /* Text keys as applications write them. */
        for (i = 0; i < 1000; i++) {
                len = (size_t)snprintf(text, sizeof(text), "%s-%zu",
                                       i % 3 == 0 ? "order" : i % 3 == 1 ? "user" : "device",
                                       i * 7919 % 100003);
                key_rows((const unsigned char *)text, len);
        }
        for (i = 0; i < 256; i++) {
                len = (size_t)snprintf(text, sizeof(text), "%zu", i * 1000003 + 17);
                key_rows((const unsigned char *)text, len);
        }

        /* Binary keys: every single byte, then random bytes of every length
         * from 1 to 300 twice, then two long ones. */
        for (i = 0; i < 256; i++) {
                buf[0] = (unsigned char)i;
                key_rows(buf, 1);
        }
        for (i = 0; i < 600; i++) {
                len = 1 + i % 300;
                for (j = 0; j < len; j++)
                        buf[j] = (unsigned char)next32();
                key_rows(buf, len);
        }
        for (len = 1000; len <= sizeof(buf); len += sizeof(buf) - 1000) {
                for (j = 0; j < len; j++)
                        buf[j] = (unsigned char)next32();
                key_rows(buf, len);
        }
        return 0;
}
