"""In a real browser: headless Chromium driven by Selenium against the waitress server."""

from __future__ import annotations

import shutil
from pathlib import Path

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

    browser.get(live_server + "/")
    assert browser.title == "News search"
    box = browser.find_element(By.ID, "q")
    box.clear()
    box.send_keys("syria turkey", Keys.ENTER)
    wait_for(browser, lambda d: "q=syria+turkey" in d.current_url)
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
    browser.get(live_server + "/search?q=syria+turkey")
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
