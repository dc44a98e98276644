/* HOME for the container's user, from the /etc/passwd the container sees.
 *
 * Read by the init inside the container (after pivot_root, or after joining the mount namespace
 * for exec), in the container's cgroup, as root before the user switch: runc's prepareEnv. The
 * file is hostile: it is opened without blocking and without magic links, must be a regular file
 * (a FIFO, a device node or a socket is never read), and is read in bounded chunks with a bounded
 * line, like runc's reader (moby/sys/user over bufio.Scanner): a line over 64 KiB is an error, and
 * any error means HOME=/ (runc 1.3 logs it at debug level and goes on). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "init.h"

void pw_begin(struct pwscan *s, uint32_t uid, char *line, size_t linecap, char *home, size_t homecap)
{
    memset(s, 0, sizeof *s);
    s->uid = uid;
    s->line = line;
    s->linecap = linecap;
    s->home = home;
    s->homecap = homecap;
    if (homecap)
        home[0] = 0;
}

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Go's strconv.Atoi as moby/sys/user uses it (the error ignored): a syntax error reads as 0, an
 * int64 overflow as a value no uid has. Returns 1 when the field names `uid`. */
static int uid_matches(const char *f, size_t n, uint32_t uid)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    if (n && (f[0] == '+' || f[0] == '-')) {
        neg = f[0] == '-';
        i = 1;
    }
    if (i == n)
        return uid == 0; /* empty, or a sign alone: a syntax error, so 0 */
    for (; i < n; i++) {
        if (f[i] < '0' || f[i] > '9')
            return uid == 0;
        if (v > (UINT64_MAX - 9) / 10)
            return 0; /* far out of range: clamped to the int64 bound, never a uid */
        v = v * 10 + (uint64_t)(f[i] - '0');
    }
    if (neg)
        return v == 0 && uid == 0;
    return v == uid;
}

/* One line, without its newline: name:password:UID:GID:GECOS:directory:shell */
static void pw_line(struct pwscan *s, const char *l, size_t n)
{
    while (n && blank(l[0])) {
        l++;
        n--;
    }
    while (n && blank(l[n - 1]))
        n--;
    if (!n || s->found)
        return; /* runc reads on after a match (a later line may still be too long) */
    const char *field[7] = { 0 };
    size_t len[7] = { 0 };
    int k = 0;
    field[0] = l;
    for (size_t i = 0; i < n; i++) {
        if (l[i] == ':') {
            if (++k >= 7)
                break; /* more fields than seven: the rest is ignored */
            field[k] = l + i + 1;
        } else {
            len[k]++;
        }
    }
    if (!uid_matches(field[2] ? field[2] : "", len[2], s->uid))
        return;
    s->found = 1;
    s->homelen = 0;
    if (field[5]) {
        if (len[5] >= s->homecap) {
            s->err = 1; /* cannot hold it: never a cut HOME */
            return;
        }
        memcpy(s->home, field[5], len[5]);
        s->homelen = len[5];
    }
    if (s->homecap)
        s->home[s->homelen] = 0;
}

void pw_feed(struct pwscan *s, const char *buf, size_t n)
{
    if (s->err)
        return;
    if (n > PASSWD_MAX_BYTES - s->total) {
        s->err = 1;
        return;
    }
    s->total += n;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            pw_line(s, s->line, s->len);
            s->len = 0;
            if (s->err)
                return;
            continue;
        }
        if (s->len >= PASSWD_MAX_LINE || s->len >= s->linecap) {
            s->err = 1; /* "bufio.Scanner: token too long" */
            return;
        }
        s->line[s->len++] = buf[i];
    }
}

int pw_end(struct pwscan *s)
{
    if (!s->err && s->len) {
        pw_line(s, s->line, s->len);
        s->len = 0;
    }
    if (s->err)
        return -1;
    return s->found;
}

/* Read the file: regular files only, opened without blocking (a FIFO would hang us) and without
 * magic links (/proc/self/fd/N could name one of the init's own fds). */
static int read_passwd(struct pwscan *s)
{
    struct open_how how = {
        .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
        .resolve = RESOLVE_NO_MAGICLINKS,
    };
    struct stat st;
    char buf[4096];
    int fd;
    do
        fd = (int)syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof how);
    while (fd < 0 && (errno == EAGAIN || errno == EINTR));
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->err = 1;
            break;
        }
        if (n == 0)
            break;
        pw_feed(s, buf, (size_t)n);
        if (s->err)
            break;
    }
    close(fd);
    return pw_end(s);
}

const char *lookup_home(uint32_t uid)
{
    /* static: the env entry lives until execve; pages are touched only as far as they are used */
    static char line[PASSWD_MAX_LINE + 1];
    static char env[5 + PASSWD_MAX_LINE + 1]; /* zero-initialised: .bss, not 64 KiB of the binary */
    struct pwscan s;
    memcpy(env, "HOME=", 5);
    pw_begin(&s, uid, line, sizeof line, env + 5, sizeof env - 5);
    if (read_passwd(&s) != 1)
        strcpy(env + 5, "/");
    return env;
}
