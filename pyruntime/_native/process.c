/* Stage 2: the console, the process identity (user, groups, capabilities, limits) and the
 * executable lookup, all before the exec fifo wait so every error reaches `create`. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <grp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>
#include "init.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif
#define DEVPTS_MAGIC 0x1cd1

static const char *fdp(int fd, char *buf)
{
    snprintf(buf, 64, "/proc/self/fd/%d", fd);
    return buf;
}

static void send_fd(int sock, int fd)
{
    char data[] = "/dev/ptmx";
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { data, sizeof data - 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *c;
    memset(cbuf, 0, sizeof cbuf);
    c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
        if (errno != EINTR)
            die("send the console to the console socket");
}

/* A pty from the container's own devpts: the master goes to the console socket, the peer becomes
 * /dev/console and, later, the controlling terminal and stdio (CVE-2025-52565: verify both ends). */
void setup_console(const struct plan *p, int rootfd)
{
    struct statfs sf;
    struct stat st;
    char p1[64], p2[64];
    int unlock = 0;

    int master = open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY);
    if (master < 0)
        die("open /dev/pts/ptmx in the container (is devpts mounted at /dev/pts?)");
    if (fstatfs(master, &sf) < 0 || sf.f_type != DEVPTS_MAGIC)
        die_plain("/dev/pts/ptmx of the container is not on devpts");
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        die("unlock pty");
    int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (peer < 0)
        die("open pty peer");
    if (fstat(peer, &st) < 0 || !S_ISCHR(st.st_mode) || fstatfs(peer, &sf) < 0 || sf.f_type != DEVPTS_MAGIC)
        die_plain("pty peer is not a devpts terminal");
    if (p->rows || p->cols) {
        struct winsize ws = { .ws_row = (unsigned short)p->rows, .ws_col = (unsigned short)p->cols };
        ioctl(master, TIOCSWINSZ, &ws);
    }
    if (!(p->flags & F_EXEC)) {
        /* /dev/console: a plain file of our own in /dev with the peer bound over it. Never follow
         * what the image put there (CVE-2025-52565): a symlink or directory there is an error. */
        struct stat cst;
        int dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
        if (dev < 0)
            die("open /dev in the container");
        if (fstatat(dev, "console", &cst, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(cst.st_mode) && !S_ISCHR(cst.st_mode))
            die_plain("/dev/console in the container is not a file: refusing to follow or replace it");
        int f = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f >= 0)
            close(f);
        else if (errno != EEXIST)
            die("create /dev/console");
        int cfd = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        close(dev);
        if (cfd < 0 || fstat(cfd, &cst) < 0 || S_ISLNK(cst.st_mode))
            die("open /dev/console");
        if (mount(fdp(peer, p2), fdp(cfd, p1), NULL, MS_BIND, NULL) < 0)
            die("bind the console onto /dev/console");
        close(cfd);
    }
    if (p->flags & F_RELAY) {
        /* a foreground run/exec copies the output to the caller's (raw) terminal as written:
         * runc clears ONLCR too; set before the process can write, so nothing is translated */
        struct termios t;
        if (tcgetattr(peer, &t) == 0) {
            t.c_oflag &= ~(tcflag_t)ONLCR;
            tcsetattr(peer, TCSANOW, &t);
        }
    }
    if (p->console_fd < 0)
        die_plain("a terminal was requested but no console socket was given");
    send_fd(p->console_fd, master);
    close(master);
    close(p->console_fd);
    /* stdio now, the controlling terminal after setsid() */
    for (int i = 0; i < 3; i++)
        if (dup2(peer, i) < 0)
            die("dup the console onto stdio");
    close(peer);
}

static void set_caps(const struct plan *p)
{
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t)(p->cap_eff >> (32 * i));
        data[i].permitted = (uint32_t)(p->cap_prm >> (32 * i));
        data[i].inheritable = (uint32_t)(p->cap_inh >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, data) < 0)
        die("set capabilities");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        die("clear ambient capabilities");
    for (uint32_t c = 0; c <= p->last_cap && c < 64; c++)
        if ((p->cap_amb >> c) & 1)
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
                die("raise ambient capability %u", c);
}

/* The terminal the init allocated (F_TERMINAL: the peer of our own devpts pty on stdio) is handed
 * to the process's uid, its group kept (devpts' gid=5), so a non-root process can use its console
 * (runc's fixStdioPermissions). Only that: a caller's stdio (a host file, the caller's own
 * terminal, /dev/null) is never chowned (docs/security.md §1.17; runc chowns all but /dev/null).
 * Ignored as runc does: an unmapped id, an owner outside our user namespace, a read-only /dev. */
static void give_terminal_to_user(const struct plan *p)
{
    struct stat st;
    if (!(p->flags & F_TERMINAL))
        return;
    if (fstat(0, &st) < 0)
        die("fstat the console");
    if (st.st_uid == p->uid)
        return;
    if (fchown(0, p->uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
        die("chown the console to uid %u", p->uid);
}

void apply_identity(const struct plan *p)
{
    for (int i = 0; i < p->nrlimits; i++) {
        struct rlimit rl = { (rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard };
        if (setrlimit((int)p->rlimits[i].resource, &rl) < 0)
            die("setrlimit %u (soft %llu, hard %llu)", p->rlimits[i].resource, (unsigned long long)p->rlimits[i].soft,
                (unsigned long long)p->rlimits[i].hard);
    }
    if (p->has_caps) {
        /* the bounding set first: dropping needs CAP_SETPCAP, which the user switch may lose */
        for (uint32_t c = 0; c <= p->last_cap && c < 64; c++)
            if (!((p->cap_bnd >> c) & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
                die("drop capability %u from the bounding set", c);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
            die("keep capabilities across the user switch");
    }
    if (p->has_user) {
        static gid_t groups[LIMIT_GROUPS]; /* .bss: pages touched only as far as used */
        give_terminal_to_user(p);
        for (uint32_t i = 0; i < p->ngroups && i < LIMIT_GROUPS; i++) {
            uint32_t g;
            memcpy(&g, p->groups + (size_t)i * 4, 4); /* the plan buffer is not aligned */
            groups[i] = g;
        }
        /* setgroups is denied inside a user namespace whose setgroups file says deny */
        if (setgroups(p->ngroups, groups) < 0 && !(errno == EPERM && p->ngroups == 0)) {
            if (errno == EPERM)
                die_plain("setgroups: operation not permitted (setgroups is denied in this user namespace: "
                          "a rootless container mapping only its user's own gid cannot set additionalGids)");
            die("setgroups");
        }
        if (setresgid(p->gid, p->gid, p->gid) < 0)
            die("setgid %u", p->gid);
        if (setresuid(p->uid, p->uid, p->uid) < 0)
            die("setuid %u", p->uid);
    }
    if (p->has_caps) {
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
            die("reset keep-capabilities");
        set_caps(p);
    }
    if (p->umask != 0xffffffffu)
        umask((mode_t)p->umask);
}

static int in_group(gid_t gid)
{
    static gid_t groups[LIMIT_GROUPS];
    if (gid == getegid())
        return 1;
    int n = getgroups(LIMIT_GROUPS, groups);
    for (int i = 0; i < n; i++)
        if (groups[i] == gid)
            return 1;
    return 0;
}

/* X_OK for the effective ids. faccessat2 first; refused (ENOSYS: an old kernel or a seccomp
 * profile's -ENOSYS stub; EPERM: a profile that denies it, and the filter may already be on
 * here) the mode bits decide, as glibc's and Go's fallbacks do. glibc's faccessat returns EPERM
 * as it is, which made every exec lookup fail under such a profile. */
static int may_execute(const char *path, const struct stat *st)
{
#ifdef SYS_faccessat2
    if (syscall(SYS_faccessat2, AT_FDCWD, path, X_OK, AT_EACCESS) == 0)
        return 0;
    if (errno != ENOSYS && errno != EPERM)
        return -1;
#else
    (void)path;
#endif
    uid_t uid = geteuid();
    mode_t bits = uid == 0     ? (st->st_mode | st->st_mode >> 3 | st->st_mode >> 6)
        : st->st_uid == uid    ? st->st_mode >> 6
        : in_group(st->st_gid) ? st->st_mode >> 3
                               : st->st_mode;
    if (bits & S_IXOTH)
        return 0;
    errno = EACCES;
    return -1;
}

static int executable(const char *path, int *err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        *err = errno;
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        *err = EISDIR;
        return 0;
    }
    if (may_execute(path, &st) < 0) {
        *err = errno;
        return 0;
    }
    return 1;
}

/* exec.LookPath's semantics and messages: clients map them to exit codes 126/127. */
const char *resolve_exec(const struct plan *p, char *buf, size_t cap)
{
    const char *name = p->argv[0];
    const char *path = NULL;
    int err = ENOENT;
    if (strchr(name, '/')) {
        if (executable(name, &err))
            return name;
        errno = err;
        die("exec: \"%s\"", name);
    }
    for (int i = 0; i < p->envc; i++)
        if (!strncmp(p->envp[i], "PATH=", 5))
            path = p->envp[i] + 5;
    if (!path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    while (*path) {
        const char *end = strchrnul(path, ':');
        size_t n = (size_t)(end - path);
        int w = -1, e;
        /* a candidate that does not fit is skipped (Go's LookPath: ENAMETOOLONG), never cut */
        if (n < cap)
            w = n == 0 ? snprintf(buf, cap, "./%s", name) : snprintf(buf, cap, "%.*s/%s", (int)n, path, name);
        if (w >= 0 && (size_t)w < cap && executable(buf, &e))
            return buf;
        path = *end ? end + 1 : end;
    }
    die_plain("exec: \"%s\": executable file not found in $PATH", name);
}

/* Close every fd >= from except the `n` in `keep` (-1 entries ignored): close_range over the
 * gaps, or, where the kernel (before 5.9) or a filter of the caller's refuses it, close() for
 * each number up to the RLIMIT_NOFILE soft limit. Never called once the container's own filter
 * is on: nothing after it may need a syscall a profile can refuse. */
void close_fds_from(int from, const int *keep, int n)
{
    int k[64], nk = 0;
    if (n > 64)
        die_plain("close_fds_from: more than 64 fds to keep");
    for (int i = 0; i < n; i++) {
        if (keep[i] < from)
            continue;
        int j = nk++;
        while (j > 0 && k[j - 1] > keep[i]) { /* insertion sort: a handful of fds */
            k[j] = k[j - 1];
            j--;
        }
        k[j] = keep[i];
    }
    unsigned lo = (unsigned)from;
    for (int i = 0; i <= nk; i++) {
        unsigned hi = i < nk ? (unsigned)k[i] : ~0U; /* the gap is [lo, hi) */
        if (hi > lo && syscall(SYS_close_range, lo, hi - 1, 0) < 0) {
            struct rlimit rl;
            unsigned top =
                getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (1u << 20) ? (unsigned)rl.rlim_cur : (1u << 20);
            for (unsigned fd = lo; fd < hi && fd < top; fd++)
                close((int)fd);
        }
        if (i < nk)
            lo = (unsigned)k[i] + 1;
    }
}

/* execve failed after the runtime stopped listening: runc's line on the process's stderr
 * ("exec /run.sh: no such file or directory") and its status, 255. */
void exec_failed(const char *path)
{
    char text[128];
    snprintf(text, sizeof text, "%s", strerror(errno));
    if (text[0] >= 'A' && text[0] <= 'Z')
        text[0] = (char)(text[0] - 'A' + 'a');
    dprintf(2, "exec %s: %s\n", path, text);
    _exit(255);
}

void reset_signals(void)
{
    sigset_t all;
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &dfl, NULL);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
}

int install_seccomp(const struct plan *p)
{
    struct sock_filter *insns;
    int fd;
    if (!p->seccomp_len)
        return -1;
    if (p->seccomp_len % sizeof(struct sock_filter))
        die_plain("seccomp program has a partial instruction");
    if (p->seccomp_len / sizeof(struct sock_filter) > LIMIT_SECCOMP_INSNS)
        die_plain("seccomp program is longer than %u instructions", LIMIT_SECCOMP_INSNS);
    insns = malloc(p->seccomp_len); /* the plan buffer is not aligned for sock_filter */
    if (!insns)
        die("seccomp");
    memcpy(insns, p->seccomp, p->seccomp_len);
    struct sock_fprog prog = { .len = (unsigned short)(p->seccomp_len / sizeof *insns), .filter = insns };
    fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->seccomp_flags, &prog);
    if (fd < 0)
        die("install the seccomp filter");
    free(insns);
    return (p->seccomp_flags & SECCOMP_NEW_LISTENER) ? fd : -1;
}

/* the kernel's struct sched_attr (glibc 2.36 has no wrapper) */
struct pyr_sched_attr {
    uint32_t size, sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime, sched_deadline, sched_period;
};

void apply_scheduling(const struct plan *p)
{
    if (p->has_personality && personality(p->personality) < 0)
        die("set personality 0x%x", p->personality);
    if (p->has_ioprio && syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, p->ioprio) < 0)
        die("failed to set io priority");
    if (p->has_sched) {
        struct pyr_sched_attr a = {
            .size = sizeof a,
            .sched_policy = p->sched_policy,
            .sched_flags = p->sched_flags,
            .sched_nice = p->sched_nice,
            .sched_priority = p->sched_priority,
            .sched_runtime = p->sched_runtime,
            .sched_deadline = p->sched_deadline,
            .sched_period = p->sched_period,
        };
        if (syscall(SYS_sched_setattr, 0, &a, 0) < 0) {
            /* SCHED_DEADLINE needs every CPU of its root domain: a cpuset narrower than that is EPERM */
            if (errno == EPERM && (p->flags & F_CPUSET))
                die_plain("process scheduler can't be used together with AllowedCPUs");
            die("error setting scheduler");
        }
    }
}

/* exec's initial affinity: set before the cgroup is joined (the init starts on those CPUs) */
void initial_affinity(const struct plan *p)
{
    if (p->affinity_len[0] && sched_setaffinity(0, p->affinity_len[0], (const cpu_set_t *)p->affinity[0]) < 0)
        die("error setting initial CPU affinity");
}

/* In the container's cgroup: exec's final affinity, or (nothing configured, and always for the
 * container's init) every CPU, which the kernel narrows to the cgroup's cpuset. Since Linux 6.2
 * joining a cpuset keeps an affinity the caller asked for (taskset, systemd's CPUAffinity=), so
 * without this the container would inherit the runtime's (runc 1.3 resets it the same way). */
void final_affinity(const struct plan *p)
{
    if (p->affinity_len[1]) {
        if (sched_setaffinity(0, p->affinity_len[1], (const cpu_set_t *)p->affinity[1]) < 0)
            die("error setting final CPU affinity");
        return;
    }
    if (p->affinity_len[0])
        return;                         /* an initial affinity alone stays */
    static unsigned char all[8192 / 8]; /* every CPU the kernel can have */
    memset(all, 0xff, sizeof all);
    sched_setaffinity(0, sizeof all, (const cpu_set_t *)all); /* best effort, as runc */
}
