// Compiles Pyodide's standard library to bytecode, with that very Pyodide:
//
//   node src/devserver/compile_stdlib.mjs node_modules/pyodide .cache/pyodide-stdlib/314.0.2/python_stdlib.zip
//
// Pyodide boots by compiling its stdlib modules from source on every page load
// (~190 of them before the app's code runs); a python_stdlib.zip of .pyc files
// lets it skip that. Pyodide's npm package ships only the .py zip, so this
// reads it, compiles each module inside Pyodide itself (running in Node, so
// the bytecode is exactly its CPython's) and writes a zip with the same
// entries, each .py replaced by its .pyc (unchecked hash-based: there is no
// source to check against). A module that does not compile is kept as source.
// `./dev` runs it when package-lock.json changes; the dev server serves the
// result as /assets/python_stdlib.zip and the static export ships it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [pyodideDir, out] = process.argv.slice(2);
if (!pyodideDir || !out) {
  console.error("usage: node compile_stdlib.mjs PYODIDE_PACKAGE_DIR OUT_ZIP");
  process.exit(2);
}
const indexURL = resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL });
pyodide.FS.writeFile("/tmp/python_stdlib.zip", readFileSync(indexURL + "python_stdlib.zip"));
const kept = pyodide.runPython(`
import importlib.util, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

# Where Pyodide mounts the zip: tracebacks name stdlib frames by this path.
mounted = next(p for p in sys.path if p.endswith(".zip"))
kept = []
with zipfile.ZipFile("/tmp/python_stdlib.zip") as source, \\
        zipfile.ZipFile("/tmp/compiled.zip", "w") as compiled:
    for info in source.infolist():
        data = source.read(info)
        if info.filename.endswith(".py"):
            try:
                code = compile(data, f"{mounted}/{info.filename}", "exec", dont_inherit=True)
            except SyntaxError:
                kept.append(info.filename)
            else:
                pyc = zipfile.ZipInfo(info.filename + "c", info.date_time)
                pyc.compress_type = info.compress_type
                compiled.writestr(pyc, _code_to_hash_pyc(code, importlib.util.source_hash(data), False))
                continue
        compiled.writestr(info, data)
", ".join(kept)
`);
mkdirSync(dirname(resolve(out)), { recursive: true });
writeFileSync(out, pyodide.FS.readFile("/tmp/compiled.zip"));
console.log(`compiled Pyodide ${pyodide.version}'s stdlib to ${out}` + (kept ? ` (kept as source: ${kept})` : ""));
