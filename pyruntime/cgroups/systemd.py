"""systemd driver (--systemd-cgroup): a transient scope started over systemd's D-Bus API.

cgroupsPath is "slice:prefix:name" (empty: "system.slice:pyruntime:<id>"); the unit is
"<prefix>-<name>.scope" ("<name>.scope" without a prefix; a name ending in ".slice" is a slice).
add(pid) calls org.freedesktop.systemd1.Manager.StartTransientUnit with the init pid, Delegate=yes
and the resource properties systemd knows, waits for the job, then the cgroupfs driver for the
layout (v1 or v2) works on the unit's directories: it writes every resource (what systemd has no
property for included) and does freeze, stats, update. destroy() stops the unit.

The D-Bus client is jeepney (pure Python), imported only here. Tested against a live systemd that
tests/integration/test_systemd_live.py boots in its own namespaces (this machine's PID 1 is not
systemd), and by the messages it sends (tests/unit/test_cgroups_systemd.py).
"""
import os
import time

from ..errors import RuntimeFailure
from .manager import Manager
from .paths import parse_systemd_path
from . import resources as res

SYSTEMD_RUNNING = "/run/systemd/system"
BUS_SOCKET = "/run/dbus/system_bus_socket"


def expand_slice(slice_name):
    """"a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice" (systemd's slice path); "-.slice" -> ""."""
    if not slice_name.endswith(".slice") or "/" in slice_name:
        raise RuntimeFailure(f"invalid slice name: {slice_name}")
    base = slice_name[:-len(".slice")]
    if base == "-":
        return ""
    if not base or base.startswith("-") or base.endswith("-") or "--" in base:
        raise RuntimeFailure(f"invalid slice name: {slice_name}")
    path, prefix = "", ""
    for comp in base.split("-"):
        prefix = f"{prefix}-{comp}" if prefix else comp
        path += f"/{prefix}.slice"
    return path


def unit_name(prefix, name):
    if name.endswith(".slice"):
        return name
    return f"{prefix}-{name}.scope" if prefix else f"{name}.scope"


def _cpu_quota_per_sec(quota, period):
    """runc: CPUQuotaPerSecUSec = quota*1e6/period, rounded up to a multiple of 10ms."""
    if quota <= 0:
        return 0xFFFFFFFFFFFFFFFF  # infinity
    period = period or 100000
    v = quota * 1_000_000 // period
    if v % 10000:
        v = (v // 10000 + 1) * 10000
    return v


def _cpuset_bits(spec):
    """"0-2,5" -> the little-endian byte mask systemd's AllowedCPUs/AllowedMemoryNodes take."""
    bits = 0
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        for i in range(int(a), int(b or a) + 1):
            bits |= 1 << i
    n = (bits.bit_length() + 7) // 8
    return bits.to_bytes(n, "little") if n else b""


def unit_properties(cid, slice_name, pid, resources, v2):
    """[(name, (signature, value))] for StartTransientUnit (jeepney's variant form)."""
    props = [
        ("Description", ("s", f"pyruntime container {cid}")),
        ("Slice", ("s", slice_name)),
        ("Delegate", ("b", True)),
        ("PIDs", ("au", [pid])),
        ("DefaultDependencies", ("b", False)),
        ("MemoryAccounting", ("b", True)),
        ("CPUAccounting", ("b", True)),
        ("IOAccounting" if v2 else "BlockIOAccounting", ("b", True)),
        ("TasksAccounting", ("b", True)),
    ]
    return props + resource_properties(resources, v2)


def resource_properties(resources, v2):
    """The unit properties that carry linux.resources (what `update` sets again)."""
    props = []
    m = resources.get("memory") or {}
    c = resources.get("cpu") or {}
    lim = m.get("limit") or 0
    if lim:
        props.append(("MemoryMax" if v2 else "MemoryLimit", ("t", res.U64 if lim == -1 else lim)))
    if v2:
        swap = res.swap_to_v2(m.get("swap"), lim)
        if swap or (m.get("swap") or 0) > 0:
            props.append(("MemorySwapMax", ("t", res.U64 if swap == -1 else swap)))
        if m.get("reservation"):
            props.append(("MemoryLow", ("t", res.U64 if m["reservation"] == -1 else m["reservation"])))
    if c.get("shares"):
        if v2:
            props.append(("CPUWeight", ("t", res.shares_to_weight(c["shares"]))))
        else:
            props.append(("CPUShares", ("t", c["shares"])))
    if c.get("quota") or c.get("period"):
        if c.get("period"):
            props.append(("CPUQuotaPeriodUSec", ("t", c["period"])))
        props.append(("CPUQuotaPerSecUSec", ("t", _cpu_quota_per_sec(c.get("quota") or 0, c.get("period") or 0))))
    if v2 and c.get("cpus"):
        props.append(("AllowedCPUs", ("ay", _cpuset_bits(c["cpus"]))))
    if v2 and c.get("mems"):
        props.append(("AllowedMemoryNodes", ("ay", _cpuset_bits(c["mems"]))))
    p = resources.get("pids") or {}
    if p.get("limit"):
        props.append(("TasksMax", ("t", p["limit"] if p["limit"] > 0 else res.U64)))
    b = resources.get("blockIO") or {}
    if b.get("weight"):
        if v2:
            props.append(("IOWeight", ("t", res.blkio_weight_to_io_weight(b["weight"]))))
        else:
            props.append(("BlockIOWeight", ("t", b["weight"])))
    return props


def _manager_call(method, signature=None, body=()):
    """A method call to org.freedesktop.systemd1.Manager."""
    from jeepney import DBusAddress, new_method_call  # noqa: PLC0415
    addr = DBusAddress("/org/freedesktop/systemd1", bus_name="org.freedesktop.systemd1",
                       interface="org.freedesktop.systemd1.Manager")
    return new_method_call(addr, method, signature, body)


def start_transient_unit_message(unit, props):
    return _manager_call("StartTransientUnit", "ssa(sv)a(sa(sv))", (unit, "replace", props, []))


def subscribe_message():
    """Manager.Subscribe: systemd emits JobRemoved only while some client is subscribed."""
    return _manager_call("Subscribe")


def job_removed_rule():
    from jeepney import MatchRule  # noqa: PLC0415
    return MatchRule(type="signal", interface="org.freedesktop.systemd1.Manager", member="JobRemoved",
                     path="/org/freedesktop/systemd1")


def _call(conn, msg, what, timeout):
    from jeepney import MessageType  # noqa: PLC0415
    reply = conn.send_and_get_reply(msg, timeout=timeout)
    if reply.header.message_type == MessageType.error:
        raise RuntimeFailure(f"{what}: {reply.body[0] if reply.body else reply.header.fields}")
    return reply


def start_unit_and_wait(conn, unit, props, on_queued, timeout=30.0):
    """StartTransientUnit, then wait for its job to finish, as runc does. Until then systemd has not
    made the unit's cgroups, and when it does it removes the unit's directory from every v1
    hierarchy the unit does not use: writing our own files before that loses them."""
    from jeepney.bus_messages import message_bus  # noqa: PLC0415
    rule = job_removed_rule()
    what = f"unable to start unit \"{unit}\""
    _call(conn, message_bus.AddMatch(rule), what, timeout)
    _call(conn, subscribe_message(), what, timeout)
    with conn.filter(rule, bufsize=256) as queue:
        job = _call(conn, start_transient_unit_message(unit, props), what, timeout).body[0]
        on_queued()  # the unit is ours from here on, whatever its job's result
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeFailure(f"{what}: its job did not finish in {timeout:g} s")
            try:
                sig = conn.recv_until_filtered(queue, timeout=left)
            except TimeoutError:
                continue
            _id, path, _unit, result = sig.body
            if path == job:
                if result != "done":
                    raise RuntimeFailure(f"{what}: job {result}")
                return


def set_unit_properties_message(unit, props):
    return _manager_call("SetUnitProperties", "sba(sv)", (unit, True, props))


def stop_unit_message(unit):
    return _manager_call("StopUnit", "ss", (unit, "replace"))


def check_running():
    if not os.path.isdir(SYSTEMD_RUNNING):
        raise RuntimeFailure("systemd not running on this host, cannot use systemd cgroups manager")


def _connect():
    try:
        from jeepney.io.blocking import open_dbus_connection  # noqa: PLC0415
    except ImportError:
        raise RuntimeFailure("the systemd cgroup driver needs the jeepney D-Bus library (pip install jeepney)") \
            from None
    sock = BUS_SOCKET
    if not os.path.exists(sock):
        raise RuntimeFailure(f"cannot connect to systemd over D-Bus: no system bus socket at {sock}")
    try:
        return open_dbus_connection(f"unix:path={sock}")
    except Exception as e:  # noqa: BLE001
        raise RuntimeFailure(f"cannot connect to systemd over D-Bus at {sock}: {e}") from None


class SystemdManager(Manager):
    driver = "systemd"

    @classmethod
    def new(cls, config, cid, resources, lay):
        linux = config.get("linux") or {}
        slice_name, prefix, name = parse_systemd_path(linux.get("cgroupsPath") or "", cid)
        m = cls(cid, resources)
        m.slice, m.unit = slice_name, unit_name(prefix, name)
        m.v2 = lay == "v2"
        inner = expand_slice(slice_name) + "/" + m.unit
        fs_config = {"linux": {"cgroupsPath": inner, "devices": linux.get("devices") or []}}
        if m.v2:
            from .v2 import V2Manager  # noqa: PLC0415
            m.fs = V2Manager.new(fs_config, cid, resources)
        else:
            from .v1 import V1Manager  # noqa: PLC0415
            m.fs = V1Manager.new(fs_config, cid, resources)
        m.started = False
        return m

    @classmethod
    def restore(cls, d):
        m = cls(d["id"], d.get("resources") or {})
        m.slice, m.unit, m.v2, m.started = d["slice"], d["unit"], d.get("v2", False), d.get("started", False)
        m.fs = Manager.from_state(d["fs"])
        return m

    def to_state(self):
        return {"driver": self.driver, "id": self.cid, "slice": self.slice, "unit": self.unit, "v2": self.v2,
                "started": self.started, "resources": self.resources, "fs": self.fs.to_state()}

    def create(self):
        check_running()  # the unit itself starts with the init pid, in add()

    def cgroup_paths(self):
        return self.fs.cgroup_paths()

    def host_dirs(self):
        return self.fs.host_dirs()

    def join_fds(self):
        # the first process enters through StartTransientUnit's PIDs; later ones (exec) as cgroupfs
        return self.fs.join_fds() if self.started else None

    def add(self, pid):
        if self.started:
            self.fs.add(pid)
            return
        conn = _connect()
        try:
            # started (so destroy() stops the unit) only once systemd accepted it: a unit of that
            # name may exist already, and it is not ours to stop
            start_unit_and_wait(conn, self.unit, unit_properties(self.cid, self.slice, pid, self.resources,
                                                                 self.v2),
                                on_queued=lambda: setattr(self, "started", True))
        finally:
            conn.close()
        self.fs.create()
        self.fs.add(pid)

    def owns_leaf(self):
        return self.started

    def destroy(self):
        if self.started:
            try:
                conn = _connect()
                try:
                    conn.send_and_get_reply(stop_unit_message(self.unit), timeout=30)
                finally:
                    conn.close()
            except RuntimeFailure:
                pass
        self.fs.destroy()

    def pids(self):
        return self.fs.pids()

    def freeze(self):
        self.fs.freeze()

    def thaw(self):
        self.fs.thaw()

    def frozen(self):
        return self.fs.frozen()

    def update(self, resources):
        self.fs.update(resources)
        self.resources = self.fs.resources
        if not self.started:
            return
        # the unit too (runtime only, as runc): systemd re-applies its own values on a reload
        props = resource_properties(self.resources, self.v2)
        if props:
            conn = _connect()
            try:
                _call(conn, set_unit_properties_message(self.unit, props),
                      f"unable to set properties of unit \"{self.unit}\"", 30.0)
            finally:
                conn.close()

    def stats(self):
        return self.fs.stats()

    def oom_events(self):
        return self.fs.oom_events()
