/* Fuzz target: the parser of messages from the parent (sync_parse, pyruntime/_native/sync.c):
 * the bytes, the msg_flags and the control data as recvmsg() left them, all chosen here.
 * Input: [0] flags (bit 0 MSG_TRUNC, bit 1 MSG_CTRUNC), [1] payload cap (0..64), [2] fds wanted
 * (0..4), [3..4] control length (little-endian, capped by what is left), the control data, then
 * the message. Properties: no access outside any buffer (ASan), no UB (UBSan), an accepted
 * message within its cap and fd count, and a reason for every refusal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    int flags = (data[0] & 1 ? MSG_TRUNC : 0) | (data[0] & 2 ? MSG_CTRUNC : 0);
    size_t cap = data[1] % (SYNC_MAX_PAYLOAD + 1);
    int maxfds = data[2] % (SYNC_MAX_FDS + 1);
    size_t clen = (size_t)data[3] | (size_t)data[4] << 8;
    data += 5;
    size -= 5;
    if (clen > size)
        clen = size;
    /* copies of exact sizes; the control data aligned as the kernel's is */
    void *ctl = NULL;
    if (clen && posix_memalign(&ctl, sizeof(size_t), clen))
        return 0;
    if (clen)
        memcpy(ctl, data, clen);
    size_t n = size - clen;
    unsigned char *msg = malloc(n ? n : 1);
    if (!msg) {
        free(ctl);
        return 0;
    }
    memcpy(msg, data + clen, n);
    struct sync_in in;
    const char *why = NULL;
    int r = sync_parse(msg, n, flags, ctl, clen, cap, maxfds, &in, &why);
    if (in.nfds < 0 || in.nfds > SYNC_MAX_FDS)
        abort();
    if (r == 0) {
        if (n < 4 || in.len != n - 4 || in.len > cap || in.nfds > maxfds || in.payload != msg + 4 ||
            (flags & (MSG_TRUNC | MSG_CTRUNC)))
            abort();
        if (in.len)
            (void)memchr(in.payload, 0xff, in.len); /* readable, all of it */
    } else if (!why || !*why) {
        abort();
    }
    free(msg);
    free(ctl);
    return 0;
}
