"""Names for the language tags educators write (`en`, `es`, `pt-BR`), as the theme shows them to visitors.

The theme's own words are English, so a language is named in English, followed by its own name when that differs
("Spanish (español)"), which is how a Spanish-speaking teacher scanning an English page finds their resources. Tags
not in the table are shown as written.
"""

from __future__ import annotations

LANGUAGES: dict[str, tuple[str, str]] = {
    "ar": ("Arabic", "العربية"),
    "ca": ("Catalan", "català"),
    "cs": ("Czech", "čeština"),
    "cy": ("Welsh", "Cymraeg"),
    "da": ("Danish", "dansk"),
    "de": ("German", "Deutsch"),
    "el": ("Greek", "Ελληνικά"),
    "en": ("English", "English"),
    "eo": ("Esperanto", "Esperanto"),
    "es": ("Spanish", "español"),
    "eu": ("Basque", "euskara"),
    "fa": ("Persian", "فارسی"),
    "fi": ("Finnish", "suomi"),
    "fr": ("French", "français"),
    "ga": ("Irish", "Gaeilge"),
    "gl": ("Galician", "galego"),
    "he": ("Hebrew", "עברית"),
    "hi": ("Hindi", "हिन्दी"),
    "hu": ("Hungarian", "magyar"),
    "id": ("Indonesian", "Bahasa Indonesia"),
    "it": ("Italian", "italiano"),
    "ja": ("Japanese", "日本語"),
    "ko": ("Korean", "한국어"),
    "nl": ("Dutch", "Nederlands"),
    "no": ("Norwegian", "norsk"),
    "pl": ("Polish", "polski"),
    "pt": ("Portuguese", "português"),
    "pt-BR": ("Brazilian Portuguese", "português do Brasil"),
    "ro": ("Romanian", "română"),
    "ru": ("Russian", "русский"),
    "sv": ("Swedish", "svenska"),
    "sw": ("Swahili", "Kiswahili"),
    "tr": ("Turkish", "Türkçe"),
    "uk": ("Ukrainian", "українська"),
    "vi": ("Vietnamese", "Tiếng Việt"),
    "zh": ("Chinese", "中文"),
}


def language_name(tag: str) -> str:
    """`es` -> `Spanish (español)`, `en` -> `English`, an unknown tag -> the tag."""
    english, own = LANGUAGES.get(tag) or LANGUAGES.get(tag.split("-")[0], (tag, tag))
    return english if own == english else f"{english} ({own})"
