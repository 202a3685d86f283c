"""Download: a local HTTP server serves small zips; checksum, safe extraction, skip, CLI."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import stat
import threading
import zipfile
from pathlib import Path

import pytest

from ser_utils.data import download as dl
from ser_utils.errors import ChecksumError, DownloadError, UnsafeArchiveError

SPEECH = dl.PARTS["speech"].archive
SONG = dl.PARTS["song"].archive


def _zip(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in entries.items():
            zf.writestr(name, payload)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def _md5(b: bytes) -> str:
    return hashlib.md5(b).hexdigest()


GOOD = {
    "Actor_01/03-01-01-01-01-01-01.wav": b"RIFF-fake-1",
    "Actor_02/03-01-02-01-01-01-02.wav": b"RIFF-fake-2",
}


@pytest.fixture
def server():
    """A threaded HTTP server on 127.0.0.1 (ephemeral port) serving ``files[name] = bytes``."""
    files: dict[str, bytes] = {}
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server API)
            name = self.path.lstrip("/").split("?")[0]
            hits.append(name)
            body = files.get(name)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # keep test output quiet
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", files, hits
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _visible_files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_good_archive_extracts_then_skips(server, tmp_path):
    url, files, hits = server
    files[SPEECH] = _zip(GOOD)
    out = tmp_path / "data"
    folders = dl.download_ravdess(
        out, parts=("speech",), base_url=url, checksums={"speech": _md5(files[SPEECH])}, progress=False
    )
    assert folders == [out / "Audio_Speech_Actors_01-24"]
    assert _visible_files(folders[0]) == set(GOOD)
    assert (folders[0] / "Actor_01" / "03-01-01-01-01-01-01.wav").read_bytes() == b"RIFF-fake-1"
    assert [p.name for p in out.iterdir()] == ["Audio_Speech_Actors_01-24"]  # no temp files left
    assert hits == [SPEECH]
    # second call: the part is there, nothing is fetched
    dl.download_ravdess(out, parts=("speech",), base_url=url, checksums={"speech": _md5(files[SPEECH])}, progress=False)
    assert hits == [SPEECH]
    # force: fetched and extracted again (old content replaced)
    files[SPEECH] = _zip({"Actor_03/03-01-03-01-01-01-03.wav": b"new"})
    dl.download_ravdess(
        out, parts=["speech"], base_url=url, checksums={"speech": _md5(files[SPEECH])}, force=True, progress=False
    )
    assert hits == [SPEECH, SPEECH]
    assert _visible_files(folders[0]) == {"Actor_03/03-01-03-01-01-01-03.wav"}


def test_both_parts_in_order(server, tmp_path):
    url, files, _ = server
    files[SPEECH] = _zip(GOOD)
    files[SONG] = _zip({"Actor_01/03-02-01-01-01-01-01.wav": b"song"})
    sums = {"speech": _md5(files[SPEECH]), "song": _md5(files[SONG])}
    folders = dl.download_ravdess(tmp_path, base_url=url, checksums=sums, progress=False)
    assert [f.name for f in folders] == ["Audio_Speech_Actors_01-24", "Audio_Song_Actors_01-24"]
    assert _visible_files(folders[1]) == {"Actor_01/03-02-01-01-01-01-01.wav"}


def test_checksum_mismatch(server, tmp_path):
    url, files, _ = server
    files[SPEECH] = _zip(GOOD)
    out = tmp_path / "data"
    with pytest.raises(ChecksumError, match="does not match"):
        dl.download_ravdess(out, parts=("speech",), base_url=url, checksums={"speech": "0" * 32}, progress=False)
    assert list(out.iterdir()) == []  # temp file removed, nothing extracted


def test_default_checksums_are_the_official_ones(server, tmp_path):
    url, files, _ = server
    files[SPEECH] = _zip(GOOD)  # not the real archive: must be refused by the built-in MD5
    with pytest.raises(ChecksumError):
        dl.download_ravdess(tmp_path, parts=("speech",), base_url=url, progress=False)
    assert dl.CHECKSUMS == {"speech": "bc696df654c87fed845eb13823edef8a", "song": "5411230427d67a21e18aa4d466e6d1b9"}


@pytest.mark.parametrize(
    "entries, symlinks",
    [
        ({"Actor_01/ok.wav": b"x", "../evil.wav": b"evil"}, None),
        ({"Actor_01/ok.wav": b"x", "Actor_01/../../evil.wav": b"evil"}, None),
        ({"Actor_01/ok.wav": b"x", "/tmp/evil.wav": b"evil"}, None),
        ({"Actor_01/ok.wav": b"x", "..\\evil.wav": b"evil"}, None),
        ({"Actor_01/ok.wav": b"x"}, {"Actor_01/link": "../../evil.wav"}),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "backslash", "symlink"],
)
def test_unsafe_archive_extracts_nothing(server, tmp_path, entries, symlinks):
    url, files, _ = server
    files[SPEECH] = _zip(entries, symlinks)
    out = tmp_path / "a" / "data"
    with pytest.raises(UnsafeArchiveError, match="nothing was extracted"):
        dl.download_ravdess(
            out, parts=("speech",), base_url=url, checksums={"speech": _md5(files[SPEECH])}, progress=False
        )
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    assert list(out.iterdir()) == []


def test_safe_extract_direct(tmp_path):
    z = tmp_path / "x.zip"
    z.write_bytes(_zip({"a/b.txt": b"1", "c.txt": b"2"}))
    written = dl.safe_extract(z, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == ["a/b.txt", "c.txt"]
    z.write_bytes(_zip({"ok.txt": b"1", "../evil.txt": b"2"}))
    with pytest.raises(UnsafeArchiveError, match="evil"):
        dl.safe_extract(z, tmp_path / "out2")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out2" / "ok.txt").exists()
    z.write_bytes(b"not a zip")
    with pytest.raises(DownloadError, match="not a readable zip"):
        dl.safe_extract(z, tmp_path / "out3")


def test_http_error_and_network_down(server, tmp_path):
    url, _, _ = server
    with pytest.raises(DownloadError, match="HTTP 404"):
        dl.download_ravdess(tmp_path, parts=("speech",), base_url=url, progress=False)
    with pytest.raises(DownloadError, match="could not download"):
        dl.download_ravdess(tmp_path, parts=("speech",), base_url="http://127.0.0.1:9", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(tmp_path):
    with pytest.raises(DownloadError, match="parts"):
        dl.download_ravdess(tmp_path, parts=("video",), progress=False)
    with pytest.raises(DownloadError, match="checksums"):
        dl.download_ravdess(tmp_path, checksums={"videos": "0"}, progress=False)


def test_checksum_from_zenodo_api(server, tmp_path, monkeypatch):
    url, files, _ = server
    files[SPEECH] = _zip(GOOD)
    record = {"files": {"entries": {SPEECH: {"key": SPEECH, "checksum": "md5:" + _md5(files[SPEECH])}}}}
    files["api/records/1188976"] = json.dumps(record).encode()
    monkeypatch.setattr(dl, "ZENODO_API", f"{url}/api/records/1188976")
    folders = dl.download_ravdess(tmp_path, parts=("speech",), base_url=url, checksums={"speech": None}, progress=False)
    assert _visible_files(folders[0]) == set(GOOD)


def test_cli(server, tmp_path, capsys, monkeypatch):
    url, files, _ = server
    files[SPEECH] = _zip(GOOD)
    monkeypatch.setitem(dl.CHECKSUMS, "speech", _md5(files[SPEECH]))
    rc = dl.main(["--out", str(tmp_path / "d"), "--parts", "speech", "--base-url", url, "--quiet"])
    assert rc == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "d" / "Audio_Speech_Actors_01-24")
    monkeypatch.setitem(dl.CHECKSUMS, "speech", "f" * 32)
    rc = dl.main(["--out", str(tmp_path / "e"), "--parts", "speech", "--base-url", url, "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and err.startswith("error:") and "MD5" in err and "\n" not in err
    rc = dl.main(["--out", str(tmp_path / "f"), "--parts", "speech", "--base-url", "http://127.0.0.1:9", "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc == 1 and err.startswith("error: could not download") and "\n" not in err


def test_other_corpora_are_documented_not_downloaded(capsys, monkeypatch, tmp_path):
    import urllib.request

    def no_network(*a, **k):
        raise AssertionError("--other-corpora must not open the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.chdir(tmp_path)
    assert dl.main(["--other-corpora"]) == 0
    out = capsys.readouterr().out
    assert "github.com/CheyneyComputerScience/CREMA-D" in out and "Open Database License" in out
    assert "tspace.library.utoronto.ca" in out and "CC BY-NC-ND 4.0" in out
    assert "kahlan.eps.surrey.ac.uk/savee" in out and "research" in out
    assert "--data-dir" in out and "--profile multi" in out
    assert list(tmp_path.iterdir()) == []  # nothing written
    assert set(dl.OTHER_CORPORA) == {"crema-d", "tess", "savee"}
    with pytest.raises(SystemExit) as exc:  # --out stays required for RAVDESS
        dl.main([])
    assert exc.value.code == 2 and "--other-corpora" in capsys.readouterr().err
