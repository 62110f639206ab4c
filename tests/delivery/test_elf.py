"""Native-code inspection: machine, glibc symbol versions and CPython ABI, read from real ELF files."""

from __future__ import annotations

import pytest

from bbws.delivery import elf
from bbws.delivery.targets import Target

from .conftest import NativeFixtures

EM_AARCH64 = 183
X86 = Target.of("python3.12", "x86_64")
EXTENSION = "pkg/_native.cpython-312-x86_64-linux-gnu.so"


def test_a_library_built_for_x86_64_loads_on_python312_x86_64(native: NativeFixtures) -> None:
    # Given a shared library compiled on this x86_64 machine
    # When it is inspected
    found = elf.inspect(EXTENSION, native.plain)
    # Then it is read as x86_64 code needing nothing newer than glibc 2.34
    assert found.machine == "EM_X86_64"
    assert found.elf_class == 64
    assert found.glibc is None or found.glibc <= (2, 34)
    assert found.abi == "cpython-312-x86_64-linux-gnu"
    assert found.problems(X86) == []


def test_an_aarch64_library_is_refused_for_an_x86_64_target(native: NativeFixtures) -> None:
    # Given the same library claiming to be AArch64 code
    found = elf.inspect(EXTENSION, native.with_machine(EM_AARCH64))
    # When it is checked against python3.12 on x86_64
    problems = found.problems(X86)
    # Then the machine mismatch is the reason given
    assert problems == ["ELF machine EM_AARCH64, but python3.12/x86_64 needs EM_X86_64"]


def test_x86_64_code_is_refused_for_an_arm64_target(native: NativeFixtures) -> None:
    found = elf.inspect("pkg/_native.abi3.so", native.plain)
    assert found.problems(Target.of("python3.12", "arm64")) == [
        "ELF machine EM_X86_64, but python3.12/arm64 needs EM_AARCH64"
    ]


def test_a_library_needing_a_newer_glibc_than_the_runtime_is_refused(native: NativeFixtures) -> None:
    # Given a library calling arc4random, a glibc 2.36 symbol
    found = elf.inspect("pkg/_random.abi3.so", native.new_glibc)
    # When it is checked against python3.12 (Amazon Linux 2023, glibc 2.34)
    problems = found.problems(X86)
    # Then the highest required symbol version is named against the runtime's glibc
    assert found.glibc is not None
    assert found.glibc >= (2, 36)
    assert problems == [f"needs GLIBC_{elf.format_glibc(found.glibc)}, but python3.12 provides glibc 2.34"]


def test_python311_has_an_older_glibc_than_python312(native: NativeFixtures) -> None:
    found = elf.inspect("pkg/_random.abi3.so", native.new_glibc)
    assert any("python3.11 provides glibc 2.26" in p for p in found.problems(Target.of("python3.11", "x86_64")))


def test_an_extension_built_for_another_python_is_refused(native: NativeFixtures) -> None:
    # Given an extension module whose file name says CPython 3.11
    found = elf.inspect("pkg/_native.cpython-311-x86_64-linux-gnu.so", native.plain)
    # Then python3.12 refuses it by its ABI tag
    assert found.problems(X86) == [
        "built for cpython-311-x86_64-linux-gnu, but python3.12 loads cpython-312-x86_64-linux-gnu"
    ]


@pytest.mark.parametrize(
    ("path", "abi"),
    [
        ("a/_x.cpython-312-x86_64-linux-gnu.so", "cpython-312-x86_64-linux-gnu"),
        ("a/_x.cpython-312-aarch64-linux-gnu.so", "cpython-312-aarch64-linux-gnu"),
        ("a/_x.cpython-312-x86_64-linux-musl.so", "cpython-312-x86_64-linux-musl"),
        ("a/_x.abi3.so", "abi3"),
        ("a.libs/libz-1234.so.1", "none"),
    ],
)
def test_the_abi_is_read_from_the_file_name(path: str, abi: str) -> None:
    assert elf.abi_of(path) == abi


def test_a_corrupt_elf_file_is_reported_as_unreadable() -> None:
    with pytest.raises(ValueError, match="unreadable ELF file"):
        elf.inspect("pkg/broken.so", elf.ELF_MAGIC + b"\x02\x01\x01" + b"\x00" * 9)


def test_only_files_starting_with_the_elf_magic_are_elf() -> None:
    assert elf.is_elf(b"\x7fELF\x02")
    assert not elf.is_elf(b"#!/bin/sh")
