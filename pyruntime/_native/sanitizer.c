/* Linked only into the sanitizer build of the init (scripts/sanitize.sh), never into the real one.
 *
 * The init runs with an empty environment, from a memfd, and moves into the container's root:
 * ASAN_OPTIONS cannot reach it and a report file opened by path at report time would land inside
 * the container. So the options are compiled in, and the report file is opened here, before
 * main(), in the host's mount namespace; every stage (and every hook child) inherits the fd. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <sanitizer/common_interface_defs.h>
#include "init.h"

#ifndef PYR_SANITIZER_REPORTS
#error "PYR_SANITIZER_REPORTS: the directory for the reports"
#endif

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

/* leaks: the init leaves by execve or _exit; an error is fatal with a status of its own */
const char *__asan_default_options(void)
{
    return "detect_leaks=0:halt_on_error=1:exitcode=86:detect_stack_use_after_return=1";
}

const char *__ubsan_default_options(void)
{
    return "print_stacktrace=1:halt_on_error=1:exitcode=87";
}

static int report_fd_ = -1;

/* The sanitizer runtime takes an fd set by another pid for its parent's and, in a new process,
 * opens a file by path instead (which, after pivot_root, is the container's): so every new process
 * sets the fd again. fork() runs this as an atfork handler; stage 1, made by a raw clone3, calls
 * it itself (cgroup.c: the weak pyr_sanitizer_new_process is NULL in the real init). */
void pyr_sanitizer_new_process(void)
{
    if (report_fd_ >= 0)
        __sanitizer_set_report_fd((void *)(long)report_fd_);
}

int pyr_sanitizer_report_fd(void)
{
    return report_fd_;
}

__attribute__((constructor)) static void report_file(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/init-%d.log", PYR_SANITIZER_REPORTS, (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* then stderr, the runtime's */
    /* high, out of the way of the preserved fds; close-on-exec: the execve closes it */
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 512);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    report_fd_ = fd;
    __sanitizer_set_report_fd((void *)(long)fd);
    pthread_atfork(NULL, NULL, pyr_sanitizer_new_process);
}
