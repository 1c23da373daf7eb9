// Compiles the part of Pyodide's standard library a page runs to bytecode,
// with that very Pyodide:
//
//   node src/devserver/compile_stdlib.mjs node_modules/pyodide .cache/pyodide-stdlib/314.0.2/python_stdlib.zip
//
// Pyodide boots by compiling its stdlib modules from source on every page load
// (~190 of them before the app's code runs); a python_stdlib.zip with those as
// .pyc files lets it skip that. Pyodide's npm package ships only the .py zip,
// so this reads it, compiles modules inside Pyodide itself (running in Node,
// so the bytecode is exactly its CPython's) and writes a zip with the same
// entries, each compiled .py replaced by its .pyc (unchecked hash-based: there
// is no source to check against).
//
// Only the modules a page imports are compiled: those Pyodide imports to boot,
// those PyScript's Python and the packages the demo's pyscript.toml ships
// import (its `# page-manifest: files` line names them), and those Pyodide
// unpacks a `[files]` archive with. The rest stay source: bytecode is about
// twice the size of source once zipped, and compiling all of it took the zip
// from 2.5 to 4.5 MB; a module the page never imports would cost every visit
// bytes for nothing. They can still be imported (compiled then, as stock
// Pyodide does). A module that does not compile is kept as source.
// `./dev` runs it when package-lock.json or this script changes; the dev
// server serves the result as /assets/python_stdlib.zip and the static export
// ships it.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [pyodideDir, out] = process.argv.slice(2);
if (!pyodideDir || !out) {
  console.error("usage: node compile_stdlib.mjs PYODIDE_PACKAGE_DIR OUT_ZIP");
  process.exit(2);
}
const project = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const shipped = readFileSync(resolve(project, "pyscript.toml"), "utf8")
  .match(/^# page-manifest: files (.+)$/m)?.[1].trim().split(/\s+/) ?? [];
const folders = [resolve(project, "node_modules/@pyscript/core/src/stdlib/pyscript"),
                 ...shipped.map((name) => resolve(project, "src", name))];
const sources = folders.flatMap((folder) => readdirSync(folder)
  .filter((name) => name.endsWith(".py"))
  .map((name) => readFileSync(resolve(folder, name), "utf8")));

const indexURL = resolve(pyodideDir) + "/";
const { loadPyodide } = await import(pathToFileURL(indexURL + "pyodide.mjs").href);
const pyodide = await loadPyodide({ indexURL });
// What the page's Python imports (what cannot be imported here, such as `js`
// features of a browser or the packages themselves, is skipped), after
// forgetting what reading it took.
pyodide.globals.set("sources", pyodide.toPy(sources));
pyodide.runPython(`
import sys
booted = set(sys.modules)
import ast
names = set()
for source in sources:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
for name in set(sys.modules) - booted:
    del sys.modules[name]
import importlib
for name in sorted(names):
    try:
        importlib.import_module(name)
    except Exception:
        pass
`);
// As PyScript unpacks the page's archive of modules (a .tar.gz).
pyodide.unpackArchive(pyodide.runPython(`
import gzip, io, tarfile
archive = io.BytesIO()
with tarfile.open(fileobj=archive, mode="w:gz") as tar:
    tar.addfile(tarfile.TarInfo("package/__init__.py"), io.BytesIO())
archive.getvalue()
`).toJs(), "tar.gz", { extractDir: "/tmp/unpacked" });
pyodide.runPython(`
imported = {getattr(module, "__file__", None) for module in list(sys.modules.values())}
`);

pyodide.FS.writeFile("/tmp/python_stdlib.zip", readFileSync(indexURL + "python_stdlib.zip"));
const [compiled, kept] = pyodide.runPython(`
import importlib.util, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

# Where Pyodide mounts the zip: tracebacks name stdlib frames by this path.
mounted = next(p for p in sys.path if p.endswith(".zip"))
kept = []
with zipfile.ZipFile("/tmp/python_stdlib.zip") as source, \\
        zipfile.ZipFile("/tmp/compiled.zip", "w") as compiled:
    for info in source.infolist():
        data = source.read(info)
        if f"{mounted}/{info.filename}" in imported:
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
[sum(name.endswith(".pyc") for name in compiled.namelist()), ", ".join(kept)]
`).toJs();
mkdirSync(dirname(resolve(out)), { recursive: true });
writeFileSync(out, pyodide.FS.readFile("/tmp/compiled.zip"));
console.log(`compiled ${compiled} modules of Pyodide ${pyodide.version}'s stdlib to ${out}`
            + (kept ? ` (kept as source: ${kept})` : ""));
