/* Fuzz target: the /etc/passwd reader (pyruntime/_native/passwd.c), which parses a file of the
 * container's. Input: [0] the uid to look up (0..255, so entries match often), then the file.
 * Properties: no access outside any buffer (ASan), no UB (UBSan); the result does not depend on
 * how the file arrives in chunks (read() returns any size); a HOME found is a field of the input,
 * NUL-terminated within its buffer. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int scan(uint32_t uid, const char *file, size_t n, size_t chunk_seed, char *line, char *home, size_t homecap,
                size_t *homelen)
{
    struct pwscan s;
    pw_begin(&s, uid, line, PASSWD_MAX_LINE + 1, home, homecap);
    size_t off = 0, x = chunk_seed | 1;
    while (off < n) {
        size_t step = n - off;
        if (chunk_seed) { /* pseudo-random chunk sizes from 1 to 4096 */
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t want = 1 + (x >> 33) % 4096;
            if (want < step)
                step = want;
        }
        pw_feed(&s, file + off, step);
        off += step;
    }
    int r = pw_end(&s);
    *homelen = s.homelen;
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint32_t uid = data[0];
    size_t n = size - 1;
    /* the buffers the init uses are static too: ASan puts red zones around globals */
    static char line[PASSWD_MAX_LINE + 1], home1[4096], home2[4096];
    size_t homecap = sizeof home1;
    char *file = malloc(n ? n : 1);
    if (!file)
        abort();
    memcpy(file, data + 1, n);
    size_t len1 = 0, len2 = 0;
    int r1 = scan(uid, file, n, 0, line, home1, homecap, &len1);
    int r2 = scan(uid, file, n, size * 2654435761u, line, home2, homecap, &len2);
    if (r1 != r2)
        abort();
    if (r1 == 1) {
        if (len1 != len2 || len1 >= homecap || home1[len1] || memcmp(home1, home2, len1))
            abort();
        if (len1 && !memmem(file, n, home1, len1))
            abort();
    }
    free(file);
    return 0;
}
