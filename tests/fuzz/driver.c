/* main() for the fuzz targets where libFuzzer is not at hand (gcc): random and mutated inputs
 * through LLVMFuzzerTestOneInput, reproducibly from a seed. Not coverage-guided: run.sh uses
 * libFuzzer when clang is there; this is the short run of the test suite and the fallback.
 *
 *   driver ITERATIONS RANDOM-SEED [SEED-FILE...]
 *
 * Each input is, one time in eight, random bytes; otherwise a seed file (or the last input) with
 * one to eight mutations: a bit flipped, a byte set, bytes inserted or deleted, a range copied,
 * a u32 set to an edge value (0, 1, -1, 2^31, 2^31 - 1, a small count), a splice of another seed,
 * a cut. The input is passed in a buffer of exactly its size (ASan sees a read past its end). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT (1u << 20)

static uint64_t rng;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct blob {
    unsigned char *p;
    size_t n;
};

static struct blob read_file(const char *path)
{
    struct blob b = { NULL, 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        return b;
    b.p = malloc(MAX_INPUT);
    b.n = fread(b.p, 1, MAX_INPUT, f);
    fclose(f);
    return b;
}

static size_t mutate(unsigned char *buf, size_t n, const struct blob *seeds, int nseeds)
{
    static const uint32_t edges[] = { 0,   1,   2,   4,    8,          16,          255,         256,
                                      511, 512, 513, 4096, 0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu };
    int ops = 1 + (int)(next() % 8);
    for (int k = 0; k < ops; k++) {
        size_t at = n ? next() % n : 0;
        switch (next() % 9) {
        case 0:
            if (n)
                buf[at] ^= (unsigned char)(1u << (next() % 8));
            break;
        case 1:
            if (n)
                buf[at] = (unsigned char)next();
            break;
        case 2: { /* insert */
            size_t len = 1 + next() % 16;
            if (n + len > MAX_INPUT)
                break;
            memmove(buf + at + len, buf + at, n - at);
            for (size_t i = 0; i < len; i++)
                buf[at + i] = (unsigned char)next();
            n += len;
            break;
        }
        case 3: { /* delete */
            if (!n)
                break;
            size_t len = 1 + next() % (n - at < 64 ? n - at : 64);
            memmove(buf + at, buf + at + len, n - at - len);
            n -= len;
            break;
        }
        case 4: { /* copy a range over another place */
            if (n < 2)
                break;
            size_t from = next() % n, len = 1 + next() % (n - (from > at ? from : at));
            memmove(buf + at, buf + from, len);
            break;
        }
        case 5:
        case 6: { /* an edge value, aligned as the decoders read their integers */
            if (n < 4)
                break;
            size_t a = (at & ~(size_t)3) < n - 3 ? (at & ~(size_t)3) : n - 4;
            uint32_t v = edges[next() % (sizeof edges / sizeof edges[0])];
            if (next() % 2)
                v = (uint32_t)(n - a); /* a length near the truth */
            memcpy(buf + a, &v, 4);
            break;
        }
        case 7: { /* splice */
            if (!nseeds)
                break;
            const struct blob *s = &seeds[next() % nseeds];
            if (!s->n)
                break;
            size_t from = next() % s->n, len = 1 + next() % (s->n - from);
            if (at + len > MAX_INPUT)
                break;
            memcpy(buf + at, s->p + from, len);
            if (at + len > n)
                n = at + len;
            break;
        }
        case 8:
            if (n)
                n = at;
            break; /* cut */
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s ITERATIONS RANDOM-SEED [SEED-FILE...]\n", argv[0]);
        return 2;
    }
    long iterations = atol(argv[1]);
    rng = strtoull(argv[2], NULL, 0) | 1;
    int nseeds = argc - 3;
    struct blob *seeds = calloc((size_t)nseeds + 1, sizeof *seeds);
    for (int i = 0; i < nseeds; i++)
        seeds[i] = read_file(argv[3 + i]);
    unsigned char *work = malloc(MAX_INPUT);
    size_t n = 0;
    clock_t t0 = clock();
    for (int i = 0; i < nseeds; i++) /* every seed as it is, first */
        LLVMFuzzerTestOneInput(seeds[i].p, seeds[i].n);
    for (long it = 0; it < iterations; it++) {
        if (next() % 8 == 0) {
            n = next() % 512;
            for (size_t i = 0; i < n; i++)
                work[i] = (unsigned char)next();
        } else {
            if (nseeds && next() % 4) { /* restart from a seed, else keep mutating the last input */
                const struct blob *s = &seeds[next() % nseeds];
                memcpy(work, s->p, s->n);
                n = s->n;
            }
            n = mutate(work, n, seeds, nseeds);
        }
        unsigned char *exact = malloc(n ? n : 1);
        memcpy(exact, work, n);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    printf("%ld iterations, %d seeds, %.1f s\n", iterations, nseeds, (double)(clock() - t0) / CLOCKS_PER_SEC);
    return 0;
}
