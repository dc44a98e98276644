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

static struct plan plan;

void stage0_namespaces(const struct plan *p); /* ns.c */
void open_time_offsets(const struct plan *p); /* ns.c */
void enter_memory_cgroup(void);               /* cgroup.c */

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

/* MSG_HOOKS_DONE hands over the states the in-container hooks read, as two sealed memfds (for
 * createContainer, for startContainer): no copy, no size limit, and each becomes a hook's stdin. */
static void hooks_sync(struct plan *p)
{
    int fds[2], n = 0;
    sync_send(MSG_HOOKS, NULL, 0);
    if (sync_recv_fds(fds, 2, &n) != MSG_HOOKS_DONE)
        die_plain("sync: expected the hooks to be done");
    if (n != 2)
        die_plain("sync: the hooks' states are missing");
    p->state_create_fd = fds[0];
    p->state_start_fd = fds[1];
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

static void wait_for_start(struct plan *p)
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
    fifo_path_fd = -1;
    report_fd = fifo; /* from here on, errors go to `start` through the fifo */
    run_hooks(p, HOOK_START_CONTAINER, p->state_start_fd);
    if (p->state_start_fd >= 0)
        close(p->state_start_fd);
    p->state_start_fd = -1;
}

static int sanitizer_fd(void)
{
    return pyr_sanitizer_report_fd ? pyr_sanitizer_report_fd() : -1;
}

/* Nothing of the runtime may reach the container (CVE-2024-21626): every fd above the preserved
 * ones is closed, but the few the init still needs (none of them a directory), before the
 * container's seccomp filter goes on. After it the init only closes those by number: a profile
 * may refuse close_range (or return ENOSYS for it), and nothing may depend on it then. */
static void close_runtime_fds(const struct plan *p)
{
    int keep[] = { sync_fd, fifo_path_fd, p->state_start_fd, sanitizer_fd() };
    close_fds_from(3 + (int)p->preserve_fds, keep, (int)(sizeof keep / sizeof keep[0]));
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

/* The caller's fds beyond stdio and the preserved ones (a client's log file, its /dev/null) never
 * reach the waiting init, let alone the container (CVE-2024-21626's class): all but our own. */
static void close_inherited(const struct plan *p)
{
    int keep[5 + LIMIT_CGROUP_TASKS] = { sync_fd, p->console_fd, p->statedir_fd, p->cg2_fd, sanitizer_fd() };
    int n = 5;
    for (int i = 0; i < p->ncg_tasks && i < LIMIT_CGROUP_TASKS; i++)
        keep[n++] = p->cg_tasks[i];
    close_fds_from(3 + (int)p->preserve_fds, keep, n);
}

static void stage2(struct plan *p)
{
    char exe[PATH_MAX];
    const char *path;
    int cwd_err = 0, exec_mode = p->flags & F_EXEC;

    init_step = STEP_CGROUP;
    enter_memory_cgroup();                              /* cgroup.c: when stage 1 left it to us */
    init_step = exec_mode ? STEP_PROCESS : STEP_ROOTFS; /* exec: no rootfs work */
    if ((p->flags & F_SETSID) && setsid() < 0)
        die("setsid");
    lsm_write(p, LSM_KEYRING); /* runc sets it before it joins a new session keyring */
    if (!exec_mode) {
        if (p->keyring)
            join_session_keyring(p->keyring);
        hold_fifo(p);
        setup_rootfs(p);
        if (p->flags & F_HOOKS_SYNC) {
            init_step = STEP_HOOKS;
            hooks_sync(p);
            chdir_rootfs(p);
            run_hooks(p, HOOK_CREATE_CONTAINER, p->state_create_fd);
            close(p->state_create_fd);
            p->state_create_fd = -1;
            init_step = STEP_ROOTFS;
        }
        finish_rootfs(p);
        init_step = STEP_PROCESS;
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
    init_step = STEP_PROCESS;
    if (exec_mode)
        apply_scheduling(p);
    final_affinity(p); /* in the container's cgroup already (stage 1 was placed before GO) */
    if ((p->flags & F_TERMINAL) && ioctl(0, TIOCSCTTY, 0) < 0)
        die("make the console the controlling terminal");
    if (chdir(p->cwd ? p->cwd : "/") < 0)
        cwd_err = errno;
    /* HOME from the passwd the container sees, as root, before any filter (runc's prepareEnv) */
    if (p->flags & F_HOME) {
        if (p->envc >= LIMIT_ENV)
            die_plain("too many environment variables to add HOME");
        p->envp[p->envc++] = lookup_home(p->uid);
        p->envp[p->envc] = NULL;
    }
    /* the AppArmor profile and SELinux label for the execve: before the seccomp filter (which
     * may deny what writing them takes) and the identity switch; every error still reaches
     * `create`. From here on the startContainer hooks run confined too, as with runc. */
    lsm_write(p, LSM_EXEC);
    /* without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the capabilities go */
    if (!(p->flags & F_NO_NEW_PRIVS)) {
        close_runtime_fds(p);
        seccomp_step(p);
    }
    apply_identity(p);
    /* `start` is awaited through one more fd (wait_for_start opens the fifo): a process.rlimits
     * RLIMIT_NOFILE that leaves none fails `create` here, as runc's does, rather than killing the
     * waiting init after `create` has reported it created */
    if (!exec_mode) {
        int spare = fcntl(fifo_path_fd, F_DUPFD_CLOEXEC, 0);
        if (spare < 0)
            die("keep an fd for the exec fifo under process.rlimits");
        close(spare);
    }
    if (cwd_err && chdir(p->cwd) < 0)
        die("chdir to cwd (\"%s\") set in config.json failed", p->cwd);
    /* CVE-2024-21626: a cwd outside the container's root reads as "(unreachable)/..." */
    if (!getcwd(exe, sizeof exe) || exe[0] != '/')
        die_plain("current working directory is outside of container mount namespace root");
    if ((p->flags & F_NO_NEW_PRIVS) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die("set no_new_privs");
    path = resolve_exec(p, exe, sizeof exe);
    /* with no_new_privs the filter goes on here, before `start` is awaited (runc's order): the
     * startContainer hooks (binaries of the image) run under it, and its errors reach `create`;
     * a notify listener fd still needs the sync socket */
    if (p->flags & F_NO_NEW_PRIVS) {
        close_runtime_fds(p);
        seccomp_step(p);
    }
    sync_send(MSG_READY, NULL, 0);
    close(sync_fd);
    sync_fd = -1;
    if (!exec_mode) {
        init_step = STEP_START;
        wait_for_start(p);
        if (write(report_fd, "0", 1) != 1)
            die("write exec fifo");
        close(report_fd);
        report_fd = -1;
    }
    /* every fd of the runtime's is closed by now (close_runtime_fds, then each by number): the
     * exec path cannot resolve through one */
    reset_signals();
    execve(path, (char *const *)p->argv, (char *const *)p->envp);
    exec_failed(path);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "pyruntime-init is started by pyruntime, not by hand\n");
        return 2;
    }
    sync_fd = atoi(argv[1]);
    /* inherited without close-on-exec: the hooks the init starts must not inherit it */
    if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) < 0)
        return 1;
    read_plan(atoi(argv[2]));
    sync_fd_floor = 3 + (int)plan.preserve_fds; /* fds we receive must not land among them */
    close_inherited(&plan);
    initial_affinity(&plan);
    sync_expect(MSG_GO);
    init_step = STEP_NAMESPACES;
    stage0_namespaces(&plan); /* ns.c: before the cgroups, so their kernel memory is not the container's */
    init_step = STEP_CGROUP;
    enter_cgroups(&plan); /* first: the other namespaces (cgroup ns too) are made from inside them */
    if (plan.has_oom) {
        char v[16];
        snprintf(v, sizeof v, "%d", plan.oom);
        write_file("/proc/self/oom_score_adj", v);
    }
    open_time_offsets(&plan); /* ns.c: our own /proc file, while we may still open it */
    /* nothing in the container may ptrace or read /proc of this process (CVE-2016-9962) */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        die("prctl(PR_SET_DUMPABLE)");
    init_step = STEP_NAMESPACES;
    lsm_open_proc(&plan); /* the runtime's procfs, before any namespace is joined */
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
