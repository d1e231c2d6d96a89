"""The checks of every public text (``reviews.text_checks``) pinned at their
edges: the shortest name word that counts (``MIN_NAME_WORD``), the words
that are never a name, the order of the reasons, and the message read by
the author of a held text. Written against the surviving mutants of the
mutation pass (``make mutation``)."""

from __future__ import annotations

from django.utils import translation

from reviews.text_checks import MIN_NAME_WORD, held_message, hidden_name_words, text_check_reasons


def test_a_name_word_counts_from_three_letters():
    assert MIN_NAME_WORD == 3
    assert hidden_name_words("Marc Li", "Marc L.") == set()
    assert hidden_name_words("Marc Lie", "Marc L.") == {"lie"}
    assert hidden_name_words("Bo Ba", "B. B.") == set()


def test_titles_particles_name_markers_and_the_couple_word_are_never_a_name():
    client = "Madame Sophie Martin épouse Durand née Lefort et Monsieur Paul del Rio"
    assert hidden_name_words(client, "Sophie M.") == {
        "martin",
        "durand",
        "lefort",
        "paul",
        "rio",
    }


def test_the_words_shown_on_the_page_are_not_hidden():
    assert hidden_name_words("Marc Durand", "Marc Durand") == set()
    assert hidden_name_words("Marc Durand", "marc d.") == {"durand"}
    assert hidden_name_words("Marc Durand", "Marc D.") == {"durand"}


def test_each_reason_in_a_fixed_order_and_none_for_a_clean_text():
    kwargs = {"client_name": "Marc Durand", "shown_name": "Marc D."}
    assert text_check_reasons("Très bon travail.", **kwargs) == []
    assert text_check_reasons("Appelez le 06 12 34 56 78.", **kwargs) == ["contact_details"]
    assert text_check_reasons("Merci M. DURAND !", **kwargs) == ["personal_data"]
    assert text_check_reasons("Durand, écrivez à marc@example.org", **kwargs) == [
        "contact_details",
        "personal_data",
    ]


def test_a_text_naming_only_the_shown_first_name_passes():
    assert text_check_reasons("Merci Marc.", client_name="Marc Durand", shown_name="Marc D.") == []


def test_the_held_message_lists_the_checks_failed():
    labels = ["Coordonnées dans le texte", "Nom du client écrit en entier"]
    assert held_message(labels) == (
        "Votre texte attend nos modérateurs avant d'être affiché (Coordonnées dans le "
        "texte, Nom du client écrit en entier). Vous le verrez ici dès leur décision."
    )
    with translation.override("en"):
        assert held_message(["a"]) == (
            "Your text waits for our moderators before it is shown (a). "
            "You will see it here once they decide."
        )
