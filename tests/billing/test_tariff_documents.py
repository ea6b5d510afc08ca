"""Tariffs are documents a manager imports and exports; a wrong one is refused whole, every error named."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from billing.models import TariffVersion
from billing.services import tariff_import
from billing.tariff_documents import TariffDocumentError, parse_tariff_document

pytestmark = pytest.mark.django_db

DOCS_EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "tariffs.md"

GOOD = """\
tariff: Standard 2027
currency: EUR
valid_from: 2027-01-01
tax_rate: 19
rules:
  - {name: National, prefix: "0", unit_seconds: 60, unit_charge: "0.09"}
"""


def example_from_docs() -> str:
    text = DOCS_EXAMPLE.read_text()
    return text.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_documented_example_imports_as_it_stands(tmp_path):
    path = tmp_path / "standard.yaml"
    path.write_text(example_from_docs())
    out = io.StringIO()
    call_command("import_tariff", str(path), stdout=out)
    assert "Imported Standard 2027 version 1, valid from 2027-01-01 (4 rules)." in out.getvalue()
    rules = TariffVersion.objects.get().definition["rules"]
    assert [r["name"] for r in rules] == [
        "International mobile",
        "International",
        "National night",
        "National",
    ]
    national = rules[3]
    assert (national["markup_percent"], national["grace_seconds"], national["unit_charge"]) == (
        "10",
        5,
        "0.09",
    )


def test_importing_the_same_name_again_makes_a_new_version_and_export_gives_back_the_document():
    first = tariff_import(text=GOOD)
    second = tariff_import(text=GOOD.replace('"0.09"', '"0.08"'))
    assert (first.version, second.version) == (1, 2)
    out = io.StringIO()
    call_command("export_tariff", "Standard 2027", stdout=out)
    assert out.getvalue() == GOOD.replace('"0.09"', '"0.08"')
    out = io.StringIO()
    call_command("export_tariff", "Standard 2027", "--tariff-version", "1", stdout=out)
    assert out.getvalue() == GOOD


def test_a_wrong_document_is_refused_whole_with_every_error_by_line_and_field(tmp_path):
    bad = """\
tariff: Broken
currency: USD
valid_from: 2027-02-30
surcharge: 1,50
strip: 9
rules:
  - {name: Intl, prefix: "00", unit_seconds: 0, unit_charge: "0.90"}
  - {name: Night, prefix: "0", days: [mon, funday], from: "18:00", until: 8, unit_charge: "abc"}
  - {prefix: "x1", unit_charge: "0.10", colour: red}
  - {name: Late, prefix: "0", from: "22:00", unit_charge: "0.1"}
"""
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    with pytest.raises(CommandError) as refused:
        call_command("import_tariff", str(path))
    message = str(refused.value)
    for expected in [
        "refused, nothing imported",
        "line 2: currency: the hotel bills in EUR, not USD",
        "line 3: valid_from: '2027-02-30' is not a date like 2027-01-01",
        "line 4: surcharge: '1,50' is not a number",
        'line 5: strip: must be a list, e.g. ["0800", "116"]',
        "line 7: rules[0].unit_seconds: must be between 1 and 86400",
        "line 8: rules[1].days[1]: 'funday' is not a day (mon ... sun)",
        "line 8: rules[1].until: '8' is not a time like \"18:00\" (quote it)",
        "line 8: rules[1].unit_charge: 'abc' is not a number",
        "line 9: rules[2].name: is required",
        "line 9: rules[2].prefix: 'x1' must be digits",
        "line 9: rules[2].colour: is not a rule field",
        "line 10: rules[3]: give both from and until, or neither",
    ]:
        assert expected in message
    assert TariffVersion.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "line 1: the document is empty"),
        ("tariff: [unclosed", "not valid YAML"),
        ("- a list\n- not a tariff", "line 1: the document must be a mapping"),
        ("tariff: X\ncurrency: EUR\nrules: []\n", "line 3: rules: must be a list with at least one rule"),
        ("tariff: X\ntariff: Y\ncurrency: EUR\n", "line 2: tariff: given twice"),
    ],
)
def test_documents_that_are_not_tariffs_get_a_clear_error(text, error):
    with pytest.raises(TariffDocumentError) as refused:
        parse_tariff_document(text, currency="EUR")
    assert error in str(refused.value)


def test_unquoted_numbers_are_read_as_written_never_as_floats():
    definition = parse_tariff_document(GOOD.replace('"0.09"', "0.1").replace("tax_rate: 19", "tax_rate: 7.7"))
    assert str(definition.rules[0].unit_charge) == "0.1"
    assert str(definition.tax_rate) == "7.7"


def test_exporting_an_unknown_tariff_says_so():
    with pytest.raises(CommandError, match="There is no tariff named 'Nope'"):
        call_command("export_tariff", "Nope")
