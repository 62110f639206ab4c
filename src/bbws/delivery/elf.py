"""Native files read for real: what an ELF object needs from the machine that loads it, and the
formats that are native code but not ELF (Mach-O, PE), which Lambda can never load.

Read with pyelftools, not guessed from file names: machine, class, byte order, OS ABI, object
type, the libraries it needs (`DT_NEEDED`), where it looks for them (`DT_RPATH`/`DT_RUNPATH`),
its `DT_SONAME`, every versioned symbol requirement in `.gnu.version_r` (GLIBC_, GLIBCXX_,
CXXABI_, GCC_, ... per library) and the versions it defines itself (`.gnu.version_d`).
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerDefSection, GNUVerNeedSection

from bbws.delivery.targets import format_glibc

ELF_MAGIC = b"\x7fELF"
HEAD_BYTES = 8  # enough of a file's start to tell its format
_VERSION = re.compile(r"^(?P<namespace>[A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)_(?P<number>\d+(?:\.\d+)*)$")
# "name.cpython-312-x86_64-linux-gnu.so": the interpreter and platform an extension was built for.
_CPYTHON_TAG = re.compile(
    r"\.(?P<impl>cpython|pypy)-?(?P<version>\d+)[a-z]*-(?P<cpu>[a-z0-9_]+)-linux-(?P<libc>\w+)\.so$"
)
# Names that say "native library" on some platform; such a file that is not ELF is refused.
NATIVE_NAME = re.compile(r"\.(?:so(?:\.\d+)*|pyd|dylib|dll|dylib\.\d+)$", re.IGNORECASE)
_MACHO_THIN = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"}
_MACHO_FAT = {b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"}
_JAVA_CLASS_MIN_VERSION = 45  # a Java class file also starts with 0xcafebabe, then its version


def foreign_format(name: str, head: bytes) -> str | None:
    """The name of the native format of a file that is native code but not ELF, or None.
    Mach-O and PE are recognised by their magic whatever the file is called; any other file
    named like a native library (`.so`, `.pyd`, `.dylib`, `.dll`) that is not ELF counts too."""
    if head[:4] == ELF_MAGIC:
        return None
    if head[:4] in _MACHO_THIN:
        return "Mach-O (macOS)"
    if head[:4] in _MACHO_FAT and len(head) >= 8 and struct.unpack(">I", head[4:8])[0] < _JAVA_CLASS_MIN_VERSION:
        return "universal Mach-O (macOS)"
    if head[:2] == b"MZ":
        return "PE (Windows)"
    if NATIVE_NAME.search(name):
        return "not ELF (named like a native library)"
    return None


@dataclass(frozen=True)
class Requirement:
    """One versioned symbol requirement: `library` must define `version` (e.g. GLIBCXX_3.4.30)."""

    library: str
    version: str

    @property
    def parsed(self) -> tuple[str, tuple[int, ...]] | None:
        """("GLIBCXX", (3, 4, 30)), or None for an unnumbered name (CXXABI_TM_1 parses too)."""
        match = _VERSION.match(self.version)
        if match is None:
            return None
        return match["namespace"], tuple(int(part) for part in match["number"].split("."))


@dataclass(frozen=True)
class NativeFile:
    """What an ELF file is and requires of the machine that loads it."""

    path: str
    machine: str  # pyelftools' e_machine, e.g. "EM_X86_64"
    elf_class: int  # 32 or 64
    little_endian: bool
    osabi: str  # "ELFOSABI_SYSV" or "ELFOSABI_LINUX" for Linux objects
    object_type: str  # "ET_DYN" (shared object, PIE), "ET_EXEC", "ET_REL", ...
    abi: str  # "cpython-312-x86_64-linux-gnu", "abi3", or "none" (a plain shared library)
    needed: tuple[str, ...] = ()
    search_path: tuple[str, ...] = ()  # DT_RPATH (when there is no DT_RUNPATH), then DT_RUNPATH
    runpath: bool = False  # the search path is DT_RUNPATH (searched after LD_LIBRARY_PATH)
    soname: str | None = None
    requirements: tuple[Requirement, ...] = ()
    definitions: frozenset[str] = frozenset()  # the versions this file defines (.gnu.version_d)

    @property
    def glibc(self) -> tuple[int, ...] | None:
        """The highest GLIBC_ version needed; None when it needs none."""
        return self.highest().get("GLIBC")

    def highest(self) -> dict[str, tuple[int, ...]]:
        """The newest version needed in each namespace."""
        found: dict[str, tuple[int, ...]] = {}
        for requirement in self.requirements:
            parsed = requirement.parsed
            if parsed is not None and parsed[1] > found.get(parsed[0], ()):
                found[parsed[0]] = parsed[1]
        return found

    def version_summary(self) -> list[str]:
        return [f"{namespace}_{format_glibc(version)}" for namespace, version in sorted(self.highest().items())]


def is_elf(data: bytes) -> bool:
    return data[:4] == ELF_MAGIC


def abi_of(path: str) -> str:
    """The ABI an extension module's file name declares."""
    if path.endswith(".abi3.so"):
        return "abi3"
    match = _CPYTHON_TAG.search(path)
    if match is None:
        return "none"
    return f"{match['impl']}-{match['version']}-{match['cpu']}-linux-{match['libc']}"


def declares_cpython_abi(path: str) -> bool:
    return _CPYTHON_TAG.search(path) is not None


def inspect(path: str, data: bytes) -> NativeFile:
    """Read an ELF file. Raises ValueError if it is not a readable ELF file (a truncated or
    corrupt binary is itself a packaging failure)."""
    try:
        elf = ELFFile(io.BytesIO(data))
        needed: list[str] = []
        rpath: list[str] = []
        runpath: list[str] = []
        soname: str | None = None
        requirements: list[Requirement] = []
        definitions: set[str] = set()
        for section in elf.iter_sections():
            if isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    kind = tag.entry.d_tag
                    if kind == "DT_NEEDED":
                        needed.append(str(getattr(tag, "needed", "")))
                    elif kind == "DT_RPATH":
                        rpath.extend(part for part in str(getattr(tag, "rpath", "")).split(":") if part)
                    elif kind == "DT_RUNPATH":
                        runpath.extend(part for part in str(getattr(tag, "runpath", "")).split(":") if part)
                    elif kind == "DT_SONAME":
                        soname = str(getattr(tag, "soname", ""))
            elif isinstance(section, GNUVerNeedSection):
                for needed_file, auxiliaries in section.iter_versions():
                    requirements.extend(Requirement(str(needed_file.name), str(aux.name)) for aux in auxiliaries)
            elif isinstance(section, GNUVerDefSection):
                for _definition, auxiliaries in section.iter_versions():
                    definitions.update(str(aux.name) for aux in auxiliaries)
        return NativeFile(
            path=path,
            machine=str(elf.header["e_machine"]),
            elf_class=elf.elfclass,
            little_endian=elf.little_endian,
            osabi=str(elf.header["e_ident"]["EI_OSABI"]),
            object_type=str(elf.header["e_type"]),
            abi=abi_of(path),
            needed=tuple(needed),
            # ld.so ignores DT_RPATH when DT_RUNPATH is present
            search_path=tuple(runpath or rpath),
            runpath=bool(runpath),
            soname=soname,
            requirements=tuple(requirements),
            definitions=frozenset(definitions),
        )
    except (ELFError, ValueError, KeyError, OSError, struct.error) as error:  # pyelftools raises several kinds
        raise ValueError(f"unreadable ELF file: {error}") from error
