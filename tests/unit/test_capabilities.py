import pytest

from pyruntime import capabilities as caps


def test_table_numbers():
    assert len(caps.NAMES) == 41
    assert caps.NAMES[0] == "CAP_CHOWN"
    assert caps.NAMES[5] == "CAP_KILL"
    assert caps.NAMES[21] == "CAP_SYS_ADMIN"
    assert caps.NAMES[29] == "CAP_AUDIT_WRITE"
    assert caps.NAMES[37] == "CAP_AUDIT_READ"
    assert caps.NAMES[38] == "CAP_PERFMON"
    assert caps.NAMES[39] == "CAP_BPF"
    assert caps.NAMES[40] == "CAP_CHECKPOINT_RESTORE"
    assert len(set(caps.NAMES)) == len(caps.NAMES)
    for n, name in enumerate(caps.NAMES):
        assert name.startswith("CAP_") and name == name.upper()
        assert caps.NUMBERS[name] == n
        assert caps.cap_name(n) == name


def test_cap_number():
    assert caps.cap_number("CAP_CHOWN") == 0
    assert caps.cap_number("cap_net_bind_service") == 10
    assert caps.cap_number("Cap_Sys_Admin") == 21
    assert caps.cap_number("CHOWN") is None  # the CAP_ prefix is required
    assert caps.cap_number("CAP_UNKNOWN") is None
    assert caps.cap_number("") is None
    assert caps.cap_number(None) is None
    assert caps.cap_number(5) is None


def test_cap_number_lenient():
    assert caps.cap_number_lenient("CAP_KILL") == 5
    assert caps.cap_number_lenient("kill") == 5
    assert caps.cap_number_lenient("SYS_ADMIN") == 21
    assert caps.cap_number_lenient("CAP_NOPE") is None
    assert caps.cap_number_lenient("NOPE") is None


def test_cap_name_out_of_range():
    assert caps.cap_name(41) is None
    assert caps.cap_name(-1) is None


def test_mask_and_warn():
    warned = []
    m = caps.mask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_BOGUS", "CAP_BOGUS", "x"],
                  warned.append)
    assert m == (1 << 29) | (1 << 5) | (1 << 10)
    assert warned == ["CAP_BOGUS", "x"]  # each unknown name once, in order
    assert caps.names_of(m) == ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"]


def test_mask_all_and_empty():
    assert caps.mask(caps.NAMES, pytest.fail) == (1 << 41) - 1
    assert caps.mask([], pytest.fail) == 0
    assert caps.mask(None, pytest.fail) == 0


def test_mask_duplicates():
    assert caps.mask(["CAP_CHOWN", "cap_chown"], pytest.fail) == 1


def test_mask_unavailable_with_last_cap():
    warned = []
    m = caps.mask(["CAP_CHOWN", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"], warned.append, last_cap=38)
    assert m == 1
    assert warned == ["CAP_BPF", "CAP_CHECKPOINT_RESTORE"]


def test_last_cap_matches_proc():
    value = caps.last_cap()
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            expected = int(f.read())
    except OSError:
        expected = 40
    assert value == expected
    assert caps.last_cap() == value  # cached


def test_last_cap_fallback(monkeypatch):
    import builtins

    real_open = builtins.open

    def fake_open(path, *a, **kw):
        if path == "/proc/sys/kernel/cap_last_cap":
            raise FileNotFoundError(path)
        return real_open(path, *a, **kw)

    monkeypatch.setattr(caps, "_last_cap_cache", None)
    monkeypatch.setattr(builtins, "open", fake_open)
    assert caps.last_cap() == 40
