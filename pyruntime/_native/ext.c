/* Primitives for the Python parent (the cffi extension pyruntime._native._ext). Nothing here runs
 * in the container: the child side is the separate init program (main.c and friends). */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* `run` waits for the container's init, which is orphaned by stage 1: adopt it. */
int pyr_set_child_subreaper(void)
{
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/* cgroup v2 device filters: load and attach the eBPF program (pyruntime/cgroups/devices.py). */
long pyr_bpf(int cmd, void *attr, unsigned int size)
{
    long r = syscall(__NR_bpf, cmd, attr, size);
    return r < 0 ? -errno : r;
}
