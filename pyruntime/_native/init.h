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

/* ---- wire format (must match pyruntime/plan_wire.py) ---- */
#define PLAN_MAGIC 0x50525950u /* "PYRP" */
#define PLAN_VERSION 1u

enum plan_tag {
    T_FLAGS = 1,      /* u32 flags */
    T_NS = 2,         /* u32 clone flag, str path ("" = new) */
    T_ROOTFS = 3,     /* str absolute host path */
    T_ROOTPROP = 4,   /* u64 propagation flags for "/" */
    T_MOUNT = 5,      /* u64 flags, u64 propagation, u64 attr_set, u64 attr_clr, u32 extra, str src, dst, type, data */
    T_DEVICE = 6,     /* u32 mode (type|perm), u32 major, u32 minor, u32 uid, u32 gid, u32 bind, str path */
    T_SYMLINK = 7,    /* str target, str link path */
    T_MASK = 8,       /* str path */
    T_READONLY = 9,   /* str path */
    T_HOSTNAME = 10,  /* str */
    T_DOMAINNAME = 11,/* str */
    T_RLIMIT = 12,    /* u32 resource, u64 soft, u64 hard */
    T_USER = 13,      /* u32 uid, u32 gid, u32 umask (0xffffffff: keep), u32 n, u32 gids[n] */
    T_CAPS = 14,      /* u64 bounding, effective, permitted, inheritable, ambient; u32 last_cap */
    T_ARG = 15,       /* str, repeated */
    T_ENV = 16,       /* str, repeated */
    T_CWD = 17,       /* str */
    T_CONSOLE = 18,   /* u32 rows, u32 cols */
    T_OOM = 19,       /* i32 oom_score_adj */
    T_FDS = 20,       /* i32 console socket fd, i32 state dir fd, u32 preserve_fds */
    T_TIMEOFF = 21,   /* u32 clock id, i64 secs, u32 nsecs */
    T_SYSCTL = 22,    /* str key (path under /proc/sys), str value */
    T_SECCOMP = 23,   /* raw BPF program bytes (struct sock_filter[]) */
    T_SECCOMP_FLAGS = 24, /* u32 SECCOMP_FILTER_FLAG_* */
    T_HOOK = 25,      /* u32 kind (enum hook_kind), u32 timeout s, u32 nargs, u32 nenv, str path, args, env */
    T_PERSONALITY = 26, /* u32 persona */
    T_IOPRIO = 27,    /* u32 ioprio value (class << 13 | level) */
    T_SCHED = 28,     /* u32 policy, i32 nice, u32 priority, u64 flags, u64 runtime, u64 deadline, u64 period */
    T_AFFINITY = 29,  /* u32 which (0 initial, 1 final), then the cpu mask bytes */
    T_CGROUP = 30,    /* i32 cgroup2 dir fd (-1: none), u32 n, i32 v1 `tasks` fds[n]: join them ourselves */
    T_MOUNT_FD = 31,  /* u32 index of a T_MOUNT with M_IDMAP, i32 fd of its detached idmapped tree */
    T_KEYRING = 60,   /* str name of the session keyring to join (absent: keep the caller's) */
};

enum hook_kind { HOOK_CREATE_CONTAINER = 0, HOOK_START_CONTAINER = 1 };

struct hook {
    uint32_t kind, timeout, nargs, nenv;
    const char *path;
    const char *argv[65];
    const char *envp[257];
};

enum plan_flags {
    F_NO_PIVOT = 1u << 0,
    F_ROOT_READONLY = 1u << 1,
    F_TERMINAL = 1u << 2,
    F_SETUP_DEV = 1u << 3,      /* create default devices and /dev symlinks */
    F_NO_NEW_PRIVS = 1u << 4,
    F_HOOKS_SYNC = 1u << 5,     /* stop before pivot_root so the parent can run hooks */
    F_HAS_OOM = 1u << 6,
    F_EXEC = 1u << 7,           /* exec into an existing container: no rootfs work, no fifo */
    F_SETSID = 1u << 8,
    F_RELAY = 1u << 14,         /* the runtime relays this terminal itself: ONLCR off (runc) */
};

enum mount_extra {
    M_BIND = 1u << 0,
    M_TMPCOPYUP = 1u << 1,
    M_PROCLIKE = 1u << 2,   /* proc/sysfs: destination must be an ordinary directory */
    M_REMOUNT = 1u << 3,    /* change the flags of what is already mounted at the destination */
    M_IDMAP = 1u << 4,      /* a bind whose idmapped tree the parent made: attach fd with move_mount */
};

/* ---- sync protocol (SOCK_SEQPACKET; must match pyruntime/sync.py) ---- */
enum sync_msg {
    MSG_GO = 1,          /* parent -> init: cgroup placed, proceed */
    MSG_NEED_MAPS = 2,   /* stage 1 -> parent: u32 pid; write uid_map/gid_map now */
    MSG_MAPS_DONE = 3,   /* parent -> stage 1 */
    MSG_CHILD_PID = 4,   /* stage 1 -> parent: u32 pid of stage 2 (host pid); before any message of stage 2 */
    MSG_HOOKS = 5,       /* stage 2 -> parent: run prestart/createRuntime hooks */
    MSG_HOOKS_DONE = 6,  /* parent -> stage 2 */
    MSG_READY = 7,       /* stage 2 -> parent: set up, about to wait on the exec fifo */
    MSG_ERROR = 8,       /* any -> parent: u32 errno, then text */
    MSG_SECCOMP_FD = 9,  /* stage 2 -> parent: the seccomp notify listener fd (SCM_RIGHTS) */
    MSG_NEED_TIMENS = 20, /* stage 1 -> parent: u32 pid; write /proc/pid/timens_offsets now */
    MSG_TIMENS_DONE = 21, /* parent -> stage 1 */
};

struct mnt {
    uint64_t flags, prop, attr_set, attr_clr;
    uint32_t extra;
    const char *src, *dst, *type, *data;
    int has_fd, fd; /* M_IDMAP: the tree to attach */
};

struct dev {
    uint32_t mode, major, minor, uid, gid, bind;
    const char *path;
};

struct kv { const char *a, *b; };

struct rlim { uint32_t resource; uint64_t soft, hard; };

struct nsreq { uint32_t flag; const char *path; };

struct timeoff { uint32_t clock; int64_t secs; uint32_t nsecs; };

#define MAXN 512

struct plan {
    uint32_t flags;
    const char *rootfs;
    uint64_t rootprop;
    struct nsreq ns[16]; int nns;
    struct mnt mounts[MAXN]; int nmounts;
    struct dev devs[MAXN]; int ndevs;
    struct kv links[64]; int nlinks;
    const char *masks[MAXN]; int nmasks;
    const char *ro[MAXN]; int nro;
    struct kv sysctls[MAXN]; int nsysctls;
    const char *hostname, *domainname;
    struct rlim rlimits[32]; int nrlimits;
    int has_user; uint32_t uid, gid, umask, ngroups; uint32_t groups[256];
    int has_caps; uint64_t cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb; uint32_t last_cap;
    const char *argv[MAXN + 1]; int argc;
    const char *envp[MAXN * 4 + 1]; int envc;
    const char *cwd;
    uint32_t rows, cols;
    int32_t oom;
    int console_fd, statedir_fd; uint32_t preserve_fds;
    struct timeoff timeoffs[8]; int ntimeoffs;
    const unsigned char *seccomp; size_t seccomp_len; uint32_t seccomp_flags;
    struct hook hooks[32]; int nhooks;
    const char *state_create, *state_start; /* the hooks' stdin, from MSG_HOOKS_DONE */
    int has_personality; uint32_t personality;
    int has_ioprio; uint32_t ioprio;
    int has_sched; uint32_t sched_policy, sched_priority; int32_t sched_nice;
    uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
    const unsigned char *affinity[2]; size_t affinity_len[2];
    int cg2_fd; int cg_tasks[16]; int ncg_tasks;
    const char *keyring;
};

/* plan.c */
int plan_parse(struct plan *p, const unsigned char *buf, size_t len);

/* sync.c: every failure goes to the parent as one message, then the process exits */
extern int sync_fd;
extern int report_fd;
void sync_send(uint32_t type, const void *payload, size_t len);
uint32_t sync_recv(void *payload, size_t cap, size_t *len);
void sync_expect(uint32_t type);
void sync_send_fd(uint32_t type, int fd);
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);       /* appends strerror(errno) */
__attribute__((noreturn, format(printf, 1, 2))) void die_plain(const char *fmt, ...); /* message as is */

/* ns.c */
void enter_cgroups(const struct plan *p);
void stage1_namespaces(const struct plan *p);

/* rootfs.c */
void setup_rootfs(const struct plan *p);
void finish_rootfs(const struct plan *p);   /* masks, readonly paths, pivot_root / chroot */
int open_in_root(int rootfd, const char *path, int flags);

/* keyring.c */
void join_session_keyring(const char *name);

/* hooks.c */
void run_hooks(const struct plan *p, uint32_t kind, const char *state);

/* process.c */
int install_seccomp(const struct plan *p); /* the listener fd with NEW_LISTENER, else -1 */
#define SECCOMP_NEW_LISTENER 8u
void apply_scheduling(const struct plan *p);
void set_affinity(const struct plan *p, int which);
void setup_console(const struct plan *p, int rootfd);
void apply_identity(const struct plan *p);
const char *resolve_exec(const struct plan *p, char *buf, size_t cap);
void reset_signals(void);

#endif
