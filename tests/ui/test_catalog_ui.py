"""The shell's texts come from the gettext catalog: the language switcher, and the one bridge
that turns a failure into the error panel's text and 求助碼 line in the chosen language."""

from __future__ import annotations

from kiosk.services.errors import ConnectionFailed
from kiosk.ui.main_window import MainWindow


def test_language_switcher_names_each_language_in_its_own_words(window: MainWindow) -> None:
    assert [window.lang_buttons[lang].text() for lang in ("zh-Hant", "pt", "en")] == [
        "中文",
        "Português",
        "English",
    ]


def test_a_failure_reaches_the_error_panel_through_the_catalog_in_every_language(
    window: MainWindow,
) -> None:
    # What the worker reports when an operation raised something that is no BackendError.
    window._failed(RuntimeError("boom"))
    assert window.error_panel.message.text() == "eSignTrust 系統回應異常，請聯繫櫃檯職員協助。"
    assert window.error_panel.help.text() == "求助碼：AC-KI-0003"
    window.set_lang("pt")
    assert window.error_panel.message.text() == (
        "Resposta inesperada do sistema eSignTrust. Peça ajuda ao balcão."
    )
    assert window.error_panel.help.text() == "Código de ajuda: AC-KI-0003"
    assert window.error_panel.close_button.text() == "Fechar"
    # A backend error with a code the catalog knows shows the catalog's text, not the raw one.
    window._failed(ConnectionFailed({"zh-Hant": "raw", "pt": "raw"}, "AC-KI-0001"))
    assert window.error_panel.message.text().startswith("Não foi possível ligar ao sistema")
    assert window.error_panel.help.text() == "Código de ajuda: AC-KI-0001"
