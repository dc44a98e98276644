"""LISTEN_FDS (systemd socket activation), as runc does for create, run and exec: the caller's
first LISTEN_FDS fds reach the container process at 3.., which sees LISTEN_FDS and LISTEN_PID=1."""
import os

from support import RUNTIME, rt, rt_create, wait_status


def _spawn_with_fd3(args, path):
    """Run the runtime with fd 3 open on `path` and LISTEN_FDS=1 (a wrapper shell opens the fd:
    pytest's own fds must not be touched)."""
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "LISTEN_PID"}
    env["LISTEN_FDS"] = "1"
    return subprocess.run(["/bin/sh", "-c", 'exec 3<"$1"; shift; exec "$@"', "sh", str(path), RUNTIME, *args],
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def test_run_passes_listen_fds(bundle, root, container_id, tmp_path):
    src = tmp_path / "activated"
    src.write_text("socket-activated\n")
    bundle.set_args("sh", "-c", 'echo "$LISTEN_FDS $LISTEN_PID"; cat <&3')
    bundle.write()
    r = _spawn_with_fd3(["--root", str(root), "run", "-b", str(bundle.path), container_id()], src)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["1 1", "socket-activated"]


def test_exec_passes_listen_fds(bundle, root, container_id, tmp_path):
    src = tmp_path / "activated"
    src.write_text("exec-activated\n")
    bundle.set_args("sleep", "30")
    cid = container_id()
    proc, _ = rt_create(bundle, cid, root)
    assert proc.returncode == 0, proc.stderr
    rt("start", cid, root=root)
    wait_status(cid, "running", root)
    r = _spawn_with_fd3(["--root", str(root), "exec", cid, "sh", "-c", 'echo "$LISTEN_FDS"; cat <&3'], src)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["1", "exec-activated"]


def test_no_listen_fds_no_extra_fd(bundle, root, container_id):
    bundle.set_args("sh", "-c", 'echo "[$LISTEN_FDS]"; ls /proc/self/fd | sort -n | tr "\\n" " "')
    bundle.write()
    r = rt("run", "-b", bundle.path, container_id(), root=root)
    assert r.returncode == 0, r.stderr
    first, fds = r.stdout.splitlines()
    assert first == "[]"
    assert fds.split() == ["0", "1", "2", "3"]  # 3: ls's own directory handle
