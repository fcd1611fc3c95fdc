"""C failures surface as ristra.Error subclasses carrying the library's
code and message (what failed and where)."""
import pytest

import ristra
from conftest import SOURCE

BAD = SOURCE / "tests" / "fixtures" / "models" / "bad"


def test_a_missing_file_raises_file_error_naming_it(tmp_path):
    path = tmp_path / "no such model.json"
    with pytest.raises(ristra.FileError) as e:
        ristra.Model.load(path)
    assert e.value.code == -4
    assert str(path) in e.value.message


@pytest.mark.parametrize("name,cls,words", [
    ("not_json.json", ristra.FormatError, "not_json.json"),
    ("truncated.json.gz", ristra.FormatError, "truncated.json.gz"),
    ("newer_format_version.json", ristra.VersionError, "format_version"),
    ("unknown_kind.json", ristra.UnsupportedError, "kind"),
])
def test_bad_model_files_raise_the_matching_error_with_the_librarys_message(name, cls, words):
    with pytest.raises(cls) as e:
        ristra.Model.load(BAD / name)
    assert isinstance(e.value, ristra.Error)
    assert words in str(e.value)
    assert str(e.value) == e.value.message != ""


def test_bytes_errors_name_the_source():
    with pytest.raises(ristra.FormatError, match="upload.json"):
        ristra.Model.from_bytes(b"{not json", source_name="upload.json")


def test_the_message_is_this_threads_last_error():
    with pytest.raises(ristra.FormatError) as e:
        ristra.Model.from_bytes(b"[]", source_name="first")
    assert ristra._lib.last_error() == e.value.message


def test_unknown_codes_still_raise_error():
    with pytest.raises(ristra.Error) as e:
        ristra._lib.check(-99)
    assert type(e.value) is ristra.Error and e.value.code == -99
