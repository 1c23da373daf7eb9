// `?interpreter=micropython` runs a page's Python on PyScript's MicroPython
// instead of Pyodide. Load this module before PyScript core's: modules run in
// document order, so the script's type is switched before PyScript looks for
// it. The config URL says so too, for a server that picks the interpreter's
// URL (serve.py's mirror mode names the mirrored MicroPython in the config).
if (new URLSearchParams(location.search).get("interpreter") === "micropython") {
  const script = document.querySelector('script[type="py"]');
  script.type = "mpy";
  script.setAttribute("config", `${script.getAttribute("config")}?interpreter=micropython`);
}
