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
//
// On a return visit Pyodide starts from a memory snapshot instead of booting:
// after a first visit's boot, a worker (python-snapshot.mjs) boots a fresh
// Pyodide, snapshots it and keeps the snapshot in Cache Storage, keyed by the
// Pyodide build and the stdlib zip (STDLIB_SHA256), so another build never
// reads it. Any problem (no Cache Storage, a snapshot that will not load) falls
// back to a normal boot, and drops the snapshot. `<html data-python-start>`
// says which start the page got: "snapshot" or "boot" (then "boot, snapshot
// stored" once the worker is done).
/* page-manifest: interpreter-urls */

export const version = PYODIDE_VERSION;

const SNAPSHOTS = "python-snapshots";
const stdLibURL = new URL("./python_stdlib.zip", import.meta.url).href;
const snapshotKey = new URL(`./pyodide-${PYODIDE_VERSION}-${STDLIB_SHA256}.snapshot`,
                            import.meta.url).href;
const started = (how) => { document.documentElement.dataset.pythonStart = how; };

async function storedSnapshot() {
  try {
    const response = await (await caches.open(SNAPSHOTS)).match(snapshotKey);
    return response ? new Uint8Array(await response.arrayBuffer()) : null;
  } catch {
    return null;  // no Cache Storage here (an insecure origin, say): boot
  }
}

function storeSnapshotLater() {
  const make = () => {
    const worker = new Worker(new URL("./python-snapshot.mjs", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.stored) started("boot, snapshot stored");
    };
    worker.postMessage({ pyodide: PYODIDE, stdLibURL, cache: SNAPSHOTS, key: snapshotKey });
  };
  // After the page's own start: the worker would compete with it for the CPU.
  if (document.readyState === "complete") setTimeout(make, 1000);
  else addEventListener("load", () => setTimeout(make, 1000), { once: true });
}

export async function loadPyodide(options) {
  const { loadPyodide: load } = await import(`${PYODIDE}pyodide.mjs`);
  const boot = { ...options, indexURL: PYODIDE, stdLibURL };
  const snapshot = await storedSnapshot();
  if (snapshot) {
    try {
      const python = await load({ ...boot, _loadSnapshot: snapshot });
      // Every restore would otherwise draw the same random numbers.
      python.runPython("import random; random.seed()");
      started("snapshot");
      return python;
    } catch (error) {
      console.warn(`Python's snapshot did not load (${error}); starting it afresh`);
      await caches.delete(SNAPSHOTS).catch(() => {});
    }
  }
  const python = await load(boot);
  started("boot");
  storeSnapshotLater();
  return python;
}

export async function loadMicroPython(options) {
  const { loadMicroPython: load } = await import(`${MICROPYTHON}micropython.mjs`);
  // PyScript names the .wasm after this module (python.wasm, or a variant such
  // as python-settrace.wasm): the same variant of MicroPython's own.
  const wasm = options.url.slice(options.url.lastIndexOf("/") + 1);
  return load({ ...options, url: `${MICROPYTHON}micro${wasm}` });
}
