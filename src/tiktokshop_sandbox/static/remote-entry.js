/*
 * Remote entry of the sandbox's ManageReturns widget: the container widget-kit loads.
 *
 *   const container = globalThis["__VMOK_@tiktokshop-widget/reverse:1.0.0__"];
 *   container.init({ version: "1.0.0", region: "va" });
 *   const factory = await container.get("./ManageReturns");
 *   const content = (await factory()).default();   // { mount, update, unmount }
 *
 * widget-kit 1.0.4 adds this file as a classic <script crossorigin="anonymous">,
 * waits for its load event and then reads the container from globalThis under
 * "__VMOK_<scope>:<manifest version>__". The widget itself is an ES module next
 * to this file, imported only when widget-kit asks for it.
 */
(() => {
  "use strict";

  const CONTAINER_KEY = "__VMOK_@tiktokshop-widget/reverse:1.0.0__";
  const EXPOSED_MODULES = { "./ManageReturns": "manage-returns.js" };
  // widget-kit removes this <script> element once it has loaded, so where the
  // widget's files live has to be read now, while the script runs.
  const baseUrl = new URL(".", document.currentScript.src).href;

  globalThis[CONTAINER_KEY] = {
    // widget-kit passes { version, region }; the sandbox serves one version from
    // one place, so there is nothing to set up.
    init() {},

    get(expose) {
      const file = EXPOSED_MODULES[expose];
      if (!file) {
        return Promise.reject(new Error(`The ManageReturns container has no module "${expose}".`));
      }
      return import(new URL(file, baseUrl).href).then((module) => () => module);
    },
  };
})();
