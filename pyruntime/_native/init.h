/* pyruntime-init: the small C program a container's processes run from exec until the final execve.
 *
 * The Python parent builds a Plan (plan.py), encodes it (plan_wire.py) into a memfd and starts this
 * program from a sealed memfd copy. Stage 1 joins/creates namespaces and forks; stage 2 becomes the
 * container's init: root filesystem, console, user, capabilities, then it waits on the exec fifo.
 * No Python, no NSS, no dlopen runs here: only this image and libc, already mapped before pivot_root.
 */
#ifndef PYRUNTIME_INIT_H
#define PYRUNTIME_INIT_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* The numbers the runtime and the init share (record tags, flags, sync messages, limits...) are
 * generated from pyruntime/_native/contract.py, with pyruntime/_contract.py for the Python side. */
#include "contract.h"

struct hook {
    uint32_t kind, timeout, nargs, nenv;
    const char *path;
    const char *argv[LIMIT_HOOK_ARGS + 1];
    const char *envp[LIMIT_HOOK_ENV + 1];
};

struct mnt {
    uint64_t flags, cleared, prop, attr_set, attr_clr;
    uint32_t extra;
    const char *src, *dst, *type, *data;
    const char *label; /* SELinux label for the mount's root, or NULL */
};

struct lsm_attr {
    uint32_t when;
    const char *path, *value, *what;
};

struct dev {
    uint32_t mode, major, minor, uid, gid, bind;
    const char *path;
};

struct kv {
    const char *a, *b;
};

struct rlim {
    uint32_t resource;
    uint64_t soft, hard;
};

struct nsreq {
    uint32_t flag;
    const char *path;
};

struct timeoff {
    uint32_t clock;
    int64_t secs;
    uint32_t nsecs;
};

struct plan {
    uint32_t flags;
    const char *rootfs;
    uint64_t rootprop;
    struct nsreq ns[LIMIT_NAMESPACES];
    int nns;
    struct mnt mounts[LIMIT_MOUNTS];
    int nmounts;
    struct dev devs[LIMIT_DEVICES];
    int ndevs;
    struct kv links[LIMIT_LINKS];
    int nlinks;
    const char *masks[LIMIT_MASKED];
    int nmasks;
    const char *ro[LIMIT_READONLY];
    int nro;
    struct kv sysctls[LIMIT_SYSCTLS];
    int nsysctls;
    const char *hostname, *domainname;
    struct rlim rlimits[LIMIT_RLIMITS];
    int nrlimits;
    int has_user;
    uint32_t uid, gid, umask, ngroups;
    const unsigned char *groups; /* ngroups u32s in the plan buffer (not aligned) */
    int has_caps;
    uint64_t cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb;
    uint32_t last_cap;
    const char *argv[LIMIT_ARGS + 1];
    int argc;
    const char *envp[LIMIT_ENV + 1];
    int envc;
    const char *cwd;
    uint32_t rows, cols;
    int has_oom;
    int32_t oom;
    int console_fd, statedir_fd;
    uint32_t preserve_fds;
    struct timeoff timeoffs[LIMIT_TIME_OFFSETS];
    int ntimeoffs;
    const unsigned char *seccomp;
    size_t seccomp_len;
    uint32_t seccomp_flags;
    struct hook hooks[LIMIT_HOOKS];
    int nhooks;
    int state_create_fd, state_start_fd; /* the hooks' stdin: sealed memfds from MSG_HOOKS_DONE */
    int has_personality;
    uint32_t personality;
    int has_ioprio;
    uint32_t ioprio;
    int has_sched;
    uint32_t sched_policy, sched_priority;
    int32_t sched_nice;
    uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
    const unsigned char *affinity[2];
    size_t affinity_len[2];
    int cg2_fd;
    int cg_tasks[LIMIT_CGROUP_TASKS];
    int ncg_tasks;
    struct lsm_attr lsm[LIMIT_LSM];
    int nlsm;
    const char *mask_data;
    const char *keyring;
};

/* plan.c */
int plan_parse(struct plan *p, const unsigned char *buf, size_t len);

/* sync.c: every failure goes to the parent as one message, then the process exits */
/* SYNC_MAX_PAYLOAD, SYNC_MAX_FDS, ERROR_MAX: contract.h */
struct sync_in {
    uint32_t type;
    const unsigned char *payload;
    size_t len;
    int fds[SYNC_MAX_FDS];
    int nfds;
};
extern int sync_fd;
extern int report_fd;
extern int sync_fd_floor;  /* received fds are moved to >= this (3 + preserve_fds) */
extern uint32_t init_step; /* enum init_step: what an error reports as the step it failed in */
void sync_send(uint32_t type, const void *payload, size_t len);
/* One packet as recvmsg() left it (n bytes, msg_flags, control data) -> *out; -1 with *why on
 * anything but a well-formed message of at most `cap` payload bytes and `maxfds` fds. Pure (no
 * syscall; fds are only recorded): the fuzzer drives it (tests/fuzz). */
int sync_parse(const unsigned char *buf, size_t n, int msg_flags, const void *control, size_t controllen, size_t cap,
               int maxfds, struct sync_in *out, const char **why);
uint32_t sync_recv(void *payload, size_t cap, size_t *len); /* no fds allowed */
uint32_t sync_recv_fds(int *fds, int maxfds, int *nfds);    /* no payload allowed */
uint32_t sync_recv_both(void *payload, size_t cap, size_t *len, int *fds, int maxfds, int *nfds);
void sync_expect(uint32_t type);
void sync_send_fd(uint32_t type, int fd);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);       /* appends strerror(errno) */
__attribute__((noreturn, format(printf, 1, 2))) void die_plain(const char *fmt, ...); /* message as is */

/* sanitizer.c, linked only into the sanitizer build (scripts/sanitize.sh): NULL here */
extern void pyr_sanitizer_new_process(void) __attribute__((weak));
extern int pyr_sanitizer_report_fd(void) __attribute__((weak)); /* kept open like the init's own fds */

/* ns.c */
void enter_cgroups(const struct plan *p);
void stage1_namespaces(const struct plan *p);

/* rootfs.c */
void setup_rootfs(const struct plan *p);
void finish_rootfs(const struct plan *p); /* masks, readonly paths, pivot_root / chroot */
void chdir_rootfs(const struct plan *p);  /* the createContainer hooks' working directory */
int open_in_root(int rootfd, const char *path, int flags);

/* lsm.c: AppArmor/SELinux attributes, written through the runtime's own procfs */
void lsm_open_proc(const struct plan *p); /* before any namespace is joined */
void lsm_write(const struct plan *p, uint32_t when);
/* keyring.c */
void join_session_keyring(const char *name);

/* hooks.c */
void run_hooks(const struct plan *p, uint32_t kind, int state_fd);

/* passwd.c: HOME from the container's /etc/passwd, read by the init inside the container */
#define PASSWD_MAX_LINE 65535        /* runc's reader (bufio.Scanner) fails on a longer line */
#define PASSWD_MAX_BYTES (16u << 20) /* what is read at most */
struct pwscan {
    uint32_t uid;
    char *line;
    size_t linecap, len; /* the current line (linecap > PASSWD_MAX_LINE) */
    char *home;
    size_t homecap, homelen;
    size_t total;
    int found, err; /* err: a line too long, the file too large, a read error */
};
/* Streaming, so the fuzzer can cut the input anywhere (tests/fuzz). */
void pw_begin(struct pwscan *s, uint32_t uid, char *line, size_t linecap, char *home, size_t homecap);
void pw_feed(struct pwscan *s, const char *buf, size_t n);
int pw_end(struct pwscan *s);          /* 1 found (s->home, s->homelen bytes, NUL-terminated), 0 no entry, -1 error */
const char *lookup_home(uint32_t uid); /* "HOME=<home>", or "HOME=/" when there is none (runc) */

/* process.c */
int install_seccomp(const struct plan *p); /* the listener fd with SECCOMP_NEW_LISTENER, else -1 */
void apply_scheduling(const struct plan *p);
void initial_affinity(const struct plan *p);
void final_affinity(const struct plan *p);
void setup_console(const struct plan *p, int rootfd);
void apply_identity(const struct plan *p);
const char *resolve_exec(const struct plan *p, char *buf, size_t cap);
void reset_signals(void);
void close_fds_from(int from, const int *keep, int n);
__attribute__((noreturn)) void exec_failed(const char *path);

#endif
