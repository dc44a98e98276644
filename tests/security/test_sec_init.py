"""Memory safety of the init program (docs/security.md §1.26): every buffer it fills is bounded by
its own size, and what does not fit is an error, never an overrun or a silent cut that changes
meaning. The whole integration suite also runs through an AddressSanitizer + UBSan build of the
init (scripts/sanitize.sh), and the Plan decoder and the message parser are fuzzed (tests/fuzz)."""

import pytest

import secutil

LONG = "a" * 300  # over NAME_MAX (255): no file system takes it as one name


def _clean_failure(proc, *want):
    text = proc.stderr
    assert proc.returncode != 0, proc.stdout
    assert "exited unexpectedly" not in text and "killed by signal" not in text, text
    assert "stack smashing" not in text and "Traceback" not in text and "internal error" not in text, text
    for w in want:
        assert w in text, text


@pytest.mark.parametrize("where", ["device", "mount", "mount-parent"])
def test_path_component_over_name_max(where, bundle, root, container_id):
    """Guards: rootfs.c split() strcpy'd the last component of a path into name[NAME_MAX + 1]:
    a linux.devices path (or a mount destination to create) with a 300-byte component overflowed
    the init's stack (stack smashing, the init killed by SIGABRT)."""
    if where == "device":
        bundle.config["linux"]["devices"] = [
            {"path": f"/dev/{LONG}", "type": "c", "major": 1, "minor": 3, "fileMode": 0o666}]
    elif where == "mount":
        secutil.add_mount(bundle, f"/mnt/{LONG}", "tmpfs", "tmpfs")
    else:
        secutil.add_mount(bundle, f"/mnt/{LONG}/below", "tmpfs", "tmpfs")
    proc = secutil.run(bundle, container_id(), root, ["true"])
    _clean_failure(proc, "name too long")


def test_long_error_message_is_cut_cleanly(bundle, root, container_id):
    """Guards: sync.c vreport() cut a long error at 2044 bytes, then appended ": <strerror>"
    and sent 4 + the uncut length: bytes of the init's stack past msg[2048] reached the parent."""
    source = "/nonexistent/" + "d/" * 1500
    secutil.add_mount(bundle, "/mnt", "bind", source, ["bind"])
    proc = secutil.run(bundle, container_id(), root, ["true"])
    _clean_failure(proc, "error mounting")
    line = proc.stderr.strip()
    assert "\n" not in line and len(line) < 2300, len(line)
    assert line.isprintable(), repr(line[-80:])
