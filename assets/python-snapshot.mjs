// Makes a memory snapshot of a freshly booted Pyodide, in a worker, for
// assets/python.mjs: the page posts {pyodide, stdLibURL, cache, key}; this
// boots that Pyodide with `_makeSnapshot`, runs nothing of the page's, and
// stores `makeMemorySnapshot()` in Cache Storage under `key`, then answers
// {stored: true} (or {error}). The page's own interpreter is never snapshotted:
// it holds references to the page's objects, which no other page has.
self.onmessage = async ({ data: { pyodide, stdLibURL, cache, key } }) => {
  try {
    const { loadPyodide } = await import(`${pyodide}pyodide.mjs`);
    const python = await loadPyodide({ indexURL: pyodide, stdLibURL, _makeSnapshot: true });
    const snapshot = python.makeMemorySnapshot();
    await (await caches.open(cache)).put(key, new Response(snapshot));
    self.postMessage({ stored: true });
  } catch (error) {
    self.postMessage({ error: String(error) });
  }
};
