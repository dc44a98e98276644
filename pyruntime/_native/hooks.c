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

static void run_one(const struct plan *p, const struct hook *h, int index, const char *state)
{
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        die("error running %s hook #%d", kind_name(h->kind), index);
    pid_t pid = fork();
    if (pid < 0)
        die("error running %s hook #%d: fork", kind_name(h->kind), index);
    if (pid == 0) {
        const char *fallback[2] = { h->path, NULL };
        dup2(in[0], 0);
        reset_signals();
        execve(h->path, (char *const *)(h->nargs ? h->argv : fallback), (char *const *)h->envp);
        _exit(127);
    }
    close(in[0]);
    /* the state on stdin; a hook that does not read it must not block us (EPIPE is fine) */
    signal(SIGPIPE, SIG_IGN);
    size_t len = strlen(state), off = 0;
    while (off < len) {
        ssize_t n = write(in[1], state + off, len - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    close(in[1]);
    signal(SIGPIPE, SIG_DFL);

    int status;
    struct timespec tick = { 0, 1000000 };
    long waited_ms = 0;
    for (;;) {
        pid_t got = waitpid(pid, &status, h->timeout ? WNOHANG : 0);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR)
            die("error running %s hook #%d: wait", kind_name(h->kind), index);
        if (h->timeout && waited_ms >= (long)h->timeout * 1000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            die_plain("error running %s hook #%d (\"%s\"): timed out after %us", kind_name(h->kind), index,
                      h->path, h->timeout);
        }
        nanosleep(&tick, NULL);
        waited_ms++;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    if (WIFEXITED(status))
        die_plain("error running %s hook #%d (\"%s\"): exit status %d", kind_name(h->kind), index, h->path,
                  WEXITSTATUS(status));
    die_plain("error running %s hook #%d (\"%s\"): killed by signal %d", kind_name(h->kind), index, h->path,
              WTERMSIG(status));
    (void)p;
}

void run_hooks(const struct plan *p, uint32_t kind, const char *state)
{
    int index = 0;
    for (int i = 0; i < p->nhooks; i++)
        if (p->hooks[i].kind == kind)
            run_one(p, &p->hooks[i], index++, state ? state : "{}");
}
