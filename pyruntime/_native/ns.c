/* Stage 1: join namespaces given by path, create the new ones, wait for the uid/gid maps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <grp.h>
#include <unistd.h>
#include "init.h"

static const char *ns_name(uint32_t flag)
{
    switch (flag) {
    case CLONE_NEWUSER: return "user";
    case CLONE_NEWNS: return "mount";
    case CLONE_NEWPID: return "pid";
    case CLONE_NEWNET: return "network";
    case CLONE_NEWIPC: return "ipc";
    case CLONE_NEWUTS: return "uts";
    case CLONE_NEWCGROUP: return "cgroup";
#ifdef CLONE_NEWTIME
    case CLONE_NEWTIME: return "time";
#endif
    default: return "?";
    }
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Join every namespace in `allow` that is still to join; a setns refused with EPERM is left for
 * a later pass. Returns the set joined. */
static int join_pass(const struct plan *p, int *fds, int allow)
{
    int joined = 0;
    for (int i = 0; i < p->nns; i++) {
        if (fds[i] < 0 || !(p->ns[i].flag & allow))
            continue;
        if (setns(fds[i], p->ns[i].flag) < 0) {
            if (errno == EPERM)
                continue;
            die("join %s namespace \"%s\"", ns_name(p->ns[i].flag), p->ns[i].path);
        }
        joined |= p->ns[i].flag;
        /* as after unshare(CLONE_NEWUSER): root in it, or nothing (mkdir, chown) can be mapped;
         * the host's gid 0 must go too, or a root:root 0701 directory above the bundle would
         * match it as group and refuse what it grants others. gid 0 may be unmapped (runc
         * changes only the uid here): then the groups stay as they are. */
        if (p->ns[i].flag == CLONE_NEWUSER) {
            if (setresgid(0, 0, 0) == 0)
                setgroups(0, NULL);
            if (setresuid(0, 0, 0) < 0)
                die("become root in the user namespace \"%s\" (is uid 0 mapped?)", p->ns[i].path);
        }
        close(fds[i]);
        fds[i] = -1;
    }
    return joined;
}

/* linux.timeOffsets go into the time namespace stage 1 makes, before stage 2 enters it (the kernel
 * freezes the offsets then). This process writes them, through /proc/self/timens_offsets opened
 * by open_time_offsets() before it is made non-dumpable and before it joins or makes anything.
 * A non-dumpable process's /proc files belong to root of the user namespace it was exec'd in
 * (host root, unless the runtime runs in one itself): a user running the runtime cannot open
 * them, nor can root of a user namespace the init makes or joins. So neither the parent (runc
 * 1.3.6's way: it fails for a user whose stage 1 is non-dumpable) nor this process later could
 * open the file of a rootless container. The kernel checks CAP_SYS_TIME over the time namespace's
 * owner with the opener's credentials, the runtime's: host root has it everywhere; a user owns
 * the user namespace stage 1 makes, and the ones of its own it may join; root of a user namespace
 * (rootless podman) has it in those below its own. */
static int timens_fd = -1;

void open_time_offsets(const struct plan *p)
{
    if (!p->ntimeoffs)
        return;
    timens_fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (timens_fd < 0)
        die("open /proc/self/timens_offsets for linux.timeOffsets");
}

static void write_time_offsets(const struct plan *p, int newflags)
{
    char text[LIMIT_TIME_OFFSETS * 48];
    size_t n = 0;
    if (!(newflags & CLONE_NEWTIME)) /* plan.py refuses this; never hand the fd to stage 2 */
        die_plain("linux.timeOffsets: no new time namespace to write them to");
    for (int i = 0; i < p->ntimeoffs && n < sizeof text; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%u %lld %u\n", p->timeoffs[i].clock,
                              (long long)p->timeoffs[i].secs, p->timeoffs[i].nsecs);
    /* one write: the kernel takes every line or none */
    if (n >= sizeof text || write(timens_fd, text, n) != (ssize_t)n)
        die("failed to update /proc/self/timens_offsets with linux.timeOffsets");
    close(timens_fd);
    timens_fd = -1;
}

/* A new namespace's kernel objects (the network namespace's ~130 KiB here: the loopback device,
 * sysctl tables, per-namespace protocol state; the mount namespace's copy of the mount table; the
 * IPC namespace's) are charged to the memory cgroup of the process that makes it. Made before the
 * init joins the container's cgroups, they are charged to the caller, as crun does (runc makes them
 * after): the container's memory limit is then for what runs in it, and a container starts under
 * 256 KiB. Not the pid namespace (its first child, stage 2, must be its init), not the cgroup one
 * (made from inside the cgroups), not time (offsets written for stage 1); and only without a user
 * namespace: one that is made or joined must own them. */
static int made_early;

void stage0_namespaces(const struct plan *p)
{
    int want = 0;
    for (int i = 0; i < p->nns; i++) {
        if (p->ns[i].flag == CLONE_NEWUSER)
            return;
        if (!p->ns[i].path[0])
            want |= p->ns[i].flag & (CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS);
    }
    if (want && unshare(want) < 0)
        die("create namespaces (flags 0x%x)", want);
    made_early = want;
}

void stage1_namespaces(const struct plan *p)
{
    int fds[LIMIT_NAMESPACES], newflags = 0, tojoin = 0, joined = 0;

    /* Open every path first: once the mount namespace changes, host paths may not resolve. */
    for (int i = 0; i < p->nns; i++) {
        fds[i] = -1;
        if (p->ns[i].path[0]) {
            fds[i] = open(p->ns[i].path, O_RDONLY | O_CLOEXEC);
            if (fds[i] < 0)
                die("open %s namespace path \"%s\"", ns_name(p->ns[i].flag), p->ns[i].path);
            tojoin |= p->ns[i].flag;
        } else if (!(p->ns[i].flag & made_early)) {
            newflags |= p->ns[i].flag;
        }
    }
    /* runc's order: first what host root may join (a namespace the joined user namespace does not
     * own can only be joined now), then the user namespace, then what only its root may join. */
    joined |= join_pass(p, fds, tojoin & ~CLONE_NEWUSER);
    joined |= join_pass(p, fds, CLONE_NEWUSER);
    joined |= join_pass(p, fds, tojoin & ~(joined | CLONE_NEWUSER));
    for (int i = 0; i < p->nns; i++) {
        if (fds[i] >= 0) {
            errno = EPERM;
            die("join %s namespace \"%s\"", ns_name(p->ns[i].flag), p->ns[i].path);
        }
    }
    if (newflags & CLONE_NEWUSER) {
        uint32_t pid = (uint32_t)getpid();
        /* a caller other than root writes our maps (or has newuidmap do it) as itself: it can
         * open /proc/<pid>/uid_map, and newuidmap accepts us, only while we are dumpable (a
         * non-dumpable process's /proc files belong to root of the user namespace it exec'd
         * in: host root here). runc does the same; for root callers we stay non-dumpable. */
        int as_user = geteuid() != 0;
        if (unshare(CLONE_NEWUSER) < 0)
            die("create user namespace");
        if (as_user && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
            die("prctl(PR_SET_DUMPABLE)");
        sync_send(MSG_NEED_MAPS, &pid, 4);
        sync_expect(MSG_MAPS_DONE);
        if (as_user && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
            die("prctl(PR_SET_DUMPABLE)");
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            die("become root in the user namespace (is uid/gid 0 mapped?)");
    }
    newflags &= ~CLONE_NEWUSER;
    if (newflags && unshare(newflags) < 0)
        die("create namespaces (flags 0x%x)", newflags);
    if (timens_fd >= 0)
        write_time_offsets(p, newflags);
}
