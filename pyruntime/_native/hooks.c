/* OCI hooks that run inside the container: createContainer (before pivot_root, the path resolved
 * in the runtime's view) and startContainer (after `start`, just before the user process). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "init.h"

static const char *kind_name(uint32_t kind)
{
    return kind == HOOK_CREATE_CONTAINER ? "createContainer" : "startContainer";
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The state is the hook's stdin as it is: a sealed memfd, rewound for each hook. Nothing is
 * written to the hook, so nothing can block before its timeout starts, whatever the size. */
static void run_one(const struct hook *h, int index, int state_fd)
{
    if (lseek(state_fd, 0, SEEK_SET) < 0)
        die("error running %s hook #%d: rewind its state", kind_name(h->kind), index);
    pid_t pid = fork();
    if (pid < 0)
        die("error running %s hook #%d: fork", kind_name(h->kind), index);
    if (pid == 0) {
        const char *fallback[2] = { h->path, NULL };
        if (dup2(state_fd, 0) < 0)
            _exit(127);
        reset_signals();
        execve(h->path, (char *const *)(h->nargs ? h->argv : fallback), (char *const *)h->envp);
        _exit(127);
    }
    int status;
    long deadline = h->timeout ? now_ms() + (long)h->timeout * 1000 : 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, h->timeout ? WNOHANG : 0);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR)
            die("error running %s hook #%d: wait", kind_name(h->kind), index);
        if (h->timeout && now_ms() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            die_plain("error running %s hook #%d (\"%s\"): timed out after %us", kind_name(h->kind), index,
                      h->path, h->timeout);
        }
        if (got == 0) {
            struct timespec tick = { 0, 1000000 };
            nanosleep(&tick, NULL);
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    if (WIFEXITED(status))
        die_plain("error running %s hook #%d (\"%s\"): exit status %d", kind_name(h->kind), index, h->path,
                  WEXITSTATUS(status));
    die_plain("error running %s hook #%d (\"%s\"): killed by signal %d", kind_name(h->kind), index, h->path,
              WTERMSIG(status));
}

void run_hooks(const struct plan *p, uint32_t kind, int state_fd)
{
    int index = 0;
    for (int i = 0; i < p->nhooks; i++) {
        if (p->hooks[i].kind != kind)
            continue;
        if (state_fd < 0)
            die_plain("error running %s hook #%d: no state from the runtime", kind_name(kind), index);
        run_one(&p->hooks[i], index++, state_fd);
    }
}
