"""Concurrency: 8 workers run LIFECYCLES create/start/kill/delete lifecycles, some racing on one ID,
while monitors run `state`, `list` and read every state.json in a loop.

Checks: exactly one create per contested ID wins (the others: "container with given ID already
exists"); every other step of a lifecycle succeeds; every state.json read is valid JSON (atomic
writes); `list` never fails; `state` answers a state or a clean "does not exist"; nothing leaks.
Figures: concurrency.lifecycles, races, runtime_calls, monitor_calls, state_json_reads, failures.
"""

import json
import queue
import threading
import time

from relutil import (error_problem, force_clean, leaks, message, new_id, record, run, scale, valid_config,
                     write_bundle)

WORKERS = 8
LIFECYCLES = scale(100, 1000)
RACERS = 3            # contenders per contested ID
CONTESTED = 1 / 4     # share of the lifecycles that take part in a race


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {"lifecycles": 0, "races": 0, "runtime_calls": 0, "monitor_calls": 0,
                       "state_json_reads": 0}
        self.failures = []

    def add(self, **kv):
        with self.lock:
            for k, v in kv.items():
                self.counts[k] += v

    def fail(self, text):
        with self.lock:
            self.failures.append(text)


def test_concurrent_lifecycles(tmp_path, state_root, busybox_rootfs, mounts_before):
    stats = Stats()
    bundles = {}
    all_ids = []
    ids_lock = threading.Lock()

    def call(*args, **kw):
        stats.add(runtime_calls=1)
        return run(*args, root=state_root, timeout=60, **kw)

    def bundle_for(cid):
        b = write_bundle(tmp_path / "bundles" / cid, valid_config(cid), busybox_rootfs)
        bundles[cid] = b
        with ids_lock:
            all_ids.append(cid)
        return b

    def wait_stopped(cid):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            r = call("state", cid)
            if r.rc == 0 and json.loads(r.out)["status"] == "stopped":
                return True
            time.sleep(0.02)
        return False

    def after_create(cid):
        """start, kill, wait for stopped, delete; every step must succeed."""
        for args in (("start", cid), ("kill", cid, "KILL")):
            r = call(*args)
            if r.rc != 0:
                stats.fail(f"{' '.join(args)}: {r}")
                return
        if not wait_stopped(cid):
            stats.fail(f"{cid} never reached stopped after kill")
            return
        r = call("delete", cid)
        if r.rc != 0:
            stats.fail(f"delete {cid}: {r}")
        elif (state_root / cid).exists():
            stats.fail(f"delete {cid} left its state dir")

    def lifecycle(cid):
        b = bundle_for(cid)
        r = call("create", "--bundle", b, cid)
        stats.add(lifecycles=1)
        if r.rc != 0:
            stats.fail(f"create {cid}: {r}")
            return
        after_create(cid)

    def race(cid):
        b = bundle_for(cid)
        go = threading.Barrier(RACERS)
        created = threading.Barrier(RACERS)
        results = [None] * RACERS

        def contender(i):
            go.wait()
            results[i] = call("create", "--bundle", b, cid)
            created.wait()  # nobody deletes before every contender has tried

        threads = [threading.Thread(target=contender, args=(i,)) for i in range(RACERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats.add(lifecycles=RACERS, races=1)
        winners = [r for r in results if r.rc == 0]
        losers = [r for r in results if r.rc != 0]
        if len(winners) != 1:
            stats.fail(f"race on {cid}: {len(winners)} creates won: {results}")
        for r in losers:
            if error_problem(r) or "container with given ID already exists" not in message(r):
                stats.fail(f"race on {cid}: a losing create said: {r}")
        if winners:
            after_create(cid)

    jobs = queue.Queue()
    n_race = int(LIFECYCLES * CONTESTED) // RACERS
    for _ in range(n_race):
        jobs.put(("race", new_id("cr")))
    for _ in range(LIFECYCLES - n_race * RACERS):
        jobs.put(("one", new_id("cc")))

    stop = threading.Event()

    def worker():
        while True:
            try:
                kind, cid = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                (race if kind == "race" else lifecycle)(cid)
            except Exception as e:  # noqa: BLE001 - a harness error is a failure too, keep going
                stats.fail(f"{kind} {cid}: harness exception {e!r}")

    def monitor_state_list():
        i = 0
        while not stop.is_set():
            i += 1
            r = run("list", "--format", "json", root=state_root, timeout=60)
            stats.add(monitor_calls=1)
            if r.rc != 0:
                stats.fail(f"list failed: {r}")
            else:
                try:
                    json.loads(r.out)
                except ValueError:
                    stats.fail(f"list printed invalid JSON: {r.out[:300]!r}")
            with ids_lock:
                cid = all_ids[-1 - (i % len(all_ids))] if all_ids else "none"
            r = run("state", cid, root=state_root, timeout=60)
            stats.add(monitor_calls=1)
            if r.rc == 0:
                try:
                    st = json.loads(r.out)
                    if st.get("status") not in ("creating", "created", "running", "stopped"):
                        stats.fail(f"state {cid}: odd status {st}")
                except ValueError:
                    stats.fail(f"state {cid} printed invalid JSON: {r.out[:300]!r}")
            elif error_problem(r) or "does not exist" not in message(r):
                stats.fail(f"state {cid} during the run: {r}")

    def monitor_files():
        while not stop.is_set():
            try:
                names = [p for p in state_root.iterdir() if not p.name.startswith(".")]
            except FileNotFoundError:
                names = []
            for d in names:
                try:
                    data = (d / "state.json").read_bytes()
                except (FileNotFoundError, NotADirectoryError):
                    continue
                stats.add(state_json_reads=1)
                try:
                    json.loads(data)
                except ValueError:
                    stats.fail(f"{d.name}/state.json not valid JSON: {data[:200]!r}")
            time.sleep(0.001)

    monitors = [threading.Thread(target=monitor_state_list) for _ in range(2)]
    monitors.append(threading.Thread(target=monitor_files))
    workers = [threading.Thread(target=worker) for _ in range(WORKERS)]
    t0 = time.monotonic()
    for t in monitors + workers:
        t.start()
    for t in workers:
        t.join()
    stop.set()
    for t in monitors:
        t.join()
    elapsed = time.monotonic() - t0
    force_clean(state_root, all_ids)
    left = leaks(state_root, all_ids, [tmp_path], mounts_before)
    record("concurrency", **stats.counts, failures=len(stats.failures), leaks=int(bool(left)),
           seconds=round(elapsed, 1))
    assert not stats.failures, f"{len(stats.failures)} failures:\n" + "\n".join(stats.failures[:30])
    assert not left, left


def test_list_and_state_during_create_delete_churn(tmp_path, state_root, busybox_rootfs, mounts_before):
    """Containers appear and vanish as fast as create/delete go while `list` and `state` loop:
    neither may ever fail (a directory removed between listing and reading is simply not listed)."""
    stats = Stats()
    ops = scale(60, 600)
    ids = [new_id("ch") for _ in range(ops)]
    stop = threading.Event()

    def churn(part):
        for cid in part:
            b = write_bundle(tmp_path / "bundles" / cid, valid_config(cid), busybox_rootfs)
            r = run("create", "--bundle", b, cid, root=state_root, timeout=60)
            stats.add(runtime_calls=1, lifecycles=1)
            if r.rc != 0:
                stats.fail(f"create {cid}: {r}")
                continue
            r = run("delete", "--force", cid, root=state_root, timeout=60)
            stats.add(runtime_calls=1)
            if r.rc != 0:
                stats.fail(f"delete --force {cid}: {r}")

    def lister():
        i = 0
        while not stop.is_set():
            r = run("list", "--format", "json", root=state_root, timeout=60)
            stats.add(monitor_calls=1)
            if r.rc != 0:
                stats.fail(f"list failed: {r}")
            i += 1
            r = run("state", ids[i % len(ids)], root=state_root, timeout=60)
            stats.add(monitor_calls=1)
            if r.rc != 0 and (error_problem(r) or "does not exist" not in message(r)):
                stats.fail(f"state failed: {r}")

    churners = [threading.Thread(target=churn, args=(ids[i::4],)) for i in range(4)]
    listers = [threading.Thread(target=lister) for _ in range(3)]
    for t in churners + listers:
        t.start()
    for t in churners:
        t.join()
    stop.set()
    for t in listers:
        t.join()
    force_clean(state_root, ids)
    left = leaks(state_root, ids, [tmp_path], mounts_before)
    record("concurrency_churn", **{k: v for k, v in stats.counts.items() if v}, failures=len(stats.failures),
           leaks=int(bool(left)))
    distinct = sorted({f.split(": <")[0] + ": " + message_of(f) for f in stats.failures})
    assert not stats.failures, f"{len(stats.failures)} failures, distinct:\n" + "\n".join(distinct[:20])
    assert not left, left


def message_of(text):
    return text.split('msg="', 1)[1].split('"', 1)[0][:200] if 'msg="' in text else text[:200]
