/* The typed message channel to the parent (SOCK_SEQPACKET: one message per packet). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include "init.h"

int sync_fd = -1;
int report_fd = -1; /* after `start` opened the fifo: errors go back through it */
uint32_t init_step = STEP_PLAN;

void sync_send(uint32_t type, const void *payload, size_t len)
{
    struct iovec iov[2] = { { &type, 4 }, { (void *)payload, len } };
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
    while (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) < 0) {
        if (errno != EINTR)
            _exit(1);
    }
}

void sync_send_fd(uint32_t type, int fd)
{
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { &type, 4 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *c;
    memset(cbuf, 0, sizeof cbuf);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    while (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) < 0)
        if (errno != EINTR)
            _exit(1);
}

int sync_parse(const unsigned char *buf, size_t n, int msg_flags, const void *control, size_t controllen, size_t cap,
               int maxfds, struct sync_in *out, const char **why)
{
    const unsigned char *c = control;
    size_t off = 0;
    memset(out, 0, sizeof *out);
    if (maxfds > SYNC_MAX_FDS)
        maxfds = SYNC_MAX_FDS;
    /* the control data first: whatever else is wrong, the caller must learn every fd to close */
    while (controllen - off >= sizeof(struct cmsghdr)) {
        struct cmsghdr h;
        memcpy(&h, c + off, sizeof h);
        if (h.cmsg_len < CMSG_LEN(0) || h.cmsg_len > controllen - off) {
            *why = "malformed control data";
            return -1;
        }
        if (h.cmsg_level != SOL_SOCKET || h.cmsg_type != SCM_RIGHTS) {
            *why = "unexpected control message";
            return -1;
        }
        size_t bytes = h.cmsg_len - CMSG_LEN(0);
        if (bytes % sizeof(int)) {
            *why = "malformed control data";
            return -1;
        }
        for (size_t i = 0; i < bytes / sizeof(int); i++) {
            if (out->nfds >= SYNC_MAX_FDS) {
                *why = "too many fds";
                return -1;
            }
            memcpy(&out->fds[out->nfds++], c + off + CMSG_LEN(0) + i * sizeof(int), sizeof(int));
        }
        size_t step = CMSG_ALIGN(h.cmsg_len);
        if (step > controllen - off)
            break;
        off += step;
    }
    if (msg_flags & MSG_CTRUNC) {
        *why = "too many fds";
        return -1;
    }
    if (msg_flags & MSG_TRUNC) {
        *why = "message too large";
        return -1;
    }
    if (n < 4) {
        *why = "message too short";
        return -1;
    }
    memcpy(&out->type, buf, 4);
    out->payload = buf + 4;
    out->len = n - 4;
    if (out->len > cap) {
        *why = "message too large";
        return -1;
    }
    if (out->nfds > maxfds) {
        *why = "unexpected fds";
        return -1;
    }
    return 0;
}

int sync_fd_floor = 3;

/* One message from the parent, bounded by `cap` payload bytes and `maxfds` fds: anything else
 * is an error (a cut message would be a different one). Received fds are close-on-exec and
 * moved above the preserved ones, so the close before execve takes them. */
static void recv_one(size_t cap, int maxfds, struct sync_in *in, unsigned char *buf)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(SYNC_MAX_FDS * sizeof(int))];
    } ctl;
    struct iovec iov = { buf, 4 + SYNC_MAX_PAYLOAD };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
    const char *why = "";
    ssize_t n;
    do
        n = recvmsg(sync_fd, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        _exit(1); /* the parent went away: nothing to report to */
    if (sync_parse(buf, (size_t)n, mh.msg_flags, ctl.buf, mh.msg_controllen, cap, maxfds, in, &why) < 0) {
        for (int i = 0; i < in->nfds; i++)
            close(in->fds[i]);
        die_plain("sync: bad message from the parent: %s", why);
    }
    for (int i = 0; i < in->nfds; i++) {
        if (in->fds[i] >= sync_fd_floor)
            continue;
        int moved = fcntl(in->fds[i], F_DUPFD_CLOEXEC, sync_fd_floor);
        if (moved < 0)
            die("sync: move a received fd");
        close(in->fds[i]);
        in->fds[i] = moved;
    }
}

uint32_t sync_recv(void *payload, size_t cap, size_t *len)
{
    unsigned char buf[4 + SYNC_MAX_PAYLOAD];
    struct sync_in in;
    if (cap > SYNC_MAX_PAYLOAD)
        cap = SYNC_MAX_PAYLOAD;
    recv_one(cap, 0, &in, buf);
    if (len)
        *len = in.len;
    if (payload && in.len)
        memcpy(payload, in.payload, in.len);
    return in.type;
}

uint32_t sync_recv_fds(int *fds, int maxfds, int *nfds)
{
    unsigned char buf[4 + SYNC_MAX_PAYLOAD];
    struct sync_in in;
    recv_one(0, maxfds, &in, buf);
    for (int i = 0; i < in.nfds; i++)
        fds[i] = in.fds[i];
    *nfds = in.nfds;
    return in.type;
}

uint32_t sync_recv_both(void *payload, size_t cap, size_t *len, int *fds, int maxfds, int *nfds)
{
    unsigned char buf[4 + SYNC_MAX_PAYLOAD];
    struct sync_in in;
    if (cap > SYNC_MAX_PAYLOAD)
        cap = SYNC_MAX_PAYLOAD;
    recv_one(cap, maxfds, &in, buf);
    *len = in.len;
    if (in.len)
        memcpy(payload, in.payload, in.len);
    for (int i = 0; i < in.nfds; i++)
        fds[i] = in.fds[i];
    *nfds = in.nfds;
    return in.type;
}

void sync_expect(uint32_t type)
{
    uint32_t got = sync_recv(NULL, 0, NULL);
    if (got != type)
        die_plain("sync: expected message %u from the parent, got %u", type, got);
}

/* errno text in Go's wording, lowercase: clients match "no such file or directory" as is */
static size_t errno_text(int err, char *out, size_t cap)
{
    int n = snprintf(out, cap, ": %s", strerror(err));
    if (n < 0)
        return out[0] = 0, 0;
    if (out[2] >= 'A' && out[2] <= 'Z')
        out[2] = (char)(out[2] - 'A' + 'a');
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

static void vreport(int err, const char *fmt, va_list ap)
{
    /* u32 errno, u32 step, then the text; the text is cut to fit, never sent past the end */
    char msg[ERROR_MAX];
    char tail[128] = "";
    uint32_t e = (uint32_t)err, step = init_step;
    size_t tl = err ? errno_text(err, tail, sizeof tail) : 0;
    size_t room = sizeof msg - 8 - tl; /* for the text and its NUL */
    int r = vsnprintf(msg + 8, room, fmt, ap);
    size_t n = r < 0 ? 0 : (size_t)r;
    if (n >= room) {
        n = room - 1;
        memcpy(msg + 8 + n - 3, "...", 3); /* say it was cut */
    }
    memcpy(msg + 8 + n, tail, tl + 1);
    n += tl;
    memcpy(msg, &e, 4);
    memcpy(msg + 4, &step, 4);
    if (sync_fd >= 0) {
        uint32_t type = MSG_ERROR;
        struct iovec iov[2] = { { &type, 4 }, { msg, 8 + n } };
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
        if (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) >= 0)
            return;
    }
    if (report_fd >= 0) {
        /* `start` is reading the exec fifo: "!" then the message instead of the "0" it waits for */
        msg[7] = '!';
        if (write(report_fd, msg + 7, 1 + (size_t)n) > 0)
            return;
    }
    /* no one left to tell: stderr is the container's, like runc's late errors */
    dprintf(2, "pyruntime-init: %.*s\n", (int)n, msg + 8);
}

void die(const char *fmt, ...)
{
    int err = errno;
    va_list ap;
    va_start(ap, fmt);
    vreport(err, fmt, ap);
    va_end(ap);
    _exit(1);
}

void die_plain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(0, fmt, ap);
    va_end(ap);
    _exit(1);
}
