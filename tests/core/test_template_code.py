"""Compiled template code kept under .feedpub/: a new process compiles nothing, a broken or
stale file only costs a compile, and the output is the same either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.pipeline import build
from feedpub.render import templating
from feedpub.render.templatecode import CODE_DIR, code_key
from tests.conftest import NOW


def output(root: Path) -> dict[str, bytes]:
    public = root / "public"
    return {str(p.relative_to(public)): p.read_bytes() for p in public.rglob("*") if p.is_file()}


def as_a_new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget what this process compiled, as a new process would not have it."""
    monkeypatch.setattr(templating, "_cache", {})
    monkeypatch.setattr(templating._SHARED_CODE, "store", {})


def refuse_compiling(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiled: list[str] = []
    real = templating._Sandbox.compile

    def counting(self, source, name=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled.append(name)
        return real(self, source, name, *args, **kwargs)

    monkeypatch.setattr(templating._Sandbox, "compile", counting)
    return compiled


def test_a_new_process_takes_every_template_from_disk(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_a_new_process(monkeypatch)
    build(mini, now=NOW)
    folder = mini / CODE_DIR / str(code_key())
    assert len(list(folder.glob("*.code"))) >= 10
    first = output(mini)
    as_a_new_process(monkeypatch)
    compiled = refuse_compiling(monkeypatch)
    build(mini, now=NOW, force=True)
    assert compiled == []
    assert output(mini) == first


def test_broken_code_files_are_compiled_again_and_the_output_is_the_same(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_a_new_process(monkeypatch)
    build(mini, now=NOW)
    first = output(mini)
    files = sorted((mini / CODE_DIR / str(code_key())).glob("*.code"))
    for index, path in enumerate(files):
        data = path.read_bytes()
        path.write_bytes([b"", b"junk", data[: len(data) // 2], data[:8] + b"\x80junk"][index % 4])
    as_a_new_process(monkeypatch)
    compiled = refuse_compiling(monkeypatch)
    build(mini, now=NOW, force=True)
    assert len(compiled) == len(files)
    assert output(mini) == first
    # compiled again, and kept again: the next process compiles nothing
    as_a_new_process(monkeypatch)
    compiled.clear()
    templating.templates_for(mini, "https://briefings.example.org/", None)
    assert compiled == []


def test_code_kept_for_another_version_is_removed(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = mini / CODE_DIR / "0123456789abcdef0123"
    stale.mkdir(parents=True)
    (stale / "old.code").write_bytes(b"from another feedpub")
    as_a_new_process(monkeypatch)
    build(mini, now=NOW)
    assert [p.name for p in (mini / CODE_DIR).iterdir()] == [code_key()]
