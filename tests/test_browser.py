"""In a real browser: headless Chromium driven by Selenium against the waitress server."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT_COPY = Path("/tmp/news-search-screenshot.png")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromium-driver in /usr/bin",
    ),
]


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium with a throwaway profile."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1000",
    ):  # fmt: skip
        options.add_argument(flag)
    options.binary_location = str(CHROMIUM)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, condition, timeout: float = 10):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def results(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".result__title a")]


def count(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "result-count").text


def test_search_and_facet_in_a_browser(browser, live_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    browser.get(live_server + "/")
    assert browser.title == "News search"
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys("syria turkey", Keys.ENTER)
    wait_for(browser, lambda d: "q=syria+turkey" in d.current_url)
    # "Words only": which seed leads the story is then the words' call, as below.
    mode = browser.find_element(By.ID, "mode")
    assert mode.get_attribute("value") == "hybrid"
    Select(mode).select_by_visible_text("Words only")
    if browser.find_element(By.CSS_SELECTOR, ".mode .sort__apply").is_displayed():
        browser.find_element(By.CSS_SELECTOR, ".mode .sort__apply").click()
    wait_for(browser, lambda d: "mode=lexical" in d.current_url)
    assert count(browser).startswith("3 stories from 4 articles")
    titles = results(browser)
    assert titles[0] == "Syria, Turkey sign joint defense cooperation agreement"
    assert len(titles) == 3
    more = browser.find_element(By.CSS_SELECTOR, ".result__more")
    hidden = more.find_element(By.CSS_SELECTOR, "li a")
    assert not hidden.is_displayed()
    more.find_element(By.TAG_NAME, "summary").click()  # expands in place
    assert hidden.is_displayed() and hidden.text.startswith("In a move that signals")
    marks = browser.find_elements(By.CSS_SELECTOR, ".result__title mark")
    assert {"syria", "turkey"} <= {m.text.lower() for m in marks}

    source = browser.find_element(By.CSS_SELECTOR, "input[name='source'][value='Euro Wire']")
    apply = browser.find_element(By.CSS_SELECTOR, ".facets__apply")
    needs_apply = apply.is_displayed()  # app.js hides it and submits on tick
    source.click()
    if needs_apply:
        apply.click()
    wait_for(browser, lambda d: "source=Euro+Wire" in d.current_url)
    assert count(browser).startswith("1 article")
    assert results(browser) == ["Donors pledge aid for Syria reconstruction in Brussels"]
    chip = browser.find_element(By.CSS_SELECTOR, "a.chip")
    assert " ".join(chip.text.split()) == "Source: Euro Wire ×"
    focused = browser.switch_to.active_element
    assert focused.get_attribute("value") == "Euro Wire"  # focus came back to the checkbox

    shot = tmp_path / "search.png"
    browser.get(live_server + "/search?q=syria+turkey&mode=lexical")
    assert browser.save_screenshot(str(shot))
    shutil.copyfile(shot, SCREENSHOT_COPY)

    chip_free = browser.find_element(By.CSS_SELECTOR, ".result__title a")
    chip_free.click()
    wait_for(browser, lambda d: "/articles/" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == titles[0]
    people = browser.find_element(By.LINK_TEXT, "Yasar Guler")
    people.click()
    wait_for(browser, lambda d: "person=Yasar+Guler" in d.current_url)
    assert count(browser).startswith("1 story from 2 articles")


def test_the_page_passes_csp_without_console_errors(browser, live_server):
    browser.get(live_server + "/search?q=quokka")
    logs = browser.get_log("browser")
    assert [entry for entry in logs if entry["level"] == "SEVERE"] == []
    assert browser.execute_script("return document.documentElement.classList.contains('js')")
    assert browser.execute_script("return window.alertCalled === undefined")


MOBILE_SCREENSHOT_COPY = Path("/tmp/news-search-mobile.png")
TOPICS = [
    "library", "bridge", "orchard", "museum", "harbour", "stadium", "tramway", "theatre",
    "hospital", "airport", "canal", "observatory", "aquarium", "vineyard", "lighthouse",
    "monastery", "railway", "reservoir", "greenhouse", "cathedral", "planetarium", "zoo",
    "marina", "brewery", "castle",
]  # fmt: skip


@pytest.fixture
def outlets_server(tmp_path):
    """A served index of 27 articles from 27 outlets, one a day back from today, among them
    one without a headline (titled from its URL) and one that names no source."""
    from conftest import serve, write_jsonl

    from search.index import reindex

    today = date.today()
    articles = [
        {"id": f"outlet-{n:02d}", "title": f"Town {n} opens a new {topic}",
         "text": f"The town opened its new {topic} on a sunny morning, the mayor said.",
         "date": f"{today - timedelta(days=n)}", "source": f"Outlet {n:02d}",
         "url": f"https://outlet{n:02d}.example/{topic}"}
        for n, topic in enumerate(TOPICS)
    ]  # fmt: skip
    articles += [
        {"id": "untitled", "text": "Ferries stopped running in the storm. Nobody was hurt.",
         "date": f"{today - timedelta(days=40)}",
         "url": "https://slug.example/2017/02/storm-halts-the-ferries"},
        {"id": "unsourced", "text": "A kite festival filled the beach with colour on Sunday.",
         "date": f"{today - timedelta(days=41)}"},
    ]  # fmt: skip
    corpus = write_jsonl(tmp_path / "outlets.jsonl", articles)
    root = tmp_path / "index"
    assert reindex([corpus], root, full=True, workers=1).added == len(articles)
    with serve(root) as url:
        yield url


def test_date_range_and_facet_more_in_a_browser(browser, outlets_server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base = outlets_server
    browser.get(base + "/?collapse=none")
    assert count(browser).startswith("27 articles")
    scale = browser.find_element(By.CSS_SELECTOR, ".histogram__scale span")
    assert scale.is_displayed() and scale.text == "1"  # one article a day at most

    # From and to, typed into the labelled date inputs and applied with the form.
    start, end = date.today() - timedelta(days=10), date.today() - timedelta(days=3)
    form = browser.find_element(By.CSS_SELECTOR, ".dates__form")
    for name, day in (("from", start), ("to", end)):
        field = form.find_element(By.NAME, name)
        label = browser.find_element(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']")
        assert label.text in ("From", "To")
        browser.execute_script("arguments[0].value = arguments[1]", field, f"{day}")
    form.find_element(By.CSS_SELECTOR, "button[type='submit']").click()
    wait_for(browser, lambda d: f"to={end}" in d.current_url)
    assert f"from={start}" in browser.current_url and "collapse=none" in browser.current_url
    assert count(browser).startswith("8 articles")
    chosen = browser.find_elements(By.CSS_SELECTOR, ".histogram__bar.is-chosen")
    assert len(chosen) == 8
    summary = browser.find_element(By.CSS_SELECTOR, ".histogram__summary").text
    assert summary.endswith(": 8 articles")
    chips = [" ".join(c.text.split()) for c in browser.find_elements(By.CSS_SELECTOR, "a.chip")]
    assert chips == [f"From: {start} ×", f"To: {end} ×"]

    # A relative range replaces both ends and keeps the rest of the search.
    browser.find_element(By.LINK_TEXT, "Past week").click()
    wait_for(browser, lambda d: "from=7d" in d.current_url)
    assert "to=" not in browser.current_url and "collapse=none" in browser.current_url
    assert count(browser).startswith("8 articles")  # today and the seven days before it
    current = browser.find_element(By.CSS_SELECTOR, ".dates__presets [aria-current='true']")
    assert current.text == "Past week"

    # The source facet: 20 values, then all of them, filtered by typing.
    browser.get(base + "/?collapse=none")
    sources = "#facet-source input[type='checkbox']"
    assert len(browser.find_elements(By.CSS_SELECTOR, sources)) == 20
    browser.find_element(By.LINK_TEXT, "Show more sources").click()
    wait_for(browser, lambda d: "facet_size.source=100" in d.current_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, sources)) == 27
    values = {b.get_attribute("value") for b in browser.find_elements(By.CSS_SELECTOR, sources)}
    assert {"(unknown)", "slug.example"} <= values
    box = browser.find_element(By.ID, "filter-source")
    box.send_keys("outlet 1", Keys.ENTER)  # Enter filters; it does not submit
    items = browser.find_elements(By.CSS_SELECTOR, "#facet-source .facet__item")
    shown = [i.text.split("\n")[0] for i in items if i.is_displayed()]
    assert shown == [f"Outlet {n}" for n in range(10, 20)]
    status = browser.find_element(By.ID, "facet-status-source")
    assert status.get_attribute("textContent") == "10 of 27 listed match"
    asked = parse_qs(urlsplit(browser.current_url).query)
    assert asked == {"collapse": ["none"], "facet_size.source": ["100"]}  # nothing submitted
    ticked = browser.find_element(By.CSS_SELECTOR, f"{sources}[value='Outlet 12']")
    apply = browser.find_element(By.CSS_SELECTOR, ".facets__apply")
    needs_apply = apply.is_displayed()
    ticked.click()
    if needs_apply:
        apply.click()
    wait_for(browser, lambda d: "source=Outlet+12" in d.current_url)
    assert "facet_size.source=100" in browser.current_url  # the long list stays
    assert len(browser.find_elements(By.CSS_SELECTOR, sources)) == 27
    assert results(browser) == [f"Town 12 opens a new {TOPICS[12]}"]

    # A title made up from the URL says so.
    browser.get(base + "/?q=ferries")
    assert browser.find_element(By.CSS_SELECTOR, ".title-note").text == "(title from the URL)"


def test_the_search_button_fits_a_390px_screen(browser, outlets_server, tmp_path):
    from selenium.webdriver.common.by import By

    browser.set_window_size(390, 844)
    browser.get(outlets_server + "/?q=town")
    width = browser.execute_script("return document.documentElement.clientWidth")
    assert width <= 390
    button = browser.find_element(By.CSS_SELECTOR, ".searchbox button[type='submit']")
    box = browser.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom};", button)  # fmt: skip
    assert box["left"] >= 0 and box["right"] <= width, (box, width)
    assert box["top"] >= 0 and box["bottom"] <= 844
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0  # nothing sticks out sideways
    shot = tmp_path / "mobile.png"
    assert browser.save_screenshot(str(shot))
    shutil.copyfile(shot, MOBILE_SCREENSHOT_COPY)
