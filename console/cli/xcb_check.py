"""Before the desk opens a window on X11: can Qt's xcb platform load its system libraries?

PySide6 ships Qt, not the X11 libraries Qt's xcb platform plugin links (``libxcb-icccm.so.4``,
``libxcb-keysyms.so.1`` …).  A fresh Debian desktop lacks some of them, and Qt (6.5+) then aborts
with a hint naming ``libxcb-cursor0`` whatever is really missing.  This module asks the dynamic
loader itself (``ctypes.CDLL``, no ``ldd`` at run time) for every library of :data:`LIBRARIES`,
and then for the plugin, so the console can print ONE line naming what is missing and the
package that brings it, and exit, instead of Qt's message and an abort.

It imports no PySide6: it must run when PySide6's own libraries cannot load.  ``python -m
console.cli.xcb_check`` prints the same line (exit 1) or nothing (exit 0); see :func:`main` for
``--libraries`` and ``--debian-packages`` (what ``.ci/setup`` installs).
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import platform
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: ``load(soname_or_path)`` raises OSError when the dynamic loader cannot load it.
Loader = Callable[[str], object]


@dataclass(frozen=True)
class SystemLibrary:
    """A shared library Qt's xcb platform needs from the system, and the packages that hold it.

    Parameters
    ----------
    soname : str
        The name the loader looks for (``libxcb-icccm.so.4``).
    debian : str
        Its Debian / Ubuntu package.
    fedora : str
        Its Fedora / RHEL package (dnf).
    arch : str
        Its Arch Linux package (pacman).
    """

    soname: str
    debian: str
    fedora: str
    arch: str


#: Every library outside PySide6 that ``libqxcb.so``, ``libQt6XcbQpa.so.6`` and the Qt libraries
#: they pull in (Gui, Core, DBus) list as NEEDED (``objdump -p``, PySide6 6.11), less glibc and
#: the C++ runtime Python itself runs on.  A test compares this with the installed plugin.
LIBRARIES: tuple[SystemLibrary, ...] = (
    SystemLibrary("libxcb.so.1", "libxcb1", "libxcb", "libxcb"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0", "xcb-util-image", "xcb-util-image"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms",
                  "xcb-util-keysyms"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-render.so.0", "libxcb-render0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil",
                  "xcb-util-renderutil"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1", "libxcb", "libxcb"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1", "xcb-util", "xcb-util"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0", "libxcb", "libxcb"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb", "libxcb"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11",
                  "libxkbcommon-x11"),
    SystemLibrary("libX11.so.6", "libx11-6", "libX11", "libx11"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb", "libx11"),
    SystemLibrary("libGL.so.1", "libgl1", "libglvnd-glx", "libglvnd"),
    SystemLibrary("libEGL.so.1", "libegl1", "libglvnd-egl", "libglvnd"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1", "fontconfig", "fontconfig"),
    SystemLibrary("libfreetype.so.6", "libfreetype6", "freetype", "freetype2"),
    SystemLibrary("libglib-2.0.so.0", "libglib2.0-0", "glib2", "glib2"),
    SystemLibrary("libgthread-2.0.so.0", "libglib2.0-0", "glib2", "glib2"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3", "dbus-libs", "dbus"),
    SystemLibrary("libz.so.1", "zlib1g", "zlib", "zlib"),
    SystemLibrary("libzstd.so.1", "libzstd1", "libzstd", "zstd"),
)

_BY_SONAME = {lib.soname: lib for lib in LIBRARIES}
_LIBXCB = "libxcb.so.1"
#: The probe connections :func:`can_connect` keeps open (see there).
_KEPT: list[int] = []
#: How many missing libraries the line names before it says how many there are in all.
_NAMED = 4
#: The loader's message for a file it cannot find: "libfoo.so.1: cannot open shared object file".
_CANNOT_OPEN = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")


def uses_xcb(environ: Mapping[str, str], system: str = sys.platform) -> bool:
    """Will Qt open this process's windows through xcb (X11)?

    Linux only.  ``QT_QPA_PLATFORM`` names the platform (``xcb``, ``xcb:option``, or a list such
    as ``wayland;xcb`` tried in order: the first counts).  Unset, Qt 6 tries ``wayland`` first
    whenever ``WAYLAND_DISPLAY`` is set (xcb is then only its fallback: not checked), else xcb.
    ``offscreen`` (the tests) is never checked.
    """
    if not system.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() == "xcb"
    return not environ.get("WAYLAND_DISPLAY")


def missing_libraries(load: Loader = ctypes.CDLL,
                      libraries: Sequence[SystemLibrary] = LIBRARIES) -> list[SystemLibrary]:
    """The libraries of ``libraries`` the dynamic loader cannot load, in table order."""
    missing = []
    for lib in libraries:
        try:
            load(lib.soname)
        except OSError:
            missing.append(lib)
    return missing


def xcb_plugins(environ: Mapping[str, str]) -> list[Path]:
    """The xcb platform plugins Qt may load, in its order: QT_QPA_PLATFORM_PLUGIN_PATH's (when
    set), then PySide6's own (Qt falls back to it when the first does not load)."""
    plugins = []
    folder = environ.get("QT_QPA_PLATFORM_PLUGIN_PATH")
    if folder:
        plugins.append(Path(folder) / "libqxcb.so")
    spec = importlib.util.find_spec("PySide6")  # finds it without importing (no Qt loaded)
    if spec is not None and spec.submodule_search_locations:
        plugins.append(Path(next(iter(spec.submodule_search_locations)))
                       / "Qt/plugins/platforms/libqxcb.so")
    return plugins


def plugin_error(plugins: Sequence[Path], load: Loader) -> str | None:
    """The loader's words for the first of ``plugins`` when none of them loads, else None."""
    errors = []
    for plugin in plugins:
        if not plugin.exists():
            continue
        try:
            load(str(plugin))
        except OSError as exc:
            errors.append(str(exc))
        else:
            return None
    return errors[0] if errors else None  # no plugin file at all: Qt names what it has


def read_os_release() -> dict[str, str]:
    """``/etc/os-release`` as a mapping (empty where there is none)."""
    try:
        return dict(platform.freedesktop_os_release())
    except OSError:
        return {}


def install_hint(libraries: Sequence[SystemLibrary], os_release: Mapping[str, str],
                 root: bool) -> str:
    """The command that installs ``libraries`` on this system (``/etc/os-release``'s family)."""
    family = f"{os_release.get('ID', '')} {os_release.get('ID_LIKE', '')}".split()
    sudo = "" if root else "sudo "

    def names(attr: str) -> str:
        return " ".join(dict.fromkeys(getattr(lib, attr) for lib in libraries))

    if any(name in family for name in ("debian", "ubuntu")):
        return f"{sudo}apt install {names('debian')}"
    if any(name in family for name in ("fedora", "rhel", "centos")):
        return f"{sudo}dnf install {names('fedora')}"
    if "arch" in family:
        return f"{sudo}pacman -S {names('arch')}"
    return f"Debian/Ubuntu: apt install {names('debian')}; Fedora: dnf install " \
           f"{names('fedora')}; Arch: pacman -S {names('arch')}"


def describe_load_error(message: str, os_release: Mapping[str, str], root: bool) -> str:
    """One line for a loader error text (``libfoo.so.1: cannot open shared object file …``)."""
    found = _CANNOT_OPEN.search(message)
    if found is None:
        return f"Qt 的 xcb 平台插件无法加载，指挥台窗口无法打开 / Qt's xcb platform plugin " \
               f"cannot load: {message.strip()}"
    soname = found.group(1)
    lib = _BY_SONAME.get(soname)
    if lib is None:  # a library this table does not know: name it, the package is for the user
        return f"缺少系统库 {soname}，指挥台窗口无法打开 / missing system library {soname}: " \
               f"the desk's window cannot open (see README, \"System libraries\")"
    return missing_line([lib], os_release, root)


def missing_line(missing: Sequence[SystemLibrary], os_release: Mapping[str, str],
                 root: bool) -> str:
    """The one line naming ``missing`` (the first few, on a bare system) and how to install them."""
    named = ", ".join(lib.soname for lib in missing[:_NAMED])
    if len(missing) > _NAMED:
        named += f" …（共 {len(missing)} 个 / {len(missing)} in all）"
    hint = install_hint(missing, os_release, root)
    plural = "ies" if len(missing) > 1 else "y"
    return f"缺少系统库 {named}，指挥台窗口无法打开（安装：{hint}）/ missing system " \
           f"librar{plural} {named}: the desk's window cannot open (install: {hint})"


def can_connect(display: str) -> bool:
    """Does the X server of ``display`` accept a connection from us (libxcb, as Qt does)?

    A connection that succeeds is kept open for the life of the process: an X server with no
    other client (no window manager, a wall PC's bare X, Xvfb) resets when its last client
    leaves, and a reset just as Qt connects refuses Qt (seen under Xvfb).
    """
    xcb = ctypes.CDLL(_LIBXCB)
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: an error object at worst
    if int(xcb.xcb_connection_has_error(connection)) != 0:
        xcb.xcb_disconnect(connection)
        return False
    _KEPT.append(connection)
    return True


def display_problem(environ: Mapping[str, str], connect: Callable[[str], bool]) -> str | None:
    """The line for a DISPLAY that is unset or refuses us (Qt blames libxcb-cursor0 here too)."""
    display = environ.get("DISPLAY", "")
    if not display:
        return "没有图形显示：DISPLAY 未设置（请在桌面会话中或经 ssh -X 运行；命令行子命令无需显示）" \
               "/ no display: DISPLAY is not set (run it in a desktop session or over ssh -X; " \
               "the command-line subcommands need none)"
    if not connect(display):
        return f"无法连接图形显示 {display}（该处没有 X 服务器或无权访问，请检查 DISPLAY 与 " \
               f"XAUTHORITY）/ cannot connect to display {display} (no X server there or no " \
               f"permission: check DISPLAY and XAUTHORITY)"
    return None


def problem(environ: Mapping[str, str] | None = None, load: Loader = ctypes.CDLL,
            connect: Callable[[str], bool] = can_connect,
            os_release: Mapping[str, str] | None = None, root: bool | None = None,
            plugins: Sequence[Path] | None = None, system: str = sys.platform) -> str | None:
    """The one line to print before the desk opens a window, or None when it can open.

    Nothing is checked unless Qt will use xcb.  Every library of :data:`LIBRARIES` is asked for
    (so all missing ones are named at once); then the display; then the plugin itself, which
    catches a library a newer PySide6 needs that the table does not know yet.
    """
    environ = os.environ if environ is None else environ
    if not uses_xcb(environ, system):
        return None
    release = read_os_release() if os_release is None else os_release
    is_root = (os.geteuid() == 0) if root is None else root
    missing = missing_libraries(load)
    if missing:
        return missing_line(missing, release, is_root)
    line = display_problem(environ, connect)
    if line:
        return line
    error = plugin_error(xcb_plugins(environ) if plugins is None else plugins, load)
    return None if error is None else describe_load_error(error, release, is_root)


def import_problem(exc: ImportError) -> str | None:
    """One line for an ``import PySide6.Qt…`` that failed on a missing system library, else None.

    QtGui links libEGL, libGL, fontconfig … on every platform (offscreen too), so the import
    itself can fail before any window is asked for.
    """
    if _CANNOT_OPEN.search(str(exc)) is None:
        return None
    return describe_load_error(str(exc), read_os_release(), os.geteuid() == 0)


def debian_packages(missing: Sequence[SystemLibrary]) -> list[str]:
    """The Debian packages of ``missing``, each once, in table order."""
    return list(dict.fromkeys(lib.debian for lib in missing))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m console.cli.xcb_check [--libraries | --debian-packages]``.

    No option: the console's whole check, as if Qt were to use xcb (libraries, display, plugin).
    ``--libraries``: the libraries only (no display needed).  Either prints the one line and
    exits 1, or nothing and 0.  ``--debian-packages``: the Debian packages of the missing
    libraries on one line (empty when none), for ``.ci/setup``.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--debian-packages"]:
        print(" ".join(debian_packages(missing_libraries())))
        return 0
    if args == ["--libraries"]:
        missing = missing_libraries()
        line = missing_line(missing, read_os_release(), os.geteuid() == 0) if missing else None
    elif not args:
        line = problem(dict(os.environ, QT_QPA_PLATFORM="xcb"))
    else:
        print("usage: python -m console.cli.xcb_check [--libraries | --debian-packages]",
              file=sys.stderr)
        return 2
    if line:
        print(f"citydesk: {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
