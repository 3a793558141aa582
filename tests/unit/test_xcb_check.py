"""The check before the desk opens a window on X11 (console/cli/xcb_check.py), with fake loaders.

Also: the table of system libraries covers what the installed PySide6's xcb plugin links (read
from its ELF header here, so a PySide6 upgrade that adds a library fails this test), and the
README names every package of the table.
"""

from __future__ import annotations

import importlib.util
import struct
from collections.abc import Iterable
from pathlib import Path

import pytest

from console.cli import xcb_check
from console.cli.xcb_check import LIBRARIES

X11 = {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0"}
DEBIAN = {"ID": "debian"}
ROOT = Path(__file__).resolve().parents[2]


def loader(missing: Iterable[str] = (), calls: list[str] | None = None) -> xcb_check.Loader:
    """A stand-in for ctypes.CDLL: OSError for the names in ``missing`` (as the loader words it)."""
    absent = set(missing)

    def load(name: str) -> object:
        if calls is not None:
            calls.append(name)
        if name in absent:
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        return object()

    return load


def check(environ: dict[str, str], load: xcb_check.Loader, *, connect: bool = True,
          release: dict[str, str] | None = None,
          plugins: list[Path] | None = None) -> str | None:
    return xcb_check.problem(environ, load, connect=lambda _display: connect,
                             os_release=DEBIAN if release is None else release, root=True,
                             plugins=[] if plugins is None else plugins, system="linux")


def test_a_missing_library_gives_one_line_naming_it_and_its_package(tmp_path: Path) -> None:
    line = check(X11, loader(["libxcb-icccm.so.4"]), plugins=[tmp_path / "absent.so"])
    assert line is not None and "\n" not in line
    assert "libxcb-icccm.so.4" in line and "apt install libxcb-icccm4" in line
    assert "cursor" not in line  # Qt's own hint blames libxcb-cursor0 whatever is missing


def test_all_present_gives_nothing(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    calls: list[str] = []
    assert check(X11, loader(calls=calls), plugins=[plugin]) is None
    assert calls == [lib.soname for lib in LIBRARIES] + [str(plugin)]  # and the plugin last


def test_every_missing_library_is_named_at_once_and_each_package_once() -> None:
    line = check(X11, loader(["libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                              "libglib-2.0.so.0", "libgthread-2.0.so.0"]))
    assert line is not None
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1, libglib-2.0.so.0, libgthread-2.0.so.0" in line
    assert "apt install libxcb-icccm4 libxcb-keysyms1 libglib2.0-0）" in line  # glib once


def test_a_bare_system_names_the_first_few_and_the_count_but_installs_all() -> None:
    line = check(X11, loader([lib.soname for lib in LIBRARIES]))
    assert line is not None and f"共 {len(LIBRARIES)} 个" in line
    assert "libzstd.so.1" not in line.split("（安装")[0]  # not every soname in the text …
    assert "libzstd1" in line  # … but every package in the command


@pytest.mark.parametrize("environ", [
    {"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"},
    {"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"},
    {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},  # Qt tries wayland first
])
def test_nothing_is_checked_unless_qt_will_use_xcb(environ: dict[str, str]) -> None:
    calls: list[str] = []
    assert check(environ, loader(["libxcb-icccm.so.4"], calls)) is None
    assert calls == []  # the tests' offscreen start pays nothing


def test_nothing_is_checked_off_linux() -> None:
    calls: list[str] = []
    assert xcb_check.problem(X11, loader(["libxcb-icccm.so.4"], calls), system="win32") is None
    assert calls == []


@pytest.mark.parametrize(("environ", "expected"), [
    ({"QT_QPA_PLATFORM": "xcb"}, True),
    ({"QT_QPA_PLATFORM": "xcb:nograb", "DISPLAY": ":1"}, True),
    ({"QT_QPA_PLATFORM": "xcb;offscreen"}, True),
    ({"DISPLAY": ":1"}, True),
    ({}, True),  # no display at all: Qt still picks xcb (and aborts): checked
    ({"QT_QPA_PLATFORM": "offscreen"}, False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, False),
])
def test_uses_xcb(environ: dict[str, str], expected: bool) -> None:
    assert xcb_check.uses_xcb(environ, "linux") is expected


def test_no_display_is_one_line_not_qts_hint() -> None:
    line = check({"QT_QPA_PLATFORM": "xcb"}, loader())
    assert line is not None and "DISPLAY 未设置" in line and "DISPLAY is not set" in line


def test_a_display_that_refuses_us_is_named() -> None:
    line = check(X11, loader(), connect=False)
    assert line is not None and "无法连接图形显示 :0" in line and "XAUTHORITY" in line


def test_can_connect_is_false_where_no_x_server_listens() -> None:
    assert xcb_check.can_connect(":4242") is False  # the real libxcb, a display nobody serves


def test_a_library_the_table_does_not_know_is_caught_by_loading_the_plugin(
        tmp_path: Path) -> None:
    """A newer PySide6 may link one more library: loading the plugin itself names it."""
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")

    def load(name: str) -> object:
        if name == str(plugin):
            raise OSError("libxcb-new.so.2: cannot open shared object file: No such file")
        return object()

    line = check(X11, load, plugins=[plugin])
    assert line is not None and "libxcb-new.so.2" in line and "README" in line


def test_a_plugin_path_that_fails_falls_back_to_pyside6s_as_qt_does(tmp_path: Path) -> None:
    custom, own = tmp_path / "custom.so", tmp_path / "own.so"
    custom.write_bytes(b"")
    own.write_bytes(b"")

    def load(name: str) -> object:
        if name == str(custom):
            raise OSError("libcustom.so.1: cannot open shared object file: No such file")
        return object()

    assert check(X11, load, plugins=[custom, own]) is None
    line = check(X11, load, plugins=[custom])
    assert line is not None and "libcustom.so.1" in line


def test_the_plugins_are_the_environments_then_pyside6s_own(tmp_path: Path) -> None:
    own = xcb_check.xcb_plugins({})
    assert len(own) == 1 and own[0].is_file() and own[0].name == "libqxcb.so"
    both = xcb_check.xcb_plugins({"QT_QPA_PLATFORM_PLUGIN_PATH": str(tmp_path)})
    assert both == [tmp_path / "libqxcb.so", own[0]]


def test_another_plugin_failure_gives_the_loaders_words(tmp_path: Path) -> None:
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")

    def load(name: str) -> object:
        if name == str(plugin):
            raise OSError("libqxcb.so: undefined symbol: xcb_foo")
        return object()

    line = check(X11, load, plugins=[plugin])
    assert line is not None and "undefined symbol: xcb_foo" in line and "\n" not in line


@pytest.mark.parametrize(("release", "command"), [
    ({"ID": "ubuntu", "ID_LIKE": "debian"}, "apt install libxcb-icccm4"),
    ({"ID": "linuxmint", "ID_LIKE": "ubuntu debian"}, "apt install libxcb-icccm4"),
    ({"ID": "fedora"}, "dnf install xcb-util-wm"),
    ({"ID": "rocky", "ID_LIKE": "rhel centos fedora"}, "dnf install xcb-util-wm"),
    ({"ID": "arch"}, "pacman -S xcb-util-wm"),
    ({"ID": "manjaro", "ID_LIKE": "arch"}, "pacman -S xcb-util-wm"),
])
def test_the_install_command_is_the_systems_own(release: dict[str, str], command: str) -> None:
    line = check(X11, loader(["libxcb-icccm.so.4"]), release=release)
    assert line is not None and command in line


def test_an_unknown_system_gets_all_three_commands_and_sudo_when_not_root() -> None:
    hint = xcb_check.install_hint([LIBRARIES[2]], {"ID": "gentoo"}, root=False)
    assert "apt install libxcb-icccm4" in hint and "dnf install xcb-util-wm" in hint
    assert "pacman -S xcb-util-wm" in hint
    assert xcb_check.install_hint([LIBRARIES[2]], DEBIAN, root=False).startswith("sudo apt")


def test_an_import_of_qtgui_that_fails_on_a_library_is_one_line() -> None:
    exc = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    line = xcb_check.import_problem(exc)
    assert line is not None and "libEGL.so.1" in line and "libegl1" in line
    assert xcb_check.import_problem(ImportError("No module named 'PySide6'")) is None


def test_main_prints_the_debian_packages_for_setup(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xcb_check, "missing_libraries",
                        lambda: [LIBRARIES[2], LIBRARIES[4]])
    assert xcb_check.main(["--debian-packages"]) == 0
    assert capsys.readouterr().out == "libxcb-icccm4 libxcb-keysyms1\n"
    assert xcb_check.main(["--libraries"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("citydesk: 缺少系统库 libxcb-icccm.so.4") and err.count("\n") == 1
    assert xcb_check.main(["--nonsense"]) == 2


# -- the table against the installed plugin -------------------------------------------------

def elf_needed(path: Path) -> list[str]:
    """The DT_NEEDED names of a 64-bit little-endian ELF file (its dynamic section)."""
    data = path.read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, path
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
                for i in range(shnum)]
    dynamic = next(s for s in sections if s[1] == 6)  # SHT_DYNAMIC
    strtab = sections[dynamic[6]]  # sh_link: its string table
    names = []
    for offset in range(dynamic[4], dynamic[4] + dynamic[5], 16):
        tag, value = struct.unpack_from("<qQ", data, offset)
        if tag == 0:
            break
        if tag == 1:  # DT_NEEDED
            start = strtab[4] + value
            names.append(data[start:data.index(b"\0", start)].decode())
    return names


#: Libraries Python itself runs on: present wherever the console's interpreter runs.
RUNTIME = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "ld-linux-x86-64.so.2",
           "libdl.so.2", "libpthread.so.0", "librt.so.1"}


def test_the_table_covers_every_system_library_the_installed_xcb_plugin_links() -> None:
    spec = importlib.util.find_spec("PySide6")
    assert spec is not None and spec.submodule_search_locations
    qt = Path(next(iter(spec.submodule_search_locations))) / "Qt"
    plugin = qt / "plugins/platforms/libqxcb.so"
    bundled = {p.name for p in (qt / "lib").iterdir()}
    needed: set[str] = set()
    todo, seen = [plugin], set()
    while todo:  # the plugin and the Qt libraries it pulls in from PySide6's own folder
        lib = todo.pop()
        seen.add(lib.name)
        for name in elf_needed(lib):
            if name in bundled:
                if name not in seen:
                    todo.append(qt / "lib" / name)
            else:
                needed.add(name)
    assert "libxcb-icccm.so.4" in needed  # the parser reads what objdump -p shows
    assert needed - RUNTIME == {lib.soname for lib in LIBRARIES}


def test_the_readme_names_every_package_of_the_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### System libraries"):]
    for lib in LIBRARIES:
        for name in (lib.debian, lib.fedora, lib.arch):
            assert f" {name}" in section, name

