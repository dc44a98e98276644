/* The typed message channel to the parent (SOCK_SEQPACKET: one message per packet). */
#include <errno.h>
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

uint32_t sync_recv(void *payload, size_t cap, size_t *len)
{
    static unsigned char buf[65536 + 4];
    ssize_t n;
    uint32_t type;
    do
        n = recv(sync_fd, buf, sizeof buf, 0);
    while (n < 0 && errno == EINTR);
    if (n < 4)
        _exit(1); /* the parent went away: nothing to report to */
    memcpy(&type, buf, 4);
    if (len)
        *len = (size_t)n - 4;
    if (payload)
        memcpy(payload, buf + 4, ((size_t)n - 4) < cap ? (size_t)n - 4 : cap);
    return type;
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
    char msg[2048]; /* u32 errno, then the text; the text is cut to fit, never sent past the end */
    char tail[128] = "";
    uint32_t e = (uint32_t)err;
    size_t tl = err ? errno_text(err, tail, sizeof tail) : 0;
    size_t room = sizeof msg - 4 - tl; /* for the text and its NUL */
    int r = vsnprintf(msg + 4, room, fmt, ap);
    size_t n = r < 0 ? 0 : (size_t)r;
    if (n >= room) {
        n = room - 1;
        memcpy(msg + 4 + n - 3, "...", 3); /* say it was cut */
    }
    memcpy(msg + 4 + n, tail, tl + 1);
    n += tl;
    memcpy(msg, &e, 4);
    if (sync_fd >= 0) {
        uint32_t type = MSG_ERROR;
        struct iovec iov[2] = { { &type, 4 }, { msg, 4 + n } };
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
        if (sendmsg(sync_fd, &mh, MSG_NOSIGNAL) >= 0)
            return;
    }
    if (report_fd >= 0) {
        /* `start` is reading the exec fifo: "!" then the message instead of the "0" it waits for */
        msg[3] = '!';
        if (write(report_fd, msg + 3, 1 + (size_t)n) > 0)
            return;
    }
    /* no one left to tell: stderr is the container's, like runc's late errors */
    dprintf(2, "pyruntime-init: %.*s\n", (int)n, msg + 4);
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
