"""Native code as Lambda's loader sees it: format, machine, ABI, needed libraries and every
versioned symbol, read from real files compiled here (and a few hand-made byte strings)."""

from __future__ import annotations

import pytest

from bbws.delivery import elf
from bbws.delivery.native import check_native, object_problems
from bbws.delivery.targets import RUNTIMES, Target

from .conftest import NativeFixtures

EM_AARCH64 = 183
X86 = Target.of("python3.12", "x86_64")
PY311 = Target.of("python3.11", "x86_64")
EXTENSION = "pkg/_native.cpython-312-x86_64-linux-gnu.so"
MACH_O = b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 56  # 64-bit Mach-O, x86_64
UNIVERSAL_MACH_O = b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + b"\x00" * 56  # fat binary with two architectures
JAVA_CLASS = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + b"\x00" * 56  # also 0xcafebabe, then version 65
PE = b"MZ\x90\x00" + b"\x00" * 60


def _problems(files: dict[str, bytes], target: Target = X86) -> list[str]:
    report = check_native(files, lambda name: files[name][: elf.HEAD_BYTES], files.__getitem__, target)
    return [f"{problem.file}: {problem.reason}" for problem in report.problems]


def test_a_library_built_for_x86_64_loads_on_python312_x86_64(native: NativeFixtures) -> None:
    # Given a shared library compiled on this x86_64 machine
    found = elf.inspect(EXTENSION, native.plain)
    # Then it is read as 64-bit little-endian Linux x86_64 code with nothing to complain about
    assert (found.machine, found.elf_class, found.little_endian, found.object_type) == ("EM_X86_64", 64, True, "ET_DYN")
    assert found.abi == "cpython-312-x86_64-linux-gnu"
    assert "libc.so.6" in elf.inspect(EXTENSION, native.new_glibc).needed
    assert _problems({EXTENSION: native.plain}) == []


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        (EXTENSION, MACH_O, "Mach-O (macOS)"),
        ("pkg/_speedups", MACH_O, "Mach-O (macOS)"),  # whatever its name
        ("pkg/_x.abi3.so", UNIVERSAL_MACH_O, "universal Mach-O (macOS)"),
        ("pkg/_x.pyd", PE, "PE (Windows)"),
        ("pkg/data.bin", PE, "PE (Windows)"),
        ("pkg/libfoo.so.1", b"not a library at all", "not ELF (named like a native library)"),
        ("pkg/libfoo.dylib", b"\x00" * 16, "not ELF (named like a native library)"),
    ],
)
def test_native_code_that_is_not_elf_is_refused_whatever_its_name(name: str, data: bytes, kind: str) -> None:
    assert _problems({name: data}) == [f"{name}: {kind}: python3.12/x86_64 loads only ELF objects for EM_X86_64"]


def test_data_files_are_not_native_code() -> None:
    assert _problems({"pkg/Hello.class": JAVA_CLASS, "pkg/data.json": b"{}", "pkg/empty": b""}) == []


def test_an_aarch64_library_is_refused_for_an_x86_64_target(native: NativeFixtures) -> None:
    assert _problems({EXTENSION: native.with_machine(EM_AARCH64)}) == [
        f"{EXTENSION}: ELF machine EM_AARCH64, but python3.12/x86_64 needs EM_X86_64"
    ]


def test_x86_64_code_is_refused_for_an_arm64_target(native: NativeFixtures) -> None:
    found = elf.inspect("pkg/_native.abi3.so", native.plain)
    assert object_problems(found, Target.of("python3.12", "arm64")) == [
        "ELF machine EM_X86_64, but python3.12/arm64 needs EM_AARCH64"
    ]


def test_an_elf_object_for_another_os_or_type_is_refused(native: NativeFixtures) -> None:
    freebsd = bytearray(native.plain)
    freebsd[7] = 9  # EI_OSABI = FreeBSD
    relocatable = bytearray(native.plain)
    relocatable[16:18] = (1).to_bytes(2, "little")  # e_type = ET_REL
    found = _problems({"a/freebsd.so": bytes(freebsd), "a/object.so": bytes(relocatable)})
    assert "a/freebsd.so: ELF for ELFOSABI_FREEBSD, not Linux" in found
    assert "a/object.so: ELF type ET_REL: not a shared object or executable, nothing can load it" in found


def test_a_library_needing_a_newer_glibc_than_the_runtime_is_refused(native: NativeFixtures) -> None:
    # Given a library calling arc4random, a glibc 2.36 symbol
    found = elf.inspect("pkg/_random.abi3.so", native.new_glibc)
    assert found.glibc is not None
    assert found.glibc >= (2, 36)
    # Then python3.12 (Amazon Linux 2023, glibc 2.34) refuses it, naming the version and library
    version = f"GLIBC_{elf.format_glibc(found.glibc)}"
    assert _problems({"pkg/_random.abi3.so": native.new_glibc}) == [
        f"pkg/_random.abi3.so: needs {version} from libc.so.6, but python3.12 (Amazon Linux 2023) provides "
        "GLIBC_2.34 at most"
    ]


def test_a_cxx_extension_needing_a_newer_libstdcxx_is_refused(native: NativeFixtures) -> None:
    # Given a C++ library built with GCC 12 calling std::condition_variable::wait (GLIBCXX_3.4.30)
    found = _problems({"pkg/_cv.abi3.so": native.new_glibcxx})
    # Then Amazon Linux 2023's GCC 11 libstdc++ (GLIBCXX_3.4.29) cannot load it
    assert found == [
        "pkg/_cv.abi3.so: needs GLIBCXX_3.4.30 from libstdc++.so.6, but python3.12 (Amazon Linux 2023) provides "
        "GLIBCXX_3.4.29 at most"
    ]


def test_cxxabi_versions_are_held_to_each_runtime(native: NativeFixtures) -> None:
    # CXXABI_1.3.13 is GCC 11's: Amazon Linux 2023 has it, Amazon Linux 2 (python3.11, GCC 7) does not
    assert _problems({"pkg/_ep.abi3.so": native.new_cxxabi}) == []
    assert _problems({"pkg/_ep.abi3.so": native.new_cxxabi}, PY311) == [
        "pkg/_ep.abi3.so: needs CXXABI_1.3.13 from libstdc++.so.6, but python3.11 (Amazon Linux 2) provides "
        "CXXABI_1.3.11 at most"
    ]


def test_gcc_runtime_versions_are_checked(native: NativeFixtures) -> None:
    assert _problems({"pkg/_f16.abi3.so": native.new_gcc}) == [
        "pkg/_f16.abi3.so: needs GCC_12.0.0 from libgcc_s.so.1, but python3.12 (Amazon Linux 2023) provides "
        "GCC_7.0.0 at most"
    ]


def test_a_needed_library_that_is_nowhere_is_refused(native: NativeFixtures) -> None:
    # Given an extension needing libbbwsdep.so.1, shipped without it
    assert _problems({"pkg/_needs.abi3.so": native.needs_dep}) == [
        "pkg/_needs.abi3.so: needs libbbwsdep.so.1, which is neither in the zip (where Lambda's loader looks) "
        "nor a system library of Amazon Linux 2023 (python3.12)"
    ]


@pytest.mark.parametrize("where", ["pkg.libs/libbbwsdep.so.1", "libbbwsdep.so.1", "lib/libbbwsdep.so.1"])
def test_a_needed_library_found_where_the_loader_looks_passes(native: NativeFixtures, where: str) -> None:
    # $ORIGIN/../pkg.libs (its DT_RUNPATH), or /var/task and /var/task/lib (Lambda's LD_LIBRARY_PATH)
    assert _problems({"pkg/_needs.abi3.so": native.needs_dep, where: native.dep}) == []


def test_a_needed_library_elsewhere_in_the_zip_does_not_count(native: NativeFixtures) -> None:
    found = _problems({"pkg/_needs.abi3.so": native.needs_dep, "other/libbbwsdep.so.1": native.dep})
    assert found[0].startswith("pkg/_needs.abi3.so: needs libbbwsdep.so.1, which is neither in the zip")


def test_a_shipped_library_must_define_the_versions_needed_of_it(native: NativeFixtures) -> None:
    assert _problems({"pkg/_needs.abi3.so": native.needs_dep, "pkg.libs/libbbwsdep.so.1": native.dep_old}) == [
        "pkg/_needs.abi3.so: needs BBWSDEP_2.0 from libbbwsdep.so.1, but the zip's pkg.libs/libbbwsdep.so.1 "
        "does not define it"
    ]


def test_an_extension_built_for_another_python_is_refused(native: NativeFixtures) -> None:
    found = elf.inspect("pkg/_native.cpython-311-x86_64-linux-gnu.so", native.plain)
    assert object_problems(found, X86) == [
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
    assert _problems({"pkg/broken.so": elf.ELF_MAGIC + b"\x02\x01\x01" + b"\x00" * 9})[0].startswith(
        "pkg/broken.so: unreadable ELF file"
    )


def test_every_runtime_has_a_table_of_its_image() -> None:
    for runtime in RUNTIMES.values():
        assert {"GLIBC", "GLIBCXX", "CXXABI", "GCC"} <= set(runtime.image.symbol_versions)
        assert {"libc.so.6", "libstdc++.so.6", "libgcc_s.so.1"} <= set(runtime.image.libraries)
