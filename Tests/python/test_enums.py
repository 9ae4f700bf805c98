"""One enum source: the header, the core and Python agree on every enum.

- The header (include/spectralfake.h, parsed by scripts/abi.py) lists each
  enum's constants and values.
- The core: through the built library, sf_X_name(value) must give the
  header's name of every constant (its suffix in lower case, '-' for '_';
  a status by its C identifier), sf_X_from_name must give the value back,
  and no other value in -1 .. 255 may have a name (the core knows exactly
  the header's values).
- Python: spectralfake exposes every constant under its C name, as a
  member of the enum's IntEnum and as a module constant, with the header's
  value, and nothing else.
"""
import ctypes
import os
import sys
from ctypes import byref, c_int

import pytest

import spectralfake as sf
from spectralfake import _lib, _constants
from spectralfake._lib import SfError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import abi  # noqa: E402

HEADER = os.path.join(ROOT, "include", "spectralfake.h")


def header_enums():
    with open(HEADER) as f:
        return abi.enum_values(abi.strip_comments(f.read()))


def expected_name(c_type, constant, constants):
    if c_type == "sf_status":
        return constant
    prefix = os.path.commonprefix(constants)
    prefix = prefix[: prefix.rfind("_") + 1]
    return constant[len(prefix):].lower().replace("_", "-")


ENUMS = header_enums()


def test_header_has_the_enums_we_expect():
    names = [t for t, _ in ENUMS]
    for t in ("sf_status", "sf_preset", "sf_center", "sf_normalize", "sf_crop", "sf_fft_planning",
              "sf_pixel_format", "sf_label", "sf_value_kind"):
        assert t in names, t


@pytest.mark.parametrize("c_type,items", ENUMS, ids=[t for t, _ in ENUMS])
def test_core_names_every_header_value_and_no_other(c_type, items):
    lib = _lib.load()
    stem = c_type[len("sf_"):]
    name_fn = getattr(lib, f"sf_{stem}_name")
    from_fn = getattr(lib, f"sf_{stem}_from_name")
    constants = [n for n, _ in items]
    for constant, value in items:
        want = expected_name(c_type, constant, constants)
        got = name_fn(value)
        assert got is not None and got.decode() == want, f"{c_type} {constant}={value}: core names it {got!r}"
        v, err = c_int(-12345), SfError()
        assert from_fn(want.encode(), byref(v), byref(err)) == 0, err.message
        assert v.value == value, f"{c_type}: from_name({want!r}) = {v.value}, header says {value}"
    values = {v for _, v in items}
    for v in range(-1, 256):
        if v in values:
            continue
        got = name_fn(v)
        if c_type == "sf_status":
            assert got == b"SF_ERR_UNKNOWN_STATUS", f"core knows status {v} ({got!r}), the header does not"
        else:
            assert got is None, f"core names {c_type} value {v} ({got!r}), the header does not"
    v, err = c_int(), SfError()
    assert from_fn(b"no-such-name", byref(v), byref(err)) == sf.SF_ERR_INVALID_ARGUMENT
    assert b"known:" in err.message


@pytest.mark.parametrize("c_type,items", ENUMS, ids=[t for t, _ in ENUMS])
def test_python_exposes_every_constant_under_its_c_name(c_type, items):
    cls = next(e for e, t in _constants.C_TYPES.items() if t == c_type)
    assert {m.name: m.value for m in cls} == dict(items), f"{cls.__name__} != header's {c_type}"
    for constant, value in items:
        assert getattr(sf, constant) == value and getattr(sf, constant) is cls[constant]
    assert getattr(sf, cls.__name__) is cls


def test_python_has_no_enum_the_header_lacks():
    assert sorted(_constants.C_TYPES.values()) == sorted(t for t, _ in ENUMS)


def test_generated_constants_are_current():
    with open(os.path.join(ROOT, "bindings", "python", "spectralfake", "_constants.py")) as f:
        assert f.read() == abi.python_constants(HEADER), "run: python3 scripts/abi.py python include/spectralfake.h " \
                                                          "bindings/python/spectralfake/_constants.py"


def test_errors_carry_status_members():
    with pytest.raises(sf.TruncatedImageError) as e:
        sf.features(b"\xff\xd8")
    assert e.value.status is sf.Status.SF_ERR_TRUNCATED and e.value.status_name == "SF_ERR_TRUNCATED"
