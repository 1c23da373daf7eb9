"""The site and its jsDelivr mirror: bytes, media types, caching, compression."""

import hashlib
import json
import tomllib

import pytest
from starlette.testclient import TestClient

from devserver.app import create_app
from devserver.cdn_mirror import PinMismatch
from devserver.page_manifest import PageManifest
from devserver.settings import PROJECT_ROOT, Settings

from testsupport.versions import locked_version

NODE_MODULES = PROJECT_ROOT / "node_modules"
WIDGET_KIT = "/cdn/npm/@tiktokshop/widget-kit@1.0.4/dist/es/index.js"


def test_widget_kit_is_served_byte_for_byte_from_npm(client):
    response = client.get(WIDGET_KIT, headers={"accept-encoding": "identity"})

    assert response.status_code == 200
    assert response.content == (NODE_MODULES / "@tiktokshop/widget-kit/dist/es/index.js").read_bytes()
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["access-control-allow-origin"] == "*"


def test_text_assets_are_compressed_and_decompress_to_the_same_bytes(client):
    response = client.get(WIDGET_KIT, headers={"accept-encoding": "gzip"})

    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(response.content)
    assert response.content == (NODE_MODULES / "@tiktokshop/widget-kit/dist/es/index.js").read_bytes()


@pytest.mark.parametrize(
    "path, media_type",
    [
        ("pyodide.mjs", "text/javascript"),
        ("pyodide.asm.wasm", "application/wasm"),
        ("python_stdlib.zip", "application/zip"),
    ],
)
def test_pyodide_is_served_in_its_cdn_layout(client, path, media_type):
    version = locked_version("pyodide")
    response = client.get(f"/cdn/pyodide/v{version}/full/{path}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.content == (NODE_MODULES / "pyodide" / path).read_bytes()


def test_pyodides_packages_are_served_beside_it_and_the_lock_vouches_for_them(client, settings):
    version = locked_version("pyodide")
    original = json.loads((NODE_MODULES / "pyodide/pyodide-lock.json").read_text())
    (wheel,) = settings.pyodide_packages.glob("micropip-*.whl")

    served_wheel = client.get(f"/cdn/pyodide/v{version}/full/{wheel.name}")
    lock = client.get(f"/cdn/pyodide/v{version}/full/pyodide-lock.json").json()

    assert served_wheel.content == wheel.read_bytes()
    assert lock["packages"]["micropip"]["file_name"] == wheel.name
    assert lock["packages"]["micropip"]["sha256"] == hashlib.sha256(wheel.read_bytes()).hexdigest()
    # Every other entry is Pyodide's own.
    del lock["packages"]["micropip"], original["packages"]["micropip"]
    assert lock == original


def test_pyscript_core_is_mirrored(client):
    version = locked_version("@pyscript/core")
    response = client.get(f"/cdn/npm/@pyscript/core@{version}/dist/core.js")
    assert response.status_code == 200
    assert response.content == (NODE_MODULES / "@pyscript/core/dist/core.js").read_bytes()


def test_pyscript_core_loads_either_interpreter_from_the_mirror(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", cdn="mirror")
    with TestClient(create_app(settings)) as client:
        chunk = client.get(f"/cdn/npm/@pyscript/core@{locked_version('@pyscript/core')}"
                           "/dist/" + PageManifest(PROJECT_ROOT).core_chunks[0]).text
        config = client.get("/bench/pages/floor.toml").text

    assert "https://cdn.jsdelivr.net/" not in chunk
    assert f"`/cdn/pyodide/v${{e}}/full/pyodide.mjs`" in chunk
    assert "`/cdn/npm/@micropython/micropython-webassembly-pyscript@${e}/micropython.mjs`" in chunk
    # A config is never given an interpreter: the page's script type picks it.
    assert "interpreter" not in tomllib.loads(config)


@pytest.mark.parametrize(
    "path, message",
    [
        ("/cdn/npm/@tiktokshop/widget-kit@1.0.3/dist/es/index.js", "node_modules has 1.0.4"),
        ("/cdn/npm/@tiktokshop/widget-kit@1.0.4/dist/es/missing.js", "has no file"),
        ("/cdn/npm/@tiktokshop/widget-kit@1.0.4/%2e%2e/%2e%2e/pyodide/package.json", "has no file"),
        ("/cdn/npm/left-pad@1.3.0/index.js", "not installed"),
        ("/cdn/gh/user/repo@1/file.js", "not a jsDelivr npm or Pyodide URL"),
    ],
)
def test_the_mirror_says_why_it_cannot_serve_a_path(client, path, message):
    response = client.get(path)
    assert response.status_code == 404
    assert message in response.text


def test_a_pin_that_npm_did_not_install_stops_the_server_naming_both(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<script type="module" src="https://cdn.jsdelivr.net/npm/@tiktokshop/widget-kit@1.0.3/dist/es/index.js">'
    )
    with pytest.raises(PinMismatch) as error:
        create_app(Settings(data_dir=tmp_path / "data", site_root=site, node_modules=NODE_MODULES))

    message = str(error.value)
    assert "index.html pins @tiktokshop/widget-kit@1.0.3" in message
    assert "node_modules has @tiktokshop/widget-kit@1.0.4" in message


def test_a_version_range_is_not_a_pin(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text('import("https://cdn.jsdelivr.net/npm/@pyscript/core@0/dist/core.js")')
    with pytest.raises(PinMismatch, match="not an exact version"):
        create_app(Settings(data_dir=tmp_path / "data", site_root=site, node_modules=NODE_MODULES))


def test_pages_revalidate_and_answer_304_when_unchanged(client):
    first = client.get("/examples/native.html")
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    assert first.headers["cache-control"] == "no-cache"

    again = client.get("/examples/native.html", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


def test_live_mode_serves_pages_untouched(client):
    page = client.get("/examples/native.html").text
    assert page == (PROJECT_ROOT / "examples/native.html").read_text()


def test_mirror_mode_points_pages_at_the_mirror(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", cdn="mirror")
    with TestClient(create_app(settings)) as client:
        page = client.get("/examples/native.html").text

    assert "https://cdn.jsdelivr.net/" not in page
    assert 'from "/cdn/npm/@tiktokshop/widget-kit@1.0.4/dist/es/index.js"' in page


@pytest.mark.parametrize(
    "path",
    ["/.data/token-secret", "/.git/config", "/pyproject.toml", "/serve.py",
     "/src/devserver/tokens.py", "/node_modules/pyodide/package.json", "/tests/conftest.py",
     "/.venv/pyvenv.cfg", "/%2e%2e/etc/passwd"],
)
def test_nothing_but_the_site_is_reachable(client, path):
    assert client.get(path).status_code == 404


def test_text_pages_are_gzipped_for_clients_that_accept_it(client):
    response = client.get("/examples/native.html", headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"


def test_an_app_folder_is_served_at_the_root_as_written_and_nothing_hidden_in_it(tmp_path):
    app = tmp_path / "my-app"
    app.mkdir()
    (app / "index.html").write_text(
        '<script type="module" src="https://cdn.jsdelivr.net/npm/@pyscript/core@'
        f'{locked_version("@pyscript/core")}/dist/core.js"></script>'
        '<script type="mpy" src="./main.py" config="./pyscript.toml"></script>')
    (app / "pyscript.toml").write_text('[files]\n"/src/tiktokshop_widgets/kit.py" = "./tiktokshop_widgets/"\n')
    (app / ".env").write_text("SECRET=1")
    settings = Settings(data_dir=tmp_path / "data", cdn="mirror", app_dir=app)
    with TestClient(create_app(settings)) as client:
        page = client.get("/").text
        config = client.get("/pyscript.toml").text
        hidden = client.get("/.env")
        library = client.get("/src/tiktokshop_widgets/kit.py")
        missing = client.get("/nothing-here.py")

    assert f'src="/cdn/npm/@pyscript/core@{locked_version("@pyscript/core")}/dist/core.js"' in page
    # The config is served as written: no interpreter added, whatever the script's type.
    assert config == (app / "pyscript.toml").read_text()
    assert hidden.status_code == 404 and missing.status_code == 404
    # What the dev server serves besides stays reachable behind the app.
    assert library.status_code == 200


def test_pyodides_stdlib_is_served_with_what_pages_import_compiled_and_every_module_of_the_original(client):
    import io
    import zipfile

    response = client.get("/assets/python_stdlib.zip")
    compiled = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    original = zipfile.ZipFile(NODE_MODULES / "pyodide/python_stdlib.zip").namelist()

    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert "json/__init__.pyc" in compiled and "json/__init__.py" not in compiled
    # PyScript's Python and the unpacking of the page's archive, as well as the boot.
    assert {"inspect.pyc", "tarfile.pyc", "asyncio/__init__.pyc"} <= set(compiled)
    # What no page imports stays source (half the bytes), importable all the same.
    assert "pdb.py" in compiled and "pdb.pyc" not in compiled
    assert {name.removesuffix("c") for name in compiled} == set(original)
