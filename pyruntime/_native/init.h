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

/* ---- the init's limits: how many entries of each kind its tables hold ----
 * pyruntime/limits.py holds the same numbers (tests/unit/test_limits.py reads this block and
 * compares), so a config past one is a config error at `create`, never a refused Plan. */
#define LIMIT_NAMESPACES 16
#define LIMIT_MOUNTS 512
#define LIMIT_DEVICES 512
#define LIMIT_LINKS 64
#define LIMIT_MASKED 512
#define LIMIT_READONLY 512
#define LIMIT_SYSCTLS 512
#define LIMIT_RLIMITS 32
#define LIMIT_GROUPS 65536      /* the kernel's NGROUPS_MAX */
#define LIMIT_ARGS 4096
#define LIMIT_ENV 4096          /* HOME looked up by the init counts too */
#define LIMIT_TIME_OFFSETS 8
#define LIMIT_HOOKS 32          /* createContainer and startContainer together */
#define LIMIT_HOOK_ARGS 64
#define LIMIT_HOOK_ENV 256
#define LIMIT_CGROUP_TASKS 16
#define LIMIT_SECCOMP_INSNS 4096 /* the kernel's BPF_MAXINSNS */
#define LIMIT_LSM 8             /* LSM attributes (three at most today: keyring, AppArmor, SELinux) */

/* ---- wire format (must match pyruntime/plan_wire.py) ---- */
#define PLAN_MAGIC 0x50525950u /* "PYRP" */
#define PLAN_VERSION 1u

enum plan_tag {
    T_FLAGS = 1,      /* u32 flags */
    T_NS = 2,         /* u32 clone flag, str path ("" = new) */
    T_ROOTFS = 3,     /* str absolute host path */
    T_ROOTPROP = 4,   /* u64 propagation flags for "/" */
    T_MOUNT = 5,      /* u64 flags, u64 cleared flags, u64 propagation, u64 attr_set, u64 attr_clr, u32 extra,
                         str src, dst, type, data */
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
    /* 31: unused (was a pre-made idmapped tree; now asked for with MSG_MOUNT_PLEASE) */
    T_LSM = 32,       /* u32 when (enum lsm_when), str path under /proc, str value, str what (for errors) */
    T_MOUNT_LABEL = 33, /* u32 index of a T_MOUNT, str SELinux label for its root (security.selinux) */
    T_MASK_DATA = 34, /* str mount data of the read-only tmpfs over a masked directory */
    T_KEYRING = 60,   /* str name of the session keyring to join (absent: keep the caller's) */
};

/* when the init writes an LSM attribute: at the start of stage 2 (the keyring label), or before
 * the process's seccomp filter and identity (the labels that apply at execve) */
enum lsm_when { LSM_KEYRING = 0, LSM_EXEC = 1 };

enum hook_kind { HOOK_CREATE_CONTAINER = 0, HOOK_START_CONTAINER = 1 };

struct hook {
    uint32_t kind, timeout, nargs, nenv;
    const char *path;
    const char *argv[LIMIT_HOOK_ARGS + 1];
    const char *envp[LIMIT_HOOK_ENV + 1];
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
    F_HOME = 1u << 9,           /* look HOME up in the container's /etc/passwd (passwd.c) */
    F_RELAY = 1u << 14,         /* the runtime relays this terminal itself: ONLCR off (runc) */
    F_CPUSET = 1u << 16,        /* linux.resources.cpu.cpus is set: a refused scheduler says why (runc) */
};

enum mount_extra {
    M_BIND = 1u << 0,
    M_TMPCOPYUP = 1u << 1,
    M_PROCLIKE = 1u << 2,   /* proc/sysfs: destination must be an ordinary directory */
    M_REMOUNT = 1u << 3,    /* change the flags of what is already mounted at the destination */
    M_IDMAP = 1u << 4,      /* a bind whose idmapped tree the parent makes on request (move_mount it) */
    M_LATE_RO = 1u << 5,    /* mounted writable, remounted read-only once the rootfs is complete */
    M_SRC_IN_ROOT = 1u << 6, /* a bind source inside the rootfs (src = rootfs + path): resolved in the root */
    M_RO_KERNEL = 1u << 7,  /* read-only bind: the kernel interfaces below it (or it, if one) turn read-only
                               recursively (plan.py decides: a read-only rbind, or a sysfs/mqueue/cgroup2
                               mount the init may have to replace by a bind of the host's) */
};

/* ---- sync protocol (SOCK_SEQPACKET; must match pyruntime/launch.py) ---- */
enum sync_msg {
    MSG_GO = 1,          /* parent -> init: cgroup placed, proceed */
    MSG_NEED_MAPS = 2,   /* stage 1 -> parent: u32 pid; write uid_map/gid_map now */
    MSG_MAPS_DONE = 3,   /* parent -> stage 1 */
    MSG_CHILD_PID = 4,   /* stage 1 -> parent: u32 pid of stage 2 (host pid); before any message of stage 2 */
    MSG_HOOKS = 5,       /* stage 2 -> parent: run prestart/createRuntime hooks */
    MSG_HOOKS_DONE = 6,  /* parent -> stage 2: no payload; SCM_RIGHTS: two sealed memfds, the
                          * state for createContainer and the one for startContainer hooks */
    MSG_READY = 7,       /* stage 2 -> parent: set up, about to wait on the exec fifo */
    MSG_ERROR = 8,       /* any -> parent: u32 errno, then text */
    MSG_SECCOMP_FD = 9,  /* stage 2 -> parent: the seccomp notify listener fd (SCM_RIGHTS) */
    MSG_MOUNT_PLEASE = 10, /* stage 2 -> parent: u32 mount index; open its source for me */
    MSG_MOUNT_FD = 11,   /* parent -> stage 2: u32 kind (enum mount_source), the fd (SCM_RIGHTS) */
    MSG_NEED_TIMENS = 20, /* stage 1 -> parent: u32 pid; write /proc/pid/timens_offsets now */
    MSG_TIMENS_DONE = 21, /* parent -> stage 1 */
};

/* what MSG_MOUNT_FD carries: an O_PATH handle to bind-mount through /proc/self/fd, or a detached
 * tree (open_tree, idmapped when asked) to attach with move_mount */
enum mount_source { MS_SOURCE_PLAIN = 0, MS_SOURCE_TREE = 1 };

struct mnt {
    uint64_t flags, cleared, prop, attr_set, attr_clr;
    uint32_t extra;
    const char *src, *dst, *type, *data;
    const char *label; /* SELinux label for the mount's root, or NULL */
};

struct lsm_attr { uint32_t when; const char *path, *value, *what; };

struct dev {
    uint32_t mode, major, minor, uid, gid, bind;
    const char *path;
};

struct kv { const char *a, *b; };

struct rlim { uint32_t resource; uint64_t soft, hard; };

struct nsreq { uint32_t flag; const char *path; };

struct timeoff { uint32_t clock; int64_t secs; uint32_t nsecs; };

struct plan {
    uint32_t flags;
    const char *rootfs;
    uint64_t rootprop;
    struct nsreq ns[LIMIT_NAMESPACES]; int nns;
    struct mnt mounts[LIMIT_MOUNTS]; int nmounts;
    struct dev devs[LIMIT_DEVICES]; int ndevs;
    struct kv links[LIMIT_LINKS]; int nlinks;
    const char *masks[LIMIT_MASKED]; int nmasks;
    const char *ro[LIMIT_READONLY]; int nro;
    struct kv sysctls[LIMIT_SYSCTLS]; int nsysctls;
    const char *hostname, *domainname;
    struct rlim rlimits[LIMIT_RLIMITS]; int nrlimits;
    int has_user; uint32_t uid, gid, umask, ngroups;
    const unsigned char *groups; /* ngroups u32s in the plan buffer (not aligned) */
    int has_caps; uint64_t cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb; uint32_t last_cap;
    const char *argv[LIMIT_ARGS + 1]; int argc;
    const char *envp[LIMIT_ENV + 1]; int envc;
    const char *cwd;
    uint32_t rows, cols;
    int32_t oom;
    int console_fd, statedir_fd; uint32_t preserve_fds;
    struct timeoff timeoffs[LIMIT_TIME_OFFSETS]; int ntimeoffs;
    const unsigned char *seccomp; size_t seccomp_len; uint32_t seccomp_flags;
    struct hook hooks[LIMIT_HOOKS]; int nhooks;
    int state_create_fd, state_start_fd; /* the hooks' stdin: sealed memfds from MSG_HOOKS_DONE */
    int has_personality; uint32_t personality;
    int has_ioprio; uint32_t ioprio;
    int has_sched; uint32_t sched_policy, sched_priority; int32_t sched_nice;
    uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
    const unsigned char *affinity[2]; size_t affinity_len[2];
    int cg2_fd; int cg_tasks[LIMIT_CGROUP_TASKS]; int ncg_tasks;
    struct lsm_attr lsm[LIMIT_LSM]; int nlsm;
    const char *mask_data;
    const char *keyring;
};

/* plan.c */
int plan_parse(struct plan *p, const unsigned char *buf, size_t len);

/* sync.c: every failure goes to the parent as one message, then the process exits */
#define SYNC_MAX_PAYLOAD 64 /* what a message from the parent may carry besides its type */
#define SYNC_MAX_FDS 4
struct sync_in {
    uint32_t type;
    const unsigned char *payload; size_t len;
    int fds[SYNC_MAX_FDS]; int nfds;
};
extern int sync_fd;
extern int report_fd;
extern int sync_fd_floor; /* received fds are moved to >= this (3 + preserve_fds) */
void sync_send(uint32_t type, const void *payload, size_t len);
/* One packet as recvmsg() left it (n bytes, msg_flags, control data) -> *out; -1 with *why on
 * anything but a well-formed message of at most `cap` payload bytes and `maxfds` fds. Pure (no
 * syscall; fds are only recorded): the fuzzer drives it (tests/fuzz). */
int sync_parse(const unsigned char *buf, size_t n, int msg_flags, const void *control, size_t controllen,
               size_t cap, int maxfds, struct sync_in *out, const char **why);
uint32_t sync_recv(void *payload, size_t cap, size_t *len);          /* no fds allowed */
uint32_t sync_recv_fds(int *fds, int maxfds, int *nfds);             /* no payload allowed */
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
void finish_rootfs(const struct plan *p);   /* masks, readonly paths, pivot_root / chroot */
void chdir_rootfs(const struct plan *p);    /* the createContainer hooks' working directory */
int open_in_root(int rootfd, const char *path, int flags);

/* lsm.c: AppArmor/SELinux attributes, written through the runtime's own procfs */
void lsm_open_proc(const struct plan *p);   /* before any namespace is joined */
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
    char *line; size_t linecap, len; /* the current line (linecap > PASSWD_MAX_LINE) */
    char *home; size_t homecap, homelen;
    size_t total;
    int found, err;                  /* err: a line too long, the file too large, a read error */
};
/* Streaming, so the fuzzer can cut the input anywhere (tests/fuzz). */
void pw_begin(struct pwscan *s, uint32_t uid, char *line, size_t linecap, char *home, size_t homecap);
void pw_feed(struct pwscan *s, const char *buf, size_t n);
int pw_end(struct pwscan *s); /* 1 found (s->home, s->homelen bytes, NUL-terminated), 0 no entry, -1 error */
const char *lookup_home(uint32_t uid); /* "HOME=<home>", or "HOME=/" when there is none (runc) */

/* process.c */
int install_seccomp(const struct plan *p); /* the listener fd with NEW_LISTENER, else -1 */
#define SECCOMP_NEW_LISTENER 8u
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
