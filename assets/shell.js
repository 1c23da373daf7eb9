// The page shell's tabs: the ARIA tabs pattern, keyboard included, with one URL
// per tab (#orders, #returns). It runs before Python is ready, so a click made
// while the interpreter loads is kept: Python reads `document.body.dataset.tab`
// when it starts and follows the "shell:tab" events after that.
const tabs = [...document.querySelectorAll('[role="tab"]')];
const names = tabs.map((tab) => tab.dataset.tab);

function select(name, { focus = false } = {}) {
  if (!names.includes(name)) {
    name = names[0];
    if (location.hash) history.replaceState(null, "", `#${name}`);  // no URL for a tab that isn't
  }
  for (const tab of tabs) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
    // Focus follows a keyboard move, and never stays on something just hidden
    // (the Orders tab's link to Returns, say).
    if (selected && (focus || document.activeElement?.closest("[hidden]"))) tab.focus();
  }
  if (document.body.dataset.tab === name) return;
  document.body.dataset.tab = name;
  document.dispatchEvent(new CustomEvent("shell:tab", { detail: { tab: name } }));
}

for (const tab of tabs) {
  tab.addEventListener("click", () => {
    // The hash is the tab's URL; hashchange selects it.
    if (location.hash !== `#${tab.dataset.tab}`) location.hash = tab.dataset.tab;
    else select(tab.dataset.tab);
  });
  tab.addEventListener("keydown", (event) => {
    const index = tabs.indexOf(tab);
    const target = {
      ArrowRight: tabs[(index + 1) % tabs.length],
      ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
      Home: tabs[0],
      End: tabs[tabs.length - 1],
    }[event.key];
    if (!target) return;
    event.preventDefault();
    history.replaceState(null, "", `#${target.dataset.tab}`);
    select(target.dataset.tab, { focus: true });
  });
}

window.addEventListener("hashchange", () => select(location.hash.slice(1)));
select(location.hash.slice(1));

// Until Python runs, the Returns panel's placeholder is the shell's to keep: if
// PyScript or the interpreter cannot be loaded, say so there (PyScript's own
// error display is off, since it would show sellers a Python traceback).
let pythonStarted = false;
for (const ready of ["py:ready", "mpy:ready"]) {
  document.addEventListener(ready, () => { pythonStarted = true; });
}
function pythonCouldNotStart(reason) {
  if (pythonStarted) return;
  const status = document.getElementById("returns-status");
  status.dataset.state = "failed";
  document.getElementById("returns-status-headline").textContent =
    "The app could not start: its Python could not be loaded.";
  document.getElementById("returns-status-detail").textContent =
    `${reason} Check your connection, then reload the page.`;
  document.getElementById("returns-reload").hidden = false;
}
document.getElementById("returns-reload").addEventListener("click", () => location.reload());
document.querySelector('script[src*="/@pyscript/core@"]')
  ?.addEventListener("error", () => pythonCouldNotStart("PyScript could not be downloaded."));
window.addEventListener("unhandledrejection", (event) =>
  pythonCouldNotStart(`${event.reason?.message ?? event.reason}.`.replace(/\.\.$/, ".")));
