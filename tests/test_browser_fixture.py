"""The browser fixture: the system's Chromium renders a page offline."""


def test_chromium_renders_a_local_page(browser):
    page = browser.new_page(viewport={"width": 400, "height": 300})
    page.set_content("<p id='x' style='width:2000px'>wide</p>")
    assert page.inner_text("#x") == "wide"
    assert page.evaluate("document.documentElement.scrollWidth") > 400  # the check a layout test relies on
    page.close()
