// A page's Python runs on MicroPython when its script says so (`type="mpy"`),
// the one way for any page; on top of that, `?interpreter=micropython` switches
// a `type="py"` script to MicroPython (the demo's and the bench pages'
// convenience). Load this module before PyScript core's: modules run in
// document order, so the script's type is switched before PyScript looks for it.
//
// It then asks, all at once, for what PyScript would fetch one after another:
// its own chunks, the config, and the chosen interpreter's files, which come
// from wherever the page loads PyScript core from (jsDelivr, or a mirror of
// it); and after those, the page's own <template id="preload-app">.
//
// The names (filled in by src/devserver/page_manifest.py, from the versions
// package-lock.json locks and the files npm installed for them):
// CORE_CHUNKS, PyScript's own chunks (its error plugin is imported even when the
// config turns it off); NO_PLUGINS, the plugin list of the pages' configs, which
// the interpreter the page does not use gets too (PyScript imports every plugin
// for an interpreter type without a config); INTERPRETER_FILES, each
// interpreter's modules and data, as paths under the CDN.
/* page-manifest: interpreter */

const script = document.querySelector('script[type="py"], script[type="mpy"]');
if (script?.type === "py" && new URLSearchParams(location.search).get("interpreter") === "micropython") {
  script.type = "mpy";
}
const interpreter = script?.type === "mpy" ? "micropython" : "pyodide";
const config = script?.getAttribute("config");
const unused = document.createElement(interpreter === "micropython" ? "py-config" : "mpy-config");
unused.textContent = NO_PLUGINS;
document.head.append(unused);

const core = document.querySelector('script[type="module"][src*="/npm/@pyscript/core@"]').src;
const cdn = core.slice(0, core.indexOf("npm/@pyscript/core@"));
const dist = core.slice(0, core.lastIndexOf("/") + 1);
const hint = (rel, href) => Object.assign(document.createElement("link"), rel === "modulepreload"
  ? { rel, href } : { rel: "preload", as: "fetch", crossOrigin: "anonymous", href });
const { modules, data } = INTERPRETER_FILES[interpreter];
// A page whose config loads Pyodide through assets/python.mjs preloads that
// module: Pyodide's stdlib then comes precompiled, from beside it.
const wrapper = document.querySelector('link[rel="modulepreload"][href$="/python.mjs"]');
const url = (path) => wrapper && path.endsWith("/python_stdlib.zip")
  ? new URL("python_stdlib.zip", wrapper.href).href : cdn + path;
document.head.append(
  ...CORE_CHUNKS.map((chunk) => hint("modulepreload", dist + chunk)),
  ...(config ? [hint("fetch", new URL(config, location.href).href)] : []),
  ...modules.map((path) => hint("modulepreload", cdn + path)),
  ...data.map((path) => hint("fetch", url(path))),
  document.getElementById("preload-app")?.content ?? "",
);
