"""Secrets never in argv (issue #14): an API key comes from a file or the environment, a
database URL never carries a password.

Before, ``intake open311 --api-key KEY`` put the key in the shell history and in ``ps`` for
every user of the machine, and ``--db postgresql://user:password@…`` (or the same in
``$CITYDESK_DB``) was used as given.  Now both are refused with one line before anything is
opened; the key is read from ``--api-key-file`` or ``$CITYDESK_OPEN311_KEY``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from console.cli.intake import API_KEY_ENV, api_key
from console.cli.main import main
from console.domain.errors import ValidationError
from tests.cli.conftest import fingerprint, run


@pytest.mark.parametrize("cli_db", ["sqlite"], indirect=True)
def test_an_api_key_on_the_command_line_is_refused(cli_db: str) -> None:
    before = fingerprint(cli_db)
    result = run(cli_db, "intake", "open311", "--endpoint", "http://127.0.0.1:9/v2",
                 "--channel", "open311:kaihua", "--once", "--api-key", "k-secret-1")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "命令行" in result.err and API_KEY_ENV in result.err and "--api-key-file" in result.err
    assert "k-secret-1" not in result.err + result.out
    assert fingerprint(cli_db) == before


def _args(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**{"api_key": None, "api_key_file": None, **values})


def test_the_key_comes_from_a_file_or_the_environment(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    assert api_key(_args()) is None
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    assert api_key(_args()) == "from-env"
    key = tmp_path / "open311.key"
    key.write_text("from-file\n", encoding="utf-8")
    assert api_key(_args(api_key_file=str(key))) == "from-file"  # the file wins


@pytest.mark.parametrize("content", [b"", b"   \n", b"two words\n", b"\xff\xfe", b"k" * 5000])
def test_a_key_file_that_holds_no_key_is_refused(tmp_path: Path, content: bytes) -> None:
    key = tmp_path / "bad.key"
    key.write_bytes(content)
    with pytest.raises(ValidationError, match="--api-key-file") as caught:
        api_key(_args(api_key_file=str(key)))
    assert "\n" not in caught.value.message


def test_a_key_file_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path, tmp_path / "missing"):
        with pytest.raises(ValidationError, match="--api-key-file"):
            api_key(_args(api_key_file=str(path)))


URL = "postgresql+psycopg://citydesk_app:hunter2@127.0.0.1:1/citydesk"


def test_a_password_in_the_database_url_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    result = run(URL, "case", "list")  # --db
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "含有密码" in result.err and "hunter2" not in result.err
    monkeypatch.setenv("CITYDESK_DB", URL)  # the environment, as a service unit would set it
    assert main(["case", "list", "--now", "2026-03-02T10:00:00+08:00"]) == 2
    err = capsys.readouterr().err
    assert "含有密码" in err and "hunter2" not in err
