"""Every native file of one zip against its Lambda runtime, as the dynamic loader would see it.

A file fails when it is native code Lambda cannot load at all (Mach-O, PE, anything named like a
library that is not ELF), when it is ELF for another machine, class, byte order, OS or ABI, when
a library it needs (`DT_NEEDED`) is neither in the zip (where ld.so would look for it) nor one of
the runtime image's system libraries, or when a versioned symbol it needs (GLIBC_, GLIBCXX_,
CXXABI_, GCC_, ZLIB_, ...) is newer than the library that would provide it defines. The
runtime images' libraries and versions are in `targets.py`; the search order is ld.so's:
DT_RPATH (when there is no DT_RUNPATH), then LD_LIBRARY_PATH — on Lambda
`/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib`,
so the system's libraries come before the zip's root and `lib/` — then DT_RUNPATH.
Both `bbws package` (before writing a zip) and `bbws verify` (on the zip) run it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bbws.delivery import elf
from bbws.delivery.elf import NativeFile, Requirement
from bbws.delivery.targets import Target, format_glibc

TASK_ROOT = "/var/task"  # where Lambda extracts the zip
# The zip's own directories on Lambda's LD_LIBRARY_PATH (/var/task, /var/task/lib), zip-relative.
ZIP_LIBRARY_PATH = ("", "lib")
_LOADABLE_TYPES = {"ET_DYN", "ET_EXEC"}
_LINUX_OSABI = {"ELFOSABI_SYSV", "ELFOSABI_LINUX"}


@dataclass(frozen=True)
class NativeProblem:
    file: str  # the archive member
    reason: str


@dataclass
class NativeReport:
    files: list[NativeFile] = field(default_factory=list)
    problems: list[NativeProblem] = field(default_factory=list)


Reader = Callable[[str], bytes]


def check_native(
    names: Iterable[str],
    head: Reader,
    read: Reader,
    target: Target,
    parse: Callable[[str], NativeFile] | None = None,
) -> NativeReport:
    """Inspect every file among `names` (archive names): `head(name)` gives its first bytes,
    `read(name)` all of them; `parse` may memoise `elf.inspect` across zips of one build."""
    members = sorted(name for name in names if not name.endswith("/"))
    report = NativeReport()
    parsed: dict[str, NativeFile] = {}
    for name in members:
        start = head(name)
        foreign = elf.foreign_format(name, start)
        if foreign is not None:
            report.problems.append(
                NativeProblem(name, f"{foreign}: {target.describe()} loads only ELF objects for {_machine(target)}")
            )
            continue
        if not elf.is_elf(start):
            continue
        try:
            parsed[name] = parse(name) if parse is not None else elf.inspect(name, read(name))
        except ValueError as error:
            report.problems.append(NativeProblem(name, str(error)))
    present = set(members)
    for name, native in parsed.items():
        report.files.append(native)
        report.problems.extend(NativeProblem(name, reason) for reason in object_problems(native, target))
        report.problems.extend(
            NativeProblem(name, reason) for reason in _link_problems(native, parsed, present, target)
        )
    return report


def _machine(target: Target) -> str:
    return target.architecture.elf_machine


def object_problems(native: NativeFile, target: Target) -> list[str]:
    """Why this ELF file cannot load on `target` whatever else is in the zip; empty when it can."""
    found: list[str] = []
    expected = _machine(target)
    if native.machine != expected:
        found.append(f"ELF machine {native.machine}, but {target.describe()} needs {expected}")
    if native.elf_class != 64:
        found.append(f"{native.elf_class}-bit ELF, but Lambda loads only 64-bit code")
    if not native.little_endian:
        found.append(f"big-endian ELF, but {target.describe()} is little-endian")
    if native.osabi not in _LINUX_OSABI:
        found.append(f"ELF for {native.osabi}, not Linux")
    if native.object_type not in _LOADABLE_TYPES:
        found.append(f"ELF type {native.object_type}: not a shared object or executable, nothing can load it")
    if elf.declares_cpython_abi(native.path):
        wanted = f"{target.runtime.abi_tag}-{target.architecture.gnu_triplet_cpu}-linux-gnu"
        if native.abi != wanted:
            found.append(f"built for {native.abi}, but {target.runtime.name} loads {wanted}")
    return found


def _in_zip(directory: str, origin: str) -> str | None:
    """A search-path entry as a directory of the zip ("" is its root), or None if outside it."""
    expanded = directory.replace("${ORIGIN}", origin or ".").replace("$ORIGIN", origin or ".")
    if expanded.startswith("/"):
        if expanded != TASK_ROOT and not expanded.startswith(f"{TASK_ROOT}/"):
            return None
        expanded = expanded[len(TASK_ROOT) :].lstrip("/") or "."
    normal = posixpath.normpath(expanded)
    if normal == ".":
        return ""
    if normal.startswith("../") or normal == "..":
        return None
    return normal


def resolve(native: NativeFile, library: str, present: set[str], target: Target) -> str | None:
    """Where ld.so on Lambda finds `library` for `native`: an archive name, `system:<name>` for
    one of the runtime image's libraries, or None when it finds nothing."""
    origin = posixpath.dirname(native.path)
    if "/" in library:  # a path: used as is, relative to the working directory (/var/task)
        candidate = _in_zip(library, "")
        return candidate if candidate in present else None

    def look(directories: Iterable[str | None]) -> str | None:
        for directory in directories:
            if directory is None:
                continue
            candidate = posixpath.join(directory, library) if directory else library
            if candidate in present:
                return candidate
        return None

    rpath = () if native.runpath else native.search_path
    runpath = native.search_path if native.runpath else ()
    found = look(_in_zip(entry, origin) for entry in rpath)
    if found is not None:
        return found
    if library in target.runtime.image.libraries:
        return f"system:{library}"
    return look(ZIP_LIBRARY_PATH) or look(_in_zip(entry, origin) for entry in runpath)


def _link_problems(native: NativeFile, parsed: dict[str, NativeFile], present: set[str], target: Target) -> list[str]:
    found: list[str] = []
    image = target.runtime.image
    requirements: dict[str, list[Requirement]] = {}
    for requirement in native.requirements:
        requirements.setdefault(requirement.library, []).append(requirement)
    for library in dict.fromkeys([*native.needed, *requirements]):
        where = resolve(native, library, present, target)
        if where is None:
            found.append(
                f"needs {library}, which is neither in the zip (where Lambda's loader looks) nor a system "
                f"library of {image.name} ({target.runtime.name})"
            )
            continue
        wanted = requirements.get(library, [])
        if where.startswith("system:"):
            found.extend(_system_version_problems(library, wanted, target))
            continue
        provider = parsed.get(where)
        if provider is not None and provider.definitions:
            found.extend(
                f"needs {requirement.version} from {library}, but the zip's {where} does not define it"
                for requirement in wanted
                if requirement.version not in provider.definitions
            )
    return found


def _system_version_problems(library: str, wanted: list[Requirement], target: Target) -> list[str]:
    image = target.runtime.image
    namespaces = image.libraries[library]
    found: list[str] = []
    for requirement in wanted:
        if requirement.version in image.named_versions:
            continue
        parsed = requirement.parsed
        if parsed is None or parsed[0] not in namespaces:
            found.append(f"needs {requirement.version} from {library}, which {image.name}'s {library} does not define")
            continue
        namespace, version = parsed
        newest = image.symbol_versions[namespace]
        if version > newest:
            found.append(
                f"needs {requirement.version} from {library}, but {target.runtime.name} ({image.name}) provides "
                f"{namespace}_{format_glibc(newest)} at most"
            )
    return found
