"""cgroup drivers: layout detection, linux.cgroupsPath resolution, the Manager interface.

The create path is hot: nothing here imports more than os and the error types. The modules:
  hierarchy.py  the host's hierarchies and layout, the runtime's own cgroups (from mountinfo)
  paths.py      cgroupsPath resolution, systemd paths, exec's sub-cgroups (pure)
  fs.py         files and directories of the cgroup filesystem, shared by the drivers
  manager.py    the Manager interface every driver implements
  stats.py      the `events --stats` document (not on the create path)
Drivers:
  v1.py       cgroupfs on v1 and hybrid hosts (v1 controllers; in hybrid mode the cgroup2 tree at
              /sys/fs/cgroup/unified is joined too, no resources are written there)
  v2.py       cgroupfs on a pure cgroup v2 host (runc's conversions of v1-style values)
  systemd.py  a transient scope over systemd's D-Bus API (--systemd-cgroup; imports jeepney lazily)
  devices.py  device rules: the v1 lines and the v2 eBPF program
  resources.py  validation and value conversion of linux.resources (pure functions)

Paths, as runc resolves them (libcontainer/cgroups/fs/paths.go, specconv):
  absolute cgroupsPath  -> <hierarchy mountpoint><path>
  relative cgroupsPath  -> <the runtime's own cgroup in that hierarchy>/<path> (/proc/self/cgroup)
  empty                 -> relative "<id>" (runc: Name=id, Parent="")
  systemd               -> "slice:prefix:name"; empty -> "system.slice:pyruntime:<id>"
A '..' that would climb above the start of the path is rejected.
"""

# every name the modules define stays reachable here (`from pyruntime.cgroups import Manager`),
# each module loaded only when one of its names is asked for
_WHERE = {}
for _module, _names in (
        ("hierarchy", "parse_mountinfo hierarchies layout_of layout parse_proc_cgroup own_cgroups"),
        ("paths", "clean_path inner_path resolve parse_systemd_path parse_sub_cgroups sub_cgroup_paths"),
        ("fs", "DENIED CgroupDenied rootless_caller write_file open_join_fds saved_join_pairs unique_paths "
               "read_file read_int read_kv mkdirs rmdir_tree read_pids"),
        ("manager", "Manager"),
        ("stats", "parse_cpu_list cpuset_stats stats_doc blkio_entries")):
    for _name in _names.split():
        _WHERE[_name] = _module
del _module, _names, _name


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    sub = f"{__name__}.{module}"
    __import__(sub)
    import sys  # noqa: PLC0415 (built in, already loaded)
    return getattr(sys.modules[sub], name)
