"""The debate in Chromium: two groups argue live, hostile text stays inert, moderation
reaches the participant's page at once, and an argument goes into the paper's editor."""

import pytest

from app.core.transactions import commit
from app.deliberation.arguments import add_argument
from app.deliberation.moderation import hide, restore
from app.deliberation.sources import sources
from tests.browser_support import log_in_page

pytestmark = pytest.mark.browser
Q1 = "/editions/malisig-2023/debate/q1"


def _page(browser, base_url, email, path=Q1, width=390):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.dialogs, page.errors = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    log_in_page(page, base_url, email)
    page.goto(base_url + path)
    # The page is live once its /debate socket has joined the question's room.
    page.wait_for_timeout(700)
    page.evaluate("() => { window.sameDocument = true; }")
    return page


def _publish_claim(page, text):
    page.fill(".new-claim textarea", text)
    page.click(".new-claim button[type=submit]")
    page.wait_for_load_state()


def test_two_groups_debate_a_question_live(live_server, demo, browser):
    government = _page(browser, live_server.base_url, "gouvernement1@demo.palabre")
    civil = _page(browser, live_server.base_url, "societe1@demo.palabre")
    _publish_claim(government, "Une coupure ciblée, limitée et contrôlée par un juge.")
    government.evaluate("() => { window.sameDocument = true; }")
    claim = civil.wait_for_selector("li.argument:has-text('contrôlée par un juge')")
    claim_id = claim.get_attribute("data-argument")
    # The government member starts a reply elsewhere; what they type must survive.
    government.click(f"#a{claim_id} > article details.reply-box > summary")
    government.fill(f"#a{claim_id} > article details.reply-box textarea", "Je précise : ")
    civil.click(f"#a{claim_id} > article details.reply-box > summary")
    civil.select_option(f"#a{claim_id} > article details.reply-box select", "oppose")
    civil.fill(
        f"#a{claim_id} > article details.reply-box textarea",
        "Même ciblée, une coupure frappe les **journalistes** et les commerçants.",
    )
    civil.click(f"#a{claim_id} > article details.reply-box button[type=submit]")
    reply = government.wait_for_selector(
        f"#a{claim_id} > details.replies-box li.kind-oppose:has-text('journalistes')"
    )
    assert "Société civile" in reply.inner_text()
    assert government.inner_text(f"#a{claim_id} > details.replies-box .count") == "1"
    assert government.evaluate("() => window.sameDocument") is True  # no reload
    assert (
        government.input_value(f"#a{claim_id} > article details.reply-box textarea")
        == "Je précise : "
    )
    # A mark by the government member updates the balance on the civil page, live.
    reply_id = reply.get_attribute("data-argument")
    government.click(f"#a{reply_id} > article button.mark >> nth=0")
    civil.wait_for_selector(f"#a{reply_id} > article .balance[data-balance='1']")
    assert government.errors == [] and civil.errors == []


def test_hostile_text_never_runs_script(live_server, demo, browser):
    author = _page(browser, live_server.base_url, "prive1@demo.palabre")
    reader = _page(browser, live_server.base_url, "societe1@demo.palabre")
    _publish_claim(
        author,
        'Attaque <img src=x onerror="alert(1)"> <script>alert(2)</script> '
        '[piège](javascript:alert(3)) <a href="javascript:alert(4)">lien</a> '
        '<svg onload="alert(5)"></svg>',
    )
    node = reader.wait_for_selector("li.argument:has-text('Attaque')")
    node_id = node.get_attribute("data-argument")
    for link in reader.query_selector_all(f"#a{node_id} .argument-text a"):
        assert not (link.get_attribute("href") or "").lower().startswith("javascript")
        link.click(no_wait_after=True)
    reader.goto(live_server.base_url + Q1 + "/map")
    reader.wait_for_selector(f"svg a[data-argument='{node_id}']")
    reader.wait_for_timeout(300)
    assert reader.dialogs == [] and author.dialogs == []
    assert reader.evaluate("() => document.querySelectorAll('script:not([src])').length") == 0 or (
        reader.evaluate(
            "() => [...document.querySelectorAll('script:not([src])')].every("
            "s => s.type === 'application/json')"
        )
    )


def test_a_facilitator_hides_an_argument_and_the_participant_sees_the_placeholder_live(
    live_server, demo, browser, claim
):
    participant = _page(browser, live_server.base_url, "prive1@demo.palabre")
    participant.wait_for_selector(f"#a{claim.id} .argument-text")
    facilitator = _page(browser, live_server.base_url, "facilitateur@demo.palabre", width=1100)
    facilitator.click(f"#a{claim.id} > article details.moderation-box > summary")
    facilitator.fill(f"#a{claim.id} > article .moderation-form input[name=reason]", "hors sujet")
    facilitator.click(f"#a{claim.id} > article .moderation-form button[value=hide]")
    participant.wait_for_selector(f"#a{claim.id} > article .placeholder", timeout=10000)
    assert "légale" not in participant.inner_text(f"#a{claim.id} > article")
    assert participant.evaluate("() => window.sameDocument") is True
    # The facilitator's own page went over the channel too, and shows the reason.
    facilitator.wait_for_selector(f"#a{claim.id} > article .placeholder:has-text('hors sujet')")
    assert facilitator.evaluate("() => window.sameDocument") is True


def test_a_restore_from_the_server_reaches_the_page(live_server, demo, browser, claim):
    hide(claim, demo.users["facilitateur@demo.palabre"], "hors sujet")
    commit()
    participant = _page(browser, live_server.base_url, "prive1@demo.palabre")
    participant.wait_for_selector(f"#a{claim.id} > article .placeholder")
    restore(claim, demo.users["facilitateur@demo.palabre"])
    commit()
    participant.wait_for_selector(f"#a{claim.id} > article .argument-text", timeout=10000)


def test_the_map_zooms_and_redraws_live(live_server, demo, browser, claim):
    page = _page(browser, live_server.base_url, "prive1@demo.palabre", path=Q1 + "/map")
    page.wait_for_selector(f"svg a[data-argument='{claim.id}']")
    scale = float(page.get_attribute(".map-viewport", "data-scale"))
    page.click(".map-tools button[data-action=in]")
    assert float(page.get_attribute(".map-viewport", "data-scale")) > scale
    reply = add_argument(
        demo,
        demo.users["societe1@demo.palabre"],
        question=None,
        kind="support",
        parent=claim,
        text="D'accord, avec un juge.",
    )
    commit()
    page.wait_for_selector(f"svg a[data-argument='{reply.id}']", timeout=10000)
    assert page.errors == []


def test_a_member_inserts_an_argument_into_the_paper_and_a_co_author_sees_it(
    live_server, demo, browser
):
    source = sources(demo)[0]
    argument = add_argument(
        demo,
        demo.users["gouvernement1@demo.palabre"],
        question=demo.questions[0],
        kind="claim",
        text="Les coupures ont coûté près de 24 milliards de dollars en 2022.",
        cited=[(source.id, "12", "")],
    )
    commit()
    coauthor = _page(
        browser,
        live_server.base_url,
        "gouvernement2@demo.palabre",
        path="/editions/malisig-2023/groups/gouvernement/paper",
        width=1100,
    )
    coauthor.wait_for_selector('#connection-badge[data-status="connected"]')
    section = '.paper-section[data-key="q1"]'
    coauthor.click(f"{section} .open")
    coauthor.wait_for_selector(f"{section} .cm-content")
    # The demo's section is written: the co-author looks at its end, where the argument
    # arrives (CodeMirror renders only the lines in view).
    coauthor.press(f"{section} .cm-content", "Control+End")
    member = _page(browser, live_server.base_url, "gouvernement1@demo.palabre")
    member.click(f"#a{argument.id} > article details.insert-box > summary")
    member.select_option(f"#a{argument.id} > article details.insert-box select", "q1")
    member.click(f"#a{argument.id} > article details.insert-box button[type=submit]")
    coauthor.wait_for_function(
        f"() => document.querySelector('{section} .cm-content').textContent"
        ".includes('24 milliards de dollars')",
        timeout=15000,
    )
    text = coauthor.inner_text(f"{section} .cm-content")
    assert f"[^arg{argument.id}]" in text and "p. 12" in text
