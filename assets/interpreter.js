// `?interpreter=micropython` runs a page's Python on PyScript's MicroPython
// instead of Pyodide. Load this module before PyScript core's: modules run in
// document order, so the script's type is switched before PyScript looks for
// it. The config URL says so too, for a server that picks the interpreter's
// URL (serve.py's mirror mode names the mirrored MicroPython in the config).
//
// It then asks, all at once, for what PyScript would fetch one after another:
// its own chunks, the config, and the chosen interpreter's files, which come
// from wherever the page loads PyScript core from (jsDelivr, or a mirror of
// it); and after those, the page's own <template id="preload-app">.
// The names are those of the versions package-lock.json pins
// (tests/unit/test_page_config.py checks each one exists there).
// (PyScript imports its error plugin even when the config turns it off.)
const CORE_CHUNKS = ["core-C9KDLldu.js", "toml-V4Savzlc.js", "error-D2315lOB.js"];
// PyScript imports every plugin for an interpreter type without a config, the
// one the page does not use included; this gives that one a config without them.
// The same list as pyscript.toml's `plugins` (a test keeps them equal).
const NO_PLUGINS = `plugins = ["!codemirror", "!deprecations-manager", "!donkey", "!error", "!py-editor", "!py-game", "!py-terminal"]`;
const INTERPRETER_FILES = {
  pyodide: {
    modules: ["pyodide/v314.0.2/full/pyodide.mjs", "pyodide/v314.0.2/full/pyodide.asm.mjs"],
    data: ["pyodide/v314.0.2/full/pyodide.asm.wasm", "pyodide/v314.0.2/full/python_stdlib.zip",
           "pyodide/v314.0.2/full/pyodide-lock.json"],
  },
  micropython: {
    modules: ["npm/@micropython/micropython-webassembly-pyscript@1.28.0-6/micropython.mjs"],
    data: ["npm/@micropython/micropython-webassembly-pyscript@1.28.0-6/micropython.wasm"],
  },
};

const interpreter = new URLSearchParams(location.search).get("interpreter") === "micropython"
  ? "micropython" : "pyodide";
const script = document.querySelector('script[type="py"]');
if (interpreter === "micropython") {
  script.type = "mpy";
  script.setAttribute("config", `${script.getAttribute("config")}?interpreter=micropython`);
}
const unused = document.createElement(interpreter === "micropython" ? "py-config" : "mpy-config");
unused.textContent = NO_PLUGINS;
document.head.append(unused);

const core = document.querySelector('script[type="module"][src*="/npm/@pyscript/core@"]').src;
const cdn = core.slice(0, core.indexOf("npm/@pyscript/core@"));
const dist = core.slice(0, core.lastIndexOf("/") + 1);
const hint = (rel, href) => Object.assign(document.createElement("link"), rel === "modulepreload"
  ? { rel, href } : { rel: "preload", as: "fetch", crossOrigin: "anonymous", href });
const { modules, data } = INTERPRETER_FILES[interpreter];
document.head.append(
  ...CORE_CHUNKS.map((chunk) => hint("modulepreload", dist + chunk)),
  hint("fetch", new URL(script.getAttribute("config"), location.href).href),
  ...modules.map((path) => hint("modulepreload", cdn + path)),
  ...data.map((path) => hint("fetch", cdn + path)),
  document.getElementById("preload-app")?.content ?? "",
);
