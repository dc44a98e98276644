/* syscall-probe NR...: makes each raw syscall with harmless arguments (all -1) and prints
 * "NR=<errno name or ok>" per line, so a test reads what a seccomp filter answered without libc
 * rewriting it (glibc hides ENOSYS where it can fall back). Built static by the tests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

static const char *name(int e)
{
    switch (e) {
    case ENOSYS: return "ENOSYS";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ENXIO: return "ENXIO";
    default: return strerror(e);
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        long nr = strtol(argv[i], NULL, 0);
        errno = 0;
        long r = syscall(nr, -1L, -1L, -1L, -1L, -1L, -1L);
        printf("%ld=%s\n", nr, r < 0 ? name(errno) : "ok");
    }
    return 0;
}
