"""The playground in a real browser: Debian's Chromium driven by Playwright, against a live server.

Each test waits for conditions on the page (never for a fixed time). Screenshots are taken by these tests; they are
written to docs/images/ when TWOCLASS_UPDATE_SCREENSHOTS=1, to a temporary folder otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "images"

PLAYGROUND_LINK = (
    "#activation=relu&batchSize=20&dataset=xor&regDataset=reg-plane&learningRate=0.1&"
    "regularizationRate=0.003&noise=15&networkShape=5,3,2&seed=0.71582&showTestData=true&"
    "discretize=true&percTrainData=70&x=true&y=false&xTimesY=true&xSquared=false&ySquared=true&"
    "cosX=false&sinX=true&cosY=false&sinY=false&collectStats=false&problem=classification&"
    "initZero=false&hideText=false&regularization=L2"
)


@pytest.fixture
def shots(tmp_path) -> Path:
    if os.environ.get("TWOCLASS_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return tmp_path


@pytest.fixture
def local_only(page):
    """Every request the page makes must go to the playground itself: no CDN, no font service."""
    outside: list[str] = []

    def route(route):
        if route.request.url.startswith("http://127.0.0.1:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    yield page
    assert outside == [], f"The page asked the network for {outside}"


def snap(page, path: Path) -> None:
    """The working part of the page: the controls, data, network and output (the code panel left below)."""
    top = page.locator("#top-controls").bounding_box()
    main = page.locator("#main-part").bounding_box()
    page.screenshot(
        path=str(path),
        clip={
            "x": 0,
            "y": top["y"],
            "width": page.viewport_size["width"],
            "height": main["y"] + main["height"] - top["y"] + 10,
        },
    )


def open_playground(page, server, link: str = "#seed=1"):
    page.set_default_timeout(30_000)
    page.goto(server.url + link)
    page.wait_for_function(
        "() => window.playground.frame && window.playground.points "
        "&& window.playground.points.version === window.playground.frame.data.version"
    )


def epoch_shown(page) -> int:
    return int(page.inner_text("#iter-number").replace(",", ""))


def surface(page) -> str:
    return page.evaluate("() => document.getElementById('heatmap-surface').toDataURL()")


def wait_epoch(page, at_least: int) -> None:
    page.wait_for_function(f"() => window.playground.frame.epoch >= {at_least}")


def test_play_trains_and_redraws(live_server, local_only, shots):
    page = local_only
    open_playground(page, live_server)
    assert epoch_shown(page) == 0 and page.inner_text("#iter-number") == "000,000"
    loss_before, picture_before = float(page.inner_text("#loss-test")), surface(page)
    page.click("#play-pause-button")
    page.wait_for_function("() => window.playground.frame.playing")
    wait_epoch(page, 30)
    first = epoch_shown(page)
    wait_epoch(page, first + 60)
    assert epoch_shown(page) > first >= 30  # the counter advances while playing
    page.wait_for_function(f"() => window.playground.frame.loss.test < {loss_before} * 0.7")
    snap(page, shots / "playground_training.png")
    page.click("#play-pause-button")
    page.wait_for_function("() => !window.playground.frame.playing")
    assert float(page.inner_text("#loss-test")) < loss_before  # the number on screen fell
    assert surface(page) != picture_before  # the output's heatmap was redrawn
    assert page.locator("#play-pause-button.playing").count() == 0
    rate = page.inner_text("#rate")
    assert rate == "paused"


def test_switch_to_xor_then_to_an_uploaded_csv(live_server, local_only, tmp_path):
    page = local_only
    open_playground(page, live_server)
    page.click("button.dataset[data-dataset=xor]")
    page.wait_for_function(
        "() => window.playground.frame.settings.dataset === 'xor' && "
        "window.playground.points.version === window.playground.frame.data.version"
    )
    assert "dataset=xor" in page.url and page.inner_text("#data-description").startswith("Playground xor")
    assert page.locator("button.dataset.selected").get_attribute("data-dataset") == "xor"

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    page.set_input_files("#upload-input", str(bad))
    page.wait_for_selector("#error:not([hidden])")
    assert "must have 3 columns" in page.inner_text("#error")

    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, size=(120, 2))
    good = tmp_path / "mine.csv"
    good.write_text("u,v,label\n" + "".join(f"{a:.3f},{b:.3f},{int(a * a + b * b < 4)}\n" for a, b in x))
    page.set_input_files("#upload-input", str(good))
    page.wait_for_function(
        "() => window.playground.frame.settings.dataset === 'upload' && "
        "window.playground.points.version === window.playground.frame.data.version"
    )
    assert page.inner_text("#data-description") == "mine.csv: 120 rows"
    assert page.is_hidden("#error")  # gone once something worked
    assert page.evaluate("() => window.playground.points.train.length") == 60
    assert page.is_disabled("#noise")  # noise belongs to generated data
    page.click("#next-step-button")
    wait_epoch(page, 1)
    assert "pd.read_csv('mine.csv')" in page.inner_text("#code-text")


def test_change_the_learning_rate_while_playing(live_server, local_only):
    page = local_only
    open_playground(page, live_server)
    page.click("#play-pause-button")
    wait_epoch(page, 20)
    page.select_option("#learningRate", "0.3")
    page.wait_for_function("() => window.playground.frame.settings.learningRate === 0.3")
    changed_at = page.evaluate("() => window.playground.frame.epoch")
    assert changed_at >= 20  # a new learning rate does not reset the network
    wait_epoch(page, changed_at + 30)
    assert page.evaluate("() => window.playground.frame.playing")
    assert "learningRate=0.3" in page.url
    assert "SGD(learning_rate=0.3)" in page.inner_text("#code-text")
    page.click("#play-pause-button")
    page.wait_for_function("() => !window.playground.frame.playing")


def test_download_the_code_and_run_it(live_server, local_only, tmp_path):
    page = local_only
    open_playground(page, live_server, "#seed=3&dataset=gauss&noise=20&networkShape=3&stopEpoch=40&loss=bce")
    assert page.input_value("#stopEpoch") == "40"
    page.click("#play-pause-button")
    page.wait_for_function("() => !window.playground.frame.playing && window.playground.frame.epoch === 40")
    assert "Stopped at epoch 40" in page.inner_text("#stopped")
    page_accuracy = float(page.inner_text("#accuracy-test"))
    with page.expect_download() as download:
        page.click("#download-code")
    script = tmp_path / download.value.suggested_filename
    download.value.save_as(script)
    assert script.name == "playground.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", done.stdout).group(1))
    assert abs(accuracy - page_accuracy) <= 0.02  # same seed, same data: the same network, in practice equal

    with page.expect_download() as download:
        page.click("#download-model")
    archive = tmp_path / "model.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        assert {"playground_model/twoclass.json", "playground_model/weights.safetensors", "playground.py"} <= set(
            opened.namelist()
        )


def test_a_tensorflow_playground_link_opens_with_its_settings(live_server, local_only, shots):
    page = local_only
    open_playground(page, live_server, PLAYGROUND_LINK)
    assert page.input_value("#activation") == "relu"
    assert page.input_value("#learningRate") == "0.1"
    assert page.input_value("#regularization") == "L2"
    assert page.input_value("#regularizationRate") == "0.003"
    assert page.input_value("#noise") == "15" and page.input_value("#percTrainData") == "70"
    assert page.input_value("#batchSize") == "20"
    assert page.is_checked("#showTestData") and page.is_checked("#discretize")
    assert page.locator("button.dataset.selected").get_attribute("data-dataset") == "xor"
    assert page.inner_text("#num-layers") == "3"
    assert page.locator(".layer-controls div").all_inner_texts() == ["5 neurons", "3 neurons", "2 neurons"]
    on = page.locator(".node-canvas.input:not(.inactive)").evaluate_all("nodes => nodes.map(n => n.id)")
    assert on == ["node-x", "node-ySquared", "node-xTimesY", "node-sinX"]
    assert page.locator("#network-svg .link").count() == 4 * 5 + 5 * 3 + 3 * 2 + 2
    assert page.is_hidden("#notice")  # nothing in the link was unknown
    # Test points are drawn (showTestData) with the black ring the Playground gives them.
    assert page.evaluate("() => window.playground.points.test.length") == 150
    snap(page, shots / "playground_link.png")

    # What a link asks for and the playground cannot do is said, and stays said while training goes on.
    page.goto("about:blank")  # a new link in the same tab: a new page load, not a hash change
    open_playground(page, live_server, "#seed=1&activation=swish&problem=regression")
    page.wait_for_selector("#notice:not([hidden])")
    page.click("#next-step-button")
    wait_epoch(page, 1)
    assert "activation='swish'" in page.inner_text("#notice") and "regression" in page.inner_text("#notice")
    page.click("#notice-close")
    assert page.is_hidden("#notice")


def test_two_tabs_train_independently(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        first, second = context.new_page(), context.new_page()
        errors: list[str] = []
        for tab in (first, second):
            tab.on("pageerror", lambda error: errors.append(str(error)))
        open_playground(first, live_server, "#seed=1")
        open_playground(second, live_server, "#seed=1&dataset=gauss")
        sessions = [p.evaluate("() => window.playground.session") for p in (first, second)]
        assert sessions[0] != sessions[1]
        first.click("#play-pause-button")
        wait_epoch(first, 40)
        assert second.evaluate("() => window.playground.frame.epoch") == 0
        first.click("#play-pause-button")
        first.wait_for_function("() => !window.playground.frame.playing")
        stopped_at = first.evaluate("() => window.playground.frame.epoch")
        second.click("#next-step-button")
        wait_epoch(second, 1)
        second.select_option("#activation", "relu")
        second.wait_for_function("() => window.playground.frame.settings.activation === 'relu'")
        assert first.evaluate("() => window.playground.frame.epoch") == stopped_at
        assert (
            first.input_value("#activation") == "tanh"
            and first.evaluate("() => window.playground.frame.settings.dataset") == "circle"
        )
        assert errors == []
    finally:
        context.close()


def test_the_slides_network_on_the_circles(live_server, local_only, shots):
    """The slides' preset (2-4-1 tanh, SGD 0.5, 20 epochs) trains to its stop and draws the circles' boundary."""
    page = local_only
    open_playground(page, live_server, "#seed=0&showTestData=true")
    page.click("#preset-slides")
    page.wait_for_function(
        "() => window.playground.frame.settings.dataset === 'circles' && "
        "window.playground.points.version === window.playground.frame.data.version"
    )
    page.click("#play-pause-button")
    page.wait_for_function("() => !window.playground.frame.playing && window.playground.frame.epoch === 20")
    assert float(page.inner_text("#accuracy-test")) > 0.95
    assert "Dense(4, activation='tanh')" in page.inner_text("#code-text")
    cells = [int(page.inner_text(f"#cm-{k}")) for k in ("tp", "fp", "fn", "tn")]
    assert sum(cells) == 200  # 20% of 1000 points are test points
    snap(page, shots / "playground_circles.png")
    page.screenshot(path=str(shots / "playground_circles_full.png"), full_page=True)
