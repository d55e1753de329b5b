"""Upload a WAV in Chromium; the toast and the file list follow the job live."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.uploads.samples import wav_bytes

pytestmark = pytest.mark.browser


def test_upload_transcodes_and_every_tab_follows(browser, make_stack, tmp_path):
    stack = make_stack()
    stack.create_user("alice", PASSWORD)
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    context, page = log_in(browser, base_url, "alice")
    files_tab = context.new_page()
    files_tab.goto(f"{base_url}/uploads/")
    live(files_tab)
    expect(files_tab.locator(".file-row")).to_have_count(0)

    # A non-audio file: a clear error, nothing stored.
    page.goto(f"{base_url}/uploads/new/")
    notes = tmp_path / "notes.wav"
    notes.write_text("this is not audio\n" * 50)
    browser.expect_status(400, "/uploads/new/")  # upload.js's JSON refusal, said in the form
    page.locator("#upload-form input[type=file]").set_input_files(str(notes))
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#upload-form [role=alert]:visible").first).to_be_visible()
    expect(files_tab.locator(".file-row")).to_have_count(0)

    song = tmp_path / "song.wav"
    song.write_bytes(wav_bytes(seconds=1.0))
    page.goto(f"{base_url}/uploads/new/")
    page.locator("#upload-form input[type=file]").set_input_files(str(song))
    page.locator("#upload-form button[type=submit]").click()

    # The tab that was already open shows the new file and its status, without a reload.
    row = files_tab.locator(".file-row")
    expect(row).to_have_count(1)
    expect(row.locator(".file-status")).to_have_attribute("data-status", "done", timeout=30_000)
    for tab in (page, files_tab):
        toast = tab.locator(".toast")
        expect(toast).to_have_count(1)  # one message per job, updated in place
        expect(toast).to_contain_text("Your file song.wav is ready")

    href = row.locator(".file-download").get_attribute("href")
    response = files_tab.request.get(base_url + href)
    assert response.status == 200
    body = response.body()
    assert body[:3] == b"ID3" or body[0] == 0xFF  # an MP3 stream
    context.close()
