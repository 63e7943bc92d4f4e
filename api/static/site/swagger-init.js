// Swagger UI for /docs, from the vendored bundle (api/static/vendor): a file, not an inline script,
// so the page passes a Content-Security-Policy without 'unsafe-inline'. validatorUrl null: Swagger
// UI would otherwise send the document to an outside validator.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
