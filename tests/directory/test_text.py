import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.text import normalize, normalize_place


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Électricien", "electricien"),
        ("  L'ÉLECTRICITÉ   Dupont-Gaël ", "l electricite dupont gael"),
        ("Cœur & Maçonnerie", "coeur maconnerie"),
        ("<script>alert(1)</script>", "script alert 1 script"),
        ("", ""),
    ],
)
def test_normalize_folds_accents_case_and_punctuation(raw, expected):
    assert normalize(raw) == expected


def test_place_normalisation_spells_out_saint():
    assert normalize_place("St-Étienne") == "saint etienne"
    assert normalize_place("Ste Foy-lès-Lyon") == "sainte foy les lyon"
    assert normalize_place("Saint-Étienne") == normalize_place("saint etienne")


# --- Every Latin letter is spelt in ASCII (issue 8) --------------------------

LATIN_BLOCKS = {
    "Latin-1 Supplement": range(0x0080, 0x0100),
    "Latin Extended-A": range(0x0100, 0x0180),
    "Latin Extended-B": range(0x0180, 0x0250),
    "Latin Extended Additional": range(0x1E00, 0x1F00),
}


def _letters(block: range) -> list[str]:
    return [chr(cp) for cp in block if unicodedata.category(chr(cp)).startswith("L")]


@pytest.mark.parametrize("block", LATIN_BLOCKS.values(), ids=LATIN_BLOCKS.keys())
def test_every_letter_of_the_latin_blocks_becomes_ascii_letters(block):
    letters = _letters(block)
    assert len(letters) > 60
    wrong = {c: normalize(c) for c in letters if not re.fullmatch("[a-z]+", normalize(c))}
    assert wrong == {}


@pytest.mark.parametrize("block", LATIN_BLOCKS.values(), ids=LATIN_BLOCKS.keys())
def test_upper_and_lower_case_of_a_latin_letter_have_one_form(block):
    wrong = {}
    for letter in _letters(block):
        # The micro sign's upper case is the Greek capital mu, another script.
        if letter == "µ":
            continue
        for other in {letter.upper(), letter.lower()}:
            if normalize(other) != normalize(letter):
                wrong[letter] = (other, normalize(letter), normalize(other))
    assert wrong == {}


OTHER_LATIN_BLOCKS = {
    "IPA Extensions": range(0x0250, 0x02B0),
    "Phonetic Extensions": range(0x1D00, 0x1DC0),
    "Latin Extended-C": range(0x2C60, 0x2C80),
    "Latin Extended-D": range(0xA720, 0xA800),
    "Latin Extended-E": range(0xAB30, 0xAB70),
    "Latin Extended-G": range(0x1DF00, 0x1E000),
}


@pytest.mark.parametrize("block", OTHER_LATIN_BLOCKS.values(), ids=OTHER_LATIN_BLOCKS.keys())
def test_every_latin_letter_of_the_phonetic_and_later_blocks_becomes_ascii(block):
    letters = [
        letter
        for letter in _letters(block)
        # The sinological dot is a dot: it separates words.
        if "LATIN" in unicodedata.name(letter, "") and letter != "\ua78f"
    ]
    assert letters
    wrong = {c: normalize(c) for c in letters if not re.fullmatch("[a-z]+", normalize(c))}
    assert wrong == {}
    assert {c for c in letters if normalize(c.upper()) != normalize(c.lower())} == set()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Turkish dotless and dotted i.
        ("Ayşe Yıldız", "ayse yildiz"),
        ("AYŞE YILDIZ", "ayse yildiz"),
        ("İstanbul Işık", "istanbul isik"),
        # Polish.
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("Żółć Ńśźćą", "zolc nszca"),
        # Nordic.
        ("Søren Kierkegård", "soren kierkegard"),
        ("ØRSTED ÅLBORG ÆBLE", "orsted alborg aeble"),
        # Croatian, Serbian, Vietnamese.
        ("Đorđe Đurić", "dorde duric"),
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("Trần Thị Hường", "tran thi huong"),
        # Maltese.
        ("Ħal Għaxaq", "hal ghaxaq"),
        # Icelandic.
        ("Þórður Sigurðsson", "thordur sigurdsson"),
        ("ÞÓRÐUR SIGURÐSSON", "thordur sigurdsson"),
        # Romanian, with the comma below and with the legacy cedilla.
        ("Ștefan Țăran", "stefan taran"),
        ("Şţefan", "stefan"),
        # German sharp s, small and capital.
        ("Straße", "strasse"),
        ("STRAẞE", "strasse"),
        # Dutch ij ligature.
        ("Ĳsselmeer ĳs", "ijsselmeer ijs"),
        # French ligatures.
        ("Œuvre Cœur Lætitia", "oeuvre coeur laetitia"),
        ("ŒUVRE CŒUR LÆTITIA", "oeuvre coeur laetitia"),
        # Other Latin letters without a decomposition.
        ("Ŀlívia Ŧomaš Ƶeta", "llivia tomas zeta"),
        ("ſtraße", "strasse"),
        # Decomposed accents and compatibility forms.
        ("Y\u0131ld\u0131z Re\u0301novation", "yildiz renovation"),
        ("Ｙıｌｄıｚ", "yildiz"),
        ("ǅemal", "dzemal"),
    ],
)
def test_latin_letters_without_decomposition_are_transliterated(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Other scripts are kept, in lower case: they are not read as Latin.
        ("Мартин", "мартин"),
        ("МАРТИН Иван", "мартин иван"),
        ("ΣΟΦΙΑ Σοφία", "σοφια σοφία"),
        ("東京 Café", "東京 cafe"),
        ("한국어", "한국어"),
        ("नमस्ते दुनिया", "नमस्ते दुनिया"),
        ("شركة", "شركة"),
        # Digits of other scripts are digits.
        ("٣٤ rue", "34 rue"),
        # Emoji and symbols separate words, like punctuation.
        ("Café 😀 ☕ Dupont", "cafe dupont"),
        ("👩‍🔧", ""),
        ("© ™ §", "tm"),
    ],
)
def test_other_scripts_and_symbols_do_not_break_the_normal_form(raw, expected):
    assert normalize(raw) == expected


def test_other_scripts_fold_case():
    assert normalize("ΣΟΦΙΑ") == normalize("σοφια")
    assert normalize("МАРТИН") == normalize("мартин")


@given(st.text(alphabet=st.characters(codec="latin-1") | st.sampled_from("ıłøđħþðșțßẞĳœŒÆŁ")))
def test_latin_text_normalises_to_ascii_words(text):
    normal = normalize(text)

    assert re.fullmatch(r"([a-z0-9]+( [a-z0-9]+)*)?", normal)
    assert normalize(text.upper()) == normalize(text.lower()) or "µ" in text
    assert normalize(normal) == normal


@given(st.text())
def test_any_text_normalises_to_single_spaced_words(text):
    normal = normalize(text)

    assert normal == " ".join(normal.split())
    assert normalize(normal) == normal
    assert normalize_place(text) == normalize_place(normal)
