"""--log records (pyruntime/log.py): one line each and valid JSON whatever the message holds."""
import json

from pyruntime.log import Log

ODD = "mount data: mode=0755,\x1e\x92\xdd \"q\" \\ tab\tcr\rnl\nnel\x85 ls\u2028 bad\udcff end"


def _records(tmp_path, fmt):
    path = tmp_path / f"log.{fmt}"
    log = Log(str(path), fmt)
    log.log("error", ODD)
    log.log("warning", "plain \"quoted\" \\ text")
    return path.read_bytes().decode()


def test_json_records_are_one_line_and_round_trip(tmp_path):
    """Guards the escaping: a control character (the fuzzer's \\x1e in mount data), the C1 range,
    U+2028 and a lone surrogate made records that str.splitlines() cut in two, invalid JSON, or
    a UnicodeEncodeError on write."""
    lines = _records(tmp_path, "json").splitlines()
    assert len(lines) == 2, lines
    assert json.loads(lines[0])["msg"] == ODD
    assert json.loads(lines[1])["msg"] == "plain \"quoted\" \\ text"


def test_text_records_are_one_line(tmp_path):
    lines = _records(tmp_path, "text").splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("time=") and "level=error" in lines[0] and "\\u001e" in lines[0]
