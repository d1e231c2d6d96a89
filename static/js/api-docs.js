// Starts Swagger UI or ReDoc on /api/docs/ from the schema URL the page
// declares (data-schema-url): no inline script, as the site's CSP wants.
(function () {
  "use strict";
  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: swagger.dataset.schemaUrl,
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      // No call to the validator service of swagger.io: offline.
      validatorUrl: null,
    });
  }
  var redoc = document.getElementById("redoc-container");
  if (redoc && window.Redoc) {
    window.Redoc.init(redoc.dataset.schemaUrl, {}, redoc);
  }
})();
