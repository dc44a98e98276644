/* OCI hooks that run inside the container: createContainer (before pivot_root, with the rootfs as
 * the working directory, the path resolved in the runtime's view) and startContainer (after
 * `start`, just before the user process, under the process's seccomp filter).
 *
 * As runc runs them: stdin is the state, stdout and stderr are captured and, when the hook fails,
 * quoted in the error ("error running startContainer hook #1: exit status 1, stdout: ..., stderr:
 * ..."); a startContainer hook without its own env gets the process's (HOME included). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "init.h"

#define HOOK_OUTPUT_MAX 512 /* kept of each stream for the error; the rest is read and dropped */

static const char *kind_name(uint32_t kind)
{
    return kind == HOOK_CREATE_CONTAINER ? "createContainer" : "startContainer";
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* How a hook ended, in Go's words (os.ProcessState.String, its signal names): runc's errors
 * carry them and people search for them ("signal: bad system call"). */
static const char *const signal_names[] = {
    NULL,
    "hangup",
    "interrupt",
    "quit",
    "illegal instruction",
    "trace/breakpoint trap",
    "aborted",
    "bus error",
    "floating point exception",
    "killed",
    "user defined signal 1",
    "segmentation fault",
    "user defined signal 2",
    "broken pipe",
    "alarm clock",
    "terminated",
    "stack fault",
    "child exited",
    "continued",
    "stopped (signal)",
    "stopped",
    "stopped (tty input)",
    "stopped (tty output)",
    "urgent I/O condition",
    "CPU time limit exceeded",
    "file size limit exceeded",
    "virtual timer expired",
    "profiling timer expired",
    "window changed",
    "I/O possible",
    "power failure",
    "bad system call",
};

static void describe(int status, char *out, size_t cap)
{
    if (WIFEXITED(status)) {
        snprintf(out, cap, "exit status %d", WEXITSTATUS(status));
        return;
    }
    int sig = WTERMSIG(status);
    if (sig > 0 && sig < (int)(sizeof signal_names / sizeof *signal_names))
        snprintf(out, cap, "signal: %s%s", signal_names[sig], WCOREDUMP(status) ? " (core dumped)" : "");
    else
        snprintf(out, cap, "signal: signal %d%s", sig, WCOREDUMP(status) ? " (core dumped)" : "");
}

struct capture {
    int fd, cut;
    size_t len;
    char buf[HOOK_OUTPUT_MAX + 4]; /* and "..." when cut, and the NUL */
};

/* read what is there now; at EOF the fd is closed (-1) */
static void drain(struct capture *c)
{
    char chunk[4096];
    while (c->fd >= 0) {
        ssize_t n = read(c->fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return; /* EAGAIN: nothing more for now */
        if (n == 0) {
            close(c->fd);
            c->fd = -1;
            return;
        }
        size_t room = HOOK_OUTPUT_MAX - c->len;
        size_t take = (size_t)n < room ? (size_t)n : room;
        memcpy(c->buf + c->len, chunk, take);
        c->len += take;
        if (take < (size_t)n)
            c->cut = 1;
    }
}

static void pipe_or_die(int fds[2], const char *kind, int index)
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        die("error running %s hook #%d: pipe", kind, index);
}

/* The state is the hook's stdin as it is: a sealed memfd, rewound for each hook. Nothing is
 * written to the hook, so nothing can block before its timeout starts, whatever the size. */
static void run_one(const struct plan *p, const struct hook *h, int index, int state_fd)
{
    const char *kind = kind_name(h->kind);
    int out[2], err[2], gate[2];
    if (lseek(state_fd, 0, SEEK_SET) < 0)
        die("error running %s hook #%d: rewind its state", kind, index);
    pipe_or_die(out, kind, index);
    pipe_or_die(err, kind, index);
    pipe_or_die(gate, kind, index); /* the execve's errno, if it fails (Go's "fork/exec") */
    /* runc: a startContainer hook without env inherits the process's; createContainer gets none */
    const char *const *envp = h->envp;
    if (!h->nenv && h->kind == HOOK_START_CONTAINER)
        envp = p->envp;
    pid_t pid = fork();
    if (pid < 0)
        die("error running %s hook #%d: fork", kind, index);
    if (pid == 0) {
        const char *fallback[2] = { h->path, NULL };
        int e;
        if (dup2(state_fd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
            _exit(127);
        reset_signals();
        execve(h->path, (char *const *)(h->nargs ? h->argv : fallback), (char *const *)envp);
        e = errno;
        if (write(gate[1], &e, sizeof e) < 0)
            _exit(127);
        _exit(127);
    }
    close(out[1]);
    close(err[1]);
    close(gate[1]);
    int exec_err = 0;
    ssize_t got_err;
    do
        got_err = read(gate[0], &exec_err, sizeof exec_err); /* EOF once the execve succeeded */
    while (got_err < 0 && errno == EINTR);
    close(gate[0]);

    struct capture cap[2] = { { .fd = out[0], .cut = 0 }, { .fd = err[0], .cut = 0 } };
    for (int i = 0; i < 2; i++)
        fcntl(cap[i].fd, F_SETFL, O_NONBLOCK);
    int status = 0;
    long deadline = h->timeout ? now_ms() + (long)h->timeout * 1000 : 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR)
            die("error running %s hook #%d: wait", kind, index);
        if (h->timeout && now_ms() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            die_plain("error running %s hook #%d: hook ran past specified timeout of %u.0s", kind, index, h->timeout);
        }
        /* read while it runs (a hook filling a pipe would block); once both streams ended,
         * only its exit is awaited (a grandchild may hold them open: not waited for) */
        struct pollfd pf[2];
        int n = 0;
        for (int i = 0; i < 2; i++)
            if (cap[i].fd >= 0)
                pf[n++] = (struct pollfd){ .fd = cap[i].fd, .events = POLLIN };
        if (n) {
            if (poll(pf, (nfds_t)n, 10) > 0)
                for (int i = 0; i < 2; i++)
                    drain(&cap[i]);
        } else {
            struct timespec tick = { 0, 1000000 };
            nanosleep(&tick, NULL);
        }
    }
    for (int i = 0; i < 2; i++) {
        drain(&cap[i]);
        if (cap[i].fd >= 0)
            close(cap[i].fd);
        if (cap[i].cut) { /* say it was cut */
            memcpy(cap[i].buf + cap[i].len, "...", 3);
            cap[i].len += 3;
        }
        cap[i].buf[cap[i].len] = 0;
    }
    if (got_err == (ssize_t)sizeof exec_err) {
        errno = exec_err;
        die("error running %s hook #%d: fork/exec %s", kind, index, h->path);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    char how[64];
    describe(status, how, sizeof how);
    die_plain("error running %s hook #%d: %s, stdout: %s, stderr: %s", kind, index, how, cap[0].buf, cap[1].buf);
}

void run_hooks(const struct plan *p, uint32_t kind, int state_fd)
{
    int index = 0;
    for (int i = 0; i < p->nhooks; i++) {
        if (p->hooks[i].kind != kind)
            continue;
        if (state_fd < 0)
            die_plain("error running %s hook #%d: no state from the runtime", kind_name(kind), index);
        run_one(p, &p->hooks[i], index++, state_fd);
    }
}
