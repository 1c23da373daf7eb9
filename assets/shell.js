// The page shell's tabs: the ARIA tabs pattern, keyboard included, with one URL
// per tab (#orders, #returns). It runs before Python is ready, so a click made
// while the interpreter loads is kept: Python reads `document.body.dataset.tab`
// when it starts and follows the "shell:tab" events after that.
const tabs = [...document.querySelectorAll('[role="tab"]')];
const names = tabs.map((tab) => tab.dataset.tab);

function select(name, { focus = false } = {}) {
  if (!names.includes(name)) name = names[0];
  for (const tab of tabs) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    document.getElementById(tab.getAttribute("aria-controls")).hidden = !selected;
    if (selected && focus) tab.focus();
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
