"""Screenshots of the offline pages, at 360 px (a phone) and 1280 px, in French:

    .venv/bin/python -m tests.offline.screenshots [docs/screenshots]

offline-paper (the paper reopened without network, a change waiting), session-ended (the
login dialog after the session ended elsewhere), offline-page (a page that needs the
server), offline-debate (a debate read from the device's copy), logout-warning.

The messages this work added are not in the French catalogue yet (``make i18n`` adds their
msgids, a translator their French): FRENCH below holds the translations proposed for them,
compiled with the catalogue into a temporary folder the server reads, so that the pictures
show what members will see.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from playwright.sync_api import sync_playwright

from app import create_app
from app.config import BASE_DIR, TestConfig
from app.extensions import db
from app.server import serve_in_thread
from app.workshops.demo import load_demo
from tests.browser_support import launch_chromium, log_in_page
from tests.offline.conftest import DEBATE, INTRO, KEPT, MEMBER, PAPER, wait_for_async

FRENCH = {
    "Stay logged in on this device": "Rester connecté sur cet appareil",
    "For %(days)d days after your last visit, even if the browser is closed. Untick it on a "
    "phone you share.": "Pendant %(days)d jours après votre dernière visite, même si le "
    "navigateur est fermé. Décochez-le sur un téléphone partagé.",
    "Your session has ended": "Votre session a pris fin",
    "Log in again to send your changes. Until then they are kept on this device: nothing is "
    "lost.": "Reconnectez-vous pour envoyer vos modifications. D’ici là, elles sont "
    "conservées sur cet appareil : rien n’est perdu.",
    "Later": "Plus tard",
    "Open the login page instead": "Ouvrir plutôt la page de connexion",
    "Log in again": "Se reconnecter",
    "{n} change waiting to be sent": "{n} modification en attente d’envoi",
    "{n} changes waiting to be sent": "{n} modifications en attente d’envoi",
    "The preview will show when the network returns.": "L’aperçu s’affichera au retour du réseau.",
    "This needs the network: try again when the link returns.": "Il faut le réseau : "
    "réessayez quand la connexion reviendra.",
    "The server cannot be reached: try again when the link returns.": "Le serveur est "
    "injoignable : réessayez quand la connexion reviendra.",
    "Offline: you are reading this page as this device kept it on {when}.": "Hors ligne : "
    "vous lisez cette page telle que cet appareil l’a gardée le {when}.",
    "Reload": "Recharger",
    "Offline: this needs the network. What you typed stays in the form; send it when the "
    "link returns.": "Hors ligne : il faut le réseau. Ce que vous avez écrit reste dans le "
    "formulaire ; envoyez-le au retour de la connexion.",
    "A new version of Palabre is ready.": "Une nouvelle version de Palabre est prête.",
    "Update": "Mettre à jour",
    "Changes are waiting to be sent": "Des modifications attendent d’être envoyées",
    "{n} change made on this device has not reached the server yet.": "{n} modification "
    "faite sur cet appareil n’est pas encore arrivée au serveur.",
    "{n} changes made on this device have not reached the server yet.": "{n} modifications "
    "faites sur cet appareil ne sont pas encore arrivées au serveur.",
    "Sending… {n} change left.": "Envoi… encore {n} modification.",
    "Sending… {n} changes left.": "Envoi… encore {n} modifications.",
    "Wait until they are sent, then log out": "Attendre leur envoi, puis me déconnecter",
    "Open the paper to send them": "Ouvrir le document pour les envoyer",
    "Log out anyway": "Me déconnecter quand même",
    "If you log out now, they stay on this device and are sent the next time you log in "
    "here.": "Si vous vous déconnectez maintenant, elles restent sur cet appareil et "
    "partiront à votre prochaine connexion ici.",
    "Logging out needs the network: try again when the link returns.": "Il faut le réseau "
    "pour se déconnecter : réessayez quand la connexion reviendra.",
    "Offline": "Hors ligne",
    "You are offline": "Vous êtes hors ligne",
    "This page needs the Palabre server, which this device cannot reach right now.": "Cette "
    "page a besoin du serveur de Palabre, que cet appareil ne peut pas joindre pour "
    "l’instant.",
    "What you wrote in your papers is kept on this device and is sent as soon as the link "
    "returns.": "Ce que vous avez écrit dans vos documents est conservé sur cet appareil et "
    "part dès le retour de la connexion.",
    "Open on this device without network": "Disponible sur cet appareil sans réseau",
    "editable offline": "modifiable hors ligne",
    "Position papers written together, and the debate, even offline.": "Les documents de "
    "position écrits ensemble, et le débat, même hors ligne.",
}

WIDTHS = (360, 1280)


def catalogue(folder: Path) -> Path:
    """The French catalogue with FRENCH added, compiled under ``folder``."""
    source = BASE_DIR / "app/translations"
    for po in source.glob("*/LC_MESSAGES/messages.po"):
        lang = po.parent.parent.name
        with po.open("rb") as handle:
            messages = read_po(handle, locale=lang)
        if lang == "fr":
            for msgid, msgstr in FRENCH.items():
                if msgid not in messages or not messages[msgid].string:
                    messages.add(msgid, msgstr)
        out = folder / lang / "LC_MESSAGES"
        out.mkdir(parents=True)
        with (out / "messages.mo").open("wb") as handle:
            write_mo(handle, messages)
    return folder


class Config(TestConfig):
    def __init__(self, database_url: str, instance: str, translations: str) -> None:
        super().__init__(database_url, instance)
        self.BABEL_TRANSLATION_DIRECTORIES = translations


def shoot(page, folder: Path, name: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 760 if width < 500 else 800})
    time.sleep(0.3)
    path = folder / f"{name}-{width}.png"
    page.screenshot(path=str(path))
    print(path)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else BASE_DIR / "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="palabre-shots-"))
    translations = catalogue(work / "translations")
    app = create_app(Config(f"sqlite:///{work}/shots.sqlite3", str(work), str(translations)))
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        db.session.commit()
    server, base = serve_in_thread(app)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for width in WIDTHS:
                take(browser, base, out, width)
            browser.close()
    finally:
        server.shutdown()


def take(browser, base: str, out: Path, width: int) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
    page = context.new_page()
    log_in_page(page, base, MEMBER)
    page.goto(base + PAPER)
    page.wait_for_selector('#connection-badge[data-status="connected"]')
    wait_for_async(page, KEPT, PAPER)
    page.goto(base + DEBATE)
    wait_for_async(page, KEPT, DEBATE)
    page.goto(base + PAPER)
    page.wait_for_selector('#connection-badge[data-status="connected"]')

    # The paper, reopened without network, a change waiting.
    context.set_offline(True)
    page.reload()
    page.wait_for_selector('#connection-badge[data-status="offline"]')
    page.click(f"{INTRO} .open")
    page.wait_for_selector(f"{INTRO} .cm-content[contenteditable=true]")
    page.click(f"{INTRO} .cm-content")
    page.keyboard.press("Control+Home")
    page.keyboard.type("Écrit sans réseau. ")
    page.wait_for_selector("#waiting-count:not([hidden])")
    page.evaluate("() => window.scrollTo(0, 0)")
    shoot(page, out, "offline-paper", width)

    # The logout warning, a change still waiting.
    page.click("form[data-logout] button")
    page.wait_for_selector("dialog.logout-dialog")
    shoot(page, out, "logout-warning", width)
    page.locator("dialog.logout-dialog button").last.click()

    # A debate read from the device's copy; a page that needs the server.
    page.goto(base + DEBATE)
    page.wait_for_selector('#shell-banner [data-key="offline-copy"]')
    shoot(page, out, "offline-debate", width)
    page.goto(base + "/editions/malisig-2023/library")
    page.wait_for_selector("#offline-kept a")
    shoot(page, out, "offline-page", width)

    # The session ends on another device; back online, the paper says so and offers a login.
    page.goto(base + PAPER)
    page.wait_for_selector('#connection-badge[data-status="offline"]')
    elsewhere = browser.new_context(locale="fr-FR")
    other = elsewhere.new_page()
    log_in_page(other, base, MEMBER)
    other.click("form[data-logout] button")
    other.wait_for_url(f"{base}/login")
    elsewhere.close()
    context.set_offline(False)
    page.wait_for_selector("#login-dialog", state="visible")
    shoot(page, out, "session-ended", width)
    context.close()


if __name__ == "__main__":
    main()
