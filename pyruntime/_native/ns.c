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
    if ((newflags & CLONE_NEWTIME) && p->ntimeoffs) {
        /* the parent writes the offsets, as host root (runc's way): this process is not dumpable,
         * so its /proc files are host root's, which a user namespace's root cannot write */
        uint32_t pid = (uint32_t)getpid();
        sync_send(MSG_NEED_TIMENS, &pid, 4);
        sync_expect(MSG_TIMENS_DONE);
    }
}
