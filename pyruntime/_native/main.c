/* pyruntime-init: argv = [name, sync fd, plan fd]. See init.h for the stages. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "init.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static struct plan plan;

static void read_plan(int fd)
{
    struct stat st;
    unsigned char *buf;
    if (fstat(fd, &st) < 0)
        die("read plan");
    buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        die("read plan");
    for (off_t off = 0; off < st.st_size;) {
        ssize_t n = pread(fd, buf + off, (size_t)(st.st_size - off), off);
        if (n <= 0)
            die("read plan");
        off += n;
    }
    close(fd);
    if (plan_parse(&plan, buf, (size_t)st.st_size) < 0)
        die_plain("malformed plan (runtime and init program out of step?)");
}

static void write_file(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    size_t n = strlen(val);
    if (fd < 0 || write(fd, val, n) != (ssize_t)n)
        die("write %s", path);
    close(fd);
}

/* MSG_HOOKS_DONE carries the state the in-container hooks read: "<for createContainer>\0<for startContainer>\0" */
static void hooks_sync(struct plan *p)
{
    static char states[65536];
    size_t len = 0;
    sync_send(MSG_HOOKS, NULL, 0);
    if (sync_recv(states, sizeof states - 2, &len) != MSG_HOOKS_DONE)
        die_plain("sync: expected the hooks to be done");
    states[len] = states[len + 1] = 0;
    p->state_create = states;
    p->state_start = states + strlen(states) + 1;
}

/* The exec fifo as an O_PATH handle, taken while the state directory is reachable; the waiting
 * init keeps no handle on a host directory (CVE-2024-21626's class). */
static int fifo_path_fd = -1;

static void hold_fifo(const struct plan *p)
{
    fifo_path_fd = openat(p->statedir_fd, "exec.fifo", O_PATH | O_CLOEXEC);
    if (fifo_path_fd < 0)
        die("open exec fifo");
    close(p->statedir_fd);
}

static void exit_on_signal(int sig)
{
    _exit(128 + sig);
}

static void wait_for_start(const struct plan *p)
{
    char path[64];
    /* A created container dies of SIGHUP, SIGINT and SIGTERM, as runc's (Go) init does: as PID 1
     * of its pid namespace the default action would ignore them (`kill <created> TERM`, pidfd).
     * reset_signals() puts the default back before execve. */
    struct sigaction sa = { .sa_handler = exit_on_signal };
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fifo_path_fd);
    int fifo = open(path, O_WRONLY | O_CLOEXEC); /* blocks until `start` opens it for reading */
    if (fifo < 0)
        die("open exec fifo through the container's /proc (is /proc mounted?)");
    close(fifo_path_fd);
    report_fd = fifo; /* from here on, errors go to `start` through the fifo */
    run_hooks(p, HOOK_START_CONTAINER, p->state_start);
}

/* Load the filter; a notify listener fd goes to the parent, which passes it to listenerPath. */
static void seccomp_step(const struct plan *p)
{
    int fd = install_seccomp(p);
    if (fd >= 0) {
        sync_send_fd(MSG_SECCOMP_FD, fd);
        close(fd);
    }
}

static void stage2(struct plan *p)
{
    char exe[PATH_MAX];
    const char *path;
    int cwd_err = 0, exec_mode = p->flags & F_EXEC;

    if ((p->flags & F_SETSID) && setsid() < 0)
        die("setsid");
    if (!exec_mode) {
        if (p->keyring)
            join_session_keyring(p->keyring);
        hold_fifo(p);
        setup_rootfs(p);
        if (p->flags & F_HOOKS_SYNC) {
            hooks_sync(p);
            run_hooks(p, HOOK_CREATE_CONTAINER, p->state_create);
        }
        finish_rootfs(p);
        if (p->hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
            die("sethostname");
        if (p->domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
            die("setdomainname");
        apply_scheduling(p);
    } else if (p->flags & F_TERMINAL) {
        int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
            die("open / of the container");
        setup_console(p, rootfd);
        close(rootfd);
    }
    if (exec_mode)
        apply_scheduling(p);
    set_affinity(p, 1); /* "final": in the container's cgroup already (stage 1 was placed before GO) */
    if ((p->flags & F_TERMINAL) && ioctl(0, TIOCSCTTY, 0) < 0)
        die("make the console the controlling terminal");
    if (chdir(p->cwd ? p->cwd : "/") < 0)
        cwd_err = errno;
    /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the capabilities go */
    int notify = p->seccomp_len && (p->seccomp_flags & SECCOMP_NEW_LISTENER);
    if (!(p->flags & F_NO_NEW_PRIVS))
        seccomp_step(p);
    apply_identity(p);
    if (cwd_err && chdir(p->cwd) < 0)
        die("chdir to cwd (\"%s\") set in config.json failed", p->cwd);
    /* CVE-2024-21626: a cwd outside the container's root reads as "(unreachable)/..." */
    if (!getcwd(exe, sizeof exe) || exe[0] != '/')
        die_plain("current working directory is outside of container mount namespace root");
    if ((p->flags & F_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("set no_new_privs");
    path = resolve_exec(p, exe, sizeof exe);
    /* nothing of the runtime may reach the container: mark every other fd close-on-exec */
    if (syscall(SYS_close_range, 3 + p->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        die("close_range");
    if ((p->flags & F_NO_NEW_PRIVS) && (exec_mode || notify))
        seccomp_step(p); /* the listener fd needs the sync socket, still open here */
    if (exec_mode) {
        sync_send(MSG_READY, NULL, 0);
        close(sync_fd);
        sync_fd = -1;
    } else {
        sync_send(MSG_READY, NULL, 0);
        close(sync_fd);
        sync_fd = -1;
        wait_for_start(p);
        if ((p->flags & F_NO_NEW_PRIVS) && !notify)
            install_seccomp(p); /* as close to execve as we can; errors reach `start` */
        if (write(report_fd, "0", 1) != 1)
            die("write exec fifo");
        close(report_fd);
        report_fd = -1;
    }
    /* close, not just mark: the exec path itself must not resolve through a leaked fd */
    if (syscall(SYS_close_range, 3 + p->preserve_fds, ~0U, 0) < 0)
        die("close_range");
    reset_signals();
    execve(path, (char *const *)p->argv, (char *const *)p->envp);
    die("exec: \"%s\"", p->argv[0]);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "pyruntime-init is started by pyruntime, not by hand\n");
        return 2;
    }
    sync_fd = atoi(argv[1]);
    read_plan(atoi(argv[2]));
    set_affinity(&plan, 0);
    sync_expect(MSG_GO);
    enter_cgroups(&plan); /* first: the namespaces (cgroup ns too) are made from inside them */
    if (plan.flags & F_HAS_OOM) {
        char v[16];
        snprintf(v, sizeof v, "%d", plan.oom);
        write_file("/proc/self/oom_score_adj", v);
    }
    /* nothing in the container may ptrace or read /proc of this process (CVE-2016-9962) */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        die("prctl(PR_SET_DUMPABLE)");
    stage1_namespaces(&plan);
    /* Stage 1 and stage 2 share the sync socket, and the parent needs stage 2's pid before any
     * message of stage 2's (MSG_READY, MSG_HOOKS, a seccomp fd). Stage 1 may be preempted right
     * after fork() while stage 2 runs its whole setup, so stage 2 waits on this pipe until stage 1
     * has queued MSG_CHILD_PID. */
    int gate[2];
    if (pipe2(gate, O_CLOEXEC) < 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork the container init");
    if (pid > 0) {
        uint32_t v = (uint32_t)pid;
        sync_send(MSG_CHILD_PID, &v, 4);
        if (write(gate[1], "", 1) != 1)
            die("release the container init");
        _exit(0); /* orphan the init to the caller's subreaper */
    }
    close(gate[1]);
    char go;
    ssize_t n;
    do
        n = read(gate[0], &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(1); /* stage 1 died before the parent learnt our pid: the parent reports it */
    close(gate[0]);
    stage2(&plan);
    return 1;
}
