"""The prospect import's preview (issue 15): hostile files refused with a
reason, every line's status (new, possible duplicate of which prospect
and why, duplicate inside the file, error and why), nothing written
before the confirmation, and the French inputs read as people type them."""

from __future__ import annotations

import html
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from prospects import imports
from prospects.models import Pipeline, Prospect, ProspectImport, Stage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "Nom;Entreprise;SIREN;Métier;Ville;Code postal;E-mail;Téléphone;Budget;Source;Note\n"


@pytest.fixture
def sales(client, cast):
    user = UserFactory(email="sales@example.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="sales"))
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def pro(client, cast):
    client.force_login(cast.owner_a)
    return client


def platform_url() -> str:
    return reverse("prospects:staff-prospects-import")


def company_url(company) -> str:
    return reverse("prospects:pro-prospects-import", args=[company.pk])


def text(response) -> str:
    return html.unescape(response.content.decode())


def upload(client, url: str, content: bytes | str, name: str = "prospects.csv"):
    if isinstance(content, str):
        content = content.encode()
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def report_of(response) -> imports.ProspectReport:
    return response.context["report"]


# --- Hostile files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le fichier soumis est vide."),
        (b"   \n\n", "Le fichier est vide."),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "ni un CSV ni un fichier Excel"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 600, "ancien fichier Excel (.xls)"),
        (b"PK\x03\x04" + b"\x00" * 100, "Le fichier Excel est endommagé"),
    ],
)
def test_an_unreadable_file_is_refused_with_its_reason_and_nothing_is_kept(sales, content, message):
    response = upload(sales, platform_url(), content)
    assert response.status_code == 200
    assert message in text(response)
    assert not ProspectImport.objects.exists()
    assert not Prospect.objects.exists()


def test_a_windows_1252_file_with_semicolons_and_accents_is_read(pro, cast):
    content = (HEADER + "Hélène Bérard;;;Électricien;Villeurbanne;69100;;;;;Façade\n").encode(
        "cp1252"
    )
    report = report_of(upload(pro, company_url(cast.company_a), content))
    assert not report.errors
    (line,) = report.new
    assert line.prospect.name == "Hélène Bérard"
    assert line.prospect.town == "Villeurbanne"
    assert line.prospect.profession.slug == "electricien"
    assert line.note == "Façade"


def test_a_utf8_file_with_bom_and_commas_is_read(sales):
    content = "\ufeffName,Company,City,Email\nJean Dupont,Dupont SARL,Lyon,jean@dupont.example\n"
    report = report_of(upload(sales, platform_url(), content.encode()))
    assert not report.errors
    (line,) = report.new
    assert (line.prospect.name, line.prospect.organisation) == ("Jean Dupont", "Dupont SARL")
    assert line.prospect.email_key == "jean@dupont.example"


def _workbook_bytes(workbook, cached: dict[str, str]) -> bytes:
    """The workbook saved, each formula cell of ``cached`` given the value
    Excel would have stored beside it (openpyxl writes none)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                sheet = data.decode()
                for ref, value in cached.items():
                    sheet = re.sub(
                        rf'<c r="{ref}"><f>(.*?)</f><v\s*/>',
                        rf'<c r="{ref}" t="str"><f>\1</f><v>{value}</v>',
                        sheet,
                    )
                data = sheet.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_an_xlsx_with_formulas_and_merged_cells_gives_the_values_excel_stored(sales):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Liste des prospects du salon"])
    sheet.append(["Nom", "Ville", "Budget"])
    sheet.append(["Jean Dupont", "Lyon", "=1000+500"])
    sheet.append(["Marie Curie", None, '=HYPERLINK("http://evil.example")'])
    sheet.merge_cells("A1:C1")  # a title over the header
    sheet.merge_cells("B3:B4")  # a town typed once for two lines
    content = _workbook_bytes(workbook, {"C3": "1500", "C4": "1200"})
    report = report_of(upload(sales, platform_url(), content, name="prospects.xlsx"))
    assert not report.errors
    first, second = report.new
    assert (first.prospect.town, first.prospect.budget) == ("Lyon", Decimal("1500.00"))
    # A merged cell is its top-left cell's value; the formula's stored
    # value is read, never the formula run.
    assert (second.prospect.town, second.prospect.budget) == ("", Decimal("1200.00"))


def test_more_than_20000_prospects_are_refused(sales):
    content = "Nom\n" + "".join(f"P{n}\n" for n in range(20_001))
    response = upload(sales, platform_url(), content)
    page = text(response)
    assert "Le fichier contient plus de 20" in page
    assert "000 prospects : découpez-le et importez chaque partie." in page
    assert not ProspectImport.objects.exists()


def test_a_huge_cell_is_refused(sales):
    response = upload(sales, platform_url(), "Nom;Note\nJean;" + "x" * 5000 + "\n")
    assert "ligne 2, colonne B : la cellule contient 5 000 caractères, plus que 1 000." in text(
        response
    ).replace("\xa0", " ")
    assert not ProspectImport.objects.exists()


# --- Each error, with its line --------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (";;;;Lyon;;;;;;", "ligne 2 : aucun nom"),
        ("Jean;;123456789;;;;;;;;", "ligne 2 : 123456789 n’est pas un numéro SIREN valide"),
        ("Jean;;;Astronaute;;;;;;;", "ligne 2 : métier non reconnu (Astronaute)"),
        ("Jean;;;;;690;;;;;", "ligne 2 : le code postal doit avoir 5 chiffres"),
        ("Jean;;;;;;pas-un-mail;;;;", "ligne 2 : E-mail : "),
        ("Jean;;;;;;;12;;;", "ligne 2 : Saisissez un numéro de téléphone valide"),
        ("Jean;;;;;;;;-300;;", "ligne 2 : le montant doit être positif"),
        ("Jean;;;;;;;;beaucoup;;", "ligne 2 : le montant n'est pas un nombre valide"),
        ("J" * 201 + ";;;;;;;;;;", "ligne 2 : Nom : "),
    ],
)
def test_each_invalid_line_is_an_error_with_its_reason_and_nothing_can_be_imported(
    sales, row, message
):
    response = upload(sales, platform_url(), HEADER + row + "\n")
    report = report_of(response)
    assert report.errors
    assert any(error.startswith(message) or message in error for error in report.errors), (
        report.errors
    )
    assert 'name="step" value="confirm"' not in response.content.decode()
    assert not Prospect.objects.exists()


def test_a_lost_stage_is_refused_and_french_stages_are_read(sales):
    response = upload(sales, platform_url(), "Nom;Étape\nA;Tiède\nB;chaud\nC;perdu\n")
    assert "ligne 4 : l'étape doit être suspect, froid, tiède, chaud ou client (perdu)" in text(
        response
    )
    response = upload(sales, platform_url(), "Nom;Étape\nA;Tiède\nB;CHAUD\nC;\n")
    stages = [line.prospect.stage for line in report_of(response).lines]
    assert stages == [Stage.WARM, Stage.HOT, Stage.SUSPECT]


def test_values_are_read_as_french_people_type_them(pro, cast):
    row = (
        "Jean Dupont;Dupont SARL;732 829 320 00074;plombiers;Lyon;1000;"
        "Jean.Dupont@Gmail.com;06.12.34.56.78;1 234,50 €;;\n"
    )
    (line,) = report_of(upload(pro, company_url(cast.company_a), HEADER + row)).lines
    prospect = line.prospect
    assert prospect.siren == "732829320"  # a SIRET gives its SIREN
    assert prospect.profession.slug == "plombier"  # plural, as the search reads it
    assert prospect.postal_code == "01000"  # Excel dropped its zero
    assert prospect.phone == "+33612345678"
    assert prospect.email_key == "jeandupont@gmail.com"  # Gmail ignores dots
    assert prospect.budget == Decimal("1234.50")
    assert prospect.stage == Stage.WARM  # a company's lead, by default
    assert prospect.pipeline == Pipeline.COMPANY
    assert prospect.company == cast.company_a


# --- Duplicates -------------------------------------------------------------------------


def test_each_kind_of_duplicate_is_shown_with_the_prospect_and_why(sales, make):
    existing = make(
        pipeline=Pipeline.PLATFORM,
        name="Martin Rénovation",
        siren="732829320",
        email="contact@martin.example",
        phone="0478123456",
        town="Lyon",
    )
    other = make(pipeline=Pipeline.PLATFORM, name="Boulangerie Dupond", town="Villeurbanne")
    content = HEADER + (
        "Société A;;732829320;;;;;;;;\n"  # same SIREN
        "Société B;;;;;;Contact@Martin.example;;;;\n"  # same e-mail
        "Société C;;;;;;;+33 4 78 12 34 56;;;\n"  # same phone
        "Boulangerie Dupont;;;;Villeurbanne;;;;;;\n"  # similar name, same town
        "Boulangerie Dupont;;;;Marseille;;;;;;\n"  # similar name elsewhere: new
        "Tout Neuf;;;;;;;;;;\n"
    )
    response = upload(sales, platform_url(), content)
    report = report_of(response)
    statuses = {line.line: line.status for line in report.lines}
    assert statuses == {
        2: "duplicate",
        3: "duplicate",
        4: "duplicate",
        5: "duplicate",
        6: "new",
        7: "new",
    }
    why = {line.line: [(c.prospect.pk, c.matches) for c in line.existing] for line in report.lines}
    assert why[2] == [(existing.pk, ("siren",))]
    assert why[3] == [(existing.pk, ("email",))]
    assert why[4] == [(existing.pk, ("phone",))]
    assert why[5] == [(other.pk, ("name",))]
    page = text(response)
    assert f"prospect n° {existing.pk}" in page or f"#{existing.pk}" in page
    assert "même SIREN" in page
    assert "nom proche dans la même ville" in page
    # French punctuation: a space before the colon, in the translated string.
    assert f"le prospect n° {existing.pk} Martin Rénovation (Suspect), Lyon : même SIREN" in page
    assert f"le prospect n° {other.pk} Boulangerie Dupond (Suspect), Villeurbanne : nom" in page
    assert Prospect.objects.count() == 2  # nothing written by the preview


def test_duplicates_inside_the_file_name_the_earlier_line(sales):
    content = HEADER + (
        "Jean Dupont;;;;Lyon;;jean@example.org;;;;\n"
        "Marie Curie;;;;Paris;;;06 12 34 56 78;;;\n"
        "J. Dupont;;;;;;jean@example.org;;;;\n"
        "Marie Curie;;;;Paris;;;;;;\n"
        "Jean Dupond;;;;Lyon;;;;;;\n"
    )
    response = upload(sales, platform_url(), content)
    report = report_of(response)
    found = {line.line: (line.status, line.file_line, line.file_matches) for line in report.lines}
    assert "la ligne 2 de ce fichier : même e-mail" in text(response)
    assert found[2] == ("new", None, ())
    assert found[4] == ("file_duplicate", 2, ("email",))
    assert found[5] == ("file_duplicate", 3, ("name",))
    assert found[6] == ("file_duplicate", 2, ("name",))


def test_a_company_sees_duplicates_of_its_own_pipeline_only(pro, cast, make):
    make(company=cast.company_b, actor=cast.owner_b, name="Jean Dupont", email="jean@example.org")
    make(pipeline=Pipeline.PLATFORM, name="Jean Dupont", email="jean@example.org")
    report = report_of(
        upload(pro, company_url(cast.company_a), "Nom;E-mail\nJean Dupont;jean@example.org\n")
    )
    assert [line.status for line in report.lines] == ["new"]


def test_anonymised_prospects_are_never_proposed(sales, make):
    from django.utils import timezone

    gone = make(pipeline=Pipeline.PLATFORM, name="Jean Dupont", email="jean@example.org")
    Prospect.objects.filter(pk=gone.pk).update(anonymised_at=timezone.now())
    report = report_of(upload(sales, platform_url(), "Nom;E-mail\nJean Dupont;jean@example.org\n"))
    assert [line.status for line in report.lines] == ["new"]


# --- Columns and templates ----------------------------------------------------------------


def test_unrecognised_columns_are_chosen_then_remembered_for_the_pipeline(sales):
    response = upload(sales, platform_url(), "Qui;Où\nJean Dupont;Lyon\n")
    assert response.templates[0].name == "prospects/import/columns.html"
    response = sales.post(platform_url(), {"step": "columns", "name": "0", "town": "1"})
    (line,) = report_of(response).lines
    assert (line.prospect.name, line.prospect.town) == ("Jean Dupont", "Lyon")
    response = upload(sales, platform_url(), "Qui;Où\nMarie;Paris\n")
    assert report_of(response).lines[0].prospect.town == "Paris"


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_the_templates_hold_the_recognised_headers_and_import_cleanly(sales, extension):
    response = sales.get(reverse(f"prospects:staff-prospects-import-template-{extension}"))
    assert response.status_code == 200
    assert f"modele-prospects.{extension}" in response["Content-Disposition"]
    report = report_of(upload(sales, platform_url(), response.content, name=f"t.{extension}"))
    assert not report.errors
    (line,) = report.lines
    assert line.status == "new"
    assert len(
        imports.import_columns.SCHEME.recognise(
            tuple(imports.import_columns.ALIASES[k][0] for k in imports.import_columns.FIELDS)
        )
    ) == len(imports.import_columns.FIELDS)
    assert line.prospect.profession is not None
    assert line.prospect.siren == "732829320"


def test_a_line_with_cells_past_the_last_column_is_warned_about(sales):
    """Cells past the header's last column (a ";" too many in a name, a
    shifted line) are not imported: the preview says which line lost
    what, the other lines say nothing."""
    content = HEADER + (
        "Jean Dupont;;;;Lyon;;;;;;;Perdu ici\n"
        "Marie Curie;;;;Paris;;;;;;\n"
        "Paul;Martin;;;Lyon;;;;;;;;x;y\n"
    )
    response = upload(sales, platform_url(), content)
    report = report_of(response)
    assert report.errors == []
    assert report.warnings == [
        "ligne 2 : 1 cellule après la dernière colonne, non importée : « Perdu ici »",
        "ligne 4 : 2 cellules après la dernière colonne, non importées : « x », « y »",
    ]
    assert len(report.new) == 3
    page = text(response)
    assert "Perdu ici" in page
    assert "ne sont pas importées" in page


@pytest.mark.parametrize(
    ("cell", "formula"),
    [("A3", '=B3&" "&C3'), ("A3", "=CONCAT(B3,C3)"), ("B4", '=UPPER("lyon")')],
)
def test_a_formula_no_program_computed_is_named_not_read_as_empty(sales, cell, formula):
    """A workbook written by a script and never opened in Excel holds
    formulas without a value: the cell is named, not read as "no name"
    (common.tabular.files: the same for the reviews' and loyalty's
    imports)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nom", "Ville"])
    sheet.append(["Jean Dupont", "Lyon"])
    sheet.append(["", "Lyon"])
    sheet.append(["Marie Curie", ""])
    sheet[cell] = formula
    response = upload(sales, platform_url(), _workbook_bytes(workbook, {}), name="p.xlsx")
    page = text(response)
    assert f"ligne {cell[1]}, colonne {cell[0]}" in page
    assert "formule" in page
    assert "aucun nom" not in page
    assert not ProspectImport.objects.filter(status=ProspectImport.Status.QUEUED).exists()


def test_the_reader_refuses_a_formula_without_value_for_every_import():
    from common.tabular.files import TableFileError, read_table

    workbook = Workbook()
    workbook.active.append(["Nom", "Montant"])
    workbook.active.append(["=A1", "12"])
    with pytest.raises(TableFileError) as refused:
        read_table(_workbook_bytes(workbook, {}), max_rows=10, too_many="%(max)s")
    assert "A" in refused.value.messages[0]
    # With the value Excel stored, the value is read.
    table = read_table(_workbook_bytes(workbook, {"A2": "Nom"}), max_rows=10, too_many="%(max)s")
    assert table.rows[1].cells == ("Nom", "12")
