// The `interpreter` of the app's PyScript configs, on either interpreter: a
// module exporting what PyScript asks of Pyodide's (`version`, `loadPyodide`)
// and of MicroPython's (`loadMicroPython`), each loading the real one, at the
// versions package-lock.json locks (the URLs below are filled in by
// src/devserver/page_manifest.py; the dev server points them at its mirror).
//
// Pyodide boots with python_stdlib.zip beside this module: its standard library
// compiled to bytecode (src/devserver/compile_stdlib.mjs, by that very Pyodide),
// which spares it compiling ~190 modules from source on every load. Everything
// else is Pyodide's own, from its CDN folder. MicroPython is unchanged.
/* page-manifest: interpreter-urls */

export const version = PYODIDE_VERSION;

export async function loadPyodide(options) {
  const { loadPyodide: load } = await import(`${PYODIDE}pyodide.mjs`);
  return load({ ...options, indexURL: PYODIDE,
                stdLibURL: new URL("./python_stdlib.zip", import.meta.url).href });
}

export async function loadMicroPython(options) {
  const { loadMicroPython: load } = await import(`${MICROPYTHON}micropython.mjs`);
  // PyScript names the .wasm after this module (python.wasm, or a variant such
  // as python-settrace.wasm): the same variant of MicroPython's own.
  const wasm = options.url.slice(options.url.lastIndexOf("/") + 1);
  return load({ ...options, url: `${MICROPYTHON}micro${wasm}` });
}
