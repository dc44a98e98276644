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

void apply_identity(const struct plan *p)
{
    for (int i = 0; i < p->nrlimits; i++) {
        struct rlimit rl = { (rlim_t)p->rlimits[i].soft, (rlim_t)p->rlimits[i].hard };
        if (setrlimit((int)p->rlimits[i].resource, &rl) < 0)
            die("setrlimit %u (soft %llu, hard %llu)", p->rlimits[i].resource,
                (unsigned long long)p->rlimits[i].soft, (unsigned long long)p->rlimits[i].hard);
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
        gid_t groups[256];
        for (uint32_t i = 0; i < p->ngroups; i++)
            groups[i] = p->groups[i];
        /* setgroups is denied inside a user namespace whose setgroups file says deny */
        if (setgroups(p->ngroups, groups) < 0 && !(errno == EPERM && p->ngroups == 0))
            die("setgroups");
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
    if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0) {
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
        if (n == 0)
            snprintf(buf, cap, "./%s", name);
        else
            snprintf(buf, cap, "%.*s/%s", (int)n, path, name);
        int e;
        if (executable(buf, &e))
            return buf;
        path = *end ? end + 1 : end;
    }
    die_plain("exec: \"%s\": executable file not found in $PATH", name);
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
        die("set I/O priority");
    if (p->has_sched) {
        struct pyr_sched_attr a = {
            .size = sizeof a, .sched_policy = p->sched_policy, .sched_flags = p->sched_flags,
            .sched_nice = p->sched_nice, .sched_priority = p->sched_priority,
            .sched_runtime = p->sched_runtime, .sched_deadline = p->sched_deadline, .sched_period = p->sched_period,
        };
        if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
            die("set scheduler (policy %u)", p->sched_policy);
    }
}

void set_affinity(const struct plan *p, int which)
{
    if (p->affinity_len[which] &&
        sched_setaffinity(0, p->affinity_len[which], (const cpu_set_t *)p->affinity[which]) < 0)
        die("set %s CPU affinity", which ? "final" : "initial");
}
