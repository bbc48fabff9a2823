"""Fill French translations into the catalog: ``python scripts/translate.py FILE.json``.

The JSON maps English msgids to their French text; entries already translated are kept.
(``make i18n`` extracts and merges; this only writes what a translator gave.)"""

import json
import sys

from babel.messages.pofile import read_po, write_po

CATALOG = "app/translations/fr/LC_MESSAGES/messages.po"


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        translations = json.load(file)
    with open(CATALOG, "rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if message.id in translations and not message.string:
            message.string = translations[message.id]
    with open(CATALOG, "wb") as file:
        write_po(file, catalog, sort_output=True, omit_header=False)
    missing = [m.id for m in catalog if m.id and not m.string]
    print("untranslated:", missing)


if __name__ == "__main__":
    main()
