"""CLI parsing: the flag forms clients send (clients.md §4.1), no containers involved."""
import pytest

from pyruntime import cli
from pyruntime.errors import UsageError


def parse(cmd, words):
    return cli.parse(cli.COMMANDS[cmd][0], words)


@pytest.mark.parametrize("words", [
    ["--bundle", "/b", "--pid-file", "/p", "id"],
    ["--bundle=/b", "--pid-file=/p", "id"],
    ["-b", "/b", "-pid-file", "/p", "id"],
    ["id", "--bundle", "/b", "--pid-file=/p"],
])
def test_create_flag_forms(words):
    flags, args = parse("create", words)
    assert flags == {"bundle": "/b", "pid-file": "/p"} and args == ["id"]


def test_booleans():
    assert parse("delete", ["--force", "x"])[0] == {"force": True}
    assert parse("delete", ["--force=false", "x"])[0] == {"force": False}
    assert parse("run", ["-d", "-no-subreaper", "x"])[0] == {"detach": True, "no-subreaper": True}
    with pytest.raises(UsageError):
        parse("delete", ["--force=maybe", "x"])


def test_unknown_flag_wording():
    with pytest.raises(UsageError, match="flag provided but not defined: -bogus"):
        parse("create", ["--bogus", "x"])


def test_missing_value():
    with pytest.raises(UsageError, match="flag needs an argument"):
        parse("create", ["x", "--bundle"])


def test_double_dash_ends_flags():
    assert parse("kill", ["x", "--", "-9"]) == ({}, ["x", "-9"])


def test_global_flags_then_command(capsys, tmp_path):
    rc = cli.main(["--root", str(tmp_path), "--log-format=json", "state", "nope"])
    assert rc == 1
    err = capsys.readouterr().err
    assert '"msg":"container does not exist"' in err and '"level":"error"' in err


def test_log_file_gets_json_and_stderr_gets_text(capsys, tmp_path):
    log = tmp_path / "log.json"
    rc = cli.main(["--log", str(log), "--log-format", "json", "--root", str(tmp_path), "kill", "nope", "9"])
    assert rc == 1
    assert capsys.readouterr().err == "container does not exist\n"
    lines = log.read_text().splitlines()
    assert len(lines) == 1
    import json
    rec = json.loads(lines[0])
    assert set(rec) == {"level", "msg", "time"} and rec["msg"] == "container does not exist"
    assert rec["time"].endswith("Z") and "T" in rec["time"]


def test_bad_log_format(capsys):
    assert cli.main(["--log-format", "xml", "list"]) == 1
    assert "invalid log-format: xml" in capsys.readouterr().err


def test_unknown_command_exits_3(capsys):
    assert cli.main(["frobnicate"]) == 3
    assert "No help topic for 'frobnicate'" in capsys.readouterr().err


def test_arg_count(capsys):
    assert cli.main(["--root", "/nonexistent-root", "create"]) == 1
    assert 'requires exactly 1 argument(s)' in capsys.readouterr().err


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("pyruntime version ") and out[2].startswith("spec: ")


def test_checkpoint_help_exits_0(capsys):
    # podman probes `checkpoint --help`: exit 0 means the runtime checkpoints (runc's answer)
    assert cli.main(["checkpoint", "--help"]) == 0
    assert "checkpoint [command options] <container-id>" in capsys.readouterr().out


def test_restore_lsm_mount_context_probe(capsys):
    # podman's pod-restore probe: the output of `restore --lsm-mount-context` must say this
    assert cli.main(["restore", "--lsm-mount-context"]) == 1
    assert "flag needs an argument: -lsm-mount-context" in capsys.readouterr().err


def test_checkpoint_and_restore_flags_clients_pass():
    # podman (conmon) and containerd (go-runc): every flag they send parses
    flags, args = parse("checkpoint", ["--image-path", "/i", "--work-path", "/w", "--leave-running",
                        "--tcp-established", "--file-locks", "--leave-running", "--pre-dump",
                        "--parent-path", "../p", "--ext-unix-sk", "--shell-job", "--page-server", "h:1",
                        "--manage-cgroups-mode", "soft", "--empty-ns", "network", "--lazy-pages",
                        "--status-fd", "3", "--auto-dedup", "--tcp-skip-in-flight", "--link-remap", "ID"])
    assert args == ["ID"] and flags["empty-ns"] == ["network"] and flags["pre-dump"] is True
    flags, args = parse("restore", ["--bundle", "/b", "--pid-file", "/p", "--detach", "--image-path", "/i",
                        "--work-path", "/b", "--tcp-established", "--file-locks",
                        "--lsm-mount-context=system_u:object_r:x:s0", "--lsm-profile=selinux:x",
                        "--console-socket", "/s", "--no-pivot", "-no-subreaper", "-d", "-b", "/b2", "ID"])
    assert args == ["ID"] and flags["bundle"] == "/b2" and flags["no-subreaper"] is True
    assert flags["lsm-profile"] == "selinux:x"


@pytest.mark.parametrize("command", ["delete", "events", "exec", "kill", "list", "pause", "resume", "spec", "start",
                                     "run", "state", "update"])
def test_command_help_in_runcs_shape(capsys, command):
    """urfave/cli's layout (NAME, then "   <program> <command> - <summary>"): what people and the
    suite read; only the program's name differs from runc's."""
    assert cli.main([command, "-h"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "NAME:" and lines[1].startswith(f"   pyruntime {command} - ") and len(lines[1]) > 20
    assert "USAGE:" in lines


def test_list_json_is_compact_like_go(capsys, monkeypatch):
    states = [{"ociVersion": "1.2.0", "id": "a", "pid": 1, "status": "running", "bundle": "/b", "rootfs": "/b/r",
               "created": "2026-01-01T00:00:00Z", "owner": "root"}]
    cli._list(states, "json", False)
    assert capsys.readouterr().out == (
        '[{"ociVersion":"1.2.0","id":"a","pid":1,"status":"running","bundle":"/b","rootfs":"/b/r",'
        '"created":"2026-01-01T00:00:00Z","owner":"root"}]\n')
    cli._list([], "json", False)
    assert capsys.readouterr().out == "null\n"


def test_list_table_like_gos_tabwriter(capsys):
    cli._list([{"id": "a", "pid": 7, "status": "running", "bundle": "/b", "created": "c", "owner": "root"}],
              "table", False)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == ("ID" + " " * 10 + "PID" + " " * 9 + "STATUS" + " " * 6 + "BUNDLE" + " " * 6 + "CREATED" + " " * 5
                      + "OWNER")
    assert out[1] == "a" + " " * 11 + "7" + " " * 11 + "running" + " " * 5 + "/b" + " " * 10 + "c" + " " * 11 + "root"


@pytest.mark.parametrize("value", ["true", "false", "auto", "AUTO", "1", "F", "TRUE", ""])
def test_rootless_values_runc_takes(value):
    cli._rootless(value)


@pytest.mark.parametrize("value", ["yes", "tRuE", "2"])
def test_rootless_bad_value_is_runcs_error(capsys, value):
    assert cli.main(["--root", "/nonexistent-root", f"--rootless={value}", "create", "x"]) == 1
    assert f'strconv.ParseBool: parsing \\"{value}\\": invalid syntax' in capsys.readouterr().err


@pytest.mark.parametrize("command", [["list"], ["state", "x"], ["exec", "x", "true"]])
def test_log_in_a_missing_directory(capsys, command):
    """runc opens --log first: a missing directory is one error line on stderr and exit 1."""
    assert cli.main(["--root", "/nonexistent-root", "--log", "/nonexistent-dir/log.json", *command]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'msg="open /nonexistent-dir/log.json: no such file or directory"' in err
