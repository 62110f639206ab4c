"""Native-extension inspection: is each ELF file in a package loadable on the target runtime?

Read with pyelftools, not guessed from file names: the ELF machine, the highest `GLIBC_x.y`
symbol version the file needs (from `.gnu.version_r`), and the CPython ABI in the file name.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from bbws.delivery.targets import Target, format_glibc

ELF_MAGIC = b"\x7fELF"
_GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.(\d+))?$")
# "name.cpython-312-x86_64-linux-gnu.so": the interpreter and platform an extension was built for.
_CPYTHON_TAG = re.compile(
    r"\.(?P<impl>cpython|pypy)-?(?P<version>\d+)[a-z]*-(?P<cpu>[a-z0-9_]+)-linux-(?P<libc>\w+)\.so$"
)


@dataclass(frozen=True)
class NativeFile:
    """What a native file requires of the machine that loads it."""

    path: str
    machine: str  # pyelftools' e_machine, e.g. "EM_X86_64"
    elf_class: int  # 32 or 64
    glibc: tuple[int, ...] | None  # highest GLIBC_ symbol version needed; None = needs none
    abi: str  # "cpython-312-x86_64-linux-gnu", "abi3", or "none" (a plain shared library)

    def problems(self, target: Target) -> list[str]:
        """Why this file cannot load on `target`; empty when it can."""
        found: list[str] = []
        expected_machine = target.architecture.elf_machine
        if self.machine != expected_machine:
            found.append(
                f"ELF machine {self.machine}, but {target.describe()} needs {expected_machine}",
            )
        if self.elf_class != 64:
            found.append(f"{self.elf_class}-bit ELF, but Lambda loads only 64-bit code")
        if self.glibc is not None and self.glibc > target.runtime.glibc:
            found.append(
                f"needs GLIBC_{format_glibc(self.glibc)}, but {target.runtime.name} provides glibc "
                f"{format_glibc(target.runtime.glibc)}",
            )
        match = _CPYTHON_TAG.search(self.path)
        if match is not None:
            wanted = f"{target.runtime.abi_tag}-{target.architecture.gnu_triplet_cpu}-linux-gnu"
            if self.abi != wanted:
                found.append(f"built for {self.abi}, but {target.runtime.name} loads {wanted}")
        return found


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


def inspect(path: str, data: bytes) -> NativeFile:
    """Read an ELF file's machine, class and glibc requirement. Raises ValueError if it is
    not a readable ELF file (a truncated or corrupt binary is itself a packaging failure)."""
    try:
        elf = ELFFile(io.BytesIO(data))
        machine = str(elf.header["e_machine"])
        highest: tuple[int, ...] | None = None
        for section in elf.iter_sections():
            if not isinstance(section, GNUVerNeedSection):
                continue
            for _needed, auxiliaries in section.iter_versions():
                for auxiliary in auxiliaries:
                    match = _GLIBC_VERSION.match(auxiliary.name)
                    if match is None:
                        continue
                    version = tuple(int(part) for part in match.groups() if part is not None)
                    if highest is None or version > highest:
                        highest = version
        return NativeFile(path=path, machine=machine, elf_class=elf.elfclass, glibc=highest, abi=abi_of(path))
    except (ELFError, ValueError, KeyError, OSError) as error:  # pyelftools raises several kinds
        raise ValueError(f"unreadable ELF file: {error}") from error
