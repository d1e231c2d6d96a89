// Starts Swagger UI or ReDoc on /api/docs/ from the schema URL the page
// declares (data-schema-url): no inline script, as the site's CSP wants.
// Then mends what axe finds in both viewers (names of their <select>s,
// focusable scrolled code) and keeps ReDoc from fetching its footer logo
// from cdn.redoc.ly (our CSP blocks it): the same image is ours.
(function () {
  "use strict";
  var english = document.documentElement.lang === "en";

  // Each <select> the viewers draw without a name gets one: the
  // parameter's name, else "Example".
  function nameSelects(root) {
    root.querySelectorAll("select:not([aria-label])").forEach(function (select) {
      if (select.labels && select.labels.length) return;
      var row = select.closest("[data-param-name]");
      var label = row ? row.getAttribute("data-param-name") : english ? "Example" : "Exemple";
      select.setAttribute("aria-label", label);
    });
    // A scrolled block of code is reached by the keyboard too.
    root.querySelectorAll("pre, .microlight").forEach(function (block) {
      if (!block.hasAttribute("tabindex")) block.setAttribute("tabindex", "0");
    });
  }

  function mend(container) {
    nameSelects(container);
    new MutationObserver(function () {
      nameSelects(container);
    }).observe(container, { childList: true, subtree: true });
  }

  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: swagger.dataset.schemaUrl,
      dom_id: "#swagger-ui",
      // Deep links make each operation's path a link inside its summary
      // button (axe: nested-interactive).
      deepLinking: false,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      // Plain code blocks: the highlighter's colours fail contrast.
      syntaxHighlight: { activated: false },
      // No call to the validator service of swagger.io: offline.
      validatorUrl: null,
    });
    mend(swagger);
  }

  var redoc = document.getElementById("redoc-container");
  if (redoc && window.Redoc) {
    var cdnLogo = "https://cdn.redoc.ly/redoc/logo-mini.svg";
    var ownLogo = redoc.dataset.logoUrl;
    // ReDoc draws <img src=cdnLogo> in its footer, with no option to
    // change it: the address is swapped for ours as React sets it.
    var setAttribute = Element.prototype.setAttribute;
    HTMLImageElement.prototype.setAttribute = function (name, value) {
      if (name === "src" && value === cdnLogo) value = ownLogo;
      return setAttribute.call(this, name, value);
    };
    var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
    Object.defineProperty(HTMLImageElement.prototype, "src", {
      configurable: true,
      enumerable: src.enumerable,
      get: src.get,
      set: function (value) {
        src.set.call(this, value === cdnLogo ? ownLogo : value);
      },
    });
    window.Redoc.init(
      redoc.dataset.schemaUrl,
      {
        theme: {
          colors: {
            primary: { main: "#1f4e79" },
            success: { main: "#17683e" },
            error: { main: "#a3231b" },
            warning: { main: "#7a4b00" },
            text: { primary: "#1d1d1d", secondary: "#4a4a4a" },
            // tabTextColor: the status tabs of the dark right panel.
            responses: {
              success: { color: "#125232", backgroundColor: "#e7f3ec", tabTextColor: "#a8e6bf" },
              error: { color: "#8a1d16", backgroundColor: "#fbeaea", tabTextColor: "#ffc2bd" },
              redirect: { color: "#6a4100", backgroundColor: "#fdf3e1", tabTextColor: "#ffdca8" },
              info: { color: "#1f4e79", backgroundColor: "#e8eff7", tabTextColor: "#c2dbf5" },
            },
            http: {
              get: "#1f5f99",
              post: "#17683e",
              delete: "#a3231b",
              put: "#7a4b00",
              patch: "#6b3d99",
            },
          },
          typography: { code: { color: "#8a1d16" }, links: { color: "#1f4e79" } },
          sidebar: { textColor: "#1d1d1d" },
        },
      },
      redoc
    );
    mend(redoc);
  }
})();
